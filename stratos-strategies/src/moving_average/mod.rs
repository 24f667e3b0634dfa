//! `moving_average`: SMA, EMA and WMA of a price or value, with price-versus-average signals
//! and fast/slow crossover signals, in batch and online.
//!
//! Signals, per row:
//!
//! ```text
//! price vs average:  d = (price − MA) / |MA|
//!                    d >  signal_threshold → BUY,  d < −signal_threshold → SELL, else HOLD
//!                    strength: BUY/SELL min(1, |d| / (2·threshold)) (0.5 on the band's edge,
//!                    1 at twice the threshold); HOLD 1 − |d| / threshold; threshold 0 → 1
//! crossover:         fast[t−1] < slow[t−1] and fast[t] > slow[t] → BUY
//!                    fast[t−1] > slow[t−1] and fast[t] < slow[t] → SELL, else HOLD
//!                    (backtesting.py's `crossover`); strength min(1, gap / threshold),
//!                    gap = |fast − slow| / |slow|
//! ```
//!
//! With `fast` and `slow` set, the row signal is the crossover signal; otherwise it is price
//! versus average. The result's `signal` is the last row's.

mod config;
mod kernel;
mod report;

use serde_json::json;
#[cfg(test)]
use stratos_core::Strategy;
use stratos_core::strategy::{input_series, resolve_field};
use stratos_core::{
    Action, BuiltinStrategy, ConfigError, Event, Frame, OnlineStrategy, Outputs, Reported,
    ResultEvent, ResultType, RowRef, Schema, Signal, StrategyError, StrategyResult,
};

pub use config::{MAX_PERIOD, MaKind, MovingAverageConfig};
pub use kernel::{Ema, MovingAverage, Sma, Wma};
pub use report::{AverageAt, Crossing, CrossoverReport, MovingAverageReport};

use crate::number_text::{json_num, num};

/// The strategy id.
pub const ID: &str = "moving_average";

/// The `moving_average` strategy. Build it with [`BuiltinStrategy::from_config`] or through
/// the registry.
///
/// # Examples
/// ```
/// use stratos_core::{Action, BuiltinStrategy, Frame, Strategy};
/// use stratos_strategies::moving_average::{MovingAverageConfig, MovingAverageStrategy};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = MovingAverageConfig { period: 3, ..MovingAverageConfig::default() };
/// let strategy = MovingAverageStrategy::from_config(config)?;
/// let frame = Frame::from_values("close", vec![10.0, 10.0, 10.0, 12.0]);
/// let result = strategy.execute(&frame)?;
/// assert_eq!(result.data["movingAverage"], 32.0 / 3.0);
/// assert_eq!(result.signal.map(|s| s.action), Some(Action::Buy));
/// // The same fields, typed.
/// let report = strategy.run(&frame)?.report;
/// assert_eq!(report.moving_average, 32.0 / 3.0);
/// assert_eq!(report.signal.action, Action::Buy);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct MovingAverageStrategy {
    config: MovingAverageConfig,
}

/// The outputs of one row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MaRow {
    /// The input value.
    pub value: f64,
    /// The average over `period` (NaN while undefined).
    pub average: f64,
    /// The fast average, with crossover configured.
    pub fast: f64,
    /// The slow average, with crossover configured.
    pub slow: f64,
    /// (price − average) / |average|.
    pub deviation: f64,
    /// The row's signal and its strength, when defined.
    pub signal: Option<(Action, f64)>,
}

/// The per-row state machine behind both batch and online runs, so the two cannot disagree.
#[derive(Debug, Clone)]
struct MaState {
    main: MovingAverage,
    cross: Option<(MovingAverage, MovingAverage)>,
    prev: Option<(f64, f64)>,
    threshold: f64,
}

