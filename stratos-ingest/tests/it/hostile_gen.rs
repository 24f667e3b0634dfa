//! Hostile inputs, generated: spreadsheet bombs, sparse-key records, looping and bombing
//! PDFs. Shared by the tests (`hostile.rs`) and by `examples/hostile_files.rs`, which
//! writes them to a directory for measuring the CLI (`/usr/bin/time -v stratos run …`).
//!
//! Compressed bombs are built without compressing anything: [`deflate`] writes a DEFLATE
//! stream of fixed-Huffman blocks by hand, where a run of one byte costs 13 bits per 258
//! bytes, so a gigabyte of expansion is made in milliseconds even in a debug build. ZIP
//! files are written by hand as well ([`zip`]), small parts stored, bombs deflated. The
//! CRC of a bomb entry is left 0 (computing it means touching every expanded byte); a
//! reader that got that far has already lost.

#![allow(dead_code, unreachable_pub)]

/// A piece of the uncompressed content of a [`deflate`] stream.
#[derive(Debug, Clone)]
pub enum Piece<'a> {
    /// These bytes as literals.
    Bytes(&'a [u8]),
    /// `n` copies of one byte.
    Run(u8, u64),
}

/// Writes bits least-significant first, as DEFLATE does.
#[derive(Debug, Default)]
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u64, bits: u32) {
        self.acc |= value << self.n;
        self.n += bits;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code, most-significant bit first.
    fn code(&mut self, code: u32, len: u32) {
        let mut rev = 0u64;
        for i in 0..len {
            rev |= u64::from((code >> i) & 1) << (len - 1 - i);
        }
        self.put(rev, len);
    }

    fn literal(&mut self, b: u8) {
        if b < 144 {
            self.code(0x30 + u32::from(b), 8);
        } else {
            self.code(0x190 + u32::from(b) - 144, 9);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

/// A raw DEFLATE stream (one fixed-Huffman block) of `pieces`, and its expanded size.
pub fn deflate(pieces: &[Piece<'_>]) -> (Vec<u8>, u64) {
    let mut w = Bits::default();
    w.put(1, 1); // final block
    w.put(1, 2); // fixed Huffman
    let mut size = 0u64;
    for p in pieces {
        match p {
            Piece::Bytes(bytes) => {
                for &b in *bytes {
                    w.literal(b);
                }
                size += bytes.len() as u64;
            }
            Piece::Run(b, n) => {
                if *n == 0 {
                    continue;
                }
                w.literal(*b);
                let mut left = n - 1;
                while left >= 258 {
                    w.code(0xC5, 8); // length code 285: 258 bytes
                    w.code(0, 5); // distance code 0: 1 byte back
                    left -= 258;
                }
                for _ in 0..left {
                    w.literal(*b);
                }
                size += n;
            }
        }
    }
    w.code(0, 7); // end of block
    (w.finish(), size)
}

/// CRC-32 (IEEE) of `data`.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A ZIP entry's content.
#[derive(Debug, Clone)]
pub enum Entry<'a> {
    /// Stored as is.
    Stored(Vec<u8>),
    /// Deflated from these pieces (CRC left 0).
    Deflated(Vec<Piece<'a>>),
}

/// A ZIP archive of `entries`, in order.
pub fn zip(entries: &[(&str, Entry<'_>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    let le16 = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
    let le32 = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
    for (name, entry) in entries {
        let (method, data, crc, size) = match entry {
            Entry::Stored(d) => (0u16, d.clone(), crc32(d), d.len() as u64),
            Entry::Deflated(pieces) => {
                let (d, size) = deflate(pieces);
                (8u16, d, 0, size)
            }
        };
        let size = u32::try_from(size).unwrap_or(u32::MAX);
        let offset = out.len() as u32;
        le32(&mut out, 0x0403_4b50);
        le16(&mut out, 20);
        le16(&mut out, 0);
        le16(&mut out, method);
        le16(&mut out, 0);
        le16(&mut out, 0x21);
        le32(&mut out, crc);
        le32(&mut out, data.len() as u32);
        le32(&mut out, size);
        le16(&mut out, name.len() as u16);
        le16(&mut out, 0);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&data);
        le32(&mut central, 0x0201_4b50);
        le16(&mut central, 20);
        le16(&mut central, 20);
        le16(&mut central, 0);
        le16(&mut central, method);
        le16(&mut central, 0);
        le16(&mut central, 0x21);
        le32(&mut central, crc);
        le32(&mut central, data.len() as u32);
        le32(&mut central, size);
        le16(&mut central, name.len() as u16);
        le16(&mut central, 0);
        le16(&mut central, 0);
        le16(&mut central, 0);
        le16(&mut central, 0);
        le32(&mut central, 0);
        le32(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    let cd_len = central.len() as u32;
    out.extend_from_slice(&central);
    le32(&mut out, 0x0605_4b50);
    le16(&mut out, 0);
    le16(&mut out, 0);
    le16(&mut out, entries.len() as u16);
    le16(&mut out, entries.len() as u16);
    le32(&mut out, cd_len);
    le32(&mut out, cd_offset);
    le16(&mut out, 0);
    out
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
const SST_OPEN: &[u8] =
    br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

/// A one-sheet XLSX: the sheet's `<sheetData>` rows and a shared-strings part.
fn xlsx(sheet_rows: &str, shared: Entry<'_>) -> Vec<u8> {
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_rows}</sheetData></worksheet>"#
    );
    zip(&[
        ("[Content_Types].xml", Entry::Stored(CONTENT_TYPES.into())),
        ("_rels/.rels", Entry::Stored(ROOT_RELS.into())),
        ("xl/workbook.xml", Entry::Stored(WORKBOOK.into())),
        (
            "xl/_rels/workbook.xml.rels",
            Entry::Stored(WORKBOOK_RELS.into()),
        ),
        ("xl/sharedStrings.xml", shared),
        (
            "xl/worksheets/sheet1.xml",
            Entry::Stored(sheet.into_bytes()),
        ),
    ])
}

/// A plain XLSX: a header and `rows` rows of time and value (a control for the bombs).
pub fn xlsx_plain(rows: usize) -> Vec<u8> {
    let mut body = String::from(
        r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>"#,
    );
    for i in 0..rows {
        let r = i + 2;
        body.push_str(&format!(
            r#"<row r="{r}"><c r="A{r}"><v>{}</v></c><c r="B{r}"><v>{}</v></c></row>"#,
            45_000 + i,
            i as f64 * 0.5
        ));
    }
    let mut sst = SST_OPEN.to_vec();
    sst.extend_from_slice(b"<si><t>time</t></si><si><t>value</t></si></sst>");
    xlsx(&body, Entry::Stored(sst))
}

/// The shared-strings bomb: `strings` strings of `each` bytes, deflated (about 5 MB for
/// 1,000 strings of 6.4 MB: 6.4 GB expanded).
pub fn xlsx_shared_strings_bomb(strings: usize, each: u64) -> Vec<u8> {
    let mut pieces = vec![Piece::Bytes(SST_OPEN)];
    for _ in 0..strings {
        pieces.push(Piece::Bytes(b"<si><t>"));
        pieces.push(Piece::Run(b'A', each));
        pieces.push(Piece::Bytes(b"</t></si>"));
    }
    pieces.push(Piece::Bytes(b"</sst>"));
    let rows = r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#;
    xlsx(rows, Entry::Deflated(pieces))
}

/// One shared string of `each` bytes referenced by `cells` cells: every cell copies it.
pub fn xlsx_shared_string_fanout(each: u64, cells: usize) -> Vec<u8> {
    let pieces = vec![
        Piece::Bytes(SST_OPEN),
        Piece::Bytes(b"<si><t>"),
        Piece::Run(b'A', each),
        Piece::Bytes(b"</t></si></sst>"),
    ];
    let mut rows = String::new();
    for i in 1..=cells {
        rows.push_str(&format!(
            r#"<row r="{i}"><c r="A{i}" t="s"><v>0</v></c></row>"#
        ));
    }
    xlsx(&rows, Entry::Deflated(pieces))
}

/// A shared-strings table claiming `count` strings (calamine reserves room for them).
pub fn xlsx_unique_count_bomb(count: u64) -> Vec<u8> {
    let sst = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{count}" uniqueCount="{count}"><si><t>a</t></si></sst>"#
    );
    xlsx(
        r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#,
        Entry::Stored(sst.into_bytes()),
    )
}

const ODS_MIME: &str = "application/vnd.oasis.opendocument.spreadsheet";
const ODS_OPEN: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Sheet1">"#;
const ODS_CLOSE: &[u8] =
    b"</table:table></office:spreadsheet></office:body></office:document-content>";
const MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;

/// An ODS whose one sheet holds `rows` (table rows, as XML).
pub fn ods(rows: &str) -> Vec<u8> {
    let mut content = ODS_OPEN.to_vec();
    content.extend_from_slice(rows.as_bytes());
    content.extend_from_slice(ODS_CLOSE);
    zip(&[
        ("mimetype", Entry::Stored(ODS_MIME.into())),
        ("META-INF/manifest.xml", Entry::Stored(MANIFEST.into())),
        ("content.xml", Entry::Stored(content)),
    ])
}

/// An ODS row of a time (text) and a float.
pub fn ods_row(time: &str, value: f64) -> String {
    format!(
        r#"<table:table-row><table:table-cell office:value-type="string"><text:p>{time}</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell></table:table-row>"#
    )
}

/// `<text:s text:c="2000000000"/>`: two billion spaces from a kilobyte.
pub fn ods_spaces_bomb() -> Vec<u8> {
    ods(
        r#"<table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="2000000000"/></text:p></table:table-cell></table:table-row>"#,
    )
}

/// Rows after a `number-rows-repeated="1000000000"` row (calamine drops them).
pub fn ods_rows_after_repeat() -> Vec<u8> {
    let mut rows = String::from(
        r#"<table:table-row><table:table-cell office:value-type="string"><text:p>time</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>value</text:p></table:table-cell></table:table-row>"#,
    );
    rows.push_str(&ods_row("2025-01-15T10:00:00Z", 1.0));
    rows.push_str(r#"<table:table-row table:number-rows-repeated="1000000000"><table:table-cell table:number-columns-repeated="2"/></table:table-row>"#);
    rows.push_str(&ods_row("2025-01-15T11:00:00Z", 2.0));
    ods(&rows)
}

/// One data row repeated a million times, 16,000 cells wide: 16 billion cells.
pub fn ods_repeat_bomb() -> Vec<u8> {
    ods(
        r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="16000" office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>"#,
    )
}

/// An ODS body expanding to `bytes` of XML (a comment of spaces), deflated.
pub fn ods_body_bomb(bytes: u64) -> Vec<u8> {
    let pieces = vec![
        Piece::Bytes(ODS_OPEN),
        Piece::Bytes(b"<table:table-row>"),
        Piece::Run(b' ', bytes),
        Piece::Bytes(b"</table:table-row>"),
        Piece::Bytes(ODS_CLOSE),
    ];
    zip(&[
        ("mimetype", Entry::Stored(ODS_MIME.into())),
        ("META-INF/manifest.xml", Entry::Stored(MANIFEST.into())),
        ("content.xml", Entry::Deflated(pieces)),
    ])
}

/// One BIFF record: type, length, data.
fn biff(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut r = typ.to_le_bytes().to_vec();
    r.extend_from_slice(&(data.len() as u16).to_le_bytes());
    r.extend_from_slice(data);
    r
}

/// A cell of an [`xls`] sheet.
#[derive(Debug, Clone, Copy)]
pub enum XlsCell {
    /// Shared string `isst` at (row, column).
    Sst(u16, u16, u32),
    /// A number at (row, column).
    Number(u16, u16, f64),
}

/// A one-sheet BIFF8 XLS: a shared-strings table of `strings` (ASCII, split over
/// `Continue` records as Excel splits them), an
/// optional `Dimensions` record (first row, last row + 1, first column, last column + 1),
/// then `cells`; in an OLE compound file ([`compound_file`]).
pub fn xls(
    strings: &[&[u8]],
    dimensions: Option<(u32, u32, u16, u16)>,
    cells: &[XlsCell],
) -> Vec<u8> {
    const MAX_DATA: usize = 8224;
    let bof = |dt: u16| {
        let mut d = vec![0u8; 16];
        d[0..2].copy_from_slice(&0x0600u16.to_le_bytes());
        d[2..4].copy_from_slice(&dt.to_le_bytes());
        biff(0x0809, &d)
    };
    // The SST record and its Continue records.
    let mut pieces: Vec<Vec<u8>> = vec![Vec::new()];
    let total = strings.len() as u32;
    pieces[0].extend_from_slice(&total.to_le_bytes());
    pieces[0].extend_from_slice(&total.to_le_bytes());
    for text in strings {
        let chars = text.len();
        if pieces.last().map_or(0, Vec::len) + 4 > MAX_DATA {
            pieces.push(Vec::new());
        }
        let cur = pieces.last_mut().unwrap();
        cur.extend_from_slice(&(chars as u16).to_le_bytes());
        cur.push(0); // compressed (one byte a character)
        let mut left = chars;
        loop {
            let cur = pieces.last_mut().unwrap();
            let n = left.min(MAX_DATA - cur.len());
            let done = chars - left;
            cur.extend_from_slice(&text[done..done + n]);
            left -= n;
            if left == 0 {
                break;
            }
            pieces.push(vec![0]); // a Continue record restates the flags
        }
    }
    let mut sst = biff(0x00FC, &pieces[0]);
    for p in &pieces[1..] {
        sst.extend(biff(0x003C, p));
    }
    let mut sheet = bof(0x0010);
    if let Some((rf, rl, cf, cl)) = dimensions {
        let mut d = Vec::new();
        d.extend_from_slice(&rf.to_le_bytes());
        d.extend_from_slice(&rl.to_le_bytes());
        d.extend_from_slice(&cf.to_le_bytes());
        d.extend_from_slice(&cl.to_le_bytes());
        d.extend_from_slice(&[0, 0]);
        sheet.extend(biff(0x0200, &d));
    }
    for c in cells {
        match *c {
            XlsCell::Sst(r, col, i) => {
                let mut d = Vec::new();
                d.extend_from_slice(&r.to_le_bytes());
                d.extend_from_slice(&col.to_le_bytes());
                d.extend_from_slice(&0u16.to_le_bytes());
                d.extend_from_slice(&i.to_le_bytes());
                sheet.extend(biff(0x00FD, &d));
            }
            XlsCell::Number(r, col, v) => {
                let mut d = Vec::new();
                d.extend_from_slice(&r.to_le_bytes());
                d.extend_from_slice(&col.to_le_bytes());
                d.extend_from_slice(&0u16.to_le_bytes());
                d.extend_from_slice(&v.to_le_bytes());
                sheet.extend(biff(0x0203, &d));
            }
        }
    }
    sheet.extend(biff(0x000A, &[]));
    // Globals: BOF, the sheet's BoundSheet8 (its position patched in below), SST, EOF.
    let mut globals = bof(0x0005);
    let bound_at = globals.len() + 4;
    let mut bound = vec![0u8; 6];
    bound.extend_from_slice(&[6, 0]);
    bound.extend_from_slice(b"Sheet1");
    globals.extend(biff(0x0085, &bound));
    globals.extend(sst);
    globals.extend(biff(0x000A, &[]));
    let pos = globals.len() as u32;
    globals[bound_at..bound_at + 4].copy_from_slice(&pos.to_le_bytes());
    globals.extend(sheet);
    compound_file("Workbook", globals)
}

/// An OLE compound file (version 3, 512-byte sectors) holding one stream, padded to at
/// least 4096 bytes so that it lives in ordinary sectors, not the mini stream.
pub fn compound_file(name: &str, mut stream: Vec<u8>) -> Vec<u8> {
    const FREE: u32 = 0xFFFF_FFFF;
    const END: u32 = 0xFFFF_FFFE;
    const FATSECT: u32 = 0xFFFF_FFFD;
    let padded = stream.len().max(4096).div_ceil(512) * 512;
    stream.resize(padded, 0);
    let n = padded / 512;
    let mut fat_sectors = 1;
    while fat_sectors * 128 < fat_sectors + 1 + n {
        fat_sectors += 1;
    }
    assert!(
        fat_sectors <= 109,
        "stream too large for the header's DIFAT"
    );
    let dir = fat_sectors as u32;
    let first = dir + 1;
    let mut fat = vec![FREE; fat_sectors * 128];
    for f in fat.iter_mut().take(fat_sectors) {
        *f = FATSECT;
    }
    fat[dir as usize] = END;
    for i in 0..n {
        let id = first as usize + i;
        fat[id] = if i + 1 == n { END } else { id as u32 + 1 };
    }
    let mut header = vec![0u8; 512];
    header[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    header[24..26].copy_from_slice(&0x003Eu16.to_le_bytes());
    header[26..28].copy_from_slice(&3u16.to_le_bytes());
    header[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
    header[30..32].copy_from_slice(&9u16.to_le_bytes());
    header[32..34].copy_from_slice(&6u16.to_le_bytes());
    header[44..48].copy_from_slice(&(fat_sectors as u32).to_le_bytes());
    header[48..52].copy_from_slice(&dir.to_le_bytes());
    header[56..60].copy_from_slice(&4096u32.to_le_bytes());
    header[60..64].copy_from_slice(&END.to_le_bytes());
    header[68..72].copy_from_slice(&END.to_le_bytes());
    for i in 0..109 {
        let id = if i < fat_sectors { i as u32 } else { FREE };
        header[76 + 4 * i..80 + 4 * i].copy_from_slice(&id.to_le_bytes());
    }
    let entry = |name: &str, typ: u8, child: u32, start: u32, size: u32| {
        let mut e = vec![0u8; 128];
        let units: Vec<u16> = name.encode_utf16().collect();
        for (i, u) in units.iter().enumerate() {
            e[2 * i..2 * i + 2].copy_from_slice(&u.to_le_bytes());
        }
        e[64..66].copy_from_slice(&(2 * (units.len() as u16 + 1)).to_le_bytes());
        e[66] = typ;
        e[67] = 1; // black
        e[68..72].copy_from_slice(&FREE.to_le_bytes());
        e[72..76].copy_from_slice(&FREE.to_le_bytes());
        e[76..80].copy_from_slice(&child.to_le_bytes());
        e[116..120].copy_from_slice(&start.to_le_bytes());
        e[120..124].copy_from_slice(&size.to_le_bytes());
        e
    };
    let mut out = header;
    for f in fat {
        out.extend_from_slice(&f.to_le_bytes());
    }
    out.extend(entry("Root Entry", 5, 1, END, 0));
    out.extend(entry(name, 2, FREE, first, padded as u32));
    out.extend(vec![0u8; 256]);
    out.extend(stream);
    out
}

/// A plain XLS: a header and `rows` rows of time (Excel serials) and value (a control for
/// the XLS bombs).
pub fn xls_plain(rows: u16) -> Vec<u8> {
    let mut cells = vec![XlsCell::Sst(0, 0, 0), XlsCell::Sst(0, 1, 1)];
    for r in 1..=rows {
        cells.push(XlsCell::Number(r, 0, 45_000.0 + f64::from(r)));
        cells.push(XlsCell::Number(r, 1, f64::from(r - 1) * 0.5));
    }
    xls(&[b"time", b"value"], None, &cells)
}

/// One shared string of `chars` characters (at most 65,535) in `cells` cells of column A
/// and on (every `LabelSst` cell is a copy of it: 14 bytes of file, `chars` bytes held).
pub fn xls_shared_string_fanout(chars: usize, cells: usize) -> Vec<u8> {
    let cells: Vec<XlsCell> = (0..cells)
        .map(|i| XlsCell::Sst((i % 65_536) as u16, (i / 65_536) as u16, 0))
        .collect();
    xls(&[&vec![b'A'; chars]], None, &cells)
}

/// A sheet whose `Dimensions` record claims 2^28 rows by 256 columns (calamine reserves
/// them all up front) and holds one cell.
pub fn xls_dimensions_bomb() -> Vec<u8> {
    xls(
        &[],
        Some((0, 1 << 28, 0, 256)),
        &[XlsCell::Number(0, 0, 1.0)],
    )
}

/// Two number cells at A1 and at row 65,536, column 65,536: a dense rectangle of 4
/// billion cells.
pub fn xls_far_cell() -> Vec<u8> {
    xls(
        &[],
        None,
        &[
            XlsCell::Number(0, 0, 1.0),
            XlsCell::Number(u16::MAX, u16::MAX, 2.0),
        ],
    )
}

/// A JSON array whose every record brings a new key: `records` records.
pub fn sparse_key_json(records: usize) -> Vec<u8> {
    let mut out = String::from("[");
    for i in 0..records {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!(r#"{{"k{i}":{i}}}"#));
    }
    out.push(']');
    out.into_bytes()
}

/// The same as NDJSON of seed envelopes, a new payload key per line.
pub fn sparse_key_ndjson(records: usize) -> Vec<u8> {
    let mut out = String::new();
    for i in 0..records {
        out.push_str(&format!(
            "{{\"stream_id\":\"s\",\"timestamp\":{},\"payload\":{{\"k{i}\":{i}}}}}\n",
            1_700_000_000 + i
        ));
    }
    out.into_bytes()
}

/// A text log whose every line brings a new key.
pub fn sparse_key_log(lines: usize) -> Vec<u8> {
    let mut out = String::new();
    for i in 0..lines {
        out.push_str(&format!(
            "2025-01-15T10:{:02}:{:02}Z sensor k{i}={i}\n",
            (i / 60) % 60,
            i % 60
        ));
    }
    out.into_bytes()
}

/// A PDF of `objects` (numbered from 1; object 1 the catalog) with its xref table.
pub fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut o = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    o.extend_from_slice(data);
    o.extend_from_slice(b"\nendstream");
    o
}

const FONT: &str = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";

/// Two form XObjects drawing each other: an unbounded recursion in pdf-extract.
pub fn pdf_xobject_loop() -> Vec<u8> {
    pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /X1 5 0 R >> /Font << /F1 7 0 R >> >> /Contents 4 0 R >>".to_vec(),
        stream("", b"/X1 Do"),
        stream(
            "/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Resources << /XObject << /X2 6 0 R >> >>",
            b"/X2 Do",
        ),
        stream(
            "/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Resources << /XObject << /X1 5 0 R >> >>",
            b"/X1 Do",
        ),
        FONT.as_bytes().to_vec(),
    ])
}

/// A page tree whose kid is its own parent.
pub fn pdf_page_tree_loop() -> Vec<u8> {
    pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>".to_vec(),
    ])
}

/// A page whose content stream inflates to `bytes` of spaces.
pub fn pdf_flate_bomb(bytes: u64) -> Vec<u8> {
    let (raw, _) = deflate(&[Piece::Run(b' ', bytes)]);
    // zlib wrapper: header, raw deflate, Adler-32 left 1 (never reached).
    let mut z = vec![0x78, 0x01];
    z.extend_from_slice(&raw);
    z.extend_from_slice(&[0, 0, 0, 1]);
    pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_vec(),
        stream("/Filter /FlateDecode", &z),
        FONT.as_bytes().to_vec(),
    ])
}

/// A page whose content opens `depth` graphics states (`q`) without closing them.
pub fn pdf_deep_q(depth: usize) -> Vec<u8> {
    let mut content = b"q ".repeat(depth);
    content.extend_from_slice(b"BT /F1 12 Tf 72 720 Td (x) Tj ET");
    pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".to_vec(),
        stream("", &content),
        FONT.as_bytes().to_vec(),
    ])
}

/// An array nested `depth` deep in the catalog.
pub fn pdf_deep_nesting(depth: usize) -> Vec<u8> {
    let mut catalog = b"<< /Type /Catalog /Pages 2 0 R /Deep ".to_vec();
    catalog.extend_from_slice(&b"[".repeat(depth));
    catalog.extend_from_slice(&b"]".repeat(depth));
    catalog.extend_from_slice(b" >>");
    pdf(&[catalog, b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec()])
}
