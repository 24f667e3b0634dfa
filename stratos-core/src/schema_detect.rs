//! Offline schema detection: what kind of data a frame holds, how sure that is, and which
//! built-in strategies suit it.
//!
//! Deterministic rules over column names, column roles and units; no model, no network.
//!
//! # Indicators
//! Each column name is normalised (lower case, split into tokens on `_`, `.`, `-` and
//! blanks). A column is an indicator of a type when one of its tokens is in that type's
//! keyword list (a column counts at most once per type, but may count for two types):
//!
//! - `financial_data`: open, high, low, close, adj, volume, ohlc, ohlcv, price, bid, ask,
//!   symbol, ticker, vwap, exchange, spread;
//! - `sensor_data`: temperature, temp, humidity, pressure, vibration, rpm, voltage, current,
//!   power, frequency, speed, acceleration, sensor, device, reading, co2, lux; a numeric
//!   column whose unit is a physical unit (`°C`, `°F`, `K`, `%`, `hPa`, `Pa`, `bar`, `Hz`,
//!   `V`, `A`, `W`, `rpm`, `m/s2`, …) is also an indicator;
//! - `ecommerce`: order, amount, price, quantity, qty, customer, user, product, sku,
//!   session, payment, cart, revenue, discount, item;
//! - `log`: level, severity, message, msg, logger, entity (the text reader's entity
//!   column) — only as category (text) columns.
//!
//! # Type and confidence
//! Let `s` be the score (number of indicator columns) of the best type and `r` that of the
//! runner-up. With `s = 0` the type is `custom` with confidence `0.3` (`0` for a frame with
//! no numeric column). Otherwise the type is the best one (ties broken in the order
//! financial, sensor, ecommerce, log) and
//!
//! ```text
//! confidence = (1 − 0.5^s) × s / (s + r), capped at 0.99
//! ```
//!
//! so one indicator alone gives 0.5, two 0.75, five (open, high, low, close, volume) 0.97;
//! indicators of a second type lower it (two financial and one sensor: 0.5).
//!
//! # Suggested strategies
//! None without a numeric column. Otherwise, by type:
//!
//! - `financial_data`: `moving_average`, then `arima_prediction` and `hybrid_arima_ma`;
//! - `sensor_data`: `anomaly_detection`, `moving_average`, then `arima_prediction`;
//! - `ecommerce` and `custom`: `moving_average`, `anomaly_detection`, then
//!   `arima_prediction`;
//! - `log`: `anomaly_detection`.
//!
//! The ARIMA-based ids (`arima_prediction`, `hybrid_arima_ma`) are only suggested for a time
//! series: a frame with a time column and at least [`ARIMA_MIN_ROWS`] rows.

use std::collections::BTreeMap;

use crate::Frame;
use serde::{Deserialize, Serialize};

/// The fewest rows for which ARIMA-based strategies are suggested.
pub const ARIMA_MIN_ROWS: usize = 100;

/// The kind of data a frame holds, in the seed's `detected_type` spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DetectedType {
    /// Prices and volumes: OHLC(V), price, bid/ask, symbol or ticker columns.
    FinancialData,
    /// Physical measurements: temperature, humidity, vibration, …, or physical units.
    SensorData,
    /// Orders, amounts and prices with customer, product, session or payment fields.
    Ecommerce,
    /// Records from text logs: level, message or entity columns.
    Log,
    /// None of the above.
    Custom,
}

impl DetectedType {
    /// The seed's name: `financial_data`, `sensor_data`, `ecommerce`, `log` or `custom`.
    pub fn as_str(self) -> &'static str {
        match self {
            DetectedType::FinancialData => "financial_data",
            DetectedType::SensorData => "sensor_data",
            DetectedType::Ecommerce => "ecommerce",
            DetectedType::Log => "log",
            DetectedType::Custom => "custom",
        }
    }
}

