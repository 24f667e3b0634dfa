//! A binary XLS workbook (BIFF in an OLE compound file) checked against the read's
//! [`Limits`] before calamine opens it.
//!
//! calamine reads every sheet of an XLS file when it opens it, and what it holds can dwarf
//! the file:
//! - each `LabelSst` cell (14 bytes of file) is a copy of a shared string of up to 65,535
//!   characters, so a 1 MB sheet of them referencing one long string is gigabytes of
//!   copies;
//! - a sheet's cells become a dense rectangle from its first to its last cell (a cell at
//!   column 65,535 of row 65,535 is 4 billion cells), and a `Dimensions` record reserves
//!   rows × columns cells up front, rows being 32-bit;
//! - its compound-file reader follows sector chains without a cycle check, so a looping
//!   chain repeats sectors up to the length the directory claims.
//!
//! So the file is read here first, the way calamine reads it: the compound file's header,
//! FAT, directory and mini stream, then the `Workbook` stream's records (with their
//! `Continue` records), the shared-strings table string by string, and every sheet's cell
//! records. Nothing is decoded: each string's UTF-8 size is bounded from its characters.
//! The copies of shared strings count against [`Limits::max_shared_string_bytes`], each
//! sheet's rectangle (and its reservation) against [`Limits::max_cells`], and everything
//! calamine will hold against [`Limits::max_memory`]. What calamine would refuse anyway
//! passes (it reports it); what this reader cannot follow as calamine would (a looping
//! chain, a sector past the end of the file) is refused.

use calamine::{Cell, Data};

use crate::error::IngestError;
use crate::limits::{LimitKind, Limits};
use crate::location::Location;

