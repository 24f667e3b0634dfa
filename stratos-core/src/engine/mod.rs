//! The streaming engine: routes records by (tenant, `stream_id`) to their own online strategy
//! states, enforces tenant limits, and pushes events into a [`Sink`].
//!
//! # Policies
//! - **State per stream.** Each (tenant, stream) pair gets its own online state of every
//!   strategy its tenant may run. Memory per stream is the strategies' O(window) state plus a
//!   small fixed header.
//! - **`max_streams`.** The engine never holds more streams. When a record opens one more,
//!   [`Overflow::EvictLeastRecent`] (the default) evicts a stream of the group furthest over
//!   its share. Each tenant listed in the policies is a group whose share is its
//!   `max_concurrent_streams` (else `max_streams / (listed + 1)`); unlisted tenants form one
//!   pool sharing what is left. So a listed tenant within its own `max_concurrent_streams`
//!   loses no stream while another group is over its share, however many tenant names an
//!   attacker rotates through. Within the pool, a tenant opening a stream while holding at
//!   least its fair part of the pool evicts its own least recently fed stream (a tenant
//!   flooding with new streams evicts its own); otherwise the pool's least recently fed
//!   stream goes (a name used once and never again is the first to go),
//!   found through a second-chance queue in amortized O(1) per record (and a scan over the
//!   tenants for the biggest); [`Overflow::Reject`] refuses the record with
//!   [`EngineError::TooManyStreams`].
//! - **Idle eviction.** With `idle_timeout_seconds`, a stream whose latest timestamp is older
//!   than its tenant's watermark (latest timestamp of any of its records) minus the timeout is
//!   evicted at the next sweep (every 65 536 records, and whenever `max_streams` is reached).
//!   Its state is dropped; a later record opens it afresh.
//! - **Time order.** Per stream: a record older than the stream's latest timestamp is *late*,
//!   one equal to it a *duplicate*. [`TimePolicy::Drop`] drops it and counts it
//!   (`late_dropped`, `duplicates_dropped`); [`TimePolicy::Accept`] feeds it to the strategies.
//!   Defaults: late records dropped, duplicates accepted. Records without a timestamp are never
//!   late.
//! - **Validation.** A record whose values do not match the bound schema, or (under
//!   [`MissingPolicy::Reject`], the default) holds NaN or an infinity, is refused with
//!   [`EngineError::Invalid`] and counted in `invalid`. Nothing is dropped silently: every
//!   record ends up in exactly one of `processed`, `invalid`, `late_dropped`,
//!   `duplicates_dropped`, `limit_rejected`, `unknown_tenant` or `stream_rejected`.
//! - **Tenants.** See [`tenant`]. Without policies every tenant is allowed with no limits.
//! - **Flushing.** The sink is flushed after each record that produced events or a notice
//!   ([`FlushPolicy::EachRecord`], the default), or only by the caller
//!   ([`FlushPolicy::Caller`]), e.g. when its input is about to wait for more bytes.
//!
//! # Examples
//! ```
//! use stratos_core::engine::{Engine, EngineConfig, Input, NdjsonSink};
//! use stratos_core::{Schema, Strategy};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let strategies: Vec<Box<dyn Strategy>> = Vec::new();
//! let schema = Schema { value_fields: vec!["value".into()], ..Schema::default() };
//! let mut engine = Engine::new(strategies, schema, EngineConfig::default())?;
//! let mut sink = NdjsonSink::new(Vec::new());
//! engine.process(Input::new("sensor_1", &[21.5]), &mut sink)?;
//! assert_eq!(engine.stats().processed, 1);
//! assert_eq!(engine.live_streams(), 1);
//! # Ok(()) }
//! ```

mod config;
mod error;
mod evict;
mod key;
mod sink;
pub mod tenant;

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

pub use config::{
    DropReason, EngineConfig, EngineStats, FlushPolicy, Input, MissingPolicy, Overflow, Processed,
    TimePolicy,
};
pub use error::{EngineError, SinkError};
pub use sink::{CallbackSink, ChannelSink, Emitted, LimitExceeded, NdjsonSink, Notice, Sink};
pub use tenant::{Limit, TenantLimits, TenantPolicies, TenantPolicy, TenantStats};

