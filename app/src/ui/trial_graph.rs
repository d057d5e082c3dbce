//! The trial's plan drawn as a small SVG DAG: steps layered left to right
//! by depth (a step sits one layer right of its deepest input), each node
//! coloured by its status through a CSS class (the CSP forbids inline
//! styles) with its progress as a bar. [`layout`] is pure and tested; the
//! component only draws what it returns.

use std::collections::HashMap;

use leptos::prelude::*;
use shared::trial::{Plan, StepStatus};

use super::trial_model::TrialView;

/// Node width in SVG units.
pub const NODE_W: f64 = 150.0;
/// Node height.
pub const NODE_H: f64 = 46.0;
/// Gap between layers.
pub const GAP_X: f64 = 40.0;
/// Gap between nodes of one layer.
pub const GAP_Y: f64 = 14.0;

/// Where one step is drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeBox {
    /// The step's index in the plan.
    pub index: usize,
    /// Its layer (0: no inputs).
    pub depth: usize,
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
}

/// The whole drawing: one box per step (plan order), edges as pairs of
/// step indices (input, step), and the drawing's size.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphLayout {
    /// One per step, in plan order.
    pub nodes: Vec<NodeBox>,
    /// `(from, to)` step indices.
    pub edges: Vec<(usize, usize)>,
    /// Width of the drawing.
    pub width: f64,
    /// Height of the drawing.
    pub height: f64,
}