impl std::fmt::Display for DetectedType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The column roles of a detection, in the seed's `schema` shape.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DetectedSchema {
    /// The column holding each row's time, if any.
    pub timestamp_field: Option<String>,
    /// Numeric columns, in input order.
    pub value_fields: Vec<String>,
    /// Text columns, in input order.
    pub category_fields: Vec<String>,
}

/// The result of [`detect`]. Serialises as
/// `{"detected_type", "confidence", "schema": {…}, "units", "suggested_strategies", "reasons"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    /// The kind of data.
    pub detected_type: DetectedType,
    /// How sure the detection is, in `[0, 1]` (see the module docs for the formula).
    pub confidence: f64,
    /// The frame's column roles.
    pub schema: DetectedSchema,
    /// Units by field name, where the input stated them.
    pub units: BTreeMap<String, String>,
    /// Built-in strategy ids that suit the data, best first.
    pub suggested_strategies: Vec<String>,
    /// Why: one line per indicator found, plus notes on the suggestions.
    pub reasons: Vec<String>,
}

const FINANCIAL: &[&str] = &[
    "open", "high", "low", "close", "adj", "volume", "ohlc", "ohlcv", "price", "bid", "ask",
    "symbol", "ticker", "vwap", "exchange", "spread",
];
const SENSOR: &[&str] = &[
    "temperature",
    "temp",
    "humidity",
    "pressure",
    "vibration",
    "rpm",
    "voltage",
    "current",
    "power",
    "frequency",
    "speed",
    "acceleration",
    "sensor",
    "device",
    "reading",
    "co2",
    "lux",
];
const SENSOR_UNITS: &[&str] = &[
    "°c", "°f", "c", "f", "k", "%", "%rh", "hpa", "pa", "kpa", "bar", "hz", "khz", "v", "mv", "a",
    "ma", "w", "kw", "rpm", "m/s", "m/s2", "g", "db", "lux", "ppm",
];
const ECOMMERCE: &[&str] = &[
    "order", "orders", "amount", "price", "quantity", "qty", "customer", "user", "product", "sku",
    "session", "payment", "cart", "revenue", "discount", "item",
];
const LOG: &[&str] = &["level", "severity", "message", "msg", "logger", "entity"];

/// The types with indicators, in tie-breaking order.
const TYPES: [DetectedType; 4] = [
    DetectedType::FinancialData,
    DetectedType::SensorData,
    DetectedType::Ecommerce,
    DetectedType::Log,
];

