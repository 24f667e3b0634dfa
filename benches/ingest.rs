//! Ingest: `timestamp,stream_id,value` rows into a frame, from CSV (DESIGN.md, Performance:
//! 1 M rows in ≤ 44 ms; pandas `read_csv(parse_dates=['timestamp'])` takes 217 ms) and from
//! XLSX (100 k rows; target ≥ 10× pandas `read_excel`).
//!
//! Run: `cargo bench --bench ingest -- --warm-up-time 1 --measurement-time 3`
//!
//! Each run also writes the inputs it reads to `target/tmp/ingest_bench/` (`rows=1000000.csv`,
//! `rows=100000.xlsx`), so that `benches/ingest_pandas_compare.py` times pandas on the same
//! files. The XLSX is written here, the way Excel lays one out: shared strings for the
//! header and stream ids, a date style on the timestamp serials, deflated parts.

use std::fmt::Write;
use std::hint::black_box;
use std::io::Write as _;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use stratos_core::Timestamp;
use stratos_ingest::{ReadOptions, read_bytes};

/// Seeded xorshift64, so every run reads the same bytes.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// `rows` rows one second apart from 2025-01-01, 20 stream ids, values with 4 to 6 decimals.
fn generate(rows: usize) -> Vec<u8> {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let start = Timestamp::parse("2025-01-01T00:00:00Z")
        .map(Timestamp::micros)
        .unwrap_or_default();
    let mut out = String::with_capacity(rows * 42 + 32);
    out.push_str("timestamp,stream_id,value\n");
    for i in 0..rows {
        let t = Timestamp::from_micros(start + i as i64 * 1_000_000).unwrap_or(Timestamp::EPOCH);
        let stream = rng.next() % 20;
        let decimals = 4 + (rng.next() % 3) as usize;
        let value = (rng.next() % 1_000_000_000) as f64 / 1e6;
        let _ = writeln!(out, "{t},stream_{stream:02},{value:.decimals$}");
    }
    out.into_bytes()
}

/// Where the inputs are written for the pandas comparison.
fn bench_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ingest_bench");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// The rows of [`generate`] as an XLSX workbook with one sheet, `data`.
fn generate_xlsx(rows: usize) -> Vec<u8> {
    const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const PKG: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
    const DOC: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    const CT: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml";
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    // 2025-01-01 is Excel serial 45658.
    let mut sheet = String::with_capacity(rows * 110 + 512);
    let _ = write!(
        sheet,
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <worksheet xmlns=\"{MAIN}\"><dimension ref=\"A1:C{}\"/><sheetData>\
         <row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>\
         <c r=\"C1\" t=\"s\"><v>2</v></c></row>",
        rows + 1
    );
    for i in 0..rows {
        let r = i + 2;
        let serial = 45658.0 + i as f64 / 86_400.0;
        let stream = rng.next() % 20;
        let decimals = 4 + (rng.next() % 3) as usize;
        let value = (rng.next() % 1_000_000_000) as f64 / 1e6;
        let _ = write!(
            sheet,
            "<row r=\"{r}\"><c r=\"A{r}\" s=\"1\"><v>{serial}</v></c>\
             <c r=\"B{r}\" t=\"s\"><v>{}</v></c><c r=\"C{r}\"><v>{value:.decimals$}</v></c></row>",
            stream + 3
        );
    }
    sheet.push_str("</sheetData></worksheet>");
    let mut strings = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <sst xmlns=\"{MAIN}\" uniqueCount=\"23\"><si><t>timestamp</t></si>\
         <si><t>stream_id</t></si><si><t>value</t></si>"
    );
    for s in 0..20 {
        let _ = write!(strings, "<si><t>stream_{s:02}</t></si>");
    }
    strings.push_str("</sst>");
    let parts: [(&str, String); 7] = [
        (
            "[Content_Types].xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
                 <Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
                 <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
                 <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
                 <Override PartName=\"/xl/workbook.xml\" ContentType=\"{CT}.sheet.main+xml\"/>\
                 <Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"{CT}.worksheet+xml\"/>\
                 <Override PartName=\"/xl/styles.xml\" ContentType=\"{CT}.styles+xml\"/>\
                 <Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"{CT}.sharedStrings+xml\"/>\
                 </Types>"
            ),
        ),
        (
            "_rels/.rels",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
                 <Relationships xmlns=\"{PKG}\"><Relationship Id=\"rId1\" \
                 Type=\"{DOC}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
            ),
        ),
        (
            "xl/workbook.xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
                 <workbook xmlns=\"{MAIN}\" xmlns:r=\"{DOC}\"><sheets>\
                 <sheet name=\"data\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
                 <Relationships xmlns=\"{PKG}\">\
                 <Relationship Id=\"rId1\" Type=\"{DOC}/worksheet\" Target=\"worksheets/sheet1.xml\"/>\
                 <Relationship Id=\"rId2\" Type=\"{DOC}/styles\" Target=\"styles.xml\"/>\
                 <Relationship Id=\"rId3\" Type=\"{DOC}/sharedStrings\" Target=\"sharedStrings.xml\"/>\
                 </Relationships>"
            ),
        ),
        (
            "xl/styles.xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
                 <styleSheet xmlns=\"{MAIN}\"><numFmts count=\"1\">\
                 <numFmt numFmtId=\"164\" formatCode=\"yyyy-mm-dd hh:mm:ss\"/></numFmts>\
                 <fonts count=\"1\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>\
                 <fills count=\"1\"><fill><patternFill patternType=\"none\"/></fill></fills>\
                 <borders count=\"1\"><border/></borders>\
                 <cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>\
                 <cellXfs count=\"2\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>\
                 <xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>\
                 </cellXfs><cellStyles count=\"1\">\
                 <cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles></styleSheet>"
            ),
        ),
        ("xl/sharedStrings.xml", strings),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in parts {
        let written = zip
            .start_file(name, options)
            .map_err(std::io::Error::other)
            .and_then(|()| zip.write_all(body.as_bytes()));
        assert!(written.is_ok(), "writing {name}: {written:?}");
    }
    zip.finish().map(|c| c.into_inner()).unwrap_or_default()
}

