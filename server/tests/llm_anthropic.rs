//! The Anthropic client against a fake Anthropic on 127.0.0.1: streaming
//! text and tool calls, ignored events, errors after HTTP 200, retries
//! (only before the first event), timeouts, cancellation, the circuit
//! breaker, and that the key never shows in an error, an event or a log.

mod common;
#[path = "common/fake_upstream.rs"]
mod fake_upstream;

use std::time::Duration;

use common::fake_llm::{
    anthropic_end, anthropic_error, anthropic_start, anthropic_text_answer, anthropic_text_block,
    anthropic_tool_block, fast_settings, frame, FakeLlm, Piece, Reply,
};
use serde_json::json;
use server::llm::{
    LlmConfig, LlmError, LlmMessage, LlmProvider, LlmRequest, LlmRole, LlmSettings, LlmTool,
    StreamEvent, StreamOutcome,
};

const KEY: &str = "sk-SENTINEL-7c1f";
const NORMAL_IDLE: Duration = Duration::from_secs(5);

fn provider(fake: &FakeLlm, settings: LlmSettings) -> LlmProvider {
    provider_at(&fake.base, settings)
}

fn provider_at(base: &str, settings: LlmSettings) -> LlmProvider {
    let base = base.to_owned();
    LlmConfig::from_lookup(|name| match name {
        "ANTHROPIC_API_KEY" => Some(KEY.to_owned()),
        "MLTRAINER_ANTHROPIC_BASE_URL" => Some(base.clone()),
        "MLTRAINER_ANTHROPIC_MODEL" => Some("claude-test".to_owned()),
        _ => None,
    })
    .expect("valid config")
    .with_settings(settings)
    .build()
    .expect("builds")
    .expect("anthropic is configured")
}

fn request() -> LlmRequest {
    LlmRequest {
        system: "You are mlTrainer's coach.".into(),
        messages: vec![LlmMessage {
            role: LlmRole::User,
            content: "train a random forest on the S&P 500".into(),
        }],
        tools: vec![LlmTool {
            name: "run_lab".into(),
            description: "Run the lab".into(),
            input_schema: json!({"type": "object", "properties": {"model": {"type": "string"}}}),
        }],
        max_tokens: 1024,
    }
}

/// Streams one answer, collecting every event sent.
async fn stream(provider: &LlmProvider) -> (Result<StreamOutcome, LlmError>, Vec<StreamEvent>) {
    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    let result = provider.stream(&request(), tx).await;
    let mut events = Vec::new();
    while let Ok(event) = rx.try_recv() {
        events.push(event);
    }
    (result, events)
}

