//! `window_aggregate` configuration: windows, aggregations, rules, lateness.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use stratos_core::config::{check_finite_range, check_range};
use stratos_core::{AlertLevel, ConfigError, ConfigKey, StrategyConfig};

use super::ID;

/// A duration in whole seconds: a JSON number of seconds, or text `"90s"`, `"5m"`, `"1h"`,
/// `"1d"`. Written as a number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Seconds(pub u64);

impl Seconds {
    /// Parses `"5m"`, `"90s"`, `"1h"`, `"2d"` or `"300"`.
    pub fn parse(text: &str) -> Option<Seconds> {
        let t = text.trim();
        let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
            Some(i) => t.split_at(i),
            None => (t, ""),
        };
        let n: u64 = digits.parse().ok()?;
        let mult = match unit.trim() {
            "" | "s" | "sec" | "secs" | "seconds" => 1,
            "m" | "min" | "mins" | "minutes" => 60,
            "h" | "hour" | "hours" => 3600,
            "d" | "day" | "days" => 86_400,
            _ => return None,
        };
        n.checked_mul(mult).map(Seconds)
    }

    /// Microseconds (saturating).
    pub fn micros(self) -> i64 {
        i64::try_from(self.0.saturating_mul(1_000_000)).unwrap_or(i64::MAX)
    }
}

impl Serialize for Seconds {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Seconds;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("whole seconds (0 or more), or a duration such as \"90s\", \"5m\", \"1h\", \"1d\"")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Seconds, E> {
                Ok(Seconds(n))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Seconds, E> {
                u64::try_from(n)
                    .map(Seconds)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(n), &self))
            }
            fn visit_str<E: serde::de::Error>(self, t: &str) -> Result<Seconds, E> {
                Seconds::parse(t).ok_or_else(|| {
                    E::custom(format!(
                        "duration `{t}`: expected seconds, or a number with s, m, h or d"
                    ))
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// One aggregation function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggregateKind {
    /// Records in the window.
    Count,
    /// Sum of the field's finite values.
    Sum,
    /// Mean of the field's finite values.
    Mean,
    /// Smallest value.
    Min,
    /// Largest value.
    Max,
    /// Median, from the quantile sketch.
    P50,
    /// 95th percentile, from the quantile sketch.
    P95,
    /// With a field: the share of records whose field is non-zero (an error flag gives the
    /// error rate). Without: records per second of window.
    Rate,
}

impl AggregateKind {
    fn name(self) -> &'static str {
        match self {
            AggregateKind::Count => "count",
            AggregateKind::Sum => "sum",
            AggregateKind::Mean => "mean",
            AggregateKind::Min => "min",
            AggregateKind::Max => "max",
            AggregateKind::P50 => "p50",
            AggregateKind::P95 => "p95",
            AggregateKind::Rate => "rate",
        }
    }
}

/// An aggregation: a function and, except for `count` and a bare `rate`, a field
/// (`None`: the strategy's `data_field`, else the input's main value field).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Aggregation {
    /// The function.
    pub kind: AggregateKind,
    /// Its field.
    pub field: Option<String>,
}

impl fmt::Display for Aggregation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}({field})", self.kind.name()),
            None => f.write_str(self.kind.name()),
        }
    }
}

