//! `window_aggregate`: tumbling and sliding event-time windows, optionally per value of a
//! category field (`group_by`), with aggregations `count`, `sum`, `mean`, `min`, `max`, `p50`,
//! `p95` and `rate`, and alert rules such as `mean(value) > 80 for 5m` or
//! `rate(error) > 0.05` with a `level` and `suppression_minutes` (StreamFlow's alert rules,
//! StreamAudit's per-company and hourly breakdowns).
//!
//! # Windows and time
//! Windows are aligned to the epoch: with step `s` (`slide`, else `window`) and `n = window /
//! s`, pane `q` covers `[q·s, (q+1)·s)` and the window ending with pane `p` covers panes
//! `p−n+1 ..= p`. Each stream keeps a **watermark** = latest record time − `allowed_lateness`;
//! a window closes (is emitted and its rules evaluated) once the watermark reaches its end. A
//! record all of whose windows have closed is **late**: counted (`lateRecords`) and dropped.
//! Rows without a timestamp sit at their row index in seconds.
//!
//! # Aggregations
//! `sum`, `mean`, `min`, `max` are exact over the finite values of the field. `p50` and `p95`
//! come from a mergeable DDSketch ([`QuantileSketch`]): the value of 0-based rank
//! `⌊q·(n−1)⌋` within relative error `quantile_accuracy` (α, default 1%). `rate(f)` is the share
//! of records whose `f` is non-zero among those with a finite `f` (an error flag gives the error
//! rate; the seed's `error_rate` means `rate(error)`); a bare `rate` is records per second.
//!
//! # Rules
//! Each rule is evaluated on every closed window of every group. It fires when its condition
//! has held in enough consecutive windows to cover `for` (⌈for / step⌉, at least one); after
//! firing, the same rule and group stay quiet for `suppression_minutes` of event time (window
//! ends), the suppressed alerts being counted and reported with the next alert.
//!
//! # Memory
//! Per stream: at most `max_groups` groups (+ `_other`), each holding the panes not yet closed
//! — about `(window + allowed_lateness) / step + 1` — each of fixed size except the sketches,
//! which hold at most 2 × 2048 buckets.
//!
//! # Batch and online
//! Both drive the same state. Online, each closed window of each group is a `strategy_result`
//! event (type `AGGREGATE`, timestamped at the window end) and each firing rule an `alert`.
//! Batch returns the same windows and alerts in `data.windows` and `data.alerts`, plus the
//! windows still open at the end of the input (with `"complete": false`; rules do not see
//! them).

mod aggregate;
mod config;
mod report;
mod sketch;

use stratos_core::strategy::resolve_field;
use stratos_core::{
    Alert, BuiltinStrategy, ConfigError, Event, Frame, OnlineStrategy, Reported, ResultEvent,
    ResultType, RowRef, Schema, StrategyError, StrategyResult, Timestamp,
};

pub use config::{
    AggregateKind, Aggregation, Comparison, Condition, RuleConfig, Seconds, WindowConfig,
};
pub use report::{WindowAlert, WindowRecord, WindowReport};
pub use sketch::{QuantileSketch, SketchParts};

use aggregate::{Closed, Fired, OutputPlan, Plan, RulePlan, Windows};

use crate::number_text::num;

/// The strategy id.
pub const ID: &str = "window_aggregate";

/// The `window_aggregate` strategy.
///
/// # Examples
/// ```
/// use stratos_core::{BuiltinStrategy, Frame, Strategy, StrategyConfig, Timestamp};
/// use stratos_strategies::window::{WindowConfig, WindowStrategy};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = WindowConfig::from_json(serde_json::json!(
///     {"window": "1m", "aggregations": ["count", "max(value)"]}))?;
/// let strategy = WindowStrategy::from_config(config)?;
/// let times = (0..180).map(|s| Timestamp::from_epoch_seconds(s)).collect::<Result<Vec<_>, _>>()?;
/// let frame = Frame::builder()
///     .timestamps("timestamp", times)
///     .numeric("value", (0..180).map(f64::from).collect())
///     .build()?;
/// let result = strategy.execute(&frame)?;
/// let windows = result.data["windows"].as_array().map(Vec::len);
/// assert_eq!(windows, Some(3));
/// assert_eq!(result.data["windows"][0]["aggregates"]["max(value)"], 59.0);
/// assert_eq!(result.data["windows"][2]["complete"], false);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct WindowStrategy {
    config: WindowConfig,
}

