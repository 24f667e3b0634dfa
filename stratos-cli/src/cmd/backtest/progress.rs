//! A progress bar on stderr for long runs, drawn only when stderr is a terminal.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Runs shorter than this never show a bar.
const SHOW_AFTER: Duration = Duration::from_millis(400);
/// Redraw interval.
const TICK: Duration = Duration::from_millis(100);
/// Width of the bar in characters.
const WIDTH: usize = 30;

/// A counter of finished work items, and, on a terminal, a thread drawing it as
/// `label [#########.........] 123/456` on stderr once the run has lasted [`SHOW_AFTER`].
/// Off a terminal it only counts.
#[derive(Debug)]
pub(crate) struct Progress {
    done: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    drawer: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts counting `total` items.
    pub(crate) fn start(label: &'static str, total: usize) -> Progress {
        let done = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let drawer = std::io::stderr().is_terminal().then(|| {
            let (done, stop) = (Arc::clone(&done), Arc::clone(&stop));
            std::thread::spawn(move || draw(label, total, &done, &stop))
        });
        Progress { done, stop, drawer }
    }

    /// One more item finished. Cheap, callable from any thread.
    pub(crate) fn inc(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    /// A handle for worker threads.
    pub(crate) fn counter(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.done)
    }

    /// Stops drawing and clears the bar's line.
    pub(crate) fn finish(mut self) {
        self.stop_drawer();
    }

    fn stop_drawer(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self.drawer.take() {
            // A drawer that panicked only loses the bar.
            let _ = handle.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop_drawer();
    }
}

fn draw(label: &str, total: usize, done: &AtomicUsize, stop: &AtomicBool) {
    let started = Instant::now();
    let mut shown = false;
    let mut err = std::io::stderr();
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(TICK);
        if started.elapsed() < SHOW_AFTER {
            continue;
        }
        let n = done.load(Ordering::Relaxed).min(total);
        let filled = (n * WIDTH).checked_div(total).unwrap_or(WIDTH);
        let bar: String = "#".repeat(filled) + &".".repeat(WIDTH - filled);
        // Progress is best effort: a stderr that fails is left alone.
        let _ = write!(err, "\r{label} [{bar}] {n}/{total}");
        let _ = err.flush();
        shown = true;
    }
    if shown {
        let _ = write!(err, "\r{}\r", " ".repeat(label.len() + WIDTH + 30));
        let _ = err.flush();
    }
}