/// The OLE compound-file signature.
const SIGNATURE: &[u8; 8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
/// Sector ids at and above this are markers, not sectors.
const RESERVED_SECTORS: u32 = 0xFFFF_FFFA;
/// The DIFAT-sector marker.
const DIFSECT: u32 = 0xFFFF_FFFC;
/// The end of a sector chain.
const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
/// The BIFF `Continue` record.
const CONTINUE: u16 = 0x003C;

/// Why the workbook is refused (or passed on to calamine).
#[derive(Debug)]
enum Verdict {
    /// calamine refuses this file itself (with its own error): let it.
    CalamineFails,
    /// This reader cannot follow the file as calamine would.
    Unfollowable(String),
    /// A budget.
    Limit(LimitKind),
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// The compound file, read as calamine's `Cfb` reads it.
struct Compound<'a> {
    bytes: &'a [u8],
    header_len: usize,
    sector: usize,
    maxid: u32,
    fats: Vec<u32>,
    dirs: Vec<(String, u32, u64)>,
    ministream: Vec<u8>,
    minifats: Vec<u32>,
}

impl<'a> Compound<'a> {
    /// Sector `id` (short at the end of the file, as calamine reads it).
    fn sector(&self, id: u32) -> Result<&'a [u8], Verdict> {
        if id > self.maxid {
            return Err(Verdict::CalamineFails);
        }
        let start = self.header_len + id as usize * self.sector;
        if start > self.bytes.len() {
            return Err(Verdict::Unfollowable(format!(
                "sector {id} starts past the end of the file"
            )));
        }
        let end = (start + self.sector).min(self.bytes.len());
        Ok(self.bytes.get(start..end).unwrap_or_default())
    }

    /// The chain from `id`, up to `len` bytes. A chain visiting more sectors than the file
    /// holds loops: calamine would repeat it up to `len`, so it is refused.
    fn chain(
        &self,
        mut id: u32,
        fats: &[u32],
        len: u64,
        limits: &Limits,
    ) -> Result<Vec<u8>, Verdict> {
        let mut out = Vec::new();
        let mut visited: u64 = 0;
        while id != ENDOFCHAIN {
            visited += 1;
            if visited > u64::from(self.maxid) + 1 {
                return Err(Verdict::Unfollowable(
                    "a sector chain of the compound file loops".to_owned(),
                ));
            }
            let s = self.sector(id)?;
            let remaining = len.saturating_sub(out.len() as u64);
            let take = (s.len() as u64).min(remaining) as usize;
            if out.len() as u64 + take as u64 > limits.max_decompressed_bytes {
                return Err(Verdict::Limit(LimitKind::DecompressedBytes));
            }
            out.extend_from_slice(s.get(..take).unwrap_or_default());
            if out.len() as u64 >= len {
                break;
            }
            id = *fats.get(id as usize).ok_or(Verdict::CalamineFails)?;
        }
        Ok(out)
    }

    fn open(bytes: &'a [u8], limits: &Limits) -> Result<Self, Verdict> {
        let head = bytes.get(..512).ok_or(Verdict::CalamineFails)?;
        if !head.starts_with(SIGNATURE) {
            return Err(Verdict::CalamineFails);
        }
        let version = u16_at(head, 26).ok_or(Verdict::CalamineFails)?;
        let (sector, header_len) = match u16_at(head, 30) {
            Some(0x0009) => (512, 512),
            Some(0x000C) if bytes.len() >= 4096 => (4096, 4096),
            _ => return Err(Verdict::CalamineFails),
        };
        if u16_at(head, 32) != Some(0x0006) {
            return Err(Verdict::CalamineFails);
        }
        let field = |at| u32_at(head, at).ok_or(Verdict::CalamineFails);
        let dir_start = field(48)?;
        let mini_fat_start = field(60)?;
        let mini_fat_len = u64::from(field(64)?);
        let difat_start = field(68)?;
        let mut cfb = Compound {
            bytes,
            header_len,
            sector,
            maxid: u32::try_from(bytes.len() / sector).unwrap_or(u32::MAX),
            fats: Vec::new(),
            dirs: Vec::new(),
            ministream: Vec::new(),
            minifats: Vec::new(),
        };
        let words = |b: &[u8]| -> Vec<u32> {
            b.chunks_exact(4)
                .filter_map(|c| c.try_into().ok().map(u32::from_le_bytes))
                .collect()
        };
        let mut difat = words(head.get(76..512).unwrap_or_default());
        let mut id = difat_start;
        let mut difat_sectors: u64 = 0;
        while id < RESERVED_SECTORS {
            difat_sectors += 1;
            if difat_sectors > u64::from(cfb.maxid) + 1 {
                return Err(Verdict::CalamineFails);
            }
            difat.extend(words(cfb.sector(id)?));
            id = difat.pop().ok_or(Verdict::CalamineFails)?;
        }
        let mut fats = Vec::new();
        for id in difat.into_iter().filter(|id| *id < DIFSECT) {
            fats.extend(words(cfb.sector(id)?));
        }
        let dirs = cfb.chain(dir_start, &fats, u64::MAX, limits)?;
        let big = sector == 4096;
        cfb.dirs = dirs
            .chunks_exact(128)
            .map(|d| {
                let units: Vec<u16> = d
                    .get(..64)
                    .unwrap_or_default()
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c.get(1).copied().unwrap_or(0)]))
                    .collect();
                let mut name = String::from_utf16_lossy(&units);
                if let Some(l) = name.as_bytes().iter().position(|b| *b == 0) {
                    name.truncate(l);
                }
                let start = u32_at(d, 116).unwrap_or(ENDOFCHAIN);
                let len = if big {
                    u64_at(d, 120).unwrap_or(0)
                } else {
                    u64::from(u32_at(d, 120).unwrap_or(0))
                };
                (name, start, len)
            })
            .collect();
        let root_start = match cfb.dirs.first() {
            Some((_, start, _)) if version == 3 || *start != ENDOFCHAIN => *start,
            _ => return Err(Verdict::CalamineFails),
        };
        if mini_fat_len > 0 {
            let root_len = cfb.dirs.first().map_or(0, |d| d.2);
            cfb.ministream = cfb.chain(root_start, &fats, root_len, limits)?;
            let minifat = cfb.chain(
                mini_fat_start,
                &fats,
                mini_fat_len.saturating_mul(sector as u64),
                limits,
            )?;
            cfb.minifats = words(&minifat);
        }
        cfb.fats = fats;
        Ok(cfb)
    }

    /// The stream calamine reads as `name` (the first directory entry of that name, any
    /// case): in 64-byte mini sectors below 4096 bytes.
    fn stream(&self, name: &str, limits: &Limits) -> Result<Option<Vec<u8>>, Verdict> {
        let Some((_, start, len)) = self
            .dirs
            .iter()
            .find(|d| d.0.as_bytes().eq_ignore_ascii_case(name.as_bytes()))
        else {
            return Ok(None);
        };
        if *len >= 4096 {
            return self.chain(*start, &self.fats, *len, limits).map(Some);
        }
        let mut out = Vec::new();
        let mut id = *start;
        let mut visited = 0usize;
        while id != ENDOFCHAIN {
            visited += 1;
            if visited > self.ministream.len() / 64 + 1 {
                return Err(Verdict::Unfollowable(
                    "a mini-sector chain of the compound file loops".to_owned(),
                ));
            }
            let at = id as usize * 64;
            let Some(s) = self
                .ministream
                .get(at..(at + 64).min(self.ministream.len()))
            else {
                // calamine would read on into the file past the mini stream.
                return Err(Verdict::Unfollowable(format!(
                    "mini sector {id} lies past the mini stream"
                )));
            };
            let take = s.len().min(*len as usize - out.len());
            out.extend_from_slice(s.get(..take).unwrap_or_default());
            if out.len() as u64 >= *len {
                break;
            }
            id = *self
                .minifats
                .get(id as usize)
                .ok_or(Verdict::CalamineFails)?;
        }
        Ok(Some(out))
    }
}

