//! PDF input in a child process.
//!
//! pdf-extract panics on many malformed PDFs (the library catches those) and has a reported
//! stack overflow (upstream issue #128), which no thread can catch: it aborts the process.
//! So the CLI never extracts a PDF in its own process. [`read_input`] sends the bytes to
//! `stratos __extract-pdf --source NAME` (this same executable, [`std::env::current_exe`])
//! on its stdin; the child reads them with stratos-ingest and writes the frame, or the
//! error, as one JSON document on stdout. A child that dies instead (a signal, an abort)
//! becomes a one-line bad-data error (exit 65) naming the file.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};

use clap::Args;
use serde_json::{Value, json};
use stratos_core::{CategoryColumn, Frame, Timestamp};
use stratos_ingest::{
    Format, IngestError, Location, ReadOptions, SheetChoice, SheetShape, SpreadsheetRead,
};

use crate::exit::{CliError, write_err};

/// The hidden subcommand's name.
const SUBCOMMAND: &str = "__extract-pdf";

/// Arguments of the hidden `__extract-pdf` subcommand.
#[derive(Debug, Args)]
pub(crate) struct ExtractPdfArgs {
    /// The name errors give the input.
    #[arg(long)]
    pub(crate) source: String,
}

/// Reads a path, or stdin for `-` / no path; a PDF is extracted in a child process.
///
/// A file is a PDF when `--input-format pdf` says so, else when its extension is `.pdf`,
/// else (no extension, or a text one: stratos-ingest lets binary content beat it) when its
/// first KiB holds `%PDF-`. Anything else is read in this process.
pub(crate) fn read_input(input: Option<&Path>, options: ReadOptions) -> Result<Frame, CliError> {
    read_input_reported(input, options).map(|(frame, _)| frame)
}

/// What a spreadsheet read chose: the sheet read, why, and every sheet's shape.
#[derive(Debug)]
pub(crate) struct SheetReport {
    /// The sheet read (`None` when no sheet holds data).
    pub(crate) sheet: Option<String>,
    /// Why that sheet.
    pub(crate) chosen_by: SheetChoice,
    /// Every sheet, in order.
    pub(crate) sheets: Vec<SheetShape>,
}

/// [`read_input`], with what a spreadsheet read chose: its sheet and every sheet's shape.
/// Without `--sheet`, a workbook of several sheets names the sheet read on stderr.
pub(crate) fn read_input_reported(
    input: Option<&Path>,
    options: ReadOptions,
) -> Result<(Frame, Option<SheetReport>), CliError> {
    let read = read_any(input, &options)?;
    if let Some(book) = &read.1
        && options.sheet().is_none()
        && book.sheets.len() > 1
        && let Some(sheet) = &book.sheet
    {
        let why = match book.chosen_by {
            SheetChoice::TimeAndNumeric => "the first with a time and a numeric column",
            _ => "no sheet has a time and a numeric column; the first with data",
        };
        let names: Vec<&str> = book.sheets.iter().map(|s| s.name.as_str()).collect();
        eprintln!(
            "note: read sheet `{sheet}` ({why}; sheets: {}; choose with --sheet)",
            names.join(", ")
        );
    }
    Ok(read)
}

/// True when the input is a spreadsheet: by `--input-format`, else extension, else content.
fn is_spreadsheet(options: &ReadOptions, path: Option<&Path>, head: &[u8]) -> bool {
    match options.format() {
        Some(f) => f == Format::Spreadsheet,
        None => match path
            .and_then(|p| p.extension())
            .and_then(|e| e.to_str())
            .and_then(Format::from_extension)
        {
            Some(Format::Spreadsheet) => true,
            Some(Format::Pdf) => false,
            _ => stratos_ingest::sniff_format(head) == Format::Spreadsheet,
        },
    }
}

/// Reads the input; a spreadsheet through [`stratos_ingest::read_spreadsheet`], which says
/// which sheet it read.
fn read_any(
    input: Option<&Path>,
    options: &ReadOptions,
) -> Result<(Frame, Option<SheetReport>), CliError> {
    // A URL is read (and its content sniffed) by `read_path` itself.
    let is_url = |p: &Path| {
        p.to_str()
            .is_some_and(|s| s.starts_with("http://") || s.starts_with("https://"))
    };
    if let Some(p) = input.filter(|p| p.as_os_str() != "-" && !is_url(p)) {
        let name = options
            .source_name()
            .map_or_else(|| p.display().to_string(), str::to_owned);
        let mut head = Vec::with_capacity(1024);
        if options.format().is_none() {
            std::fs::File::open(p)
                .and_then(|f| f.take(1024).read_to_end(&mut head))
                .map_err(|e| io_error(&name, e))?;
        }
        if is_spreadsheet(options, Some(p), &head) {
            let SpreadsheetRead {
                frame,
                sheet,
                chosen_by,
                sheets,
                ..
            } = stratos_ingest::read_spreadsheet_path(p, options)?;
            let report = SheetReport {
                sheet,
                chosen_by,
                sheets,
            };
            return Ok((frame, Some(report)));
        }
    }
    read_plain(input, options.clone()).map(|f| (f, None))
}