impl Aggregation {
    /// Parses `count`, `rate`, `mean`, `mean(value)`, `avg(value)`, `p95(latency)`,
    /// `median(x)`, `rate(error)` or the seed's `error_rate` (= `rate(error)`).
    pub fn parse(text: &str) -> Option<Aggregation> {
        let t = text.trim();
        let (name, field) = match t.find('(') {
            Some(i) => {
                let inner = t[i + 1..].strip_suffix(')')?.trim();
                if inner.is_empty() || !valid_field(inner) {
                    return None;
                }
                (t[..i].trim(), Some(inner.to_owned()))
            }
            None => (t, None),
        };
        let kind = match name.to_ascii_lowercase().as_str() {
            "count" if field.is_none() => AggregateKind::Count,
            "sum" => AggregateKind::Sum,
            "mean" | "avg" | "average" => AggregateKind::Mean,
            "min" => AggregateKind::Min,
            "max" => AggregateKind::Max,
            "p50" | "median" => AggregateKind::P50,
            "p95" => AggregateKind::P95,
            "rate" => AggregateKind::Rate,
            other if field.is_none() => {
                let base = other.strip_suffix("_rate")?;
                if base.is_empty() || !valid_field(base) {
                    return None;
                }
                return Some(Aggregation {
                    kind: AggregateKind::Rate,
                    field: Some(t[..base.len()].to_owned()),
                });
            }
            _ => return None,
        };
        Some(Aggregation { kind, field })
    }
}

fn valid_field(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// A comparison in a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl Comparison {
    /// Applies the comparison (false when `x` is NaN).
    pub fn holds(self, x: f64, threshold: f64) -> bool {
        match self {
            Comparison::Gt => x > threshold,
            Comparison::Ge => x >= threshold,
            Comparison::Lt => x < threshold,
            Comparison::Le => x <= threshold,
            Comparison::Eq => (x - threshold).abs() <= f64::EPSILON * threshold.abs().max(1.0),
            Comparison::Ne => {
                !x.is_nan() && (x - threshold).abs() > f64::EPSILON * threshold.abs().max(1.0)
            }
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Comparison::Gt => ">",
            Comparison::Ge => ">=",
            Comparison::Lt => "<",
            Comparison::Le => "<=",
            Comparison::Eq => "==",
            Comparison::Ne => "!=",
        }
    }
}

/// A parsed rule condition: `aggregation comparison threshold`, held for `for` seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The aggregation compared.
    pub aggregation: Aggregation,
    /// How.
    pub comparison: Comparison,
    /// Against what.
    pub threshold: f64,
    /// How long it must hold (0: one window).
    pub hold: Seconds,
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.aggregation,
            self.comparison.symbol(),
            self.threshold
        )?;
        if self.hold.0 > 0 {
            write!(f, " for {}s", self.hold.0)?;
        }
        Ok(())
    }
}

/// One alert rule, in the seed's shape (StreamFlow's `AlertRule`):
///
/// ```json
/// {"name": "errors", "condition": "rate(error) > 0.05", "level": "CRITICAL", "suppression_minutes": 10}
/// {"condition": "mean(value) > 80 for 5m", "level": "warning"}
/// {"condition": "error_rate", "threshold": 0.05}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// A name for messages. Defaults to the condition.
    #[serde(default)]
    pub name: Option<String>,
    /// `aggregation op number [for duration]`; op is one of `>`, `>=`, `<`, `<=`, `==`, `!=`.
    /// Without an op, `threshold` is required and the op is `>`.
    pub condition: String,
    /// The threshold when the condition has none.
    #[serde(default)]
    pub threshold: Option<f64>,
    /// How long the condition must hold (consecutive windows covering this many seconds).
    /// Defaults to one window.
    #[serde(default, rename = "for")]
    pub hold: Option<Seconds>,
    /// The alert level (case-insensitive). Defaults to `WARNING`.
    #[serde(default, deserialize_with = "level")]
    pub level: AlertLevel,
    /// After an alert, further alerts of this rule for the same group are suppressed for this
    /// many minutes of event time (and counted). Defaults to 0.
    #[serde(default)]
    pub suppression_minutes: f64,
}

fn level<'de, D: Deserializer<'de>>(d: D) -> Result<AlertLevel, D::Error> {
    let s = String::deserialize(d)?;
    s.parse().map_err(serde::de::Error::custom)
}

