//! CLI errors and their exit codes.

use std::io;
use std::process::ExitCode;

use stratos_core::{ConfigError, FrameError, StrategyError};
use stratos_eval::backtest::BacktestError;
use stratos_ingest::IngestError;
use thiserror::Error;

/// Everything that can end a command early.
#[derive(Debug, Error)]
pub(crate) enum CliError {
    /// Wrong arguments (exit 2).
    #[error("{0}")]
    Usage(String),
    /// A strategy config that cannot be used (exit 2; 65 when the data lacks a field).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Unreadable or missing input (exit 65 or 66).
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// A strategy that could not run on the data (exit 65 or 1).
    #[error(transparent)]
    Strategy(#[from] StrategyError),
    /// A malformed stream line under `--on-error fail` (exit 65).
    #[error("line {line}: {message}")]
    BadLine {
        /// 1-based line number.
        line: u64,
        /// What was wrong.
        message: String,
    },
    /// A backtest that could not run: bad bars (exit 65), bad settings or grid (exit 2), a
    /// signal source that failed on the data (exit 65) or looked ahead (exit 1).
    #[error(transparent)]
    Backtest(#[from] BacktestError),
    /// A labelled corpus that cannot be read or scored (exit 66 when missing, else 65 or 1).
    #[error(transparent)]
    Evaluation(#[from] stratos_eval::nab::NabError),
    /// A failure while handling one stream of a multi-stream batch run (exit code of the
    /// failure).
    #[error("stream `{stream}`: {source}")]
    InStream {
        /// The stream id.
        stream: String,
        /// What failed.
        #[source]
        source: Box<CliError>,
    },
    /// Reading stdin or writing stdout failed (exit 1; a closed stdout exits 0 quietly).
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: &'static str,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
}

const USAGE: u8 = 2;
const DATA: u8 = 65;
const NO_INPUT: u8 = 66;
const OTHER: u8 = 1;

impl CliError {
    pub(crate) fn io(context: &'static str) -> impl FnOnce(io::Error) -> CliError {
        move |source| CliError::Io { context, source }
    }

    fn config_code(e: &ConfigError) -> u8 {
        match e {
            ConfigError::MissingField { .. } | ConfigError::TextField { .. } => DATA,
            _ => USAGE,
        }
    }

    fn strategy_code(e: &StrategyError) -> u8 {
        match e {
            StrategyError::Config(e) => Self::config_code(e),
            StrategyError::NotEnoughData { .. } => DATA,
            StrategyError::Plugin { source, .. } => {
                Self::chain_code(source.as_ref()).unwrap_or(OTHER)
            }
            _ => OTHER,
        }
    }

    fn backtest_code(e: &BacktestError) -> u8 {
        match e {
            BacktestError::Empty
            | BacktestError::Length { .. }
            | BacktestError::MissingColumn { .. }
            | BacktestError::InvalidPrice { .. }
            | BacktestError::Unordered { .. } => DATA,
            // What the signal source failed on decides: a numeric failure is 1, bad data 65.
            BacktestError::Signal { source, .. } => {
                Self::chain_code(source.as_ref()).unwrap_or(DATA)
            }
            BacktestError::Config { .. }
            | BacktestError::Optimise { .. }
            | BacktestError::InvalidBracket { .. }
            | BacktestError::PeriodBound { .. }
            | BacktestError::NoBarsInPeriod { .. } => USAGE,
            _ => OTHER,
        }
    }

    /// The exit code of the first error along `e`'s source chain (starting at `e`) that has
    /// one of its own: a strategy, config, backtest, frame or ingest error. `None` when the
    /// chain holds none (a bare message).
    fn chain_code(e: &(dyn std::error::Error + 'static)) -> Option<u8> {
        let mut next = Some(e);
        while let Some(e) = next {
            if let Some(e) = e.downcast_ref::<StrategyError>() {
                return Some(Self::strategy_code(e));
            }
            if let Some(e) = e.downcast_ref::<ConfigError>() {
                return Some(Self::config_code(e));
            }
            if let Some(e) = e.downcast_ref::<BacktestError>() {
                return Some(Self::backtest_code(e));
            }
            if let Some(e) = e.downcast_ref::<IngestError>() {
                return Some(if e.is_not_found() { NO_INPUT } else { DATA });
            }
            if e.is::<FrameError>() {
                return Some(DATA);
            }
            next = e.source();
        }
        None
    }

    /// The process exit code: 2 usage, 65 bad data, 66 missing input, 1 other.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => USAGE,
            CliError::Config(e) => Self::config_code(e),
            CliError::Ingest(e) if e.is_not_found() => NO_INPUT,
            // A directory where a file was expected is no input either.
            CliError::Ingest(IngestError::Io { source, .. })
                if source.kind() == io::ErrorKind::IsADirectory =>
            {
                NO_INPUT
            }
            CliError::Ingest(IngestError::InvalidOptions { .. }) => USAGE,
            CliError::Ingest(_) => DATA,
            CliError::Strategy(e) => Self::strategy_code(e),
            CliError::BadLine { .. } => DATA,
            CliError::Backtest(e) => Self::backtest_code(e),
            CliError::Io { .. } => OTHER,
            CliError::InStream { source, .. } => source.exit_code(),
            CliError::Evaluation(stratos_eval::nab::NabError::Io { source, .. }) => {
                if source.kind() == io::ErrorKind::NotFound {
                    NO_INPUT
                } else {
                    OTHER
                }
            }
            CliError::Evaluation(stratos_eval::nab::NabError::Ingest(e)) => {
                Self::chain_code(e).unwrap_or(DATA)
            }
            CliError::Evaluation(_) => DATA,
        }
    }

    /// True when the error is (or wraps) a closed pipe: the reader went away, which is not a
    /// failure of ours.
    pub(crate) fn is_broken_pipe(&self) -> bool {
        // `io::Error::source` skips the error it wraps, and `csv::Error` names no source, so
        // both are opened by hand on the way down.
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(e) = source {
            if let Some(io) = e.downcast_ref::<io::Error>() {
                if io.kind() == io::ErrorKind::BrokenPipe {
                    return true;
                }
                if let Some(inner) = io.get_ref() {
                    source = Some(inner);
                    continue;
                }
            }
            if let Some(csv::ErrorKind::Io(io)) =
                e.downcast_ref::<csv::Error>().map(csv::Error::kind)
            {
                source = Some(io);
                continue;
            }
            source = e.source();
        }
        false
    }

    /// Prints the one-line message (unless the pipe closed) and returns the exit code.
    pub(crate) fn report(&self) -> ExitCode {
        if self.is_broken_pipe() {
            return ExitCode::SUCCESS;
        }
        eprintln!("stratos: {self}");
        ExitCode::from(self.exit_code())
    }
}

/// Wraps a write error; `serde_json` and `csv` errors that carry an I/O error keep it as the
/// source so a closed pipe is still recognised.
pub(crate) fn write_err(e: impl Into<io::Error>) -> CliError {
    CliError::Io {
        context: "writing output",
        source: e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_pipe_is_found_through_wrappers() {
        let json_err = serde_json::Error::io(io::Error::new(io::ErrorKind::BrokenPipe, "closed"));
        assert!(write_err(json_err).is_broken_pipe());
        let csv_err: csv::Error = io::Error::new(io::ErrorKind::BrokenPipe, "closed").into();
        assert!(write_err(io::Error::other(csv_err)).is_broken_pipe());
        assert!(!CliError::Usage("x".into()).is_broken_pipe());
    }

    #[test]
    fn exit_codes_follow_the_source_chain() {
        let signal = |source: StrategyError| {
            CliError::Backtest(BacktestError::Signal {
                source_name: "arima_prediction".into(),
                bar: Some(120),
                source: Box::new(source),
            })
        };
        // A numeric failure inside a signal source exits 1, not 65.
        let numeric = signal(StrategyError::numeric(
            "arima_prediction",
            "`close` is constant",
        ));
        assert_eq!(numeric.exit_code(), OTHER);
        assert_eq!(
            numeric.to_string(),
            "signal source `arima_prediction` failed: bar 120: arima_prediction: `close` is constant"
        );
        // Too little data is bad data, and so is a frame that does not fit together.
        let short = signal(StrategyError::NotEnoughData {
            strategy: "arima_prediction".into(),
            field: "close".into(),
            needed: 10,
            got: 3,
        });
        assert_eq!(short.exit_code(), DATA);
        let frame = CliError::Backtest(BacktestError::signal(
            "bars",
            FrameError::Length {
                column: "close".into(),
                expected: 2,
                got: 1,
            },
        ));
        assert_eq!(frame.exit_code(), DATA);
        // A config the strategy rejects is a usage error; a bare message is bad data.
        let config = CliError::Backtest(BacktestError::signal(
            "moving_average",
            ConfigError::invalid("moving_average", "period", 0, "1..=1000000"),
        ));
        assert_eq!(config.exit_code(), USAGE);
        let message = CliError::Backtest(BacktestError::signal("x", "no per-row output"));
        assert_eq!(message.exit_code(), DATA);
        // The chain is walked through a plug-in's own error, too.
        let plugin = CliError::Strategy(StrategyError::Plugin {
            strategy: "mine".into(),
            source: Box::new(StrategyError::numeric("mine", "singular matrix")),
        });
        assert_eq!(plugin.exit_code(), OTHER);
        assert_eq!(
            CliError::Strategy(StrategyError::numeric("x", "y")).exit_code(),
            OTHER
        );
        // Bad data deep in a plug-in's chain, inside a signal source, is still bad data.
        let deep = CliError::Backtest(BacktestError::signal(
            "mine",
            StrategyError::Plugin {
                strategy: "mine".into(),
                source: Box::new(FrameError::Row { row: 7, len: 3 }),
            },
        ));
        assert_eq!(deep.exit_code(), DATA);
        // A report that cannot be read back keeps serde's error as its source, and is no
        // data problem: exit 1.
        let shape = serde_json::from_str::<u8>("x").unwrap_err();
        let report = StrategyError::numeric(
            "arima_prediction",
            stratos_core::ReportError::Shape {
                strategy: "arima_prediction",
                source: shape,
            },
        );
        let chain =
            std::iter::successors(Some(&report as &(dyn std::error::Error + 'static)), |e| {
                e.source()
            })
            .count();
        assert_eq!(chain, 3, "strategy error, report error, serde error");
        assert_eq!(CliError::Strategy(report).exit_code(), OTHER);
    }
}
