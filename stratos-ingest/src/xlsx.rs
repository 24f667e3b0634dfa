//! Spreadsheets (XLSX, XLSM, XLS, XLSB, ODS) into a [`Frame`], through calamine.
//!
//! One sheet is read: the one [`crate::ReadOptions::with_sheet`] names, else the first
//! holding a time column and a numeric column, else the first with data
//! ([`SpreadsheetRead::sheet`] says which, [`SpreadsheetRead::sheets`] lists them all). Empty leading rows are skipped, and so is a leading title row (one filled cell above
//! a wider row). The first remaining row is the header when most of its filled cells are
//! text and rows follow it; else columns are named `column_1`, `column_2`, … Columns that
//! are empty throughout are dropped.
//!
//! Cells: numbers (and numeric text) make numeric columns (an empty cell, an error cell or
//! a missing token is NaN); any other text makes the column a category column. Date cells
//! become timestamps (UTC): the first column of dates only (a time-named one, per
//! [`crate::TIME_COLUMN_NAMES`], preferred), or a time-named column of numbers (Excel date
//! serials, or epoch seconds above the serial range), is the time column. Other date
//! columns are category columns of RFC 3339 text. Formula cells read as the values the
//! file cached for them (none when the writing tool computed none: those cells are empty).

use std::io::{Cursor, Read, Seek};

use calamine::{
    Data, DataRef, ExcelDateTime, ExcelDateTimeType, Ods, Range, Reader, Sheets,
    open_workbook_auto_from_rs, open_workbook_from_rs,
};
use stratos_core::{CategoryColumn, Frame, Timestamp};

mod guard;
mod xls_guard;

mod cells;
use cells::*;

use crate::cell::{self, Number};
use crate::contain::{SPREADSHEET_THREAD_NAME, panic_message};
use crate::error::{IngestError, excerpt};
use crate::limits::{LimitKind, Limits};
use crate::location::Location;
use crate::{ReadOptions, SheetSelector};

/// The location of a cell: the source and sheet, the 1-based sheet row, the column.
fn location(source: Option<&str>, sheet: &str, row: u64, column: &str) -> Location {
    Location::default()
        .with_path(format!("{}[{sheet}]", source.unwrap_or("input")))
        .with_line(row)
        .with_column(column)
}

fn unreadable(source: Option<&str>, e: impl std::fmt::Display) -> IngestError {
    IngestError::Unsupported {
        location: Box::new(Location::source(source)),
        what: format!(
            "not a readable spreadsheet: {}",
            excerpt(e.to_string().as_bytes())
        ),
    }
}

/// The bounds of the cells seen so far: first and last row and column.
#[derive(Debug, Default)]
struct Bounds(Option<(u32, u32, u32, u32)>);

impl Bounds {
    fn add(&mut self, (r, c): (u32, u32)) {
        self.0 = Some(match self.0 {
            None => (r, r, c, c),
            Some((r0, r1, c0, c1)) => (r0.min(r), r1.max(r), c0.min(c), c1.max(c)),
        });
    }

    /// How many cells the rectangle holds.
    fn cells(&self) -> usize {
        self.0.map_or(0, |(r0, r1, c0, c1)| {
            let rows = (r1 - r0) as usize + 1;
            let cols = (c1 - c0) as usize + 1;
            rows.saturating_mul(cols)
        })
    }
}

/// A sheet's rows that hold a non-blank cell, in sheet order, each with its 1-based sheet
/// row and its cells by column: what a frame is built from. Only the cells present are
/// held (never the rectangle from the first to the last cell), so an XLSX sheet read
/// through calamine's cell reader costs what its cells cost, row by row as they come.
#[derive(Debug, Default)]
struct SheetRows {
    /// The rows, with their cells as (column from the sheet's first, value), by column.
    rows: Vec<(u64, Vec<(usize, Data)>)>,
    /// Columns from the first cell's to the last's.
    width: usize,
}

/// One row of a [`SheetRows`].
type Row = [(usize, Data)];

