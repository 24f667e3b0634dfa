//! The registry of strategies: built-ins plus user plug-ins, built from requests.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::error::{ConfigError, StrategyError};
use crate::frame::Frame;
use crate::result::{ResultType, StrategyResult};
use crate::schema::Schema;
use crate::strategy::{
    BuiltinStrategy, OnlineStrategy, Strategy, StrategyInfo, StrategyRequest, resolve_field,
};

/// A user strategy in the seed's plug-in shape: `id`, `name`, `version`, `validate`,
/// `execute`.
///
/// The config arrives as raw JSON; `validate` decides what is acceptable. Register it with
/// [`Registry::register_plugin`].
///
/// # Examples
/// ```
/// use stratos_core::{ConfigError, Frame, Plugin, Registry, ResultType, StrategyError, StrategyResult};
///
/// #[derive(Debug)]
/// struct Last;
/// impl Plugin for Last {
///     fn id(&self) -> &str { "last_value" }
///     fn name(&self) -> &str { "Last value" }
///     fn version(&self) -> &str { "1.0.0" }
///     fn validate(&self, _config: &serde_json::Value) -> Result<(), ConfigError> { Ok(()) }
///     fn execute(&self, frame: &Frame, _config: &serde_json::Value) -> Result<StrategyResult, StrategyError> {
///         let last = frame.main_series().and_then(|s| s.values.last().copied()).unwrap_or(f64::NAN);
///         Ok(StrategyResult::new(self.id(), ResultType::Prediction, serde_json::json!({"last": last}), 1.0))
///     }
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut registry = Registry::new();
/// registry.register_plugin(Last)?;
/// let strategy = registry.build("last_value", serde_json::Value::Null)?;
/// let result = strategy.execute(&Frame::from_values("value", vec![1.0, 2.0]))?;
/// assert_eq!(result.data["last"], 2.0);
/// # Ok(()) }
/// ```
pub trait Plugin: Send + Sync + fmt::Debug {
    /// The id used in requests.
    fn id(&self) -> &str;
    /// A display name.
    fn name(&self) -> &str;
    /// The plug-in's version.
    fn version(&self) -> &str;
    /// One line on what it does (defaults to the name).
    fn description(&self) -> &str {
        self.name()
    }
    /// The kind of result it returns (defaults to `PREDICTION`, as the seed's example).
    fn result_type(&self) -> ResultType {
        ResultType::Prediction
    }
    /// Accepts or rejects a config.
    ///
    /// # Errors
    /// [`ConfigError`] naming the key at fault.
    fn validate(&self, config: &serde_json::Value) -> Result<(), ConfigError>;
    /// Runs over a frame with a validated config.
    ///
    /// # Errors
    /// Any [`StrategyError`]; wrap foreign errors in [`StrategyError::Plugin`].
    fn execute(
        &self,
        frame: &Frame,
        config: &serde_json::Value,
    ) -> Result<StrategyResult, StrategyError>;
    /// The numeric fields the plug-in reads (defaults to the schema's main value field, or
    /// the config's `data_field` when it names one).
    ///
    /// # Errors
    /// [`ConfigError::MissingField`] when a named field is absent.
    fn input_fields(
        &self,
        config: &serde_json::Value,
        schema: &Schema,
    ) -> Result<Vec<String>, ConfigError> {
        let named = config.get("data_field").and_then(serde_json::Value::as_str);
        resolve_field(self.id(), named, schema).map(|f| vec![f])
    }
    /// An online form, if the plug-in has one (defaults to none).
    ///
    /// # Errors
    /// [`ConfigError`] when it cannot bind to `schema`.
    fn online(
        &self,
        config: &serde_json::Value,
        schema: &Schema,
    ) -> Result<Option<Box<dyn OnlineStrategy>>, ConfigError> {
        let _ = (config, schema);
        Ok(None)
    }
}

#[derive(Debug)]
struct PluginStrategy {
    plugin: Arc<dyn Plugin>,
    config: serde_json::Value,
}

impl Strategy for PluginStrategy {
    fn id(&self) -> &str {
        self.plugin.id()
    }

    fn config(&self) -> serde_json::Value {
        self.config.clone()
    }

    fn input_fields(&self, schema: &Schema) -> Result<Vec<String>, ConfigError> {
        self.plugin.input_fields(&self.config, schema)
    }

    fn execute(&self, frame: &Frame) -> Result<StrategyResult, StrategyError> {
        self.plugin.execute(frame, &self.config)
    }

    fn online(&self, schema: &Schema) -> Result<Option<Box<dyn OnlineStrategy>>, ConfigError> {
        self.plugin.online(&self.config, schema)
    }
}

/// Builds a strategy from a config (JSON `null`: defaults).
type Build = Box<dyn Fn(serde_json::Value) -> Result<Box<dyn Strategy>, ConfigError> + Send + Sync>;

/// One registered strategy: what it is, and how to build it from a config.
struct Entry {
    info: StrategyInfo,
    build: Build,
}