impl MaState {
    fn new(c: &MovingAverageConfig) -> Self {
        MaState {
            main: MovingAverage::new(c.kind, c.period, c.adjust),
            cross: c.crossover().map(|(f, s)| {
                (
                    MovingAverage::new(c.kind, f, c.adjust),
                    MovingAverage::new(c.kind, s, c.adjust),
                )
            }),
            prev: None,
            threshold: c.signal_threshold,
        }
    }

    fn reset(&mut self) {
        self.main.reset();
        if let Some((f, s)) = &mut self.cross {
            f.reset();
            s.reset();
        }
        self.prev = None;
    }

    fn step(&mut self, value: f64) -> MaRow {
        let average = self.main.push(value);
        let deviation = if value.is_finite() && average.is_finite() && average != 0.0 {
            (value - average) / average.abs()
        } else {
            f64::NAN
        };
        let mut row = MaRow {
            value,
            average,
            fast: f64::NAN,
            slow: f64::NAN,
            deviation,
            signal: None,
        };
        match &mut self.cross {
            None => row.signal = price_signal(deviation, self.threshold),
            Some((f, s)) => {
                row.fast = f.push(value);
                row.slow = s.push(value);
                if row.fast.is_finite() && row.slow.is_finite() {
                    let action = match self.prev {
                        Some((pf, ps)) if pf < ps && row.fast > row.slow => Action::Buy,
                        Some((pf, ps)) if pf > ps && row.fast < row.slow => Action::Sell,
                        _ => Action::Hold,
                    };
                    let gap = if row.slow != 0.0 {
                        (row.fast - row.slow).abs() / row.slow.abs()
                    } else {
                        0.0
                    };
                    let strength = if self.threshold > 0.0 {
                        (gap / self.threshold).min(1.0)
                    } else {
                        1.0
                    };
                    row.signal = Some((action, strength));
                }
                self.prev = Some((row.fast, row.slow));
            }
        }
        row
    }
}

fn price_signal(d: f64, threshold: f64) -> Option<(Action, f64)> {
    if !d.is_finite() {
        return None;
    }
    let edge = |scale: f64| {
        if threshold > 0.0 {
            (d.abs() / scale).min(1.0)
        } else {
            1.0
        }
    };
    Some(if d > threshold {
        (Action::Buy, edge(2.0 * threshold))
    } else if d < -threshold {
        (Action::Sell, edge(2.0 * threshold))
    } else {
        (
            Action::Hold,
            if threshold > 0.0 {
                1.0 - d.abs() / threshold
            } else {
                1.0
            },
        )
    })
}

impl MovingAverageStrategy {
    /// The validated config.
    pub fn settings(&self) -> &MovingAverageConfig {
        &self.config
    }

    /// The per-row outputs over `values`.
    pub fn rows(&self, values: &[f64]) -> Vec<MaRow> {
        let mut state = MaState::new(&self.config);
        values.iter().map(|&v| state.step(v)).collect()
    }

    fn reason(&self, row: &MaRow, action: Action) -> String {
        let c = &self.config;
        let label = c.kind.label();
        if let Some((fast, slow)) = c.crossover() {
            let dir = if row.fast > row.slow {
                "above"
            } else {
                "below"
            };
            return match action {
                Action::Buy => {
                    format!("{fast}-period {label} crossed above the {slow}-period {label}")
                }
                Action::Sell => {
                    format!("{fast}-period {label} crossed below the {slow}-period {label}")
                }
                Action::Hold => format!(
                    "no crossover: {fast}-period {label} stays {dir} the {slow}-period {label}"
                ),
            };
        }
        let pct = num(row.deviation.abs() * 100.0, 2);
        let avg = num(row.average, 4);
        let price = num(row.value, 4);
        let period = c.period;
        match action {
            Action::Buy => {
                format!("price {price} is {pct}% above its {period}-period {label} {avg}")
            }
            Action::Sell => {
                format!("price {price} is {pct}% below its {period}-period {label} {avg}")
            }
            Action::Hold => format!(
                "price {price} is within {}% of its {period}-period {label} {avg}",
                num(c.signal_threshold * 100.0, 2)
            ),
        }
    }

