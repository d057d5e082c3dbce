//! Entry point of the UI thread: mounts the Leptos app.
//!
//! The screens (`ui`) are compiled into this binary only, not into the
//! library the workers share: their lazily loaded routes
//! (`ui/routes.rs`) are exported split points, which every binary linking
//! them would keep, whole screens included.

// The library's modules, in scope at the crate root so the screens reach
// them as `crate::api`, `crate::clock`, … as before they moved here.
use app::{api, bench, browser_trial, clock, finance, lab, worker};

mod ui;

fn main() {
    console_error_panic_hook::set_once();
    ui::mount();
}