fn tokens(name: &str) -> Vec<String> {
    name.to_lowercase()
        .split(['_', '.', '-', ' ', '\t'])
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

fn has_keyword(tokens: &[String], keywords: &[&str]) -> bool {
    tokens.iter().any(|t| keywords.contains(&t.as_str()))
}

/// Detects the kind of data in `frame` (see the module docs for the rules). Never panics.
///
/// # Examples
/// ```
/// use stratos_core::Frame;
/// use stratos_core::schema_detect::{DetectedType, detect};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let frame = Frame::builder()
///     .numeric("open", vec![1.0])
///     .numeric("high", vec![2.0])
///     .numeric("low", vec![0.5])
///     .numeric("close", vec![1.5])
///     .numeric("volume", vec![100.0])
///     .build()?;
/// let d = detect(&frame);
/// assert_eq!(d.detected_type, DetectedType::FinancialData);
/// assert!(d.confidence > 0.9);
/// assert_eq!(d.suggested_strategies, ["moving_average"]); // no time column: no ARIMA
/// # Ok(()) }
/// ```
pub fn detect(frame: &Frame) -> Detection {
    let schema = frame.schema();
    let units = &schema.units;
    let mut scores = [0usize; 4];
    let mut reasons = Vec::new();
    let mut note = |scores: &mut [usize; 4], i: usize, why: String| {
        if let Some(s) = scores.get_mut(i) {
            *s += 1;
        }
        reasons.push(why);
    };
    for field in &schema.value_fields {
        let t = tokens(field);
        for (i, (ty, words)) in TYPES.iter().zip([FINANCIAL, SENSOR, ECOMMERCE]).enumerate() {
            if has_keyword(&t, words) {
                note(&mut scores, i, format!("column `{field}` suggests {ty}"));
            } else if *ty == DetectedType::SensorData
                && let Some(unit) = units.get(field)
                && SENSOR_UNITS.contains(&unit.to_lowercase().as_str())
            {
                note(
                    &mut scores,
                    i,
                    format!("unit `{unit}` of `{field}` suggests {ty}"),
                );
            }
        }
    }
    for field in &schema.category_fields {
        let t = tokens(field);
        for (i, (ty, words)) in TYPES
            .iter()
            .zip([FINANCIAL, SENSOR, ECOMMERCE, LOG])
            .enumerate()
        {
            if has_keyword(&t, words) {
                note(&mut scores, i, format!("column `{field}` suggests {ty}"));
            }
        }
    }

    let has_numeric = !schema.value_fields.is_empty();
    let mut best = 0;
    for (i, s) in scores.iter().enumerate() {
        if *s > scores.get(best).copied().unwrap_or(0) {
            best = i;
        }
    }
    let s = scores.get(best).copied().unwrap_or(0);
    let r = scores
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != best)
        .map(|(_, v)| *v)
        .max()
        .unwrap_or(0);
    let (detected_type, confidence) = if s == 0 {
        reasons.push("no column names a known kind of data".to_owned());
        (DetectedType::Custom, if has_numeric { 0.3 } else { 0.0 })
    } else {
        let (s, r) = (s as f64, r as f64);
        let c = (1.0 - 0.5f64.powf(s)) * s / (s + r);
        (
            TYPES.get(best).copied().unwrap_or(DetectedType::Custom),
            c.clamp(0.0, 0.99),
        )
    };
    if r > 0 && s > 0 {
        reasons.push("indicators of more than one type lower the confidence".to_owned());
    }

    let time_series = schema.timestamp_field.is_some() && frame.len() >= ARIMA_MIN_ROWS;
    let mut suggested: Vec<&str> = Vec::new();
    if has_numeric {
        suggested.extend(match detected_type {
            DetectedType::FinancialData => &["moving_average"][..],
            DetectedType::SensorData => &["anomaly_detection", "moving_average"][..],
            DetectedType::Ecommerce | DetectedType::Custom => {
                &["moving_average", "anomaly_detection"][..]
            }
            DetectedType::Log => &["anomaly_detection"][..],
        });
        if detected_type != DetectedType::Log {
            if time_series {
                suggested.push("arima_prediction");
                if detected_type == DetectedType::FinancialData {
                    suggested.push("hybrid_arima_ma");
                }
            } else {
                reasons.push(format!(
                    "ARIMA needs a time column and at least {ARIMA_MIN_ROWS} rows"
                ));
            }
        }
    } else {
        reasons.push("no numeric column: no strategy applies".to_owned());
    }

    Detection {
        detected_type,
        confidence,
        schema: DetectedSchema {
            timestamp_field: schema.timestamp_field.clone(),
            value_fields: schema.value_fields.clone(),
            category_fields: schema.category_fields.clone(),
        },
        units: units.clone(),
        suggested_strategies: suggested.into_iter().map(str::to_owned).collect(),
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CategoryColumn, Timestamp};

    fn times(n: usize) -> Vec<Timestamp> {
        (0..n)
            .map(|i| Timestamp::from_epoch_seconds(i as i64 * 60).unwrap())
            .collect()
    }

    fn cat(name: &str, n: usize) -> CategoryColumn {
        let mut c = CategoryColumn::new(name);
        for _ in 0..n {
            c.push(Some("x"));
        }
        c
    }

    #[test]
    fn ohlcv_is_financial_with_high_confidence() {
        let n = 120;
        let mut b = Frame::builder().timestamps("date", times(n));
        for f in ["open", "high", "low", "close", "volume"] {
            b = b.numeric(f, vec![1.0; n]);
        }
        let d = detect(&b.category(cat("symbol", n)).build().unwrap());
        assert_eq!(d.detected_type, DetectedType::FinancialData);
        assert!(d.confidence >= 0.9, "{}", d.confidence);
        assert!(d.confidence <= 1.0);
        assert_eq!(
            d.suggested_strategies,
            ["moving_average", "arima_prediction", "hybrid_arima_ma"]
        );
        assert_eq!(d.schema.timestamp_field.as_deref(), Some("date"));
        assert_eq!(d.schema.category_fields, ["symbol"]);
    }

    #[test]
    fn sensor_names_and_units_are_sensor_data() {
        let n = 10;
        let f = Frame::builder()
            .timestamps("timestamp", times(n))
            .numeric("Temperature_C", vec![20.0; n])
            .numeric("hum", vec![50.0; n])
            .numeric("p", vec![1013.0; n])
            .unit("hum", "%")
            .unit("p", "hPa")
            .category(cat("device_id", n))
            .build()
            .unwrap();
        let d = detect(&f);
        assert_eq!(d.detected_type, DetectedType::SensorData);
        assert!(d.confidence >= 0.9, "{}", d.confidence);
        assert_eq!(
            d.suggested_strategies,
            ["anomaly_detection", "moving_average"]
        );
        assert_eq!(d.units.get("p").map(String::as_str), Some("hPa"));
    }

    #[test]
    fn one_value_column_is_custom_with_low_confidence() {
        let d = detect(&Frame::from_values("value", vec![1.0, 2.0]));
        assert_eq!(d.detected_type, DetectedType::Custom);
        assert!(d.confidence <= 0.5);
        assert_eq!(
            d.suggested_strategies,
            ["moving_average", "anomaly_detection"]
        );
        let d = detect(&Frame::default());
        assert_eq!(d.confidence, 0.0);
        assert!(d.suggested_strategies.is_empty());
    }

    #[test]
    fn mixed_signals_lower_the_confidence() {
        let n = 3;
        let pure = Frame::builder()
            .numeric("open", vec![1.0; n])
            .numeric("close", vec![1.0; n])
            .build()
            .unwrap();
        let mixed = Frame::builder()
            .numeric("open", vec![1.0; n])
            .numeric("close", vec![1.0; n])
            .numeric("temperature", vec![1.0; n])
            .build()
            .unwrap();
        let (p, m) = (detect(&pure), detect(&mixed));
        assert_eq!(m.detected_type, DetectedType::FinancialData);
        assert!(m.confidence < p.confidence);
        assert!(m.confidence <= 0.5, "{}", m.confidence);
    }

    #[test]
    fn orders_are_ecommerce_and_logs_are_log() {
        let n = 2;
        let f = Frame::builder()
            .numeric("order_amount", vec![1.0; n])
            .numeric("quantity", vec![1.0; n])
            .category(cat("customer_id", n))
            .category(cat("payment.method", n))
            .build()
            .unwrap();
        assert_eq!(detect(&f).detected_type, DetectedType::Ecommerce);
        let f = Frame::builder()
            .timestamps("timestamp", times(n))
            .category(cat("level", n))
            .category(cat("message", n))
            .build()
            .unwrap();
        let d = detect(&f);
        assert_eq!(d.detected_type, DetectedType::Log);
        assert!(d.suggested_strategies.is_empty());
    }

    #[test]
    fn serialises_in_the_seed_shape() {
        let v = serde_json::to_value(detect(&Frame::from_values("value", vec![1.0]))).unwrap();
        assert_eq!(v["detected_type"], "custom");
        assert_eq!(v["schema"]["value_fields"], serde_json::json!(["value"]));
        assert!(v["schema"]["timestamp_field"].is_null());
    }
}
