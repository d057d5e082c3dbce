//! Spot x volatility heatmap of the price or any Greek, drawn as SVG cells
//! with a diverging colour scale (negative blue, positive orange), a legend
//! and a tooltip with the exact value of each cell.

use super::chart::linspace;
use super::format::fixed;
use leptos::prelude::*;
use shared::pricing::{valuation, Model, OptionParams, Valuation};

/// What the heatmap shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Option price.
    Price,
    /// Delta.
    Delta,
    /// Gamma.
    Gamma,
    /// Vega per volatility point.
    Vega,
    /// Theta per calendar day.
    Theta,
    /// Rho per rate point.
    Rho,
}

impl Metric {
    /// Every metric, in menu order.
    pub const ALL: [Metric; 6] = [
        Metric::Price,
        Metric::Delta,
        Metric::Gamma,
        Metric::Vega,
        Metric::Theta,
        Metric::Rho,
    ];

    /// Menu label.
    pub fn label(self) -> &'static str {
        match self {
            Metric::Price => "Price",
            Metric::Delta => "Delta",
            Metric::Gamma => "Gamma",
            Metric::Vega => "Vega (per vol point)",
            Metric::Theta => "Theta (per day)",
            Metric::Rho => "Rho (per rate point)",
        }
    }

    /// The metric's value from a valuation, in display units.
    pub fn of(self, v: &Valuation) -> f64 {
        match self {
            Metric::Price => v.price,
            Metric::Delta => v.greeks.delta,
            Metric::Gamma => v.greeks.gamma,
            Metric::Vega => v.greeks.vega_per_point(),
            Metric::Theta => v.greeks.theta_per_day(),
            Metric::Rho => v.greeks.rho_per_point(),
        }
    }
}

/// Values over a grid of spots (columns) and volatilities (rows, highest first).
#[derive(Clone, Debug, PartialEq)]
pub struct HeatGrid {
    /// Column spots.
    pub spots: Vec<f64>,
    /// Row volatilities, descending.
    pub vols: Vec<f64>,
    /// `values[row][col]`, NaN where a tree could not be built.
    pub values: Vec<Vec<f64>>,
}

/// Trees in the heatmap are capped at this many steps so the grid stays quick.
const HEATMAP_MAX_STEPS: usize = 150;

/// Computes the grid: spot from 70% to 130% of the current spot, volatility
/// from 50% to 150% of the current volatility.
pub fn compute(p: &OptionParams, model: &Model, metric: Metric) -> HeatGrid {
    let spots = linspace(p.spot * 0.7, p.spot * 1.3, 11);
    let vols: Vec<f64> = linspace(p.volatility * 0.5, p.volatility * 1.5, 9)
        .into_iter()
        .rev()
        .collect();
    let model = Model {
        steps: model.steps.min(HEATMAP_MAX_STEPS),
        ..*model
    };
    let values = vols
        .iter()
        .map(|&vol| {
            spots
                .iter()
                .map(|&spot| {
                    valuation(&p.with_spot(spot).with_volatility(vol), &model)
                        .map(|v| metric.of(&v))
                        .unwrap_or(f64::NAN)
                })
                .collect()
        })
        .collect();
    HeatGrid {
        spots,
        vols,
        values,
    }
}

/// Fill colour of a cell: a diverging scale around zero for signed values,
/// a sequential one when all values share a sign.
fn colour(value: f64, lo: f64, hi: f64) -> String {
    if !value.is_finite() {
        return "#888888".into();
    }
    let span = lo.abs().max(hi.abs()).max(1e-300);
    let t = (value / span).clamp(-1.0, 1.0);
    // Orange (positive) or blue (negative), lighter near zero.
    let (r, g, b) = if t >= 0.0 {
        (230.0, 97.0, 1.0)
    } else {
        (33.0, 102.0, 172.0)
    };
    let w = 1.0 - t.abs() * 0.9;
    let mix = |c: f64| (c + (247.0 - c) * w).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(r), mix(g), mix(b))
}