impl WindowStrategy {
    /// The validated config.
    pub fn settings(&self) -> &WindowConfig {
        &self.config
    }

    /// Binds the config to a schema: resolves fields and numbers them.
    fn plan(&self, schema: &Schema) -> Result<Plan, ConfigError> {
        let c = &self.config;
        let mut fields: Vec<String> = Vec::new();
        let mut quantiles: Vec<bool> = Vec::new();
        let mut bind = |a: &Aggregation| -> Result<OutputPlan, ConfigError> {
            let field = match (a.kind, &a.field) {
                (AggregateKind::Count, _) | (AggregateKind::Rate, None) => None,
                (_, Some(f)) => Some(resolve_field(ID, Some(f), schema)?),
                (_, None) => Some(resolve_field(ID, c.data_field.as_deref(), schema)?),
            };
            let slot = field
                .as_ref()
                .map(|f| match fields.iter().position(|x| x == f) {
                    Some(i) => i,
                    None => {
                        fields.push(f.clone());
                        quantiles.push(false);
                        fields.len() - 1
                    }
                });
            if let Some(s) = slot
                && matches!(a.kind, AggregateKind::P50 | AggregateKind::P95)
                && let Some(q) = quantiles.get_mut(s)
            {
                *q = true;
            }
            Ok(OutputPlan {
                label: Aggregation {
                    kind: a.kind,
                    field,
                }
                .to_string(),
                kind: a.kind,
                slot,
            })
        };
        let outputs = c
            .parsed_aggregations()?
            .iter()
            .map(&mut bind)
            .collect::<Result<Vec<_>, _>>()?;
        let step = c.step();
        let mut rules = Vec::with_capacity(c.rules.len());
        for (i, r) in c.rules.iter().enumerate() {
            let cond = r.parse(i)?;
            let output = bind(&cond.aggregation)?;
            rules.push(RulePlan {
                name: r.name.clone().unwrap_or_else(|| cond.to_string()),
                condition: cond.to_string(),
                output,
                comparison: cond.comparison,
                threshold: cond.threshold,
                needed: cond.hold.0.div_ceil(step.0).max(1),
                level: r.level,
                suppression: (r.suppression_minutes * 60e6).round() as i64,
            });
        }
        if let Some(g) = &c.group_by
            && !schema.category_fields.contains(g)
        {
            return Err(ConfigError::MissingField {
                strategy: ID.to_owned(),
                field: g.clone(),
                available: if schema.category_fields.is_empty() {
                    "none".to_owned()
                } else {
                    schema.category_fields.join(", ")
                },
            });
        }
        Ok(Plan {
            window: c.window.micros(),
            step: step.micros(),
            panes: (c.window.0 / step.0).max(1) as i64,
            lateness: c.allowed_lateness.micros(),
            fields,
            quantiles,
            alpha: c.quantile_accuracy,
            outputs,
            rules,
            group_by: c.group_by.clone(),
            max_groups: c.max_groups,
        })
    }

    fn window_record(&self, plan: &Plan, w: &Closed, with_complete: bool) -> WindowRecord {
        WindowRecord {
            window_start: ts(w.start),
            window_end: ts(w.end),
            group_by: plan.group_by.clone(),
            group: plan.group_by.as_ref().map(|_| w.group.clone()),
            count: w.records,
            aggregates: plan
                .outputs
                .iter()
                .zip(&w.values)
                .map(|(o, &v)| (o.label.clone(), v))
                .collect(),
            complete: with_complete.then_some(w.complete),
        }
    }

