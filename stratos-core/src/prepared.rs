//! The strategy [`crate::Registry::build`] returns: the factory's strategy behind the input
//! rules of [`crate::prepare`] (time order, streams, field choice) and the seed's config
//! spellings ([`seed_config`]).

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::error::{ConfigError, StrategyError};
use crate::frame::Frame;
use crate::prepare::{FieldChoice, choose_fields, stream_groups, time_order};
use crate::registry::Entry;
use crate::result::{OutputColumn, OutputValues, Outputs, ResultType, StrategyResult};
use crate::schema::Schema;
use crate::strategy::{OnlineStrategy, Strategy};

/// Keys the wrapper itself acts on, taken out of the config before the factory sees it.
#[derive(Debug, Clone, Default, PartialEq)]
struct Extras {
    /// The seed's `maxDataPoints`: analyse only the newest N rows.
    max_points: Option<usize>,
    /// The seed's `minDataPoints`: refuse fewer rows.
    min_points: Option<usize>,
    /// An anomaly's `time_window` in seconds: its reference window, in rows of the input's
    /// median step.
    time_window: Option<f64>,
    /// The seed's `rebalancingFrequency`: used by backtests, which take it from the request
    /// before building the strategy; a run notes that it changes nothing there.
    rebalance: Option<crate::prepare::Rebalance>,
}

fn invalid(strategy: &str, field: &str, value: &Value, expected: &str) -> ConfigError {
    ConfigError::Invalid {
        strategy: strategy.to_owned(),
        field: field.to_owned(),
        value: value.to_string(),
        expected: expected.to_owned(),
    }
}

/// Rewrites the seed's spellings of a config into the strategy's own keys, given the keys the
/// strategy accepts (`keys`). Returns the config for the factory and the keys the wrapper
/// handles itself. Every rewrite is one the seed means:
/// - `field` is `data_field`;
/// - `alert_level` in any letter case (`critical`, `Error`);
/// - `defaultParams` (`{p, d, q}`) merges into the config;
/// - `maxDataPoints` / `minDataPoints` keep the newest N rows / need N rows;
/// - `time_window` for a strategy without that key but with `window_size` (anomaly): the
///   reference window in seconds, turned into rows by the input's median step.
///
/// Keys the seed uses that have no meaning here are refused with what to write instead.
fn seed_config(
    strategy: &str,
    keys: &[String],
    config: Value,
) -> Result<(Value, Extras), ConfigError> {
    let has = |k: &str| keys.iter().any(|key| key == k);
    let mut extras = Extras::default();
    let mut map: Map<String, Value> = match config {
        Value::Object(m) => m,
        other => return Ok((other, extras)),
    };
    if let Some(v) = map.remove("defaultParams") {
        let Value::Object(params) = v else {
            return Err(invalid(
                strategy,
                "defaultParams",
                &v,
                "an object of config keys",
            ));
        };
        for (k, v) in params {
            map.entry(k).or_insert(v);
        }
    }
    if !has("field")
        && let Some(v) = map.remove("field")
    {
        if map.contains_key("data_field") {
            return Err(invalid(
                strategy,
                "field",
                &v,
                "`field` or `data_field` (the same key), not both",
            ));
        }
        map.insert("data_field".into(), v);
    }
    if let Some(Value::String(level)) = map.get_mut("alert_level") {
        *level = level.to_ascii_uppercase();
    }
    for (key, slot) in [
        ("maxDataPoints", &mut extras.max_points),
        ("minDataPoints", &mut extras.min_points),
    ] {
        if !has(key)
            && let Some(v) = map.remove(key)
        {
            match v.as_u64().and_then(|n| usize::try_from(n).ok()) {
                Some(n) if n > 0 => *slot = Some(n),
                _ => return Err(invalid(strategy, key, &v, "a whole number of rows >= 1")),
            }
        }
    }
    if !has("time_window")
        && has("window_size")
        && let Some(v) = map.remove("time_window")
    {
        if map.contains_key("window_size") {
            return Err(invalid(
                strategy,
                "time_window",
                &v,
                "`time_window` (seconds) or `window_size` (rows), not both",
            ));
        }
        match v.as_f64() {
            Some(s) if s > 0.0 && s.is_finite() => extras.time_window = Some(s),
            _ => return Err(invalid(strategy, "time_window", &v, "seconds > 0")),
        }
    }
    if !has("optimizationMethod")
        && let Some(v) = map.remove("optimizationMethod")
        && v.as_str() != Some("ml")
    {
        return Err(invalid(
            strategy,
            "optimizationMethod",
            &v,
            "\"ml\" (exact maximum likelihood, the only fit here), or remove the key",
        ));
    }
    if !has("seasonalityDetection")
        && let Some(v) = map.remove("seasonalityDetection")
        && v != Value::Bool(false)
    {
        return Err(invalid(
            strategy,
            "seasonalityDetection",
            &v,
            "false, or remove the key: this build has no seasonal model for this strategy",
        ));
    }
    if !has("outlierHandling")
        && let Some(v) = map.remove("outlierHandling")
        && v.as_str() != Some("none")
    {
        return Err(invalid(
            strategy,
            "outlierHandling",
            &v,
            "\"none\", or remove the key: the series is analysed as given (find outliers \
             first with anomaly_detection)",
        ));
    }
    if !has("rebalancingFrequency")
        && let Some(v) = map.remove("rebalancingFrequency")
    {
        // Checked here; a backtest reads it from the request (see
        // `crate::prepare::Rebalance`), a single run gives the latest bar's signal.
        extras.rebalance = Some(crate::prepare::Rebalance::from_value(strategy, &v)?);
    }
    Ok((Value::Object(map), extras))
}

