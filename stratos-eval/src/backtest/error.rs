//! The backtest's typed error.

use thiserror::Error;

use stratos_core::signal::Action;

/// A backtest that could not run. Every variant says what was wrong and where (bar, column).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum BacktestError {
    /// No bars at all.
    #[error("backtest: no bars to trade on")]
    Empty,
    /// A column (or the signal list) whose length differs from the bars'.
    #[error("backtest: `{column}` has {got} values, expected {expected} (one per bar)")]
    Length {
        /// The column: `open`, `high`, `low`, `close`, `volume`, `timestamps` or `signals`.
        column: String,
        /// The number of bars.
        expected: usize,
        /// What the column has.
        got: usize,
    },
    /// An input frame lacking a needed column.
    #[error("backtest: the input has no `{column}` column (numeric columns: {available})")]
    MissingColumn {
        /// The missing column (`open`, `high`, `low`, `close`, or `timestamp`).
        column: String,
        /// The numeric columns the input does have, comma-separated.
        available: String,
    },
    /// A price that is NaN, infinite, zero or negative.
    #[error("backtest: bar {bar}: `{column}` = {value}: expected a finite price > 0")]
    InvalidPrice {
        /// 0-based bar index.
        bar: usize,
        /// The price column.
        column: String,
        /// The offending value.
        value: f64,
    },
    /// Timestamps that go backwards.
    #[error("backtest: bar {bar}: timestamp {time} is earlier than the previous bar's {previous}")]
    Unordered {
        /// 0-based bar index of the later, earlier-dated bar.
        bar: usize,
        /// Its timestamp (RFC 3339).
        time: String,
        /// The previous bar's timestamp (RFC 3339).
        previous: String,
    },
    /// A configuration value outside its allowed range.
    #[error("backtest config: `{field}` = {value}: expected {expected}")]
    Config {
        /// The config field.
        field: String,
        /// The rejected value.
        value: String,
        /// The allowed range.
        expected: String,
    },
    /// A stop-loss / take-profit on the wrong side of the order's price (backtesting.py raises
    /// `ValueError` here: "Long orders require: SL < LIMIT < TP").
    #[error(
        "backtest: bar {bar}: a {side} order at {price} needs {rule}, got stop-loss {sl:?} and take-profit {tp:?}"
    )]
    InvalidBracket {
        /// The bar whose signal placed the order.
        bar: usize,
        /// `long` or `short`.
        side: String,
        /// The order's reference price (the bar's close adjusted for the spread).
        price: f64,
        /// The rule, e.g. `stop-loss < price < take-profit`.
        rule: String,
        /// The stop-loss price.
        sl: Option<f64>,
        /// The take-profit price.
        tp: Option<f64>,
    },
    /// The look-ahead guard found a signal that changed when later bars were hidden: the
    /// signal source peeks into the future.
    #[error(
        "look-ahead: the signal at bar {bar} is {full:?} with all {bars} bars but {truncated:?} with bars 0..={cut} only"
    )]
    LookAhead {
        /// The bar whose signal changed.
        bar: usize,
        /// The last bar of the truncated history that exposed it.
        cut: usize,
        /// How many bars the full run had.
        bars: usize,
        /// The signal computed on the full history.
        full: Option<Action>,
        /// The signal computed on bars 0..=cut.
        truncated: Option<Action>,
    },
    /// The signal source failed (e.g. a strategy error); the failure is kept as the source,
    /// so a caller can tell a numeric failure ([`stratos_core::StrategyError::Numeric`]) from
    /// bad data by walking [`std::error::Error::source`].
    #[error("signal source `{source_name}` failed: {}{source}", at_bar(*.bar))]
    Signal {
        /// The source's name.
        source_name: String,
        /// The bar whose signal failed, when one did.
        bar: Option<usize>,
        /// What failed: a [`stratos_core::StrategyError`], [`stratos_core::ConfigError`],
        /// [`stratos_core::FrameError`] or a message.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// A period bound (`--start` / `--end`) that is no timestamp.
    #[error("backtest: the period's {bound}: {source}")]
    PeriodBound {
        /// `start` or `end`.
        bound: &'static str,
        /// Why the text is no timestamp.
        #[source]
        source: stratos_core::RecordError,
    },
    /// A period in which no bar lies.
    #[error("backtest: no bars between {start} and {end}")]
    NoBarsInPeriod {
        /// The period's start (RFC 3339), or `the start`.
        start: String,
        /// The period's end (RFC 3339), or `the end`.
        end: String,
    },
    /// A parameter grid or walk-forward setup that cannot run.
    #[error("optimisation: {message}")]
    Optimise {
        /// What is wrong.
        message: String,
    },
}

/// `bar N: ` for a failure at a bar, nothing otherwise.
fn at_bar(bar: Option<usize>) -> String {
    bar.map(|b| format!("bar {b}: ")).unwrap_or_default()
}

impl BacktestError {
    /// A [`BacktestError::Signal`] of the source `source_name`, keeping `source`.
    pub fn signal(
        source_name: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        BacktestError::Signal {
            source_name: source_name.into(),
            bar: None,
            source: source.into(),
        }
    }

    pub(crate) fn config(
        field: &str,
        value: impl std::fmt::Display,
        expected: impl Into<String>,
    ) -> Self {
        BacktestError::Config {
            field: field.to_owned(),
            value: value.to_string(),
            expected: expected.into(),
        }
    }
}
