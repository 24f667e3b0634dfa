//! PDF input: containment of bad files, the time budget, format choice. The table-reading
//! fixtures are in `office.rs`.

use std::time::Duration;

use stratos_ingest::{Format, IngestError, ReadOptions, read_bytes, read_path};

use crate::data;

fn quiet() -> ReadOptions {
    stratos_ingest::silence_contained_panics();
    ReadOptions::default()
}

/// Asserts `bytes` read as a PDF is a frame or an [`IngestError::Pdf`] naming the source.
fn answered(bytes: &[u8]) {
    let opts = quiet().with_format(Format::Pdf).with_source_name("cut.pdf");
    match read_bytes(bytes, &opts) {
        Ok(f) => assert!(
            f.numeric_columns()
                .iter()
                .all(|c| c.values.len() == f.len())
        ),
        Err(e) => {
            assert!(e.is_bad_data(), "{e:?}");
            assert!(e.to_string().starts_with("cut.pdf"), "{e}");
        }
    }
}

#[test]
fn truncated_pdfs_are_errors_or_frames_never_panics() {
    for name in ["report.pdf", "lo_readings.pdf"] {
        let bytes = std::fs::read(data(name)).unwrap();
        let n = bytes.len();
        let cuts = (0..n).step_by(97).chain(n.saturating_sub(48)..=n);
        for cut in cuts {
            answered(&bytes[..cut]);
        }
    }
}

#[test]
fn flipped_bytes_in_a_pdf_never_panic() {
    let bytes = std::fs::read(data("report.pdf")).unwrap();
    for (k, at) in (0..bytes.len()).step_by(53).enumerate() {
        let mut b = bytes.clone();
        b[at] ^= [0xff, 0x20, 0x01, 0x80][k % 4];
        answered(&b);
    }
}

#[test]
fn empty_garbage_and_textless_pdfs_say_what_is_wrong() {
    let opts = quiet().with_format(Format::Pdf).with_source_name("x.pdf");
    let e = read_bytes(b"", &opts).unwrap_err();
    assert!(matches!(e, IngestError::Pdf { .. }), "{e:?}");
    assert!(
        e.to_string().starts_with("x.pdf: not a readable PDF"),
        "{e}"
    );
    let e = read_bytes(&[0x9c; 300], &opts).unwrap_err();
    assert!(
        e.to_string().starts_with("x.pdf: not a readable PDF"),
        "{e}"
    );
    // A valid one-page PDF with no text at all.
    let blank = minimal_pdf("");
    let e = read_bytes(&blank, &opts).unwrap_err();
    assert_eq!(
        e.to_string(),
        "x.pdf: no text in the PDF (a scanned page needs OCR first)"
    );
    // Prose only: text, no table.
    let prose =
        minimal_pdf("BT /F1 12 Tf 72 700 Td (In 2024 sales grew 12 percent to 1,234.) Tj ET");
    let e = read_bytes(&prose, &opts).unwrap_err();
    assert!(
        e.to_string().starts_with("x.pdf: no table in the PDF"),
        "{e}"
    );
}

#[test]
fn a_hand_written_table_reads_through_its_content_stream() {
    let stream = [
        "BT /F1 10 Tf 72 720 Td (Readings for January) Tj ET",
        "BT /F1 10 Tf 72 700 Td (day) Tj ET BT /F1 10 Tf 200 700 Td (load) Tj ET",
        "BT /F1 10 Tf 72 688 Td (2025-01-01) Tj ET BT /F1 10 Tf 200 688 Td (1.5) Tj ET",
        "BT /F1 10 Tf 72 676 Td (2025-01-02) Tj ET BT /F1 10 Tf 200 676 Td (-2) Tj ET",
    ]
    .join("\n");
    let f = read_bytes(&minimal_pdf(&stream), &quiet()).unwrap();
    assert_eq!(f.schema().timestamp_field.as_deref(), Some("day"));
    assert_eq!(f.column("load"), Some(&[1.5, -2.0][..]));
}

#[test]
fn a_bad_time_cell_names_page_line_and_column() {
    let stream = [
        "BT /F1 10 Tf 72 700 Td (day) Tj ET BT /F1 10 Tf 200 700 Td (a) Tj ET BT /F1 10 Tf 300 700 Td (b) Tj ET",
        "BT /F1 10 Tf 72 688 Td (2025-01-01) Tj ET BT /F1 10 Tf 200 688 Td (1) Tj ET BT /F1 10 Tf 300 688 Td (2) Tj ET",
        "BT /F1 10 Tf 200 676 Td (3) Tj ET BT /F1 10 Tf 300 676 Td (4) Tj ET",
    ]
    .join("\n");
    let opts = quiet().with_source_name("t.pdf");
    let e = read_bytes(&minimal_pdf(&stream), &opts).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("t.pdf[page 1]:3: column `day`: expected a timestamp"),
        "{e}"
    );
    assert_eq!(e.location().line, Some(3));
}

#[test]
fn pdf_extract_panics_become_errors() {
    // Both panic inside pdf-extract 0.12.1: a content stream lopdf cannot parse (nested
    // arrays, `unwrap` on its error) and a font whose widths it cannot look up.
    let nested = format!(
        "BT /F1 10 Tf 72 700 Td (x) Tj ET {}{}",
        "[".repeat(2000),
        "]".repeat(2000)
    );
    let cases = [
        minimal_pdf(&nested),
        pdf_with_font(
            "BT /F1 10 Tf 72 700 Td (a b) Tj ET",
            " /FirstChar 32 /LastChar 40 /Widths [-500 0 1e9]",
        ),
    ];
    let opts = quiet().with_source_name("p.pdf");
    for bytes in cases {
        let e = read_bytes(&bytes, &opts).unwrap_err();
        assert!(matches!(e, IngestError::Pdf { .. }), "{e:?}");
        assert!(
            e.to_string()
                .starts_with("p.pdf: pdf-extract failed on this file (it panicked: "),
            "{e}"
        );
    }
}

#[test]
fn a_zero_time_budget_gives_up_with_an_error() {
    let opts = quiet().with_pdf_time_budget(Duration::ZERO);
    let e = read_path(&data("report.pdf"), &opts).unwrap_err();
    assert!(matches!(e, IngestError::Pdf { .. }), "{e:?}");
    assert!(e.to_string().contains("gave up after 0.0 s"), "{e}");
}

#[test]
fn pdfs_are_chosen_by_extension_and_by_content() {
    let bytes = std::fs::read(data("report.pdf")).unwrap();
    assert_eq!(stratos_ingest::sniff_format(&bytes), Format::Pdf);
    let f = read_bytes(&bytes, &quiet()).unwrap();
    assert_eq!(f.len(), 60);
}

/// A one-page PDF with Helvetica as `/F1` and `content` as its content stream, with a
/// correct cross-reference table.
fn minimal_pdf(content: &str) -> Vec<u8> {
    pdf_with_font(content, "")
}

/// [`minimal_pdf`] with `font` added to the font dictionary.
fn pdf_with_font(content: &str, font: &str) -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{content}\nendstream",
            content.len() + 1
        ),
        format!("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica{font} >>"),
    ];
    let objects: Vec<Vec<u8>> = objects.into_iter().map(String::into_bytes).collect();
    crate::hostile_gen::pdf(&objects)
}
