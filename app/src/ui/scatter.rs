//! SVG risk-return charts: a curve (the efficient frontier) drawn as a
//! line, and labelled points (each asset, the chosen portfolio) on the same
//! axes. Presentation attributes and CSS classes only (the CSP forbids
//! inline styles).
//!
//! Must not compute what it draws: the caller passes the points.

use leptos::prelude::*;

use super::chart::{tick_label, Frame};

const WIDTH: f64 = 360.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 32.0;

/// The risk-return chart's frame (taller than the line charts').
const FRAME: Frame = Frame {
    width: WIDTH,
    height: HEIGHT,
    left: LEFT,
    right: RIGHT,
    top: TOP,
    bottom: BOTTOM,
};

/// A labelled point.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Label drawn beside it.
    pub label: String,
    /// x in data units.
    pub x: f64,
    /// y in data units.
    pub y: f64,
    /// CSS class (`point`, `point chosen`).
    pub class: &'static str,
}

/// The padded data box of the curve and points: (x0, x1, y0, y1), or
/// `None` with nothing finite to draw.
pub fn data_box(curve: &[(f64, f64)], points: &[Point]) -> Option<(f64, f64, f64, f64)> {
    let all = curve
        .iter()
        .copied()
        .chain(points.iter().map(|p| (p.x, p.y)))
        .filter(|(x, y)| x.is_finite() && y.is_finite());
    let mut b: Option<(f64, f64, f64, f64)> = None;
    for (x, y) in all {
        b = Some(match b {
            None => (x, x, y, y),
            Some((x0, x1, y0, y1)) => (x0.min(x), x1.max(x), y0.min(y), y1.max(y)),
        });
    }
    b.map(|(x0, x1, y0, y1)| {
        let px = ((x1 - x0) * 0.08).max(1e-6);
        let py = ((y1 - y0) * 0.08).max(1e-6);
        ((x0 - px).max(0.0), x1 + px, y0 - py, y1 + py)
    })
}

/// A scatter chart with one curve, axes in percent.
#[component]
pub fn RiskReturnChart(
    /// Accessible title.
    title: &'static str,
    /// Label of the x axis.
    x_label: &'static str,
    /// Label of the y axis.
    y_label: &'static str,
    /// The curve, in drawing order.
    #[prop(into)]
    curve: Signal<Vec<(f64, f64)>>,
    /// The labelled points.
    #[prop(into)]
    points: Signal<Vec<Point>>,
) -> impl IntoView {
    let body = move || {
        let curve = curve.get();
        let points = points.get();
        let Some((x0, x1, y0, y1)) = data_box(&curve, &points) else {
            return view! { <text x="180" y="120" class="chart-empty" text-anchor="middle">"No data"</text> }
                .into_any();
        };
        let (sx, sy) = FRAME.scales(x0, x1, y0, y1);
        let x_ticks = FRAME.x_grid(sx, |t| tick_label(t * 100.0));
        let y_ticks = FRAME.y_grid(sy, (y0, y1), 4, |t| tick_label(t * 100.0));
        let d: String = curve
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .enumerate()
            .map(|(i, (x, y))| {
                format!(
                    "{}{:.1},{:.1} ",
                    if i == 0 { 'M' } else { 'L' },
                    sx.at(*x),
                    sy.at(*y)
                )
            })
            .collect();
        let dots = points
            .into_iter()
            .filter(|p| p.x.is_finite() && p.y.is_finite())
            .map(|p| {
                let (cx, cy) = (sx.at(p.x), sy.at(p.y));
                let anchor = if cx > WIDTH * 0.7 { "end" } else { "start" };
                let tx = if anchor == "end" { cx - 6.0 } else { cx + 6.0 };
                view! {
                    <circle cx=cx cy=cy r="4" class=p.class data-label=p.label.clone() />
                    <text x=tx y=cy - 5.0 class="point-label" text-anchor=anchor>{p.label}</text>
                }
            })
            .collect_view();
        view! {
            <g>
                {x_ticks}
                {y_ticks}
                <path d=d class="line frontier" />
                {dots}
                <text x=(LEFT + WIDTH - RIGHT) / 2.0 y=HEIGHT - 2.0 class="axis-label" text-anchor="middle">{x_label}</text>
                <text x="10" y=(TOP + HEIGHT - BOTTOM) / 2.0 class="axis-label" text-anchor="middle" transform=format!("rotate(-90 10 {})", (TOP + HEIGHT - BOTTOM) / 2.0)>{y_label}</text>
            </g>
        }
        .into_any()
    };
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=title>
                <title>{title}</title>
                {body}
            </svg>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_box_covers_curve_and_points_and_skips_non_finite() {
        let points = vec![Point {
            label: "a".into(),
            x: 0.3,
            y: -0.1,
            class: "point",
        }];
        let (x0, x1, y0, y1) =
            data_box(&[(0.1, 0.05), (f64::NAN, 1.0), (0.2, 0.1)], &points).unwrap();
        assert!(x0 <= 0.1 && x1 >= 0.3 && y0 <= -0.1 && y1 >= 0.1);
        assert!(x0 >= 0.0, "volatility axis starts at zero at the lowest");
        assert!(y1 < 1.0, "the NaN point is skipped");
        assert_eq!(data_box(&[], &[]), None);
    }
}
