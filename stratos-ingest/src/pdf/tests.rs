use super::*;

fn budget() -> Duration {
    DEFAULT_PDF_TIME_BUDGET
}

#[test]
fn garbage_and_truncated_pdfs_are_errors_with_the_source() {
    silence_pdf_panics();
    for bytes in [
        &b""[..],
        b"%PDF-",
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog",
        b"\x00\x01\x02%PDF-1.7 trailer <<>>",
    ] {
        let e = read_pdf(bytes, budget(), Some("x.pdf")).unwrap_err();
        assert!(matches!(e, IngestError::Pdf { .. }), "{e:?}");
        assert!(e.to_string().starts_with("x.pdf: "), "{e}");
        assert!(e.is_bad_data());
    }
}

#[test]
fn a_panic_message_is_kept() {
    let payload: Box<dyn Any + Send> = Box::new("boom");
    assert_eq!(panic_message(payload.as_ref()), "boom");
    let payload: Box<dyn Any + Send> = Box::new(String::from("bang"));
    assert_eq!(panic_message(payload.as_ref()), "bang");
    let payload: Box<dyn Any + Send> = Box::new(7_u8);
    assert_eq!(panic_message(payload.as_ref()), "a panic without a message");
}
