//! `shared::backtest`: hand-computed cases, no look-ahead, buy-and-hold
//! against the index's price ratio, costs, agreement with the Lab's
//! trading metrics, a 20-year run on the bundled S&P 500, CSV export.

use shared::backtest::csv::{equity_csv, field, report_csv, trades_csv};
use shared::backtest::*;
use shared::calendar::Date;
use shared::data::bundled;
use shared::data::records::split_records;
use shared::models::metrics;

fn close(a: f64, b: f64, tol: f64, what: &str) {
    assert!((a - b).abs() <= tol, "{what}: {a} vs {b}");
}

fn dates(n: usize) -> Vec<Date> {
    let start = Date::parse("2020-01-01").unwrap().days_since_epoch();
    (0..n as i64)
        .map(|i| Date::from_days_since_epoch(start + i).unwrap())
        .collect()
}

fn config(signal: Signal, direction: Direction, cost: f64, slip: f64) -> BacktestConfig {
    BacktestConfig {
        signal,
        direction,
        sizing: Sizing::Full,
        cost_bps: cost,
        slippage_bps: slip,
        periods_per_year: 252.0,
    }
}

fn ma(fast: usize, slow: usize) -> Signal {
    Signal::Rule(Rule::MaCrossover { fast, slow })
}

#[test]
fn five_bars_with_a_crossover_by_hand() {
    // Closes 10, 11, 12, 13, 12 and MA(1, 2): SMA2 = -, 10.5, 11.5, 12.5,
    // 12.5, so the signal is long at the closes of bars 1-3 and flat at
    // bar 4. The bar-1 signal trades at bar 2's close (12), earns 13/12 − 1
    // then 12/13 − 1; entering costs 10 + 5 bps.
    let prices = [10.0, 11.0, 12.0, 13.0, 12.0];
    let r = run_prices(
        &dates(5),
        &prices,
        &config(ma(1, 2), Direction::LongOnly, 10.0, 5.0),
    )
    .unwrap();
    assert_eq!(r.positions, vec![0.0, 1.0, 1.0]);
    assert_eq!(r.dates, dates(5)[1..].to_vec());
    let e1 = 1.0 + (13.0 / 12.0 - 1.0) - 0.0015;
    let expected = [1.0, 1.0, e1, e1 * (12.0 / 13.0)];
    for (a, b) in r.equity.iter().zip(expected) {
        close(*a, b, 1e-15, "equity");
    }
    close(
        r.strategy.cumulative_return,
        e1 * 12.0 / 13.0 - 1.0,
        1e-15,
        "return",
    );
    assert_eq!(r.strategy.position_changes, 1);
    assert_eq!(r.trades.len(), 1);
    let t = &r.trades[0];
    assert_eq!(
        (t.side, t.entry_date, t.exit_date),
        (Side::Long, dates(5)[2], dates(5)[4])
    );
    assert_eq!(
        (t.entry_price, t.exit_price, t.bars_held, t.open),
        (12.0, 12.0, 2, true)
    );
    close(t.price_return, 0.0, 1e-15, "trade price return");
    close(
        t.net_return,
        e1 * 12.0 / 13.0 - 1.0,
        1e-15,
        "trade net return",
    );
    // Buy-and-hold buys at bar 1's close (11), paying the entry cost once.
    let hold = (1.0 + 1.0 / 11.0 - 0.0015) * (13.0 / 12.0) * (12.0 / 13.0);
    close(
        r.buy_and_hold.cumulative_return,
        hold - 1.0,
        1e-15,
        "buy and hold",
    );
}

#[test]
fn rules_give_the_documented_signals() {
    let p = [10.0, 11.0, 10.0, 10.0, 12.0];
    let m = Rule::Momentum { lookback: 1 };
    assert_eq!(
        m.signal(&p, Direction::LongShort).unwrap(),
        vec![0.0, 1.0, -1.0, 0.0, 1.0]
    );
    assert_eq!(
        m.signal(&p, Direction::LongOnly).unwrap(),
        vec![0.0, 1.0, 0.0, 0.0, 1.0]
    );
    // RSI(2): falls then rises; below 30 go long, above 70 go short, else hold.
    let p = [10.0, 9.0, 8.0, 8.5, 9.5, 10.5];
    let s = Rule::Rsi {
        period: 2,
        lower: 30.0,
        upper: 70.0,
    }
    .signal(&p, Direction::LongShort)
    .unwrap();
    // RSI: -, -, 0, 33.3 (gain 0.25, loss 0.5), 71.4, 86.7.
    assert_eq!(s, vec![0.0, 0.0, 1.0, 1.0, -1.0, -1.0]);
    // Bollinger(2, 0.5): a close below the lower band enters long, back at
    // the middle exits.
    let p = [10.0, 8.0, 9.0, 10.0];
    let s = Rule::Bollinger { period: 2, k: 0.5 }
        .signal(&p, Direction::LongShort)
        .unwrap();
    // t1: mid 9, std 1, lower 8.5: 8 < 8.5 long. t2: mid 8.5, upper 8.75,
    // 9 > upper: short. t3: mid 9.5, upper 9.75: 10 > upper: short.
    assert_eq!(s, vec![0.0, 1.0, -1.0, -1.0]);
}

