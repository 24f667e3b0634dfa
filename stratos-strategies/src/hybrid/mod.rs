//! `hybrid_arima_ma`: the ARIMA forecast signal and the moving-average signal combined by
//! weights into one signal, with a consensus grade.
//!
//! ```text
//! dir(BUY) = +1, dir(SELL) = −1, dir(HOLD) = 0
//! score     = (w_arima·dir_a·strength_a + w_ma·dir_m·strength_m) / (w_arima + w_ma)   ∈ [−1, 1]
//! action    = BUY if score > 0, SELL if score < 0, HOLD if score = 0;  strength = |score|
//! alignment = 1 (same action), 0.5 (one HOLD, one directional), 0 (BUY against SELL)
//! consensus = CONFLICT if alignment = 0;
//!             STRONG if alignment = 1, the action is directional and strength ≥ consensusThreshold;
//!             WEAK otherwise
//! ```

mod config;
mod report;

use stratos_core::{
    Action, BatchOnly, BuiltinStrategy, ConfigError, Frame, Reported, ResultType, Schema, Signal,
    Strategy, StrategyError, StrategyResult,
};

pub use config::{HybridConfig, ID, Weights};
pub use report::{HybridArima, HybridMovingAverage, HybridReport};

use crate::arima::ArimaStrategy;
use crate::moving_average::MovingAverageStrategy;

/// The `hybrid_arima_ma` strategy.
#[derive(Debug, Clone)]
pub struct HybridStrategy {
    config: HybridConfig,
    arima: ArimaStrategy,
    ma: MovingAverageStrategy,
}

fn dir(a: Action) -> f64 {
    match a {
        Action::Buy => 1.0,
        Action::Sell => -1.0,
        Action::Hold => 0.0,
    }
}

/// The combination rule of the module docs: (combined signal, alignment, consensus).
pub fn combine(
    arima: &Signal,
    ma: &Signal,
    weights: Weights,
    consensus_threshold: f64,
) -> (Signal, f64, &'static str) {
    let total = weights.arima + weights.ma;
    let score = (weights.arima * dir(arima.action) * arima.strength
        + weights.ma * dir(ma.action) * ma.strength)
        / total;
    let action = if score > 0.0 {
        Action::Buy
    } else if score < 0.0 {
        Action::Sell
    } else {
        Action::Hold
    };
    #[derive(PartialEq)]
    enum Align {
        Same,
        Partial,
        Opposite,
    }
    let align = if arima.action == ma.action {
        Align::Same
    } else if arima.action == Action::Hold || ma.action == Action::Hold {
        Align::Partial
    } else {
        Align::Opposite
    };
    let strength = score.abs();
    let consensus = match align {
        Align::Opposite => "CONFLICT",
        Align::Same if action != Action::Hold && strength >= consensus_threshold => "STRONG",
        _ => "WEAK",
    };
    let trend = |a: Action| match a {
        Action::Buy => "upward",
        Action::Sell => "downward",
        Action::Hold => "flat",
    };
    let reason = match (&align, action) {
        (Align::Same, Action::Hold) => "Both models see no clear move".to_owned(),
        (Align::Same, a) => format!("Both models confirm {} trend", trend(a)),
        (Align::Opposite, a) => format!(
            "Models disagree (ARIMA {}, moving average {}); the weighted score favours {}",
            arima.action, ma.action, a
        ),
        (Align::Partial, a) => format!(
            "ARIMA {} and moving average {}: {} on balance",
            arima.action, ma.action, a
        ),
    };
    let alignment = match align {
        Align::Same => 1.0,
        Align::Partial => 0.5,
        Align::Opposite => 0.0,
    };
    (Signal::new(action, strength, reason), alignment, consensus)
}

impl HybridStrategy {
    /// Runs both models over a whole frame and combines their signals: the typed report with
    /// the result built from it (what [`Strategy::execute`] returns).
    ///
    /// # Errors
    /// As [`Strategy::execute`]: either model's [`StrategyError`].
    pub fn run(&self, frame: &Frame) -> Result<Reported<HybridReport>, StrategyError> {
        let Reported {
            report: ar,
            result: a,
        } = self.arima.run(frame)?;
        let mr = self.ma.run(frame)?.report;
        let sa = ar.signal;
        let sm = mr.signal;
        let c = &self.config;
        let (combined, alignment, consensus) = combine(&sa, &sm, c.weights, c.consensus_threshold);
        let arima_accuracy =
            (1.0 - a.metrics.get("mape").copied().unwrap_or(100.0) / 100.0).clamp(0.0, 1.0);
        let signed = dir(combined.action) * combined.strength;
        let report = HybridReport {
            arima: HybridArima {
                predictions: ar.predictions,
                confidence_interval: ar.confidence_interval,
                model_params: ar.model_params,
                signal: sa,
            },
            moving_average: HybridMovingAverage {
                moving_average: mr.moving_average,
                current_price: mr.current_price,
                signal: sm.action,
                strength: sm.strength,
                reason: sm.reason,
            },
            combined_signal: combined.clone(),
            consensus: consensus.to_owned(),
            weights: c.weights,
        };
        let confidence = combined.strength * (0.5 + 0.5 * alignment) * (0.5 + 0.5 * a.confidence);
        let result = StrategyResult::from_report(ResultType::Signal, &report, confidence)
            .map_err(|e| StrategyError::numeric(ID, e))?
            .with_metric("arimaAccuracy", arima_accuracy)
            .with_metric("signalAlignment", alignment)
            .with_metric("combinedScore", signed)
            .with_signal(combined)
            .with_outputs(a.outputs);
        Ok(Reported { report, result })
    }
}

