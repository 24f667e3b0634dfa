//! Tables from glyph positions: lines, cells, the table region, pages joined.
//!
//! 1. **Lines**: glyphs sorted by page, baseline and `x`; a glyph whose baseline is within
//!    half a font size of the line's first glyph joins that line.
//! 2. **Chunks**: along a line, a gap between two inked glyphs starts a new chunk (a cell
//!    candidate) when it is wider than [`SPACED_COLUMN_GAP`] font sizes with a space glyph
//!    in it (several spaces: a column in a space-padded report); or, with no space glyph
//!    in it, wider than [`WORD_GAP`] in a document whose producer writes space glyphs
//!    (LibreOffice and reportlab place cells without them, only a few points apart) or
//!    wider than [`COLUMN_GAP`] in one that positions words instead (TeX). Other gaps
//!    are word spaces inside a chunk, so a prose line is one chunk.
//! 3. **Table rows**: a line of two or more chunks, two or more of which are values
//!    (numbers, thousands separators allowed, or calendar dates). Consecutive table rows on
//!    one page (no vertical gap over [`ROW_GAP`] font sizes) form a run.
//! 4. **Columns**: the chunks' horizontal extents over a run, merged where they overlap, are
//!    the columns, so left-, right- and centre-aligned cells and empty cells all land
//!    right. A run needs two columns of values.
//! 5. **Header**: the line right above a run (same page, within [`ROW_GAP`] font sizes) when
//!    it has two or more chunks and none of them is a value; each chunk names the first
//!    column that ends at or after its start (a left-aligned header over right-aligned
//!    numbers starts left of them, but after the previous column ends).
//! 6. **Pages**: a run that starts a page continues the table that ended the previous page
//!    when it has the same number of columns and either repeats the header or has none, with
//!    at most [`FURNITURE_LINES`] lines (page headers, footers, page numbers) between them.
//! 7. The table with the most rows wins (the first on ties).

use stratos_core::{Frame, Timestamp};

use super::glyphs::Glyph;
use super::pdf_error;
use crate::cell::{self, Number};
use crate::csv::{CsvSettings, read_csv};
use crate::error::IngestError;

/// In a document without space glyphs, a gap between inked glyphs wider than this many
/// font sizes separates cells.
pub(crate) const COLUMN_GAP: f64 = 0.6;
/// A gap holding a space glyph separates cells when wider than this many font sizes.
pub(crate) const SPACED_COLUMN_GAP: f64 = 1.5;
/// A gap wider than this many font sizes (and any space glyph) is at least a word space;
/// in a document with space glyphs, such a gap without one separates cells.
pub(crate) const WORD_GAP: f64 = 0.15;
/// A document writes space glyphs when at least one glyph in this many is one.
const SPACED_RATIO: usize = 50;
/// Baselines further apart than this many font sizes end a run (and a header's reach).
pub(crate) const ROW_GAP: f64 = 3.0;
/// The most lines between a table's end and its continuation on the next page.
pub(crate) const FURNITURE_LINES: usize = 4;

/// A run of text on one line: a cell candidate.
#[derive(Debug, Clone, PartialEq)]
struct Chunk {
    x0: f64,
    x1: f64,
    text: String,
}

/// One line of a page.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    page: u32,
    /// 1-based, counted from the top of the page.
    number: u64,
    y: f64,
    size: f64,
    chunks: Vec<Chunk>,
}

/// A table row with where it came from.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    page: u32,
    line: u64,
    cells: Vec<String>,
}

/// A table found in the document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    header: Option<Row>,
    rows: Vec<Row>,
}

/// A cell's text as the CSV reader should see it: thousands separators dropped from
/// numbers (`1,234.50` → `1234.50`) and `YYYY-MM-DD HH:MM` given seconds.
fn normalize(text: &str) -> String {
    let t = text.trim();
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let groups: Vec<&str> = int.split(',').collect();
    let grouped = groups.len() > 1
        && groups
            .first()
            .is_some_and(|g| (1..=3).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()))
        && groups
            .iter()
            .skip(1)
            .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
        && frac.bytes().all(|b| b.is_ascii_digit());
    if grouped {
        return t.replace(',', "");
    }
    // `2025-01-15 10:30` (16 bytes, a space or `T` at 10, a colon at 13).
    let b = t.as_bytes();
    if b.len() == 16
        && matches!(b.get(10), Some(b' ' | b'T'))
        && b.get(13) == Some(&b':')
        && Timestamp::looks_like_calendar(b.get(..10).unwrap_or_default())
    {
        return format!("{t}:00");
    }
    t.to_owned()
}