#[test]
fn buy_and_hold_equals_the_price_ratio_and_always_long_equals_buy_and_hold() {
    let prices = [100.0, 101.0, 99.5, 103.0, 104.5, 102.0, 107.0];
    let d = dates(7);
    let given = Signal::Given {
        dates: d.clone(),
        positions: vec![1.0; 7],
    };
    let r = run_prices(&d, &prices, &config(given, Direction::LongOnly, 0.0, 0.0)).unwrap();
    close(
        r.buy_and_hold.cumulative_return,
        107.0 / 101.0 - 1.0,
        1e-14,
        "ratio",
    );
    // Always long from the first tradeable close is buy-and-hold, bit for bit.
    assert_eq!(r.positions, vec![1.0; 5]);
    assert_eq!(r.equity, r.buy_and_hold_equity);
    assert_eq!(r.strategy, r.buy_and_hold);
}

#[test]
fn costs_never_raise_returns() {
    let sp = bundled::load("sp500").unwrap();
    for rule in [
        Rule::MaCrossover {
            fast: 20,
            slow: 100,
        },
        Rule::Rsi {
            period: 14,
            lower: 30.0,
            upper: 70.0,
        },
        Rule::Bollinger { period: 20, k: 2.0 },
        Rule::Momentum { lookback: 60 },
    ] {
        let mut previous = f64::INFINITY;
        for cost in [0.0, 1.0, 5.0, 20.0, 100.0] {
            let r = run(
                &sp,
                &config(
                    Signal::Rule(rule.clone()),
                    Direction::LongShort,
                    cost,
                    cost / 2.0,
                ),
            )
            .unwrap();
            assert!(
                r.strategy.cumulative_return <= previous,
                "{rule:?} at {cost} bps"
            );
            previous = r.strategy.cumulative_return;
        }
    }
}

#[test]
fn the_lab_metrics_and_the_backtest_agree() {
    // The same positions, returns and costs through the Lab's
    // `metrics::trading` and the backtest report give identical numbers.
    let sp = bundled::load("sp500").unwrap();
    let cfg = BacktestConfig {
        sizing: Sizing::VolatilityTarget {
            target: 0.1,
            lookback: 20,
        },
        ..config(ma(50, 200), Direction::LongShort, 5.0, 2.0)
    };
    let r = run(&sp, &cfg).unwrap();
    let next_return: Vec<f64> = r.prices.windows(2).map(|w| w[1] / w[0] - 1.0).collect();
    let lab = metrics::trading(&r.positions, &next_return, 7.0, 252.0).unwrap();
    let m = lab.metrics;
    assert_eq!(m.cumulative_return, r.strategy.cumulative_return);
    assert_eq!(m.sharpe, r.strategy.sharpe);
    assert_eq!(m.max_drawdown, r.strategy.max_drawdown);
    assert_eq!(m.hit_rate, r.strategy.hit_rate);
    assert_eq!(m.exposure, r.strategy.exposure);
    assert_eq!(m.trades, r.strategy.position_changes);
    assert_eq!(lab.equity_curve, r.equity[1..].to_vec());
}