/// Reads a path, or stdin, that is not a spreadsheet read with its report.
fn read_plain(input: Option<&Path>, options: ReadOptions) -> Result<Frame, CliError> {
    match input {
        Some(p) if p.as_os_str() != "-" => {
            let name = options
                .source_name()
                .map_or_else(|| p.display().to_string(), str::to_owned);
            let by_extension = p
                .extension()
                .and_then(|e| e.to_str())
                .and_then(Format::from_extension);
            let url = p
                .to_str()
                .is_some_and(|s| s.starts_with("http://") || s.starts_with("https://"));
            let is_pdf = match (options.format(), by_extension) {
                (Some(f), _) => f == Format::Pdf,
                (None, _) if url => false,
                (None, Some(Format::Pdf)) => true,
                (None, Some(Format::Spreadsheet)) => false,
                (None, _) => starts_like_a_pdf(p, &name)?,
            };
            if is_pdf {
                let bytes = std::fs::read(p).map_err(|e| io_error(&name, e))?;
                extract_in_child(&bytes, &name)
            } else {
                Ok(stratos_ingest::read_path(p, &options)?)
            }
        }
        _ => {
            let name = options.source_name().unwrap_or("<stdin>").to_owned();
            let bytes = stratos_ingest::read_to_memory(std::io::stdin().lock(), &options)?;
            let is_pdf = match options.format() {
                Some(f) => f == Format::Pdf,
                None => stratos_ingest::sniff_format(&bytes) == Format::Pdf,
            };
            if is_pdf {
                extract_in_child(&bytes, &name)
            } else {
                Ok(stratos_ingest::read_bytes(
                    &bytes,
                    &options.with_source_name(name),
                )?)
            }
        }
    }
}

/// An I/O error reading `name`.
fn io_error(name: &str, source: std::io::Error) -> CliError {
    CliError::Ingest(IngestError::Io {
        location: Box::new(Location::default().with_path(name)),
        source,
    })
}

/// True when the file's first KiB sniffs as a PDF.
fn starts_like_a_pdf(path: &Path, name: &str) -> Result<bool, CliError> {
    let mut head = Vec::with_capacity(1024);
    std::fs::File::open(path)
        .and_then(|f| f.take(1024).read_to_end(&mut head))
        .map_err(|e| io_error(name, e))?;
    Ok(stratos_ingest::sniff_format(&head) == Format::Pdf)
}

/// A bad-data error about the PDF `name`.
fn pdf_failure(name: &str, message: String) -> CliError {
    CliError::Ingest(IngestError::Pdf {
        location: Box::new(Location::default().with_path(name)),
        message,
    })
}

/// Runs `stratos __extract-pdf` on `bytes` and rebuilds the frame it prints.
fn extract_in_child(bytes: &[u8], name: &str) -> Result<Frame, CliError> {
    let exe = std::env::current_exe().map_err(CliError::io("finding the stratos executable"))?;
    let mut child = Command::new(exe)
        .args([SUBCOMMAND, "--source", name])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(CliError::io("starting the PDF extraction process"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A child that dies early closes its stdin; its status says why.
        let _ = stdin.write_all(bytes);
    }
    let out = child
        .wait_with_output()
        .map_err(CliError::io("waiting for the PDF extraction process"))?;
    interpret(out.status, &out.stdout, name)
}

/// The frame or error the child printed; a child that died without printing one (a stack
/// overflow, an abort, a signal) is a bad-data error naming how it ended.
fn interpret(status: ExitStatus, stdout: &[u8], name: &str) -> Result<Frame, CliError> {
    match serde_json::from_slice::<Value>(stdout) {
        Ok(doc) if doc.get("error").is_some() => Err(error_from_json(&doc, name)),
        Ok(doc) if status.success() => {
            frame_from_json(&doc).map_err(|what| pdf_failure(name, what))
        }
        _ => Err(pdf_failure(
            name,
            format!(
                "the PDF extraction process died ({status}): pdf-extract cannot read this file"
            ),
        )),
    }
}

/// The hidden subcommand: reads a PDF from stdin, prints `{"frame": …}` or `{"error": …}`.
pub(crate) fn child(args: &ExtractPdfArgs) -> Result<(), CliError> {
    stratos_ingest::silence_contained_panics();
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut bytes)
        .map_err(CliError::io("reading stdin"))?;
    let options = ReadOptions::default()
        .with_format(Format::Pdf)
        .with_source_name(args.source.clone());
    let doc = match stratos_ingest::read_bytes(&bytes, &options) {
        Ok(frame) => frame_to_json(&frame),
        Err(e) => error_to_json(&e),
    };
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &doc).map_err(write_err)?;
    out.flush().map_err(write_err)
}

fn error_to_json(e: &IngestError) -> Value {
    let at = e.location();
    let full = e.to_string();
    let prefix = format!("{at}: ");
    let message = full.strip_prefix(&prefix).unwrap_or(&full);
    json!({"error": {
        "path": at.path,
        "line": at.line,
        "column": at.column,
        "message": message,
    }})
}

