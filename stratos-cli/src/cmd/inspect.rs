//! `stratos inspect [INPUT|-]`: read a file or stdin, detect its schema and kind of data
//! offline, suggest strategies.

use std::io::Write;

use stratos_core::Frame;
use stratos_ingest::schema_detect::{Detection, detect};

use super::pdf_child::{SheetReport, read_input_reported};
use super::run::input_options;
use crate::cli::{InspectArgs, ListFormat};
use crate::exit::{CliError, write_err};
use crate::output::table::{Table, write_pairs};
use crate::output::{self, float_cell};

pub(crate) fn run(args: &InspectArgs) -> Result<(), CliError> {
    let mut options = args
        .read
        .apply(input_options(args.input_format))?
        .with_limits(args.limits.limits());
    if let Some(sheet) = &args.sheet {
        options = options.with_sheet(sheet.clone());
    }
    let (frame, book) = read_input_reported(args.input.as_deref(), options)?;
    let detection = detect(&frame);
    let format = input_format_name(args);
    let mut out = output::stdout();
    match args.format {
        ListFormat::Json => {
            let mut v = json(&frame, &detection, &format, args.rows);
            if let (Some(book), Some(map)) = (&book, v.as_object_mut()) {
                map.insert("sheet".into(), serde_json::json!(book.sheet));
                map.insert("sheets".into(), sheets_json(book));
            }
            serde_json::to_writer_pretty(&mut out, &v).map_err(write_err)?;
            writeln!(out).map_err(write_err)?;
        }
        ListFormat::Table => {
            write_table(&mut out, args, &frame, &detection, &format, book.as_ref())
                .map_err(write_err)?;
        }
    }
    out.flush().map_err(write_err)
}

/// The input format: as given, else by extension (yielding to a PDF or spreadsheet's magic
/// bytes, as stratos-ingest does), else `auto` (sniffed from the content).
fn input_format_name(args: &InspectArgs) -> String {
    use std::io::Read;
    use stratos_ingest::Format;
    let path = args.input.as_deref().filter(|p| p.as_os_str() != "-");
    let by_extension = || {
        let format = path
            .and_then(|p| p.extension())
            .and_then(|e| e.to_str())
            .and_then(Format::from_extension)?;
        if matches!(format, Format::Pdf | Format::Spreadsheet) {
            return Some(format);
        }
        let mut head = Vec::new();
        let sniffed = path
            .and_then(|p| std::fs::File::open(p).ok())
            .and_then(|f| f.take(64 * 1024).read_to_end(&mut head).ok())
            .map(|_| stratos_ingest::sniff_format(&head));
        match sniffed {
            Some(s @ (Format::Pdf | Format::Spreadsheet)) => Some(s),
            _ => Some(format),
        }
    };
    input_options(args.input_format)
        .format()
        .or_else(by_extension)
        .map_or("auto", Format::as_str)
        .to_owned()
}

/// The first `n` rows: headers (time, numeric, category columns) and text cells.
fn sample(frame: &Frame, n: usize) -> (Vec<String>, Vec<Vec<String>>) {
    let schema = frame.schema();
    let mut headers: Vec<String> = schema.timestamp_field.iter().cloned().collect();
    headers.extend(frame.numeric_columns().iter().map(|c| c.name.clone()));
    headers.extend(frame.category_columns().iter().map(|c| c.name().to_owned()));
    let rows = (0..n.min(frame.len()))
        .map(|i| {
            let mut row: Vec<String> = Vec::with_capacity(headers.len());
            if let Some(ts) = frame.timestamps() {
                row.push(ts.get(i).map_or(String::new(), ToString::to_string));
            }
            for c in frame.numeric_columns() {
                row.push(c.values.get(i).map_or(String::new(), |v| float_cell(*v)));
            }
            for c in frame.category_columns() {
                row.push(c.get(i).unwrap_or_default().to_owned());
            }
            row
        })
        .collect();
    (headers, rows)
}

fn json(frame: &Frame, d: &Detection, format: &str, n: usize) -> serde_json::Value {
    let (headers, rows) = sample(frame, n);
    let numeric: Vec<&str> = frame
        .numeric_columns()
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let sample: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|row| {
            let map: serde_json::Map<String, serde_json::Value> = headers
                .iter()
                .zip(row)
                .map(|(h, cell)| {
                    let v = if numeric.contains(&h.as_str()) {
                        cell.parse::<f64>()
                            .ok()
                            .and_then(serde_json::Number::from_f64)
                            .map_or(serde_json::Value::Null, serde_json::Value::Number)
                    } else if cell.is_empty() {
                        serde_json::Value::Null
                    } else {
                        serde_json::Value::String(cell)
                    };
                    (h.clone(), v)
                })
                .collect();
            serde_json::Value::Object(map)
        })
        .collect();
    serde_json::json!({
        "detected_type": d.detected_type,
        "confidence": d.confidence,
        "records_processed": frame.len(),
        "schema": d.schema,
        "suggested_strategies": d.suggested_strategies,
        "format": format,
        "units": d.units,
        "sample": sample,
    })
}

/// Every sheet of a workbook with its shape and whether it was read.
fn sheets_json(book: &SheetReport) -> serde_json::Value {
    book.sheets
        .iter()
        .map(|s| {
            serde_json::json!({
                "name": s.name,
                "rows": s.rows,
                "columns": s.columns,
                "read": book.sheet.as_deref() == Some(s.name.as_str()),
            })
        })
        .collect()
}

/// `Cover (4 × 2), readings (5 × 3, read)`.
fn sheets_line(book: &SheetReport) -> String {
    book.sheets
        .iter()
        .map(|s| {
            let read = if book.sheet.as_deref() == Some(s.name.as_str()) {
                ", read"
            } else {
                ""
            };
            format!("{} ({} × {}{read})", s.name, s.rows, s.columns)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn write_table<W: Write>(
    out: &mut W,
    args: &InspectArgs,
    frame: &Frame,
    d: &Detection,
    format: &str,
    book: Option<&SheetReport>,
) -> std::io::Result<()> {
    let source = args
        .input
        .as_deref()
        .filter(|p| p.as_os_str() != "-")
        .map_or("<stdin>".into(), |p| p.display().to_string());
    let values: Vec<String> = d
        .schema
        .value_fields
        .iter()
        .map(|f| match d.units.get(f) {
            Some(u) => format!("{f} ({u})"),
            None => f.clone(),
        })
        .collect();
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_owned()
        } else {
            v.join(", ")
        }
    };
    let mut pairs = vec![("input", source), ("format", format.to_owned())];
    if let Some(book) = book {
        pairs.push(("sheets", sheets_line(book)));
    }
    pairs.extend([
        ("rows", frame.len().to_string()),
        (
            "time field",
            d.schema
                .timestamp_field
                .clone()
                .unwrap_or_else(|| "-".into()),
        ),
        ("value fields", list(&values)),
        ("category fields", list(&d.schema.category_fields)),
        ("detected type", d.detected_type.to_string()),
        ("confidence", format!("{:.2}", d.confidence)),
        ("strategies", list(&d.suggested_strategies)),
    ]);
    write_pairs(out, &pairs)?;
    let (headers, rows) = sample(frame, args.rows);
    if headers.is_empty() || rows.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nfirst {} of {} rows", rows.len(), frame.len())?;
    let mut t = Table::new(headers);
    for r in rows {
        t.row(r);
    }
    t.write(out)
}
