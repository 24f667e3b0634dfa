//! Glyph positions from pdf-extract's output-device hook.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use pdf_extract::{MediaBox, OutputDev, OutputError, Transform};

/// The most glyphs one document may yield before extraction stops with an error.
pub(crate) const MAX_GLYPHS: usize = 4_000_000;

/// One glyph: its page, its left edge and baseline (points, `y` growing downwards from the
/// top of the page), its advance and its font size (points).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Glyph {
    pub(crate) page: u32,
    pub(crate) x: f64,
    pub(crate) y: f64,
    pub(crate) width: f64,
    pub(crate) size: f64,
    pub(crate) text: Box<str>,
}

impl Glyph {
    /// The right edge.
    pub(crate) fn end(&self) -> f64 {
        self.x + self.width
    }

    /// True for a glyph that leaves no ink (a space).
    pub(crate) fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// Why collection stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// More than [`MAX_GLYPHS`] glyphs.
    TooManyGlyphs,
    /// The caller gave up waiting ([`Collector::cancel`]).
    Cancelled,
}

/// An [`OutputDev`] that records every glyph with its position.
#[derive(Debug)]
pub(crate) struct Collector {
    glyphs: Vec<Glyph>,
    page: u32,
    /// The page's top, to turn PDF's upward `y` into a downward one.
    top: f64,
    cancelled: Arc<AtomicBool>,
    stop: Option<Stop>,
}

impl Collector {
    /// A collector that stops at the next glyph once `cancelled` is set.
    pub(crate) fn new(cancelled: Arc<AtomicBool>) -> Self {
        Collector {
            glyphs: Vec::new(),
            page: 0,
            top: 0.0,
            cancelled,
            stop: None,
        }
    }

    /// The glyphs, or why collection stopped.
    pub(crate) fn finish(self) -> Result<Vec<Glyph>, Stop> {
        match self.stop {
            Some(s) => Err(s),
            None => Ok(self.glyphs),
        }
    }

    fn halt(&mut self, stop: Stop) -> Result<(), OutputError> {
        self.stop = Some(stop);
        Err(OutputError::IoError(std::io::Error::other(match stop {
            Stop::TooManyGlyphs => "too many glyphs",
            Stop::Cancelled => "cancelled",
        })))
    }
}

impl OutputDev for Collector {
    fn begin_page(
        &mut self,
        page_num: u32,
        media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.page = page_num;
        self.top = if media_box.ury.is_finite() {
            media_box.ury
        } else {
            0.0
        };
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        char: &str,
    ) -> Result<(), OutputError> {
        if self.cancelled.load(Ordering::Relaxed) {
            return self.halt(Stop::Cancelled);
        }
        if self.glyphs.len() >= MAX_GLYPHS {
            return self.halt(Stop::TooManyGlyphs);
        }
        // The font size in page space: the side of the square with the area of the
        // transformed (size, size) vector, as pdf-extract's own plain-text output computes it.
        let vx = font_size * (trm.m11 + trm.m21);
        let vy = font_size * (trm.m12 + trm.m22);
        let size = (vx * vy).abs().sqrt();
        let (x, y) = (trm.m31, self.top - trm.m32);
        let advance = width * size;
        if !(x.is_finite() && y.is_finite() && size.is_finite() && advance.is_finite()) {
            return Ok(());
        }
        self.glyphs.push(Glyph {
            page: self.page,
            x,
            y,
            width: advance.max(0.0),
            size,
            text: char.into(),
        });
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}
