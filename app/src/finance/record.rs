//! A finished finance run as the [`ResultRecord`] the server checks,
//! stores and audits.
//!
//! - `kind`: `portfolio`, `risk_report` or `backtest`; `family`:
//!   `portfolio`, `risk` or `backtest` (allowed by the compliance rules).
//! - `model`: the portfolio method (`max_sharpe`), the risk methods joined
//!   after `var` (`var_historical_normal`), or the backtest rule
//!   (`ma_crossover`).
//! - `params`: every setting of the action by its wire name (lists joined
//!   with commas); `seed`: the risk report's Monte Carlo seed, else 0.
//! - `metrics`: the headline figures (see [`metrics`]); figures that are
//!   not finite (a Calmar ratio with no drawdown) are left out, since the
//!   server refuses them.
//! - `source`: the action's source. `symbol`: one series' id; for several
//!   series their ids in request order joined with `_` when the source's
//!   symbol format accepts that (bundled ids, up to 40 characters), else the
//!   first id (every id is in `params.assets`). `data_hash`: one series'
//!   content hash; for several, [`shared::data::combined_hash`] of their
//!   hashes in request order (the CAPM market included).
//!
//! Pure: nothing here stores or sends.

use std::collections::BTreeMap;

use shared::actions::Action;
use shared::api::{ParamValue, ResultRecord};
use shared::compliance::Rules;
use shared::data::combined_hash;
use shared::execute::FinanceOutcome;

use super::{data_requests, FinanceRun};

/// The snake-case wire name of a serde enum value.
fn wire_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The action's settings by wire name.
fn params(action: &Action) -> BTreeMap<String, ParamValue> {
    let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(action) else {
        return BTreeMap::new();
    };
    fields
        .into_iter()
        .filter(|(name, _)| name != "action")
        .filter_map(|(name, value)| {
            let value = match value {
                serde_json::Value::Number(n) => ParamValue::Number(n.as_f64()?),
                serde_json::Value::Bool(b) => ParamValue::Flag(b),
                serde_json::Value::String(s) => ParamValue::Text(s),
                serde_json::Value::Array(items) => ParamValue::Text(
                    items
                        .iter()
                        .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                        .collect::<Vec<_>>()
                        .join(","),
                ),
                _ => return None,
            };
            Some((name, value))
        })
        .collect()
}

/// The headline figures of `outcome`: a portfolio's expected return,
/// volatility, Sharpe ratio and `weight_<asset>` (with `cvar_var` and
/// `cvar` per period for minimum CVaR); a risk report's `var_<method>` and
/// `es_<method>` per method that ran and `max_drawdown`; a backtest's
/// strategy figures and buy-and-hold's `buy_and_hold_*` return, Sharpe and
/// drawdown.
pub fn metrics(outcome: &FinanceOutcome) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    match outcome {
        FinanceOutcome::Portfolio(p) => {
            let pf = &p.portfolio;
            out.insert("expected_return".into(), pf.expected_return);
            out.insert("volatility".into(), pf.volatility);
            out.insert("sharpe".into(), pf.sharpe);
            for (asset, weight) in pf.assets.iter().zip(&pf.weights) {
                out.insert(format!("weight_{asset}"), *weight);
            }
            if let Some((_, var, cvar)) = p.cvar {
                out.insert("cvar_var".into(), var);
                out.insert("cvar".into(), cvar);
            }
        }
        FinanceOutcome::Risk(r) => {
            for (method, estimate) in &r.estimates {
                if let Ok(e) = estimate {
                    out.insert(format!("var_{}", wire_name(method)), e.var);
                    out.insert(format!("es_{}", wire_name(method)), e.es);
                }
            }
            if let Ok(d) = &r.drawdown {
                out.insert("max_drawdown".into(), d.depth);
            }
        }
        FinanceOutcome::Backtest(b) => {
            let s = &b.strategy;
            for (name, value) in [
                ("cumulative_return", s.cumulative_return),
                ("annualised_return", s.annualised_return),
                ("volatility", s.volatility),
                ("sharpe", s.sharpe),
                ("sortino", s.sortino),
                ("calmar", s.calmar),
                ("max_drawdown", s.max_drawdown),
                ("turnover", s.turnover),
                ("hit_rate", s.hit_rate),
                ("exposure", s.exposure),
                ("trades", s.trades as f64),
                (
                    "buy_and_hold_annualised_return",
                    b.buy_and_hold.annualised_return,
                ),
                ("buy_and_hold_sharpe", b.buy_and_hold.sharpe),
                ("buy_and_hold_max_drawdown", b.buy_and_hold.max_drawdown),
            ] {
                out.insert(name.to_string(), value);
            }
        }
    }
    out.retain(|_, v| v.is_finite());
    out
}

