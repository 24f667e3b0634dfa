//! # Stratos
//!
//! Embeddable time-series analytics: ingest files and streams into columnar frames, run
//! strategies (moving averages, anomaly detection, …) in batch or record by record, and get
//! results, trading-style signals and alerts.
//!
//! This facade re-exports the member crates: [`core`] (records, frames, the strategy
//! contract), [`strategies`] (the built-ins and their kernels), [`ingest`] (file readers) and
//! [`eval`] (judging strategies against history). Beyond one strategy over one frame:
//!
//! - [`backtest`] (= [`eval::backtest`]): backtests over OHLC(V) bars reproducing
//!   backtesting.py, parameter sweeps and walk-forward optimisation; the signal sources for the
//!   built-in strategies are in [`backtest::signals`].
//! - [`stratos_core::engine`]: the streaming engine behind `stratos stream` — records routed by
//!   (tenant, stream) to online strategy states, tenant policies and limits, events into a sink.
//! - [`eval::nab`]: the NAB-compatible scorer of anomaly detectors against labelled windows
//!   (behind `stratos evaluate`); [`eval::rolling_origin`]: rolling-origin evaluation of
//!   forecasters (MAPE, RMSE, MAE, direction accuracy per horizon).
//! - [`strategies::trend`] (`trend_analysis`) and [`strategies::window`] (`window_aggregate`):
//!   growth over event-time windows, and windowed aggregations with alert rules, beside
//!   [`strategies::moving_average`], [`strategies::anomaly`], [`strategies::arima`] and
//!   [`strategies::hybrid`].
//! - [`ingest`] reads CSV/TSV, JSON, NDJSON, text logs, spreadsheets (feature `xlsx`) and tables
//!   in PDFs (feature `pdf`), with offline schema detection in [`ingest::schema_detect`].
//!
//! # Architecture
//!
//! ```text
//! stratos-core        records, frames, the strategy contract, registry, streaming engine,
//!                     numeric (rolling windows, sketches, QR least squares, normal CDF)
//!   ├─ stratos-strategies   built-in strategies and their kernels
//!   └─ stratos-ingest       files and streams → Frame, schema detection
//!        └─ stratos-eval    (uses both) backtests, rolling-origin forecasts, NAB scoring
//!             └─ stratos (this facade) and the stratos CLI (argument mapping, printing)
//! run       read_path → Frame → Registry::build_request → Strategy::execute → StrategyResult
//! stream    line → Record/RowRef → core::engine (tenant, stream_id) → OnlineStrategy → Event
//! backtest  read_path → Frame → Bars (Period) → signals::source_for → backtest::run → result
//! ```
//!
//! ```
//! use stratos::prelude::*;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A CSV of daily closes, read into a frame with a detected schema.
//! let csv = "date,close\n2024-01-01,100\n2024-01-02,101\n2024-01-03,102\n2024-01-04,107\n";
//! let frame = stratos::ingest::read_bytes(csv.as_bytes(), &ReadOptions::default())?;
//! assert_eq!(frame.schema().timestamp_field.as_deref(), Some("date"));
//!
//! // A strategy built from the seed's request shape.
//! let registry = stratos::registry();
//! let request: StrategyRequest = serde_json::from_str(
//!     r#"{"strategy_id": "moving_average", "config": {"period": 3, "signal_threshold": 0.02}}"#,
//! )?;
//! let result = registry.build_request(&request)?.execute(&frame)?;
//! let signal = result.signal.expect("a signal");
//! assert_eq!(signal.action, Action::Buy);
//! assert_eq!(signal.reason, "price 107 is 3.55% above its 3-period SMA 103.3333");
//! # Ok(()) }
//! ```
//!
//! Online, the same strategies consume one row at a time with bounded state:
//!
//! ```
//! use stratos::prelude::*;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let registry = stratos::registry();
//! let detector = registry.build("anomaly_detection", serde_json::json!({"window_size": 5, "threshold": 3}))?;
//! let schema = Schema { value_fields: vec!["value".into()], ..Schema::default() };
//! let mut online = detector.online(&schema)?.expect("anomaly_detection runs online");
//! let mut events = Vec::new();
//! for v in [10.0, 10.5, 9.8, 10.2, 10.1, 25.0] {
//!     online.update(RowRef { stream_id: "sensor_01", timestamp: None, values: &[v] }, &mut events);
//! }
//! assert_eq!(events.len(), 1);
//! assert!(events[0].is_alert());
//! # Ok(()) }
//! ```

pub use stratos_core as core;
pub use stratos_eval as eval;
pub use stratos_ingest as ingest;
pub use stratos_strategies as strategies;

pub use stratos_strategies::registry;

/// Backtesting over OHLC(V) bars, reproducing backtesting.py (a re-export of
/// [`eval::backtest`]); signal sources for the built-in strategies are in
/// [`backtest::signals`].
pub use stratos_eval::backtest;

#[doc(hidden)]
pub mod fuzzing;

/// The typed report of each built-in strategy: what its result's `data` holds, with the
/// seed's JSON names. Read one from any result with [`StrategyResult::report`], or get it
/// straight from a strategy's `run` (e.g. [`strategies::arima::ArimaStrategy::run`]).
///
/// [`StrategyResult::report`]: stratos_core::StrategyResult::report
pub mod reports {
    pub use stratos_core::result::{NanIfNull, Report, ReportError, Reported, nan_if_null};
    pub use stratos_strategies::anomaly::{
        Anomaly, AnomalyContext, AnomalyDetail, AnomalyReport, FieldAnomaly, FieldStatistic,
        RowAnomaly,
    };
    pub use stratos_strategies::arima::{
        ArimaReport, ConfidenceInterval, DSelectionReport, ModelParams, OrderSearchReport,
        SeasonalOrder, Stationarity,
    };
    pub use stratos_strategies::auto_analysis::{
        AnalysisEntry, AnalysisOutcome, AutoAnalysisReport,
    };
    pub use stratos_strategies::hybrid::{HybridArima, HybridMovingAverage, HybridReport};
    pub use stratos_strategies::moving_average::{
        AverageAt, Crossing, CrossoverReport, MovingAverageReport,
    };
    pub use stratos_strategies::trend::{TrendChange, TrendEpisode, TrendReport};
    pub use stratos_strategies::window::{WindowAlert, WindowRecord, WindowReport};
}

/// The types most programs need.
pub mod prelude {
    pub use stratos_core::{
        Action, Alert, AlertLevel, ConfigError, Event, Frame, OnlineStrategy, Plugin, Record,
        Registry, ResultType, RowRef, Schema, Signal, Strategy, StrategyError, StrategyRequest,
        StrategyResult, Timestamp,
    };
    pub use stratos_eval::backtest::{BacktestConfig, BacktestError, Bars, SignalSource, Signals};
    pub use stratos_ingest::{Format, IngestError, ReadOptions};

    pub use crate::reports::{
        AnomalyReport, ArimaReport, AutoAnalysisReport, HybridReport, MovingAverageReport, Report,
        ReportError, TrendReport, WindowReport,
    };
}

/// The README's Rust examples, compiled and run as doctests so they cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