/// A BIFF record with its `Continue` records, as calamine's record iterator yields it.
struct Record<'a> {
    typ: u16,
    data: &'a [u8],
    cont: std::collections::VecDeque<&'a [u8]>,
}

impl Record<'_> {
    fn next_continue(&mut self) -> bool {
        match self.cont.pop_front() {
            Some(d) => {
                self.data = d;
                true
            }
            None => false,
        }
    }

    fn skip(&mut self, mut len: usize) -> Option<()> {
        while len > 0 {
            if self.data.is_empty() && !self.next_continue() {
                return None;
            }
            let l = len.min(self.data.len());
            self.data = self.data.get(l..)?;
            len -= l;
        }
        Some(())
    }

    fn advance(&mut self, n: usize) -> Option<()> {
        self.data = self.data.get(n..)?;
        Some(())
    }

    /// The bytes of all its pieces.
    fn len(&self) -> usize {
        self.data.len() + self.cont.iter().map(|c| c.len()).sum::<usize>()
    }
}

/// The records of `stream` from its start; `None` where calamine's iterator fails.
fn records(mut stream: &[u8]) -> impl Iterator<Item = Option<Record<'_>>> {
    std::iter::from_fn(move || {
        if stream.is_empty() {
            return None;
        }
        let (Some(typ), Some(len)) = (u16_at(stream, 0), u16_at(stream, 2)) else {
            stream = &[];
            return Some(None);
        };
        let Some(data) = stream.get(4..4 + len as usize) else {
            stream = &[];
            return Some(None);
        };
        stream = stream.get(4 + len as usize..).unwrap_or_default();
        let mut cont = std::collections::VecDeque::new();
        while stream.len() > 4 && u16_at(stream, 0) == Some(CONTINUE) {
            let l = u16_at(stream, 2).unwrap_or(0) as usize;
            let Some(c) = stream.get(4..4 + l) else {
                stream = &[];
                return Some(None);
            };
            cont.push_back(c);
            stream = stream.get(4 + l..).unwrap_or_default();
        }
        Some(Some(Record { typ, data, cont }))
    })
}

/// An upper bound on the UTF-8 bytes of each string of an SST record, read as calamine
/// reads it (`None` where it would fail).
fn sst_sizes(r: &mut Record<'_>) -> Option<Vec<u64>> {
    r.advance(8)?;
    let mut sizes = Vec::new();
    while !r.data.is_empty() || r.next_continue() {
        if r.data.len() < 3 {
            return None;
        }
        let cch = usize::from(u16_at(r.data, 0)?);
        let flags = *r.data.get(2)?;
        r.advance(3)?;
        let mut runs = 0usize;
        let mut ext = 0usize;
        if flags & 0x8 != 0 {
            runs = usize::from(u16_at(r.data, 0)?);
            r.advance(2)?;
        }
        if flags & 0x4 != 0 {
            ext = u32_at(r.data, 0)? as i32 as usize;
            r.advance(4)?;
        }
        let mut high = flags & 0x1 != 0;
        let mut left = cch;
        let mut bytes: u64 = 0;
        while left > 0 {
            let width = if high { 2 } else { 1 };
            let n = (r.data.len() / width).min(left);
            let chars = r.data.get(..n * width)?;
            bytes += if high {
                chars
                    .chunks_exact(2)
                    .map(|c| match u16::from_le_bytes([c[0], c[1]]) {
                        0..0x80 => 1,
                        0x80..0x800 => 2,
                        _ => 3,
                    })
                    .sum::<u64>()
            } else {
                chars
                    .iter()
                    .map(|&b| if b < 0x80 { 1 } else { 3 })
                    .sum::<u64>()
            };
            r.advance(n * width)?;
            left -= n;
            if left > 0 {
                if !r.next_continue() {
                    return None;
                }
                high = *r.data.first()? & 0x1 != 0;
                r.advance(1)?;
            }
        }
        r.skip(runs * 4)?;
        r.skip(ext)?;
        sizes.push(bytes);
    }
    Some(sizes)
}

