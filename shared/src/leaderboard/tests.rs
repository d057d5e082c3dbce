use std::collections::BTreeMap;

use super::*;
use crate::compliance::Verdict;

struct Run<'a> {
    model: &'a str,
    family: &'a str,
    symbol: &'a str,
    horizon: f64,
    window: &'a str,
    regression: bool,
    sharpe: f64,
    ret: f64,
    hold: f64,
}

fn stored(id: i64, run: &Run<'_>) -> StoredResult {
    let mut metrics = BTreeMap::new();
    if run.regression {
        metrics.insert("rmse".to_string(), 0.01 + run.sharpe.abs() / 100.0);
    } else {
        metrics.insert("accuracy".to_string(), 0.5 + run.sharpe / 10.0);
    }
    metrics.insert("sharpe".into(), run.sharpe);
    metrics.insert("cumulative_return".into(), run.ret);
    metrics.insert("buy_and_hold_cumulative_return".into(), run.hold);
    metrics.insert("buy_and_hold_sharpe".into(), 0.4);
    metrics.insert("max_drawdown".into(), 0.1 + run.sharpe.abs() / 10.0);
    let mut params = BTreeMap::new();
    params.insert("horizon_days".into(), ParamValue::Number(run.horizon));
    params.insert("window".into(), ParamValue::Text(run.window.into()));
    StoredResult {
        id,
        created_at: format!("2026-01-01T00:00:{:02}Z", id % 60),
        verdict: Verdict {
            allowed: true,
            rule_id: "all".into(),
            reason: "ok".into(),
        },
        record: ResultRecord {
            kind: "lab_run".into(),
            model: run.model.into(),
            family: run.family.into(),
            params,
            seed: 42,
            source: "bundled".into(),
            symbol: run.symbol.into(),
            data_hash: "ab".repeat(32),
            code_version: "0.1.0".into(),
            metrics,
            client_id: None,
        },
    }
}

fn run<'a>(model: &'a str, family: &'a str, sharpe: f64, ret: f64) -> Run<'a> {
    Run {
        model,
        family,
        symbol: "sp500",
        horizon: 1.0,
        window: "expanding",
        regression: false,
        sharpe,
        ret,
        hold: 0.2,
    }
}

#[test]
fn ranks_best_run_per_model_in_metric_order() {
    let results = vec![
        stored(1, &run("rf_a", "random_forest", 0.5, 0.1)),
        stored(2, &run("rf_a", "random_forest", 0.9, 0.3)),
        stored(3, &run("logit", "logistic", 0.7, 0.25)),
        stored(4, &run("knn", "knn", 0.2, 0.0)),
    ];
    let board = rank(&results, &LeaderboardQuery::default()).unwrap();
    assert_eq!(board.boards.len(), 1);
    let b = &board.boards[0];
    assert_eq!(b.runs, 4);
    let order: Vec<(&str, i64, usize)> = b
        .rows
        .iter()
        .map(|r| (r.model.as_str(), r.result_id, r.runs))
        .collect();
    assert_eq!(order, vec![("rf_a", 2, 2), ("logit", 3, 1), ("knn", 4, 1)]);
    assert_eq!(b.rows.iter().map(|r| r.rank).collect::<Vec<_>>(), [1, 2, 3]);
    // Next to buy-and-hold: 0.3 and 0.25 beat 0.2, 0.0 does not.
    let beats: Vec<Option<bool>> = b.rows.iter().map(|r| r.beats_buy_and_hold).collect();
    assert_eq!(beats, [Some(true), Some(true), Some(false)]);
    assert_eq!(b.rows[0].buy_and_hold_cumulative_return, Some(0.2));

    // Lower is better for drawdown: the smallest first.
    let query = LeaderboardQuery {
        metric: Some("max_drawdown".into()),
        limit: Some(2),
        ..Default::default()
    };
    let board = rank(&results, &query).unwrap();
    assert_eq!(board.better, Better::Lower);
    let rows = &board.boards[0].rows;
    assert_eq!(rows.len(), 2, "the limit holds");
    assert_eq!((rows[0].model.as_str(), rows[0].result_id), ("knn", 4));
    assert_eq!((rows[1].model.as_str(), rows[1].result_id), ("rf_a", 1));
    for pair in rows.windows(2) {
        assert!(pair[0].value <= pair[1].value);
    }
}

#[test]
fn groups_by_dataset_target_and_horizon_and_counts_skips() {
    let mut five = run("rf_a", "random_forest", 0.3, 0.1);
    five.horizon = 5.0;
    let mut reg = run("ridge", "linear", 0.1, 0.0);
    reg.regression = true;
    let mut nasdaq = run("rf_a", "random_forest", 0.3, 0.1);
    nasdaq.symbol = "nasdaq";
    let mut no_horizon = stored(5, &run("knn", "knn", 0.2, 0.0));
    no_horizon.record.params.remove("horizon_days");
    let results = vec![
        stored(1, &run("rf_a", "random_forest", 0.5, 0.1)),
        stored(2, &five),
        stored(3, &reg),
        stored(4, &nasdaq),
        no_horizon,
    ];
    let board = rank(&results, &LeaderboardQuery::default()).unwrap();
    let keys: Vec<(&str, LabTarget, u32)> = board
        .boards
        .iter()
        .map(|b| (b.key.symbol.as_str(), b.key.target, b.key.horizon))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("nasdaq", LabTarget::Direction, 1),
            ("sp500", LabTarget::Direction, 1),
            ("sp500", LabTarget::Direction, 5),
            ("sp500", LabTarget::Return, 1),
        ]
    );
    assert_eq!(board.skipped, 1);
    // Accuracy only exists for direction runs: the regression run is skipped.
    let query = LeaderboardQuery {
        symbol: Some("sp500".into()),
        metric: Some("accuracy".into()),
        ..Default::default()
    };
    let board = rank(&results, &query).unwrap();
    assert_eq!(board.boards.len(), 2);
    assert_eq!(
        board.skipped, 2,
        "the regression run and the one without a horizon"
    );
    assert!(board.boards.iter().all(|b| b.key.symbol == "sp500"));
}

