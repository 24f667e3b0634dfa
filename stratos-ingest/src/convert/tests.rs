use super::*;

fn frame_of(csv: &str, rules: &CellRules) -> Result<Frame, IngestError> {
    let settings = crate::csv::CsvSettings {
        rules: rules.clone(),
        ..Default::default()
    };
    crate::csv::read_csv(csv.as_bytes(), &settings, Some("t.csv"))
}

#[test]
fn comma_decimals() {
    assert_eq!(parse_comma_decimal("1,5"), Some(1.5));
    assert_eq!(parse_comma_decimal("-1.234,5"), Some(-1234.5));
    assert_eq!(parse_comma_decimal("1 234,5"), Some(1234.5));
    assert_eq!(parse_comma_decimal("12"), Some(12.0));
    assert_eq!(parse_comma_decimal("1,2,3"), None);
    assert_eq!(parse_comma_decimal("x"), None);
    assert_eq!(parse_comma_decimal(","), None);
}

#[test]
fn day_first_month_first_and_ambiguity() {
    let us = "date,v\n03/14/2024,1\n03/15/2024,2\n";
    let f = frame_of(us, &CellRules::default()).unwrap();
    assert_eq!(
        f.timestamps().unwrap()[0].to_string(),
        "2024-03-14T00:00:00Z"
    );
    let eu = "date,v\n14/03/2024,1\n15/03/2024,2\n";
    let f = frame_of(eu, &CellRules::default()).unwrap();
    assert_eq!(
        f.timestamps().unwrap()[1].to_string(),
        "2024-03-15T00:00:00Z"
    );
    let amb = "date,v\n03/04/2024,1\n05/04/2024,2\n";
    let e = frame_of(amb, &CellRules::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "t.csv: column `date`: expected dates whose order of day and month can be told \
         (no day above 12): give --date-format '%d/%m/%Y' or '%m/%d/%Y', found `03/04/2024`"
    );
    let rules = CellRules {
        date_format: Some("%m/%d/%Y".into()),
        ..Default::default()
    };
    let f = frame_of(amb, &rules).unwrap();
    assert_eq!(
        f.timestamps().unwrap()[1].to_string(),
        "2024-05-04T00:00:00Z"
    );
    let mixed = "date,v\n13/01/2024,1\n01/13/2024,2\n";
    assert!(frame_of(mixed, &CellRules::default()).is_err());
}

#[test]
fn offsets_and_times() {
    let f = frame_of(
        "when,v\n14.03.2024 10:30 +01:00,1\n15.03.2024 10:30:15.5Z,2\n16.03.24 00:00 -0500,3\n",
        &CellRules::default(),
    )
    .unwrap();
    let t: Vec<String> = f
        .timestamps()
        .unwrap()
        .iter()
        .map(|t| t.to_string())
        .collect();
    assert_eq!(
        t,
        [
            "2024-03-14T09:30:00Z",
            "2024-03-15T10:30:15.500000Z",
            "2024-03-16T05:00:00Z"
        ]
    );
}

#[test]
fn markers_and_decimal_comma_make_numbers() {
    let rules = CellRules {
        missing: vec!["n/d".into()],
        guess_decimal_comma: true,
        ..Default::default()
    };
    let f = frame_of("a;b;c\n1,5;x;n/d\n2;y;3,25\n", &rules).unwrap();
    assert_eq!(f.column("a").unwrap(), [1.5, 2.0]);
    let c = f.column("c").unwrap();
    assert!(c[0].is_nan() && c[1] == 3.25);
    assert_eq!(f.category("b").unwrap().get(1), Some("y"));
    let names: Vec<&str> = f
        .numeric_columns()
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["a", "c"]);
}

#[test]
fn patterns() {
    let p = DatePattern::new("%d %b %Y %H:%M").unwrap();
    assert_eq!(
        p.parse("14 Mar 2024 10:30").unwrap().to_string(),
        "2024-03-14T10:30:00Z"
    );
    assert!(DatePattern::new("%H:%M").is_err());
    let p = DatePattern::new("%Y%m%d").unwrap();
    assert_eq!(
        p.parse("20240314").unwrap().to_string(),
        "2024-03-14T00:00:00Z"
    );
}