fn error_from_json(doc: &Value, name: &str) -> CliError {
    let e = &doc["error"];
    let mut at = Location::default().with_path(e["path"].as_str().unwrap_or(name));
    if let Some(l) = e["line"].as_u64() {
        at = at.with_line(l);
    }
    if let Some(c) = e["column"].as_str() {
        at = at.with_column(c);
    }
    CliError::Ingest(IngestError::Pdf {
        location: Box::new(at),
        message: e["message"].as_str().unwrap_or("unreadable PDF").to_owned(),
    })
}

/// The frame as JSON: the time column in microseconds, numbers (null for NaN), text.
fn frame_to_json(f: &Frame) -> Value {
    let time = f.timestamps().map(|t| {
        json!({
            "name": f.schema().timestamp_field,
            "micros": t.iter().map(|t| t.micros()).collect::<Vec<_>>(),
        })
    });
    let numeric: Vec<Value> = f
        .numeric_columns()
        .iter()
        .map(|c| json!({"name": c.name, "values": c.values}))
        .collect();
    let category: Vec<Value> = f
        .category_columns()
        .iter()
        .map(|c| {
            let values: Vec<Option<&str>> = (0..c.len()).map(|i| c.get(i)).collect();
            json!({"name": c.name(), "values": values})
        })
        .collect();
    json!({"frame": {"time": time, "numeric": numeric, "category": category}})
}

/// The frame [`frame_to_json`] wrote.
fn frame_from_json(doc: &Value) -> Result<Frame, String> {
    let bad = || "the PDF extraction process printed an unexpected frame".to_owned();
    let f = &doc["frame"];
    let mut b = Frame::builder();
    if let Some(t) = f["time"].as_object() {
        let name = t.get("name").and_then(Value::as_str).ok_or_else(bad)?;
        let micros = t.get("micros").and_then(Value::as_array).ok_or_else(bad)?;
        let times = micros
            .iter()
            .map(|m| m.as_i64().and_then(|m| Timestamp::from_micros(m).ok()))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(bad)?;
        b = b.timestamps(name, times);
    }
    for c in f["numeric"].as_array().ok_or_else(bad)? {
        let name = c["name"].as_str().ok_or_else(bad)?;
        let values = c["values"]
            .as_array()
            .ok_or_else(bad)?
            .iter()
            .map(|v| v.as_f64().unwrap_or(f64::NAN))
            .collect();
        b = b.numeric(name, values);
    }
    for c in f["category"].as_array().ok_or_else(bad)? {
        let mut col = CategoryColumn::new(c["name"].as_str().ok_or_else(bad)?);
        for v in c["values"].as_array().ok_or_else(bad)? {
            col.push(v.as_str());
        }
        b = b.category(col);
    }
    b.build().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_survives_the_trip_through_json() {
        let mut c = CategoryColumn::new("site");
        c.push(Some("a"));
        c.push(None);
        let f = Frame::builder()
            .timestamps(
                "t",
                vec![
                    Timestamp::from_micros(0).unwrap(),
                    Timestamp::from_micros(1).unwrap(),
                ],
            )
            .numeric("v", vec![1.5, f64::NAN])
            .category(c)
            .build()
            .unwrap();
        let back = frame_from_json(&frame_to_json(&f)).unwrap();
        assert_eq!(back.schema(), f.schema());
        assert_eq!(back.timestamps(), f.timestamps());
        let v = back.column("v").unwrap();
        assert_eq!(v[0].to_bits(), 1.5_f64.to_bits());
        assert!(v[1].is_nan());
        assert_eq!(back.category("site").unwrap().get(1), None);
        assert!(frame_from_json(&json!({"frame": {}})).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_child_killed_by_a_signal_is_a_bad_data_error() {
        use std::os::unix::process::ExitStatusExt;
        // A wait status of 6: killed by SIGABRT, as a Rust stack overflow ends.
        let e = interpret(ExitStatus::from_raw(6), b"", "x.pdf").unwrap_err();
        assert_eq!(e.exit_code(), 65);
        let text = e.to_string();
        assert!(
            text.starts_with("x.pdf: the PDF extraction process died (signal: 6"),
            "{text}"
        );
        assert!(
            text.ends_with("pdf-extract cannot read this file"),
            "{text}"
        );
        // Half a document from a child that crashed while writing.
        let e = interpret(ExitStatus::from_raw(11), b"{\"frame\": {", "x.pdf").unwrap_err();
        assert_eq!(e.exit_code(), 65);
    }

    #[test]
    fn an_error_keeps_its_location_and_message() {
        let e = IngestError::Pdf {
            location: Box::new(Location::default().with_path("a.pdf[page 2]").with_line(7)),
            message: "no table".into(),
        };
        let back = error_from_json(&error_to_json(&e), "a.pdf");
        assert_eq!(back.to_string(), "a.pdf[page 2]:7: no table");
        assert_eq!(back.exit_code(), 65);
    }
}
