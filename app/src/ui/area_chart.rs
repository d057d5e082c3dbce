//! An SVG area chart: one curve filled down (or up) to zero, for drawdown
//! curves (the Risk and Backtest screens). Presentation attributes and CSS
//! classes only (the CSP forbids inline styles); colours come from
//! `style/main.css`.
//!
//! Must not compute the curve: the caller gives the points.

use leptos::prelude::*;

use super::chart::{
    merge_close_markers, tick_label, Marker, Scale, BOTTOM, FRAME, HEIGHT, LEFT, RIGHT, TOP, WIDTH,
};

/// The data bounds of `points` with zero always inside the y range:
/// `(x0, x1, y0, y1)`, or `None` without a finite point.
pub fn bounds(points: &[(f64, f64)]) -> Option<(f64, f64, f64, f64)> {
    let mut b: Option<(f64, f64, f64, f64)> = None;
    for &(x, y) in points
        .iter()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
    {
        b = Some(match b {
            None => (x, x, y.min(0.0), y.max(0.0)),
            Some((x0, x1, y0, y1)) => (x0.min(x), x1.max(x), y0.min(y), y1.max(y)),
        });
    }
    b.map(|(x0, x1, y0, y1)| {
        let pad = ((y1 - y0) * 0.05).max(1e-9);
        (
            x0,
            x1.max(x0 + 1e-9),
            if y0 < 0.0 { y0 - pad } else { y0 },
            if y1 > 0.0 { y1 + pad } else { y1 + 1e-9 },
        )
    })
}

/// The closed SVG path of the area between the finite `points` and zero,
/// in pixels through `sx` and `sy`; empty without a finite point.
pub(crate) fn area_path(points: &[(f64, f64)], sx: Scale, sy: Scale) -> String {
    let kept: Vec<(f64, f64)> = points
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    let (Some(first), Some(last)) = (kept.first(), kept.last()) else {
        return String::new();
    };
    let zero = sy.at(0.0);
    let mut d = format!("M{:.1},{zero:.1} ", sx.at(first.0));
    for &(x, y) in &kept {
        d.push_str(&format!("L{:.1},{:.1} ", sx.at(x), sy.at(y)));
    }
    d.push_str(&format!("L{:.1},{zero:.1} Z", sx.at(last.0)));
    d
}

/// An area chart of `points` (ascending in x) against zero, with markers.
#[component]
pub fn AreaChart(
    /// Accessible title.
    title: &'static str,
    /// Label of the x axis.
    x_label: &'static str,
    /// The curve, in data units.
    points: Vec<(f64, f64)>,
    /// Labelled vertical lines.
    #[prop(optional)]
    markers: Vec<Marker>,
) -> impl IntoView {
    let body = match bounds(&points) {
        None => view! { <text x="180" y="110" class="chart-empty" text-anchor="middle">"No data"</text> }
            .into_any(),
        Some((x0, x1, y0, y1)) => {
            let (sx, sy) = FRAME.scales(x0, x1, y0, y1);
            let x_ticks = FRAME.x_grid(sx, tick_label);
            let y_ticks = FRAME.y_grid(sy, (y0, y1), 4, tick_label);
            let marks = merge_close_markers(
                markers
                    .iter()
                    .filter(|m| m.x >= x0 && m.x <= x1)
                    .map(|m| (sx.at(m.x), m.label.clone()))
                    .collect(),
            )
            .into_iter()
            .map(|(x, label)| {
                view! {
                    <line x1=x x2=x y1=TOP y2=HEIGHT - BOTTOM class="marker" />
                    <text x=x y=TOP - 5.0 class="marker-label" text-anchor="middle">{label}</text>
                }
            })
            .collect_view();
            let zero = sy.at(0.0);
            view! {
                <g>
                    {x_ticks}
                    {y_ticks}
                    <path d=area_path(&points, sx, sy) class="area" />
                    <line x1=LEFT x2=WIDTH - RIGHT y1=zero y2=zero class="zero" />
                    {marks}
                    <text x=(LEFT + WIDTH - RIGHT) / 2.0 y=HEIGHT - 2.0 class="axis-label" text-anchor="middle">{x_label}</text>
                </g>
            }
            .into_any()
        }
    };
    view! {
        <figure class="chart area-chart">
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
    fn bounds_keep_zero_inside_and_skip_non_finite_points() {
        let (x0, x1, y0, y1) = bounds(&[(1.0, -0.5), (2.0, -0.1), (3.0, f64::NAN)]).unwrap();
        assert_eq!((x0, x1), (1.0, 2.0));
        assert!(y0 < -0.5 && y1 >= 0.0, "{y0} {y1}");
        assert!(bounds(&[(f64::NAN, 1.0)]).is_none());
        assert!(bounds(&[]).is_none());
    }

    #[test]
    fn the_area_starts_and_ends_on_the_zero_line() {
        let sx = Scale {
            d0: 0.0,
            d1: 2.0,
            p0: 0.0,
            p1: 200.0,
        };
        let sy = Scale {
            d0: -1.0,
            d1: 0.0,
            p0: 100.0,
            p1: 0.0,
        };
        let d = area_path(&[(0.0, 0.0), (1.0, -1.0), (2.0, -0.5)], sx, sy);
        assert_eq!(d, "M0.0,0.0 L0.0,0.0 L100.0,100.0 L200.0,50.0 L200.0,0.0 Z");
        assert_eq!(area_path(&[], sx, sy), "");
    }
}
