//! Typed errors of the core domains: records, strategy configs and strategy runs.
//!
//! Every error says where (record field, config key, data column) and what was expected.

use thiserror::Error;

/// A record, value or timestamp that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RecordError {
    /// A timestamp in none of the accepted forms, or out of range.
    #[error("timestamp `{text}`: expected {expected}")]
    Timestamp {
        /// The offending text (at most 64 characters).
        text: String,
        /// What would have been accepted.
        expected: String,
    },
    /// A record that is not valid JSON for the seed's envelope.
    #[error("record: {message}")]
    Json {
        /// serde_json's message, with its line and column.
        message: String,
    },
    /// A payload field that is missing or has the wrong type.
    #[error("payload field `{field}`: expected {expected}, found {found}")]
    Field {
        /// The payload key.
        field: String,
        /// What the reader needed.
        expected: String,
        /// What it found.
        found: String,
    },
}

impl RecordError {
    pub(crate) fn timestamp(text: String, expected: &str) -> Self {
        RecordError::Timestamp {
            text,
            expected: expected.to_owned(),
        }
    }
}

/// A strategy configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A key whose value is outside its allowed range or set.
    #[error("{strategy}: `{field}` = {value}: expected {expected}")]
    Invalid {
        /// The strategy id.
        strategy: String,
        /// The config key, as spelled in the config.
        field: String,
        /// The rejected value, as JSON.
        value: String,
        /// The allowed range or set.
        expected: String,
    },
    /// A config that does not deserialize: unknown key, wrong type, malformed JSON.
    #[error("{strategy}: invalid config: {message}")]
    Parse {
        /// The strategy id.
        strategy: String,
        /// serde's message (names the key and the expected type).
        message: String,
    },
    /// A request naming a strategy the registry does not hold.
    #[error("unknown strategy `{id}` (known: {known})")]
    UnknownStrategy {
        /// The requested id.
        id: String,
        /// The registered ids, comma-separated.
        known: String,
    },
    /// A registration under an id that is already taken.
    #[error("a strategy with id `{id}` is already registered")]
    DuplicateId {
        /// The clashing id.
        id: String,
    },
    /// A config naming an input field the data does not have.
    #[error(
        "{strategy}: `{field}` names no numeric field of the input (numeric fields: {available})"
    )]
    MissingField {
        /// The strategy id.
        strategy: String,
        /// The missing field.
        field: String,
        /// The numeric fields the input does have, comma-separated.
        available: String,
    },
    /// The field to analyse was read as text: a cell in it is not a number (type inference
    /// made the whole column text), named with its 1-based data row.
    #[error(
        "{strategy}: `{field}` is a text column, not a numeric one: data row {row} holds `{cell}`, \
         which is not a number (numeric fields: {available})"
    )]
    TextField {
        /// The strategy id.
        strategy: String,
        /// The field.
        field: String,
        /// The 1-based data row of the first cell that is not a number.
        row: usize,
        /// That cell (at most 64 characters).
        cell: String,
        /// The numeric fields the input does have, comma-separated.
        available: String,
    },
}

impl ConfigError {
    /// An [`ConfigError::Invalid`] for `strategy`'s key `field`.
    pub fn invalid(
        strategy: &str,
        field: &str,
        value: impl std::fmt::Display,
        expected: impl Into<String>,
    ) -> Self {
        ConfigError::Invalid {
            strategy: strategy.to_owned(),
            field: field.to_owned(),
            value: value.to_string(),
            expected: expected.into(),
        }
    }
}

/// A strategy run that could not produce a result.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StrategyError {
    /// The configuration is unusable for this input.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Too few usable points for the strategy.
    #[error("{strategy}: needs at least {needed} data points in `{field}`, got {got}")]
    NotEnoughData {
        /// The strategy id.
        strategy: String,
        /// The input field.
        field: String,
        /// The minimum.
        needed: usize,
        /// What the input had.
        got: usize,
    },
    /// A numerical failure the strategy could not answer (reported, never a panic or NaN).
    /// The failure is kept as the source (a typed error such as the ARIMA fit's, or a message).
    #[error("{strategy}: {source}")]
    Numeric {
        /// The strategy id.
        strategy: String,
        /// What failed and why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// An error raised by a user plug-in.
    #[error("plug-in `{strategy}` failed: {source}")]
    Plugin {
        /// The plug-in's id.
        strategy: String,
        /// The plug-in's own error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

impl StrategyError {
    /// A [`StrategyError::Numeric`] of `strategy`, keeping `source` (a typed error, or a
    /// message: `String` and `&str` convert).
    ///
    /// # Examples
    /// ```
    /// use stratos_core::StrategyError;
    /// let e = StrategyError::numeric("arima_prediction", "`close` is constant");
    /// assert_eq!(e.to_string(), "arima_prediction: `close` is constant");
    /// assert!(std::error::Error::source(&e).is_some());
    /// ```
    pub fn numeric(
        strategy: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        StrategyError::Numeric {
            strategy: strategy.into(),
            source: source.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn errors_are_send_sync_and_say_where() {
        assert_send_sync::<RecordError>();
        assert_send_sync::<ConfigError>();
        assert_send_sync::<StrategyError>();
        let e = ConfigError::invalid("moving_average", "period", 0, "an integer in 1..=1000000");
        assert_eq!(
            e.to_string(),
            "moving_average: `period` = 0: expected an integer in 1..=1000000"
        );
    }
}

/// A frame whose columns do not fit together.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FrameError {
    /// A column whose length differs from the frame's.
    #[error("column `{column}` has {got} rows, expected {expected}")]
    Length {
        /// The column name.
        column: String,
        /// The frame's row count.
        expected: usize,
        /// The column's row count.
        got: usize,
    },
    /// Two columns with the same name.
    #[error("column `{column}` appears twice")]
    DuplicateColumn {
        /// The repeated name.
        column: String,
    },
    /// A dictionary-encoded column whose parts do not fit together.
    #[error("column `{column}`: {message}")]
    Category {
        /// The column name.
        column: String,
        /// What is wrong.
        message: String,
    },
    /// A column asked for by name that the frame does not have (or not of a usable kind).
    #[error("no category or numeric column `{column}` (columns: {available})")]
    MissingColumn {
        /// The requested name.
        column: String,
        /// The category and numeric columns the frame does have, comma-separated.
        available: String,
    },
    /// A row index past the frame's end.
    #[error("row {row} is past the frame's {len} rows")]
    Row {
        /// The 0-based row asked for.
        row: usize,
        /// The frame's row count.
        len: usize,
    },
    /// A record or row with no usable timestamp in a frame that has a time column.
    #[error("row {row}: {source}")]
    Record {
        /// 0-based row (record) index.
        row: usize,
        /// What was wrong with it.
        #[source]
        source: RecordError,
    },
}