impl BuiltinStrategy for HybridStrategy {
    type Config = HybridConfig;
    type Online = BatchOnly;
    const NAME: &'static str = "Hybrid ARIMA + moving average";
    const DESCRIPTION: &'static str =
        "ARIMA and moving-average signals combined by weights, with a consensus grade";
    const RESULT_TYPE: ResultType = ResultType::Signal;

    fn from_config(mut config: HybridConfig) -> Result<Self, ConfigError> {
        use stratos_core::StrategyConfig;
        config.validate()?;
        if let Some(f) = &config.data_field {
            config
                .arima_config
                .data_field
                .get_or_insert_with(|| f.clone());
            config.ma_config.data_field.get_or_insert_with(|| f.clone());
        }
        Ok(HybridStrategy {
            arima: ArimaStrategy::from_config(config.arima_config.clone())?,
            ma: MovingAverageStrategy::from_config(config.ma_config.clone())?,
            config,
        })
    }

    fn settings(&self) -> &HybridConfig {
        &self.config
    }

    fn fields(&self, schema: &Schema) -> Result<Vec<String>, ConfigError> {
        let mut fields = self.arima.input_fields(schema)?;
        for f in self.ma.input_fields(schema)? {
            if !fields.contains(&f) {
                fields.push(f);
            }
        }
        Ok(fields)
    }

    fn batch(&self, frame: &Frame) -> Result<StrategyResult, StrategyError> {
        self.run(frame).map(|r| r.result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stratos_core::StrategyConfig;

    fn s(a: Action, strength: f64) -> Signal {
        Signal::new(a, strength, "")
    }

    #[test]
    fn combination_rule() {
        let w = Weights::default();
        let (c, align, cons) = combine(&s(Action::Buy, 0.9), &s(Action::Buy, 0.8), w, 0.8);
        assert_eq!((c.action, align, cons), (Action::Buy, 1.0, "STRONG"));
        assert!((c.strength - (0.7 * 0.9 + 0.3 * 0.8)).abs() < 1e-15);
        assert_eq!(c.reason, "Both models confirm upward trend");
        let (c, align, cons) = combine(&s(Action::Buy, 0.9), &s(Action::Sell, 1.0), w, 0.8);
        assert_eq!((c.action, align, cons), (Action::Buy, 0.0, "CONFLICT"));
        assert!((c.strength - 0.33).abs() < 1e-12);
        let (c, align, cons) = combine(&s(Action::Hold, 0.9), &s(Action::Sell, 1.0), w, 0.8);
        assert_eq!((c.action, align, cons), (Action::Sell, 0.5, "WEAK"));
        let (c, _, cons) = combine(&s(Action::Hold, 0.9), &s(Action::Hold, 1.0), w, 0.8);
        assert_eq!((c.action, cons), (Action::Hold, "WEAK"));
    }

    #[test]
    fn seed_config_parses() {
        let c = HybridConfig::from_json(serde_json::json!({
            "arimaConfig": {"p": 2, "d": 1, "q": 2, "steps": 3},
            "maConfig": {"period": 20}
        }))
        .unwrap();
        assert_eq!(
            c.weights,
            Weights {
                arima: 0.7,
                ma: 0.3
            }
        );
        assert_eq!(c.consensus_threshold, 0.8);
        let e = HybridConfig::from_json(serde_json::json!({"weights": {"arima": 0, "ma": 0}}))
            .unwrap_err();
        assert!(
            e.to_string().contains("at least one positive weight"),
            "{e}"
        );
        let e = HybridConfig::from_json(serde_json::json!({"arimaConfig": {"p": 11}})).unwrap_err();
        assert!(e.to_string().contains("arima_prediction: `p` = 11"), "{e}");
    }
}
