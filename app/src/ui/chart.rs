//! SVG line charts: scales, "nice" axis ticks and the `LineChart` component.
//! Drawn with presentation attributes only (no inline styles), so the strict
//! content security policy holds and colours come from the stylesheet.

use leptos::prelude::*;

/// One line of a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// CSS class that colours the line (`series-a`, `series-b`, ...).
    pub class: &'static str,
    /// Points in data units, ascending in x.
    pub points: Vec<(f64, f64)>,
}

/// A labelled vertical line (spot, strike, break-even).
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    /// Position in data units.
    pub x: f64,
    /// Short label drawn at the top.
    pub label: String,
}

/// Width of every chart's view box, in SVG units.
pub(crate) const WIDTH: f64 = 360.0;
/// Height of every chart's view box.
pub(crate) const HEIGHT: f64 = 220.0;
/// Room for the y tick labels.
pub(crate) const LEFT: f64 = 50.0;
/// Right margin.
pub(crate) const RIGHT: f64 = 10.0;
/// Room for marker labels.
pub(crate) const TOP: f64 = 18.0;
/// Room for the x tick labels and the axis label.
pub(crate) const BOTTOM: f64 = 30.0;

/// About `target` round-numbered ticks covering `[lo, hi]`.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

/// Formats a tick label compactly.
pub(crate) fn tick_label(v: f64) -> String {
    let a = v.abs();
    if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Linear map from data units (`d0..d1`) to pixels (`p0..p1`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scale {
    /// Data value drawn at `p0`.
    pub d0: f64,
    /// Data value drawn at `p1`.
    pub d1: f64,
    /// Pixel of `d0`.
    pub p0: f64,
    /// Pixel of `d1`.
    pub p1: f64,
}

impl Scale {
    /// The pixel of data value `v`.
    pub fn at(&self, v: f64) -> f64 {
        self.p0 + (v - self.d0) / (self.d1 - self.d0) * (self.p1 - self.p0)
    }
}

/// A plot area inside an SVG view box: its size and margins.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    /// View box width.
    pub width: f64,
    /// View box height.
    pub height: f64,
    /// Left margin (y tick labels).
    pub left: f64,
    /// Right margin.
    pub right: f64,
    /// Top margin.
    pub top: f64,
    /// Bottom margin (x tick labels).
    pub bottom: f64,
}

/// The frame of the line, area and histogram charts.
pub(crate) const FRAME: Frame = Frame {
    width: WIDTH,
    height: HEIGHT,
    left: LEFT,
    right: RIGHT,
    top: TOP,
    bottom: BOTTOM,
};

impl Frame {
    /// Scales that map the data box `x0..x1` by `y0..y1` onto the plot area.
    pub fn scales(&self, x0: f64, x1: f64, y0: f64, y1: f64) -> (Scale, Scale) {
        (
            Scale {
                d0: x0,
                d1: x1,
                p0: self.left,
                p1: self.width - self.right,
            },
            Scale {
                d0: y0,
                d1: y1,
                p0: self.height - self.bottom,
                p1: self.top,
            },
        )
    }

    /// Full-height grid lines with `label`s at about five nice x ticks.
    pub fn x_grid(&self, sx: Scale, label: fn(f64) -> String) -> impl IntoView {
        let f = *self;
        nice_ticks(sx.d0, sx.d1, 5)
            .into_iter()
            .map(move |t| {
                let x = sx.at(t);
                view! {
                    <line x1=x x2=x y1=f.top y2=f.height - f.bottom class="grid" />
                    <text x=x y=f.height - f.bottom + 14.0 class="tick" text-anchor="middle">{label(t)}</text>
                }
            })
            .collect_view()
    }

    /// Full-width grid lines with `label`s at about `count` nice ticks
    /// between `y0` and `y1`.
    pub fn y_grid(
        &self,
        sy: Scale,
        (y0, y1): (f64, f64),
        count: usize,
        label: fn(f64) -> String,
    ) -> impl IntoView {
        let f = *self;
        nice_ticks(y0, y1, count)
            .into_iter()
            .map(move |t| {
                let y = sy.at(t);
                view! {
                    <line x1=f.left x2=f.width - f.right y1=y y2=y class="grid" />
                    <text x=f.left - 4.0 y=y + 4.0 class="tick" text-anchor="end">{label(t)}</text>
                }
            })
            .collect_view()
    }
}

fn bounds(series: &[Series]) -> Option<(f64, f64, f64, f64)> {
    let points = series
        .iter()
        .flat_map(|s| s.points.iter())
        .filter(|(x, y)| x.is_finite() && y.is_finite());
    let mut b: Option<(f64, f64, f64, f64)> = None;
    for &(x, y) in points {
        b = Some(match b {
            None => (x, x, y, y),
            Some((x0, x1, y0, y1)) => (x0.min(x), x1.max(x), y0.min(y), y1.max(y)),
        });
    }
    b.map(|(x0, x1, y0, y1)| {
        let pad = ((y1 - y0) * 0.08).max(1e-9);
        (x0, x1.max(x0 + 1e-9), y0 - pad, y1 + pad)
    })
}

fn path_of(points: &[(f64, f64)], sx: Scale, sy: Scale) -> String {
    let mut d = String::new();
    let mut pen_down = false;
    for &(x, y) in points {
        if !(x.is_finite() && y.is_finite()) {
            pen_down = false;
            continue;
        }
        d.push_str(&format!(
            "{}{:.1},{:.1} ",
            if pen_down { 'L' } else { 'M' },
            sx.at(x),
            sy.at(y)
        ));
        pen_down = true;
    }
    d
}

/// A responsive line chart with axes, a zero line, markers and a legend.
#[component]
pub fn LineChart(
    /// Accessible title of the chart.
    title: &'static str,
    /// Label of the x axis.
    x_label: &'static str,
    /// The lines.
    #[prop(into)]
    series: Signal<Vec<Series>>,
    /// Vertical markers.
    #[prop(into)]
    markers: Signal<Vec<Marker>>,
) -> impl IntoView {
    let body = move || {
        let series = series.get();
        let markers = markers.get();
        let Some((x0, x1, y0, y1)) = bounds(&series) else {
            return view! { <text x="180" y="110" class="chart-empty" text-anchor="middle">"No data"</text> }
                .into_any();
        };
        let (sx, sy) = FRAME.scales(x0, x1, y0, y1);
        let x_ticks = FRAME.x_grid(sx, tick_label);
        let y_ticks = FRAME.y_grid(sy, (y0, y1), 4, tick_label);
        let zero = (y0 < 0.0 && y1 > 0.0).then(|| {
            let y = sy.at(0.0);
            view! { <line x1=LEFT x2=WIDTH - RIGHT y1=y y2=y class="zero" /> }
        });
        let marker_views = merge_close_markers(
            markers
                .into_iter()
                .filter(|m| m.x >= x0 && m.x <= x1)
                .map(|m| (sx.at(m.x), m.label))
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
        let lines = series
            .iter()
            .map(|s| {
                let d = path_of(&s.points, sx, sy);
                let class = format!("line {}", s.class);
                view! { <path d=d class=class data-series=s.name.clone() /> }
            })
            .collect_view();
        view! {
            <g>
                {x_ticks}
                {y_ticks}
                {zero}
                {marker_views}
                {lines}
                <text x=(LEFT + WIDTH - RIGHT) / 2.0 y=HEIGHT - 2.0 class="axis-label" text-anchor="middle">{x_label}</text>
            </g>
        }
        .into_any()
    };
    let legend = move || {
        series
            .get()
            .into_iter()
            .map(|s| {
                let class = format!("swatch {}", s.class);
                view! { <li><span class=class></span>{s.name}</li> }
            })
            .collect_view()
    };
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=title>
                <title>{title}</title>
                {body}
            </svg>
            <ul class="legend">{legend}</ul>
        </figure>
    }
}

/// Markers closer than this many pixels share one line and one label.
const MARKER_MERGE_PX: f64 = 14.0;

/// Merges markers (pixel x, label) that would overlap into one, joining
/// their labels ("spot = K"), so labels never print over each other.
pub(crate) fn merge_close_markers(mut markers: Vec<(f64, String)>) -> Vec<(f64, String)> {
    markers.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut merged: Vec<(f64, String)> = Vec::new();
    for (x, label) in markers {
        match merged.last_mut() {
            Some((last_x, last_label)) if x - *last_x < MARKER_MERGE_PX => {
                last_label.push_str(" = ");
                last_label.push_str(&label);
            }
            _ => merged.push((x, label)),
        }
    }
    merged
}

/// Evenly spaced values from `lo` to `hi` inclusive.
pub fn linspace(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if n < 2 {
        return vec![lo];
    }
    (0..n)
        .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_markers_share_a_label() {
        let merged = merge_close_markers(vec![
            (100.0, "K".into()),
            (40.0, "BE".into()),
            (105.0, "spot".into()),
        ]);
        assert_eq!(
            merged,
            vec![(40.0, "BE".to_string()), (100.0, "K = spot".to_string())]
        );
    }

    #[test]
    fn ticks_are_round_and_inside() {
        assert_eq!(
            nice_ticks(0.0, 10.0, 5),
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
        let t = nice_ticks(47.3, 152.1, 5);
        assert!(t.iter().all(|v| *v >= 47.3 && *v <= 152.1));
        assert_eq!(t, vec![50.0, 75.0, 100.0, 125.0, 150.0]);
    }
}
