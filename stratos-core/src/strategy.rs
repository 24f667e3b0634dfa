//! The strategy contract: batch execution over a [`Frame`], and an online form fed row by row.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::config::{ConfigKey, StrategyConfig};
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

impl StrategyRequest {
    /// A request for `strategy_id` with `config` (`null` for all defaults).
    pub fn new(strategy_id: impl Into<String>, config: serde_json::Value) -> Self {
        StrategyRequest {
            strategy_id: strategy_id.into(),
            config,
        }
    }
}

impl std::str::FromStr for StrategyRequest {
    type Err = ConfigError;

    /// Reads a request from its JSON text.
    ///
    /// # Errors
    /// [`ConfigError::Parse`] (strategy `request`) for text that is not a request.
    ///
    /// # Examples
    /// ```
    /// use stratos_core::StrategyRequest;
    /// let r: StrategyRequest = r#"{"strategy_id": "moving_average", "config": {"period": 20}}"#.parse()?;
    /// assert_eq!(r.strategy_id, "moving_average");
    /// assert!("[1]".parse::<StrategyRequest>().is_err());
    /// # Ok::<(), stratos_core::ConfigError>(())
    /// ```
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        serde_json::from_str(text).map_err(|e| ConfigError::Parse {
            strategy: "request".to_owned(),
            message: e.to_string(),
        })
    }
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

/// The one way to write a strategy with a typed config (every built-in is one): implement this
/// trait and [`Strategy`] comes with it (a blanket impl), and [`crate::Registry::register`]
/// registers it.
///
/// The id is the config type's [`StrategyConfig::STRATEGY_ID`]; [`StrategyInfo::online`] is
/// derived from [`BuiltinStrategy::Online`] ([`BatchOnly`] for batch-only strategies); the
/// config keys come from [`StrategyConfig::keys`]. The methods are named apart from
/// [`Strategy`]'s so that both traits can be in scope: [`Strategy::execute`] calls
/// [`BuiltinStrategy::batch`], [`Strategy::online`] calls [`BuiltinStrategy::bind`].
///
/// # Examples
/// ```
/// use serde::{Deserialize, Serialize};
/// use stratos_core::{BatchOnly, BuiltinStrategy, ConfigError, ConfigKey, Frame, Registry, ResultType};
/// use stratos_core::{Schema, StrategyConfig, StrategyError, StrategyResult};
///
/// #[derive(Debug, Clone, Default, Serialize, Deserialize)]
/// #[serde(deny_unknown_fields, default)]
/// struct LastConfig { scale: f64 }
/// impl StrategyConfig for LastConfig {
///     const STRATEGY_ID: &'static str = "last_value";
///     fn validate(&self) -> Result<(), ConfigError> { Ok(()) }
///     fn key_docs() -> Vec<ConfigKey> { vec![ConfigKey::new("scale", "any number", "multiplier")] }
/// }
///
/// #[derive(Debug)]
/// struct Last(LastConfig);
/// impl BuiltinStrategy for Last {
///     type Config = LastConfig;
///     type Online = BatchOnly;
///     const NAME: &'static str = "Last value";
///     const DESCRIPTION: &'static str = "the last value, scaled";
///     const RESULT_TYPE: ResultType = ResultType::Prediction;
///     fn from_config(config: LastConfig) -> Result<Self, ConfigError> { Ok(Last(config)) }
///     fn settings(&self) -> &LastConfig { &self.0 }
///     fn fields(&self, schema: &Schema) -> Result<Vec<String>, ConfigError> {
///         Ok(schema.main_value_field().into_iter().map(str::to_owned).collect())
///     }
///     fn batch(&self, frame: &Frame) -> Result<StrategyResult, StrategyError> {
///         let last = frame.main_series().and_then(|s| s.values.last().copied()).unwrap_or(f64::NAN);
///         let data = serde_json::json!({"last": last * self.0.scale});
///         Ok(StrategyResult::new("last_value", ResultType::Prediction, data, 1.0))
///     }
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut registry = Registry::new();
/// registry.register::<Last>()?;
/// let info = registry.info("last_value").expect("registered");
/// assert!(!info.online);
/// let s = registry.build("last_value", serde_json::json!({"scale": 2.0}))?;
/// assert_eq!(s.id(), "last_value");
/// assert_eq!(s.execute(&Frame::from_values("value", vec![1.0, 3.0]))?.data["last"], 6.0);
/// # Ok(()) }
/// ```
pub trait BuiltinStrategy: Send + Sync + fmt::Debug + Sized + 'static {
    /// Its typed config; its [`StrategyConfig::STRATEGY_ID`] is the strategy's id.
    type Config: StrategyConfig;
    /// Its online form, or [`BatchOnly`] for a strategy that only runs in batch.
    type Online: OnlineStrategy + 'static;
    /// A display name.
    const NAME: &'static str;
    /// One line on what it does.
    const DESCRIPTION: &'static str;
    /// The kind of result it returns.
    const RESULT_TYPE: ResultType;
    /// The implementation's version (defaults to the workspace's).
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    /// The only constructor: a validated config makes a usable strategy.
    ///
    /// # Errors
    /// [`ConfigError`] when the config is out of range.
    fn from_config(config: Self::Config) -> Result<Self, ConfigError>;

    /// The validated config, defaults filled in.
    fn settings(&self) -> &Self::Config;

    /// The numeric fields it reads from input with `schema` ([`Strategy::input_fields`]).
    ///
    /// # Errors
    /// [`ConfigError::MissingField`] when a named field is absent.
    fn fields(&self, schema: &Schema) -> Result<Vec<String>, ConfigError>;

    /// Runs over a whole frame ([`Strategy::execute`]).
    ///
    /// # Errors
    /// [`StrategyError`] when the input cannot be used.
    fn batch(&self, frame: &Frame) -> Result<StrategyResult, StrategyError>;

    /// A fresh online state bound to rows shaped by `schema` ([`Strategy::online`]); the
    /// default, for batch-only strategies, is `None`.
    ///
    /// # Errors
    /// [`ConfigError::MissingField`] when the schema lacks an input field.
    fn bind(&self, schema: &Schema) -> Result<Option<Self::Online>, ConfigError> {
        let _ = schema;
        Ok(None)
    }

    /// The category fields it reads ([`Strategy::input_categories`]); defaults to none.
    ///
    /// # Errors
    /// [`ConfigError::MissingField`] when a named field is absent.
    fn categories(&self, schema: &Schema) -> Result<Vec<String>, ConfigError> {
        let _ = schema;
        Ok(Vec::new())
    }

    /// Warnings about a valid config known to be slow or memory-hungry
    /// ([`Strategy::cost_warnings`]); defaults to none.
    fn config_warnings(&self) -> Vec<String> {
        Vec::new()
    }

    /// What `stratos strategies` shows: id, name, version, description, result type, whether
    /// it runs online, and the config keys with their defaults.
    fn info() -> StrategyInfo {
        StrategyInfo {
            id: Self::Config::STRATEGY_ID.to_owned(),
            name: Self::NAME.to_owned(),
            version: Self::VERSION.to_owned(),
            description: Self::DESCRIPTION.to_owned(),
            result_type: Self::RESULT_TYPE,
            online: std::any::TypeId::of::<Self::Online>() != std::any::TypeId::of::<BatchOnly>(),
            keys: Self::Config::keys(),
        }
    }
}

