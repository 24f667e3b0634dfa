//! `trend_analysis`: growth of a value (its mean or sum), or of an event count, over the last
//! `time_window` seconds against the `time_window` seconds before it (the baseline): the
//! seed's "viral" detection. No BUY/SELL: it emits `TREND` results and alerts.
//!
//! ```text
//! growth(t) = level(current window) / level(baseline window)
//!             when level(baseline) ≥ min_baseline and > 0, else undefined
//! a trend starts when growth ≥ growth_threshold, and ends when growth falls below it (or
//! becomes undefined)
//! ```
//!
//! Windows are event-time windows made of `buckets` buckets each (see [`GrowthWindow`]), so
//! memory per stream is fixed. A frame or stream without timestamps places row *i* at *i*
//! seconds. Batch and online runs walk the same state row by row, so they agree: the batch
//! result's `trends` lists exactly the episodes whose start and end the online form reports.
//! Online, each start yields a `strategy_result` (`status` `trend_started`) and an alert at
//! `alert_level`; each end a `strategy_result` (`status` `trend_ended`).

mod config;
mod kernel;
mod report;

use stratos_core::strategy::resolve_field;
use stratos_core::{
    Alert, BuiltinStrategy, ConfigError, Event, Frame, OnlineStrategy, Outputs, Reported,
    ResultEvent, ResultType, RowRef, Schema, StrategyError, StrategyResult, Timestamp,
};

pub use config::{TrendConfig, TrendMeasure};
pub use kernel::GrowthWindow;
pub use report::{TrendChange, TrendEpisode, TrendReport};

#[cfg(test)]
use crate::number_text::json_num;
use crate::number_text::num;

/// The strategy id.
pub const ID: &str = "trend_analysis";

/// The `trend_analysis` strategy.
///
/// # Examples
/// ```
/// use stratos_core::{BuiltinStrategy, Frame, Strategy};
/// use stratos_strategies::trend::{TrendConfig, TrendStrategy};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = TrendConfig { time_window: 10, buckets: 10, min_baseline: 100.0, ..TrendConfig::default() };
/// let strategy = TrendStrategy::from_config(config)?;
/// // One value per second: 120 mentions for 20 s, then 300.
/// let values: Vec<f64> = (0..30).map(|i| if i < 20 { 120.0 } else { 300.0 }).collect();
/// let result = strategy.execute(&Frame::from_values("mentions", values))?;
/// assert_eq!(result.data["trends"].as_array().map(Vec::len), Some(1));
/// // At row 26 the last 10 s average (7·300 + 3·120)/10 = 246 ≥ 2 × 120.
/// assert_eq!(result.data["trends"][0]["start_index"], 26);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct TrendStrategy {
    config: TrendConfig,
}

/// What one step of the walk found.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Step {
    current: f64,
    baseline: f64,
    growth: Option<f64>,
    change: Option<bool>,
}

/// The walk shared by batch and online runs.
#[derive(Debug, Clone)]
struct TrendState {
    window: GrowthWindow,
    measure: TrendMeasure,
    threshold: f64,
    min_baseline: f64,
    trending: bool,
    rows: i64,
}

impl TrendState {
    fn new(c: &TrendConfig) -> Self {
        TrendState {
            window: GrowthWindow::new(c.time_window, c.buckets),
            measure: c.measure,
            threshold: c.growth_threshold,
            min_baseline: c.min_baseline,
            trending: false,
            rows: 0,
        }
    }

    /// Adds a row (at `time`, else at its index in seconds) and reports the growth and any
    /// start (`Some(true)`) or end (`Some(false)`) of a trend.
    fn step(&mut self, time: Option<Timestamp>, value: f64) -> Step {
        let micros = time.map_or(self.rows.saturating_mul(1_000_000), Timestamp::micros);
        self.rows += 1;
        self.window.push(micros, value);
        let (current, baseline) = self.window.levels(self.measure);
        let growth = (baseline.is_finite()
            && baseline > 0.0
            && baseline >= self.min_baseline
            && current.is_finite())
        .then(|| current / baseline);
        let now = growth.is_some_and(|g| g >= self.threshold);
        let change = (now != self.trending).then_some(now);
        self.trending = now;
        Step {
            current,
            baseline,
            growth,
            change,
        }
    }