fn csv_to_frame(c: &mut Criterion) {
    let mut group = c.benchmark_group("csv_to_frame");
    group.sample_size(20);
    let options = ReadOptions::default();
    for rows in [100_000usize, 1_000_000] {
        let data = generate(rows);
        let _ = std::fs::write(bench_dir().join(format!("rows={rows}.csv")), &data);
        group.throughput(Throughput::Elements(rows as u64));
        group.bench_function(format!("rows={rows}"), |b| {
            b.iter(|| {
                let frame = read_bytes(black_box(&data), &options);
                assert_eq!(frame.map(|f| f.len()).ok(), Some(rows));
            });
        });
    }
    group.finish();
}

/// Gzip CSV (issue 11.6): reading `.csv.gz` should cost at most 1.5× (plain read + gzip's
/// own decode). Three timings on the same 1 M rows: the plain read, the decode alone
/// (flate2, what any reader must pay), and the read of the gzip bytes.
fn gzip_csv_to_frame(c: &mut Criterion) {
    use std::io::Read as _;
    let mut group = c.benchmark_group("gzip_csv_to_frame");
    group.sample_size(10);
    let options = ReadOptions::default();
    let rows = 1_000_000usize;
    let data = generate(rows);
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = enc.write_all(&data);
    let gz = enc.finish().unwrap_or_default();
    let _ = std::fs::write(bench_dir().join(format!("rows={rows}.csv.gz")), &gz);
    group.throughput(Throughput::Elements(rows as u64));
    group.bench_function("plain", |b| {
        b.iter(|| {
            let frame = read_bytes(black_box(&data), &options);
            assert_eq!(frame.map(|f| f.len()).ok(), Some(rows));
        });
    });
    group.bench_function("gzip_decode_only", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(data.len());
            let n = flate2::read::MultiGzDecoder::new(black_box(&gz[..])).read_to_end(&mut out);
            assert_eq!(n.ok(), Some(data.len()));
        });
    });
    group.bench_function("gzip", |b| {
        b.iter(|| {
            let frame = read_bytes(black_box(&gz), &options);
            assert_eq!(frame.map(|f| f.len()).ok(), Some(rows));
        });
    });
    group.finish();
}

fn xlsx_to_frame(c: &mut Criterion) {
    let mut group = c.benchmark_group("xlsx_to_frame");
    group.sample_size(10);
    let options = ReadOptions::default();
    let rows = 100_000usize;
    let data = generate_xlsx(rows);
    let _ = std::fs::write(bench_dir().join(format!("rows={rows}.xlsx")), &data);
    group.throughput(Throughput::Elements(rows as u64));
    group.bench_function(format!("rows={rows}"), |b| {
        b.iter(|| {
            let frame = read_bytes(black_box(&data), &options);
            let schema = frame
                .as_ref()
                .map(|f| (f.len(), f.schema().timestamp_field.clone()));
            assert_eq!(schema.ok(), Some((rows, Some("timestamp".to_owned()))));
        });
    });
    group.finish();
}

criterion_group!(benches, csv_to_frame, gzip_csv_to_frame, xlsx_to_frame);
criterion_main!(benches);