/// One sheet's cells as calamine will hold them.
#[derive(Debug, Default)]
struct Tally {
    cells: u64,
    bounds: Option<(u32, u32, u32, u32)>,
    formulas: u64,
    formula_bounds: Option<(u32, u32, u32, u32)>,
    reserved: u64,
    text: u64,
}

fn widen(b: &mut Option<(u32, u32, u32, u32)>, r: u32, c: u32) {
    *b = Some(match *b {
        None => (r, r, c, c),
        Some((r0, r1, c0, c1)) => (r0.min(r), r1.max(r), c0.min(c), c1.max(c)),
    });
}

fn area(b: Option<(u32, u32, u32, u32)>) -> u64 {
    b.map_or(0, |(r0, r1, c0, c1)| {
        (u64::from(r1 - r0) + 1).saturating_mul(u64::from(c1 - c0) + 1)
    })
}

impl Tally {
    fn cell(&mut self, r: u32, c: u32, text: u64) {
        self.cells += 1;
        self.text = self.text.saturating_add(text);
        widen(&mut self.bounds, r, c);
    }

    /// Bytes held once the sheet is read: its cell list (or its reservation), then its
    /// dense value and formula rectangles.
    fn memory(&self) -> u64 {
        let cell = std::mem::size_of::<Cell<Data>>() as u64;
        let listed = self.cells.max(self.reserved).saturating_mul(cell);
        let dense = area(self.bounds).saturating_mul(std::mem::size_of::<Data>() as u64);
        let formulas = area(self.formula_bounds)
            .saturating_mul(std::mem::size_of::<String>() as u64)
            .saturating_add(self.formulas.saturating_mul(64));
        listed
            .saturating_add(dense)
            .saturating_add(formulas)
            .saturating_add(self.text)
    }

    fn check(&self, shared: u64, held: u64, limits: &Limits) -> Result<(), Verdict> {
        if shared > limits.max_shared_string_bytes {
            return Err(Verdict::Limit(LimitKind::SharedStringBytes));
        }
        if area(self.bounds).max(self.reserved) > limits.max_cells {
            return Err(Verdict::Limit(LimitKind::Cells));
        }
        if held.saturating_add(self.memory()) > limits.max_memory {
            return Err(Verdict::Limit(LimitKind::Memory));
        }
        Ok(())
    }
}

/// The row and column of a cell record.
fn at(r: &Record<'_>) -> Option<(u32, u32)> {
    Some((u32::from(u16_at(r.data, 0)?), u32::from(u16_at(r.data, 2)?)))
}

