//! The Contextual Anomaly Detector (the idea of CAD OSE, M. Smirnov, 2016), online and causal.
//!
//! Each value is quantised to `bits` bits over the range seen so far; bit `s` with value `b`
//! becomes the *fact* `2s + b`. A *context* joins a left semi-context (the facts of the previous
//! step: its value's facts plus the facts of the contexts active then, its "neurons") and a right
//! semi-context (facts of the current value). Every step:
//!
//! 1. the pair (previous facts, current value's facts) is looked up as a zero-level context and
//!    created when new;
//! 2. every context whose left half fully matched the previous facts is *selected*; it gains the
//!    size of its right half as trials and the number of its right facts present now as hits,
//!    and it is *active* when all of its right facts are present. Partial matches of zero-level
//!    contexts (left part at most `max_left` facts) are proposed as new contexts when step 1
//!    created one;
//! 3. the `max_active` most often active contexts become this step's neurons; the fully matched
//!    left halves predict the right facts of their best contexts (highest hits / trials).
//!
//! The raw anomaly of a row is `(1 − active/selected + added/proposed) / 2` when a fact of its
//! value was not predicted at the previous step, else 0. After a raw anomaly of at least
//! `threshold`, the next `rest` rows score 0 (as CAD OSE does).
//!
//! Departures from CAD OSE, for a causal, bounded detector: the quantisation range is the running
//! minimum and maximum (CAD OSE uses the whole file's, and NAB sets `rest` from the file length),
//! and the context memory holds at most `capacity` contexts: once full, no new context is
//! learned (existing ones keep their statistics), so memory and time per row stay bounded.

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use stratos_core::ConfigError;
use stratos_core::config::{check_finite_range, check_range};

/// Parameters of [`Contextual`] (the `contextual` key of the config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContextualParams {
    /// Bits per quantised value. Defaults to 3 (CAD OSE's).
    pub bits: u32,
    /// Most facts in a proposed context's left part. Defaults to 7 (CAD OSE's).
    pub max_left: usize,
    /// Active contexts fed forward as neurons. Defaults to 15 (CAD OSE's).
    pub max_active: usize,
    /// A raw anomaly at or above this starts a rest. Defaults to 0.75 (CAD OSE's).
    pub threshold: f64,
    /// Rows that score 0 after such an anomaly (0: none). Defaults to 100.
    pub rest: usize,
    /// Most contexts learned. Defaults to 20000.
    pub capacity: usize,
}

impl Default for ContextualParams {
    fn default() -> Self {
        ContextualParams {
            bits: 3,
            max_left: 7,
            max_active: 15,
            threshold: 0.75,
            rest: 100,
            capacity: 20_000,
        }
    }
}

impl ContextualParams {
    /// Checks the ranges (`bits` 1..=16, `max_left` 1..=64, `max_active` 1..=256, `threshold`
    /// in [0, 1], `rest` ≤ 1000000, `capacity` 1..=10000000).
    ///
    /// # Errors
    /// [`ConfigError`] naming the key.
    pub fn validate(&self, id: &str) -> Result<(), ConfigError> {
        check_range(id, "contextual.bits", self.bits, 1..=16)?;
        check_range(id, "contextual.max_left", self.max_left, 1..=64)?;
        check_range(id, "contextual.max_active", self.max_active, 1..=256)?;
        check_finite_range(id, "contextual.threshold", self.threshold, 0.0..=1.0)?;
        check_range(id, "contextual.rest", self.rest, 0..=1_000_000)?;
        check_range(id, "contextual.capacity", self.capacity, 1..=10_000_000)?;
        Ok(())
    }
}

/// Neuron facts start here (sensory facts are `2s + b`, far below).
const NEURON: u32 = 1 << 31;

#[derive(Debug, Clone, PartialEq)]
struct Semi {
    facts: Box<[u32]>,
    /// Facts present at the last crossing, in crossing order.
    matched: Vec<u32>,
    /// (right semi-context, context) pairs of a left semi-context.
    contexts: Vec<(u32, u32)>,
}

#[derive(Debug, Clone, PartialEq)]
struct Context {
    trials: u64,
    hits: u64,
    active: u64,
    right: u32,
    zero_level: bool,
}

/// One side's semi-contexts and their fact index.
#[derive(Debug, Clone, PartialEq, Default)]
struct Side {
    semis: Vec<Semi>,
    ids: FxHashMap<Box<[u32]>, u32>,
    by_fact: FxHashMap<u32, Vec<u32>>,
    crossed: Vec<u32>,
}