impl RuleConfig {
    /// The parsed condition.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming `rules[i].condition` when it does not parse.
    pub fn parse(&self, i: usize) -> Result<Condition, ConfigError> {
        let key = format!("rules[{i}].condition");
        let bad = |why: &str| ConfigError::invalid(ID, &key, &self.condition, why);
        let mut text = self.condition.trim();
        let mut hold = self.hold.unwrap_or_default();
        if let Some(i) = text.rfind(" for ") {
            let d = Seconds::parse(&text[i + 5..])
                .ok_or_else(|| bad("`for` followed by a duration such as 5m"))?;
            if self.hold.is_some() {
                return Err(bad("a duration in `condition` or in `for`, not both"));
            }
            hold = d;
            text = text[..i].trim();
        }
        let ops = [
            (">=", Comparison::Ge),
            ("<=", Comparison::Le),
            ("==", Comparison::Eq),
            ("!=", Comparison::Ne),
            (">", Comparison::Gt),
            ("<", Comparison::Lt),
        ];
        let found = ops
            .iter()
            .filter_map(|&(sym, op)| text.find(sym).map(|at| (at, sym, op)))
            .min_by_key(|&(at, sym, _)| (at, std::cmp::Reverse(sym.len())));
        let (lhs, comparison, threshold) = match found {
            Some((at, sym, op)) => {
                let rhs = text[at + sym.len()..].trim();
                let v: f64 = rhs
                    .parse()
                    .map_err(|_| bad("a number after the comparison"))?;
                if self.threshold.is_some() {
                    return Err(bad(
                        "a threshold in `condition` or in `threshold`, not both",
                    ));
                }
                (&text[..at], op, v)
            }
            None => match self.threshold {
                Some(v) => (text, Comparison::Gt, v),
                None => return Err(bad("`aggregation op number`, e.g. `mean(value) > 80`")),
            },
        };
        if !threshold.is_finite() {
            return Err(bad("a finite threshold"));
        }
        let aggregation = Aggregation::parse(lhs).ok_or_else(|| {
            bad("an aggregation: count, rate, sum/mean/min/max/p50/p95/rate(field) or field_rate")
        })?;
        Ok(Condition {
            aggregation,
            comparison,
            threshold,
            hold,
        })
    }
}

/// Config of `window_aggregate`.
///
/// ```json
/// {"window": "1h", "group_by": "company_id", "aggregations": ["count", "sum(amount)", "p95(processing_time_ms)"]}
/// {"window": 300, "slide": 60, "aggregations": ["rate(error)"],
///  "rules": [{"condition": "rate(error) > 0.05", "level": "CRITICAL", "suppression_minutes": 15}]}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WindowConfig {
    /// Window length (seconds or `"5m"`). Defaults to 60.
    pub window: Seconds,
    /// Sliding step; the window must be a whole number of steps. Defaults to none: tumbling
    /// windows.
    pub slide: Option<Seconds>,
    /// A category field: one set of aggregates per value. Defaults to none.
    pub group_by: Option<String>,
    /// Aggregations: `count`, `rate`, `sum(f)`, `mean(f)`, `min(f)`, `max(f)`, `p50(f)`,
    /// `p95(f)`, `rate(f)` (share of records with `f` ≠ 0); a bare name uses `data_field`.
    /// Defaults to `["count", "mean"]`.
    pub aggregations: Vec<String>,
    /// Alert rules, evaluated on each closed window of each group. Defaults to none.
    pub rules: Vec<RuleConfig>,
    /// How far (seconds) event time may run ahead of a window's end before it closes: records
    /// up to this late still count. Defaults to 0.
    pub allowed_lateness: Seconds,
    /// The field of bare aggregations. Defaults to the input's main value field.
    pub data_field: Option<String>,
    /// Relative error α of p50/p95. Defaults to 0.01.
    pub quantile_accuracy: f64,
    /// Most groups per stream; records of further groups aggregate under `_other`. Defaults
    /// to 1000.
    pub max_groups: usize,
}