/// True for a number or a calendar date (not a missing token).
fn is_value(text: &str) -> bool {
    let t = normalize(text);
    matches!(cell::parse_number(t.as_bytes()), Number::Value(_))
        || Timestamp::looks_like_calendar(t.as_bytes())
}

/// Groups glyphs into lines of chunks, in reading order.
fn lines(glyphs: &[Glyph]) -> Vec<Line> {
    let mut order: Vec<&Glyph> = glyphs.iter().collect();
    order.sort_by(|a, b| {
        a.page
            .cmp(&b.page)
            .then(a.y.total_cmp(&b.y))
            .then(a.x.total_cmp(&b.x))
    });
    let blanks = glyphs.iter().filter(|g| g.is_blank()).count();
    let spaced = blanks > 0 && blanks.saturating_mul(SPACED_RATIO) >= glyphs.len();
    let mut out = Vec::new();
    let mut current: Vec<&Glyph> = Vec::new();
    let mut number = 0;
    for g in order {
        let joins = current.first().is_some_and(|first| {
            first.page == g.page && (g.y - first.y).abs() <= 0.5 * first.size.max(g.size)
        });
        if !joins && !current.is_empty() {
            number = next_number(&out, &current, number);
            out.push(line_of(&mut current, number, spaced));
        }
        current.push(g);
    }
    if !current.is_empty() {
        number = next_number(&out, &current, number);
        out.push(line_of(&mut current, number, spaced));
    }
    out.retain(|l| !l.chunks.is_empty());
    out
}

/// The 1-based number of the line about to be made of `glyphs`, given the lines so far.
fn next_number(done: &[Line], glyphs: &[&Glyph], previous: u64) -> u64 {
    match (done.last(), glyphs.first()) {
        (Some(l), Some(g)) if l.page == g.page => previous + 1,
        _ => 1,
    }
}

/// One line from its glyphs (emptied); `spaced` when the document writes space glyphs.
fn line_of(glyphs: &mut Vec<&Glyph>, number: u64, spaced: bool) -> Line {
    glyphs.sort_by(|a, b| a.x.total_cmp(&b.x));
    let size = glyphs.iter().map(|g| g.size).fold(0.0, f64::max);
    let (page, y) = glyphs.first().map_or((0, 0.0), |g| (g.page, g.y));
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut space = false;
    for g in glyphs.drain(..) {
        if g.is_blank() {
            space = true;
            continue;
        }
        let text: String = g
            .text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let em = g.size.max(1e-3);
        let limit = if space {
            SPACED_COLUMN_GAP
        } else if spaced {
            WORD_GAP
        } else {
            COLUMN_GAP
        };
        match chunks.last_mut() {
            Some(c) if g.x - c.x1 <= limit * em => {
                if space || g.x - c.x1 > WORD_GAP * em {
                    c.text.push(' ');
                }
                c.text.push_str(&text);
                c.x1 = c.x1.max(g.end());
            }
            _ => chunks.push(Chunk {
                x0: g.x,
                x1: g.end().max(g.x),
                text,
            }),
        }
        space = false;
    }
    for c in &mut chunks {
        c.text = c.text.trim().to_owned();
    }
    chunks.retain(|c| !c.text.is_empty());
    Line {
        page,
        number,
        y,
        size,
        chunks,
    }
}

/// True for a line that can be a table row.
fn is_row(line: &Line) -> bool {
    line.chunks.len() >= 2 && line.chunks.iter().filter(|c| is_value(&c.text)).count() >= 2
}

/// A run of table rows with its columns and header.
#[derive(Debug)]
struct Run {
    /// Index of the first row line and one past the last.
    start: usize,
    end: usize,
    page: u32,
    header: Option<Row>,
    rows: Vec<Row>,
    columns: usize,
}

