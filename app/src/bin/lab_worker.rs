//! Entry point of the lab web worker (loaded through Trunk's loader shim):
//! reads one JSON `LabRequest` per message and posts JSON `LabEvent`s.

use app::lab::protocol::{LabEvent, LabRequest};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

fn main() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply_to = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let post = |event: LabEvent| {
            if let Ok(text) = serde_json::to_string(&event) {
                let _ = reply_to.post_message(&JsValue::from_str(&text));
            }
        };
        let request = event
            .data()
            .as_string()
            .ok_or_else(|| "the message is not text".to_string())
            .and_then(|text| serde_json::from_str::<LabRequest>(&text).map_err(|e| e.to_string()));
        match request {
            Ok(request) => {
                let performance = js_sys::Reflect::get(&js_sys::global(), &"performance".into())
                    .ok()
                    .and_then(|p| p.dyn_into::<web_sys::Performance>().ok());
                let now = move || performance.as_ref().map_or(0.0, |p| p.now());
                app::lab::worker::handle(request, &mut |event| post(event), &now);
            }
            Err(message) => post(LabEvent::Failed {
                message: format!("unreadable request: {message}"),
            }),
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    if let Ok(text) = serde_json::to_string(&LabEvent::Ready) {
        let _ = scope.post_message(&JsValue::from_str(&text));
    }
}