/// The cell of `row` in column `j` (relative to the first column), if present.
fn cell_at(row: &Row, j: usize) -> Option<&Data> {
    row.binary_search_by_key(&j, |(c, _)| *c)
        .ok()
        .and_then(|i| row.get(i))
        .map(|(_, d)| d)
}

impl SheetRows {
    /// From cells `(row, column, value)` in any order; a later cell at the same position
    /// replaces an earlier one, as in a calamine range.
    fn from_cells(mut cells: Vec<(u32, u32, Data)>) -> Self {
        let first_col = cells.iter().map(|c| c.1).min().unwrap_or(0);
        let last_col = cells.iter().map(|c| c.1).max().unwrap_or(0);
        let width = if cells.is_empty() {
            0
        } else {
            (last_col - first_col) as usize + 1
        };
        // Cells come in sheet order from a well-formed file; sorting (stably) is for the
        // rest.
        if !cells.is_sorted_by_key(|c| (c.0, c.1)) {
            cells.sort_by_key(|c| (c.0, c.1));
        }
        let mut rows: Vec<(u64, Vec<(usize, Data)>)> = Vec::new();
        for (r, c, d) in cells {
            let j = (c - first_col) as usize;
            let row = u64::from(r) + 1;
            match rows.last_mut() {
                Some((last, cells)) if *last == row => match cells.last_mut() {
                    Some((k, old)) if *k == j => *old = d,
                    _ => cells.push((j, d)),
                },
                _ => rows.push((row, vec![(j, d)])),
            }
        }
        rows.retain(|(_, cells)| cells.iter().any(|(_, d)| !is_blank(d)));
        SheetRows { rows, width }
    }

    /// From a calamine range (XLS, XLSB, ODS).
    fn from_range(range: &Range<Data>) -> Self {
        let r0 = range.start().map_or(0, |(r, _)| r);
        let rows = range
            .rows()
            .enumerate()
            .filter(|(_, r)| r.iter().any(|d| !is_blank(d)))
            .map(|(i, r)| {
                let cells = r
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| !matches!(d, Data::Empty))
                    .map(|(j, d)| (j, d.clone()))
                    .collect();
                (u64::from(r0) + 1 + i as u64, cells)
            })
            .collect();
        SheetRows {
            rows,
            width: range.width(),
        }
    }
}

/// The location of a sheet as a whole.
fn sheet_at(source: Option<&str>, sheet: &str) -> Location {
    Location::default().with_path(format!("{}[{sheet}]", source.unwrap_or("input")))
}

/// Checks a sheet's rectangle of `cells` (and `text` bytes held in them) against the
/// budgets: calamine allocates the rectangle from its first to its last cell, so a cell at
/// `XFD1048576` in a tiny file costs 17 billion cells.
fn check_cells(
    cells: usize,
    text: u64,
    limits: &Limits,
    at: impl Fn() -> Location,
) -> Result<(), IngestError> {
    let cells = cells as u64;
    if cells > limits.max_cells {
        return Err(IngestError::limit(at(), LimitKind::Cells, limits.max_cells));
    }
    let memory = cells
        .saturating_mul(std::mem::size_of::<Data>() as u64)
        .saturating_add(text);
    if memory > limits.max_memory {
        return Err(IngestError::limit(
            at(),
            LimitKind::Memory,
            limits.max_memory,
        ));
    }
    Ok(())
}

/// The text bytes a cell holds once owned.
fn text_bytes(d: &DataRef<'_>) -> u64 {
    match d {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.len() as u64,
        DataRef::SharedString(s) => s.len() as u64,
        _ => 0,
    }
}