fn scan(bytes: &[u8], limits: &Limits) -> Result<(), Verdict> {
    let cfb = Compound::open(bytes, limits)?;
    let stream = match cfb.stream("Workbook", limits)? {
        Some(s) => s,
        None => cfb.stream("Book", limits)?.ok_or(Verdict::CalamineFails)?,
    };
    let mut sheets = Vec::new();
    let mut strings: Vec<u64> = Vec::new();
    let mut held: u64 = 0;
    for record in records(&stream) {
        let mut r = record.ok_or(Verdict::CalamineFails)?;
        match r.typ {
            0x002F if u16_at(r.data, 0).unwrap_or(0) != 0 => return Err(Verdict::CalamineFails),
            0x0085 => sheets.push(u32_at(r.data, 0).ok_or(Verdict::CalamineFails)? as usize),
            0x00FC => {
                held = held.saturating_add(r.len() as u64 * 3);
                strings = sst_sizes(&mut r).ok_or_else(|| {
                    Verdict::Unfollowable("its shared-strings table is malformed".to_owned())
                })?;
                held = held
                    .saturating_add(strings.len() as u64 * std::mem::size_of::<String>() as u64);
            }
            0x000A => break,
            _ => {}
        }
    }
    // Shared-string copies over all sheets: calamine holds every sheet at once.
    let mut shared: u64 = 0;
    for pos in sheets {
        let sheet = stream.get(pos..).ok_or(Verdict::CalamineFails)?;
        let mut t = Tally::default();
        let mut seen_bof = false;
        let mut depth = 0usize;
        for record in records(sheet) {
            let r = record.ok_or(Verdict::CalamineFails)?;
            if depth > 0 {
                match r.typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            let text = r.len() as u64 * 3;
            match r.typ {
                0x0809 => {
                    if seen_bof {
                        depth += 1;
                    } else {
                        seen_bof = true;
                    }
                }
                0x0200 => {
                    let d = r.data;
                    let (rf, rl, cf, cl) = match d.len() {
                        10 => (
                            u32::from(u16_at(d, 0).unwrap_or(0)),
                            u32::from(u16_at(d, 2).unwrap_or(0)),
                            u32::from(u16_at(d, 4).unwrap_or(0)),
                            u32::from(u16_at(d, 6).unwrap_or(0)),
                        ),
                        14 | 16 => (
                            u32_at(d, 0).unwrap_or(0),
                            u32_at(d, 4).unwrap_or(0),
                            u32::from(u16_at(d, 8).unwrap_or(0)),
                            u32::from(u16_at(d, 10).unwrap_or(0)),
                        ),
                        _ => return Err(Verdict::CalamineFails),
                    };
                    let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
                    let (end_r, end_c) = if rl >= 1 && cl >= 1 {
                        (rl - 1, cl - 1)
                    } else {
                        (rf, cf)
                    };
                    // calamine subtracts in u32 (wrapping in release builds).
                    let rows = u64::from(end_r.wrapping_sub(rf).wrapping_add(1));
                    let cols = u64::from(end_c.wrapping_sub(cf).wrapping_add(1));
                    t.reserved = t.reserved.max(rows.saturating_mul(cols));
                }
                0x0203 | 0x0205 | 0x027E => {
                    let (row, col) = at(&r).ok_or(Verdict::CalamineFails)?;
                    t.cell(row, col, 0);
                }
                0x0204 | 0x00D6 => {
                    let (row, col) = at(&r).ok_or(Verdict::CalamineFails)?;
                    t.cell(row, col, text);
                }
                0x0207 => {
                    let (row, col) = t.bounds.map_or((0, 0), |b| (b.1, b.3));
                    t.cell(row, col, text);
                }
                0x00FD => {
                    let (row, col) = at(&r).ok_or(Verdict::CalamineFails)?;
                    let i = u32_at(r.data, 6).ok_or(Verdict::CalamineFails)? as usize;
                    if let Some(&s) = strings.get(i) {
                        shared = shared.saturating_add(s);
                        t.cell(row, col, s);
                    }
                }
                0x00BD => {
                    let d = r.data;
                    if d.len() < 6 {
                        return Err(Verdict::CalamineFails);
                    }
                    let row = u32::from(u16_at(d, 0).unwrap_or(0));
                    let first = u32::from(u16_at(d, 2).unwrap_or(0));
                    let n = (d.len() - 6) / 6;
                    for k in 0..n as u32 {
                        t.cell(row, first.saturating_add(k), 0);
                    }
                }
                0x0006 => {
                    let (row, col) = at(&r).ok_or(Verdict::CalamineFails)?;
                    t.cell(row, col, 0);
                    t.formulas += 1;
                    widen(&mut t.formula_bounds, row, col);
                }
                0x000A => break,
                _ => {}
            }
            t.check(shared, held, limits)?;
        }
        t.check(shared, held, limits)?;
        held = held.saturating_add(t.memory());
    }
    Ok(())
}

/// Checks a binary XLS workbook against `limits` before calamine opens it. Anything that
/// is not an OLE compound file, or that calamine refuses by itself, passes.
pub(super) fn check(
    bytes: &[u8],
    limits: &Limits,
    source: Option<&str>,
) -> Result<(), IngestError> {
    let at = || Location::source(source);
    match scan(bytes, limits) {
        Ok(()) | Err(Verdict::CalamineFails) => Ok(()),
        Err(Verdict::Limit(kind)) => Err(IngestError::limit(at(), kind, limits.get(kind))),
        Err(Verdict::Unfollowable(what)) => Err(IngestError::Unsupported {
            location: Box::new(at()),
            what: format!("not a readable spreadsheet: {what}"),
        }),
    }
}