/// A strategy behind the input rules of [`crate::prepare`].
#[derive(Debug)]
pub(crate) struct Prepared {
    factory: Arc<Entry>,
    kind: ResultType,
    keys: Vec<String>,
    config: Value,
    extras: Extras,
    inner: Box<dyn Strategy>,
}

impl Prepared {
    /// Builds the factory's strategy from `config` as the seed writes it.
    pub(crate) fn build(
        factory: Arc<Entry>,
        config: Value,
    ) -> Result<Box<dyn Strategy>, ConfigError> {
        let info = factory.info();
        let keys: Vec<String> = info.keys.into_iter().map(|k| k.name).collect();
        let (config, extras) = seed_config(&info.id, &keys, config)?;
        let inner = factory.build(config.clone())?;
        Ok(Box::new(Prepared {
            factory,
            kind: info.result_type,
            keys,
            config,
            extras,
            inner,
        }))
    }

    fn has_key(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }

    /// The inner strategy rebuilt with `set` applied to its config.
    fn rebuilt(&self, set: &[(&str, Value)]) -> Result<Box<dyn Strategy>, ConfigError> {
        let mut map = match &self.config {
            Value::Object(m) => m.clone(),
            _ => Map::new(),
        };
        for (k, v) in set {
            map.insert((*k).to_owned(), v.clone());
        }
        self.factory.build(Value::Object(map))
    }

    /// The fields the config names: `data_field`, or the strings of `fields`.
    fn configured_fields(&self) -> Vec<String> {
        let get = |k: &str| self.config.get(k);
        if let Some(Value::String(f)) = get("data_field") {
            return vec![f.clone()];
        }
        if let Some(Value::Array(fs)) = get("fields") {
            return fs
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
        }
        Vec::new()
    }

    /// One series (one stream): the seed's row limits, the time window, then field choice.
    fn execute_series(&self, frame: &Frame) -> Result<StrategyResult, StrategyError> {
        let id = self.inner.id();
        let cut;
        let frame = match self.extras.max_points {
            Some(n) if frame.len() > n => {
                let rows: Vec<usize> = (frame.len() - n..frame.len()).collect();
                cut = frame
                    .select_rows(&rows)
                    .map_err(|e| StrategyError::numeric(id, e))?;
                &cut
            }
            _ => frame,
        };
        if let Some(min) = self.extras.min_points
            && frame.len() < min
        {
            return Err(StrategyError::NotEnoughData {
                strategy: id.to_owned(),
                field: "minDataPoints".into(),
                needed: min,
                got: frame.len(),
            });
        }
        let mut set: Vec<(&str, Value)> = Vec::new();
        if let Some(seconds) = self.extras.time_window {
            let step = median_step_seconds(frame).ok_or_else(|| {
                StrategyError::from(ConfigError::Invalid {
                    strategy: id.to_owned(),
                    field: "time_window".into(),
                    value: seconds.to_string(),
                    expected: "an input with timestamps (or give `window_size` in rows)".into(),
                })
            })?;
            let rows = (seconds / step).round().max(2.0);
            set.push(("window_size", Value::from(rows as u64)));
        }
        if !self.has_key("data_field") {
            return self.run_with(frame, &set);
        }
        let many = matches!(self.kind, ResultType::Anomaly | ResultType::Trend);
        // Aggregates name their fields in their own keys (`aggregations`): no choice to make.
        if self.kind == ResultType::Aggregate {
            return self.run_with(frame, &set);
        }
        let configured = self.configured_fields();
        let choice = match choose_fields(id, &configured, frame.schema(), many) {
            Ok(c) => c,
            // A named field that is missing: the strategy's own error says more (a text
            // column names its first non-number).
            Err(_) if !configured.is_empty() => FieldChoice::AsConfigured,
            Err(e) => return Err(e.into()),
        };
        match choice {
            FieldChoice::AsConfigured => self.run_with(frame, &set),
            FieldChoice::Renamed(names) => {
                if self.config.get("fields").is_some() {
                    set.push(("fields", Value::from(names)));
                } else if let Some(name) = names.into_iter().next() {
                    set.push(("data_field", Value::from(name)));
                }
                self.run_with(frame, &set)
            }
            FieldChoice::Every(names) if self.has_key("fields") => {
                set.push(("fields", Value::from(names)));
                self.run_with(frame, &set)
            }
            FieldChoice::Every(names) => {
                let mut runs = Vec::with_capacity(names.len());
                for name in names {
                    let mut s = set.clone();
                    s.push(("data_field", Value::from(name.as_str())));
                    runs.push((name.clone(), self.run_with(frame, &s)?));
                }
                Ok(merge_fields(id, self.kind, runs))
            }
        }
    }

