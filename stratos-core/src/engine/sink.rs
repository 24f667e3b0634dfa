//! Where the engine's events go: a [`Sink`], with implementations for a callback closure
//! ([`CallbackSink`]), a `std::sync::mpsc` channel ([`ChannelSink`]) and an NDJSON writer
//! ([`NdjsonSink`]).

use std::io::Write;
use std::sync::mpsc;

use serde::{Deserialize, Serialize};

use super::error::SinkError;
use super::tenant::Limit;
use crate::event::Event;
use crate::timestamp::Timestamp;

/// An engine notice, serialized with an `event` tag like strategy events:
/// `{"event": "limit_exceeded", "tenant": "acme", "limit": "rate_limit_per_minute", …}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Notice {
    /// A tenant limit refused a record (at most one per tenant, limit and minute).
    LimitExceeded(LimitExceeded),
}

/// A tenant limit refused a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitExceeded {
    /// The tenant; only its own event stream carries this.
    pub tenant: String,
    /// The stream of the refused record.
    pub stream_id: String,
    /// The refused record's time, if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Timestamp>,
    /// Which limit.
    pub limit: Limit,
    /// The configured limit.
    pub allowed: u64,
    /// One human sentence.
    pub message: String,
}

/// Receives the engine's events. `tenant` is the tenant the event belongs to (`""` when the
/// engine runs without tenants).
pub trait Sink {
    /// A strategy event.
    ///
    /// # Errors
    /// [`SinkError`] when the destination is gone; the engine stops.
    fn event(&mut self, tenant: &str, event: Event) -> Result<(), SinkError>;

    /// An engine notice.
    ///
    /// # Errors
    /// As [`Sink::event`].
    fn notice(&mut self, notice: Notice) -> Result<(), SinkError>;

    /// Sends on what has been written so far. The engine calls it after each record that
    /// produced events or a notice, so that they leave as they happen, unless its
    /// [`FlushPolicy`](super::FlushPolicy) leaves flushing to the caller.
    ///
    /// # Errors
    /// As [`Sink::event`].
    fn flush(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

/// Anything the engine emits, owned: what [`CallbackSink`] and [`ChannelSink`] pass on.
#[derive(Debug, Clone, PartialEq)]
pub enum Emitted {
    /// A strategy event and its tenant (`""` without tenants).
    Event {
        /// The tenant.
        tenant: String,
        /// The event.
        event: Event,
    },
    /// An engine notice.
    Notice(Notice),
}

/// A sink calling a closure with each [`Emitted`] item.
///
/// # Examples
/// ```
/// use stratos_core::engine::{CallbackSink, Emitted};
/// let mut seen = Vec::new();
/// let sink = CallbackSink::new(|e: Emitted| seen.push(e));
/// drop(sink);
/// assert!(seen.is_empty());
/// ```
pub struct CallbackSink<F: FnMut(Emitted)>(F);

impl<F: FnMut(Emitted)> CallbackSink<F> {
    /// Wraps a closure.
    pub fn new(f: F) -> Self {
        CallbackSink(f)
    }
}

impl<F: FnMut(Emitted)> std::fmt::Debug for CallbackSink<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CallbackSink")
    }
}

impl<F: FnMut(Emitted)> Sink for CallbackSink<F> {
    fn event(&mut self, tenant: &str, event: Event) -> Result<(), SinkError> {
        (self.0)(Emitted::Event {
            tenant: tenant.to_owned(),
            event,
        });
        Ok(())
    }

    fn notice(&mut self, notice: Notice) -> Result<(), SinkError> {
        (self.0)(Emitted::Notice(notice));
        Ok(())
    }
}

/// A sink sending each [`Emitted`] item down a `std::sync::mpsc` channel; a dropped receiver
/// is [`SinkError::Closed`].
#[derive(Debug, Clone)]
pub struct ChannelSink(mpsc::Sender<Emitted>);

impl ChannelSink {
    /// Wraps a sender.
    pub fn new(sender: mpsc::Sender<Emitted>) -> Self {
        ChannelSink(sender)
    }
}

impl Sink for ChannelSink {
    fn event(&mut self, tenant: &str, event: Event) -> Result<(), SinkError> {
        self.0
            .send(Emitted::Event {
                tenant: tenant.to_owned(),
                event,
            })
            .map_err(|_| SinkError::Closed)
    }

    fn notice(&mut self, notice: Notice) -> Result<(), SinkError> {
        self.0
            .send(Emitted::Notice(notice))
            .map_err(|_| SinkError::Closed)
    }
}

/// A sink writing one JSON object per line. With a tenant, strategy events gain a leading
/// `"tenant"` key: `{"tenant":"acme","event":"alert",…}`; without, they are the event's own
/// JSON. [`Sink::flush`] flushes the writer.
#[derive(Debug)]
pub struct NdjsonSink<W: Write> {
    out: W,
    scratch: Vec<u8>,
}

impl<W: Write> NdjsonSink<W> {
    /// Writes to `out` (wrap it in a `BufWriter`).
    pub fn new(out: W) -> Self {
        NdjsonSink {
            out,
            scratch: Vec::new(),
        }
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// The writer.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }
}

impl<W: Write> Sink for NdjsonSink<W> {
    fn event(&mut self, tenant: &str, event: Event) -> Result<(), SinkError> {
        // The line is built whole in the scratch buffer, then passed on at once (the
        // serializer's many small writes cost less into a vector than through a writer).
        self.scratch.clear();
        if tenant.is_empty() {
            serde_json::to_writer(&mut self.scratch, &event).map_err(std::io::Error::from)?;
        } else {
            self.scratch.extend_from_slice(b"{\"tenant\":");
            serde_json::to_writer(&mut self.scratch, tenant).map_err(std::io::Error::from)?;
            self.scratch.push(b',');
            let start = self.scratch.len();
            serde_json::to_writer(&mut self.scratch, &event).map_err(std::io::Error::from)?;
            // The event's JSON is an object: drop its opening brace after the tenant key.
            self.scratch.remove(start);
        }
        self.scratch.push(b'\n');
        self.out.write_all(&self.scratch)?;
        Ok(())
    }

    fn notice(&mut self, notice: Notice) -> Result<(), SinkError> {
        serde_json::to_writer(&mut self.out, &notice).map_err(std::io::Error::from)?;
        self.out.write_all(b"\n")?;
        Ok(())
    }

    fn flush(&mut self) -> Result<(), SinkError> {
        self.out.flush()?;
        Ok(())
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn event(&mut self, tenant: &str, event: Event) -> Result<(), SinkError> {
        (**self).event(tenant, event)
    }

    fn notice(&mut self, notice: Notice) -> Result<(), SinkError> {
        (**self).notice(notice)
    }

    fn flush(&mut self) -> Result<(), SinkError> {
        (**self).flush()
    }
}