/// Reads a sheet's rows within the budgets, refusing a sheet whose rectangle of cells
/// breaks them before it is allocated. XLSX cells are read in one pass through calamine's
/// cell reader, row by row, never as a calamine range: the bounds and the text each cell
/// copies out of the shared-strings table are counted as they come (a shared string
/// referenced by a million cells is a million copies), and only the cells present are
/// held. XLSB cells are scanned first, then read as a range. XLS and ODS have no cell
/// reader in calamine (both read every sheet into a range when the workbook is opened):
/// their guards checked them before calamine opened the file.
fn load<RS: Read + Seek>(
    book: &mut Sheets<RS>,
    sheet: &str,
    limits: &Limits,
    source: Option<&str>,
) -> Result<SheetRows, IngestError> {
    Ok(match book {
        Sheets::Xlsx(_) => load_xlsx(book, sheet, limits, source)?,
        _ => SheetRows::from_range(&load_range(book, sheet, limits, source)?),
    })
}

/// [`load`] for XLSX, through calamine's cell reader.
fn load_xlsx<RS: Read + Seek>(
    book: &mut Sheets<RS>,
    sheet: &str,
    limits: &Limits,
    source: Option<&str>,
) -> Result<SheetRows, IngestError> {
    let mut bounds = Bounds::default();
    let at = || sheet_at(source, sheet);
    let Sheets::Xlsx(x) = book else {
        return Ok(SheetRows::from_range(&load_range(
            book, sheet, limits, source,
        )?));
    };
    let mut reader = x
        .worksheet_cells_reader(sheet)
        .map_err(|e| unreadable(source, e))?;
    let mut cells: Vec<(u32, u32, Data)> = Vec::new();
    let mut held: u64 = 0;
    // Text copied out of the shared-strings table: one 1 MB string in 6,400 cells is
    // 6.4 GB of copies from a 340 KB file, so the copies count against the shared-strings
    // budget as the table itself does.
    let mut shared: u64 = 0;
    while let Some(c) = reader.next_cell().map_err(|e| unreadable(source, e))? {
        if matches!(c.get_value(), DataRef::Empty) {
            continue;
        }
        if let DataRef::SharedString(s) = c.get_value() {
            shared = shared.saturating_add(s.len() as u64);
            if shared > limits.max_shared_string_bytes {
                return Err(IngestError::limit(
                    at(),
                    LimitKind::SharedStringBytes,
                    limits.max_shared_string_bytes,
                ));
            }
        }
        let (r, col) = c.get_position();
        bounds.add((r, col));
        held = held
            .saturating_add(std::mem::size_of::<(u32, u32, Data)>() as u64)
            .saturating_add(text_bytes(c.get_value()));
        check_cells(bounds.cells(), held, limits, at)?;
        cells
            .try_reserve(1)
            .map_err(|_| IngestError::limit(at(), LimitKind::Memory, limits.max_memory))?;
        cells.push((r, col, Data::from(c.get_value().clone())));
    }
    Ok(SheetRows::from_cells(cells))
}

/// A sheet as a calamine range (XLSB, XLS, ODS), within the budgets.
fn load_range<RS: Read + Seek>(
    book: &mut Sheets<RS>,
    sheet: &str,
    limits: &Limits,
    source: Option<&str>,
) -> Result<Range<Data>, IngestError> {
    let mut bounds = Bounds::default();
    let at = || sheet_at(source, sheet);
    match book {
        Sheets::Xlsb(x) => {
            let mut cells = x
                .worksheet_cells_reader(sheet)
                .map_err(|e| unreadable(source, e))?;
            let mut held: u64 = 0;
            while let Some(c) = cells.next_cell().map_err(|e| unreadable(source, e))? {
                bounds.add(c.get_position());
                held = held.saturating_add(text_bytes(c.get_value()));
                check_cells(bounds.cells(), held, limits, at)?;
            }
        }
        Sheets::Xlsx(_) | Sheets::Xls(_) | Sheets::Ods(_) => {}
    }
    let range = book
        .worksheet_range(sheet)
        .map_err(|e| unreadable(source, e))?;
    let (h, w) = range.get_size();
    check_cells(h.saturating_mul(w), 0, limits, at)?;
    Ok(range)
}