    fn run_with(
        &self,
        frame: &Frame,
        set: &[(&str, Value)],
    ) -> Result<StrategyResult, StrategyError> {
        if set.is_empty() {
            self.inner.execute(frame)
        } else {
            self.rebuilt(set)?.execute(frame)
        }
    }
}

/// The median spacing of the frame's timestamps in seconds, if it has two or more distinct.
fn median_step_seconds(frame: &Frame) -> Option<f64> {
    let ts = frame.timestamps()?;
    let mut steps: Vec<i64> = ts
        .windows(2)
        .filter_map(|w| {
            let d = w[1].micros() - w[0].micros();
            (d > 0).then_some(d)
        })
        .collect();
    if steps.is_empty() {
        return None;
    }
    steps.sort_unstable();
    let mid = steps.get(steps.len() / 2).copied()?;
    Some(mid as f64 / 1e6)
}

/// One result for several fields analysed one by one: each field's result under
/// `data.fields`, its output columns prefixed `FIELD.`, confidence the mean.
fn merge_fields(id: &str, kind: ResultType, runs: Vec<(String, StrategyResult)>) -> StrategyResult {
    let n = runs.len().max(1) as f64;
    let confidence = runs.iter().map(|(_, r)| r.confidence).sum::<f64>() / n;
    let mut outputs = Outputs::default();
    let mut fields = Vec::with_capacity(runs.len());
    for (field, r) in runs {
        for c in &r.outputs.columns {
            outputs.columns.push(OutputColumn {
                name: format!("{field}.{}", c.name),
                values: c.values.clone(),
            });
        }
        fields.push(serde_json::json!({ "field": field, "result": r }));
    }
    let count = fields.len();
    StrategyResult::new(
        id,
        kind,
        serde_json::json!({ "fields": fields }),
        confidence,
    )
    .with_metric("fields", count as f64)
    .with_outputs(outputs)
}

/// One result for a frame analysed stream by stream: each stream's result under
/// `data.streams` (`stream_id`, `rows`, `result`), its per-row outputs placed back at the
/// rows of the (time-ordered) frame, confidence the mean.
fn merge_streams(
    id: &str,
    kind: ResultType,
    len: usize,
    runs: Vec<(Option<String>, Vec<usize>, StrategyResult)>,
) -> StrategyResult {
    let n = runs.len().max(1) as f64;
    let confidence = runs.iter().map(|(_, _, r)| r.confidence).sum::<f64>() / n;
    let mut outputs = Outputs {
        field: runs.first().and_then(|(_, _, r)| r.outputs.field.clone()),
        columns: Vec::new(),
    };
    if let Some((_, _, first)) = runs.first() {
        'columns: for col in &first.outputs.columns {
            let mut values = match &col.values {
                OutputValues::Number(_) => OutputValues::Number(vec![f64::NAN; len]),
                OutputValues::Flag(_) => OutputValues::Flag(vec![false; len]),
                OutputValues::Action(_) => OutputValues::Action(vec![None; len]),
            };
            for (_, rows, r) in &runs {
                let Some(v) = r.outputs.get(&col.name) else {
                    continue 'columns;
                };
                if v.len() != rows.len() {
                    continue 'columns;
                }
                match (&mut values, v) {
                    (OutputValues::Number(out), OutputValues::Number(v)) => {
                        for (&row, x) in rows.iter().zip(v) {
                            if let Some(o) = out.get_mut(row) {
                                *o = *x;
                            }
                        }
                    }
                    (OutputValues::Flag(out), OutputValues::Flag(v)) => {
                        for (&row, x) in rows.iter().zip(v) {
                            if let Some(o) = out.get_mut(row) {
                                *o = *x;
                            }
                        }
                    }
                    (OutputValues::Action(out), OutputValues::Action(v)) => {
                        for (&row, x) in rows.iter().zip(v) {
                            if let Some(o) = out.get_mut(row) {
                                *o = *x;
                            }
                        }
                    }
                    _ => continue 'columns,
                }
            }
            outputs.columns.push(OutputColumn {
                name: col.name.clone(),
                values,
            });
        }
    }
    let count = runs.len();
    let streams: Vec<Value> = runs
        .into_iter()
        .map(|(key, rows, r)| serde_json::json!({ "stream_id": key, "rows": rows.len(), "result": r }))
        .collect();
    StrategyResult::new(
        id,
        kind,
        serde_json::json!({ "streams": streams }),
        confidence,
    )
    .with_metric("streams", count as f64)
    .with_outputs(outputs)
}

