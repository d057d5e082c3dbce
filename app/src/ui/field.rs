//! Labelled form controls: every input has a visible `<label for>`, an inline
//! error tied to it with `aria-describedby`, and touch-sized targets.

use leptos::prelude::*;

/// A slider's range, in the units the user types.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SliderRange {
    /// Smallest slider value.
    pub min: f64,
    /// Largest slider value.
    pub max: f64,
    /// Slider step.
    pub step: f64,
}

/// A labelled text input for a number (decimal keyboard on phones), with an
/// optional slider bound to the same text and an inline error message.
#[component]
pub fn NumberField(
    /// Element id (also the label's `for`).
    id: &'static str,
    /// Visible label.
    label: &'static str,
    /// Unit shown after the label, e.g. "%".
    #[prop(optional)]
    unit: &'static str,
    /// The text as typed.
    value: RwSignal<String>,
    /// Current error of this field, if any.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// A slider under the input.
    #[prop(optional)]
    slider: Option<SliderRange>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let described_by = error_id.clone();
    let slider_view = slider.map(|range| {
        let slider_id = format!("{id}-slider");
        let slider_label = format!("{label} slider");
        view! {
            <input
                type="range"
                id=slider_id
                class="slider"
                aria-label=slider_label
                min=range.min.to_string()
                max=range.max.to_string()
                step=range.step.to_string()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        }
    });
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id>
                {label}
                {(!unit.is_empty()).then(|| view! { <span class="unit">" (" {unit} ")"</span> })}
            </label>
            <input
                id=id
                name=id
                type="text"
                inputmode="decimal"
                autocomplete="off"
                spellcheck="false"
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=described_by
            />
            {slider_view}
            <p class="field-error" id=error_id role="alert">
                {move || error.get().unwrap_or_default()}
            </p>
        </div>
    }
}

/// A pair of mutually exclusive choices shown as a segmented control
/// (a fieldset of radio buttons, so keyboards and screen readers work).
#[component]
pub fn Choice<T>(
    /// Group name and id prefix.
    name: &'static str,
    /// Visible legend.
    legend: &'static str,
    /// The choices: value and label.
    options: Vec<(T, &'static str)>,
    /// The selected value.
    selected: RwSignal<T>,
) -> impl IntoView
where
    T: Copy + PartialEq + Send + Sync + 'static,
{
    let buttons = options
        .into_iter()
        .map(|(option, text)| {
            let id = format!("{name}-{}", text.to_lowercase().replace(' ', "-"));
            view! {
                <input
                    type="radio"
                    name=name
                    id=id.clone()
                    prop:checked=move || selected.get() == option
                    on:change=move |_| selected.set(option)
                />
                <label for=id>{text}</label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="choice">
            <legend>{legend}</legend>
            <div class="segments">{buttons}</div>
        </fieldset>
    }
}
