//! The user interface: the app shell, routes and screens. Components only
//! render and wire signals; all pricing comes from `shared::pricing`.

mod bench_page;
mod chart;
mod field;
mod format;
mod heatmap;
mod mc_card;
mod option_inputs;
mod pricing_page;
mod runner;
mod state;
mod strategies_page;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

/// Mounts the app on `<body>`.
pub fn mount() {
    leptos::mount::mount_to_body(App);
}

/// The app shell: header with navigation, and the routed screen.
#[component]
pub fn App() -> impl IntoView {
    provide_context(state::MarketState::new());
    view! {
        <Router>
            <header class="top">
                <a class="brand" href="/">"mlTrainer"</a>
                <nav aria-label="Main">
                    <A href="/">"Pricing"</A>
                    <A href="/strategies">"Strategies"</A>
                </nav>
            </header>
            <main id="main">
                <Routes fallback=|| view! { <p class="card">"Page not found. " <a href="/">"Go to Pricing"</a></p> }>
                    <Route path=path!("/") view=pricing_page::PricingPage />
                    <Route path=path!("/strategies") view=strategies_page::StrategiesPage />
                    <Route path=path!("/bench") view=bench_page::BenchPage />
                </Routes>
            </main>
            <footer class="muted">"Prices are model values. Works offline once loaded."</footer>
        </Router>
    }
}
