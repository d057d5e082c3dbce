//! Property tests of the scheduler over random DAGs and random hosts:
//! dependency order, the concurrency limit, failures kept in their branch,
//! cancellation at a random point, numbering and determinism.

use proptest::prelude::*;

use super::{EventKind, Plan, StepStatus, TrialEvent, TrialOutcome, TrialState, ValidPlan};

/// A random DAG: step `i` may take inputs from steps before it in rank;
/// the plan lists the steps in a shuffled order.
fn dag() -> impl Strategy<Value = (ValidPlan, Vec<Vec<usize>>)> {
    (1usize..10, 1u32..4)
        .prop_flat_map(|(n, limit)| {
            let edges = proptest::collection::vec(proptest::collection::vec(any::<bool>(), n), n);
            let order = Just((0..n).collect::<Vec<_>>()).prop_shuffle();
            (Just(limit), edges, order)
        })
        .prop_map(|(limit, edges, order)| {
            let n = order.len();
            let inputs: Vec<Vec<usize>> = (0..n)
                .map(|i| (0..i).filter(|&j| edges[i][j]).collect())
                .collect();
            let steps: Vec<_> = order
                .iter()
                .map(|&rank| {
                    let ins: Vec<String> = inputs[rank].iter().map(|j| format!("s{j}")).collect();
                    serde_json::json!({"id": format!("s{rank}"), "inputs": ins, "action":
                        {"action": "price_option", "right": "call", "spot": 100.0,
                         "strike": 100.0, "days": 30.0, "volatility": 0.2}})
                })
                .collect();
            let plan = Plan::from_value(serde_json::json!({
                "name": "random", "max_concurrent": limit, "steps": steps}))
            .expect("well-formed")
            .check_graph()
            .expect("a DAG");
            (plan, inputs)
        })
}

/// What the simulated host did.
struct Run {
    events: Vec<TrialEvent>,
    failed_itself: Vec<usize>,
    cancelled_at_event: Option<usize>,
    state: TrialState,
}

/// Runs `plan` with a host that starts every ready step, then finishes
/// one running step per tick as `choices` say (about one in five fails),
/// cancelling at tick `cancel_at` if given.
fn simulate(plan: ValidPlan, choices: &[u8], cancel_at: Option<usize>) -> Run {
    let limit = plan.plan().max_concurrent as usize;
    let mut state = TrialState::new(plan);
    let mut events = state.start();
    let mut failed_itself = Vec::new();
    let mut cancelled_at_event = None;
    for tick in 0..1000 {
        if state.outcome().is_some() {
            break;
        }
        let ready: Vec<String> = state.ready().iter().map(|s| s.id.clone()).collect();
        for id in ready {
            let index = state.plan().index_of(&id).unwrap();
            for &input in state.plan().inputs_of(index) {
                let input_id = &state.plan().plan().steps[input].id;
                assert_eq!(
                    state.status_of(input_id),
                    Some(StepStatus::Succeeded),
                    "{id} started before its input {input_id} succeeded"
                );
            }
            events.extend(state.started(&id).unwrap());
            assert!(state.running().len() <= limit, "over the concurrency limit");
        }
        if cancel_at == Some(tick) {
            cancelled_at_event = Some(events.len());
            events.extend(state.cancel());
        }
        let running: Vec<String> = state.running().iter().map(|s| s.to_string()).collect();
        if running.is_empty() {
            continue;
        }
        let choice = choices.get(tick).copied().unwrap_or(0);
        let id = &running[usize::from(choice) % running.len()];
        if choice % 5 == 0 {
            if !state.is_cancelled() {
                failed_itself.push(state.plan().index_of(id).unwrap());
            }
            events.extend(state.failed(id, "boom").unwrap());
        } else if state.is_cancelled() && choice % 2 == 0 {
            events.extend(state.stopped(id).unwrap());
        } else {
            events.extend(state.progress(id, 0.5, "half").unwrap());
            events.extend(state.succeeded(id, serde_json::json!(choice)).unwrap());
        }
    }
    Run {
        events,
        failed_itself,
        cancelled_at_event,
        state,
    }
}

/// The rank of step id `s{rank}`.
fn rank(id: &str) -> usize {
    id[1..].parse().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn runs_finish_in_order_within_the_limit(
        (plan, inputs) in dag(),
        choices in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let run = simulate(plan, &choices, None);
        let outcome = run.state.outcome();
        prop_assert!(outcome.is_some(), "the trial finishes");
        for (i, event) in run.events.iter().enumerate() {
            prop_assert_eq!(event.seq, i as u64 + 1, "numbered 1, 2, 3, ...");
        }
        let finished: Vec<_> = run.events.iter()
            .filter(|e| matches!(e.kind, EventKind::TrialFinished { .. })).collect();
        prop_assert_eq!(finished.len(), 1);
        prop_assert_eq!(run.events.last().unwrap().kind.name(), "trial_finished");
        // A step fails exactly when it or one of its ancestors failed.
        let n = inputs.len();
        let mut doomed = vec![false; n];
        for r in 0..n {
            let own = run.failed_itself.iter()
                .any(|&i| rank(&run.state.plan().plan().steps[i].id) == r);
            doomed[r] = own || inputs[r].iter().any(|&j| doomed[j]);
        }
        for (id, status) in run.state.statuses() {
            let expected = if doomed[rank(id)] { StepStatus::Failed } else { StepStatus::Succeeded };
            prop_assert_eq!(status, expected, "step {}", id);
        }
        let any_failed = doomed.iter().any(|&d| d);
        prop_assert_eq!(outcome, Some(if any_failed { TrialOutcome::Failed } else { TrialOutcome::Succeeded }));
    }

    #[test]
    fn cancellation_leaves_nothing_running_and_nothing_recorded_after(
        (plan, _inputs) in dag(),
        choices in proptest::collection::vec(any::<u8>(), 0..64),
        cancel_at in 0usize..12,
    ) {
        let run = simulate(plan, &choices, Some(cancel_at));
        prop_assert!(run.state.outcome().is_some());
        prop_assert!(run.state.running().is_empty(), "no step left running");
        if let Some(at) = run.cancelled_at_event {
            prop_assert_eq!(run.state.outcome(), Some(TrialOutcome::Cancelled));
            for event in &run.events[at..] {
                prop_assert!(
                    !matches!(event.kind, EventKind::StepSucceeded { .. }
                        | EventKind::StepStarted { .. } | EventKind::StepProgress { .. }),
                    "{:?} after the cancel", event
                );
            }
            for (id, status) in run.state.statuses() {
                prop_assert!(status != StepStatus::Pending, "{} still pending", id);
            }
        }
    }

    #[test]
    fn the_same_reports_give_the_same_events(
        (plan, _inputs) in dag(),
        choices in proptest::collection::vec(any::<u8>(), 0..64),
        cancel_at in proptest::option::of(0usize..12),
    ) {
        let first = simulate(plan.clone(), &choices, cancel_at);
        let second = simulate(plan, &choices, cancel_at);
        prop_assert_eq!(first.events, second.events);
    }
}