    fn alert_parts<'p>(
        &self,
        plan: &'p Plan,
        f: &Fired,
    ) -> Option<(String, WindowAlert, &'p RulePlan)> {
        let rule = plan.rules.get(f.rule)?;
        let group = match &plan.group_by {
            Some(g) => format!(" for {g} `{}`", f.group),
            None => String::new(),
        };
        let message = format!(
            "rule `{}`{group}: {} = {} in the window ending {}{}{}",
            rule.name,
            rule.output.label,
            num(f.value, 6),
            ts(f.end).map_or_else(|| f.end.to_string(), |t| t.to_string()),
            if f.streak > 1 {
                format!(" ({} windows in a row)", f.streak)
            } else {
                String::new()
            },
            if f.suppressed > 0 {
                format!("; {} alerts suppressed since the last", f.suppressed)
            } else {
                String::new()
            }
        );
        let context = WindowAlert {
            rule: rule.name.clone(),
            condition: rule.condition.clone(),
            aggregate: rule.output.label.clone(),
            value: f.value,
            threshold: rule.threshold,
            group_by: plan.group_by.clone(),
            group: plan.group_by.as_ref().map(|_| f.group.clone()),
            window_start: ts(f.start),
            window_end: ts(f.end),
            windows_in_a_row: f.streak,
            suppressed: f.suppressed,
            suppression_minutes: rule.suppression as f64 / 60e6,
            level: None,
            message: None,
        };
        Some((message, context, rule))
    }

    /// Runs over a whole frame: the typed report with the result built from it (what
    /// [`Strategy::execute`](stratos_core::Strategy::execute) returns).
    ///
    /// # Errors
    /// As [`Strategy::execute`](stratos_core::Strategy::execute):
    /// [`StrategyError::NotEnoughData`] for an empty frame, [`StrategyError::Config`] for a
    /// missing field or group.
    pub fn run(&self, frame: &Frame) -> Result<Reported<WindowReport>, StrategyError> {
        let plan = self.plan(frame.schema())?;
        let columns: Vec<&[f64]> = plan
            .fields
            .iter()
            .map(|f| frame.column(f).unwrap_or(&[]))
            .collect();
        let groups = match &plan.group_by {
            Some(g) => Some(frame.category(g).ok_or_else(|| ConfigError::MissingField {
                strategy: ID.to_owned(),
                field: g.clone(),
                available: frame.schema().category_fields.join(", "),
            })?),
            None => None,
        };
        let n = frame.len();
        if n == 0 {
            return Err(StrategyError::NotEnoughData {
                strategy: ID.to_owned(),
                field: plan.fields.join(", "),
                needed: 1,
                got: 0,
            });
        }
        let times = frame.timestamps();
        let mut windows = Windows::new();
        let mut out = aggregate::Output::default();
        let mut values = vec![f64::NAN; columns.len()];
        for i in 0..n {
            for (v, col) in values.iter_mut().zip(&columns) {
                *v = col.get(i).copied().unwrap_or(f64::NAN);
            }
            let group = groups.and_then(|g| g.get(i)).unwrap_or("");
            let t = times.and_then(|t| t.get(i)).map(|t| t.micros());
            windows.push(&plan, t, &values, group, &mut out);
        }
        windows.flush(&plan, &mut out);
        let window_list: Vec<WindowRecord> = out
            .closed
            .iter()
            .map(|w| self.window_record(&plan, w, true))
            .collect();
        let alerts: Vec<WindowAlert> = out
            .fired
            .iter()
            .filter_map(|f| {
                let (message, context, rule) = self.alert_parts(&plan, f)?;
                Some(WindowAlert {
                    level: Some(rule.level),
                    message: Some(message),
                    ..context
                })
            })
            .collect();
        let complete = out.closed.iter().filter(|w| w.complete).count();
        let report = WindowReport {
            window: self.config.window.0,
            slide: self.config.step().0,
            group_by: plan.group_by.clone(),
            aggregations: plan.outputs.iter().map(|o| o.label.clone()).collect(),
            points: n,
            window_count: window_list.len(),
            windows: window_list,
            alert_count: alerts.len(),
            alerts,
            late_records: windows.late,
            suppressed_alerts: windows.suppressed,
            other_group_records: windows.overflow,
        };
        let confidence = if n > 0 {
            (n as u64 - windows.late) as f64 / n as f64
        } else {
            0.0
        };
        let result = StrategyResult::from_report(ResultType::Aggregate, &report, confidence)
            .map_err(|e| StrategyError::numeric(ID, e))?
            .with_metric("windows", out.closed.len() as f64)
            .with_metric("complete_windows", complete as f64)
            .with_metric("alerts", out.fired.len() as f64)
            .with_metric("late_records", windows.late as f64);
        Ok(Reported { report, result })
    }
}

fn ts(micros: i64) -> Option<Timestamp> {
    Timestamp::from_micros(micros).ok()
}

impl BuiltinStrategy for WindowStrategy {
    type Config = WindowConfig;
    type Online = WindowOnline;
    const NAME: &'static str = "Window aggregate";
    const DESCRIPTION: &'static str = "tumbling/sliding event-time windows, per group: count, sum, mean, min, max, p50, p95, rate; alert rules with suppression";
    const RESULT_TYPE: ResultType = ResultType::Aggregate;

    fn from_config(config: WindowConfig) -> Result<Self, ConfigError> {
        use stratos_core::StrategyConfig;
        config.validate()?;
        Ok(WindowStrategy { config })
    }