    fn signal_of(&self, row: &MaRow) -> Option<Signal> {
        row.signal
            .map(|(action, strength)| Signal::new(action, strength, self.reason(row, action)))
    }

    /// Runs over a whole frame: the typed report with the result built from it (what
    /// [`Strategy::execute`](stratos_core::Strategy::execute) returns).
    ///
    /// # Errors
    /// As [`Strategy::execute`](stratos_core::Strategy::execute):
    /// [`StrategyError::NotEnoughData`] before the first defined signal, or
    /// [`StrategyError::Config`] for a missing field.
    pub fn run(&self, frame: &Frame) -> Result<Reported<MovingAverageReport>, StrategyError> {
        let series = input_series(ID, self.config.data_field.as_deref(), frame)?;
        let rows = self.rows(series.values);
        let not_enough = || StrategyError::NotEnoughData {
            strategy: ID.to_owned(),
            field: series.name.to_owned(),
            needed: self.needed_points(),
            got: series.valid_count(),
        };
        let (last_i, last) = rows
            .iter()
            .enumerate()
            .rev()
            .find(|(_, r)| r.signal.is_some())
            .ok_or_else(not_enough)?;
        let signal = self.signal_of(last).ok_or_else(not_enough)?;
        let c = &self.config;
        let kind = c.kind.as_str();

        let mut report = MovingAverageReport {
            field: series.name.to_owned(),
            kind: c.kind,
            period: c.period,
            current_price: last.value,
            moving_average: last.average,
            deviation: last.deviation,
            timestamp: series.timestamp(last_i),
            index: last_i,
            points: series.len(),
            signal: signal.clone(),
            crossover: None,
        };
        let mut result_metrics = vec![
            ("moving_average", last.average),
            ("deviation", last.deviation),
        ];
        let mut outputs =
            Outputs::new(series.name).number(kind, rows.iter().map(|r| r.average).collect());
        if let Some((fast, slow)) = c.crossover() {
            let crosses: Vec<(usize, Action)> = rows
                .iter()
                .enumerate()
                .filter_map(|(i, r)| match r.signal {
                    Some((a @ (Action::Buy | Action::Sell), _)) => Some((i, a)),
                    _ => None,
                })
                .collect();
            report.crossover = Some(CrossoverReport {
                fast: AverageAt {
                    period: fast,
                    moving_average: last.fast,
                },
                slow: AverageAt {
                    period: slow,
                    moving_average: last.slow,
                },
                trend: if last.fast > last.slow {
                    "bullish"
                } else {
                    "bearish"
                }
                .to_owned(),
                crossovers: crosses.len(),
                last_crossover: crosses.last().map(|&(index, action)| Crossing {
                    index,
                    timestamp: series.timestamp(index),
                    action,
                }),
            });
            result_metrics.push(("crossovers", crosses.len() as f64));
            outputs = outputs
                .number(
                    &format!("fast_{kind}"),
                    rows.iter().map(|r| r.fast).collect(),
                )
                .number(
                    &format!("slow_{kind}"),
                    rows.iter().map(|r| r.slow).collect(),
                );
        }
        let count = |want: Action| {
            rows.iter()
                .filter(|r| matches!(r.signal, Some((a, _)) if a == want))
                .count() as f64
        };
        result_metrics.push(("buy_signals", count(Action::Buy)));
        result_metrics.push(("sell_signals", count(Action::Sell)));
        let outputs = outputs.action(
            if c.crossover().is_some() {
                "crossover"
            } else {
                "signal"
            },
            rows.iter().map(|r| r.signal.map(|(a, _)| a)).collect(),
        );
        let mut result = StrategyResult::from_report(ResultType::Signal, &report, signal.strength)
            .map_err(|e| StrategyError::numeric(ID, e))?
            .with_signal(signal)
            .with_outputs(outputs);
        for (k, v) in result_metrics {
            result = result.with_metric(k, v);
        }
        Ok(Reported { report, result })
    }

