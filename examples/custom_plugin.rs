//! A user strategy plugged into the registry beside the built-ins: the seed's
//! `custom_ml_model` ("Custom ML Prediction", version 1.0.0), whose config must carry
//! `model_path` and `threshold`, and which answers a `PREDICTION` such as
//! `{"prediction": 0.85, "confidence": 0.92}`.
//!
//! Here the "model" is real but small: an ordinary least-squares line through the last
//! `window` points of the input field, extrapolated one step ahead; its confidence is the
//! fit's R². `cargo run --example custom_plugin` runs it on `examples/data/ohlcv_daily.csv`
//! and checks the answers.

use std::path::Path;

use serde_json::{Value as Json, json};
use stratos::core::strategy::input_series;
use stratos::prelude::*;

/// The plug-in's id, as in the seed.
const ID: &str = "custom_ml_model";

/// The config keys it accepts; anything else is rejected, as the built-ins do.
const KEYS: [&str; 4] = ["model_path", "threshold", "window", "data_field"];

/// The seed's custom strategy, with a least-squares trend as its model.
///
/// Config:
/// - `model_path` (required): where the model lives. Only recorded in the result here.
/// - `threshold` (required): the predicted relative change that makes a BUY or SELL, in
///   (0, 1].
/// - `window`: how many of the latest points the line is fitted to, 3..=100000. Defaults
///   to 60.
/// - `data_field`: the input field. Defaults to the input's main value field.
#[derive(Debug)]
struct CustomMlModel;

/// A validated config, borrowed from the JSON.
#[derive(Debug)]
struct Params<'a> {
    model_path: &'a str,
    threshold: f64,
    window: usize,
    data_field: Option<&'a str>,
}

impl<'a> Params<'a> {
    fn from_json(config: &'a Json) -> Result<Self, ConfigError> {
        let obj = config.as_object().ok_or_else(|| {
            ConfigError::invalid(
                ID,
                "config",
                config,
                "an object with `model_path` and `threshold`",
            )
        })?;
        if let Some((key, value)) = obj.iter().find(|(k, _)| !KEYS.contains(&k.as_str())) {
            return Err(ConfigError::invalid(
                ID,
                key,
                value,
                format!("no such key (known: {})", KEYS.join(", ")),
            ));
        }
        let model_path = match obj.get("model_path") {
            None => return Err(ConfigError::invalid(ID, "model_path", "missing", "a value")),
            Some(Json::String(s)) if !s.is_empty() => s.as_str(),
            Some(other) => {
                return Err(ConfigError::invalid(
                    ID,
                    "model_path",
                    other,
                    "a non-empty path",
                ));
            }
        };
        let threshold = match obj.get("threshold") {
            None => return Err(ConfigError::invalid(ID, "threshold", "missing", "a value")),
            Some(v) => match v.as_f64() {
                Some(t) if t > 0.0 && t <= 1.0 => t,
                _ => {
                    return Err(ConfigError::invalid(
                        ID,
                        "threshold",
                        v,
                        "a number in (0, 1]",
                    ));
                }
            },
        };
        let window = match obj.get("window") {
            None => 60,
            Some(v) => match v.as_u64().and_then(|w| usize::try_from(w).ok()) {
                Some(w) if (3..=100_000).contains(&w) => w,
                _ => {
                    return Err(ConfigError::invalid(
                        ID,
                        "window",
                        v,
                        "an integer in 3..=100000",
                    ));
                }
            },
        };
        let data_field = match obj.get("data_field") {
            None | Some(Json::Null) => None,
            Some(Json::String(s)) => Some(s.as_str()),
            Some(other) => {
                return Err(ConfigError::invalid(
                    ID,
                    "data_field",
                    other,
                    "a field name",
                ));
            }
        };
        Ok(Params {
            model_path,
            threshold,
            window,
            data_field,
        })
    }
}

/// A least-squares line `y = intercept + slope · x` with its R².
#[derive(Debug, Clone, Copy)]
struct LineFit {
    intercept: f64,
    slope: f64,
    r_squared: f64,
    residual_std: f64,
}