    fn settings(&self) -> &WindowConfig {
        &self.config
    }

    fn fields(&self, schema: &Schema) -> Result<Vec<String>, ConfigError> {
        // Fields only: the group is checked where categories are known.
        let mut s = schema.clone();
        if let Some(g) = &self.config.group_by
            && !s.category_fields.contains(g)
        {
            s.category_fields.push(g.clone());
        }
        Ok(self.plan(&s)?.fields)
    }

    fn categories(&self, schema: &Schema) -> Result<Vec<String>, ConfigError> {
        match &self.config.group_by {
            Some(g) if schema.category_fields.contains(g) => Ok(vec![g.clone()]),
            Some(g) => Err(ConfigError::MissingField {
                strategy: ID.to_owned(),
                field: g.clone(),
                available: schema.category_fields.join(", "),
            }),
            None => Ok(Vec::new()),
        }
    }

    fn batch(&self, frame: &Frame) -> Result<StrategyResult, StrategyError> {
        self.run(frame).map(|r| r.result)
    }

    fn bind(&self, schema: &Schema) -> Result<Option<Self::Online>, ConfigError> {
        let plan = self.plan(schema)?;
        let indexes = plan
            .fields
            .iter()
            .map(|f| {
                schema
                    .value_index(f)
                    .ok_or_else(|| ConfigError::MissingField {
                        strategy: ID.to_owned(),
                        field: f.clone(),
                        available: schema.value_fields.join(", "),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let group_index = plan
            .group_by
            .as_ref()
            .and_then(|g| schema.category_fields.iter().position(|c| c == g));
        Ok(Some(WindowOnline {
            strategy: self.clone(),
            values: vec![f64::NAN; indexes.len()],
            plan,
            indexes,
            group_index,
            windows: Windows::new(),
            out: aggregate::Output::default(),
        }))
    }
}

/// The online form: events as windows close.
#[derive(Debug)]
pub struct WindowOnline {
    strategy: WindowStrategy,
    plan: Plan,
    indexes: Vec<usize>,
    group_index: Option<usize>,
    windows: Windows,
    values: Vec<f64>,
    out: aggregate::Output,
}

impl WindowOnline {
    /// Panes and groups held: the memory in use.
    #[cfg(test)]
    fn held(&self) -> (usize, usize) {
        (self.windows.panes(), self.windows.groups())
    }
}

impl OnlineStrategy for WindowOnline {
    fn update(&mut self, row: RowRef<'_>, out: &mut Vec<Event>) {
        self.update_with_categories(row, &[], out);
    }

    fn update_with_categories(
        &mut self,
        row: RowRef<'_>,
        categories: &[&str],
        out: &mut Vec<Event>,
    ) {
        for (v, &i) in self.values.iter_mut().zip(&self.indexes) {
            *v = row.values.get(i).copied().unwrap_or(f64::NAN);
        }
        let group = self
            .group_index
            .and_then(|i| categories.get(i))
            .copied()
            .unwrap_or("");
        self.windows.push(
            &self.plan,
            row.timestamp.map(Timestamp::micros),
            &self.values,
            group,
            &mut self.out,
        );
        // Alerts follow the window they were raised on.
        let mut fired = self.out.fired.drain(..).peekable();
        for w in self.out.closed.drain(..) {
            out.push(Event::StrategyResult(ResultEvent {
                stream_id: row.stream_id.to_owned(),
                strategy_id: ID.to_owned(),
                timestamp: ts(w.end),
                kind: ResultType::Aggregate,
                // Text keys and derived impls only: writing it cannot fail.
                data: serde_json::to_value(self.strategy.window_record(&self.plan, &w, false))
                    .unwrap_or_default(),
                signal: None,
            }));
            while let Some(f) = fired.next_if(|f| f.end == w.end && f.group == w.group) {
                if let Some((message, context, rule)) = self.strategy.alert_parts(&self.plan, &f) {
                    out.push(Event::Alert(Alert {
                        stream_id: row.stream_id.to_owned(),
                        strategy_id: ID.to_owned(),
                        timestamp: ts(f.end),
                        level: rule.level,
                        message,
                        context: serde_json::to_value(context).unwrap_or_default(),
                    }));
                }
            }
        }
    }

    fn reset(&mut self) {
        self.windows.reset();
        self.out = aggregate::Output::default();
    }
}

#[cfg(test)]
mod tests;