use crate::error::ConfigError;
use crate::event::Event;
use crate::record::Record;
use crate::schema::Schema;
use crate::strategy::{OnlineStrategy, RowRef, Strategy};
use crate::timestamp::Timestamp;
use crate::value::Value;
use tenant::TenantState;

/// Records between idle sweeps.
const SWEEP_EVERY: u64 = 65_536;

/// One live stream's state.
#[derive(Debug)]
struct Slot {
    name: String,
    tenant: usize,
    states: Vec<Box<dyn OnlineStrategy>>,
    last_time: Option<Timestamp>,
    last_tick: u64,
    records: u64,
    /// Tells this stream from a later one reusing the slot.
    id: u64,
}

/// A stream as [`Engine::streams`] lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamInfo<'a> {
    /// Its tenant (`""`: default).
    pub tenant: &'a str,
    /// Its id.
    pub stream_id: &'a str,
    /// Records fed since it opened.
    pub records: u64,
    /// Its latest timestamp.
    pub last_time: Option<Timestamp>,
}

/// The streaming engine. See the [module docs](self) for its policies.
#[derive(Debug)]
pub struct Engine {
    strategies: Vec<Box<dyn Strategy>>,
    strategy_ids: Vec<String>,
    schema: Schema,
    config: EngineConfig,
    policies: Option<TenantPolicies>,
    tenant_index: FxHashMap<Box<str>, usize>,
    tenants: Vec<TenantState>,
    maps: Vec<FxHashMap<key::StreamKey, usize>>,
    /// Per tenant, its streams in order of (re)queueing: (slot, stream id, tick when queued).
    queues: Vec<VecDeque<(usize, u64, u64)>>,
    /// The streams of unlisted tenants, in the same form.
    pool_queue: VecDeque<(usize, u64, u64)>,
    /// Live streams of unlisted tenants.
    pool_live: usize,
    /// Unlisted tenants tracked.
    pool_tenants: usize,
    slots: Vec<Option<Slot>>,
    free: Vec<usize>,
    live: usize,
    tick: u64,
    last_tenant: usize,
    events: Vec<Event>,
    scratch: Vec<f64>,
    stats: EngineStats,
}

/// The schema an engine binds its strategies to: the numeric and category fields they read,
/// resolved against the fields the input offers (a CSV header, the first record's payload).
///
/// # Errors
/// [`ConfigError::MissingField`] when a strategy names a field the input does not offer.
///
/// # Examples
/// ```
/// use stratos_core::engine::bind_schema;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let schema = bind_schema(&[], vec!["value".into()], vec![])?;
/// assert!(schema.value_fields.is_empty());
/// # Ok(()) }
/// ```
pub fn bind_schema(
    strategies: &[Box<dyn Strategy>],
    offered_numeric: Vec<String>,
    offered_categories: Vec<String>,
) -> Result<Schema, ConfigError> {
    let provisional = Schema {
        value_fields: offered_numeric,
        category_fields: offered_categories,
        ..Schema::default()
    };
    let mut values: Vec<String> = Vec::new();
    let mut categories: Vec<String> = Vec::new();
    for s in strategies {
        for f in s.input_fields(&provisional)? {
            if !values.contains(&f) {
                values.push(f);
            }
        }
        for f in s.input_categories(&provisional)? {
            if !categories.contains(&f) {
                categories.push(f);
            }
        }
    }
    Ok(Schema {
        value_fields: values,
        category_fields: categories,
        ..Schema::default()
    })
}

