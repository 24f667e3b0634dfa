//! The strategy contract: batch execution over a [`Frame`], and an online form fed row by row.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::config::ConfigKey;
use crate::error::{ConfigError, StrategyError};
use crate::event::Event;
use crate::frame::Frame;
use crate::result::{ResultType, StrategyResult};
use crate::schema::Schema;
use crate::series::Series;
use crate::timestamp::Timestamp;

/// A request in the seed's shape: `{"strategy_id": "moving_average", "config": {"period": 20}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategyRequest {
    /// Which strategy.
    pub strategy_id: String,
    /// Its config; missing or `null` means all defaults.
    #[serde(default)]
    pub config: serde_json::Value,
}

/// What `stratos strategies` shows about a strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategyInfo {
    /// The id used in requests.
    pub id: String,
    /// A display name.
    pub name: String,
    /// The implementation's version.
    pub version: String,
    /// One line on what it does.
    pub description: String,
    /// The kind of result it returns.
    pub result_type: ResultType,
    /// Whether it also runs record by record (`stratos stream`).
    pub online: bool,
    /// Its config keys with defaults and ranges.
    pub keys: Vec<ConfigKey>,
}

/// One row of a stream, borrowed: its stream, time, and the values of the fields the online
/// strategy was bound to, in the order of the [`Schema`]'s `value_fields` (NaN: missing).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RowRef<'a> {
    /// The stream the row belongs to.
    pub stream_id: &'a str,
    /// The row's time, if it has one.
    pub timestamp: Option<Timestamp>,
    /// Values in `value_fields` order.
    pub values: &'a [f64],
}

/// A configured strategy. Built only from a validated config, so every value is usable.
///
/// Object-safe: the [`crate::Registry`] holds `Box<dyn Strategy>`.
pub trait Strategy: Send + Sync + fmt::Debug {
    /// The strategy id (`"moving_average"`, …).
    fn id(&self) -> &str;

    /// The effective config, defaults filled in, as JSON.
    fn config(&self) -> serde_json::Value;

    /// The numeric fields this strategy reads from input with `schema` (its `data_field`, or
    /// the schema's main value field).
    ///
    /// # Errors
    /// [`ConfigError::MissingField`] when a named field is absent.
    fn input_fields(&self, schema: &Schema) -> Result<Vec<String>, ConfigError>;

    /// Runs over a whole frame.
    ///
    /// # Errors
    /// [`StrategyError`] when the input cannot be used (missing field, too few points, …).
    fn execute(&self, frame: &Frame) -> Result<StrategyResult, StrategyError>;

    /// A fresh online state bound to rows shaped by `schema`, or `None` for strategies that
    /// only run in batch (ARIMA).
    ///
    /// # Errors
    /// [`ConfigError::MissingField`] when the schema lacks an input field.
    fn online(&self, schema: &Schema) -> Result<Option<Box<dyn OnlineStrategy>>, ConfigError> {
        let _ = schema;
        Ok(None)
    }

    /// The category (text) fields this strategy reads from input with `schema`, such as
    /// `window_aggregate`'s `group_by`. Defaults to none.
    ///
    /// # Errors
    /// [`ConfigError::MissingField`] when a named field is absent from `category_fields`.
    fn input_categories(&self, schema: &Schema) -> Result<Vec<String>, ConfigError> {
        let _ = schema;
        Ok(Vec::new())
    }

    /// Warnings about a valid config that is known to be slow or memory-hungry (a model
    /// refitted at every row, ten thousand trees, a window of a million values per stream),
    /// one sentence each naming the key and its value, for the caller to show (the CLI
    /// prints them on stderr). Defaults to none.
    fn cost_warnings(&self) -> Vec<String> {
        Vec::new()
    }
}

