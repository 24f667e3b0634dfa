//! The errors of a rolling-origin evaluation.

use stratos_core::{ConfigError, StrategyError};
use thiserror::Error;

/// Why a rolling-origin evaluation could not be run.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RollingOriginError {
    /// The evaluation's own config is invalid (names the key, the value and the range).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The series leaves no origin whose whole horizon lies in the data.
    #[error(
        "rolling origin: a series of {got} values leaves no origin: needs at least {needed} \
         (first origin {initial} + horizon {horizon})"
    )]
    TooShort {
        /// Values needed.
        needed: usize,
        /// Values given.
        got: usize,
        /// The first origin (training values before the first forecast).
        initial: usize,
        /// The forecast horizon.
        horizon: usize,
    },
    /// A value that is NaN or infinite.
    #[error("rolling origin: value {index} is not finite ({value})")]
    NonFinite {
        /// 0-based index into the series.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// The forecaster failed at one origin.
    #[error("rolling origin: forecast at origin {origin} failed: {source}")]
    Forecast {
        /// The origin (number of values before the first forecast step).
        origin: usize,
        /// The forecaster's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// The forecaster returned the wrong number of values, or non-finite ones.
    #[error("rolling origin: forecast at origin {origin}: {message}")]
    BadForecast {
        /// The origin.
        origin: usize,
        /// What was wrong.
        message: String,
    },
}

impl From<RollingOriginError> for StrategyError {
    /// Config errors stay config errors; too short a series becomes
    /// [`StrategyError::NotEnoughData`]; the rest become [`StrategyError::Numeric`] with the error as its source.
    fn from(e: RollingOriginError) -> Self {
        match e {
            RollingOriginError::Config(c) => StrategyError::Config(c),
            RollingOriginError::TooShort { needed, got, .. } => StrategyError::NotEnoughData {
                strategy: super::ID.to_owned(),
                field: "series".to_owned(),
                needed,
                got,
            },
            other => StrategyError::numeric(super::ID, other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn errors_are_send_sync_and_convert() {
        assert_send_sync::<RollingOriginError>();
        let e = RollingOriginError::TooShort {
            needed: 8,
            got: 5,
            initial: 3,
            horizon: 5,
        };
        assert!(e.to_string().contains("needs at least 8"));
        assert!(matches!(
            StrategyError::from(e),
            StrategyError::NotEnoughData {
                needed: 8,
                got: 5,
                ..
            }
        ));
    }
}
