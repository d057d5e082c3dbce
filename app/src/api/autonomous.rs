//! The autonomous loop over HTTP: start a run with a goal, data and a
//! hard budget, list the user's runs, read one with its rounds, stop one.
//! Plain typed calls over `client::call`; the loop runs on the server and
//! emits nothing on the live socket, so screens poll [`autonomous_run`].

use super::client::{call, Method};
use super::error::ApiError;
use shared::api::{AutonomousDetail, AutonomousRequest, AutonomousSummary};

/// `POST /api/autonomous`: starts a run (422 naming the field and its
/// range when the budget, goal or data is refused).
pub async fn start_autonomous(request: &AutonomousRequest) -> Result<AutonomousSummary, ApiError> {
    call(Method::Post, "/api/autonomous", Some(request)).await
}

/// `GET /api/autonomous`: the user's runs, newest first.
pub async fn autonomous_runs() -> Result<Vec<AutonomousSummary>, ApiError> {
    call::<_, ()>(Method::Get, "/api/autonomous", None).await
}

/// `GET /api/autonomous/{id}`: the run with its rounds and leaderboard.
pub async fn autonomous_run(id: i64) -> Result<AutonomousDetail, ApiError> {
    call::<_, ()>(Method::Get, &run_path(id), None).await
}

/// `POST /api/autonomous/{id}/stop`: the run, now stopping (or as it
/// ended).
pub async fn stop_autonomous(id: i64) -> Result<AutonomousSummary, ApiError> {
    call::<_, ()>(Method::Post, &format!("{}/stop", run_path(id)), None).await
}

/// The path of one run.
fn run_path(id: i64) -> String {
    format!("/api/autonomous/{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_the_run() {
        assert_eq!(run_path(12), "/api/autonomous/12");
    }
}
