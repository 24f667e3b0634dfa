//! Panics in third-party parsers, contained: the threads they run on and a panic hook that
//! keeps their messages quiet.
//!
//! pdf-extract panics by design on malformed PDFs, and calamine 0.38 overflows integers on
//! some malformed spreadsheets (an inverted `<dimension ref="B2:A1">`), which panics in
//! builds with overflow checks (debug and test builds). Both run on threads of their own,
//! named [`PDF_THREAD_NAME`] and [`SPREADSHEET_THREAD_NAME`]; a panic there becomes an
//! [`crate::IngestError`] and never reaches the caller.

use std::any::Any;
use std::sync::Once;

/// The name of the thread PDF extraction runs on.
pub(crate) const PDF_THREAD_NAME: &str = "stratos-pdf";

/// The name of the thread spreadsheets are parsed on.
pub(crate) const SPREADSHEET_THREAD_NAME: &str = "stratos-spreadsheet";

/// The name of the thread Parquet and Arrow IPC files are decoded on.
#[cfg_attr(not(feature = "arrow"), allow(dead_code))]
pub(crate) const ARROW_THREAD_NAME: &str = "stratos-arrow";

/// Keeps panics on the library's parser threads (`stratos-pdf`, `stratos-spreadsheet`,
/// `stratos-arrow`) from printing.
///
/// Such a panic is caught and returned as an error (its message included), but Rust prints
/// every panic through the process's panic hook before it unwinds, so by default a bad file
/// also writes a `thread 'stratos-pdf' panicked at …` line to stderr. Call this once to drop
/// those lines: it installs a hook that ignores panics on those threads and hands every
/// other panic to the hook that was installed before (yours, or the default), so your hook
/// keeps working for everything else. Calling it again does nothing. The library never
/// calls it by itself: replacing a process's hook is the application's decision.
///
/// # Examples
/// ```
/// stratos_ingest::silence_contained_panics();
/// let e = stratos_ingest::read_bytes(b"PK\x03\x04xl/", &stratos_ingest::ReadOptions::default())
///     .unwrap_err();
/// assert!(e.is_bad_data());
/// ```
pub fn silence_contained_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let name = std::thread::current().name().map(str::to_owned);
            if !matches!(
                name.as_deref(),
                Some(PDF_THREAD_NAME | SPREADSHEET_THREAD_NAME | ARROW_THREAD_NAME)
            ) {
                previous(info);
            }
        }));
    });
}

/// The text of a panic payload.
#[cfg_attr(
    not(any(feature = "pdf", feature = "xlsx", feature = "arrow")),
    allow(dead_code)
)]
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_message_is_kept() {
        let payload: Box<dyn Any + Send> = Box::new("boom");
        assert_eq!(panic_message(payload.as_ref()), "boom");
        let payload: Box<dyn Any + Send> = Box::new(String::from("bang"));
        assert_eq!(panic_message(payload.as_ref()), "bang");
        let payload: Box<dyn Any + Send> = Box::new(7_u8);
        assert_eq!(panic_message(payload.as_ref()), "a panic without a message");
    }
}
