//! A small explicit-state model checker: breadth-first search over every
//! reachable state of a deterministic transition system.
//!
//! It is written here rather than taken from a framework because it runs the
//! *real* core types (the state is the production `Market`), needs no extra
//! dependency, and — being breadth-first with parent pointers — reports the
//! shortest counterexample for the first property that fails.
//!
//! Visited states are remembered by a 128-bit fingerprint (two independent
//! 64-bit hashes), as explicit-state checkers such as TLC do; only the
//! current BFS frontier is kept in full. The chance that two distinct states
//! among a few million share a fingerprint is below 2⁻⁸⁰.

use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::{DefaultHasher, Hash, Hasher};

/// A transition system to explore.
pub trait Model {
    /// A state; must be hashable so visited states are recognised.
    type State: Clone + Eq + Hash + Debug;
    /// A label for a transition (kept for counterexample traces).
    type Action: Clone + Debug;

    /// The initial states.
    fn init_states(&self) -> Vec<Self::State>;
    /// Every enabled action with its successor state.
    fn successors(&self, state: &Self::State, out: &mut Vec<(Self::Action, Self::State)>);
    /// The invariants; `Err` names the one that fails.
    fn check(&self, state: &Self::State) -> Result<(), String>;
}

/// What an exhaustive run found.
#[derive(Debug)]
pub struct Report<A> {
    /// Distinct states visited.
    pub states: usize,
    /// Transitions taken (including ones leading to known states).
    pub transitions: usize,
    /// Length of the longest shortest path from an initial state.
    pub max_depth: usize,
    /// The first violated property and the shortest trace reaching it.
    pub violation: Option<(String, Vec<A>)>,
}

type Fingerprint = (u64, u64);

fn fingerprint<S: Hash>(s: &S) -> Fingerprint {
    let mut a = DefaultHasher::new();
    s.hash(&mut a);
    let mut b = DefaultHasher::new();
    0x9e37_79b9_7f4a_7c15_u64.hash(&mut b);
    s.hash(&mut b);
    (a.finish(), b.finish())
}

/// Explores every state reachable from the initial ones. Exceeding
/// `max_states` fails the run (no silent truncation).
pub fn explore<M: Model>(model: &M, max_states: usize) -> Report<M::Action> {
    // fingerprint -> (parent fingerprint and the action from it)
    let mut parents: HashMap<Fingerprint, Option<(Fingerprint, M::Action)>> = HashMap::new();
    let mut frontier: Vec<(Fingerprint, M::State)> = Vec::new();
    let mut transitions = 0;
    let mut depth = 0;

    let trace = |parents: &HashMap<Fingerprint, Option<(Fingerprint, M::Action)>>, mut fp| {
        let mut actions = Vec::new();
        while let Some(Some((parent, action))) = parents.get(&fp) {
            actions.push(action.clone());
            fp = *parent;
        }
        actions.reverse();
        actions
    };

    for s in model.init_states() {
        let fp = fingerprint(&s);
        if parents.insert(fp, None).is_some() {
            continue;
        }
        if let Err(why) = model.check(&s) {
            return Report {
                states: parents.len(),
                transitions,
                max_depth: 0,
                violation: Some((why, Vec::new())),
            };
        }
        frontier.push((fp, s));
    }

    let mut succ = Vec::new();
    while !frontier.is_empty() {
        let mut next_frontier = Vec::new();
        for (fp, state) in frontier.drain(..) {
            succ.clear();
            model.successors(&state, &mut succ);
            for (action, next) in succ.drain(..) {
                transitions += 1;
                let next_fp = fingerprint(&next);
                if parents.contains_key(&next_fp) {
                    continue;
                }
                parents.insert(next_fp, Some((fp, action)));
                if let Err(why) = model.check(&next) {
                    let t = trace(&parents, next_fp);
                    return Report {
                        states: parents.len(),
                        transitions,
                        max_depth: depth + 1,
                        violation: Some((why, t)),
                    };
                }
                assert!(
                    parents.len() <= max_states,
                    "state space exceeds the bound of {max_states} states"
                );
                next_frontier.push((next_fp, next));
            }
        }
        if !next_frontier.is_empty() {
            depth += 1;
            if std::env::var_os("BFS_PROGRESS").is_some() {
                eprintln!(
                    "depth {depth}: {} states, frontier {}",
                    parents.len(),
                    next_frontier.len()
                );
            }
        }
        frontier = next_frontier;
    }
    Report {
        states: parents.len(),
        transitions,
        max_depth: depth,
        violation: None,
    }
}
