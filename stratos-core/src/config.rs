//! Typed strategy configurations.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::ConfigError;

/// One config key as `stratos strategies` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigKey {
    /// The key, as spelled in the config JSON.
    pub name: String,
    /// The default, as JSON (`null`: none).
    pub default: serde_json::Value,
    /// The allowed values or range.
    pub allowed: String,
    /// What it does.
    pub description: String,
}

impl ConfigKey {
    /// A key with no default filled in yet (see [`StrategyConfig::keys`]).
    pub fn new(name: &str, allowed: &str, description: &str) -> Self {
        ConfigKey {
            name: name.to_owned(),
            default: serde_json::Value::Null,
            allowed: allowed.to_owned(),
            description: description.to_owned(),
        }
    }
}

/// A strategy's typed configuration: serde with the seed's key names, unknown keys rejected,
/// `Default` giving every default, and [`StrategyConfig::validate`] checking ranges.
///
/// Implementors derive `Serialize`, `Deserialize` (with `deny_unknown_fields` and
/// `#[serde(default)]`), `Default`, `Clone` and `Debug`, and list their keys in
/// [`StrategyConfig::key_docs`].
pub trait StrategyConfig: Serialize + DeserializeOwned + Default + Clone + std::fmt::Debug {
    /// The id of the strategy this configures.
    const STRATEGY_ID: &'static str;

    /// Checks every key's range; the error names the key, the value and what is allowed.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] for the first key out of range.
    fn validate(&self) -> Result<(), ConfigError>;

    /// The documented keys (name, allowed values, description), in display order.
    fn key_docs() -> Vec<ConfigKey>;

    /// The keys with their defaults filled in from `Default`.
    fn keys() -> Vec<ConfigKey> {
        let defaults = serde_json::to_value(Self::default()).unwrap_or_default();
        Self::key_docs()
            .into_iter()
            .map(|mut k| {
                k.default = defaults.get(&k.name).cloned().unwrap_or_default();
                k
            })
            .collect()
    }

    /// Reads and validates a config from JSON (`null` means all defaults).
    ///
    /// # Errors
    /// [`ConfigError::Parse`] for unknown keys and wrong types, and for anything but an
    /// object (an array would otherwise be read by position); [`ConfigError::Invalid`] for
    /// values out of range.
    fn from_json(value: serde_json::Value) -> Result<Self, ConfigError> {
        let value = match value {
            serde_json::Value::Null => serde_json::Value::Object(Default::default()),
            serde_json::Value::Object(_) => value,
            // serde would read an array into the struct's fields by position.
            other => {
                let kind = match other {
                    serde_json::Value::Array(_) => "an array (keys are not read by position)",
                    serde_json::Value::String(_) => "a string",
                    serde_json::Value::Number(_) => "a number",
                    _ => "a bool",
                };
                return Err(ConfigError::Parse {
                    strategy: Self::STRATEGY_ID.to_owned(),
                    message: format!("expected a JSON object of config keys, found {kind}"),
                });
            }
        };
        let config: Self = match serde_json::from_value(value.clone()) {
            Ok(c) => c,
            Err(e) => {
                // serde_json names no key for a value of the wrong shape: find the key by
                // reading each alone.
                let culprit = value.as_object().and_then(|map| {
                    map.iter().find_map(|(k, v)| {
                        let mut one = serde_json::Map::new();
                        one.insert(k.clone(), v.clone());
                        serde_json::from_value::<Self>(serde_json::Value::Object(one))
                            .err()
                            .map(|e| (k.clone(), e))
                    })
                });
                let message = match culprit {
                    Some((key, e)) if !e.to_string().contains(&format!("`{key}`")) => {
                        format!("key `{key}`: {e}")
                    }
                    Some((_, e)) => e.to_string(),
                    None => e.to_string(),
                };
                return Err(ConfigError::Parse {
                    strategy: Self::STRATEGY_ID.to_owned(),
                    message,
                });
            }
        };
        config.validate()?;
        Ok(config)
    }
}

/// Checks that `value` lies in `range`, naming the key otherwise.
///
/// # Errors
/// [`ConfigError::Invalid`] when it does not.
pub fn check_range<T>(
    strategy: &str,
    field: &str,
    value: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<(), ConfigError>
where
    T: PartialOrd + std::fmt::Display + Copy,
{
    if range.contains(&value) {
        Ok(())
    } else {
        Err(ConfigError::invalid(
            strategy,
            field,
            value,
            format!("a value in {}..={}", range.start(), range.end()),
        ))
    }
}

/// Checks that a float is finite and lies in `range`.
///
/// # Errors
/// [`ConfigError::Invalid`] when it does not.
pub fn check_finite_range(
    strategy: &str,
    field: &str,
    value: f64,
    range: std::ops::RangeInclusive<f64>,
) -> Result<(), ConfigError> {
    if value.is_finite() {
        check_range(strategy, field, value, range)
    } else {
        Err(ConfigError::invalid(
            strategy,
            field,
            value,
            "a finite number",
        ))
    }
}