impl Side {
    fn get_or_add(&mut self, facts: &[u32]) -> u32 {
        if let Some(&id) = self.ids.get(facts) {
            return id;
        }
        let id = self.semis.len() as u32;
        let facts: Box<[u32]> = facts.into();
        for &f in facts.iter() {
            self.by_fact.entry(f).or_default().push(id);
        }
        self.ids.insert(facts.clone(), id);
        self.semis.push(Semi {
            facts,
            matched: Vec::new(),
            contexts: Vec::new(),
        });
        id
    }

    /// Marks which facts of `facts` each semi-context holds; `crossed` becomes the touched ones.
    fn cross(&mut self, facts: &[u32]) {
        for &id in &self.crossed {
            self.semis[id as usize].matched.clear();
        }
        self.crossed.clear();
        for &f in facts {
            if let Some(ids) = self.by_fact.get(&f) {
                for &id in ids {
                    let s = &mut self.semis[id as usize];
                    if s.matched.is_empty() {
                        self.crossed.push(id);
                    }
                    s.matched.push(f);
                }
            }
        }
        self.crossed.sort_unstable();
    }

    fn heap_bytes(&self) -> usize {
        let semis: usize = self
            .semis
            .iter()
            .map(|s| 4 * (2 * s.facts.len() + s.matched.capacity()) + 8 * s.contexts.capacity())
            .sum();
        semis
            + self.semis.capacity() * std::mem::size_of::<Semi>()
            + self.ids.capacity() * 24
            + self
                .by_fact
                .values()
                .map(|v| 4 * v.capacity() + 32)
                .sum::<usize>()
            + 4 * self.crossed.capacity()
    }
}

/// The contextual anomaly detector of one series (see the module docs).
///
/// # Examples
/// ```
/// use stratos_strategies::anomaly::{Contextual, ContextualParams};
/// let mut d = Contextual::new(&ContextualParams { rest: 0, ..Default::default() });
/// let mut last = 0.0;
/// for i in 0..300 { last = d.update([0.0, 5.0, 10.0][i % 3]).unwrap_or(1.0); }
/// assert_eq!(last, 0.0); // a learned cycle is predicted
/// assert!(d.update(2.0).is_some_and(|s| s > 0.0)); // a value out of turn is not
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Contextual {
    params: ContextualParams,
    max_bin: f64,
    min: f64,
    max: f64,
    left: Side,
    right: Side,
    contexts: Vec<Context>,
    ctx_ids: FxHashMap<(u32, u32), u32>,
    /// Facts of the previous step (value facts and neurons), sorted.
    group: Vec<u32>,
    predicted: Vec<u32>,
    new_context: Option<u32>,
    /// Raw scores since the last one at or above the threshold.
    gap: usize,
}

impl Contextual {
    /// A fresh detector.
    pub fn new(p: &ContextualParams) -> Self {
        let bits = p.bits.clamp(1, 16);
        Contextual {
            params: ContextualParams { bits, ..p.clone() },
            max_bin: f64::from((1u32 << bits) - 1),
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            left: Side::default(),
            right: Side::default(),
            contexts: Vec::new(),
            ctx_ids: FxHashMap::default(),
            group: Vec::new(),
            predicted: Vec::new(),
            new_context: None,
            gap: 0,
        }
    }

    /// Contexts learned.
    pub fn contexts(&self) -> usize {
        self.contexts.len()
    }

