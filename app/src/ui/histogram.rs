//! An SVG histogram: equal-width bins of a sample with labelled vertical
//! markers (the Risk screen's return distribution with VaR and CVaR).
//! Presentation attributes and CSS classes only (the CSP forbids inline
//! styles); colours come from `style/main.css`.
//!
//! Must not compute a statistic beyond counting: the markers' positions
//! come from the caller.

use leptos::prelude::*;

use super::chart::{
    merge_close_markers, nice_ticks, tick_label, Marker, BOTTOM, FRAME, HEIGHT, LEFT, RIGHT, TOP,
    WIDTH,
};

/// One bin: `[lo, hi)` (the last bin also holds `hi`) and its count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bin {
    /// Lower edge.
    pub lo: f64,
    /// Upper edge.
    pub hi: f64,
    /// Values inside.
    pub count: usize,
}

/// `n` equal-width bins spanning the finite values of `values` (NaN and
/// infinities are left out); one bin when every value is the same, none
/// when there is no finite value or `n` is 0. The counts add up to the
/// number of finite values.
pub fn bins(values: &[f64], n: usize) -> Vec<Bin> {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let (Some(lo), Some(hi)) = (
        finite.iter().copied().reduce(f64::min),
        finite.iter().copied().reduce(f64::max),
    ) else {
        return Vec::new();
    };
    if n == 0 {
        return Vec::new();
    }
    if hi <= lo {
        return vec![Bin {
            lo,
            hi,
            count: finite.len(),
        }];
    }
    let width = (hi - lo) / n as f64;
    let mut out: Vec<Bin> = (0..n)
        .map(|i| Bin {
            lo: lo + width * i as f64,
            hi: if i + 1 == n {
                hi
            } else {
                lo + width * (i + 1) as f64
            },
            count: 0,
        })
        .collect();
    for v in finite {
        let i = (((v - lo) / width) as usize).min(n - 1);
        out[i].count += 1;
    }
    out
}

/// Markers nearer than this many pixels get their labels pushed apart.
const LABEL_ROOM_PX: f64 = 40.0;

/// The `text-anchor` of marker `i`'s label among markers at pixels `xs`
/// (ascending): away from a close neighbour, so two labels never print
/// over each other ("end" grows left, "start" grows right).
fn label_anchor(xs: &[f64], i: usize) -> &'static str {
    let close = |j: Option<usize>| {
        j.and_then(|j| xs.get(j))
            .is_some_and(|x| (x - xs[i]).abs() < LABEL_ROOM_PX)
    };
    match (close(i.checked_sub(1)), close(Some(i + 1))) {
        (false, true) => "end",
        (true, _) => "start",
        (false, false) => "middle",
    }
}

