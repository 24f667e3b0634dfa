//! The signal source a strategy id and config stand for, and the settings that suit it.

use serde_json::Value;
use stratos_core::backtest::optimise::Params;
use stratos_core::backtest::{BacktestError, SignalMode, SignalSource};
use stratos_core::{ConfigError, Registry, ResultType, StrategyError};
use stratos_strategies::backtest_signals::{MovingAverageSignals, StrategySignals};
use stratos_strategies::moving_average::MovingAverageConfig;

use crate::exit::CliError;

/// How one strategy is turned into signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `moving_average` with `fast` and `slow`: crossover events (orders).
    Crossover,
    /// `moving_average` without: price versus average, a state (target position).
    PriceVsAverage,
    /// `arima_prediction`, `hybrid_arima_ma`: refitted every `refit_every` bars; a state.
    Forecast,
    /// Any other strategy with a per-row action output (plug-ins included).
    PerRow,
}

impl Kind {
    /// The signal mode that suits the signals: crossovers are events (each one an order);
    /// the others say where the position should be.
    pub(crate) fn signal_mode(self) -> SignalMode {
        match self {
            Kind::Crossover | Kind::PerRow => SignalMode::Orders,
            Kind::PriceVsAverage | Kind::Forecast => SignalMode::Position,
        }
    }
}

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

    /// The kind of signals `config` gives.
    pub(crate) fn kind(&self, config: &Value) -> Kind {
        match self.strategy.as_str() {
            stratos_strategies::moving_average::ID => {
                let has = |k: &str| config.get(k).is_some_and(|v| !v.is_null());
                if has("fast") || has("slow") {
                    Kind::Crossover
                } else {
                    Kind::PriceVsAverage
                }
            }
            stratos_strategies::arima::ID | stratos_strategies::hybrid::ID => Kind::Forecast,
            _ => Kind::PerRow,
        }
    }

    /// The source for `config`.
    ///
    /// # Errors
    /// [`CliError::Config`] for a config the strategy rejects; [`CliError::Usage`] for a
    /// config that is not an object.
    pub(crate) fn build(&self, config: &Value) -> Result<Box<dyn SignalSource>, CliError> {
        object(config)?;
        let config = if config.is_null() {
            Value::Object(serde_json::Map::new())
        } else {
            config.clone()
        };
        match self.kind(&config) {
            Kind::Crossover | Kind::PriceVsAverage => {
                let c: MovingAverageConfig =
                    serde_json::from_value(config).map_err(|e| ConfigError::Parse {
                        strategy: self.strategy.clone(),
                        message: e.to_string(),
                    })?;
                Ok(Box::new(MovingAverageSignals::from_config(c)?))
            }
            Kind::Forecast => Ok(Box::new(StrategySignals::walk_forward(
                self.registry.build(&self.strategy, config)?,
                self.refit_every,
            ))),
            Kind::PerRow => {
                let strategy = self.registry.build(&self.strategy, config)?;
                let trades = self.registry.info(&self.strategy).is_none_or(|i| {
                    matches!(i.result_type, ResultType::Signal | ResultType::Prediction)
                });
                if !trades {
                    return Err(CliError::Usage(format!(
                        "`{}` gives no BUY/SELL signals to trade on; backtest a signal strategy \
                         (see `stratos strategies`)",
                        self.strategy
                    )));
                }
                Ok(Box::new(StrategySignals::per_row(strategy)))
            }
        }
    }

    /// The source for `base` with a sweep's parameters set; `None` for a combination the
    /// strategy rejects (e.g. `fast ≥ slow`), which the sweep skips.
    ///
    /// Whole-number values are written as JSON integers, so they fill integer keys.
    ///
    /// # Errors
    /// [`BacktestError::Optimise`] when `base` is not an object or a value is not finite; a
    /// config that does not parse (an unknown key) is an error too, not a skip.
    pub(crate) fn build_with(
        &self,
        base: &Value,
        params: &Params,
    ) -> Result<Option<Box<dyn SignalSource>>, BacktestError> {
        let opt = |message: String| BacktestError::Optimise { message };
        let config = with_params(base, params).map_err(|e| opt(e.to_string()))?;
        match self.build(&config) {
            Ok(source) => Ok(Some(source)),
            Err(
                CliError::Config(ConfigError::Invalid { .. })
                | CliError::Strategy(StrategyError::Config(ConfigError::Invalid { .. })),
            ) => Ok(None),
            Err(e) => Err(opt(format!("{params:?}: {e}"))),
        }
    }
}

/// `base` with every parameter set (whole numbers as integers).
pub(crate) fn with_params(base: &Value, params: &Params) -> Result<Value, CliError> {
    let mut map = object(base)?;
    for (k, v) in params {
        let value = if v.fract() == 0.0 && v.abs() < 9.0e15 {
            Value::from(*v as i64)
        } else {
            serde_json::Number::from_f64(*v)
                .map(Value::Number)
                .ok_or_else(|| CliError::Usage(format!("--grid: `{k}` = {v} is not finite")))?
        };
        map.insert(k.clone(), value);
    }
    Ok(Value::Object(map))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn kinds_and_grid_values() {
        let r = stratos_strategies::registry();
        let f = SourceFactory::new(&r, "moving_average", 20);
        assert_eq!(f.kind(&json!({"fast": 10, "slow": 20})), Kind::Crossover);
        assert_eq!(f.kind(&json!({"period": 10})), Kind::PriceVsAverage);
        let p: Params = [("fast".to_owned(), 10.0), ("x".to_owned(), 0.5)].into();
        assert_eq!(
            with_params(&json!({"slow": 20}), &p).unwrap(),
            json!({"fast": 10, "slow": 20, "x": 0.5})
        );
        let p: Params = [("fast".to_owned(), 30.0), ("slow".to_owned(), 20.0)].into();
        assert!(f.build_with(&Value::Null, &p).unwrap().is_none());
        let p: Params = [("fastt".to_owned(), 3.0)].into();
        assert!(f.build_with(&Value::Null, &p).is_err());
    }
}
