//! The engine's settings, its input record, and what it reports per record and in total.

use serde::Serialize;

use crate::timestamp::Timestamp;

/// What happens when a record would open stream number `max_streams + 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Overflow {
    /// Evict the least recently fed stream of the tenant holding the most streams.
    #[default]
    EvictLeastRecent,
    /// Refuse the record ([`EngineError::TooManyStreams`](super::EngineError::TooManyStreams)).
    Reject,
}

/// What happens to a late or duplicate record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimePolicy {
    /// Feed it to the strategies.
    Accept,
    /// Drop it and count it.
    Drop,
}

/// What happens to a record holding NaN or an infinity (a missing value) in a bound field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingPolicy {
    /// Refuse it with [`EngineError::Invalid`](super::EngineError::Invalid).
    #[default]
    Reject,
    /// Feed it on; strategies treat NaN as a gap.
    Accept,
}

/// When the engine flushes its sink ([`Sink::flush`](super::Sink::flush)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlushPolicy {
    /// After each record that produced events or a notice, so that they leave as they happen.
    #[default]
    EachRecord,
    /// Never: the caller flushes the sink itself, at least before it waits for more input and
    /// at the end (see `next_line_buffered` on the ingest crate's pull readers). Records
    /// arriving in a burst then cost one write together instead of one per record with
    /// events, and the output is the same.
    Caller,
}

/// Engine settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EngineConfig {
    /// Most streams held at once, over all tenants. Defaults to 100 000.
    pub max_streams: usize,
    /// What a record opening one stream too many does. Defaults to evicting.
    pub overflow: Overflow,
    /// Evict streams idle for longer than this many seconds of their tenant's event time.
    /// Defaults to never.
    pub idle_timeout_seconds: Option<i64>,
    /// Records older than their stream's latest. Defaults to [`TimePolicy::Drop`].
    pub late: TimePolicy,
    /// Records as old as their stream's latest. Defaults to [`TimePolicy::Accept`].
    pub duplicates: TimePolicy,
    /// Records with NaN or infinite values. Defaults to [`MissingPolicy::Reject`].
    pub missing: MissingPolicy,
    /// Most unlisted tenants tracked (each costs a few hundred bytes). Defaults to 10 000.
    /// Tenants listed in the policies are always admitted and do not count: unknown names,
    /// however many, cannot crowd them out.
    pub max_tenants: usize,
    /// When the sink is flushed. Defaults to [`FlushPolicy::EachRecord`].
    pub flush: FlushPolicy,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            max_streams: 100_000,
            overflow: Overflow::EvictLeastRecent,
            idle_timeout_seconds: None,
            late: TimePolicy::Drop,
            duplicates: TimePolicy::Accept,
            missing: MissingPolicy::Reject,
            max_tenants: 10_000,
            flush: FlushPolicy::EachRecord,
        }
    }
}

/// One record as the engine takes it: borrowed, already split into the bound schema's fields.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Input<'a> {
    /// The tenant (`""`: the engine's single default tenant).
    pub tenant: &'a str,
    /// The stream.
    pub stream_id: &'a str,
    /// The record's time.
    pub timestamp: Option<Timestamp>,
    /// Values in the bound schema's `value_fields` order.
    pub values: &'a [f64],
    /// Category values in the bound schema's `category_fields` order.
    pub categories: &'a [&'a str],
}

impl<'a> Input<'a> {
    /// A record of the default tenant, without time or categories.
    pub fn new(stream_id: &'a str, values: &'a [f64]) -> Self {
        Input {
            tenant: "",
            stream_id,
            timestamp: None,
            values,
            categories: &[],
        }
    }

    /// With a tenant.
    pub fn with_tenant(mut self, tenant: &'a str) -> Self {
        self.tenant = tenant;
        self
    }

    /// With a timestamp.
    pub fn with_timestamp(mut self, timestamp: Timestamp) -> Self {
        self.timestamp = Some(timestamp);
        self
    }

    /// With category values.
    pub fn with_categories(mut self, categories: &'a [&'a str]) -> Self {
        self.categories = categories;
        self
    }
}

/// What became of a record the engine accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Processed {
    /// Fed to the stream's strategies, which emitted this many events.
    Fed {
        /// Events emitted.
        events: usize,
    },
    /// Dropped by the time-order policy (and counted).
    Dropped(DropReason),
}

/// Why a record was dropped by policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// Older than its stream's latest record.
    Late,
    /// As old as its stream's latest record.
    Duplicate,
}

/// Engine-wide counts. Every record lands in exactly one of the outcome counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EngineStats {
    /// Records received.
    pub records: u64,
    /// Records fed to strategies.
    pub processed: u64,
    /// Strategy events emitted.
    pub events: u64,
    /// Engine notices (`limit_exceeded`) emitted.
    pub notices: u64,
    /// Records refused by validation.
    pub invalid: u64,
    /// Late records dropped.
    pub late_dropped: u64,
    /// Duplicate-time records dropped.
    pub duplicates_dropped: u64,
    /// Records refused by a tenant limit.
    pub limit_rejected: u64,
    /// Records of a tenant without a policy.
    pub unknown_tenant: u64,
    /// Records refused because the engine was full ([`Overflow::Reject`]).
    pub stream_rejected: u64,
    /// Streams opened.
    pub streams_opened: u64,
    /// Streams evicted (idle or overflow).
    pub streams_evicted: u64,
}
