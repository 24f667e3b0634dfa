//! The event-time window machinery behind `window_aggregate`: panes, groups, the watermark,
//! rules and suppression. Batch and online runs drive the same [`Windows`].

use std::collections::BTreeMap;

use stratos_core::AlertLevel;

use super::config::{AggregateKind, Comparison};
use stratos_core::numeric::QuantileSketch;

/// The group of records beyond `max_groups`.
pub(crate) const OTHER_GROUP: &str = "_other";

/// Per-field accumulators of one pane (or a merged window).
#[derive(Debug, Clone)]
struct FieldAcc {
    n: u64,
    sum: f64,
    min: f64,
    max: f64,
    nonzero: u64,
    sketch: Option<QuantileSketch>,
}

impl FieldAcc {
    fn new(alpha: Option<f64>) -> Self {
        FieldAcc {
            n: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            nonzero: 0,
            sketch: alpha.map(QuantileSketch::new),
        }
    }

    fn add(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        self.n += 1;
        self.sum += x;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        self.nonzero += u64::from(x != 0.0);
        if let Some(s) = &mut self.sketch {
            s.add(x);
        }
    }

    fn merge(&mut self, o: &FieldAcc) {
        self.n += o.n;
        self.sum += o.sum;
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
        self.nonzero += o.nonzero;
        if let (Some(s), Some(os)) = (&mut self.sketch, &o.sketch) {
            s.merge(os);
        }
    }
}

/// The accumulators of one pane of one group.
#[derive(Debug, Clone)]
pub(crate) struct Pane {
    records: u64,
    fields: Vec<FieldAcc>,
}

impl Pane {
    fn new(plan: &Plan) -> Self {
        Pane {
            records: 0,
            fields: plan
                .quantiles
                .iter()
                .map(|&q| FieldAcc::new(q.then_some(plan.alpha)))
                .collect(),
        }
    }

    fn merge(&mut self, o: &Pane) {
        self.records += o.records;
        for (a, b) in self.fields.iter_mut().zip(&o.fields) {
            a.merge(b);
        }
    }

    /// The value of an aggregation over this (merged) window.
    fn value(&self, kind: AggregateKind, slot: Option<usize>, window_seconds: f64) -> f64 {
        let f = slot.and_then(|s| self.fields.get(s));
        let nan = f64::NAN;
        match (kind, f) {
            (AggregateKind::Count, _) => self.records as f64,
            (AggregateKind::Rate, None) => self.records as f64 / window_seconds,
            (_, None) => nan,
            (_, Some(f)) if f.n == 0 => match kind {
                AggregateKind::Sum => 0.0,
                _ => nan,
            },
            (AggregateKind::Sum, Some(f)) => f.sum,
            (AggregateKind::Mean, Some(f)) => f.sum / f.n as f64,
            (AggregateKind::Min, Some(f)) => f.min,
            (AggregateKind::Max, Some(f)) => f.max,
            (AggregateKind::Rate, Some(f)) => f.nonzero as f64 / f.n as f64,
            (AggregateKind::P50, Some(f)) => f
                .sketch
                .as_ref()
                .and_then(|s| s.quantile(0.5))
                .unwrap_or(nan),
            (AggregateKind::P95, Some(f)) => f
                .sketch
                .as_ref()
                .and_then(|s| s.quantile(0.95))
                .unwrap_or(nan),
        }
    }
}

/// One output column: its label (`mean(value)`), function and field slot.
#[derive(Debug, Clone)]
pub(crate) struct OutputPlan {
    pub(crate) label: String,
    pub(crate) kind: AggregateKind,
    pub(crate) slot: Option<usize>,
}

/// A rule bound to field slots.
#[derive(Debug, Clone)]
pub(crate) struct RulePlan {
    pub(crate) name: String,
    pub(crate) condition: String,
    pub(crate) output: OutputPlan,
    pub(crate) comparison: Comparison,
    pub(crate) threshold: f64,
    /// Consecutive windows the condition must hold in.
    pub(crate) needed: u64,
    pub(crate) level: AlertLevel,
    pub(crate) suppression: i64,
}

/// A config bound to a schema.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) window: i64,
    pub(crate) step: i64,
    pub(crate) panes: i64,
    pub(crate) lateness: i64,
    /// Distinct input fields, in slot order.
    pub(crate) fields: Vec<String>,
    /// Whether a slot needs a quantile sketch.
    pub(crate) quantiles: Vec<bool>,
    pub(crate) alpha: f64,
    pub(crate) outputs: Vec<OutputPlan>,
    pub(crate) rules: Vec<RulePlan>,
    pub(crate) group_by: Option<String>,
    pub(crate) max_groups: usize,
}

