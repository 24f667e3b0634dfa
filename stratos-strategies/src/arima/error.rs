//! The errors of ARIMA fitting, filtering and forecasting.

use stratos_core::StrategyError;
use thiserror::Error;

/// The strategy id ARIMA errors are reported under when converted into a [`StrategyError`].
const STRATEGY_ID: &str = "arima_prediction";

/// Why an ARIMA model could not be filtered, fitted or forecast.
///
/// Every variant says what was wrong and where; none is ever signalled by a panic or a NaN.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ArimaError {
    /// The series is too short for the order: at least `needed` observations are required.
    #[error("ARIMA{order}: needs at least {needed} observations, got {got}")]
    TooFewObservations {
        /// The order, as `(p, d, q)`.
        order: String,
        /// The minimum number of observations.
        needed: usize,
        /// The number given.
        got: usize,
    },
    /// An observation that is NaN or infinite.
    #[error("observation {index} is not finite ({value})")]
    NonFinite {
        /// 0-based index into the series.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// An order outside the supported range.
    #[error("invalid order ({p}, {d}, {q}): {reason}")]
    InvalidOrder {
        /// AR order.
        p: usize,
        /// Integration order.
        d: usize,
        /// MA order.
        q: usize,
        /// What is allowed.
        reason: String,
    },
    /// A parameter (model parameter or forecast argument) outside its domain.
    #[error("invalid `{field}` = {value}: expected {expected}")]
    InvalidParams {
        /// The parameter name (`ar`, `ma`, `sigma2`, `const`, `alpha`, …).
        field: String,
        /// The rejected value, formatted.
        value: String,
        /// What would be accepted.
        expected: String,
    },
    /// The (differenced) series has no variation, so the likelihood has no maximum
    /// (the innovation variance goes to zero).
    #[error("the series is constant after differencing {d} time(s): the likelihood is unbounded")]
    ConstantSeries {
        /// The integration order.
        d: usize,
    },
    /// A numerical failure at a point where no finite likelihood exists.
    #[error("numerical failure: {message}")]
    Numerical {
        /// What failed.
        message: String,
    },
    /// The optimizer failed before producing any usable point.
    #[error("optimizer failed: {message}")]
    Optimizer {
        /// What the optimizer reported.
        message: String,
        /// The optimizer's own error (argmin's error type, boxed).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

impl ArimaError {
    /// An [`ArimaError::InvalidParams`].
    pub(crate) fn invalid(
        field: &str,
        value: impl std::fmt::Display,
        expected: impl Into<String>,
    ) -> Self {
        ArimaError::InvalidParams {
            field: field.to_owned(),
            value: value.to_string(),
            expected: expected.into(),
        }
    }
}

impl From<ArimaError> for StrategyError {
    /// Too few observations become [`StrategyError::NotEnoughData`] (field `series`); every
    /// other error becomes [`StrategyError::Numeric`] with the error as its source.
    fn from(e: ArimaError) -> Self {
        match e {
            ArimaError::TooFewObservations { needed, got, .. } => StrategyError::NotEnoughData {
                strategy: STRATEGY_ID.to_owned(),
                field: "series".to_owned(),
                needed,
                got,
            },
            other => StrategyError::numeric(STRATEGY_ID, other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn errors_are_send_sync_and_convert() {
        assert_send_sync::<ArimaError>();
        let e = ArimaError::NonFinite {
            index: 7,
            value: f64::NAN,
        };
        assert_eq!(e.to_string(), "observation 7 is not finite (NaN)");
        let s: StrategyError = e.into();
        assert!(s.to_string().contains("observation 7"));
        let s: StrategyError = ArimaError::TooFewObservations {
            order: "(1, 0, 0)".into(),
            needed: 5,
            got: 2,
        }
        .into();
        assert!(matches!(
            s,
            StrategyError::NotEnoughData {
                needed: 5,
                got: 2,
                ..
            }
        ));
    }
}