fn texts(events: &[StreamEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn streams_text_with_the_right_request() {
    let fake = FakeLlm::start(vec![Reply::stream(anthropic_text_answer(&[
        "Hello",
        ", € and 日本",
    ]))])
    .await;
    let (result, events) = stream(&provider(&fake, fast_settings(NORMAL_IDLE))).await;
    let outcome = result.expect("complete");
    assert_eq!(
        events,
        vec![
            StreamEvent::Text("Hello".into()),
            StreamEvent::Text(", € and 日本".into()),
            StreamEvent::Usage {
                input_tokens: 10,
                output_tokens: 7
            },
        ]
    );
    assert_eq!(outcome.stop_reason.as_deref(), Some("end_turn"));
    assert_eq!(outcome.usage, Some((10, 7)));
    assert_eq!((outcome.attempts, outcome.tools_dropped), (1, false));
    let seen = fake.received();
    assert_eq!(seen.len(), 1);
    let r = &seen[0];
    assert_eq!(r.path, "/v1/messages");
    assert_eq!(r.headers.get("x-api-key").map(String::as_str), Some(KEY));
    assert_eq!(
        r.headers.get("anthropic-version").map(String::as_str),
        Some("2023-06-01")
    );
    assert!(!r.headers.contains_key("authorization"));
    assert_eq!(r.body["model"], "claude-test");
    assert_eq!(r.body["stream"], true);
    assert_eq!(r.body["max_tokens"], 1024);
    assert_eq!(r.body["system"], "You are mlTrainer's coach.");
    assert_eq!(r.body["messages"][0]["role"], "user");
    assert_eq!(r.body["tools"][0]["name"], "run_lab");
    assert_eq!(r.body["tools"][0]["input_schema"]["type"], "object");
}

#[tokio::test]
async fn parallel_tool_calls_with_split_input_pings_and_unknown_events() {
    let answer = [
        anthropic_start(40),
        frame("ping", &json!({"type": "ping"})),
        anthropic_text_block(0, &["Running both."]),
        frame("mystery_event", &json!({"type": "mystery_event", "n": 1})),
        anthropic_tool_block(
            1,
            "toolu_a",
            "run_lab",
            &["", "{\"model\": \"random_", "forest\", \"horizon\": 5}"],
        ),
        frame(
            "content_block_delta",
            &json!({"type": "content_block_delta", "index": 1,
                "delta": {"type": "citations_delta", "x": 1}}),
        ),
        frame("ping", &json!({"type": "ping"})),
        anthropic_tool_block(2, "toolu_b", "price_option", &["{\"spot\"", ": 100}"]),
        anthropic_tool_block(3, "toolu_c", "get_goal", &[]),
        anthropic_end("tool_use", 55),
    ]
    .concat();
    let fake = FakeLlm::start(vec![Reply::stream(answer)]).await;
    let (result, events) = stream(&provider(&fake, fast_settings(NORMAL_IDLE))).await;
    let outcome = result.expect("complete");
    assert_eq!(outcome.stop_reason.as_deref(), Some("tool_use"));
    assert_eq!(
        events,
        vec![
            StreamEvent::Text("Running both.".into()),
            StreamEvent::ToolCall {
                id: "toolu_a".into(),
                name: "run_lab".into(),
                input: json!({"model": "random_forest", "horizon": 5}),
            },
            StreamEvent::ToolCall {
                id: "toolu_b".into(),
                name: "price_option".into(),
                input: json!({"spot": 100}),
            },
            StreamEvent::ToolCall {
                id: "toolu_c".into(),
                name: "get_goal".into(),
                input: json!({}),
            },
            StreamEvent::Usage {
                input_tokens: 40,
                output_tokens: 55
            },
        ]
    );
}

#[tokio::test]
async fn an_error_event_after_text_ends_the_answer_without_retry() {
    let answer = format!(
        "{}{}{}",
        anthropic_start(5),
        anthropic_text_block(0, &["Partial"]),
        frame(
            "error",
            &serde_json::from_str::<serde_json::Value>(&anthropic_error(
                "overloaded_error",
                "Overloaded"
            ))
            .expect("json")
        ),
    );
    let fake = FakeLlm::start(vec![Reply::stream(answer)]).await;
    let (result, events) = stream(&provider(&fake, fast_settings(NORMAL_IDLE))).await;
    let error = result.expect_err("stream error");
    assert_eq!(
        error,
        LlmError::StreamError {
            kind: "overloaded_error".into(),
            message: "Overloaded".into()
        }
    );
    assert_eq!(error.code(), "llm_stream_error");
    assert_eq!(texts(&events), "Partial");
    assert_eq!(fake.count(), 1, "nothing is retried once text was sent");
}

#[tokio::test]
async fn an_error_event_before_any_event_is_retried() {
    let overloaded = format!(
        "{}{}",
        anthropic_start(5),
        frame(
            "error",
            &json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
        )
    );
    let fake = FakeLlm::start(vec![
        Reply::stream(overloaded),
        Reply::stream(anthropic_text_answer(&["ok"])),
    ])
    .await;
    let (result, events) = stream(&provider(&fake, fast_settings(NORMAL_IDLE))).await;
    assert_eq!(result.expect("second attempt").attempts, 2);
    assert_eq!(texts(&events), "ok");
    assert_eq!(fake.count(), 2);
}

#[tokio::test]
async fn rate_limits_honour_retry_after_then_succeed() {
    let fake = FakeLlm::start(vec![
        Reply::status_with(
            429,
            ("retry-after", "1"),
            anthropic_error("rate_limit_error", "slow down"),
        ),
        Reply::stream(anthropic_text_answer(&["after the wait"])),
    ])
    .await;
    let (result, events) = stream(&provider(&fake, fast_settings(NORMAL_IDLE))).await;
    assert_eq!(result.expect("retried").attempts, 2);
    assert_eq!(texts(&events), "after the wait");
    assert_eq!(fake.count(), 2);
}

#[tokio::test]
async fn rate_limits_report_retry_after_ms_when_attempts_run_out() {
    let fake = FakeLlm::start(vec![Reply::status_with(
        429,
        ("retry-after-ms", "7"),
        anthropic_error(
            "rate_limit_error",
            "Number of requests has exceeded your rate limit",
        ),
    )])
    .await;
    let (result, events) = stream(&provider(&fake, fast_settings(NORMAL_IDLE))).await;
    let error = result.expect_err("rate limited");
    assert_eq!(
        error,
        LlmError::Http {
            status: 429,
            kind: "rate_limit_error".into(),
            message: "Number of requests has exceeded your rate limit".into(),
            retry_after: Some(Duration::from_millis(7)),
        }
    );
    assert_eq!(error.code(), "llm_rate_limited");
    assert!(events.is_empty());
    assert_eq!(fake.count(), 3);
}

#[tokio::test]
async fn overloaded_529_is_retried() {
    let fake = FakeLlm::start(vec![
        Reply::status(529, anthropic_error("overloaded_error", "Overloaded")),
        Reply::stream(anthropic_text_answer(&["fine"])),
    ])
    .await;
    let (result, _) = stream(&provider(&fake, fast_settings(NORMAL_IDLE))).await;
    assert_eq!(result.expect("retried").attempts, 2);
    assert_eq!(fake.count(), 2);
}

#[tokio::test]
async fn server_errors_give_up_after_max_attempts() {
    let fake = FakeLlm::start(vec![Reply::status(
        500,
        anthropic_error("api_error", "Internal server error"),
    )])
    .await;
    let (result, _) = stream(&provider(&fake, fast_settings(NORMAL_IDLE))).await;
    let error = result.expect_err("gives up");
    assert_eq!(error.code(), "llm_http_error");
    assert!(matches!(error, LlmError::Http { status: 500, .. }));
    assert_eq!(fake.count(), 3);
}

#[tokio::test]
async fn bad_requests_are_not_retried() {
    let fake = FakeLlm::start(vec![Reply::status(
        400,
        anthropic_error("invalid_request_error", "messages: roles must alternate"),
    )])
    .await;
    let (result, _) = stream(&provider(&fake, fast_settings(NORMAL_IDLE))).await;
    let error = result.expect_err("bad request");
    assert_eq!(
        error.to_string(),
        "the LLM provider answered HTTP 400 (invalid_request_error): messages: roles must alternate"
    );
    assert_eq!(fake.count(), 1);
}

#[tokio::test]
async fn a_stream_that_stops_after_text_is_dropped_not_retried() {
    let cut = format!(
        "{}{}",
        anthropic_start(5),
        anthropic_text_block(0, &["Half"])
    );
    let fake = FakeLlm::start(vec![Reply::stream(cut)]).await;
    let (result, events) = stream(&provider(&fake, fast_settings(NORMAL_IDLE))).await;
    let error = result.expect_err("dropped");
    assert_eq!(error, LlmError::Dropped);
    assert_eq!(error.code(), "stream_dropped");
    assert_eq!(events, vec![StreamEvent::Text("Half".into())]);
    assert_eq!(fake.count(), 1);
}

#[tokio::test]
async fn a_stream_that_stops_before_any_event_is_retried() {
    let fake = FakeLlm::start(vec![
        Reply::stream(anthropic_start(5)),
        Reply::stream(anthropic_text_answer(&["whole"])),
    ])
    .await;
    let (result, events) = stream(&provider(&fake, fast_settings(NORMAL_IDLE))).await;
    assert_eq!(result.expect("second attempt").attempts, 2);
    assert_eq!(texts(&events), "whole");
}

#[tokio::test]
async fn a_stalled_stream_times_out() {
    let fake = FakeLlm::start(vec![Reply::Stream(vec![
        Piece::Bytes(format!(
            "{}{}",
            anthropic_start(5),
            anthropic_text_block(0, &["Hi"])
        )),
        Piece::Stall(Duration::from_secs(10)),
    ])])
    .await;
    let (result, events) =
        stream(&provider(&fake, fast_settings(Duration::from_millis(500)))).await;
    assert_eq!(result.expect_err("idle"), LlmError::Timeout);
    assert_eq!(texts(&events), "Hi");
    assert_eq!(fake.count(), 1);
}

#[tokio::test]
async fn dropping_the_receiver_cancels() {
    let fake = FakeLlm::start(vec![Reply::Stream(vec![
        Piece::Bytes(format!(
            "{}{}",
            anthropic_start(5),
            anthropic_text_block(0, &["First"])
        )),
        Piece::Stall(Duration::from_secs(10)),
    ])])
    .await;
    let provider = provider(&fake, fast_settings(Duration::from_secs(30)));
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    let request = request();
    let (result, first) = tokio::join!(provider.stream(&request, tx), async move {
        let first = rx.recv().await;
        drop(rx);
        first
    });
    assert_eq!(first, Some(StreamEvent::Text("First".into())));
    assert_eq!(result.expect_err("cancelled"), LlmError::Cancelled);
}

#[tokio::test]
async fn a_json_answer_is_a_protocol_error_and_refused_connections_are_unavailable() {
    let fake = FakeLlm::start(vec![Reply::Json(r#"{"content":[]}"#.into())]).await;
    let (result, _) = stream(&provider(&fake, fast_settings(NORMAL_IDLE))).await;
    assert_eq!(
        result.expect_err("not a stream").code(),
        "llm_protocol_error"
    );

    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let (result, _) = stream(&provider_at(&closed, fast_settings(NORMAL_IDLE))).await;
    let error = result.expect_err("refused");
    assert_eq!(error.code(), "llm_unavailable");
}

#[tokio::test]
async fn the_breaker_opens_after_repeated_failures() {
    let fake = FakeLlm::start(vec![Reply::status(503, "{}")]).await;
    let settings = LlmSettings {
        max_attempts: 1,
        breaker_threshold: 2,
        ..fast_settings(NORMAL_IDLE)
    };
    let provider = provider(&fake, settings);
    for _ in 0..2 {
        let (result, _) = stream(&provider).await;
        assert_eq!(result.expect_err("503").code(), "llm_http_error");
    }
    let (result, _) = stream(&provider).await;
    assert_eq!(result.expect_err("open").code(), "llm_circuit_open");
    assert_eq!(fake.count(), 2, "an open breaker sends nothing");
    assert_eq!(provider.breaker_state().as_str(), "open");
}

#[tokio::test]
async fn the_key_never_leaks_even_when_echoed() {
    let (logs, _guard) = fake_upstream::capture_logs();
    let echoed_error = anthropic_error("authentication_error", "invalid x-api-key: {KEY}");
    let in_stream = format!(
        "{}{}{}",
        anthropic_start(5),
        anthropic_text_block(0, &["text"]),
        frame(
            "error",
            &json!({"type": "error", "error": {"type": "api_error", "message": "key {KEY} is bad"}})
        )
    );
    let mut outputs = Vec::new();
    for reply in [
        Reply::status(401, echoed_error.clone()),
        Reply::status_with(429, ("retry-after", "0"), echoed_error.clone()),
        Reply::status(500, echoed_error),
        Reply::stream(in_stream),
    ] {
        let fake = FakeLlm::start(vec![reply]).await;
        let (result, events) = stream(&provider(&fake, fast_settings(NORMAL_IDLE))).await;
        // The fake did receive the key, and did echo it.
        assert_eq!(
            fake.received()[0]
                .headers
                .get("x-api-key")
                .map(String::as_str),
            Some(KEY)
        );
        let error = result.expect_err("fails");
        outputs.push(format!("{error} {error:?} {events:?}"));
    }
    assert!(
        outputs[0].contains("invalid x-api-key: [redacted]"),
        "{}",
        outputs[0]
    );
    assert!(
        outputs[3].contains("key [redacted] is bad"),
        "{}",
        outputs[3]
    );
    let logs = logs.contents();
    assert!(
        logs.contains("LLM attempt failed"),
        "no events logged: {logs}"
    );
    for text in outputs.iter().chain(std::iter::once(&logs)) {
        assert!(!text.contains(KEY), "the key leaked into: {text}");
        assert!(
            !text.contains("SENTINEL"),
            "part of the key leaked into: {text}"
        );
    }
}