/// The online form of a strategy: bounded state (O(window)), fed one row at a time, writing
/// events into the caller's buffer (which it never clears).
pub trait OnlineStrategy: Send + fmt::Debug {
    /// Consumes one row and appends any events it causes to `out`.
    fn update(&mut self, row: RowRef<'_>, out: &mut Vec<Event>);

    /// Consumes one row with its category values, in the order of the bound [`Schema`]'s
    /// `category_fields`. Strategies reading no category field keep the default, which calls
    /// [`OnlineStrategy::update`].
    fn update_with_categories(
        &mut self,
        row: RowRef<'_>,
        categories: &[&str],
        out: &mut Vec<Event>,
    ) {
        let _ = categories;
        self.update(row, out);
    }

    /// Forgets all state, as if newly bound.
    fn reset(&mut self);
}

/// Resolves a strategy's input field: the configured `data_field`, else the schema's main value
/// field.
///
/// # Errors
/// [`ConfigError::MissingField`] when the named field is not numeric in `schema`, or the schema
/// has no numeric field at all.
pub fn resolve_field(
    strategy: &str,
    data_field: Option<&str>,
    schema: &Schema,
) -> Result<String, ConfigError> {
    let missing = |field: &str| ConfigError::MissingField {
        strategy: strategy.to_owned(),
        field: field.to_owned(),
        available: if schema.value_fields.is_empty() {
            "none".to_owned()
        } else {
            schema.value_fields.join(", ")
        },
    };
    match data_field {
        Some(f) if schema.value_index(f).is_some() => Ok(f.to_owned()),
        Some(f) => Err(missing(f)),
        None => schema
            .main_value_field()
            .map(str::to_owned)
            .ok_or_else(|| missing("data_field")),
    }
}

/// The series a single-field strategy reads from `frame`.
///
/// # Errors
/// As [`resolve_field`].
pub fn input_series<'a>(
    strategy: &str,
    data_field: Option<&str>,
    frame: &'a Frame,
) -> Result<Series<'a>, ConfigError> {
    let field = resolve_field(strategy, data_field, frame.schema())
        .map_err(|e| text_field(strategy, data_field, frame).unwrap_or(e))?;
    frame
        .series(&field)
        .ok_or_else(|| ConfigError::MissingField {
            strategy: strategy.to_owned(),
            field,
            available: frame.schema().value_fields.join(", "),
        })
}

/// Why the field a strategy wanted is not numeric, when type inference made it text: the
/// named field (or, with none named, the first text column whose first cell is a number)
/// and its first cell that is not a number.
fn text_field(strategy: &str, data_field: Option<&str>, frame: &Frame) -> Option<ConfigError> {
    // Missing cells are `None` in a category column; every present one must be a number.
    let is_number = |s: &str| s.trim().parse::<f64>().is_ok();
    let column = match data_field {
        Some(f) => frame.category(f)?,
        None => frame
            .category_columns()
            .iter()
            .find(|c| (0..c.len()).find_map(|i| c.get(i)).is_some_and(is_number))?,
    };
    let (row, cell) =
        (0..column.len()).find_map(|i| column.get(i).filter(|s| !is_number(s)).map(|s| (i, s)))?;
    let available = frame.schema().value_fields.join(", ");
    Some(ConfigError::TextField {
        strategy: strategy.to_owned(),
        field: column.name().to_owned(),
        row: row + 1,
        cell: cell.chars().take(64).collect(),
        available: if available.is_empty() {
            "none".to_owned()
        } else {
            available
        },
    })
}

/// Builds a typed built-in strategy from its config; the [`crate::Registry`] uses it through
/// [`Builtin`].
pub trait BuiltinStrategy: Strategy + Sized + 'static {
    /// Its typed config.
    type Config: crate::config::StrategyConfig;

    /// Name, version, description and result type ([`StrategyInfo::keys`] is filled in from
    /// the config).
    fn describe() -> StrategyInfo;

    /// The only constructor: a validated config makes a usable strategy.
    ///
    /// # Errors
    /// [`ConfigError`] when the config is out of range.
    fn from_config(config: Self::Config) -> Result<Self, ConfigError>;
}

/// Builds a strategy from a request's config.
pub trait StrategyFactory: Send + Sync + fmt::Debug {
    /// What the strategy is, with its config keys.
    fn info(&self) -> StrategyInfo;

    /// A strategy from a config (JSON `null`: defaults).
    ///
    /// # Errors
    /// [`ConfigError`] for unknown keys, wrong types and values out of range.
    fn build(&self, config: serde_json::Value) -> Result<Box<dyn Strategy>, ConfigError>;
}

/// The [`StrategyFactory`] of a [`BuiltinStrategy`].
pub struct Builtin<S>(std::marker::PhantomData<fn() -> S>);

impl<S> Builtin<S> {
    /// The factory.
    pub fn new() -> Self {
        Builtin(std::marker::PhantomData)
    }
}

impl<S> Default for Builtin<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S> fmt::Debug for Builtin<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::any::type_name::<S>())
    }
}

impl<S: BuiltinStrategy> StrategyFactory for Builtin<S> {
    fn info(&self) -> StrategyInfo {
        use crate::config::StrategyConfig;
        let mut info = S::describe();
        info.keys = S::Config::keys();
        info
    }

    fn build(&self, config: serde_json::Value) -> Result<Box<dyn Strategy>, ConfigError> {
        use crate::config::StrategyConfig;
        let config = S::Config::from_json(config)?;
        Ok(Box::new(S::from_config(config)?))
    }
}
