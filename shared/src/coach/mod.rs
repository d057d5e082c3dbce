//! The built-in rule-based coach, used when no LLM is configured: it
//! understands the plain requests of [`crate::actions::parse_text`], "what
//! is my goal", "set my goal to ..." and "help", and answers in markdown
//! with the proposed action cards. Anything else gets a friendly list of
//! what it can do.
//!
//! Deterministic and pure: it proposes, it never runs anything (the user
//! presses Run on a card).

pub mod autonomous;

use crate::actions::{parse_text, tool_specs, ActionContext, ProposedAction, Refusal};

/// The model name recorded for answers of the rule coach.
pub const RULE_COACH_MODEL: &str = "rules";

/// What the rule coach needs: the action context and the current goal.
#[derive(Clone, Copy, Debug)]
pub struct CoachContext<'a> {
    /// Rules and today, for validating proposals.
    pub actions: ActionContext<'a>,
    /// The user's current goal, if one is set.
    pub goal: Option<&'a str>,
}

/// The coach's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct CoachReply {
    /// The answer, in markdown.
    pub text: String,
    /// Actions proposed as cards.
    pub proposals: Vec<ProposedAction>,
    /// Requests refused, with their reasons.
    pub refusals: Vec<Refusal>,
}

/// Example requests shown in help; a test checks each one parses into an
/// action.
pub const EXAMPLES: [&str; 9] = [
    "Train a random forest on the S&P 500",
    "Compare all gradient boosting models on NASDAQ with a 5-day horizon",
    "Price a 3-month 105 call on 100 at 20% vol",
    "Fetch DGS10 from FRED since 2020",
    "Set my goal to beat buy-and-hold on next-week S&P 500 direction",
    "Optimise a minimum variance portfolio of sp500, nasdaq and wti",
    "Risk report on the S&P 500 at 99%",
    "Backtest a 50/200 moving average crossover on sp500 with 5 bps costs",
    "Run random_forest_clf_100_sqrt and logistic_l2_c_1 on sp500 as a trial",
];

/// Answers `message`.
pub fn reply(message: &str, ctx: &CoachContext) -> CoachReply {
    let low = message.to_ascii_lowercase();
    let asks_goal = [
        "what is my goal",
        "what's my goal",
        "whats my goal",
        "current goal",
        "show my goal",
    ]
    .iter()
    .any(|p| low.contains(p));
    if asks_goal {
        let text = match ctx.goal {
            Some(goal) => format!("Your current goal is:\n\n> {}\n", goal.trim()),
            None => "You have no goal set yet. Set one by saying, for example, \
                     *\"Set my goal to beat buy-and-hold on next-week S&P 500 direction\"*."
                .to_string(),
        };
        return CoachReply {
            text,
            proposals: Vec::new(),
            refusals: Vec::new(),
        };
    }
    let (proposals, refusals): (Vec<_>, Vec<_>) = parse_text(&ctx.actions, message)
        .into_iter()
        .partition(Result::is_ok);
    let proposals: Vec<ProposedAction> = proposals.into_iter().filter_map(Result::ok).collect();
    let refusals: Vec<Refusal> = refusals.into_iter().filter_map(Result::err).collect();
    if proposals.is_empty() && refusals.is_empty() {
        let asked_help = ["help", "what can you do", "how do i", "commands"]
            .iter()
            .any(|p| low.contains(p));
        let opening = if asked_help {
            "Here is what I can do."
        } else {
            "I did not understand that as a request. Here is what I can do."
        };
        return CoachReply {
            text: format!("{opening}\n\n{}", help_text()),
            proposals,
            refusals,
        };
    }
    let mut text = String::new();
    if !proposals.is_empty() {
        text.push_str(if proposals.len() == 1 {
            "I prepared this action:\n\n"
        } else {
            "I prepared these actions:\n\n"
        });
        for (i, proposal) in proposals.iter().enumerate() {
            text.push_str(&format!(
                "{}. **{}**: {}. Compliance check: {}.\n",
                i + 1,
                proposal.action.tool_name(),
                proposal.summary,
                if proposal.verdict.allowed {
                    "allowed"
                } else {
                    "refused"
                }
            ));
        }
        text.push_str("\nNothing runs until you press **Run** on a card.\n");
    }
    if !refusals.is_empty() {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str("I can't do this:\n\n");
        for refusal in &refusals {
            let field = if refusal.field.is_empty() {
                String::new()
            } else {
                format!(" (`{}`)", refusal.field)
            };
            text.push_str(&format!(
                "- **{}**{field}: {} [rule `{}`]\n",
                refusal.tool, refusal.reason, refusal.rule_id
            ));
        }
    }
    CoachReply {
        text,
        proposals,
        refusals,
    }
}