impl Engine {
    /// An engine running `strategies` on every stream, over rows shaped by `schema` (see
    /// [`bind_schema`]), with every tenant allowed and unlimited.
    ///
    /// # Errors
    /// [`EngineError::Config`] when a strategy has no online form or cannot bind to `schema`.
    pub fn new(
        strategies: Vec<Box<dyn Strategy>>,
        schema: Schema,
        config: EngineConfig,
    ) -> Result<Self, EngineError> {
        for s in &strategies {
            if s.online(&schema)?.is_none() {
                return Err(EngineError::Config(ConfigError::Invalid {
                    strategy: s.id().to_owned(),
                    field: "strategy_id".to_owned(),
                    value: s.id().to_owned(),
                    expected: "a strategy with an online form (ARIMA runs in batch only)"
                        .to_owned(),
                }));
            }
        }
        let strategy_ids = strategies.iter().map(|s| s.id().to_owned()).collect();
        Ok(Engine {
            strategies,
            strategy_ids,
            schema,
            config,
            policies: None,
            tenant_index: FxHashMap::default(),
            tenants: Vec::new(),
            maps: Vec::new(),
            queues: Vec::new(),
            pool_queue: VecDeque::new(),
            pool_live: 0,
            pool_tenants: 0,
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
            tick: 0,
            last_tenant: usize::MAX,
            events: Vec::new(),
            scratch: Vec::new(),
            stats: EngineStats::default(),
        })
    }

    /// Enforces tenant policies from now on (tenants already seen keep their old policy).
    pub fn with_policies(mut self, policies: TenantPolicies) -> Self {
        self.policies = Some(policies);
        self
    }

    /// The bound schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The settings.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Engine-wide counts.
    pub fn stats(&self) -> &EngineStats {
        &self.stats
    }

    /// Streams held now.
    pub fn live_streams(&self) -> usize {
        self.live
    }

    /// Each tenant seen, with its counts, in order of first appearance.
    pub fn tenant_stats(&self) -> impl Iterator<Item = (&str, &TenantStats)> {
        self.tenants.iter().map(|t| (t.name.as_str(), &t.stats))
    }