    fn needed_points(&self) -> usize {
        let c = &self.config;
        let longest = c.slow.unwrap_or(0).max(c.period);
        match c.kind {
            MaKind::Ema if c.crossover().is_some() => 2,
            MaKind::Ema => 1,
            _ => longest,
        }
    }
}

impl BuiltinStrategy for MovingAverageStrategy {
    type Config = MovingAverageConfig;
    type Online = MovingAverageOnline;
    const NAME: &'static str = "Moving average";
    const DESCRIPTION: &'static str =
        "SMA, EMA or WMA with price-vs-average and fast/slow crossover signals";
    const RESULT_TYPE: ResultType = ResultType::Signal;

    fn from_config(config: MovingAverageConfig) -> Result<Self, ConfigError> {
        use stratos_core::StrategyConfig;
        config.validate()?;
        Ok(MovingAverageStrategy { config })
    }

    fn settings(&self) -> &MovingAverageConfig {
        &self.config
    }

    fn config_warnings(&self) -> Vec<String> {
        let c = &self.config;
        [
            ("period", Some(c.period)),
            ("slow", c.slow),
            ("fast", c.fast),
        ]
        .into_iter()
        .filter_map(|(key, n)| Some((key, n?)))
        .filter(|&(_, n)| n >= 100_000)
        .map(|(key, n)| {
            format!(
                "{key} = {n}: each stream holds up to {n} values ({:.1} MB) once its window \
                     is full",
                n as f64 * 8.0 / 1e6
            )
        })
        .collect()
    }

    fn fields(&self, schema: &Schema) -> Result<Vec<String>, ConfigError> {
        resolve_field(ID, self.config.data_field.as_deref(), schema).map(|f| vec![f])
    }

    fn batch(&self, frame: &Frame) -> Result<StrategyResult, StrategyError> {
        self.run(frame).map(|r| r.result)
    }

    fn bind(&self, schema: &Schema) -> Result<Option<Self::Online>, ConfigError> {
        let field = resolve_field(ID, self.config.data_field.as_deref(), schema)?;
        let index = schema
            .value_index(&field)
            .ok_or_else(|| ConfigError::MissingField {
                strategy: ID.to_owned(),
                field: field.clone(),
                available: schema.value_fields.join(", "),
            })?;
        Ok(Some(MovingAverageOnline {
            state: MaState::new(&self.config),
            strategy: self.clone(),
            index,
        }))
    }
}

/// The online form: one `strategy_result` event per row once the row's signal is defined.
#[derive(Debug)]
pub struct MovingAverageOnline {
    strategy: MovingAverageStrategy,
    state: MaState,
    index: usize,
}

impl OnlineStrategy for MovingAverageOnline {
    fn update(&mut self, row: RowRef<'_>, out: &mut Vec<Event>) {
        let value = row.values.get(self.index).copied().unwrap_or(f64::NAN);
        let r = self.state.step(value);
        let Some(signal) = self.strategy.signal_of(&r) else {
            return;
        };
        let mut data = json!({
            "value": json_num(r.value),
            "movingAverage": json_num(r.average),
            "deviation": json_num(r.deviation),
        });
        if self.strategy.config.crossover().is_some() {
            data["fastMovingAverage"] = json_num(r.fast);
            data["slowMovingAverage"] = json_num(r.slow);
        }
        out.push(Event::StrategyResult(ResultEvent {
            stream_id: row.stream_id.to_owned(),
            strategy_id: ID.to_owned(),
            timestamp: row.timestamp,
            kind: ResultType::Signal,
            data,
            signal: Some(signal),
        }));
    }

    fn reset(&mut self) {
        self.state.reset();
    }
}

#[cfg(test)]
mod tests;
