//! Entry point of the UI thread: mounts the Leptos app.

fn main() {
    console_error_panic_hook::set_once();
    app::ui::mount();
}