/// What the coach can do, in markdown: the actions (from the tool specs)
/// and example sentences.
pub fn help_text() -> String {
    let mut text = String::from("I can prepare these actions for you to run:\n\n");
    for spec in tool_specs() {
        text.push_str(&format!("- **{}**: {}\n", spec.name, spec.description));
    }
    text.push_str("\nTry, for example:\n\n");
    for example in EXAMPLES {
        text.push_str(&format!("- *{example}*\n"));
    }
    text.push_str(
        "\nYou can also ask *\"what is my goal?\"*. Nothing runs until you press **Run**.\n",
    );
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compliance::Rules;
    use crate::pricing::dates::Date;

    fn ask(message: &str, goal: Option<&str>) -> CoachReply {
        let rules = Rules::default_rules();
        let ctx = CoachContext {
            actions: ActionContext {
                rules: &rules,
                today: Date::parse("2026-11-23").unwrap(),
            },
            goal,
        };
        reply(message, &ctx)
    }

    #[test]
    fn every_example_proposes_an_action() {
        for example in EXAMPLES {
            let answer = ask(example, None);
            assert_eq!(answer.proposals.len(), 1, "{example}: {answer:?}");
            assert!(answer.refusals.is_empty());
            assert!(answer.text.contains("press **Run**"), "{}", answer.text);
            assert!(answer.text.contains(&answer.proposals[0].summary));
        }
    }

    #[test]
    fn goal_questions() {
        let answer = ask("What is my goal?", Some("Beat buy-and-hold"));
        assert!(answer.text.contains("Beat buy-and-hold"));
        assert!(answer.proposals.is_empty());
        let answer = ask("what's my goal", None);
        assert!(answer.text.contains("no goal"), "{}", answer.text);
        assert!(answer.text.contains("Set my goal to"));
        let answer = ask("set my goal to predict VIX spikes", None);
        assert_eq!(answer.proposals[0].action.tool_name(), "set_goal");
    }

    #[test]
    fn help_and_unknown_messages_list_the_actions() {
        for message in ["help", "What can you do?", "tell me a joke"] {
            let answer = ask(message, None);
            assert!(answer.proposals.is_empty() && answer.refusals.is_empty());
            for spec in tool_specs() {
                assert!(
                    answer.text.contains(&spec.name),
                    "{message}: {}",
                    answer.text
                );
            }
            assert!(answer.text.contains(EXAMPLES[0]));
        }
        assert!(ask("tell me a joke", None)
            .text
            .starts_with("I did not understand"));
        assert!(ask("help", None).text.starts_with("Here is what I can do"));
    }

    /// The one action proposed for `message`.
    fn proposed(message: &str) -> ProposedAction {
        let answer = ask(message, None);
        assert_eq!(answer.proposals.len(), 1, "{message}: {answer:?}");
        assert!(answer.refusals.is_empty(), "{message}: {answer:?}");
        assert!(answer.text.contains(&answer.proposals[0].summary));
        answer.proposals[0].clone()
    }

    #[test]
    fn proposes_a_portfolio_optimisation() {
        let proposal = proposed("Please optimise a max sharpe portfolio of nasdaq and wti");
        assert_eq!(proposal.action.tool_name(), "optimise_portfolio");
        assert!(
            proposal
                .summary
                .starts_with("Optimise a maximum Sharpe portfolio of nasdaq, wti"),
            "{}",
            proposal.summary
        );
    }

    #[test]
    fn proposes_a_risk_report() {
        let proposal = proposed("What is the 10-day 95% VaR of nasdaq?");
        assert_eq!(proposal.action.tool_name(), "risk_report");
        assert!(
            proposal
                .summary
                .contains("10-day VaR and expected shortfall at 95%"),
            "{}",
            proposal.summary
        );
    }

    #[test]
    fn proposes_a_backtest() {
        let proposal = proposed("Backtest RSI 30/70 on the S&P 500, long-short");
        assert_eq!(proposal.action.tool_name(), "backtest");
        assert!(
            proposal
                .summary
                .starts_with("Backtest rsi(period=14, lower=30, upper=70) on sp500"),
            "{}",
            proposal.summary
        );
        let answer = ask("backtest a 200/50 crossover on sp500", None);
        assert!(answer.proposals.is_empty());
        assert_eq!(answer.refusals[0].field, "slow");
        assert!(answer.text.contains("`slow`"), "{}", answer.text);
    }

    #[test]
    fn refusals_are_explained() {
        let answer = ask("fetch AAPL from yahoo", None);
        assert!(answer.proposals.is_empty());
        assert_eq!(answer.refusals[0].rule_id, "source.approved");
        assert!(answer.text.contains("can't"), "{}", answer.text);
        assert!(answer.text.contains("yahoo"), "{}", answer.text);
        let twice = ask("fetch AAPL from yahoo", None);
        assert_eq!(answer, twice, "deterministic");
    }
}
