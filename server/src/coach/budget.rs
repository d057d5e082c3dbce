//! The per-user daily token budget: what is left today (UTC) and the
//! message when it is spent. Usage is counted from the stored answers
//! (providers' figures, or estimates for the rule coach).

use crate::problem::Problem;
use axum::http::StatusCode;

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

/// Start of the UTC day holding `now_ms`.
pub fn day_start_ms(now_ms: i64) -> i64 {
    now_ms.div_euclid(DAY_MS) * DAY_MS
}

/// Tokens still available to a user who has used `used` of `limit`.
pub fn remaining(limit: u64, used: u64) -> u64 {
    limit.saturating_sub(used)
}

/// The answer when the budget is spent: 429 `token_budget_spent`, saying
/// how much was used and when it resets.
pub fn spent(limit: u64, used: u64) -> Problem {
    Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        "token_budget_spent",
        format!(
            "today's coach budget of {limit} tokens is spent ({used} used); it resets at \
             00:00 UTC. Actions already proposed can still be run."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_starts_at_midnight_utc() {
        // 2026-11-30T13:45:00Z.
        let now = 1_796_046_300_000;
        assert_eq!(day_start_ms(now), 1_795_996_800_000);
        assert_eq!(day_start_ms(1_795_996_800_000), 1_795_996_800_000);
        assert_eq!(day_start_ms(1_795_996_799_999), 1_795_996_800_000 - DAY_MS);
    }

    #[test]
    fn remaining_never_underflows() {
        assert_eq!(remaining(100, 30), 70);
        assert_eq!(remaining(100, 300), 0);
    }

    #[test]
    fn spent_names_the_limit_and_reset() {
        let problem = spent(1000, 1200);
        assert_eq!(problem.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(problem.code(), "token_budget_spent");
    }
}
