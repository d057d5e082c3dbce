//! The session with the server: who is signed in (from `GET /api/me`), the
//! compliance rules in force and the current goal, provided as context at
//! the app root. Pricing never waits for any of it: when the server cannot
//! be reached the session is simply unavailable and the server screens say
//! so.

use crate::api::{self, ApiError};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::{GoalState, Me};
use shared::compliance::RulesDocument;

/// Where the session stands.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionStatus {
    /// `GET /api/me` is in flight.
    Checking,
    /// Signed in (or local mode, where no login is needed).
    Ready(Me),
    /// The server wants a login.
    NeedsLogin,
    /// No session: the server could not be reached or has no API.
    Unavailable(ApiError),
}

/// Something loaded from the server: not yet, the value, or why not.
pub type Loaded<T> = Option<Result<T, ApiError>>;

/// The session's reactive state.
#[derive(Clone, Copy)]
pub struct Session {
    /// Where the session stands.
    pub status: RwSignal<SessionStatus>,
    /// The rules from `GET /api/compliance/rules`.
    pub rules: RwSignal<Loaded<RulesDocument>>,
    /// The goals from `GET /api/goal`.
    pub goal: RwSignal<Loaded<GoalState>>,
}

impl Session {
    /// Creates the session and asks the server who we are.
    pub fn start() -> Session {
        let session = Session {
            status: RwSignal::new(SessionStatus::Checking),
            rules: RwSignal::new(None),
            goal: RwSignal::new(None),
        };
        api::on_login_required(move || {
            let local = matches!(
                session.status.try_get_untracked(),
                Some(SessionStatus::Ready(Me {
                    local_mode: true,
                    ..
                }))
            );
            if !local {
                session.rules.set(None);
                session.goal.set(None);
                session.status.set(SessionStatus::NeedsLogin);
            }
        });
        session.check();
        session
    }

    /// Asks `GET /api/me` again and, once signed in, loads rules and goal.
    pub fn check(self) {
        self.status.set(SessionStatus::Checking);
        spawn_local(async move {
            match api::me().await {
                Ok(me) => {
                    crate::finance::outbox::signed_in(Some(me.user_id));
                    self.status.set(SessionStatus::Ready(me));
                    self.load_rules();
                    self.reload_goal();
                }
                Err(error) if error.status() == Some(401) => {
                    self.status.set(SessionStatus::NeedsLogin);
                }
                Err(error) => self.status.set(SessionStatus::Unavailable(error)),
            }
        });
    }

    /// Loads the rules in force.
    pub fn load_rules(self) {
        spawn_local(async move {
            let rules = api::rules().await;
            self.rules.set(Some(rules));
        });
    }

    /// Loads the current goal and its history.
    pub fn reload_goal(self) {
        spawn_local(async move {
            let goal = api::goal().await;
            self.goal.set(Some(goal));
        });
    }

    /// Signs out (revoking the refresh token) and shows the login screen.
    pub fn sign_out(self) {
        spawn_local(async move {
            api::logout().await;
            crate::finance::outbox::signed_in(None);
            self.rules.set(None);
            self.goal.set(None);
            self.status.set(SessionStatus::NeedsLogin);
        });
    }

    /// The signed-in user, if any (tracked).
    pub fn me(&self) -> Option<Me> {
        self.status.with(|status| match status {
            SessionStatus::Ready(me) => Some(me.clone()),
            _ => None,
        })
    }
}

/// Shorthand used by every screen.
pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Shows why a server screen has nothing to show: still checking, or the
/// server is unreachable (with a retry), or `None` when signed in.
#[component]
pub fn SessionGate(
    /// What the screen needs the server for, e.g. "The audit trail".
    what: &'static str,
) -> impl IntoView {
    let session = use_session();
    move || match session.status.get() {
        SessionStatus::Checking => Some(
            view! { <p class="status" role="status">"Connecting to the server…"</p> }.into_any(),
        ),
        SessionStatus::Unavailable(error) => Some(
            view! {
                <div class="card notice" role="alert">
                    <p id="server-unavailable">
                        {what} " needs the server. " {error.message()}
                    </p>
                    <button type="button" class="secondary" on:click=move |_| session.check()>
                        "Try again"
                    </button>
                </div>
            }
            .into_any(),
        ),
        SessionStatus::Ready(_) | SessionStatus::NeedsLogin => None,
    }
}

/// The signed-in user's name and role with "Sign out", for the header.
/// Shows nothing in local mode (no accounts) or when not signed in.
#[component]
pub fn SessionBadge() -> impl IntoView {
    let session = use_session();
    move || {
        let me = session.me().filter(|me| !me.local_mode)?;
        Some(view! {
            <div class="who">
                <span class="who-name">
                    <span id="session-user" class="user">{me.username.clone()}</span>
                    " "
                    <span id="session-role" class="role">{me.role.as_str()}</span>
                </span>
                <button
                    type="button"
                    id="sign-out"
                    class="secondary"
                    aria-label="Sign out"
                    on:click=move |_| session.sign_out()
                >
                    "Sign out"
                </button>
            </div>
        })
    }
}