#[test]
fn twenty_years_of_daily_sp500() {
    let sp = bundled::load("sp500").unwrap();
    let r = run(&sp, &config(ma(50, 200), Direction::LongOnly, 5.0, 0.0)).unwrap();
    let closes = sp.values();
    let all_dates = sp.dates();
    assert_eq!(r.dates.first(), Some(&all_dates[1]));
    assert_eq!(r.dates.last(), Some(&all_dates[all_dates.len() - 1]));
    // Zero-cost buy-and-hold is the index's price ratio over those dates.
    let free = run(&sp, &config(ma(50, 200), Direction::LongOnly, 0.0, 0.0)).unwrap();
    let ratio = closes[closes.len() - 1] / closes[1] - 1.0;
    close(
        free.buy_and_hold.cumulative_return,
        ratio,
        1e-9,
        "price ratio",
    );
    assert!(r.strategy.position_changes > 10 && !r.trades.is_empty());
    assert_eq!(r.strategy.trades, r.trades.len());
    assert!(r.strategy.exposure > 0.5 && r.strategy.exposure < 1.0);
    // The 2008 crash: buy-and-hold's drawdown is the index's, over 50%.
    assert!(r.buy_and_hold.max_drawdown > 0.5);
    for p in [&r.strategy, &r.buy_and_hold] {
        for v in [
            p.annualised_return,
            p.volatility,
            p.sharpe,
            p.sortino,
            p.calmar,
            p.turnover,
        ] {
            assert!(v.is_finite());
        }
    }
}

#[test]
fn csv_exports_quote_fields_and_read_back() {
    assert_eq!(field("plain"), "plain");
    assert_eq!(field("a,b"), "\"a,b\"");
    assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    let sp = bundled::load("sp500")
        .unwrap()
        .between(None, Some(Date::parse("2001-12-31").unwrap()))
        .unwrap();
    let r = run(&sp, &config(ma(10, 50), Direction::LongShort, 5.0, 1.0)).unwrap();
    let rows = |text: &str| -> Vec<Vec<String>> {
        split_records(text, ',')
            .into_iter()
            .map(|r| r.unwrap().fields)
            .filter(|f| f != &[""])
            .collect()
    };
    let equity = rows(&equity_csv(&r));
    assert_eq!(equity.len(), r.dates.len() + 1);
    assert_eq!(equity[1][1].parse::<f64>().unwrap(), 1.0);
    let last = &equity[equity.len() - 1];
    assert_eq!(
        last[1].parse::<f64>().unwrap(),
        r.equity[r.equity.len() - 1]
    );
    let trades = rows(&trades_csv(&r));
    assert_eq!(trades.len(), r.trades.len() + 1);
    let report = report_csv(&r);
    assert!(report.contains("\"ma_crossover(fast=10, slow=50)\""));
    let report = rows(&report);
    let signal = report.iter().find(|f| f[0] == "signal").unwrap();
    assert_eq!(signal[1], "ma_crossover(fast=10, slow=50)");
    let sharpe = report.iter().find(|f| f[0] == "sharpe").unwrap();
    assert_eq!(sharpe[1].parse::<f64>().unwrap(), r.strategy.sharpe);
}

#[test]
fn bad_input_names_the_field() {
    let d = dates(10);
    let p: Vec<f64> = (0..10).map(|i| 100.0 + i as f64).collect();
    let err = |cfg: BacktestConfig| run_prices(&d, &p, &cfg).unwrap_err();
    let field_of = |e: BacktestError| match e {
        BacktestError::Invalid { field, .. } => field,
        BacktestError::Length { field, .. } | BacktestError::TooFew { field, .. } => field,
        other => panic!("unexpected {other}"),
    };
    assert_eq!(
        field_of(err(config(ma(5, 5), Direction::LongOnly, 0.0, 0.0))),
        "slow"
    );
    assert_eq!(
        field_of(err(config(ma(0, 5), Direction::LongOnly, 0.0, 0.0))),
        "fast"
    );
    assert_eq!(
        field_of(err(config(ma(1, 2), Direction::LongOnly, f64::NAN, 0.0))),
        "cost_bps"
    );
    assert_eq!(
        field_of(err(config(ma(1, 2), Direction::LongOnly, 0.0, -1.0))),
        "slippage_bps"
    );
    let rsi = Signal::Rule(Rule::Rsi {
        period: 14,
        lower: 70.0,
        upper: 30.0,
    });
    assert_eq!(
        field_of(err(config(rsi, Direction::LongOnly, 0.0, 0.0))),
        "upper"
    );
    let cfg = BacktestConfig {
        sizing: Sizing::FixedFraction { fraction: 1.5 },
        ..config(ma(1, 2), Direction::LongOnly, 0.0, 0.0)
    };
    assert_eq!(field_of(err(cfg)), "fraction");
    let cfg = BacktestConfig {
        sizing: Sizing::VolatilityTarget {
            target: 0.0,
            lookback: 20,
        },
        ..config(ma(1, 2), Direction::LongOnly, 0.0, 0.0)
    };
    assert_eq!(field_of(err(cfg)), "target");
    let given = Signal::Given {
        dates: vec![Date::parse("1990-01-01").unwrap()],
        positions: vec![1.0],
    };
    assert_eq!(
        field_of(err(config(given, Direction::LongOnly, 0.0, 0.0))),
        "dates"
    );
    let mut bad = p.clone();
    bad[4] = f64::NAN;
    let e = run_prices(&d, &bad, &config(ma(1, 2), Direction::LongOnly, 0.0, 0.0)).unwrap_err();
    assert_eq!(field_of(e), "prices");
    let e = run_prices(
        &d[..2],
        &p[..2],
        &config(ma(1, 2), Direction::LongOnly, 0.0, 0.0),
    )
    .unwrap_err();
    assert_eq!(field_of(e), "prices");
    assert!(matches!(
        simulate(&[1.5], &[0.1], 0.0, 252.0),
        Err(BacktestError::PositionRange { index: 0, .. })
    ));
}