impl Default for WindowConfig {
    fn default() -> Self {
        WindowConfig {
            window: Seconds(60),
            slide: None,
            group_by: None,
            aggregations: vec!["count".to_owned(), "mean".to_owned()],
            rules: Vec::new(),
            allowed_lateness: Seconds(0),
            data_field: None,
            quantile_accuracy: 0.01,
            max_groups: 1000,
        }
    }
}

impl WindowConfig {
    /// The parsed aggregations.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming `aggregations[i]`.
    pub fn parsed_aggregations(&self) -> Result<Vec<Aggregation>, ConfigError> {
        self.aggregations
            .iter()
            .enumerate()
            .map(|(i, a)| {
                Aggregation::parse(a).ok_or_else(|| {
                    ConfigError::invalid(
                        ID,
                        &format!("aggregations[{i}]"),
                        a,
                        "count, rate, or sum/mean/min/max/p50/p95/rate with an optional (field)",
                    )
                })
            })
            .collect()
    }

    /// The step between window ends: `slide`, else `window`.
    pub fn step(&self) -> Seconds {
        self.slide.unwrap_or(self.window)
    }
}

impl StrategyConfig for WindowConfig {
    const STRATEGY_ID: &'static str = ID;

    fn validate(&self) -> Result<(), ConfigError> {
        check_range(ID, "window", self.window.0, 1..=31_622_400)?;
        if let Some(slide) = self.slide {
            check_range(ID, "slide", slide.0, 1..=self.window.0)?;
            if !self.window.0.is_multiple_of(slide.0) {
                return Err(ConfigError::invalid(
                    ID,
                    "slide",
                    slide.0,
                    format!("a divisor of `window` ({})", self.window.0),
                ));
            }
            check_range(ID, "slide", self.window.0 / slide.0, 1..=10_000).map_err(|_| {
                ConfigError::invalid(ID, "slide", slide.0, "at most 10000 steps per window")
            })?;
        }
        check_range(
            ID,
            "allowed_lateness",
            self.allowed_lateness.0,
            0..=31_622_400,
        )?;
        check_finite_range(ID, "quantile_accuracy", self.quantile_accuracy, 1e-4..=0.5)?;
        check_range(ID, "max_groups", self.max_groups, 1..=1_000_000)?;
        if self.aggregations.is_empty() && self.rules.is_empty() {
            return Err(ConfigError::invalid(
                ID,
                "aggregations",
                "[]",
                "at least one aggregation or rule",
            ));
        }
        self.parsed_aggregations()?;
        for (i, r) in self.rules.iter().enumerate() {
            r.parse(i)?;
            check_finite_range(
                ID,
                &format!("rules[{i}].suppression_minutes"),
                r.suppression_minutes,
                0.0..=5_270_400.0,
            )?;
        }
        Ok(())
    }

