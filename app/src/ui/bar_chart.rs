//! Horizontal SVG bar charts of signed values (portfolio weights, shares):
//! one labelled bar per item, negative bars to the left of a zero line.
//! Presentation attributes and CSS classes only (the CSP forbids inline
//! styles).
//!
//! Must not compute what it draws: the caller passes the values.

use leptos::prelude::*;

use super::chart::Scale;

const WIDTH: f64 = 360.0;
const ROW: f64 = 22.0;
const LABEL: f64 = 96.0;
const VALUE: f64 = 56.0;

/// One bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// Label drawn left of the bar.
    pub label: String,
    /// Its value.
    pub value: f64,
    /// The value as text, drawn after the bar.
    pub text: String,
}

/// The data range a bar chart spans: always includes zero.
pub fn span(values: &[f64]) -> (f64, f64) {
    let lo = values
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::min);
    let hi = values
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    if hi - lo < 1e-12 {
        (lo, lo + 1.0)
    } else {
        (lo, hi)
    }
}

/// A horizontal bar chart with a zero line.
#[component]
pub fn BarChart(
    /// Accessible title.
    title: &'static str,
    /// The bars, top to bottom.
    #[prop(into)]
    bars: Signal<Vec<Bar>>,
) -> impl IntoView {
    let body = move || {
        let bars = bars.get();
        let values: Vec<f64> = bars.iter().map(|b| b.value).collect();
        let (lo, hi) = span(&values);
        let sx = Scale {
            d0: lo,
            d1: hi,
            p0: LABEL,
            p1: WIDTH - VALUE,
        };
        let zero = sx.at(0.0);
        let height = ROW * bars.len().max(1) as f64 + 4.0;
        let rows = bars
            .into_iter()
            .enumerate()
            .map(|(i, bar)| {
                let y = 2.0 + ROW * i as f64;
                let end = sx.at(bar.value.clamp(lo, hi));
                let (x, w) = if end >= zero { (zero, end - zero) } else { (end, zero - end) };
                let class = if bar.value < 0.0 { "bar negative" } else { "bar" };
                view! {
                    <text x=LABEL - 6.0 y=y + ROW * 0.68 class="tick" text-anchor="end">{bar.label}</text>
                    <rect x=x y=y + 3.0 width=w.max(0.5) height=ROW - 6.0 class=class />
                    <text x=WIDTH - VALUE + 4.0 y=y + ROW * 0.68 class="tick">{bar.text}</text>
                }
            })
            .collect_view();
        view! {
            <svg viewBox=format!("0 0 {WIDTH} {height}") role="img" aria-label=title>
                <title>{title}</title>
                {rows}
                <line x1=zero x2=zero y1=0 y2=height class="zero" />
            </svg>
        }
    };
    view! { <figure class="chart bar-chart">{body}</figure> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_span_includes_zero_and_is_never_empty() {
        assert_eq!(span(&[0.2, 0.5]), (0.0, 0.5));
        assert_eq!(span(&[-0.3, 0.5]), (-0.3, 0.5));
        assert_eq!(span(&[]), (0.0, 1.0));
        assert_eq!(span(&[f64::NAN, -0.1]), (-0.1, 0.0));
    }
}