/// A closed window of one group.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Closed {
    pub(crate) start: i64,
    pub(crate) end: i64,
    pub(crate) group: String,
    pub(crate) records: u64,
    pub(crate) values: Vec<f64>,
    /// False for windows flushed at the end of a batch before the watermark passed them.
    pub(crate) complete: bool,
}

/// A rule that fired.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fired {
    pub(crate) rule: usize,
    pub(crate) group: String,
    pub(crate) start: i64,
    pub(crate) end: i64,
    pub(crate) value: f64,
    pub(crate) streak: u64,
    /// Alerts of this rule and group suppressed since the previous one.
    pub(crate) suppressed: u64,
}

#[derive(Debug, Clone, Default)]
struct RuleState {
    streak: u64,
    last_end: Option<i64>,
    suppressed_until: Option<i64>,
    suppressed: u64,
}

/// What one record (or the final flush) closed.
#[derive(Debug, Default)]
pub(crate) struct Output {
    pub(crate) closed: Vec<Closed>,
    pub(crate) fired: Vec<Fired>,
}

/// One group's open panes.
#[derive(Debug, Clone)]
struct Group {
    name: String,
    panes: BTreeMap<i64, Pane>,
}

/// Equal strings, without calling `memcmp` for two empty ones (the ungrouped case, on every
/// record).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && (a.is_empty() || a == b)
}

/// Windows of one stream.
#[derive(Debug, Clone)]
pub(crate) struct Windows {
    /// Sorted by name.
    groups: Vec<Group>,
    /// The group of the previous record.
    last: usize,
    rules: BTreeMap<(usize, String), RuleState>,
    max_time: Option<i64>,
    /// Window ends (as pane indexes) up to this one are emitted.
    emitted: Option<i64>,
    pub(crate) late: u64,
    pub(crate) suppressed: u64,
    pub(crate) overflow: u64,
    rows: i64,
}

impl Windows {
    pub(crate) fn new() -> Self {
        Windows {
            groups: Vec::new(),
            last: 0,
            rules: BTreeMap::new(),
            max_time: None,
            emitted: None,
            late: 0,
            suppressed: 0,
            overflow: 0,
            rows: 0,
        }
    }

    /// Panes held over all groups (the memory in use).
    #[cfg(test)]
    pub(crate) fn panes(&self) -> usize {
        self.groups.iter().map(|g| g.panes.len()).sum()
    }

    /// Groups held.
    #[cfg(test)]
    pub(crate) fn groups(&self) -> usize {
        self.groups.len()
    }

    /// Adds a record at `time` (µs; `None`: its row index in seconds) and closes the windows
    /// the watermark has passed.
    pub(crate) fn push(
        &mut self,
        plan: &Plan,
        time: Option<i64>,
        values: &[f64],
        group: &str,
        out: &mut Output,
    ) {
        let t = time.unwrap_or(self.rows.saturating_mul(1_000_000));
        self.rows += 1;
        let q = t.div_euclid(plan.step);
        if self.emitted.is_some_and(|e| q + plan.panes - 1 <= e) {
            self.late += 1;
            return;
        }
        let i = self.group_slot(group, plan.max_groups);
        let Some(g) = self.groups.get_mut(i) else {
            return;
        };
        let pane = g.panes.entry(q).or_insert_with(|| Pane::new(plan));
        pane.records += 1;
        for (acc, &v) in pane.fields.iter_mut().zip(values) {
            acc.add(v);
        }
        let max_time = self.max_time.map_or(t, |m| m.max(t));
        self.max_time = Some(max_time);
        let watermark = max_time.saturating_sub(plan.lateness);
        // Windows ending at pane p close once the watermark reaches (p + 1) · step.
        let last = watermark.div_euclid(plan.step) - 1;
        if self.emitted.is_none_or(|e| last > e) {
            self.close(plan, last, true, out);
        }
    }

    /// The index of `name`'s group, created when new (or `_other` past `max_groups`).
    fn group_slot(&mut self, name: &str, max_groups: usize) -> usize {
        if let Some(g) = self.groups.get(self.last)
            && same(&g.name, name)
        {
            return self.last;
        }
        let name = match self.groups.binary_search_by(|g| g.name.as_str().cmp(name)) {
            Ok(i) => {
                self.last = i;
                return i;
            }
            Err(_) if self.groups.len() < max_groups => name,
            Err(_) => {
                self.overflow += 1;
                OTHER_GROUP
            }
        };
        let i = match self.groups.binary_search_by(|g| g.name.as_str().cmp(name)) {
            Ok(i) => i,
            Err(i) => {
                self.groups.insert(
                    i,
                    Group {
                        name: name.to_owned(),
                        panes: BTreeMap::new(),
                    },
                );
                i
            }
        };
        self.last = i;
        i
    }

