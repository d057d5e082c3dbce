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
mod run_badges;
mod runner;
mod scatter;
mod session;
mod state;
mod strategies_page;
mod theme;
pub mod trial_feed;
mod trial_form;
mod trial_graph;
mod trial_model;
mod trials_page;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

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
    view! {
        <Router>
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
                <Show when=move || !needs_login.get() fallback=login_page::LoginPage>
                    <Routes fallback=|| view! { <p class="card">"Page not found. " <a href="/">"Go to Pricing"</a></p> }>
                        <Route path=path!("/") view=pricing_page::PricingPage />
                        <Route path=path!("/chat") view=chat::ChatPage />
                        <Route path=path!("/strategies") view=strategies_page::StrategiesPage />
                        <Route path=path!("/data") view=data_page::DataPage />
                        <Route path=path!("/lab") view=lab_page::LabPage />
                        <Route path=path!("/portfolio") view=portfolio_page::PortfolioPage />
                        <Route path=path!("/risk") view=risk_page::RiskPage />
                        <Route path=path!("/backtest") view=backtest_page::BacktestPage />
                        <Route path=path!("/leaderboard") view=leaderboard_page::LeaderboardPage />
                        <Route path=path!("/trials") view=trials_page::TrialsPage />
                        <Route path=path!("/autonomous") view=autonomous_page::AutonomousPage />
                        <Route path=path!("/registry") view=registry_page::RegistryPage />
                        <Route path=path!("/audit") view=audit_page::AuditPage />
                        <Route path=path!("/compliance") view=compliance_page::CompliancePage />
                        <Route path=path!("/bench") view=bench_page::BenchPage />
                    </Routes>
                </Show>
            </main>
            <footer class="muted">"Prices are model values. Works offline once loaded."</footer>
        </Router>
    }
}
