//! The signal source a strategy id and config stand for (the engine's
//! [`source_for`](stratos_strategies::backtest_signals::source_for)), checked to be a strategy
//! that trades, with the sweep's parameters filled in.

use serde_json::Value;
use stratos_core::backtest::optimise::Params;
use stratos_core::backtest::{BacktestError, SignalMode, SignalSource};
use stratos_core::{ConfigError, Registry, ResultType, StrategyRequest};
use stratos_strategies::backtest_signals::{config_with_params, source_for};

use crate::exit::CliError;

/// Builds signal sources for one strategy id from JSON configs.
#[derive(Debug)]
pub(crate) struct SourceFactory<'r> {
    registry: &'r Registry,
    strategy: String,
    refit_every: usize,
}

fn object(config: &Value) -> Result<serde_json::Map<String, Value>, CliError> {
    match config {
        Value::Null => Ok(serde_json::Map::new()),
        Value::Object(m) => Ok(m.clone()),
        _ => Err(CliError::Usage("--config: expected a JSON object".into())),
    }
}

impl<'r> SourceFactory<'r> {
    pub(crate) fn new(registry: &'r Registry, strategy: &str, refit_every: usize) -> Self {
        SourceFactory {
            registry,
            strategy: strategy.to_owned(),
            refit_every,
        }
    }

    /// True for the forecasting strategies (`arima_prediction`, `hybrid_arima_ma`), whose
    /// backtests also report a rolling-origin `average_accuracy`.
    pub(crate) fn forecasts(&self) -> bool {
        [
            stratos_strategies::arima::ID,
            stratos_strategies::hybrid::ID,
        ]
        .contains(&self.strategy.as_str())
    }

    /// The source for `config` and the signal mode that suits it.
    ///
    /// # Errors
    /// [`CliError::Config`] for an unknown strategy or a config it rejects;
    /// [`CliError::Usage`] for a config that is not an object, or a strategy whose results
    /// carry no BUY/SELL signals (anomaly detection, trends, aggregates).
    pub(crate) fn build(
        &self,
        config: &Value,
    ) -> Result<(Box<dyn SignalSource>, SignalMode), CliError> {
        object(config)?;
        let trades = self
            .registry
            .info(&self.strategy)
            .is_none_or(|i| matches!(i.result_type, ResultType::Signal | ResultType::Prediction));
        if !trades {
            return Err(CliError::Usage(format!(
                "`{}` gives no BUY/SELL signals to trade on; backtest a signal strategy \
                 (see `stratos strategies`)",
                self.strategy
            )));
        }
        let request = StrategyRequest {
            strategy_id: self.strategy.clone(),
            config: config.clone(),
        };
        let choice = source_for(self.registry, &request, Some(self.refit_every))?;
        Ok((choice.source, choice.mode))
    }

    /// The source for `base` with a sweep's parameters set; `None` for a combination the
    /// strategy rejects (e.g. `fast ≥ slow`), which the sweep skips.
    ///
    /// Whole-number values are written as JSON integers, so they fill integer keys.
    ///
    /// # Errors
    /// [`BacktestError::Optimise`] when `base` is not an object; a config that does not
    /// parse (an unknown key, a wrong type) is an error too, not a skip.
    pub(crate) fn build_with(
        &self,
        base: &Value,
        params: &Params,
    ) -> Result<Option<Box<dyn SignalSource>>, BacktestError> {
        let opt = |message: String| BacktestError::Optimise { message };
        let config = with_params(base, params).map_err(|e| opt(e.to_string()))?;
        match self.build(&config) {
            Ok((source, _)) => Ok(Some(source)),
            Err(CliError::Config(ConfigError::Invalid { .. })) => Ok(None),
            Err(e) => Err(opt(format!("{}: {e}", config))),
        }
    }
}

/// `base` with every parameter set, whole numbers as JSON integers (the engine's
/// [`config_with_params`]).
///
/// # Errors
/// [`CliError::Usage`] when `base` is neither an object nor `null`.
pub(crate) fn with_params(base: &Value, params: &Params) -> Result<Value, CliError> {
    object(base)?;
    Ok(config_with_params(base, params))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn modes_and_grid_values() {
        let r = stratos_strategies::registry();
        let f = SourceFactory::new(&r, "moving_average", 20);
        assert_eq!(
            f.build(&json!({"fast": 10, "slow": 20})).unwrap().1,
            SignalMode::Orders
        );
        assert_eq!(
            f.build(&json!({"period": 10})).unwrap().1,
            SignalMode::Position
        );
        assert!(!f.forecasts());
        let p: Params = [("fast".to_owned(), 10.0), ("x".to_owned(), 0.5)].into();
        assert_eq!(
            with_params(&json!({"slow": 20}), &p).unwrap(),
            json!({"fast": 10, "slow": 20, "x": 0.5})
        );
        let p: Params = [("fast".to_owned(), 30.0), ("slow".to_owned(), 20.0)].into();
        assert!(f.build_with(&Value::Null, &p).unwrap().is_none());
        let p: Params = [("fastt".to_owned(), 3.0)].into();
        assert!(f.build_with(&Value::Null, &p).is_err());
        let a = SourceFactory::new(&r, "anomaly_detection", 20);
        assert!(matches!(a.build(&Value::Null), Err(CliError::Usage(_))));
    }
}
