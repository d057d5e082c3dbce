//! Entry point of the pricing web worker (loaded through Trunk's loader shim).

use gloo_worker::Registrable;

fn main() {
    console_error_panic_hook::set_once();
    app::worker::PricingWorker::registrar().register();
}
