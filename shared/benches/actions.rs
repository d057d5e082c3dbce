//! Parsing a long coach answer: ~4 KB of text with three requests (a lab
//! run, an option to price, a JSON tool call) and the rest prose, through
//! `parse_text` (validation included); and one `parse_tool_call`.
//! `cargo bench -p shared --bench actions -- --warm-up-time 1 --measurement-time 3`

use criterion::{criterion_group, criterion_main, Criterion};
use shared::actions::{parse_text, parse_tool_call, ActionContext};
use shared::compliance::Rules;
use shared::pricing::dates::Date;

fn answer() -> String {
    let prose = "Walk-forward evaluation keeps the test period strictly after training, which \
                 is why the scores look modest compared with a shuffled split. The Sharpe ratio \
                 of the signal is net of costs, and the baseline is scored on the same rows. ";
    let mut text = String::new();
    text.push_str(
        "Here is my plan. Compare all gradient boosting models on NASDAQ with a 5-day horizon.\n",
    );
    while text.len() < 2_000 {
        text.push_str(prose);
    }
    text.push_str("\nThen price a 3-month 105 call on 100 at 20% vol.\n");
    while text.len() < 3_700 {
        text.push_str(prose);
    }
    text.push_str("\n```json\n{\"tool\": \"fetch_data\", \"input\": {\"source\": \"fred\", \"symbol\": \"DGS10\", \"from\": \"2020-01-01\"}}\n```\n");
    text
}

fn actions(c: &mut Criterion) {
    let rules = Rules::default_rules();
    let ctx = ActionContext {
        rules: &rules,
        today: Date::parse("2026-11-23").unwrap(),
    };
    let text = answer();
    let parsed = parse_text(&ctx, &text);
    assert_eq!(parsed.len(), 3, "{parsed:?}");
    assert!(parsed.iter().all(Result::is_ok), "{parsed:?}");
    let mut group = c.benchmark_group("actions");
    group.bench_function(format!("parse_text/{}_bytes_3_requests", text.len()), |b| {
        b.iter(|| parse_text(&ctx, std::hint::black_box(&text)))
    });
    let input = serde_json::json!({"symbol": "sp500", "scope": "family", "name": "random_forest", "horizon": 5});
    group.bench_function("parse_tool_call/run_lab", |b| {
        b.iter(|| parse_tool_call(&ctx, "id", "run_lab", std::hint::black_box(&input)))
    });
    group.finish();
}

criterion_group!(benches, actions);
criterion_main!(benches);