#[cfg(not(target_arch = "wasm32"))]
mod no_look_ahead {
    use super::*;
    use proptest::prelude::*;

    fn rules() -> Vec<(Rule, Sizing)> {
        vec![
            (Rule::MaCrossover { fast: 3, slow: 8 }, Sizing::Full),
            (
                Rule::Rsi {
                    period: 5,
                    lower: 35.0,
                    upper: 65.0,
                },
                Sizing::FixedFraction { fraction: 0.5 },
            ),
            (
                Rule::Bollinger { period: 6, k: 1.0 },
                Sizing::VolatilityTarget {
                    target: 0.15,
                    lookback: 5,
                },
            ),
            (
                Rule::Momentum { lookback: 4 },
                Sizing::VolatilityTarget {
                    target: 0.3,
                    lookback: 10,
                },
            ),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Changing prices after bar t never changes the positions held up
        /// to bar t + 1 (position i, held from close i+1, is decided at
        /// close i).
        #[test]
        fn future_prices_never_change_past_positions(
            moves in proptest::collection::vec(-0.05..0.05f64, 40..80),
            cut in 5usize..35,
            shocks in proptest::collection::vec(0.5..1.5f64, 80),
        ) {
            let mut prices = vec![100.0];
            for m in &moves {
                let last = prices[prices.len() - 1];
                prices.push(last * (1.0 + m));
            }
            let mut changed = prices.clone();
            for (i, p) in changed.iter_mut().enumerate().skip(cut + 1) {
                *p *= shocks[i % shocks.len()];
            }
            let d = dates(prices.len());
            for (rule, sizing) in rules() {
                let cfg = BacktestConfig { sizing, ..config(Signal::Rule(rule), Direction::LongShort, 3.0, 1.0) };
                let a = run_prices(&d, &prices, &cfg).unwrap();
                let b = run_prices(&d, &changed, &cfg).unwrap();
                prop_assert_eq!(&a.positions[..=cut], &b.positions[..=cut]);
            }
        }

        /// A zero-cost, always-long backtest is buy-and-hold, bit for bit,
        /// and buy-and-hold's return is the price ratio over its dates.
        #[test]
        fn always_long_is_buy_and_hold(
            moves in proptest::collection::vec(-0.05..0.05f64, 3..120),
        ) {
            let mut prices = vec![100.0];
            for m in &moves {
                let last = prices[prices.len() - 1];
                prices.push(last * (1.0 + m));
            }
            let d = dates(prices.len());
            let given = Signal::Given { dates: d.clone(), positions: vec![1.0; d.len()] };
            let r = run_prices(&d, &prices, &config(given, Direction::LongOnly, 0.0, 0.0)).unwrap();
            prop_assert_eq!(&r.equity, &r.buy_and_hold_equity);
            let ratio = prices[prices.len() - 1] / prices[1] - 1.0;
            prop_assert!((r.buy_and_hold.cumulative_return - ratio).abs() < 1e-12);
        }

        /// Costs never raise returns, for any positions.
        #[test]
        fn costs_never_raise_returns(
            rows in proptest::collection::vec((-1.0..1.0f64, -0.1..0.1f64), 1..200),
            low in 0.0..50.0f64,
            extra in 0.0..50.0f64,
        ) {
            let p: Vec<f64> = rows.iter().map(|r| r.0).collect();
            let r: Vec<f64> = rows.iter().map(|r| r.1).collect();
            let cheap = simulate(&p, &r, low, 252.0).unwrap();
            let dear = simulate(&p, &r, low + extra, 252.0).unwrap();
            prop_assert!(dear.cumulative_return() <= cheap.cumulative_return());
        }
    }
}
