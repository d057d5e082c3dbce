//! The routed screens, compiled into lazily loaded WASM chunks.
//!
//! Each screen is a [`LazyRoute`] whose view is a `wasm_split` point, and the
//! build (`scripts/build-main-module.sh`) cuts the main module at those
//! points: the first page load fetches the shell (header, session, login,
//! goal bar) and then only the chunk of the screen being opened. Screens are
//! grouped by what a user does together, one chunk per group, so opening a
//! screen takes a handful of fetches (the group, plus the code it shares
//! with other groups, in shared chunks) rather than one per screen. The
//! service worker precaches every chunk, so pricing still opens offline.
//!
//! A chunk that cannot be fetched (offline before the service worker has
//! cached it) shows [`ChunkLoadFailed`] in place of the screen; the loader
//! does not remember the failure, so the next navigation tries again.

use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;
use leptos_router::LazyRoute;

use super::{
    audit_page, autonomous_page, backtest_page, bench_page, chat, compliance_page, data_page,
    lab_page, leaderboard_page, portfolio_page, pricing_page, registry_page, risk_page,
    strategies_page, trials_page,
};

/// Declares one lazily loaded screen: the route type, and in a module of the
/// same purpose the split function that renders the screen's component.
/// Every screen declared with the same `$group` lands in the same chunk.
macro_rules! lazy_screen {
    ($(#[$doc:meta])* $route:ident in $group:ident as $module:ident => $component:path) => {
        $(#[$doc])*
        pub struct $route;

        mod $module {
            use super::*;

            /// Renders the screen once its chunk is loaded.
            #[leptos::wasm_split::wasm_split(
                $group,
                wasm_split_path = ::leptos::wasm_split,
                preload(load),
                fallible
            )]
            pub(super) fn render() -> Result<AnyView, SplitLoaderError> {
                Ok($component().into_any())
            }
        }

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_this: Self) -> AnyView {
                $module::render()
                    .await
                    .unwrap_or_else(|_| view! { <ChunkLoadFailed /> }.into_any())
            }

            async fn preload() {
                // A failed preload is retried by `view`, which shows the error.
                let _ = $module::load().await;
            }
        }
    };
}

lazy_screen!(
    /// `/`: option pricing, Greeks, payoff and heatmap.
    PricingRoute in pricing_screens as pricing => pricing_page::PricingPage
);
lazy_screen!(
    /// `/strategies`: multi-leg option strategies.
    StrategiesRoute in pricing_screens as strategies => strategies_page::StrategiesPage
);
lazy_screen!(
    /// `/chat`: the coach.
    ChatRoute in coach_screens as chat_screen => chat::ChatPage
);
lazy_screen!(
    /// `/trials`: multi-step trials with live progress.
    TrialsRoute in coach_screens as trials => trials_page::TrialsPage
);
lazy_screen!(
    /// `/autonomous`: the autonomous loop.
    AutonomousRoute in coach_screens as autonomous => autonomous_page::AutonomousPage
);
lazy_screen!(
    /// `/leaderboard`: ranked model runs.
    LeaderboardRoute in coach_screens as leaderboard => leaderboard_page::LeaderboardPage
);
lazy_screen!(
    /// `/registry`: the model registry.
    RegistryRoute in coach_screens as registry => registry_page::RegistryPage
);
lazy_screen!(
    /// `/data`: datasets, fetches and uploads.
    DataRoute in analysis_screens as data => data_page::DataPage
);
lazy_screen!(
    /// `/lab`: the model lab.
    LabRoute in analysis_screens as lab => lab_page::LabPage
);
lazy_screen!(
    /// `/portfolio`: portfolio optimisation.
    PortfolioRoute in analysis_screens as portfolio => portfolio_page::PortfolioPage
);
lazy_screen!(
    /// `/risk`: VaR, CVaR and stress tests.
    RiskRoute in analysis_screens as risk => risk_page::RiskPage
);
lazy_screen!(
    /// `/backtest`: signal backtests with costs.
    BacktestRoute in analysis_screens as backtest => backtest_page::BacktestPage
);
lazy_screen!(
    /// `/audit`: the audit trail.
    AuditRoute in records_screens as audit => audit_page::AuditPage
);
lazy_screen!(
    /// `/compliance`: the compliance gateway's decisions.
    ComplianceRoute in records_screens as compliance => compliance_page::CompliancePage
);
lazy_screen!(
    /// `/bench`: the in-browser benchmarks.
    BenchRoute in records_screens as bench => bench_page::BenchPage
);

/// Shown in place of a screen whose code could not be fetched.
#[component]
fn ChunkLoadFailed() -> impl IntoView {
    view! {
        <div id="screen-load-failed" class="card error" role="alert">
            <p>"This screen could not be loaded: its code did not download. Check the connection, then open the screen again."</p>
        </div>
    }
}
