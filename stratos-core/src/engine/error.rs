//! Errors of the streaming engine: per-record rejections, and sink failures that end a run.

use thiserror::Error;

use super::tenant::Limit;

/// Why a sink could not take an event.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SinkError {
    /// The writer failed (a closed pipe, a full disk).
    #[error("event sink: {0}")]
    Io(#[from] std::io::Error),
    /// The receiving end of a channel was dropped.
    #[error("event sink: the receiver was dropped")]
    Closed,
}

/// Why the engine did not process a record. [`EngineError::Sink`] and [`EngineError::Config`]
/// are fatal ([`EngineError::is_fatal`]); every other variant concerns one record, which is
/// counted in [`super::EngineStats`] and may be reported by the caller.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum EngineError {
    /// A record that fails validation: a missing field, a wrong type, NaN or infinity.
    #[error("stream `{stream_id}`: field `{field}`: expected {expected}, found {found}")]
    Invalid {
        /// The record's stream.
        stream_id: String,
        /// The offending field.
        field: String,
        /// What the engine needed.
        expected: String,
        /// What it found.
        found: String,
    },
    /// A tenant limit refused the record; the tenant also gets a `limit_exceeded` event.
    #[error("tenant `{tenant}`: {limit} ({allowed}) exceeded by stream `{stream_id}`")]
    LimitExceeded {
        /// The tenant.
        tenant: String,
        /// The stream the refused record belongs to.
        stream_id: String,
        /// Which limit.
        limit: Limit,
        /// The configured limit.
        allowed: u64,
    },
    /// A tenant with no policy while policies are enforced and no default policy is set, or one
    /// past the engine's `max_tenants`.
    #[error("tenant `{tenant}`: {reason}")]
    UnknownTenant {
        /// The tenant name the record gave (at most 64 characters).
        tenant: String,
        /// Why it was refused.
        reason: String,
    },
    /// The engine holds `max_streams` streams and its overflow policy is to refuse new ones.
    #[error("stream `{stream_id}`: the engine already holds its maximum of {max_streams} streams")]
    TooManyStreams {
        /// The new stream.
        stream_id: String,
        /// The configured bound.
        max_streams: usize,
    },
    /// A strategy could not be bound to the engine's schema.
    #[error(transparent)]
    Config(#[from] crate::ConfigError),
    /// The sink failed; the run cannot go on.
    #[error(transparent)]
    Sink(#[from] SinkError),
}

impl EngineError {
    /// True when the run cannot go on (the sink failed, or a strategy could not bind); false for
    /// a refused record.
    pub fn is_fatal(&self) -> bool {
        matches!(self, EngineError::Sink(_) | EngineError::Config(_))
    }
}
