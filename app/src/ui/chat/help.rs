//! The keyboard shortcuts' help overlay (`?`): a modal dialog listing them,
//! closed with Esc (handled by the page) or its button. Focus moves to the
//! Close button on open, stays inside while open, and returns to where it
//! was on close.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The shortcuts, as (keys, what they do).
pub const SHORTCUTS: [(&str, &str); 5] = [
    ("Enter", "Send the message"),
    ("Shift + Enter", "New line in the message"),
    ("Esc", "Stop the answer (or close this help)"),
    ("/", "Search memory (when not typing in a field)"),
    ("?", "Show this help (when not typing in a field)"),
];

/// The overlay; shown while `open` is true.
#[component]
pub fn HelpOverlay(
    /// Whether it is shown.
    open: RwSignal<bool>,
) -> impl IntoView {
    let close_ref = NodeRef::<html::Button>::new();
    let previous = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::new(move |was_open: Option<bool>| {
        let is_open = open.get();
        if is_open {
            previous.set_value(
                web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.active_element())
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()),
            );
            request_animation_frame(move || {
                if let Some(button) = close_ref.get_untracked() {
                    let _ = button.focus();
                }
            });
        } else if was_open == Some(true) {
            previous.with_value(|p| {
                if let Some(el) = p {
                    let _ = el.focus();
                }
            });
        }
        is_open
    });
    view! {
        <Show when=move || open.get()>
            <div class="overlay" id="help-overlay">
                <div class="dialog card" role="dialog" aria-modal="true" aria-labelledby="help-title"
                    on:keydown=move |ev: web_sys::KeyboardEvent| {
                        // One control inside: Tab keeps the focus on it.
                        if ev.key() == "Tab" {
                            ev.prevent_default();
                            if let Some(button) = close_ref.get_untracked() {
                                let _ = button.focus();
                            }
                        }
                    }>
                    <h2 id="help-title">"Keyboard shortcuts"</h2>
                    <dl class="facts shortcuts">
                        {SHORTCUTS.iter().map(|(keys, what)| view! { <dt><kbd>{*keys}</kbd></dt><dd>{*what}</dd> }).collect_view()}
                    </dl>
                    <button type="button" id="help-close" node_ref=close_ref on:click=move |_| open.set(false)>"Close"</button>
                </div>
            </div>
        </Show>
    }
}