/// The heatmap component.
#[component]
pub fn Heatmap(
    /// The grid to draw, or `None` while inputs are invalid.
    #[prop(into)]
    grid: Signal<Option<HeatGrid>>,
) -> impl IntoView {
    const CELL_W: f64 = 28.0;
    const CELL_H: f64 = 22.0;
    const LEFT: f64 = 46.0;
    const TOP: f64 = 6.0;
    move || {
        let Some(grid) = grid.get() else {
            return view! { <p class="muted">"Fix the inputs above to see the heatmap."</p> }
                .into_any();
        };
        let finite = grid
            .values
            .iter()
            .flatten()
            .copied()
            .filter(|v| v.is_finite());
        let lo = finite.clone().fold(f64::INFINITY, f64::min);
        let hi = finite.fold(f64::NEG_INFINITY, f64::max);
        let width = LEFT + CELL_W * grid.spots.len() as f64 + 4.0;
        let height = TOP + CELL_H * grid.vols.len() as f64 + 34.0;
        let cells = grid
            .values
            .iter()
            .enumerate()
            .flat_map(|(row, values)| {
                let vol = grid.vols[row];
                let spots = grid.spots.clone();
                values.iter().enumerate().map(move |(col, &v)| {
                    let tip = format!(
                        "spot {}, vol {}%: {}",
                        fixed(spots[col], 2),
                        fixed(vol * 100.0, 1),
                        fixed(v, 4)
                    );
                    view! {
                        <rect
                            x=LEFT + col as f64 * CELL_W
                            y=TOP + row as f64 * CELL_H
                            width=CELL_W - 1.0
                            height=CELL_H - 1.0
                            fill=colour(v, lo, hi)
                        >
                            <title>{tip}</title>
                        </rect>
                    }
                })
            })
            .collect_view();
        let row_labels = grid
            .vols
            .iter()
            .enumerate()
            .map(|(row, vol)| {
                view! {
                    <text x=LEFT - 4.0 y=TOP + row as f64 * CELL_H + CELL_H * 0.65 class="tick" text-anchor="end">
                        {format!("{}%", fixed(vol * 100.0, 0))}
                    </text>
                }
            })
            .collect_view();
        let col_labels = grid
            .spots
            .iter()
            .enumerate()
            .filter(|(col, _)| col.is_multiple_of(2))
            .map(|(col, spot)| {
                view! {
                    <text x=LEFT + col as f64 * CELL_W + CELL_W / 2.0 y=TOP + CELL_H * grid.vols.len() as f64 + 13.0 class="tick" text-anchor="middle">
                        {fixed(*spot, 0)}
                    </text>
                }
            })
            .collect_view();
        view! {
            <figure class="chart heatmap">
                <svg viewBox=format!("0 0 {width} {height}") role="img" aria-label="Heatmap over spot and volatility">
                    {cells}
                    {row_labels}
                    {col_labels}
                    <text x=LEFT + CELL_W * grid.spots.len() as f64 / 2.0 y=height - 4.0 class="axis-label" text-anchor="middle">
                        "spot (rows: volatility)"
                    </text>
                </svg>
                <p class="legend-range">
                    <svg class="legend-swatch" viewBox="0 0 12 12" aria-hidden="true"><rect width="12" height="12" fill=colour(lo, lo, hi) /></svg>
                    "min " {fixed(lo, 4)}
                    <svg class="legend-swatch" viewBox="0 0 12 12" aria-hidden="true"><rect width="12" height="12" fill=colour(hi, lo, hi) /></svg>
                    "max " {fixed(hi, 4)}
                </p>
            </figure>
        }
        .into_any()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::pricing::binomial::Exercise;
    use shared::pricing::OptionKind;

    #[test]
    fn grid_has_expected_shape_and_monotone_price() {
        let p = OptionParams::new(100.0, 100.0, 0.5, 0.03, 0.0, 0.2, OptionKind::Call).unwrap();
        let model = Model {
            exercise: Exercise::European,
            steps: 100,
        };
        let g = compute(&p, &model, Metric::Price);
        assert_eq!(g.values.len(), 9);
        assert_eq!(g.values[0].len(), 11);
        // Call price rises with spot along every row and with vol down the columns.
        for row in &g.values {
            assert!(row.windows(2).all(|w| w[1] > w[0]));
        }
        assert!(g.values[0][5] > g.values[8][5]);
    }
}
