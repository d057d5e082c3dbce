//! Entry point of the finance web worker (loaded through Trunk's loader
//! shim): reads one JSON `FinanceRequest` per message, runs it with
//! `shared::execute::run` (on the series sent, or on its own copy of the
//! bundled data) and posts one JSON `FinanceEvent`.

use app::finance::protocol::{handle, FinanceEvent, FinanceRequest};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

fn main() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply_to = scope.clone();
    let post = move |event: &FinanceEvent| {
        if let Ok(text) = serde_json::to_string(event) {
            let _ = reply_to.post_message(&JsValue::from_str(&text));
        }
    };
    let for_messages = post.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let request = event
            .data()
            .as_string()
            .ok_or_else(|| "the message is not text".to_string())
            .and_then(|text| {
                serde_json::from_str::<FinanceRequest>(&text).map_err(|e| e.to_string())
            });
        let answer = match request {
            Ok(request) => handle(request),
            Err(message) => FinanceEvent::Failed {
                message: format!("unreadable request: {message}"),
            },
        };
        for_messages(&answer);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&FinanceEvent::Ready);
}
