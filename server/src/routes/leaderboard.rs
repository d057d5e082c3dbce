//! `GET /api/leaderboard`: the user's lab results ranked per dataset,
//! target and horizon by a chosen metric, with buy-and-hold beside and the
//! insights counted from them. The ranking is `shared::leaderboard`'s;
//! this file reads the rows and answers.

use axum::extract::{Query, State};
use axum::Json;
use rusqlite::Connection;
use shared::leaderboard::{rank, Leaderboard, LeaderboardQuery};

use crate::auth::Session;
use crate::problem::Problem;
use crate::state::AppState;
use crate::store::{results, StoreError};

/// Most results read for one leaderboard (the newest).
pub const RESULTS_READ: u32 = 20_000;

/// `GET /api/leaderboard?source=&symbol=&metric=&limit=`: 400 naming the
/// allowed metrics or the limit's range when they are wrong.
pub async fn leaderboard(
    State(state): State<AppState>,
    session: Session,
    query: Result<Query<LeaderboardQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Leaderboard>, Problem> {
    let Query(query) = query.map_err(|rejection| Problem::invalid(rejection.body_text()))?;
    let user_id = session.user_id;
    let board = state.store.read(move |c| build(c, user_id, &query)).await?;
    Ok(Json(board))
}

/// The leaderboard of `user_id`'s results for `query` (also the coach's
/// context).
pub fn build(
    connection: &Connection,
    user_id: i64,
    query: &LeaderboardQuery,
) -> Result<Leaderboard, Problem> {
    let stored = results::list(connection, user_id, RESULTS_READ).map_err(Problem::from)?;
    rank(&stored, query).map_err(|error| Problem::invalid(error.to_string()))
}

/// Reads `user_id`'s results for the coach; a store failure is the
/// caller's to report.
pub fn coach_board(
    connection: &Connection,
    user_id: i64,
) -> Result<Option<Leaderboard>, StoreError> {
    let stored = results::list(connection, user_id, RESULTS_READ)?;
    let query = LeaderboardQuery {
        limit: Some(3),
        ..Default::default()
    };
    Ok(rank(&stored, &query).ok())
}