/// Fits a line through `(x, y)` pairs, centring both before summing (two passes) so that
/// large offsets such as prices near 10⁹ lose no precision. A perfect fit, a flat line
/// included, has R² = 1. `None` with fewer than 3 points.
fn fit_line(points: &[(f64, f64)]) -> Option<LineFit> {
    if points.len() < 3 {
        return None;
    }
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for &(x, y) in points {
        let (dx, dy) = (x - mx, y - my);
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    let slope = sxy / sxx;
    let ss_res = points
        .iter()
        .map(|&(x, y)| (y - my - slope * (x - mx)).powi(2))
        .sum::<f64>();
    let r_squared = if syy > 0.0 {
        (1.0 - ss_res / syy).clamp(0.0, 1.0)
    } else {
        1.0
    };
    Some(LineFit {
        intercept: my - slope * mx,
        slope,
        r_squared,
        residual_std: (ss_res / (n - 2.0)).sqrt(),
    })
}

impl Plugin for CustomMlModel {
    fn id(&self) -> &str {
        ID
    }

    fn name(&self) -> &str {
        "Custom ML Prediction"
    }

    fn version(&self) -> &str {
        "1.0.0"
    }

    fn description(&self) -> &str {
        "least-squares trend over the latest points, extrapolated one step; confidence = R²"
    }

    fn validate(&self, config: &Json) -> Result<(), ConfigError> {
        Params::from_json(config).map(|_| ())
    }

    fn execute(&self, frame: &Frame, config: &Json) -> Result<StrategyResult, StrategyError> {
        let p = Params::from_json(config)?;
        let series = input_series(ID, p.data_field, frame)?;
        // The latest `window` rows; missing (NaN) values are skipped, keeping their x.
        let start = series.len().saturating_sub(p.window);
        let points: Vec<(f64, f64)> = (start..series.len())
            .filter_map(|i| {
                let y = *series.values.get(i)?;
                y.is_finite().then_some((i as f64, y))
            })
            .collect();
        let not_enough = || StrategyError::NotEnoughData {
            strategy: ID.to_owned(),
            field: series.name.to_owned(),
            needed: 3,
            got: points.len(),
        };
        let fit = fit_line(&points).ok_or_else(not_enough)?;
        let &(last_x, current) = points.last().ok_or_else(not_enough)?;
        let next_x = series.len() as f64;
        let prediction = fit.intercept + fit.slope * next_x;
        let change = (prediction - current) / current.abs();
        let action = if change > p.threshold {
            Action::Buy
        } else if change < -p.threshold {
            Action::Sell
        } else {
            Action::Hold
        };
        let reason = format!(
            "{}-point linear trend predicts {:+.2}% ({current} → {prediction:.4}), R² {:.2}",
            points.len(),
            change * 100.0,
            fit.r_squared
        );
        // Strength: how far past the threshold the move is, discounted by the fit's R².
        let strength = match action {
            Action::Hold => 1.0 - change.abs() / p.threshold,
            _ => (change.abs() / (2.0 * p.threshold)).min(1.0),
        } * fit.r_squared;
        let data = json!({
            "prediction": prediction,
            "confidence": fit.r_squared,
            "currentValue": current,
            "predictedChange": change,
            "slope": fit.slope,
            "intercept": fit.intercept,
            "window": points.len(),
            "field": series.name,
            "timestamp": series.timestamp(last_x as usize),
            "model_path": p.model_path,
        });
        Ok(
            StrategyResult::new(ID, ResultType::Prediction, data, fit.r_squared)
                .with_metric("r_squared", fit.r_squared)
                .with_metric("slope", fit.slope)
                .with_metric("residual_std", fit.residual_std)
                .with_signal(Signal::new(action, strength, reason)),
        )
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The built-ins plus the plug-in, side by side.
    let builtins: Vec<String> = stratos::registry().ids().map(str::to_owned).collect();
    let mut registry = stratos::registry();
    registry.register_plugin(CustomMlModel)?;
    let ids: Vec<&str> = registry.ids().collect();
    println!("registered strategies: {}", ids.join(", "));
    assert_eq!(ids.len(), builtins.len() + 1);
    assert!(ids.contains(&ID));
    assert!(builtins.iter().all(|b| ids.contains(&b.as_str())));
    assert!(ids.contains(&"moving_average") && ids.contains(&"anomaly_detection"));
    let info = registry.info(ID).ok_or("the plug-in is registered")?;
    assert_eq!(
        (info.name.as_str(), info.version.as_str(), info.result_type),
        ("Custom ML Prediction", "1.0.0", ResultType::Prediction)
    );
    // A second registration under the same id is refused.
    assert!(matches!(
        registry.register_plugin(CustomMlModel),
        Err(ConfigError::DuplicateId { .. })
    ));

    // Built from a request in the seed's shape and run on the sample bars.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/ohlcv_daily.csv");
    let frame = stratos::ingest::read_path(&path, &ReadOptions::default())?;
    let request: StrategyRequest = serde_json::from_str(
        r#"{"strategy_id": "custom_ml_model",
            "config": {"model_path": "models/trend_v1.json", "threshold": 0.01, "window": 60}}"#,
    )?;
    let strategy = registry.build_request(&request)?;
    let result = strategy.execute(&frame)?;
    let prediction = result.data["prediction"].as_f64().ok_or("a prediction")?;
    let signal = result.signal.as_ref().ok_or("a signal")?;
    println!("{}", serde_json::to_string_pretty(&result)?);
    println!(
        "custom_ml_model: next close {prediction:.4} (confidence {:.3}); {} {:.2}: {}",
        result.confidence, signal.action, signal.strength, signal.reason
    );
    assert_eq!(result.strategy_id, ID);
    assert_eq!(result.kind, ResultType::Prediction);
    assert_eq!(result.data["field"], "close");
    assert_eq!(result.data["window"], 60);
    assert_eq!(result.data["model_path"], "models/trend_v1.json");
    assert!((0.0..=1.0).contains(&result.confidence));
    assert!((0.0..=1.0).contains(&signal.strength));

    // The same prediction from the textbook normal equations on the last 60 closes
    // (uncentred sums; fine at these magnitudes).
    let closes = frame.column("close").ok_or("a close column")?;
    let n0 = closes.len() - 60;
    let (mut sx, mut sy, mut sxx, mut sxy) = (0.0, 0.0, 0.0, 0.0);
    for (i, &y) in closes.iter().enumerate().skip(n0) {
        let x = i as f64;
        (sx, sy, sxx, sxy) = (sx + x, sy + y, sxx + x * x, sxy + x * y);
    }
    let slope = (60.0 * sxy - sx * sy) / (60.0 * sxx - sx * sx);
    let expected = (sy - slope * sx) / 60.0 + slope * closes.len() as f64;
    assert!(
        (prediction - expected).abs() < 1e-6 * expected.abs(),
        "{prediction} vs {expected}"
    );
    let r_squared = result
        .metrics
        .get("r_squared")
        .copied()
        .ok_or("r_squared")?;
    assert!((result.confidence - r_squared).abs() < 1e-12);

    // An exact line is predicted exactly, with full confidence.
    let line = Frame::from_values("value", (0..10).map(|t| 3.0 + 2.0 * f64::from(t)).collect());
    let exact = strategy.execute(&line)?;
    let p = exact.data["prediction"].as_f64().ok_or("a prediction")?;
    assert!((p - 23.0).abs() < 1e-9, "{p}");
    assert!(exact.confidence > 1.0 - 1e-12);
    assert_eq!(exact.signal.map(|s| s.action), Some(Action::Buy));

    // Invalid configs are `ConfigError`s that name the key.
    let missing = registry
        .build(ID, json!({"threshold": 0.5}))
        .err()
        .ok_or("a config without model_path is rejected")?;
    println!("rejected: {missing}");
    match &missing {
        ConfigError::Invalid {
            strategy, field, ..
        } => {
            assert_eq!((strategy.as_str(), field.as_str()), (ID, "model_path"));
        }
        other => return Err(format!("expected ConfigError::Invalid, got {other:?}").into()),
    }
    assert_eq!(
        missing.to_string(),
        "custom_ml_model: `model_path` = missing: expected a value"
    );
    for (config, key) in [
        (json!({"model_path": "m.onnx"}), "threshold"),
        (
            json!({"model_path": "m.onnx", "threshold": 0.0}),
            "threshold",
        ),
        (json!({"model_path": "", "threshold": 0.5}), "model_path"),
        (
            json!({"model_path": "m", "threshold": 0.5, "window": 2}),
            "window",
        ),
        (
            json!({"model_path": "m", "threshold": 0.5, "treshold": 1}),
            "treshold",
        ),
    ] {
        match registry.build(ID, config.clone()) {
            Err(ConfigError::Invalid { field, .. }) if field == key => {}
            other => {
                return Err(
                    format!("{config}: expected an error naming `{key}`, got {other:?}").into(),
                );
            }
        }
    }
    // A data field the input lacks fails at run time, naming it.
    let bad_field = registry.build(
        ID,
        json!({"model_path": "m", "threshold": 0.5, "data_field": "price"}),
    )?;
    match bad_field.execute(&frame) {
        Err(StrategyError::Config(ConfigError::MissingField { field, .. })) => {
            assert_eq!(field, "price");
        }
        other => return Err(format!("expected a missing-field error, got {other:?}").into()),
    }
    Ok(())
}
