//! A small explicit-state model checker: breadth-first search over every
//! reachable state of a deterministic transition system.
//!
//! It is written here rather than taken from a framework because it runs the
//! *real* core types (the state is the production `Market`), needs no extra
//! dependency, and — being breadth-first with parent pointers — reports the
//! shortest counterexample for the first property that fails.

use std::collections::HashMap;
use std::collections::VecDeque;
use std::fmt::Debug;
use std::hash::Hash;

/// A transition system to explore.
pub trait Model {
    /// A state; must be hashable so visited states are recognised.
    type State: Clone + Eq + Hash + Debug;
    /// A label for a transition (kept for counterexample traces).
    type Action: Clone + Debug;

    /// The initial states.
    fn init_states(&self) -> Vec<Self::State>;
    /// Every action enabled in `state` with its successor state. Actions that
    /// are rejected by the system (an error) leave no successor, but the
    /// model may still report them to check that the state stayed unchanged.
    fn successors(&self, state: &Self::State, out: &mut Vec<(Self::Action, Self::State)>);
    /// Invariants: `(name, holds)`; checked on every reachable state.
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

/// Explores every state reachable from the initial ones, up to `max_states`
/// (exceeding it is a failure of the run, not a silent truncation).
pub fn explore<M: Model>(model: &M, max_states: usize) -> Report<M::Action> {
    let mut index: HashMap<M::State, usize> = HashMap::new();
    // For each state id: (parent id, action from parent, depth).
    let mut parents: Vec<(usize, Option<M::Action>, usize)> = Vec::new();
    let mut states: Vec<M::State> = Vec::new();
    let mut queue = VecDeque::new();
    let mut transitions = 0;
    let mut max_depth = 0;

    let trace = |parents: &Vec<(usize, Option<M::Action>, usize)>, mut id: usize| {
        let mut actions = Vec::new();
        while let Some(action) = parents[id].1.clone() {
            actions.push(action);
            id = parents[id].0;
        }
        actions.reverse();
        actions
    };

    for s in model.init_states() {
        if index.contains_key(&s) {
            continue;
        }
        let id = states.len();
        if let Err(why) = model.check(&s) {
            return Report { states: 1, transitions, max_depth, violation: Some((why, Vec::new())) };
        }
        index.insert(s.clone(), id);
        parents.push((id, None, 0));
        states.push(s);
        queue.push_back(id);
    }

    let mut succ = Vec::new();
    while let Some(id) = queue.pop_front() {
        succ.clear();
        model.successors(&states[id], &mut succ);
        let depth = parents[id].2 + 1;
        for (action, next) in succ.drain(..) {
            transitions += 1;
            if index.contains_key(&next) {
                continue;
            }
            let next_id = states.len();
            parents.push((id, Some(action), depth));
            max_depth = max_depth.max(depth);
            if let Err(why) = model.check(&next) {
                let t = trace(&parents, next_id);
                return Report { states: next_id + 1, transitions, max_depth, violation: Some((why, t)) };
            }
            assert!(next_id < max_states, "state space exceeds the bound of {max_states} states");
            index.insert(next.clone(), next_id);
            states.push(next);
            queue.push_back(next_id);
        }
    }
    Report { states: states.len(), transitions, max_depth, violation: None }
}