    fn reset(&mut self) {
        self.window.reset();
        self.trending = false;
        self.rows = 0;
    }
}

impl TrendStrategy {
    /// The validated config.
    pub fn settings(&self) -> &TrendConfig {
        &self.config
    }

    fn field(&self, schema: &Schema) -> Result<Option<String>, ConfigError> {
        match self.config.measure {
            TrendMeasure::Count => Ok(None),
            _ => resolve_field(ID, self.config.data_field.as_deref(), schema).map(Some),
        }
    }

    fn subject(&self, field: Option<&str>) -> String {
        match field {
            Some(f) => format!("{} of `{f}`", self.config.measure.as_str()),
            None => "record count".to_owned(),
        }
    }

    fn context(&self, field: Option<&str>, step: &Step, started: bool) -> serde_json::Value {
        let change = TrendChange {
            status: if started {
                "trend_started"
            } else {
                "trend_ended"
            }
            .to_owned(),
            field: field.map(str::to_owned),
            measure: self.config.measure.as_str().to_owned(),
            growth: step.growth,
            current: step.current,
            baseline: step.baseline,
            growth_threshold: self.config.growth_threshold,
            time_window: self.config.time_window,
            min_baseline: self.config.min_baseline,
        };
        // Text keys and derived impls only: writing it cannot fail.
        serde_json::to_value(change).unwrap_or_default()
    }

    fn events(&self, field: Option<&str>, row: RowRef<'_>, step: &Step, out: &mut Vec<Event>) {
        let Some(started) = step.change else { return };
        let data = self.context(field, step, started);
        out.push(Event::StrategyResult(ResultEvent {
            stream_id: row.stream_id.to_owned(),
            strategy_id: ID.to_owned(),
            timestamp: row.timestamp,
            kind: ResultType::Trend,
            data: data.clone(),
            signal: None,
        }));
        if started {
            out.push(Event::Alert(Alert {
                stream_id: row.stream_id.to_owned(),
                strategy_id: ID.to_owned(),
                timestamp: row.timestamp,
                level: self.config.alert_level,
                message: format!(
                    "trend: the {} over the last {} s is {}× its baseline {} (threshold {}×)",
                    self.subject(field),
                    self.config.time_window,
                    num(step.growth.unwrap_or(f64::NAN), 2),
                    num(step.baseline, 6),
                    num(self.config.growth_threshold, 4)
                ),
                context: data,
            }));
        }
    }

    /// Runs over a whole frame: the typed report with the result built from it (what
    /// [`Strategy::execute`](stratos_core::Strategy::execute) returns).
    ///
    /// # Errors
    /// As [`Strategy::execute`](stratos_core::Strategy::execute):
    /// [`StrategyError::NotEnoughData`] for an empty frame, [`StrategyError::Config`] for a
    /// missing field.
    pub fn run(&self, frame: &Frame) -> Result<Reported<TrendReport>, StrategyError> {
        let field = self.field(frame.schema())?;
        let column = field.as_deref().and_then(|f| frame.column(f));
        let times = frame.timestamps();
        let n = frame.len();
        if n == 0 {
            return Err(StrategyError::NotEnoughData {
                strategy: ID.to_owned(),
                field: field.unwrap_or_else(|| "records".to_owned()),
                needed: 1,
                got: 0,
            });
        }
        let mut state = TrendState::new(&self.config);
        let mut growth = Vec::with_capacity(n);
        let mut flags = Vec::with_capacity(n);
        let mut trends: Vec<TrendEpisode> = Vec::new();
        let mut open: Option<(usize, f64)> = None;
        let mut last = None;
        let mut max_growth = f64::NAN;
        for i in 0..n {
            let t = times.and_then(|t| t.get(i)).copied();
            let v = column.map_or(f64::NAN, |c| c.get(i).copied().unwrap_or(f64::NAN));
            let step = state.step(t, v);
            growth.push(step.growth.unwrap_or(f64::NAN));
            flags.push(state.trending);
            if let Some(g) = step.growth {
                max_growth = max_growth.max(g);
            }
            if let Some((_, peak)) = &mut open {
                *peak = peak.max(step.growth.unwrap_or(f64::NAN));
            }
            match step.change {
                Some(true) => open = Some((i, step.growth.unwrap_or(f64::NAN))),
                Some(false) => {
                    if let Some((start, peak)) = open.take() {
                        trends.push(episode(times, start, Some(i), peak, &growth));
                    }
                }
                None => {}
            }
            last = Some(step);
        }
        if let Some((start, peak)) = open {
            trends.push(episode(times, start, None, peak, &growth));
        }
        let last = last.unwrap_or(Step {
            current: f64::NAN,
            baseline: f64::NAN,
            growth: None,
            change: None,
        });
        let scored = growth.iter().filter(|g| g.is_finite()).count();
        let trend_count = trends.len();
        let report = TrendReport {
            field: field.clone(),
            measure: self.config.measure.as_str().to_owned(),
            growth_threshold: self.config.growth_threshold,
            time_window: self.config.time_window,
            min_baseline: self.config.min_baseline,
            points: n,
            trending: state.trending,
            current_growth: last.growth,
            current_level: last.current,
            baseline_level: last.baseline,
            trend_count,
            trends,
            too_late: state.window.too_late(),
        };
        let outputs = Outputs::new(field.clone().unwrap_or_else(|| "records".to_owned()))
            .number("growth", growth)
            .flag("is_trending", flags);
        let confidence = scored as f64 / n as f64;
        let mut result = StrategyResult::from_report(ResultType::Trend, &report, confidence)
            .map_err(|e| StrategyError::numeric(ID, e))?
            .with_metric("trend_count", trend_count as f64)
            .with_outputs(outputs);
        if max_growth.is_finite() {
            result = result.with_metric("max_growth", max_growth);
        }
        if let Some(g) = last.growth {
            result = result.with_metric("current_growth", g);
        }
        Ok(Reported { report, result })
    }
}