/// The size of a sheet's used range, rows by columns, without keeping its cells where the
/// format allows (XLSX, XLSB).
fn shape<RS: Read + Seek>(
    book: &mut Sheets<RS>,
    sheet: &str,
    limits: &Limits,
    source: Option<&str>,
) -> Result<(usize, usize), IngestError> {
    let mut bounds = Bounds::default();
    match book {
        Sheets::Xlsx(x) => {
            let mut reader = x
                .worksheet_cells_reader(sheet)
                .map_err(|e| unreadable(source, e))?;
            while let Some(c) = reader.next_cell().map_err(|e| unreadable(source, e))? {
                if !matches!(c.get_value(), DataRef::Empty) {
                    bounds.add(c.get_position());
                }
            }
        }
        Sheets::Xlsb(x) => {
            let mut reader = x
                .worksheet_cells_reader(sheet)
                .map_err(|e| unreadable(source, e))?;
            while let Some(c) = reader.next_cell().map_err(|e| unreadable(source, e))? {
                if !matches!(c.get_value(), DataRef::Empty) {
                    bounds.add(c.get_position());
                }
            }
        }
        Sheets::Xls(_) | Sheets::Ods(_) => {
            return Ok(load_range(book, sheet, limits, source)?.get_size());
        }
    }
    Ok(bounds.0.map_or((0, 0), |(r0, r1, c0, c1)| {
        ((r1 - r0) as usize + 1, (c1 - c0) as usize + 1)
    }))
}

/// Opens a workbook. An ODS file (a ZIP naming the OpenDocument spreadsheet mimetype near
/// its start) is opened as ODS so that its own error is reported; anything else is tried as
/// XLS, XLSX, XLSB, then ODS.
fn open<'a>(
    bytes: &'a [u8],
    source: Option<&str>,
) -> Result<Sheets<Cursor<&'a [u8]>>, IngestError> {
    let head = bytes.get(..4096).unwrap_or(bytes);
    if bytes.starts_with(b"PK\x03\x04")
        && memchr::memmem::find(head, b"application/vnd.oasis.opendocument.spreadsheet").is_some()
    {
        return open_workbook_from_rs::<Ods<_>, _>(Cursor::new(bytes))
            .map(Sheets::Ods)
            .map_err(|e| unreadable(source, e));
    }
    open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| unreadable(source, e))
}

/// One sheet of a workbook and the size of its used range (from its first to its last
/// filled cell), as [`SpreadsheetRead::sheets`] lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SheetShape {
    /// The sheet's name.
    pub name: String,
    /// Rows of its used range.
    pub rows: usize,
    /// Columns of its used range.
    pub columns: usize,
}

/// Why a sheet was read ([`SpreadsheetRead::chosen_by`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SheetChoice {
    /// [`ReadOptions::with_sheet`] named it.
    Selected,
    /// The first sheet holding a time column and a numeric column.
    TimeAndNumeric,
    /// No sheet holds both; this is the first with any data.
    FirstWithData,
    /// No sheet holds data: the frame is empty.
    NoData,
}

/// A spreadsheet read: the frame, which sheet it came from and why, and every sheet's
/// shape ([`crate::read_spreadsheet`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SpreadsheetRead {
    /// The sheet's rows.
    pub frame: Frame,
    /// The sheet read (`None` when no sheet holds data).
    pub sheet: Option<String>,
    /// Why that sheet.
    pub chosen_by: SheetChoice,
    /// Every sheet of the workbook, in order, with its shape.
    pub sheets: Vec<SheetShape>,
}

