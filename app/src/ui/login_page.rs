//! The login screen, shown in place of every screen when the server wants
//! a login: username, password, and the error inline under the form.

use super::session::use_session;
use crate::api;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The screen.
#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let name = username.get_untracked().trim().to_string();
        let secret = password.get_untracked();
        if name.is_empty() || secret.is_empty() {
            error.set(Some("Enter your username and password.".into()));
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::login(&name, &secret).await {
                Ok(()) => {
                    password.set(String::new());
                    session.check();
                }
                Err(e) => error.set(Some(e.message())),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card login" aria-labelledby="login-title">
            <h2 id="login-title">"Sign in"</h2>
            <p class="muted">"This server needs an account. Pricing works without one once the app is installed."</p>
            <form id="login-form" on:submit=submit novalidate=true>
                <div class="field">
                    <label for="login-username">"Username"</label>
                    <input
                        id="login-username"
                        name="username"
                        type="text"
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                        prop:value=move || username.get()
                        on:input=move |ev| username.set(event_target_value(&ev))
                        aria-describedby="login-error"
                    />
                </div>
                <div class="field">
                    <label for="login-password">"Password"</label>
                    <input
                        id="login-password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        prop:value=move || password.get()
                        on:input=move |ev| password.set(event_target_value(&ev))
                        aria-describedby="login-error"
                    />
                </div>
                <p class="field-error" id="login-error" role="alert">
                    {move || error.get().unwrap_or_default()}
                </p>
                <button type="submit" id="login-submit" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </section>
    }
}