impl BuiltinStrategy for TrendStrategy {
    type Config = TrendConfig;
    type Online = TrendOnline;
    const NAME: &'static str = "Trend analysis";
    const DESCRIPTION: &'static str = "growth of a value or an event count over a time window against the window before (viral detection)";
    const RESULT_TYPE: ResultType = ResultType::Trend;

    fn from_config(config: TrendConfig) -> Result<Self, ConfigError> {
        use stratos_core::StrategyConfig;
        config.validate()?;
        Ok(TrendStrategy { config })
    }

    fn settings(&self) -> &TrendConfig {
        &self.config
    }

    fn fields(&self, schema: &Schema) -> Result<Vec<String>, ConfigError> {
        Ok(self.field(schema)?.into_iter().collect())
    }

    fn batch(&self, frame: &Frame) -> Result<StrategyResult, StrategyError> {
        self.run(frame).map(|r| r.result)
    }

    fn bind(&self, schema: &Schema) -> Result<Option<Self::Online>, ConfigError> {
        let field = self.field(schema)?;
        let index = match &field {
            Some(f) => Some(
                schema
                    .value_index(f)
                    .ok_or_else(|| ConfigError::MissingField {
                        strategy: ID.to_owned(),
                        field: f.clone(),
                        available: schema.value_fields.join(", "),
                    })?,
            ),
            None => None,
        };
        Ok(Some(TrendOnline {
            state: TrendState::new(&self.config),
            strategy: self.clone(),
            field,
            index,
        }))
    }
}

fn episode(
    times: Option<&[Timestamp]>,
    start: usize,
    end: Option<usize>,
    peak: f64,
    growth: &[f64],
) -> TrendEpisode {
    let at = |i: usize| times.and_then(|t| t.get(i)).copied();
    TrendEpisode {
        start_index: start,
        start_timestamp: at(start),
        start_growth: growth.get(start).copied(),
        end_index: end,
        end_timestamp: end.and_then(at),
        peak_growth: peak,
    }
}

/// The online form: events only at the start and end of a trend.
#[derive(Debug)]
pub struct TrendOnline {
    strategy: TrendStrategy,
    state: TrendState,
    field: Option<String>,
    index: Option<usize>,
}

impl OnlineStrategy for TrendOnline {
    fn update(&mut self, row: RowRef<'_>, out: &mut Vec<Event>) {
        let v = self
            .index
            .and_then(|i| row.values.get(i))
            .copied()
            .unwrap_or(f64::NAN);
        let step = self.state.step(row.timestamp, v);
        self.strategy.events(self.field.as_deref(), row, &step, out);
    }

    fn reset(&mut self) {
        self.state.reset();
    }
}

#[cfg(test)]
mod tests;
