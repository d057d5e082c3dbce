//! Time sources of the browser, usable from the page and from a worker.

use wasm_bindgen::{JsCast, JsValue};

/// Milliseconds from `performance.now()` of the current global (window or
/// worker); falls back to `Date.now()` where `performance` is missing.
pub fn now_ms() -> f64 {
    let global = js_sys::global();
    js_sys::Reflect::get(&global, &JsValue::from_str("performance"))
        .ok()
        .and_then(|perf| {
            let now = js_sys::Reflect::get(&perf, &JsValue::from_str("now")).ok()?;
            let now: js_sys::Function = now.dyn_into().ok()?;
            now.call0(&perf).ok()?.as_f64()
        })
        .unwrap_or_else(js_sys::Date::now)
}

/// Today's local calendar date.
pub fn today() -> shared::pricing::dates::Date {
    let now = js_sys::Date::new_0();
    shared::pricing::dates::Date {
        year: now.get_full_year() as i32,
        month: now.get_month() + 1,
        day: now.get_date(),
    }
}

/// Waits `ms` milliseconds (a `setTimeout` promise on the page's window).
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