    /// The live streams, in no particular order.
    pub fn streams(&self) -> impl Iterator<Item = StreamInfo<'_>> {
        self.slots.iter().flatten().map(|s| StreamInfo {
            tenant: self.tenants.get(s.tenant).map_or("", |t| t.name.as_str()),
            stream_id: &s.name,
            records: s.records,
            last_time: s.last_time,
        })
    }

    /// Feeds one record to its stream's strategies and passes their events to `sink`.
    ///
    /// # Errors
    /// A refused record: [`EngineError::Invalid`], [`EngineError::LimitExceeded`] (the tenant
    /// also gets a `limit_exceeded` notice), [`EngineError::UnknownTenant`] or
    /// [`EngineError::TooManyStreams`]; each is counted, and the engine goes on. A failed sink:
    /// [`EngineError::Sink`], after which the caller should stop
    /// ([`EngineError::is_fatal`]).
    #[inline]
    pub fn process<S: Sink + ?Sized>(
        &mut self,
        input: Input<'_>,
        sink: &mut S,
    ) -> Result<Processed, EngineError> {
        self.stats.records += 1;
        if let Err(e) = self.validate(&input) {
            self.stats.invalid += 1;
            return Err(e);
        }
        let t = self.tenant(input.tenant)?;
        let tenant = &mut self.tenants[t];
        tenant.stats.records += 1;
        if let Err((limit, allowed)) =
            tenant.admit_record(input.timestamp.map(Timestamp::epoch_seconds))
        {
            return Err(self.refuse(t, &input, limit, allowed, sink));
        }
        self.tick += 1;
        let slot = match self.maps[t].get(input.stream_id) {
            Some(&i) => i,
            None => self.open(t, &input, sink)?,
        };
        let Some(s) = self.slots.get_mut(slot).and_then(Option::as_mut) else {
            return Err(EngineError::TooManyStreams {
                stream_id: input.stream_id.to_owned(),
                max_streams: self.config.max_streams,
            });
        };
        if let (Some(now), Some(last)) = (input.timestamp, s.last_time) {
            if now < last && self.config.late == TimePolicy::Drop {
                self.stats.late_dropped += 1;
                return Ok(Processed::Dropped(DropReason::Late));
            }
            if now == last && self.config.duplicates == TimePolicy::Drop {
                self.stats.duplicates_dropped += 1;
                return Ok(Processed::Dropped(DropReason::Duplicate));
            }
        }
        if input.timestamp > s.last_time {
            s.last_time = input.timestamp;
        }
        s.last_tick = self.tick;
        s.records += 1;
        let row = RowRef {
            stream_id: &s.name,
            timestamp: input.timestamp,
            values: input.values,
        };
        if input.categories.is_empty() {
            for state in &mut s.states {
                state.update(row, &mut self.events);
            }
        } else {
            for state in &mut s.states {
                state.update_with_categories(row, input.categories, &mut self.events);
            }
        }
        self.stats.processed += 1;
        let tenant = &mut self.tenants[t];
        tenant.stats.processed += 1;
        let n = self.events.len();
        if n > 0 {
            self.stats.events += n as u64;
            tenant.stats.events += n as u64;
            for e in self.events.drain(..) {
                sink.event(&tenant.name, e)?;
            }
            if self.config.flush == FlushPolicy::EachRecord {
                sink.flush()?;
            }
        }
        if self.tick.is_multiple_of(SWEEP_EVERY) {
            self.sweep();
        }
        Ok(Processed::Fed { events: n })
    }

    /// Feeds a [`Record`] (the seed's envelope) of `tenant`: its payload is read by the bound
    /// schema's field names.
    ///
    /// # Errors
    /// As [`Engine::process`]; a missing field or one of the wrong type is
    /// [`EngineError::Invalid`], and so is a timestamp that cannot be read.
    pub fn process_record<S: Sink + ?Sized>(
        &mut self,
        tenant: &str,
        record: &Record,
        sink: &mut S,
    ) -> Result<Processed, EngineError> {
        let invalid = |field: &str, expected: &str, found: String| EngineError::Invalid {
            stream_id: record.stream_id.clone(),
            field: field.to_owned(),
            expected: expected.to_owned(),
            found,
        };
        let mut values = std::mem::take(&mut self.scratch);
        values.clear();
        let mut bad = None;
        for f in &self.schema.value_fields {
            match record.payload.get(f) {
                Some(Value::Number(v)) => values.push(*v),
                Some(Value::Null) => values.push(f64::NAN),
                other => {
                    bad = Some(invalid(
                        f,
                        "a number",
                        other.map_or("nothing".to_owned(), |v| v.type_name().to_owned()),
                    ));
                    break;
                }
            }
        }
        let mut categories: Vec<&str> = Vec::with_capacity(self.schema.category_fields.len());
        if bad.is_none() {
            for f in &self.schema.category_fields {
                match record.payload.get(f) {
                    Some(Value::Text(s)) => categories.push(s),
                    other => {
                        bad = Some(invalid(
                            f,
                            "a text",
                            other.map_or("nothing".to_owned(), |v| v.type_name().to_owned()),
                        ));
                        break;
                    }
                }
            }
        }
        let time = match record.time() {
            Ok(t) => t,
            Err(e) => {
                bad = bad.or(Some(invalid("timestamp", "a timestamp", e.to_string())));
                None
            }
        };
        let result = match bad {
            Some(e) => {
                self.stats.records += 1;
                self.stats.invalid += 1;
                Err(e)
            }
            None => {
                let input = Input {
                    tenant,
                    stream_id: &record.stream_id,
                    timestamp: time,
                    values: &values,
                    categories: &categories,
                };
                self.process(input, sink)
            }
        };
        drop(categories);
        self.scratch = values;
        result
    }

    /// Evicts every stream idle past `idle_timeout_seconds`; returns how many.
    pub fn sweep(&mut self) -> usize {
        let Some(idle) = self.config.idle_timeout_seconds else {
            return 0;
        };
        let mut evicted = 0;
        for i in 0..self.slots.len() {
            let stale = self.slots[i].as_ref().is_some_and(|s| {
                let watermark = self.tenants.get(s.tenant).and_then(|t| t.watermark);
                match (s.last_time, watermark) {
                    (Some(last), Some(w)) => last.epoch_seconds() < w.saturating_sub(idle),
                    _ => false,
                }
            });
            if stale {
                self.evict(i);
                evicted += 1;
            }
        }
        evicted
    }

    fn validate(&self, input: &Input<'_>) -> Result<(), EngineError> {
        let want = self.schema.value_fields.len();
        if input.values.len() != want {
            return Err(EngineError::Invalid {
                stream_id: input.stream_id.to_owned(),
                field: "values".to_owned(),
                expected: format!("{want} values ({})", self.schema.value_fields.join(", ")),
                found: format!("{} values", input.values.len()),
            });
        }
        let want = self.schema.category_fields.len();
        if input.categories.len() != want {
            return Err(EngineError::Invalid {
                stream_id: input.stream_id.to_owned(),
                field: "categories".to_owned(),
                expected: format!(
                    "{want} categories ({})",
                    self.schema.category_fields.join(", ")
                ),
                found: format!("{} categories", input.categories.len()),
            });
        }
        if self.config.missing == MissingPolicy::Reject
            && let Some(i) = input.values.iter().position(|v| !v.is_finite())
        {
            return Err(EngineError::Invalid {
                stream_id: input.stream_id.to_owned(),
                field: self.schema.value_fields.get(i).cloned().unwrap_or_default(),
                expected: "a finite number".to_owned(),
                found: input.values.get(i).map_or(String::new(), f64::to_string),
            });
        }
        Ok(())
    }

    /// The index of `name`'s tenant state, created on first sight.
    #[inline]
    fn tenant(&mut self, name: &str) -> Result<usize, EngineError> {
        if let Some(t) = self.tenants.get(self.last_tenant)
            && t.name.len() == name.len()
            && (name.is_empty() || t.name == name)
        {
            return Ok(self.last_tenant);
        }
        if let Some(&i) = self.tenant_index.get(name) {
            self.last_tenant = i;
            return Ok(i);
        }
        let refuse = |reason: &str| EngineError::UnknownTenant {
            tenant: name.chars().take(64).collect(),
            reason: reason.to_owned(),
        };
        let listed = self
            .policies
            .as_ref()
            .is_some_and(|p| p.tenants.contains_key(name));
        let policy = match &self.policies {
            None => TenantPolicy::default(),
            Some(p) => match p.get(name) {
                Some(policy) => policy.clone(),
                None => {
                    self.stats.unknown_tenant += 1;
                    return Err(refuse("no policy for this tenant and no default policy"));
                }
            },
        };
        // Listed tenants are always admitted; unlisted ones share a bounded pool.
        if !listed {
            if self.pool_tenants >= self.config.max_tenants {
                self.stats.unknown_tenant += 1;
                return Err(refuse(
                    "the engine already tracks its maximum of unlisted tenants (listed tenants \
                     are still admitted)",
                ));
            }
            self.pool_tenants += 1;
        }
        let ids: Vec<&str> = self.strategy_ids.iter().map(String::as_str).collect();
        let i = self.tenants.len();
        let mut state = TenantState::new(
            name.to_owned(),
            policy,
            &ids,
            self.config.idle_timeout_seconds.is_some(),
        );
        state.listed = listed;
        self.tenants.push(state);
        self.maps.push(FxHashMap::default());
        self.queues.push(VecDeque::new());
        self.tenant_index.insert(name.into(), i);
        self.last_tenant = i;
        Ok(i)
    }

    /// Counts a limit refusal, emits the tenant's notice when due, and builds the error.
    #[cold]
    fn refuse<S: Sink + ?Sized>(
        &mut self,
        t: usize,
        input: &Input<'_>,
        limit: Limit,
        allowed: u64,
        sink: &mut S,
    ) -> EngineError {
        self.stats.limit_rejected += 1;
        let tenant = &mut self.tenants[t];
        tenant.stats.count_rejection(limit);
        if tenant.notice_due(limit) {
            let message = match limit {
                Limit::AllowedStrategies => format!(
                    "tenant `{}` may run none of this engine's strategies ({})",
                    tenant.name,
                    self.strategy_ids.join(", ")
                ),
                _ => format!(
                    "tenant `{}` exceeded {limit} = {allowed}; records are refused until the limit allows again",
                    tenant.name
                ),
            };
            let notice = Notice::LimitExceeded(LimitExceeded {
                tenant: tenant.name.clone(),
                stream_id: input.stream_id.to_owned(),
                timestamp: input.timestamp,
                limit,
                allowed,
                message,
            });
            self.stats.notices += 1;
            let flush = self.config.flush == FlushPolicy::EachRecord;
            if let Err(e) = sink
                .notice(notice)
                .and_then(|()| if flush { sink.flush() } else { Ok(()) })
            {
                return EngineError::Sink(e);
            }
        }
        EngineError::LimitExceeded {
            tenant: self.tenants[t].name.clone(),
            stream_id: input.stream_id.to_owned(),
            limit,
            allowed,
        }
    }

    /// Opens a stream for tenant `t`, evicting or refusing at `max_streams`.
    #[cold]
    fn open<S: Sink + ?Sized>(
        &mut self,
        t: usize,
        input: &Input<'_>,
        sink: &mut S,
    ) -> Result<usize, EngineError> {
        let count = self.tenants[t].allowed.len() as u64;
        if count == 0 && !self.strategies.is_empty() {
            return Err(self.refuse(t, input, Limit::AllowedStrategies, 0, sink));
        }
        if let Err((limit, allowed)) = self.tenants[t].admit_stream(count) {
            return Err(self.refuse(t, input, limit, allowed, sink));
        }
        if self.live >= self.config.max_streams {
            self.sweep();
        }
        if self.live >= self.config.max_streams {
            match self.config.overflow {
                Overflow::Reject => {
                    self.stats.stream_rejected += 1;
                    return Err(EngineError::TooManyStreams {
                        stream_id: input.stream_id.to_owned(),
                        max_streams: self.config.max_streams,
                    });
                }
                Overflow::EvictLeastRecent => self.evict_for(t),
            }
        }
        let mut states = Vec::with_capacity(self.tenants[t].allowed.len());
        for &k in &self.tenants[t].allowed {
            if let Some(state) = self.strategies[k].online(&self.schema)? {
                states.push(state);
            }
        }
        let slot = Slot {
            name: input.stream_id.to_owned(),
            tenant: t,
            states,
            last_time: None,
            last_tick: self.tick,
            records: 0,
            id: self.stats.streams_opened,
        };
        let i = match self.free.pop() {
            Some(i) => {
                self.slots[i] = Some(slot);
                i
            }
            None => {
                self.slots.push(Some(slot));
                self.slots.len() - 1
            }
        };
        self.maps[t].insert(input.stream_id.into(), i);
        let queue = &mut self.queues[t];
        queue.push_back((i, self.stats.streams_opened, self.tick));
        if queue.len() > 2 * self.maps[t].len() + 16 {
            // Drop entries of streams evicted while idle.
            let slots = &self.slots;
            queue.retain(|&(i, id, _)| {
                slots
                    .get(i)
                    .and_then(Option::as_ref)
                    .is_some_and(|s| s.id == id)
            });
        }
        if !self.tenants[t].listed {
            self.pool_queue
                .push_back((i, self.stats.streams_opened, self.tick));
            self.pool_live += 1;
            if self.pool_queue.len() > 2 * self.pool_live + 16 {
                let slots = &self.slots;
                self.pool_queue.retain(|&(i, id, _)| {
                    slots
                        .get(i)
                        .and_then(Option::as_ref)
                        .is_some_and(|s| s.id == id)
                });
            }
        }
        self.live += 1;
        self.tenants[t].stats.live_streams += 1;
        self.stats.streams_opened += 1;
        Ok(i)
    }
}

#[cfg(test)]
mod tests;