/// Lays `plan` out by depth. Unknown inputs are skipped and a cycle (which
/// a stored plan never has) stops deepening instead of looping.
pub fn layout(plan: &Plan) -> GraphLayout {
    let index: HashMap<&str, usize> = plan
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| (step.id.as_str(), i))
        .collect();
    let edges: Vec<(usize, usize)> = plan
        .steps
        .iter()
        .enumerate()
        .flat_map(|(to, step)| {
            step.inputs
                .iter()
                .filter_map(|input| index.get(input.as_str()).copied())
                .map(move |from| (from, to))
                .collect::<Vec<_>>()
        })
        .collect();
    let n = plan.steps.len();
    let mut depth = vec![0usize; n];
    // Relax at most n times: enough for any DAG, bounded for a cycle.
    for _ in 0..n {
        let mut changed = false;
        for &(from, to) in &edges {
            if depth[to] < depth[from] + 1 && depth[from] < n {
                depth[to] = depth[from] + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut per_layer: Vec<usize> = Vec::new();
    let mut nodes = Vec::with_capacity(n);
    for (i, &d) in depth.iter().enumerate() {
        if per_layer.len() <= d {
            per_layer.resize(d + 1, 0);
        }
        let row = per_layer[d];
        per_layer[d] += 1;
        nodes.push(NodeBox {
            index: i,
            depth: d,
            x: d as f64 * (NODE_W + GAP_X),
            y: row as f64 * (NODE_H + GAP_Y),
        });
    }
    let layers = per_layer.len().max(1) as f64;
    let rows = per_layer.iter().copied().max().unwrap_or(1).max(1) as f64;
    GraphLayout {
        nodes,
        edges,
        width: layers * NODE_W + (layers - 1.0) * GAP_X,
        height: rows * NODE_H + (rows - 1.0) * GAP_Y,
    }
}

/// The label shown on a node: at most 18 characters.
fn short(text: &str) -> String {
    if text.chars().count() <= 18 {
        text.to_string()
    } else {
        let head: String = text.chars().take(17).collect();
        format!("{head}…")
    }
}

/// The SVG drawing of the open trial's plan, live.
#[component]
pub fn TrialGraph(view: RwSignal<Option<TrialView>>) -> impl IntoView {
    let plan_layout = Memo::new(move |_| {
        view.with(|v| {
            v.as_ref()
                .map(|v| (v.detail.plan.clone(), layout(&v.detail.plan)))
        })
    });
    move || {
        let (plan, graph) = plan_layout.get()?;
        let edges = graph
            .edges
            .iter()
            .map(|&(from, to)| {
                let a = &graph.nodes[from];
                let b = &graph.nodes[to];
                view! {
                    <line class="trial-edge"
                        x1=a.x + NODE_W y1=a.y + NODE_H / 2.0
                        x2=b.x y2=b.y + NODE_H / 2.0 />
                }
            })
            .collect_view();
        let nodes = graph
            .nodes
            .iter()
            .map(|node| {
                let step = plan.steps[node.index].id.clone();
                let action = plan.steps[node.index].action.tool_name();
                let (x, y) = (node.x, node.y);
                let status = {
                    let step = step.clone();
                    move || {
                        view.with(|v| {
                            v.as_ref()
                                .and_then(|v| v.detail.steps.iter().find(|s| s.id == step))
                                .map_or(StepStatus::Pending, |s| s.status)
                        })
                    }
                };
                let fraction = {
                    let step = step.clone();
                    move || {
                        view.with(|v| {
                            v.as_ref()
                                .and_then(|v| v.progress.get(&step).map(|p| p.0))
                                .unwrap_or(0.0)
                        })
                    }
                };
                let status_text = status.clone();
                let status_word = move || {
                    let s = status_text();
                    if s == StepStatus::Running {
                        format!("{action} · {:.0}%", fraction() * 100.0)
                    } else {
                        format!("{action} · {}", s.as_str())
                    }
                };
                let class = move || format!("trial-node status-{}", status().as_str());
                let bar = {
                    let step = step.clone();
                    move || {
                        view.with(|v| {
                            v.as_ref()
                                .and_then(|v| v.progress.get(&step).map(|p| p.0))
                                .unwrap_or(0.0)
                        }) * (NODE_W - 12.0)
                    }
                };
                view! {
                    <g class=class data-step=step.clone()>
                        <title>{step.clone()}</title>
                        <rect class="trial-node-box" x=x y=y width=NODE_W height=NODE_H rx="6" />
                        <text class="trial-node-id" x=x + 8.0 y=y + 17.0>{short(&step)}</text>
                        <text class="trial-node-status" x=x + 8.0 y=y + 32.0>{status_word}</text>
                        <rect class="trial-node-bar" x=x + 6.0 y=y + NODE_H - 8.0 width=bar height="4" />
                    </g>
                }
            })
            .collect_view();
        let view_box = format!("-4 -4 {} {}", graph.width + 8.0, graph.height + 8.0);
        Some(view! {
            <div class="trial-graph" id="trial-graph">
                <svg role="img" aria-label="The trial's steps and their inputs"
                    viewBox=view_box width=graph.width + 8.0 height=graph.height + 8.0>
                    {edges}
                    {nodes}
                </svg>
            </div>
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(steps: serde_json::Value) -> Plan {
        serde_json::from_value(serde_json::json!({"name": "t", "steps": steps})).unwrap()
    }

    fn lab(id: &str, inputs: &[&str]) -> serde_json::Value {
        serde_json::json!({"id": id, "inputs": inputs,
            "action": {"action": "run_lab", "symbol": "sp500", "scope": "catalog"}})
    }

    #[test]
    fn steps_are_layered_by_their_deepest_input() {
        // c takes a (depth 0) and b (depth 1): it sits at depth 2.
        let p = plan(serde_json::json!([
            lab("c", &["a", "b"]),
            lab("a", &[]),
            lab("b", &["a"]),
            lab("d", &[]),
        ]));
        let g = layout(&p);
        let depths: Vec<usize> = g.nodes.iter().map(|n| n.depth).collect();
        assert_eq!(depths, vec![2, 0, 1, 0]);
        // Two nodes in layer 0, stacked; no two boxes overlap.
        assert_eq!(g.nodes[1].y, 0.0);
        assert_eq!(g.nodes[3].y, NODE_H + GAP_Y);
        for (i, a) in g.nodes.iter().enumerate() {
            for b in &g.nodes[i + 1..] {
                assert!(
                    a.x != b.x || (a.y - b.y).abs() >= NODE_H,
                    "{a:?} overlaps {b:?}"
                );
            }
        }
        assert_eq!(g.edges.len(), 3);
        // Every edge goes left to right.
        for &(from, to) in &g.edges {
            assert!(g.nodes[from].x < g.nodes[to].x);
        }
        assert_eq!(g.width, 3.0 * NODE_W + 2.0 * GAP_X);
        assert_eq!(g.height, 2.0 * NODE_H + GAP_Y);
    }

    #[test]
    fn a_cycle_or_unknown_input_does_not_hang() {
        let p = plan(serde_json::json!([
            lab("a", &["b", "zz"]),
            lab("b", &["a"])
        ]));
        let g = layout(&p);
        assert_eq!(g.nodes.len(), 2);
        assert!(g.nodes.iter().all(|n| n.depth <= 2));
    }
}