/// Column spans over a run's chunks: overlapping extents merged, left to right.
fn spans(rows: &[Line]) -> Vec<(f64, f64)> {
    let mut extents: Vec<(f64, f64)> = rows
        .iter()
        .flat_map(|l| l.chunks.iter().map(|c| (c.x0, c.x1)))
        .collect();
    extents.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut merged: Vec<(f64, f64)> = Vec::new();
    for (a, b) in extents {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

/// A line's chunks as one cell per column: each chunk goes to the first column that ends at
/// or after the chunk's start (a row's chunks lie inside their own spans; a header over
/// right-aligned numbers starts left of them but after the previous column's end).
fn cells(line: &Line, spans: &[(f64, f64)]) -> Vec<String> {
    let mut out = vec![String::new(); spans.len()];
    for c in &line.chunks {
        let k = spans
            .iter()
            .position(|s| s.1 >= c.x0)
            .unwrap_or(spans.len().saturating_sub(1));
        if let Some(cell) = out.get_mut(k) {
            if !cell.is_empty() {
                cell.push(' ');
            }
            cell.push_str(&c.text);
        }
    }
    out
}

/// Builds the run of row lines `start..end`, or `None` when it has under two value columns.
fn run(lines: &[Line], start: usize, end: usize) -> Option<Run> {
    let body = lines.get(start..end)?;
    let first = body.first()?;
    let spans = spans(body);
    if spans.len() < 2 {
        return None;
    }
    let row = |l: &Line| Row {
        page: l.page,
        line: l.number,
        cells: cells(l, &spans),
    };
    let rows: Vec<Row> = body.iter().map(row).collect();
    let value_columns = (0..spans.len())
        .filter(|&k| {
            let present: Vec<&str> = rows
                .iter()
                .filter_map(|r| r.cells.get(k))
                .filter(|c| !c.is_empty())
                .map(String::as_str)
                .collect();
            !present.is_empty()
                && 2 * present.iter().filter(|c| is_value(c)).count() > present.len()
        })
        .count();
    if value_columns < 2 {
        return None;
    }
    let header = start
        .checked_sub(1)
        .and_then(|i| lines.get(i))
        .filter(|h| {
            h.page == first.page
                && first.y - h.y <= ROW_GAP * first.size.max(h.size)
                && h.chunks.len() >= 2
                && !h.chunks.iter().any(|c| is_value(&c.text))
        })
        .map(row);
    Some(Run {
        start: if header.is_some() { start - 1 } else { start },
        end,
        page: first.page,
        header,
        columns: spans.len(),
        rows,
    })
}

/// Every run of table rows in the document.
fn runs(lines: &[Line]) -> Vec<Run> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(line) = lines.get(i) {
        if !is_row(line) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while let (Some(prev), Some(next)) = (lines.get(j - 1), lines.get(j)) {
            if !is_row(next)
                || next.page != prev.page
                || next.y - prev.y > ROW_GAP * prev.size.max(next.size)
            {
                break;
            }
            j += 1;
        }
        out.extend(run(lines, i, j));
        i = j;
    }
    out
}

/// Lines of `page` in `lines`.
fn page_lines(lines: &[Line], page: u32) -> usize {
    lines.iter().filter(|l| l.page == page).count()
}

/// Finds the table with the most rows, tables continued across pages joined.
pub(crate) fn find_table(glyphs: &[Glyph]) -> Option<Table> {
    let lines = lines(glyphs);
    let mut tables: Vec<(Table, usize, u32, usize)> = Vec::new(); // table, columns, last page, end
    for r in runs(&lines) {
        if let Some((t, columns, last_page, end)) = tables.last_mut() {
            let header_matches = match (&t.header, &r.header) {
                (Some(a), Some(b)) => a.cells == b.cells,
                (_, None) => true,
                (None, Some(_)) => false,
            };
            // Lines after the table on its last page, and before the run on its page.
            let after = lines
                .get(*end..)
                .unwrap_or_default()
                .iter()
                .filter(|l| l.page == *last_page)
                .count();
            let before = r
                .start
                .saturating_sub(lines.iter().position(|l| l.page == r.page).unwrap_or(0));
            if *columns == r.columns
                && r.page == *last_page + 1
                && header_matches
                && after <= FURNITURE_LINES
                && before <= FURNITURE_LINES
                && page_lines(&lines, r.page) > 0
            {
                t.rows.extend(r.rows);
                *last_page = r.page;
                *end = r.end;
                continue;
            }
        }
        tables.push((
            Table {
                header: r.header,
                rows: r.rows,
            },
            r.columns,
            r.page,
            r.end,
        ));
    }
    let mut best: Option<Table> = None;
    for (t, ..) in tables {
        if best.as_ref().is_none_or(|b| t.rows.len() > b.rows.len()) {
            best = Some(t);
        }
    }
    best
}

impl Table {
    /// The table through the CSV reader's typing; errors name the page and line.
    pub(crate) fn into_frame(self, source: Option<&str>) -> Result<Frame, IngestError> {
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        let written: Result<(), csv::Error> = self
            .header
            .iter()
            .chain(&self.rows)
            .try_for_each(|r| w.write_record(r.cells.iter().map(|c| normalize(c))));
        let bytes = written
            .map_err(|e| e.to_string())
            .and_then(|()| w.into_inner().map_err(|e| e.to_string()))
            .map_err(|e| pdf_error(source, format!("cannot lay out the table: {e}")))?;
        let settings = CsvSettings {
            delimiter: Some(b','),
            header: Some(self.header.is_some()),
            ..CsvSettings::default()
        };
        read_csv(&bytes, &settings, source).map_err(|mut e| {
            let at = e.location_mut();
            let origin = at
                .line
                .and_then(|l| usize::try_from(l).ok())
                .and_then(|l| l.checked_sub(1))
                .and_then(|i| self.header.iter().chain(&self.rows).nth(i));
            match origin {
                Some(r) => {
                    at.path = Some(format!("{}[page {}]", source.unwrap_or("input"), r.page));
                    at.line = Some(r.line);
                }
                None => at.line = None,
            }
            e
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Glyphs for `text` at (x, y) on `page`, 10 pt, 5 pt per character.
    fn word(page: u32, x: f64, y: f64, text: &str) -> Vec<Glyph> {
        text.chars()
            .enumerate()
            .map(|(i, c)| Glyph {
                page,
                x: x + 5.0 * i as f64,
                y,
                width: 5.0,
                size: 10.0,
                text: c.to_string().into(),
            })
            .collect()
    }

    #[test]
    fn numbers_lose_thousands_separators_and_minutes_get_seconds() {
        assert_eq!(normalize(" 1,234.50 "), "1234.50");
        assert_eq!(normalize("-12,345,678"), "-12345678");
        assert_eq!(normalize("1,23"), "1,23");
        assert_eq!(normalize("12,3456"), "12,3456");
        assert_eq!(normalize("2025-01-15 10:30"), "2025-01-15 10:30:00");
        assert_eq!(normalize("north"), "north");
        assert!(is_value("1,000.00") && is_value("2025-03-01") && !is_value("NA"));
    }

    #[test]
    fn word_spaces_stay_inside_a_chunk_and_wide_gaps_split() {
        let mut g = word(1, 0.0, 10.0, "unit");
        g.extend(word(1, 22.0, 10.0, "price")); // 2 pt gap: a word space
        g.extend(word(1, 80.0, 10.0, "42")); // 33 pt gap: a new cell
        let l = lines(&g);
        assert_eq!(l.len(), 1);
        let texts: Vec<&str> = l[0].chunks.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["unit price", "42"]);
    }

    #[test]
    fn a_table_between_prose_lines_is_found_with_its_header() {
        let mut g = word(1, 0.0, 10.0, "Some prose with 12 and 13 in it.");
        g.extend(word(1, 0.0, 30.0, "day"));
        g.extend(word(1, 100.0, 30.0, "value"));
        g.extend(word(1, 200.0, 30.0, "n"));
        for (i, (d, v, n)) in [("2025-01-01", "1.5", "3"), ("2025-01-02", "2.5", "")]
            .iter()
            .enumerate()
        {
            let y = 42.0 + 12.0 * i as f64;
            g.extend(word(1, 0.0, y, d));
            g.extend(word(1, 110.0, y, v));
            g.extend(word(1, 200.0, y, n));
        }
        g.extend(word(1, 0.0, 100.0, "More prose."));
        let t = find_table(&g).unwrap();
        assert_eq!(t.header.as_ref().unwrap().cells, ["day", "value", "n"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1].cells, ["2025-01-02", "2.5", ""]);
        assert_eq!((t.rows[1].page, t.rows[1].line), (1, 4));
    }

    #[test]
    fn prose_alone_is_no_table() {
        let g = word(1, 0.0, 10.0, "In 2024 revenue grew 12.5 percent to 1,234.");
        assert_eq!(find_table(&g), None);
        assert_eq!(find_table(&[]), None);
    }
}