impl Strategy for Prepared {
    fn id(&self) -> &str {
        self.inner.id()
    }

    fn config(&self) -> Value {
        self.inner.config()
    }

    fn input_fields(&self, schema: &Schema) -> Result<Vec<String>, ConfigError> {
        self.inner.input_fields(schema)
    }

    /// Sorts the frame by time, runs each stream on its own, and chooses the fields (see
    /// [`crate::prepare`]); a single in-order series with a usable field runs as is.
    fn execute(&self, frame: &Frame) -> Result<StrategyResult, StrategyError> {
        let id = self.inner.id();
        let ordered = time_order(frame).map_err(|e| StrategyError::numeric(id, e))?;
        let frame = ordered.frame.as_ref();
        match stream_groups(frame, None).map_err(|e| StrategyError::numeric(id, e))? {
            None => self.execute_series(frame),
            Some(groups) => {
                let mut runs = Vec::with_capacity(groups.len());
                for g in groups {
                    let r = self.execute_series(&g.frame)?;
                    runs.push((g.key, g.rows, r));
                }
                Ok(merge_streams(id, self.kind, frame.len(), runs))
            }
        }
    }

    fn online(&self, schema: &Schema) -> Result<Option<Box<dyn OnlineStrategy>>, ConfigError> {
        self.inner.online(schema)
    }

    fn input_categories(&self, schema: &Schema) -> Result<Vec<String>, ConfigError> {
        self.inner.input_categories(schema)
    }

    fn cost_warnings(&self) -> Vec<String> {
        let mut warnings = self.inner.cost_warnings();
        if let Some(r) = self.extras.rebalance {
            warnings.push(format!(
                "rebalancingFrequency \"{r}\" applies to backtests (the position moves on the \
                 first bar of each period); a single run gives the latest bar's signal"
            ));
        }
        warnings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_spellings_are_rewritten_or_refused() {
        let keys: Vec<String> = ["data_field", "window_size", "alert_level"]
            .map(String::from)
            .to_vec();
        let (c, e) = seed_config(
            "a",
            &keys,
            serde_json::json!({"field": "x", "alert_level": "error", "maxDataPoints": 5, "time_window": 60}),
        )
        .unwrap();
        assert_eq!(
            c,
            serde_json::json!({"data_field": "x", "alert_level": "ERROR"})
        );
        assert_eq!(e.max_points, Some(5));
        assert_eq!(e.time_window, Some(60.0));
        let (c, e) = seed_config(
            "h",
            &keys,
            serde_json::json!({"rebalancingFrequency": "daily"}),
        )
        .unwrap();
        assert_eq!(c, serde_json::json!({}));
        assert_eq!(e.rebalance, Some(crate::prepare::Rebalance::Daily));
        let err = seed_config(
            "h",
            &keys,
            serde_json::json!({"rebalancingFrequency": "sometimes"}),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("\"weekly\""), "{err}");
        assert!(
            seed_config(
                "a",
                &keys,
                serde_json::json!({"field": "x", "data_field": "y"})
            )
            .is_err()
        );
        let (c, _) = seed_config(
            "p",
            &keys,
            serde_json::json!({"defaultParams": {"p": 2}, "p": 1}),
        )
        .unwrap();
        assert_eq!(c, serde_json::json!({"p": 1}));
    }
}
