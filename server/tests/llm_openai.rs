//! The OpenAI-compatible client against a fake server on 127.0.0.1:
//! streaming text, tool-call pieces merged by index, servers that omit
//! `[DONE]` or send null `choices`, the retry without tools when a server
//! refuses them, retries, dropped streams, and that the key never shows in
//! an error, an event or a log.

mod common;
#[path = "common/fake_upstream.rs"]
mod fake_upstream;

use std::time::Duration;

use common::fake_llm::{
    data, fast_settings, openai_chunk, openai_text_answer, openai_usage, FakeLlm, Reply,
};
use serde_json::json;
use server::llm::{
    LlmConfig, LlmError, LlmMessage, LlmProvider, LlmRequest, LlmRole, LlmTool, StreamEvent,
    StreamOutcome,
};

const KEY: &str = "sk-SENTINEL-7c1f";
const IDLE: Duration = Duration::from_secs(5);

/// A provider for the fake; `base_suffix` is appended to its base URL
/// (`""` or `"/v1"`: both reach `/v1/chat/completions`).
fn provider(fake: &FakeLlm, key: Option<&str>, base_suffix: &str) -> LlmProvider {
    let base = format!("{}{base_suffix}", fake.base);
    let key = key.map(str::to_owned);
    LlmConfig::from_lookup(|name| match name {
        "MLTRAINER_OPENAI_BASE_URL" => Some(base.clone()),
        "MLTRAINER_OPENAI_MODEL" => Some("llama3.1".to_owned()),
        "OPENAI_API_KEY" => key.clone(),
        _ => None,
    })
    .expect("valid config")
    .with_settings(fast_settings(IDLE))
    .build()
    .expect("builds")
    .expect("openai is configured")
}

fn request() -> LlmRequest {
    LlmRequest {
        system: "You are mlTrainer's coach.".into(),
        messages: vec![
            LlmMessage {
                role: LlmRole::User,
                content: "price a call".into(),
            },
            LlmMessage {
                role: LlmRole::Assistant,
                content: "Which strike?".into(),
            },
            LlmMessage {
                role: LlmRole::User,
                content: "105".into(),
            },
        ],
        tools: vec![LlmTool {
            name: "price_option".into(),
            description: "Price an option".into(),
            input_schema: json!({"type": "object"}),
        }],
        max_tokens: 256,
    }
}

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
    let fake = FakeLlm::start(vec![Reply::stream(openai_text_answer(&["Hi", " € 日本"]))]).await;
    let (result, events) = stream(&provider(&fake, Some(KEY), "/v1")).await;
    let outcome = result.expect("complete");
    assert_eq!(
        events,
        vec![
            StreamEvent::Text("Hi".into()),
            StreamEvent::Text(" € 日本".into()),
            StreamEvent::Usage {
                input_tokens: 12,
                output_tokens: 5
            },
        ]
    );
    assert_eq!(outcome.stop_reason.as_deref(), Some("stop"));
    assert_eq!(outcome.usage, Some((12, 5)));
    let r = &fake.received()[0];
    assert_eq!(r.path, "/v1/chat/completions");
    assert_eq!(
        r.headers.get("authorization").map(String::as_str),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(r.body["model"], "llama3.1");
    assert_eq!(r.body["stream"], true);
    assert_eq!(r.body["stream_options"]["include_usage"], true);
    assert_eq!(r.body["messages"][0]["role"], "system");
    assert_eq!(r.body["messages"][3]["content"], "105");
    assert_eq!(r.body["tools"][0]["type"], "function");
    assert_eq!(r.body["tools"][0]["function"]["name"], "price_option");
}

#[tokio::test]
async fn no_key_means_no_authorization_and_a_bare_base_gets_v1() {
    let fake = FakeLlm::start(vec![Reply::stream(openai_text_answer(&["ok"]))]).await;
    let (result, _) = stream(&provider(&fake, None, "")).await;
    result.expect("complete");
    let r = &fake.received()[0];
    assert_eq!(r.path, "/v1/chat/completions");
    assert!(!r.headers.contains_key("authorization"));
}

#[tokio::test]
async fn parallel_tool_calls_merge_by_index_with_late_names() {
    let answer = [
        openai_chunk(&json!({"role": "assistant", "content": null}), None),
        openai_chunk(
            &json!({"tool_calls": [{"index": 0, "id": "call_a", "type": "function",
                "function": {"name": "price_option", "arguments": ""}}]}),
            None,
        ),
        openai_chunk(
            &json!({"tool_calls": [{"index": 1, "id": "call_b", "type": "function",
                "function": {"arguments": "{\"goal\":"}}]}),
            None,
        ),
        openai_chunk(
            &json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"strike\": 1"}}]}),
            None,
        ),
        openai_chunk(
            &json!({"tool_calls": [{"index": 1, "function": {"name": "set_goal"}}]}),
            None,
        ),
        openai_chunk(
            &json!({"tool_calls": [{"index": 0, "function": {"arguments": "05}"}}]}),
            None,
        ),
        openai_chunk(
            &json!({"tool_calls": [{"index": 1, "function": {"arguments": " \"beat SPY\"}"}}]}),
            None,
        ),
        openai_chunk(
            &json!({"tool_calls": [{"index": 2, "id": "call_c", "function": {"name": "get_goal", "arguments": ""}}]}),
            None,
        ),
        openai_chunk(&json!({}), Some("tool_calls")),
        openai_usage(&json!([]), 50, 20),
        "data: [DONE]\n\n".to_owned(),
    ]
    .concat();
    let fake = FakeLlm::start(vec![Reply::stream(answer)]).await;
    let (result, events) = stream(&provider(&fake, Some(KEY), "/v1")).await;
    assert_eq!(
        result.expect("complete").stop_reason.as_deref(),
        Some("tool_calls")
    );
    assert_eq!(
        events,
        vec![
            StreamEvent::ToolCall {
                id: "call_a".into(),
                name: "price_option".into(),
                input: json!({"strike": 105}),
            },
            StreamEvent::ToolCall {
                id: "call_b".into(),
                name: "set_goal".into(),
                input: json!({"goal": "beat SPY"}),
            },
            StreamEvent::ToolCall {
                id: "call_c".into(),
                name: "get_goal".into(),
                input: json!({}),
            },
            StreamEvent::Usage {
                input_tokens: 50,
                output_tokens: 20
            },
        ]
    );
}