/// The [`BuiltinStrategy::Online`] of a strategy that only runs in batch: it has no values, so
/// no online state can exist.
#[derive(Debug)]
pub enum BatchOnly {}

impl OnlineStrategy for BatchOnly {
    fn update(&mut self, _: RowRef<'_>, _: &mut Vec<Event>) {
        match *self {}
    }

    fn reset(&mut self) {
        match *self {}
    }
}

impl<T: BuiltinStrategy> Strategy for T {
    fn id(&self) -> &str {
        T::Config::STRATEGY_ID
    }

    fn config(&self) -> serde_json::Value {
        serde_json::to_value(self.settings()).unwrap_or_default()
    }

    fn input_fields(&self, schema: &Schema) -> Result<Vec<String>, ConfigError> {
        self.fields(schema)
    }

    fn execute(&self, frame: &Frame) -> Result<StrategyResult, StrategyError> {
        self.batch(frame)
    }

    fn online(&self, schema: &Schema) -> Result<Option<Box<dyn OnlineStrategy>>, ConfigError> {
        Ok(self
            .bind(schema)?
            .map(|o| Box::new(o) as Box<dyn OnlineStrategy>))
    }

    fn input_categories(&self, schema: &Schema) -> Result<Vec<String>, ConfigError> {
        self.categories(schema)
    }

    fn cost_warnings(&self) -> Vec<String> {
        self.config_warnings()
    }
}