/// A histogram of `values` in `bins` bins with vertical `markers`.
#[component]
pub fn Histogram(
    /// Accessible title.
    title: &'static str,
    /// Label of the x axis.
    x_label: &'static str,
    /// The sample.
    values: Vec<f64>,
    /// Number of bins.
    bins: usize,
    /// Labelled vertical lines, in the values' units.
    markers: Vec<Marker>,
) -> impl IntoView {
    let counted = self::bins(&values, bins);
    let body = match (counted.first(), counted.last()) {
        (Some(first), Some(last)) => {
            let (x0, x1) = (first.lo, last.hi.max(first.lo + 1e-9));
            let top = counted.iter().map(|b| b.count).max().unwrap_or(1).max(1) as f64;
            let (sx, sy) = FRAME.scales(x0, x1, 0.0, top * 1.05);
            let bars = counted
                .iter()
                .filter(|b| b.count > 0)
                .map(|b| {
                    let (left, right) = (sx.at(b.lo), sx.at(if b.hi > b.lo { b.hi } else { x1 }));
                    let y = sy.at(b.count as f64);
                    let class = if markers.iter().any(|m| b.hi <= m.x) {
                        "bar tail"
                    } else {
                        "bar"
                    };
                    view! {
                        <rect x=format!("{left:.1}") y=format!("{y:.1}") width=format!("{:.2}", (right - left).max(0.5)) height=format!("{:.1}", (HEIGHT - BOTTOM - y).max(0.0)) class=class />
                    }
                })
                .collect_view();
            let x_ticks = nice_ticks(x0, x1, 5)
                .into_iter()
                .map(|t| {
                    let x = sx.at(t);
                    view! {
                        <line x1=x x2=x y1=HEIGHT - BOTTOM y2=HEIGHT - BOTTOM + 4.0 class="grid" />
                        <text x=x y=HEIGHT - BOTTOM + 14.0 class="tick" text-anchor="middle">{tick_label(t)}</text>
                    }
                })
                .collect_view();
            let y_ticks = FRAME.y_grid(sy, (0.0, top), 3, tick_label);
            let merged = merge_close_markers(
                markers
                    .iter()
                    .filter(|m| m.x >= x0 && m.x <= x1)
                    .map(|m| (sx.at(m.x), m.label.clone()))
                    .collect(),
            );
            let xs: Vec<f64> = merged.iter().map(|(x, _)| *x).collect();
            let marks = merged
                .into_iter()
                .enumerate()
                .map(|(i, (x, label))| {
                    let anchor = label_anchor(&xs, i);
                    let at = match anchor {
                        "end" => x - 2.0,
                        "start" => x + 2.0,
                        _ => x,
                    };
                    view! {
                        <line x1=x x2=x y1=TOP y2=HEIGHT - BOTTOM class="marker" />
                        <text x=at y=TOP - 5.0 class="marker-label" text-anchor=anchor>{label}</text>
                    }
                })
                .collect_view();
            view! {
                <g>
                    {y_ticks}
                    {bars}
                    {x_ticks}
                    {marks}
                    <text x=(LEFT + WIDTH - RIGHT) / 2.0 y=HEIGHT - 2.0 class="axis-label" text-anchor="middle">{x_label}</text>
                </g>
            }
            .into_any()
        }
        _ => view! { <text x="180" y="110" class="chart-empty" text-anchor="middle">"No data"</text> }
            .into_any(),
    };
    view! {
        <figure class="chart histogram">
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
    fn bins_cover_the_range_and_count_every_finite_value() {
        let values = [0.0, 0.1, 0.2, 0.9, 1.0, f64::NAN, f64::INFINITY];
        let b = bins(&values, 4);
        assert_eq!(b.len(), 4);
        assert_eq!((b[0].lo, b[3].hi), (0.0, 1.0));
        assert_eq!(b.iter().map(|b| b.count).sum::<usize>(), 5);
        // 0.0, 0.1, 0.2 in [0, 0.25); 0.9 and the maximum in the last bin.
        assert_eq!(
            b.iter().map(|b| b.count).collect::<Vec<_>>(),
            vec![3, 0, 0, 2]
        );
        assert!(b.windows(2).all(|w| (w[0].hi - w[1].lo).abs() < 1e-15));
    }

    #[test]
    fn close_marker_labels_grow_apart() {
        assert_eq!(label_anchor(&[100.0, 120.0], 0), "end");
        assert_eq!(label_anchor(&[100.0, 120.0], 1), "start");
        assert_eq!(label_anchor(&[100.0, 200.0], 0), "middle");
        assert_eq!(label_anchor(&[100.0], 0), "middle");
    }

    #[test]
    fn degenerate_samples_give_one_bin_or_none() {
        assert_eq!(
            bins(&[2.0, 2.0, 2.0], 10),
            vec![Bin {
                lo: 2.0,
                hi: 2.0,
                count: 3
            }]
        );
        assert!(bins(&[], 10).is_empty());
        assert!(bins(&[f64::NAN], 10).is_empty());
        assert!(bins(&[1.0, 2.0], 0).is_empty());
    }
}