    fn key_docs() -> Vec<ConfigKey> {
        vec![
            ConfigKey::new("window", "seconds or \"5m\", 1s..=366d", "window length"),
            ConfigKey::new(
                "slide",
                "a divisor of window",
                "sliding step; none: tumbling windows",
            ),
            ConfigKey::new(
                "group_by",
                "a category field",
                "aggregate per value of this field",
            ),
            ConfigKey::new(
                "aggregations",
                "count | rate | sum/mean/min/max/p50/p95/rate(field)",
                "what each window reports",
            ),
            ConfigKey::new(
                "rules",
                "[{condition, threshold, for, level, suppression_minutes, name}]",
                "alert when e.g. `mean(value) > 80 for 5m` or `rate(error) > 0.05`",
            ),
            ConfigKey::new(
                "allowed_lateness",
                "seconds ≥ 0",
                "watermark = latest time − allowed_lateness; later records are counted, dropped",
            ),
            ConfigKey::new(
                "data_field",
                "a numeric field",
                "field of bare aggregations; default: close, price, value, else the first numeric field",
            ),
            ConfigKey::new(
                "quantile_accuracy",
                "0.0001..=0.5",
                "relative error of p50 and p95 (DDSketch)",
            ),
            ConfigKey::new(
                "max_groups",
                "1..=1000000",
                "groups per stream; more aggregate under `_other`",
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(json: serde_json::Value) -> Result<Condition, ConfigError> {
        serde_json::from_value::<RuleConfig>(json).unwrap().parse(0)
    }

    #[test]
    fn aggregations_parse() {
        let a = |s: &str| Aggregation::parse(s).map(|a| a.to_string());
        assert_eq!(a("count").as_deref(), Some("count"));
        assert_eq!(a(" avg( value ) ").as_deref(), Some("mean(value)"));
        assert_eq!(a("error_rate").as_deref(), Some("rate(error)"));
        assert_eq!(a("median(x)").as_deref(), Some("p50(x)"));
        assert_eq!(a("p95").as_deref(), Some("p95"));
        assert_eq!(a("count(x)"), None);
        assert_eq!(a("stddev(x)"), None);
        assert_eq!(a("mean(a b)"), None);
        assert_eq!(a("mean(x"), None);
    }

    #[test]
    fn rules_parse_seed_and_brief_forms() {
        let c =
            rule(serde_json::json!({"condition": "mean(value) > 80 for 5m", "level": "critical"}))
                .unwrap();
        assert_eq!(c.to_string(), "mean(value) > 80 for 300s");
        let c =
            rule(serde_json::json!({"condition": "error_rate > 0.05", "suppression_minutes": 10}))
                .unwrap();
        assert_eq!(c.aggregation.to_string(), "rate(error)");
        assert_eq!(c.comparison, Comparison::Gt);
        let c = rule(serde_json::json!({"condition": "error_rate", "threshold": 0.05})).unwrap();
        assert_eq!(c.threshold, 0.05);
        let c = rule(serde_json::json!({"condition": "p95(latency) >= 250", "for": "1h"})).unwrap();
        assert_eq!((c.comparison, c.hold), (Comparison::Ge, Seconds(3600)));
        for (bad, want) in [
            (
                serde_json::json!({"condition": "mean(value)"}),
                "aggregation op number",
            ),
            (
                serde_json::json!({"condition": "mean(value) > x"}),
                "a number after",
            ),
            (
                serde_json::json!({"condition": "stddev(v) > 1"}),
                "an aggregation",
            ),
            (
                serde_json::json!({"condition": "count > 1 for ever"}),
                "`for` followed",
            ),
            (
                serde_json::json!({"condition": "count > 1", "threshold": 2}),
                "not both",
            ),
        ] {
            let e = rule(bad.clone()).unwrap_err().to_string();
            assert!(e.contains(want), "{bad}: {e}");
        }
        assert!(
            serde_json::from_value::<RuleConfig>(
                serde_json::json!({"condition": "count > 1", "level": "LOUD"})
            )
            .is_err()
        );
    }

    #[test]
    fn config_validates() {
        let ok = WindowConfig::from_json(
            serde_json::json!({"window": "1h", "slide": "5m", "group_by": "company_id",
            "aggregations": ["count", "sum(amount)"]}),
        )
        .unwrap();
        assert_eq!((ok.window, ok.step()), (Seconds(3600), Seconds(300)));
        for (bad, want) in [
            (serde_json::json!({"window": 0}), "`window` = 0"),
            (
                serde_json::json!({"window": 60, "slide": 7}),
                "a divisor of `window`",
            ),
            (
                serde_json::json!({"window": "5 fortnights"}),
                "duration `5 fortnights`",
            ),
            (
                serde_json::json!({"aggregations": ["nope"]}),
                "aggregations[0]",
            ),
            (serde_json::json!({"aggregations": []}), "at least one"),
            (
                serde_json::json!({"rules": [{"condition": "count > 1", "suppression_minutes": -1}]}),
                "suppression_minutes",
            ),
            (serde_json::json!({"windw": 5}), "unknown field"),
        ] {
            let e = WindowConfig::from_json(bad.clone())
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{bad}: {e}");
        }
    }
}
