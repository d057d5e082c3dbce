//! The user interface: the app shell, routes and screens. Components only
//! render and wire signals; all pricing comes from `shared::pricing`, all
//! server calls go through `crate::api`, and every compliance check shown
//! before the server answers comes from `shared::compliance`.

mod area_chart;
mod audit_page;
mod autonomous_model;
mod autonomous_page;
mod backtest_page;
mod bar_chart;
mod bench_page;
mod chart;
mod chat;
mod compliance_page;
mod data_page;
mod equity_chart;
mod field;
mod finance_form;
mod format;
mod goal_bar;
mod heatmap;
mod histogram;
mod lab_page;
mod leaderboard_page;
mod login_page;
mod mc_card;
mod option_inputs;
mod portfolio_page;
mod pricing_page;
mod registry_page;
mod risk_page;
mod routes;
mod run_badges;
mod runner;
mod scatter;
mod session;
mod state;
mod strategies_page;
mod theme;
mod trial_feed;
mod trial_form;
mod trial_graph;
mod trial_model;
mod trials_page;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::{path, Lazy};

/// Mounts the app on `<body>`.
pub fn mount() {
    leptos::mount::mount_to_body(App);
}

/// The app shell: header with navigation, the session and the goal, and
/// the routed screen (or the login screen when the server wants a login).
#[component]
pub fn App() -> impl IntoView {
    provide_context(state::MarketState::new());
    let session = session::Session::start();
    provide_context(session);
    crate::finance::outbox::start();
    let needs_login =
        Memo::new(move |_| matches!(session.status.get(), session::SessionStatus::NeedsLogin));
    // True while a navigation waits for its screen (a chunk the first time).
    let (is_routing, set_is_routing) = signal(false);
    view! {
        <Router set_is_routing>
            <header class="top">
                <div class="bar">
                    <a class="brand" href="/">"mlTrainer"</a>
                    <theme::ThemeToggle />
                    <session::SessionBadge />
                </div>
                <nav aria-label="Main">
                    <A href="/chat">"Chat"</A>
                    <A href="/">"Pricing"</A>
                    <A href="/strategies">"Strategies"</A>
                    <A href="/data">"Data"</A>
                    <A href="/lab">"Lab"</A>
                    <A href="/trials">"Trials"</A>
                    <A href="/leaderboard">"Leaderboard"</A>
                    <A href="/registry">"Registry"</A>
                    <A href="/portfolio">"Portfolio"</A>
                    <A href="/risk">"Risk"</A>
                    <A href="/backtest">"Backtest"</A>
                    <A href="/audit">"Audit"</A>
                    <A href="/compliance">"Compliance"</A>
                </nav>
                <goal_bar::GoalBar />
            </header>
            <main id="main">
                <Show when=move || is_routing.get()>
                    <p id="screen-loading" class="screen-loading muted" role="status">"Loading the screen…"</p>
                </Show>
                <Show when=move || !needs_login.get() fallback=login_page::LoginPage>
                    <Routes fallback=|| view! { <p class="card">"Page not found. " <a href="/">"Go to Pricing"</a></p> }>
                        <Route path=path!("/") view={Lazy::<routes::PricingRoute>::new()} />
                        <Route path=path!("/chat") view={Lazy::<routes::ChatRoute>::new()} />
                        <Route path=path!("/strategies") view={Lazy::<routes::StrategiesRoute>::new()} />
                        <Route path=path!("/data") view={Lazy::<routes::DataRoute>::new()} />
                        <Route path=path!("/lab") view={Lazy::<routes::LabRoute>::new()} />
                        <Route path=path!("/portfolio") view={Lazy::<routes::PortfolioRoute>::new()} />
                        <Route path=path!("/risk") view={Lazy::<routes::RiskRoute>::new()} />
                        <Route path=path!("/backtest") view={Lazy::<routes::BacktestRoute>::new()} />
                        <Route path=path!("/leaderboard") view={Lazy::<routes::LeaderboardRoute>::new()} />
                        <Route path=path!("/trials") view={Lazy::<routes::TrialsRoute>::new()} />
                        <Route path=path!("/autonomous") view={Lazy::<routes::AutonomousRoute>::new()} />
                        <Route path=path!("/registry") view={Lazy::<routes::RegistryRoute>::new()} />
                        <Route path=path!("/audit") view={Lazy::<routes::AuditRoute>::new()} />
                        <Route path=path!("/compliance") view={Lazy::<routes::ComplianceRoute>::new()} />
                        <Route path=path!("/bench") view={Lazy::<routes::BenchRoute>::new()} />
                    </Routes>
                </Show>
            </main>
            <footer class="muted">"Prices are model values. Works offline once loaded."</footer>
        </Router>
    }
}