/// Reads one sheet of a spreadsheet into a frame, on a thread of its own
/// ([`crate::contain::SPREADSHEET_THREAD_NAME`]): calamine 0.38 overflows integers on some malformed
/// files (an inverted sheet dimension, a column name of many letters), which panics in
/// builds with overflow checks. Such a panic is an [`IngestError::Unsupported`]. With
/// `shapes`, every sheet's shape is listed too.
pub(crate) fn read_spreadsheet(
    bytes: &[u8],
    options: &ReadOptions,
    source: Option<&str>,
    shapes: bool,
) -> Result<SpreadsheetRead, IngestError> {
    let failed = |what: String| IngestError::Unsupported {
        location: Box::new(Location::source(source)),
        what,
    };
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name(SPREADSHEET_THREAD_NAME.to_owned())
            .spawn_scoped(scope, || read_book(bytes, options, source, shapes));
        match spawned {
            Ok(handle) => handle.join().unwrap_or_else(|payload| {
                Err(failed(format!(
                    "not a readable spreadsheet: calamine failed on it (it panicked: {})",
                    excerpt(panic_message(payload.as_ref()).as_bytes())
                )))
            }),
            Err(e) => Err(failed(format!("cannot start the spreadsheet thread: {e}"))),
        }
    })
}

/// [`read_spreadsheet`]'s work.
fn read_book(
    bytes: &[u8],
    options: &ReadOptions,
    source: Option<&str>,
    shapes: bool,
) -> Result<SpreadsheetRead, IngestError> {
    let limits = options.limits();
    guard::check(bytes, limits, source)?;
    xls_guard::check(bytes, limits, source)?;
    let mut book = open(bytes, source)?;
    let names = book.sheet_names();
    let invalid = |message: String| IngestError::InvalidOptions {
        location: Box::new(Location::source(source)),
        message,
    };
    let mut sheets = Vec::new();
    if shapes {
        for name in &names {
            let (rows, columns) = shape(&mut book, name, limits, source)?;
            sheets.push(SheetShape {
                name: name.clone(),
                rows,
                columns,
            });
        }
    }
    let done = |frame: Frame, sheet: Option<String>, chosen_by: SheetChoice, sheets| {
        Ok(SpreadsheetRead {
            frame,
            sheet,
            chosen_by,
            sheets,
        })
    };
    if let Some(sel) = options.sheet() {
        let name = match sel {
            SheetSelector::Name(n) => names.iter().find(|s| *s == n).cloned(),
            SheetSelector::Index(i) => names.get(*i).cloned(),
        };
        let Some(name) = name else {
            return Err(invalid(format!(
                "no sheet {sel}; the sheets are {}",
                names.join(", ")
            )));
        };
        let rows = load(&mut book, &name, limits, source)?;
        let frame = frame_of(&rows, &name, source)?;
        return done(frame, Some(name), SheetChoice::Selected, sheets);
    }
    let mut fallback = None;
    for name in &names {
        let rows = load(&mut book, name, limits, source)?;
        if rows.rows.is_empty() {
            continue;
        }
        let read = frame_of(&rows, name, source);
        if let Ok(frame) = &read
            && frame.timestamps().is_some()
            && !frame.numeric_columns().is_empty()
        {
            let frame = read?;
            return done(
                frame,
                Some(name.clone()),
                SheetChoice::TimeAndNumeric,
                sheets,
            );
        }
        if fallback.is_none() {
            fallback = Some((name.clone(), read));
        }
    }
    match fallback {
        Some((name, read)) => done(read?, Some(name), SheetChoice::FirstWithData, sheets),
        None => {
            let frame = Frame::builder()
                .build()
                .map_err(|e| IngestError::frame(source, e))?;
            done(frame, None, SheetChoice::NoData, sheets)
        }
    }
}

