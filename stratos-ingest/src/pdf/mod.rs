//! PDF tables into a [`Frame`], through pdf-extract.
//!
//! pdf-extract's plain text collapses the gaps between table columns, so this module uses
//! its output-device hook instead ([`glyphs::Collector`]): every glyph with its page,
//! position and font size. [`table`] groups glyphs into lines and cells and finds the
//! table; the cells then go through the CSV reader's typing.
//!
//! Bounds: before pdf-extract sees a document, [`walk`] inflates its streams within the
//! decompressed-bytes budget and walks its object graph with lopdf (page-tree and XObject
//! loops, nesting depth, page and draw counts), so the reads that would recurse or
//! allocate without bound are refused with an error ([`IngestError::Limit`] or
//! [`IngestError::Pdf`]) instead of aborting the process.
//!
//! Containment: pdf-extract panics on many malformed files and has a reported stack
//! overflow (upstream issue #128). Extraction runs on its own thread named
//! [`crate::contain::PDF_THREAD_NAME`] with a [`PDF_STACK_BYTES`] stack, under `catch_unwind`, and the
//! caller waits at most the time budget ([`crate::ReadOptions::with_pdf_time_budget`]).
//! A panic, an error or a timeout is an [`IngestError::Pdf`]. After a timeout the thread is
//! told to stop and does so at its next glyph; a thread stuck before any glyph (parsing)
//! runs on, detached, until it finishes. The CLI still extracts in a child process, as a
//! second wall.

mod glyphs;
mod table;
mod walk;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{RecvTimeoutError, sync_channel};
use std::time::Duration;

use stratos_core::Frame;

use crate::contain::{PDF_THREAD_NAME, panic_message};
use crate::error::{IngestError, excerpt};
use crate::limits::Limits;
use crate::location::Location;
use glyphs::{Collector, Glyph, MAX_GLYPHS, Stop};
use walk::Refusal;

/// The extraction thread's stack size: 256 MiB (address space, committed only as used).
pub const PDF_STACK_BYTES: usize = 256 << 20;

/// How long a PDF read waits for extraction by default: 30 seconds.
pub const DEFAULT_PDF_TIME_BUDGET: Duration = Duration::from_secs(30);

/// An [`IngestError::Pdf`] at the source.
pub(crate) fn pdf_error(source: Option<&str>, message: String) -> IngestError {
    IngestError::Pdf {
        location: Box::new(Location::source(source)),
        message,
    }
}

/// Runs pdf-extract over the document, once [`walk::walk`] has passed it, and returns its
/// glyphs.
fn extract(
    bytes: &[u8],
    limits: &Limits,
    cancelled: Arc<AtomicBool>,
) -> Result<Vec<Glyph>, Refusal> {
    let bad = Refusal::Bad;
    walk::prescan(bytes, limits, &cancelled)?;
    let mut doc = pdf_extract::Document::load_mem(bytes)
        .map_err(|e| bad(format!("not a readable PDF: {e}")))?;
    if doc.is_encrypted() {
        doc.decrypt("")
            .map_err(|e| bad(format!("an encrypted PDF that needs a password: {e}")))?;
    }
    walk::walk(&doc, limits)?;
    let mut collector = Collector::new(cancelled);
    let outcome = pdf_extract::output_doc(&doc, &mut collector);
    match (collector.finish(), outcome) {
        (Err(Stop::TooManyGlyphs), _) => Err(bad(format!(
            "more than {MAX_GLYPHS} glyphs: too large to read"
        ))),
        (Err(Stop::Cancelled), _) => Err(bad("cancelled".to_owned())),
        (Ok(_), Err(e)) => Err(bad(format!("cannot extract the PDF's text: {e}"))),
        (Ok(glyphs), Ok(())) => Ok(glyphs),
    }
}

/// A refusal as an error at the source.
fn refused(source: Option<&str>, r: Refusal) -> IngestError {
    match r {
        Refusal::Limit(kind, limit) => IngestError::limit(Location::source(source), kind, limit),
        Refusal::Bad(message) => pdf_error(source, message),
    }
}

/// [`extract`] on its own thread with a large stack, under `catch_unwind`, waiting at most
/// `budget`.
fn extract_contained(
    bytes: &[u8],
    budget: Duration,
    limits: &Limits,
    source: Option<&str>,
) -> Result<Vec<Glyph>, IngestError> {
    let mut owned = Vec::new();
    owned.try_reserve_exact(bytes.len()).map_err(|_| {
        IngestError::limit(
            Location::source(source),
            crate::LimitKind::Memory,
            limits.max_memory,
        )
    })?;
    owned.extend_from_slice(bytes);
    let limits = *limits;
    let cancelled = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cancelled);
    let (tx, rx) = sync_channel(1);
    std::thread::Builder::new()
        .name(PDF_THREAD_NAME.to_owned())
        .stack_size(PDF_STACK_BYTES)
        .spawn(move || {
            let outcome = catch_unwind(AssertUnwindSafe(|| extract(&owned, &limits, flag)));
            // The receiver is gone after a timeout; nothing is left to tell.
            let _ = tx.send(outcome);
        })
        .map_err(|e| {
            pdf_error(
                source,
                format!("cannot start the PDF extraction thread: {e}"),
            )
        })?;
    match rx.recv_timeout(budget) {
        Ok(Ok(Ok(glyphs))) => Ok(glyphs),
        Ok(Ok(Err(r))) => Err(refused(source, r)),
        Ok(Err(payload)) => Err(pdf_error(
            source,
            format!(
                "pdf-extract failed on this file (it panicked: {})",
                excerpt(panic_message(payload.as_ref()).as_bytes())
            ),
        )),
        Err(RecvTimeoutError::Timeout) => {
            cancelled.store(true, Ordering::Relaxed);
            Err(pdf_error(
                source,
                format!(
                    "gave up after {:.1} s: the PDF takes longer to extract than the time budget",
                    budget.as_secs_f64()
                ),
            ))
        }
        Err(RecvTimeoutError::Disconnected) => Err(pdf_error(
            source,
            "the PDF extraction thread ended without a result".to_owned(),
        )),
    }
}

/// Reads the largest table of a PDF into a frame.
pub(crate) fn read_pdf(
    bytes: &[u8],
    budget: Duration,
    limits: &Limits,
    source: Option<&str>,
) -> Result<Frame, IngestError> {
    let glyphs = extract_contained(bytes, budget, limits, source)?;
    let Some(found) = table::find_table(&glyphs) else {
        return Err(pdf_error(
            source,
            if glyphs.iter().all(Glyph::is_blank) {
                "no text in the PDF (a scanned page needs OCR first)".to_owned()
            } else {
                "no table in the PDF: no run of lines with two or more aligned columns of \
                 numbers or dates"
                    .to_owned()
            },
        ));
    };
    found.into_frame(source)
}

#[cfg(test)]
mod tests;
