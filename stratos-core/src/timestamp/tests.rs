use super::*;
use proptest::prelude::*;

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

#[test]
fn parses_every_documented_form() {
    let t = ts("2025-01-15T10:30:00Z");
    assert_eq!(t.epoch_seconds(), 1_736_937_000);
    assert_eq!(ts("2025-01-15 10:30:00"), t);
    assert_eq!(ts("2025-01-15T10:30"), t);
    assert_eq!(ts("2025-01-15T11:30:00+01:00"), t);
    assert_eq!(ts("2025-01-15T05:00:00-05:30"), t);
    assert_eq!(ts("1736937000"), t);
    assert_eq!(ts("1736937000000"), t);
    assert_eq!(ts("1736937000.5").micros(), t.micros() + 500_000);
    assert_eq!(ts("2025-01-15").epoch_seconds(), 1_736_899_200);
    assert_eq!(
        ts("2025-01-15T10:30:00.123456789Z").micros(),
        t.micros() + 123_456
    );
    assert_eq!(
        ts("1871-01-01T00:00:00").to_string(),
        "1871-01-01T00:00:00Z"
    );
}

#[test]
fn rejects_invalid_dates_and_garbage() {
    for bad in [
        "2025-02-30",
        "2025-13-01",
        "2025-01-15T24:00:00Z",
        "2025-01-15T10:30:00+25:00",
        "2025-01-15X10:30",
        "abc",
        "",
        "nan",
        "inf",
        "2025-01-15T10:30:00.Z",
        "1e400",
    ] {
        assert!(Timestamp::parse(bad).is_err(), "{bad} should not parse");
    }
    assert!(Timestamp::parse("2024-02-29").is_ok());
    assert!(Timestamp::parse("2100-02-29").is_err());
}

#[test]
fn epoch_rule_splits_seconds_from_millis() {
    assert_eq!(
        Timestamp::from_epoch_number(99_999_999_999.0)
            .unwrap()
            .epoch_seconds(),
        99_999_999_999
    );
    assert_eq!(
        Timestamp::from_epoch_number(100_000_000_000.0)
            .unwrap()
            .epoch_seconds(),
        100_000_000
    );
    assert!(Timestamp::from_epoch_number(f64::NAN).is_err());
    assert!(Timestamp::parse("999999999999999999").is_err());
}

#[test]
fn serde_accepts_the_seed_forms() {
    let forms = [
        r#""2024-01-15T09:50:00Z""#,
        "1705312200",
        "1705312200000",
        r#"{"seconds": 1705312200}"#,
        r#"{"seconds": "1705312200", "nanos": 0}"#,
    ];
    for f in forms {
        let t: Timestamp = serde_json::from_str(f).unwrap();
        assert_eq!(t.epoch_seconds(), 1_705_312_200, "{f}");
    }
    assert_eq!(
        serde_json::to_string(&ts("1705312200")).unwrap(),
        r#""2024-01-15T09:50:00Z""#
    );
    assert!(serde_json::from_str::<Timestamp>(r#"{"secs": 1}"#).is_err());
    assert!(serde_json::from_str::<Timestamp>(r#"{"seconds": 1, "nanos": -1}"#).is_err());
}

#[test]
fn calendar_detection_excludes_numbers() {
    assert!(Timestamp::looks_like_calendar(b"2025-01-15"));
    assert!(!Timestamp::looks_like_calendar(b"1705312200"));
    assert!(!Timestamp::looks_like_calendar(b"12.5"));
}

proptest! {
    #[test]
    fn display_round_trips(micros in MIN_MICROS..=MAX_MICROS) {
        let t = Timestamp::from_micros(micros).unwrap();
        prop_assert_eq!(ts(&t.to_string()), t);
    }

    #[test]
    fn parse_never_panics(s in "\\PC{0,40}") {
        let _ = Timestamp::parse(&s);
    }

    #[test]
    fn cached_parser_agrees_with_parse_bytes(
        days in proptest::collection::vec((0i64..3_000_000_000, 0u8..4), 1..20),
    ) {
        let mut p = TimestampParser::new();
        for (secs, form) in days {
            let t = Timestamp::from_epoch_seconds(secs).unwrap().to_string();
            let text = match form {
                0 => t.clone(),
                1 => t.replace('T', " ").replace('Z', ""),
                2 => t[..10].to_owned(),
                _ => t.replace('Z', ".25Z"),
            };
            prop_assert_eq!(p.parse_bytes(text.as_bytes()), Timestamp::parse_bytes(text.as_bytes()));
        }
    }

    #[test]
    fn parser_epoch_digits_match_the_general_path(
        digits in "[0-9]{1,20}",
        padded in proptest::bool::ANY,
    ) {
        // Bare epoch seconds and milliseconds take the parser's digit path; any length,
        // leading zeros and out-of-range values give what the general path gives.
        let text = if padded { format!(" {digits}") } else { digits };
        let mut p = TimestampParser::new();
        prop_assert_eq!(p.parse_bytes(text.as_bytes()), Timestamp::parse_bytes(text.as_bytes()));
    }

    #[test]
    fn civil_round_trips(days in -800_000i64..3_000_000) {
        let (y, m, d) = civil_from_days(days);
        prop_assert_eq!(days_from_civil(y, m, d), days);
    }
}