#[tokio::test]
async fn a_server_that_omits_done_and_sends_null_choices() {
    let answer = [
        openai_chunk(&json!({"content": "no done"}), None),
        openai_chunk(&json!({}), Some("stop")),
        openai_usage(&serde_json::Value::Null, 3, 2),
    ]
    .concat();
    let fake = FakeLlm::start(vec![Reply::stream(answer)]).await;
    let (result, events) = stream(&provider(&fake, Some(KEY), "/v1")).await;
    let outcome = result.expect("complete at the stream's end");
    assert_eq!(outcome.usage, Some((3, 2)));
    assert_eq!(texts(&events), "no done");
    assert_eq!(fake.count(), 1);
}

#[tokio::test]
async fn a_server_refusing_tools_is_asked_again_without_them() {
    for refusal in [
        json!({"error": {"message": "tools is not supported in this model", "type": "invalid_request_error", "param": "tools"}}),
        json!({"error": {"message": "registry.ollama.ai/library/gemma:2b does not support tools", "type": "api_error"}}),
    ] {
        let fake = FakeLlm::start(vec![
            Reply::status(400, refusal.to_string()),
            Reply::stream(openai_text_answer(&["run_lab model=random_forest"])),
        ])
        .await;
        let (result, events) = stream(&provider(&fake, Some(KEY), "/v1")).await;
        let outcome = result.expect("answered without tools");
        assert!(outcome.tools_dropped);
        assert_eq!(outcome.attempts, 2);
        assert_eq!(texts(&events), "run_lab model=random_forest");
        let seen = fake.received();
        assert_eq!(seen.len(), 2);
        assert!(seen[0].body.get("tools").is_some());
        assert!(seen[1].body.get("tools").is_none());
    }
}

#[tokio::test]
async fn other_bad_requests_are_not_retried() {
    let fake = FakeLlm::start(vec![Reply::status(
        400,
        json!({"error": {"message": "max_tokens is too large", "type": "invalid_request_error"}})
            .to_string(),
    )])
    .await;
    let (result, _) = stream(&provider(&fake, Some(KEY), "/v1")).await;
    let error = result.expect_err("bad request");
    assert!(matches!(error, LlmError::Http { status: 400, .. }));
    assert_eq!(fake.count(), 1);
}

#[tokio::test]
async fn rate_limits_with_retry_after_ms_are_retried() {
    let fake = FakeLlm::start(vec![
        Reply::status_with(
            429,
            ("retry-after-ms", "5"),
            json!({"error": {"message": "Rate limit reached", "type": "requests"}}).to_string(),
        ),
        Reply::stream(openai_text_answer(&["later"])),
    ])
    .await;
    let (result, events) = stream(&provider(&fake, Some(KEY), "/v1")).await;
    assert_eq!(result.expect("retried").attempts, 2);
    assert_eq!(texts(&events), "later");
    assert_eq!(fake.count(), 2);
}

#[tokio::test]
async fn a_stream_closed_before_finish_is_dropped_after_text() {
    let answer = [
        openai_chunk(&json!({"content": "half an"}), None),
        openai_chunk(
            &json!({"tool_calls": [{"index": 0, "id": "c", "function": {"name": "run_lab", "arguments": "{"}}]}),
            None,
        ),
    ]
    .concat();
    let fake = FakeLlm::start(vec![Reply::stream(answer)]).await;
    let (result, events) = stream(&provider(&fake, Some(KEY), "/v1")).await;
    assert_eq!(result.expect_err("dropped"), LlmError::Dropped);
    assert_eq!(events, vec![StreamEvent::Text("half an".into())]);
    assert_eq!(fake.count(), 1, "no retry once text was sent");
}

#[tokio::test]
async fn the_key_never_leaks_even_when_echoed() {
    let (logs, _guard) = fake_upstream::capture_logs();
    let echoed = json!({"error": {"message": "Incorrect API key provided: {KEY}", "type": "invalid_request_error"}}).to_string();
    let in_stream = [
        openai_chunk(&json!({"content": "text"}), None),
        data(&json!({"error": {"message": "bad key {KEY}", "type": "server_error"}})),
    ]
    .concat();
    let mut outputs = Vec::new();
    for reply in [
        Reply::status(401, echoed.clone()),
        Reply::status(503, echoed),
        Reply::stream(in_stream),
    ] {
        let fake = FakeLlm::start(vec![reply]).await;
        let (result, events) = stream(&provider(&fake, Some(KEY), "/v1")).await;
        assert!(fake.received()[0]
            .headers
            .get("authorization")
            .is_some_and(|v| v.contains(KEY)));
        let error = result.expect_err("fails");
        outputs.push(format!("{error} {error:?} {events:?}"));
    }
    assert!(
        outputs[0].contains("Incorrect API key provided: [redacted]"),
        "{}",
        outputs[0]
    );
    assert!(outputs[2].contains("bad key [redacted]"), "{}", outputs[2]);
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
