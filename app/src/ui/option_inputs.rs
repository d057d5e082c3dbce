//! The option's input form: kind, exercise, spot, strike, expiry (days or
//! date), volatility, rate, dividend yield and tree steps.

use super::field::{Choice, NumberField, SliderRange};
use super::state::{use_market, ExpiryMode};
use leptos::prelude::*;
use shared::pricing::binomial::Exercise;
use shared::pricing::{Field, OptionKind};

/// The form. With `market_only` it hides strike and kind (the Strategies
/// screen sets those per leg) and keeps exercise with the market inputs.
#[component]
pub fn OptionInputs(#[prop(optional)] market_only: bool) -> impl IntoView {
    let m = use_market();
    let expiry_error = m.error_of(Field::ExpiryDays);
    let date_error_id = "expiry-date-error";
    let kind = (!market_only).then(|| {
        view! {
            <Choice name="kind" legend="Option" options=vec![(OptionKind::Call, "Call"), (OptionKind::Put, "Put")] selected=m.kind />
        }
    });
    let strike = (!market_only).then(|| {
        view! { <NumberField id="strike" label="Strike" value=m.strike error=m.error_of(Field::Strike) /> }
    });
    let steps = move || {
        (m.exercise.get() == Exercise::American).then(|| {
            view! {
                <NumberField
                    id="steps"
                    label="Binomial steps"
                    value=m.steps
                    error=m.error_of(Field::Steps)
                    slider=SliderRange { min: 10.0, max: 2000.0, step: 10.0 }
                />
            }
        })
    };
    let expiry = move || {
        match m.expiry_mode.get() {
        ExpiryMode::Days => view! {
            <NumberField
                id="days"
                label="Days to expiry"
                value=m.days
                error=expiry_error
                slider=SliderRange { min: 1.0, max: 730.0, step: 1.0 }
            />
        }
        .into_any(),
        ExpiryMode::Date => view! {
            <div class="field" class:invalid=move || expiry_error.get().is_some()>
                <label for="expiry-date">"Expiry date"</label>
                <input
                    id="expiry-date"
                    type="date"
                    prop:value=move || m.expiry_date.get()
                    on:input=move |ev| m.expiry_date.set(event_target_value(&ev))
                    aria-invalid=move || if expiry_error.get().is_some() { "true" } else { "false" }
                    aria-describedby=date_error_id
                />
                <p class="field-error" id=date_error_id role="alert">{move || expiry_error.get().unwrap_or_default()}</p>
            </div>
        }
        .into_any(),
    }
    };
    view! {
        <section class="card inputs" aria-labelledby="inputs-title">
            <h2 id="inputs-title">{if market_only { "Market" } else { "Option" }}</h2>
            <div class="grid">
                {kind}
                <Choice
                    name="exercise"
                    legend="Exercise"
                    options=vec![(Exercise::European, "European"), (Exercise::American, "American")]
                    selected=m.exercise
                />
                {strike}
                <NumberField
                    id="spot"
                    label="Spot"
                    value=m.spot
                    error=m.error_of(Field::Spot)
                    slider=SliderRange { min: 1.0, max: 300.0, step: 0.5 }
                />
                <Choice
                    name="expiry-mode"
                    legend="Expiry as"
                    options=vec![(ExpiryMode::Days, "Days"), (ExpiryMode::Date, "Date")]
                    selected=m.expiry_mode
                />
                {expiry}
                <NumberField
                    id="vol"
                    label="Volatility"
                    unit="%"
                    value=m.vol_pct
                    error=m.error_of(Field::Volatility)
                    slider=SliderRange { min: 1.0, max: 150.0, step: 0.5 }
                />
                <NumberField
                    id="rate"
                    label="Risk-free rate"
                    unit="%, cont."
                    value=m.rate_pct
                    error=m.error_of(Field::Rate)
                    slider=SliderRange { min: -2.0, max: 15.0, step: 0.05 }
                />
                <NumberField id="dividend" label="Dividend yield" unit="%, cont." value=m.dividend_pct error=m.error_of(Field::DividendYield) />
                {steps}
            </div>
        </section>
    }
}