/// Strategies by id: the built-ins (see `stratos_strategies::registry()`) and any plug-ins.
#[derive(Default)]
pub struct Registry {
    entries: BTreeMap<String, Entry>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("ids", &self.entries.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Adds a [`BuiltinStrategy`] under its config's id.
    ///
    /// # Errors
    /// [`ConfigError::DuplicateId`] when the id is taken.
    pub fn register<S: BuiltinStrategy>(&mut self) -> Result<(), ConfigError> {
        use crate::config::StrategyConfig;
        self.insert(
            S::info(),
            Box::new(|config| {
                let config = S::Config::from_json(config)?;
                Ok(Box::new(S::from_config(config)?) as Box<dyn Strategy>)
            }),
        )
    }

    fn insert(&mut self, info: StrategyInfo, build: Build) -> Result<(), ConfigError> {
        if self.entries.contains_key(&info.id) {
            return Err(ConfigError::DuplicateId { id: info.id });
        }
        self.entries.insert(info.id.clone(), Entry { info, build });
        Ok(())
    }

    /// Adds a user plug-in.
    ///
    /// # Errors
    /// [`ConfigError::DuplicateId`] when the id is taken.
    pub fn register_plugin(&mut self, plugin: impl Plugin + 'static) -> Result<(), ConfigError> {
        let plugin: Arc<dyn Plugin> = Arc::new(plugin);
        let info = StrategyInfo {
            id: plugin.id().to_owned(),
            name: plugin.name().to_owned(),
            version: plugin.version().to_owned(),
            description: plugin.description().to_owned(),
            result_type: plugin.result_type(),
            online: false,
            keys: Vec::new(),
        };
        self.insert(
            info,
            Box::new(move |config| {
                plugin.validate(&config)?;
                Ok(Box::new(PluginStrategy {
                    plugin: Arc::clone(&plugin),
                    config,
                }) as Box<dyn Strategy>)
            }),
        )
    }

    /// Builds a strategy by id from a JSON config (`null`: defaults).
    ///
    /// # Errors
    /// [`ConfigError::UnknownStrategy`] for an unknown id; the factory's errors otherwise.
    pub fn build(
        &self,
        id: &str,
        config: serde_json::Value,
    ) -> Result<Box<dyn Strategy>, ConfigError> {
        match self.entries.get(id) {
            Some(e) => (e.build)(config),
            None => Err(ConfigError::UnknownStrategy {
                id: id.to_owned(),
                known: self.ids().collect::<Vec<_>>().join(", "),
            }),
        }
    }

    /// Builds a strategy from the seed's request shape.
    ///
    /// # Errors
    /// As [`Registry::build`].
    pub fn build_request(
        &self,
        request: &StrategyRequest,
    ) -> Result<Box<dyn Strategy>, ConfigError> {
        self.build(&request.strategy_id, request.config.clone())
    }

    /// The registered ids, sorted.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Info on every registered strategy, sorted by id.
    pub fn infos(&self) -> Vec<StrategyInfo> {
        self.entries.values().map(|e| e.info.clone()).collect()
    }

    /// Info on one strategy.
    pub fn info(&self, id: &str) -> Option<StrategyInfo> {
        self.entries.get(id).map(|e| e.info.clone())
    }

    /// True when `id` is registered.
    pub fn contains(&self, id: &str) -> bool {
        self.entries.contains_key(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed's custom strategy (StratosMesh README, "Custom Strategies"): valid when the
    /// config has `model_path` and `threshold`.
    #[derive(Debug)]
    struct CustomMl;

    impl Plugin for CustomMl {
        fn id(&self) -> &str {
            "custom_ml_model"
        }
        fn name(&self) -> &str {
            "Custom ML Prediction"
        }
        fn version(&self) -> &str {
            "1.0.0"
        }
        fn validate(&self, config: &serde_json::Value) -> Result<(), ConfigError> {
            for key in ["model_path", "threshold"] {
                if config.get(key).is_none() {
                    return Err(ConfigError::invalid(self.id(), key, "missing", "a value"));
                }
            }
            Ok(())
        }
        fn execute(
            &self,
            _: &Frame,
            _: &serde_json::Value,
        ) -> Result<StrategyResult, StrategyError> {
            Ok(StrategyResult::new(
                self.id(),
                ResultType::Prediction,
                serde_json::json!({"prediction": 0.85, "confidence": 0.92}),
                0.92,
            ))
        }
    }

    #[test]
    fn plugins_register_validate_and_execute() {
        let mut r = Registry::new();
        r.register_plugin(CustomMl).unwrap();
        assert_eq!(
            r.register_plugin(CustomMl).unwrap_err(),
            ConfigError::DuplicateId {
                id: "custom_ml_model".into()
            }
        );
        let req: StrategyRequest = serde_json::from_str(
            r#"{"strategy_id":"custom_ml_model","config":{"model_path":"m.onnx","threshold":0.5}}"#,
        )
        .unwrap();
        let s = r.build_request(&req).unwrap();
        let out = s.execute(&Frame::from_values("value", vec![1.0])).unwrap();
        assert_eq!(out.confidence, 0.92);
        assert_eq!(
            s.input_fields(&Frame::from_values("value", vec![]).schema().clone())
                .unwrap(),
            ["value"]
        );
        let e = r
            .build("custom_ml_model", serde_json::json!({"threshold": 1}))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "custom_ml_model: `model_path` = missing: expected a value"
        );
        let e = r.build("nope", serde_json::Value::Null).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown strategy `nope` (known: custom_ml_model)"
        );
        assert_eq!(r.info("custom_ml_model").unwrap().version, "1.0.0");
    }
}
