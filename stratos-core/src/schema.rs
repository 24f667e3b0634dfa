//! The detected schema of a batch: which column is time, which are values, which categories.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Column names preferred as the main value field, in order.
pub const MAIN_VALUE_FIELDS: [&str; 3] = ["close", "price", "value"];

/// The roles of a frame's columns, in the seed's AI-schema shape.
///
/// ```json
/// {"timestamp_field": "timestamp", "value_fields": ["close", "volume"], "category_fields": ["symbol"]}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    /// The column holding each row's time, if any.
    #[serde(default)]
    pub timestamp_field: Option<String>,
    /// Numeric columns, in input order.
    #[serde(default)]
    pub value_fields: Vec<String>,
    /// Text columns, in input order.
    #[serde(default)]
    pub category_fields: Vec<String>,
    /// Units by field name (`"temperature": "°C"`), where the input stated them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub units: BTreeMap<String, String>,
}

impl Schema {
    /// The field a strategy uses when its config names none: `close`, `price` or `value`
    /// (case-insensitive, in that order) when present, else the first numeric field.
    ///
    /// # Examples
    /// ```
    /// use stratos_core::Schema;
    /// let s = Schema { value_fields: vec!["open".into(), "Close".into()], ..Schema::default() };
    /// assert_eq!(s.main_value_field(), Some("Close"));
    /// ```
    pub fn main_value_field(&self) -> Option<&str> {
        MAIN_VALUE_FIELDS
            .iter()
            .find_map(|want| {
                self.value_fields
                    .iter()
                    .find(|f| f.eq_ignore_ascii_case(want))
            })
            .or_else(|| self.value_fields.first())
            .map(String::as_str)
    }

    /// The position of a numeric field in `value_fields`.
    pub fn value_index(&self, field: &str) -> Option<usize> {
        self.value_fields.iter().position(|f| f == field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_value_field_prefers_close_price_value_then_first() {
        let mk = |v: &[&str]| Schema {
            value_fields: v.iter().map(|s| s.to_string()).collect(),
            ..Schema::default()
        };
        assert_eq!(
            mk(&["open", "high", "close", "volume"]).main_value_field(),
            Some("close")
        );
        assert_eq!(
            mk(&["volume", "value", "price"]).main_value_field(),
            Some("price")
        );
        assert_eq!(
            mk(&["temperature", "humidity"]).main_value_field(),
            Some("temperature")
        );
        assert_eq!(mk(&[]).main_value_field(), None);
    }

    #[test]
    fn serde_shape_is_the_seeds() {
        let s = Schema {
            timestamp_field: Some("timestamp".into()),
            value_fields: vec!["close".into()],
            category_fields: vec!["symbol".into()],
            units: BTreeMap::new(),
        };
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"timestamp_field":"timestamp","value_fields":["close"],"category_fields":["symbol"]}"#
        );
    }
}