#[test]
fn bad_queries_name_the_allowed_values() {
    let query = LeaderboardQuery {
        metric: Some("profit".into()),
        ..Default::default()
    };
    let error = rank(&[], &query).unwrap_err();
    assert!(error.to_string().contains("sharpe") && error.to_string().contains("profit"));
    for limit in [0, MAX_LIMIT + 1] {
        let query = LeaderboardQuery {
            limit: Some(limit),
            ..Default::default()
        };
        assert_eq!(
            rank(&[], &query).unwrap_err(),
            LeaderboardError::Limit(limit)
        );
    }
    assert!(rank(&[], &LeaderboardQuery::default())
        .unwrap()
        .boards
        .is_empty());
}

/// A fixed pseudo-random sequence (an LCG), for many varied runs.
fn lcg(state: &mut u64) -> u64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *state >> 33
}

#[test]
fn insight_counts_match_a_direct_count() {
    let families = ["random_forest", "logistic", "knn"];
    let windows = ["expanding", "rolling"];
    let mut state = 7;
    let mut results = Vec::new();
    for id in 0..200 {
        let family = families[(lcg(&mut state) % 3) as usize];
        let mut r = run(family, family, 0.0, 0.0);
        r.symbol = if lcg(&mut state).is_multiple_of(2) {
            "sp500"
        } else {
            "nasdaq"
        };
        r.window = windows[(lcg(&mut state) % 2) as usize];
        r.horizon = [1.0, 5.0][(lcg(&mut state) % 2) as usize];
        r.ret = (lcg(&mut state) % 100) as f64 / 100.0 - 0.3;
        r.sharpe = (lcg(&mut state) % 100) as f64 / 50.0;
        results.push(stored(id, &r));
    }
    let board = rank(&results, &LeaderboardQuery::default()).unwrap();
    assert!(!board.insights.is_empty());
    for insight in &board.insights {
        assert!(insight.total >= insights::MIN_RUNS && insight.wins <= insight.total);
        assert!(insight
            .text
            .contains(&format!("{} of {}", insight.wins, insight.total)));
        let mine = |r: &&StoredResult| {
            r.record.source == insight.source && r.record.symbol == insight.symbol
        };
        let (wins, total) = match insight.kind {
            InsightKind::FamilyBeatsBuyAndHold => {
                let runs: Vec<_> = results
                    .iter()
                    .filter(mine)
                    .filter(|r| r.record.family == insight.subject)
                    .collect();
                let wins = runs
                    .iter()
                    .filter(|r| r.record.metrics["cumulative_return"] > 0.2)
                    .count();
                (wins, runs.len())
            }
            InsightKind::SettingBeatsBuyAndHold => {
                let runs: Vec<_> = results
                    .iter()
                    .filter(mine)
                    .filter(|r| match insight.subject.split_once('=') {
                        Some(("window", w)) => {
                            r.record.params["window"] == ParamValue::Text(w.to_string())
                        }
                        Some(("horizon", h)) => {
                            r.record.params["horizon_days"]
                                == ParamValue::Number(h.parse().unwrap())
                        }
                        _ => panic!("unexpected subject {}", insight.subject),
                    })
                    .collect();
                let wins = runs
                    .iter()
                    .filter(|r| r.record.metrics["cumulative_return"] > 0.2)
                    .count();
                (wins, runs.len())
            }
            InsightKind::FamilyTopsBoards => {
                let mine: Vec<_> = board
                    .boards
                    .iter()
                    .filter(|b| b.key.source == insight.source && b.key.symbol == insight.symbol)
                    .collect();
                let wins = mine
                    .iter()
                    .filter(|b| b.rows[0].family == insight.subject)
                    .count();
                (wins, mine.len())
            }
        };
        assert_eq!(
            (insight.wins, insight.total),
            (wins, total),
            "{}",
            insight.text
        );
    }
    // Every family on every dataset is stated (each has well over MIN_RUNS runs).
    let stated = board
        .insights
        .iter()
        .filter(|i| i.kind == InsightKind::FamilyBeatsBuyAndHold)
        .count();
    assert_eq!(stated, 6);
}

#[test]
fn no_claim_below_the_minimum_and_coach_text_fits() {
    let results = vec![stored(1, &run("rf_a", "random_forest", 0.5, 0.3))];
    let board = rank(&results, &LeaderboardQuery::default()).unwrap();
    assert!(
        board.insights.is_empty(),
        "one run is not enough for a claim"
    );
    let text = coach_text(&board, 200);
    assert!(text.contains("bundled/sp500 direction h=1 (1 runs): rf_a"));
    assert!(text.contains("vs buy-and-hold 0.200"));
    let mut many = Vec::new();
    for id in 0..60 {
        let mut r = run("rf_a", "random_forest", id as f64 / 10.0, 0.3);
        r.horizon = (id + 1) as f64;
        many.push(stored(id, &r));
    }
    let board = rank(&many, &LeaderboardQuery::default()).unwrap();
    for budget in [0, 10, 50, 120, 400] {
        let text = coach_text(&board, budget);
        assert!(crate::memory::tokens::estimate(&text) <= budget);
    }
    assert!(coach_text(&board, 0).is_empty());
}
