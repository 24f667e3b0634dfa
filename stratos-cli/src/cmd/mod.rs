//! The subcommands.

pub(crate) mod backtest;
pub(crate) mod evaluate;
pub(crate) mod inspect;
pub(crate) mod pdf_child;
pub(crate) mod run;
#[cfg(feature = "sql")]
pub(crate) mod sql;
pub(crate) mod stationarity;
pub(crate) mod strategies;
pub(crate) mod stream;

use crate::exit::CliError;

/// Reads `--config`: inline JSON, `key=value,key=value`, or `@FILE`; absent means all
/// defaults (`null`).
pub(crate) fn parse_config(arg: Option<&str>) -> Result<serde_json::Value, CliError> {
    let Some(arg) = arg else {
        return Ok(serde_json::Value::Null);
    };
    let (text, origin) = match arg.strip_prefix('@') {
        Some(path) => (
            std::fs::read_to_string(path)
                .map_err(|e| CliError::Usage(format!("--config @{path}: {e}")))?,
            format!("--config @{path}"),
        ),
        None => (arg.to_owned(), "--config".to_owned()),
    };
    let trimmed = text.trim();
    if !trimmed.starts_with(['{', '[', '"']) && trimmed != "null" && trimmed.contains('=') {
        return key_values(trimmed, &origin);
    }
    serde_json::from_str(&text).map_err(|e| CliError::Usage(format!("{origin}: invalid JSON: {e}")))
}

/// `key=value,key=value` as a JSON object: each value read as JSON when it is JSON (`20`,
/// `true`, `[1,2]`), else as text (`z_score`).
fn key_values(text: &str, origin: &str) -> Result<serde_json::Value, CliError> {
    let mut map = serde_json::Map::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(CliError::Usage(format!(
                "{origin}: `{pair}` is not key=value (write key=value,key=value or JSON)"
            )));
        };
        let (key, value) = (key.trim(), value.trim());
        if key.is_empty() {
            return Err(CliError::Usage(format!("{origin}: `{pair}` has no key")));
        }
        let value = serde_json::from_str(value).unwrap_or_else(|_| value.into());
        if map.insert(key.to_owned(), value).is_some() {
            return Err(CliError::Usage(format!("{origin}: `{key}` given twice")));
        }
    }
    Ok(serde_json::Value::Object(map))
}

/// Applies `--field` to a config: sets `data_field` unless the config lists `fields`. With
/// `only_if_unset`, a config that already names a field keeps it.
pub(crate) fn apply_field(
    mut config: serde_json::Value,
    field: Option<&str>,
    only_if_unset: bool,
) -> Result<serde_json::Value, CliError> {
    let Some(field) = field else {
        return Ok(config);
    };
    if config.is_null() {
        config = serde_json::json!({});
    }
    let Some(map) = config.as_object_mut() else {
        return Err(CliError::Usage("--config: expected a JSON object".into()));
    };
    if map.contains_key("fields") {
        if only_if_unset {
            return Ok(config);
        }
        return Err(CliError::Usage(
            "--field conflicts with the config's `fields`".into(),
        ));
    }
    if !(only_if_unset && map.contains_key("data_field")) {
        map.insert("data_field".into(), field.into());
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    #[test]
    fn config_takes_key_value_pairs() {
        let v = super::parse_config(Some("period=20, method=z_score,flag=true")).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"period": 20, "method": "z_score", "flag": true})
        );
        assert!(super::parse_config(Some("period=1,oops")).is_err());
        assert!(super::parse_config(Some("a=1,a=2")).is_err());
        assert!(super::parse_config(Some("{\"a\": 1}")).is_ok());
    }
    use super::*;

    #[test]
    fn field_goes_into_the_config() {
        let c = apply_field(serde_json::Value::Null, Some("close"), false).unwrap();
        assert_eq!(c, serde_json::json!({"data_field": "close"}));
        let c = apply_field(serde_json::json!({"data_field": "a"}), Some("b"), true).unwrap();
        assert_eq!(c["data_field"], "a");
        assert!(apply_field(serde_json::json!({"fields": ["a"]}), Some("b"), false).is_err());
        assert!(apply_field(serde_json::json!([1]), Some("b"), false).is_err());
        assert!(
            parse_config(Some("{"))
                .unwrap_err()
                .to_string()
                .starts_with("--config: invalid JSON")
        );
    }
}