/// The record of `run`, a finished run of `action`, under `client_id`.
pub fn build(action: &Action, run: &FinanceRun, client_id: &str) -> Result<ResultRecord, String> {
    let requests = data_requests(action)?;
    let (kind, family, model, seed) = match (action, &run.outcome) {
        (Action::OptimisePortfolio(a), FinanceOutcome::Portfolio(_)) => {
            ("portfolio", "portfolio", wire_name(&a.method), 0)
        }
        (Action::RiskReport(a), FinanceOutcome::Risk(_)) => {
            let methods: Vec<String> = a.methods.iter().map(wire_name).collect();
            let model = format!("var_{}", methods.join("_"));
            ("risk_report", "risk", model, a.seed)
        }
        (Action::Backtest(a), FinanceOutcome::Backtest(_)) => {
            ("backtest", "backtest", wire_name(&a.rule), 0)
        }
        _ => return Err("the outcome is not the action's".to_string()),
    };
    if run.data_hashes.len() != requests.len() {
        return Err(format!(
            "{} data hashes for {} series",
            run.data_hashes.len(),
            requests.len()
        ));
    }
    let source = requests
        .first()
        .map(|r| r.source.clone())
        .ok_or("the action has no data")?;
    let ids: Vec<&str> = requests.iter().map(|r| r.symbol.as_str()).collect();
    let joined = ids.join("_");
    let fits = Rules::default_rules()
        .source(&source)
        .is_some_and(|rule| rule.symbol.mismatch(&joined).is_none());
    let symbol = if fits { joined } else { ids[0].to_string() };
    let data_hash = match run.data_hashes.as_slice() {
        [one] => one.clone(),
        several => combined_hash(several),
    };
    let mut params = params(action);
    params.insert("offline".into(), ParamValue::Flag(run.offline));
    Ok(ResultRecord {
        kind: kind.to_string(),
        model,
        family: family.to_string(),
        params,
        seed,
        source,
        symbol,
        data_hash,
        code_version: shared::models::evaluation::CODE_VERSION.to_string(),
        metrics: metrics(&run.outcome),
        client_id: Some(client_id.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::compliance::check_result;
    use shared::data::bundled;

    fn action(value: serde_json::Value) -> Action {
        serde_json::from_value(value).unwrap()
    }

    fn run_of(action: &Action) -> FinanceRun {
        let series: Vec<_> = data_requests(action)
            .unwrap()
            .iter()
            .map(|r| super::super::protocol::bundled_series(r).unwrap())
            .collect();
        let outcome = shared::execute::run(action, &series).unwrap();
        FinanceRun {
            outcome,
            data_hashes: series
                .iter()
                .map(|s| s.provenance().content_hash.clone())
                .collect(),
            series,
            offline: true,
        }
    }

    #[test]
    fn a_portfolio_record_passes_the_rules_and_names_its_data() {
        let a = action(serde_json::json!({
            "action": "optimise_portfolio", "assets": ["sp500", "nasdaq", "wti"],
            "method": "max_sharpe", "risk_free": 0.01, "from": "2010-01-01", "to": "2014-12-31"
        }));
        let run = run_of(&a);
        let record = build(&a, &run, "fin-1").unwrap();
        assert!(
            check_result(&Rules::default_rules(), &record).allowed,
            "{record:?}"
        );
        assert_eq!(record.kind, "portfolio");
        assert_eq!(record.family, "portfolio");
        assert_eq!(record.model, "max_sharpe");
        assert_eq!(record.symbol, "sp500_nasdaq_wti");
        assert_eq!(record.data_hash, combined_hash(&run.data_hashes));
        assert_eq!(record.client_id.as_deref(), Some("fin-1"));
        assert_eq!(
            record.params.get("assets"),
            Some(&ParamValue::Text("sp500,nasdaq,wti".into()))
        );
        assert_eq!(
            record.params.get("risk_free"),
            Some(&ParamValue::Number(0.01))
        );
        assert_eq!(record.params.get("offline"), Some(&ParamValue::Flag(true)));
        let weights: f64 = ["sp500", "nasdaq", "wti"]
            .iter()
            .map(|a| record.metrics[&format!("weight_{a}")])
            .sum();
        assert!((weights - 1.0).abs() < 1e-6);
        let FinanceOutcome::Portfolio(p) = &run.outcome else {
            panic!()
        };
        assert_eq!(record.metrics["sharpe"], p.portfolio.sharpe);
    }

    #[test]
    fn many_assets_keep_the_first_id_and_one_series_its_own_hash() {
        let ids = [
            "aapl_monthly",
            "amzn_monthly",
            "ibm_monthly",
            "msft_monthly",
        ];
        let a = action(serde_json::json!({
            "action": "optimise_portfolio", "assets": ids, "method": "min_variance"
        }));
        let record = build(&a, &run_of(&a), "fin-2").unwrap();
        // 52 characters joined: more than a bundled symbol may have.
        assert_eq!(record.symbol, "aapl_monthly");
        assert!(check_result(&Rules::default_rules(), &record).allowed);

        let b = action(serde_json::json!({
            "action": "backtest", "symbol": "sp500", "rule": "ma_crossover",
            "fast": 20, "slow": 100, "cost_bps": 10
        }));
        let run = run_of(&b);
        let record = build(&b, &run, "fin-3").unwrap();
        assert_eq!(record.symbol, "sp500");
        assert_eq!(
            record.data_hash,
            bundled::load("sp500").unwrap().provenance().content_hash
        );
        assert_eq!(record.model, "ma_crossover");
        assert_eq!(
            record.params.get("cost_bps"),
            Some(&ParamValue::Number(10.0))
        );
        assert!(record.metrics.values().all(|v| v.is_finite()));
        assert!(
            check_result(&Rules::default_rules(), &record).allowed,
            "{record:?}"
        );
    }

    #[test]
    fn a_risk_record_names_its_methods_and_seed() {
        let a = action(serde_json::json!({
            "action": "risk_report", "assets": ["sp500"], "methods": ["historical", "normal"],
            "seed": 7, "from": "2005-01-01", "to": "2012-12-31"
        }));
        let run = run_of(&a);
        let record = build(&a, &run, "fin-4").unwrap();
        assert_eq!(record.model, "var_historical_normal");
        assert_eq!(record.family, "risk");
        assert_eq!(record.seed, 7);
        assert!(record.metrics["es_historical"] >= record.metrics["var_historical"]);
        assert!(
            check_result(&Rules::default_rules(), &record).allowed,
            "{record:?}"
        );
        // An outcome of another action is refused, not recorded wrongly.
        let other = action(serde_json::json!({
            "action": "backtest", "symbol": "sp500", "rule": "momentum"
        }));
        assert!(build(&other, &run, "fin-5").is_err());
    }
}