    /// Closes every window still open (end of a batch), marked incomplete.
    pub(crate) fn flush(&mut self, plan: &Plan, out: &mut Output) {
        let last = self
            .groups
            .iter()
            .filter_map(|g| g.panes.keys().next_back())
            .max()
            .map(|&q| q + plan.panes - 1);
        if let Some(last) = last {
            self.close(plan, last, false, out);
        }
    }

    fn close(&mut self, plan: &Plan, last: i64, complete: bool, out: &mut Output) {
        let n = plan.panes;
        let after = self.emitted.unwrap_or(i64::MIN);
        // Window ends with data: the union of [q, q + n − 1] over the panes held, as merged
        // intervals, so the work is proportional to the windows emitted.
        let mut spans: Vec<(i64, i64)> = self
            .groups
            .iter()
            .flat_map(|g| g.panes.keys())
            .map(|&q| (q.max(after.saturating_add(1)), (q + n - 1).min(last)))
            .filter(|(lo, hi)| lo <= hi)
            .collect();
        spans.sort_unstable();
        let mut ends: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
        for (lo, hi) in spans {
            match ends.last_mut() {
                Some((_, h)) if lo <= *h + 1 => *h = (*h).max(hi),
                _ => ends.push((lo, hi)),
            }
        }
        let window_seconds = plan.window as f64 / 1e6;
        for p in ends.into_iter().flat_map(|(lo, hi)| lo..=hi) {
            for Group { name: group, panes } in &self.groups {
                let mut acc: Option<Pane> = None;
                for (_, pane) in panes.range(p - n + 1..=p) {
                    match &mut acc {
                        Some(a) => a.merge(pane),
                        None => acc = Some(pane.clone()),
                    }
                }
                let Some(acc) = acc else { continue };
                if acc.records == 0 {
                    continue;
                }
                let start = (p - n + 1).saturating_mul(plan.step);
                let end = (p + 1).saturating_mul(plan.step);
                let values = plan
                    .outputs
                    .iter()
                    .map(|o| acc.value(o.kind, o.slot, window_seconds))
                    .collect();
                if complete {
                    for (r, rule) in plan.rules.iter().enumerate() {
                        let value = acc.value(rule.output.kind, rule.output.slot, window_seconds);
                        let state = self.rules.entry((r, group.clone())).or_default();
                        let holds = rule.comparison.holds(value, rule.threshold);
                        let consecutive = state.last_end == Some(p - 1);
                        state.streak = match (holds, consecutive) {
                            (false, _) => 0,
                            (true, true) => state.streak + 1,
                            (true, false) => 1,
                        };
                        state.last_end = Some(p);
                        if !holds || state.streak < rule.needed {
                            continue;
                        }
                        if state.suppressed_until.is_some_and(|u| end < u) {
                            state.suppressed += 1;
                            self.suppressed += 1;
                            continue;
                        }
                        out.fired.push(Fired {
                            rule: r,
                            group: group.clone(),
                            start,
                            end,
                            value,
                            streak: state.streak,
                            suppressed: std::mem::take(&mut state.suppressed),
                        });
                        state.suppressed_until = Some(end.saturating_add(rule.suppression));
                    }
                }
                out.closed.push(Closed {
                    start,
                    end,
                    group: group.clone(),
                    records: acc.records,
                    values,
                    complete,
                });
            }
        }
        self.emitted = Some(self.emitted.map_or(last, |e| e.max(last)));
        let emitted = self.emitted.unwrap_or(last);
        for g in &mut self.groups {
            g.panes.retain(|&q, _| q + n - 1 > emitted);
        }
        self.groups.retain(|g| !g.panes.is_empty());
        self.last = 0;
        let horizon = self.max_time.unwrap_or(i64::MIN);
        self.rules.retain(|(_, g), s| {
            s.streak > 0
                || s.suppressed > 0
                || s.suppressed_until.is_some_and(|u| u > horizon)
                || self.groups.iter().any(|x| x.name == *g)
        });
    }

    /// Forgets everything.
    pub(crate) fn reset(&mut self) {
        *self = Windows::new();
    }
}
