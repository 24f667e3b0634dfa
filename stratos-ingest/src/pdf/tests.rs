use super::*;

fn budget() -> Duration {
    DEFAULT_PDF_TIME_BUDGET
}

#[test]
fn garbage_and_truncated_pdfs_are_errors_with_the_source() {
    crate::silence_contained_panics();
    for bytes in [
        &b""[..],
        b"%PDF-",
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog",
        b"\x00\x01\x02%PDF-1.7 trailer <<>>",
    ] {
        let e = read_pdf(bytes, budget(), &Limits::default(), Some("x.pdf")).unwrap_err();
        assert!(matches!(e, IngestError::Pdf { .. }), "{e:?}");
        assert!(e.to_string().starts_with("x.pdf: "), "{e}");
        assert!(e.is_bad_data());
    }
}