/// One sheet's rows into a frame.
fn frame_of(
    sheet: &SheetRows,
    sheet_name: &str,
    source: Option<&str>,
) -> Result<Frame, IngestError> {
    // Non-blank rows with their 1-based sheet rows.
    let rows: Vec<(u64, &Row)> = sheet
        .rows
        .iter()
        .map(|(row, cells)| (*row, cells.as_slice()))
        .collect();
    let filled = |r: &Row| r.iter().filter(|(_, d)| !is_blank(d)).count();
    // A title row: one filled cell above a wider row.
    let mut start = 0;
    while let (Some((_, a)), Some((_, b))) = (rows.get(start), rows.get(start + 1)) {
        if filled(a) == 1 && filled(b) > 1 {
            start += 1;
        } else {
            break;
        }
    }
    let rows = rows.get(start..).unwrap_or_default();
    let header = match rows.first() {
        Some((_, r)) if rows.len() > 1 => {
            let texts = r
                .iter()
                .filter(|(_, d)| matches!(d, Data::String(_)) && classify(d) == Class::Text)
                .count();
            2 * texts > filled(r)
        }
        _ => false,
    };
    let body = if header {
        rows.get(1..).unwrap_or_default()
    } else {
        rows
    };
    // Columns with anything in them.
    let keep: Vec<usize> = {
        let mut used = vec![false; sheet.width];
        for (_, r) in rows {
            for (j, d) in r.iter() {
                if !is_blank(d)
                    && let Some(u) = used.get_mut(*j)
                {
                    *u = true;
                }
            }
        }
        (0..sheet.width)
            .filter(|&j| used.get(j).copied().unwrap_or(false))
            .collect()
    };
    let mut names_out: Vec<String> = Vec::with_capacity(keep.len());
    for &j in &keep {
        let base = match rows.first() {
            Some((_, r)) if header => cell_at(r, j)
                .and_then(text)
                .map(|s| s.trim().to_owned())
                .unwrap_or_default(),
            _ => String::new(),
        };
        let base = if base.is_empty() {
            format!("column_{}", j + 1)
        } else {
            base
        };
        let mut name = base.clone();
        let mut n = 2;
        while names_out.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        names_out.push(name);
    }
    // Types.
    let kinds: Vec<Kind> = keep
        .iter()
        .map(|&j| {
            let (mut num, mut date, mut txt) = (0, 0, 0);
            for (_, r) in body {
                match cell_at(r, j).map_or(Class::Empty, classify) {
                    Class::Number => num += 1,
                    Class::Date => date += 1,
                    Class::Text => txt += 1,
                    Class::Empty => {}
                }
            }
            if txt > 0 || (date > 0 && num > 0) {
                Kind::Category
            } else if date > 0 {
                Kind::Time
            } else {
                Kind::Numeric
            }
        })
        .collect();
    let time_col = {
        let named = |k: usize| names_out.get(k).is_some_and(|n| cell::is_time_name(n));
        let dates: Vec<usize> = (0..keep.len())
            .filter(|&k| kinds.get(k) == Some(&Kind::Time))
            .collect();
        dates
            .iter()
            .copied()
            .find(|&k| named(k))
            .or_else(|| dates.first().copied())
            .or_else(|| {
                (0..keep.len())
                    .find(|&k| named(k) && kinds.get(k) == Some(&Kind::Numeric) && !body.is_empty())
            })
    };
    let mut b = Frame::builder();
    for (k, (&j, name)) in keep.iter().zip(&names_out).enumerate() {
        let cells = body
            .iter()
            .map(|(row, r)| (*row, cell_at(r, j).unwrap_or(&Data::Empty)));
        if Some(k) == time_col {
            let mut times = Vec::with_capacity(body.len());
            for (row, d) in cells {
                match time_of(d) {
                    Some(t) => times.push(t),
                    None => {
                        return Err(IngestError::Cell {
                            location: Box::new(location(source, sheet_name, row, name)),
                            expected: "a timestamp".to_owned(),
                            found: excerpt(text(d).unwrap_or_default().as_bytes()),
                        });
                    }
                }
            }
            b = b.timestamps(name.clone(), times);
        } else {
            match kinds.get(k) {
                Some(Kind::Numeric) => {
                    b = b.numeric(name.clone(), cells.map(|(_, d)| number(d)).collect())
                }
                _ => {
                    let mut c = CategoryColumn::new(name.clone());
                    for (_, d) in cells {
                        c.push(text(d).as_deref());
                    }
                    b = b.category(c);
                }
            }
        }
    }
    b.build().map_err(|e| IngestError::frame(source, e))
}
