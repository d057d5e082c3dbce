//! The theme toggle in the header of every screen: light, dark or follow
//! the system, remembered in `localStorage`. It sets `data-theme` on
//! `<html>` (absent: follow the system); the colours themselves are CSS
//! variables in `style/main.css`. No inline styles.

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;

/// The `localStorage` key.
const KEY: &str = "mltrainer.theme";

/// A theme choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    /// Follow `prefers-color-scheme`.
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl Theme {
    /// The stored (and `<select>`) value.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// The theme stored as `value`; anything else follows the system.
    pub fn parse(value: &str) -> Theme {
        match value {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::System,
        }
    }

    /// The `data-theme` attribute for this choice (`None`: removed).
    pub fn attribute(self) -> Option<&'static str> {
        match self {
            Theme::System => None,
            other => Some(other.as_str()),
        }
    }
}

/// The remembered choice.
pub fn stored() -> Theme {
    LocalStorage::get::<String>(KEY)
        .map(|v| Theme::parse(&v))
        .unwrap_or(Theme::System)
}

/// Applies `theme` to `<html>` and remembers it.
pub fn apply(theme: Theme, remember: bool) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = match theme.attribute() {
            Some(value) => root.set_attribute("data-theme", value),
            None => root.remove_attribute("data-theme"),
        };
    }
    if remember {
        let _ = LocalStorage::set(KEY, theme.as_str());
    }
}

/// The toggle: a labelled select in the header.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let theme = RwSignal::new(stored());
    apply(theme.get_untracked(), false);
    let option = move |value: Theme, label: &'static str| {
        view! { <option value=value.as_str() selected=move || theme.get() == value>{label}</option> }
    };
    view! {
        <div class="theme-toggle">
            <label for="theme-select" class="sr-only">"Theme"</label>
            <select id="theme-select" on:change=move |ev| {
                let chosen = Theme::parse(&event_target_value(&ev));
                theme.set(chosen);
                apply(chosen, true);
            }>
                {option(Theme::System, "System")}
                {option(Theme::Light, "Light")}
                {option(Theme::Dark, "Dark")}
            </select>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_unknown_follows_the_system() {
        for theme in [Theme::System, Theme::Light, Theme::Dark] {
            assert_eq!(Theme::parse(theme.as_str()), theme);
        }
        assert_eq!(Theme::parse("purple"), Theme::System);
        assert_eq!(Theme::System.attribute(), None);
        assert_eq!(Theme::Dark.attribute(), Some("dark"));
    }
}