    /// Adds `x` and scores it in [0, 1]; `None` for a non-finite `x` (which is skipped).
    pub fn update(&mut self, x: f64) -> Option<f64> {
        if !x.is_finite() {
            return None;
        }
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        let range = self.max - self.min;
        let level = if range > 0.0 && range.is_finite() {
            ((x - self.min) / range * self.max_bin)
                .floor()
                .clamp(0.0, self.max_bin) as u32
        } else {
            0
        };
        let facts: Vec<u32> = (0..self.params.bits)
            .map(|s| 2 * s + ((level >> s) & 1))
            .collect();
        let error: u32 = facts
            .iter()
            .filter(|f| self.predicted.binary_search(f).is_err())
            .map(|&f| 1u32 << (f / 2))
            .sum();
        let (active, added) = self.step(&facts);
        let raw = if error > 0 {
            ((1.0 - active + added) / 2.0).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let rest = self.params.rest;
        let out = if rest == 0 || self.gap >= rest {
            raw
        } else {
            0.0
        };
        if raw >= self.params.threshold {
            self.gap = 0;
        } else {
            self.gap = self.gap.saturating_add(1);
        }
        Some(out)
    }

    /// Looks up the context (left, right), creating it when new and the memory has room.
    /// Returns the context and whether it was created.
    fn context(&mut self, left: &[u32], right: &[u32], zero_level: bool) -> Option<(u32, bool)> {
        let l = self.left.ids.get(left).copied();
        let r = self.right.ids.get(right).copied();
        if let (Some(l), Some(r)) = (l, r)
            && let Some(&c) = self.ctx_ids.get(&(l, r))
        {
            if zero_level {
                self.contexts[c as usize].zero_level = true;
            }
            return Some((c, false));
        }
        if self.contexts.len() >= self.params.capacity {
            return None;
        }
        let l = self.left.get_or_add(left);
        let r = self.right.get_or_add(right);
        let c = self.contexts.len() as u32;
        self.contexts.push(Context {
            trials: 0,
            hits: 0,
            active: 0,
            right: r,
            zero_level,
        });
        self.ctx_ids.insert((l, r), c);
        self.left.semis[l as usize].contexts.push((r, c));
        Some((c, true))
    }

    /// One step on the value's facts: returns (active / selected, added / proposed).
    // Equal weights are an exact tie: both contexts predict.
    #[allow(clippy::float_cmp)]
    fn step(&mut self, facts: &[u32]) -> (f64, f64) {
        let mut proposed: Vec<(Vec<u32>, Vec<u32>)> = Vec::new();
        let mut new_flag = false;
        if !self.group.is_empty() {
            let group = std::mem::take(&mut self.group);
            if let Some((c, created)) = self.context(&group, facts, true) {
                new_flag = created;
                if created {
                    self.new_context = Some(c);
                }
            }
            proposed.push((group.clone(), facts.to_vec()));
            self.group = group;
        }
        // Right crossing with the value's facts, then the contexts of the left halves crossed
        // at the previous step.
        self.right.cross(facts);
        let max_left = self.params.max_left;
        let mut active: Vec<(u64, u32, u32, u32)> = Vec::new();
        let mut selected = 0usize;
        let mut candidates: Vec<(Vec<u32>, Vec<u32>)> = Vec::new();
        for &lid in &self.left.crossed {
            let left = &self.left.semis[lid as usize];
            let full = left.matched.len() == left.facts.len();
            for &(rid, cid) in &left.contexts {
                if self.new_context == Some(cid) {
                    continue;
                }
                let ctx = &mut self.contexts[cid as usize];
                let right = &self.right.semis[rid as usize];
                let hits = right.matched.len();
                if full {
                    selected += 1;
                    ctx.trials += right.facts.len() as u64;
                    if hits > 0 {
                        ctx.hits += hits as u64;
                        if hits == right.facts.len() {
                            ctx.active += 1;
                            active.push((ctx.active, lid, rid, cid));
                        } else if ctx.zero_level && new_flag && left.matched.len() <= max_left {
                            candidates.push((left.matched.clone(), right.matched.clone()));
                        }
                    }
                } else if ctx.zero_level && new_flag && hits > 0 && left.matched.len() <= max_left {
                    candidates.push((left.matched.clone(), right.matched.clone()));
                }
            }
        }
        self.new_context = None;
        let share_active = if selected > 0 {
            active.len() as f64 / selected as f64
        } else {
            0.0
        };
        active.sort_unstable();
        let keep = active.len().saturating_sub(self.params.max_active);
        let mut group: Vec<u32> = facts.to_vec();
        group.extend(active[keep..].iter().map(|&(_, _, _, c)| NEURON + c));
        group.sort_unstable();
        group.dedup();
        self.group = group;
        // Learn the proposed contexts, then cross the left halves with the new group and
        // predict from the fully matched ones.
        let mut added = usize::from(new_flag);
        for (l, r) in &candidates {
            if let Some((_, true)) = self.context(l, r, false) {
                added += 1;
            }
        }
        let group = std::mem::take(&mut self.group);
        self.left.cross(&group);
        self.group = group;
        let mut best = 0.0f64;
        let mut predicting: Vec<u32> = Vec::new();
        for &lid in &self.left.crossed {
            let left = &self.left.semis[lid as usize];
            if left.matched.len() != left.facts.len() {
                continue;
            }
            for &(_, cid) in &left.contexts {
                let ctx = &self.contexts[cid as usize];
                let w = if ctx.trials > 0 {
                    ctx.hits as f64 / ctx.trials as f64
                } else {
                    0.0
                };
                if w > best {
                    best = w;
                    predicting.clear();
                    predicting.push(cid);
                } else if w.total_cmp(&best).is_eq() {
                    predicting.push(cid);
                }
            }
        }
        self.predicted.clear();
        for cid in predicting {
            let r = self.contexts[cid as usize].right;
            self.predicted
                .extend_from_slice(&self.right.semis[r as usize].facts);
        }
        self.predicted.sort_unstable();
        self.predicted.dedup();
        let share_added = if new_flag {
            proposed.extend(candidates);
            let unique: FxHashSet<&(Vec<u32>, Vec<u32>)> = proposed.iter().collect();
            if unique.is_empty() {
                0.0
            } else {
                added as f64 / unique.len() as f64
            }
        } else {
            0.0
        };
        (share_active, share_added)
    }

    /// Heap bytes held (approximate, by capacity): O(capacity).
    pub fn heap_bytes(&self) -> usize {
        self.left.heap_bytes()
            + self.right.heap_bytes()
            + self.contexts.capacity() * std::mem::size_of::<Context>()
            + self.ctx_ids.capacity() * 16
            + 4 * (self.group.capacity() + self.predicted.capacity())
    }

    /// Forgets everything.
    pub fn reset(&mut self) {
        *self = Contextual::new(&self.params);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(rest: usize) -> ContextualParams {
        ContextualParams {
            rest,
            ..Default::default()
        }
    }

    #[test]
    fn first_steps_by_hand() {
        let mut d = Contextual::new(&params(0));
        // Row 0: nothing predicted, nothing selected: (1 − 0 + 0) / 2.
        assert_eq!(d.update(0.0), Some(0.5));
        assert_eq!(d.contexts(), 0);
        // Row 1: range [0, 7], level 7 (facts 1, 3, 5). The zero-level context
        // ({0, 2, 4}, {1, 3, 5}) is new, so added/proposed = 1/1: (1 − 0 + 1) / 2.
        assert_eq!(d.update(7.0), Some(1.0));
        assert_eq!(d.contexts(), 1);
        // Row 2: level 0 again. No left half matched the previous facts {1, 3, 5}, so nothing
        // is selected, and nothing was predicted; the zero-level context ({1, 3, 5}, {0, 2, 4})
        // is new: (1 − 0 + 1) / 2. The left half {0, 2, 4} now matches, and its context
        // (trials 0, weight 0, the best so far) predicts {1, 3, 5}.
        assert_eq!(d.update(0.0), Some(1.0));
        assert_eq!(d.contexts(), 2);
        // Row 3: 7 again. The prediction from {0, 2, 4} was {1, 3, 5}: all facts predicted, 0.
        assert_eq!(d.update(7.0), Some(0.0));
    }

    #[test]
    fn rest_silences_after_an_anomaly() {
        // As in CAD OSE, the first `rest` rows are silent. Raw scores are 0.5, 1, 1, 0 (see
        // `first_steps_by_hand`); with a rest of 1, row 1 speaks (row 0's 0.5 < 0.75) and row 2
        // is silenced by row 1's 1.0.
        let mut d = Contextual::new(&params(1));
        let got: Vec<_> = [0.0, 7.0, 0.0, 7.0].iter().map(|&x| d.update(x)).collect();
        assert_eq!(got, [Some(0.0), Some(1.0), Some(0.0), Some(0.0)]);
    }

    #[test]
    fn capacity_bounds_the_memory() {
        let p = ContextualParams {
            capacity: 50,
            rest: 0,
            ..Default::default()
        };
        let mut d = Contextual::new(&p);
        let mut x = 1u64;
        for _ in 0..5000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let s = d.update((x >> 40) as f64);
            assert!(s.is_some_and(|s| (0.0..=1.0).contains(&s)));
        }
        assert!(d.contexts() <= 50);
    }

    #[test]
    fn hostile_values() {
        let mut d = Contextual::new(&params(10));
        for i in 0..500 {
            let x = [f64::NAN, 1e308, -1e308, f64::INFINITY, 0.0][i % 5];
            if let Some(s) = d.update(x) {
                assert!((0.0..=1.0).contains(&s));
            }
        }
        let mut c = Contextual::new(&params(10));
        for _ in 0..500 {
            assert!(c.update(4.0).is_some_and(|s| (0.0..=1.0).contains(&s)));
        }
    }
}
