use super::*;

#[test]
fn builder_checks_lengths_and_names() {
    let e = Frame::builder()
        .numeric("a", vec![1.0])
        .numeric("b", vec![1.0, 2.0])
        .build();
    assert_eq!(
        e.unwrap_err(),
        FrameError::Length {
            column: "b".into(),
            expected: 1,
            got: 2
        }
    );
    let e = Frame::builder()
        .numeric("a", vec![1.0])
        .numeric("a", vec![1.0])
        .build();
    assert_eq!(
        e.unwrap_err(),
        FrameError::DuplicateColumn { column: "a".into() }
    );
    let empty = Frame::builder().build().unwrap();
    assert!(empty.is_empty());
    assert_eq!(empty.main_series(), None);
}

#[test]
fn from_records_types_columns() {
    let lines = [
        r#"{"stream_id":"a","payload":{"price":1.5,"symbol":"X","flag":true},"timestamp":1}"#,
        r#"{"stream_id":"b","payload":{"price":null,"symbol":"Y","extra":2},"timestamp":2}"#,
    ];
    let recs: Vec<Record> = lines
        .iter()
        .map(|l| Record::from_json(l.as_bytes()).unwrap())
        .collect();
    let f = Frame::from_records(&recs).unwrap();
    assert_eq!(f.schema().value_fields, vec!["price", "extra"]);
    assert_eq!(
        f.schema().category_fields,
        vec!["stream_id", "flag", "symbol"]
    );
    assert_eq!(f.schema().timestamp_field.as_deref(), Some("timestamp"));
    let price = f.column("price").unwrap();
    assert_eq!(price[0], 1.5);
    assert!(price[1].is_nan());
    assert_eq!(f.category("stream_id").unwrap().get(1), Some("b"));
    assert_eq!(f.category("flag").unwrap().get(1), None);
    assert_eq!(f.main_series().unwrap().name, "price");
}

#[test]
fn category_from_parts_checks_codes() {
    let c = CategoryColumn::from_parts(
        "s",
        vec!["a".into(), "b".into()],
        vec![1, CategoryColumn::MISSING, 0],
    )
    .unwrap();
    assert_eq!((c.get(0), c.get(1), c.get(2)), (Some("b"), None, Some("a")));
    let mut pushed = CategoryColumn::new("s");
    for v in [Some("b"), None, Some("a")] {
        pushed.push(v);
    }
    assert_eq!(
        format!("{pushed:?}"),
        r#"CategoryColumn { name: "s", dictionary: ["b", "a"], codes: [0, 4294967295, 1] }"#
    );
    assert!(CategoryColumn::from_parts("s", vec!["a".into()], vec![1]).is_err());
    assert!(CategoryColumn::from_parts("s", vec!["a".into(), "a".into()], vec![]).is_err());
}

#[test]
fn from_records_requires_time_on_all_or_none() {
    let a = Record::new("s")
        .with_field("v", 1.0)
        .with_timestamp(Timestamp::EPOCH);
    let b = Record::new("s").with_field("v", 2.0);
    let e = Frame::from_records(&[a, b.clone()]).unwrap_err();
    assert!(matches!(e, FrameError::Record { row: 1, .. }), "{e}");
    assert!(Frame::from_records(&[b]).unwrap().timestamps().is_none());
}

fn three_streams() -> Frame {
    let mut stream = CategoryColumn::new("stream_id");
    for s in [Some("b"), Some("a"), None, Some("b"), Some("a"), None] {
        stream.push(s);
    }
    let mut site = CategoryColumn::new("site");
    for s in ["x", "y", "x", "z", "y", "x"] {
        site.push(Some(s));
    }
    let ts = (0..6)
        .map(|i| Timestamp::from_epoch_seconds(100 - i).unwrap())
        .collect();
    Frame::builder()
        .timestamps("ts", ts)
        .numeric("value", vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
        .category(stream)
        .category(site)
        .unit("value", "°C")
        .build()
        .unwrap()
}

#[test]
fn split_by_keeps_first_appearance_and_file_order() {
    let f = three_streams();
    assert_eq!(f.stream_field(), Some("stream_id"));
    let g = f.split_by("stream_id").unwrap();
    let keys: Vec<Option<&str>> = g.iter().map(|g| g.key.as_deref()).collect();
    assert_eq!(keys, [Some("b"), Some("a"), None]);
    assert_eq!(g[0].rows, [0, 3]);
    assert_eq!(g[1].rows, [1, 4]);
    assert_eq!(g[2].rows, [2, 5]);
    let b = &g[0].frame;
    assert_eq!(b.len(), 2);
    assert_eq!(b.column("value").unwrap(), [1.0, 4.0]);
    assert_eq!(
        b.timestamps().unwrap(),
        [
            Timestamp::from_epoch_seconds(100).unwrap(),
            Timestamp::from_epoch_seconds(97).unwrap()
        ]
    );
    assert_eq!(b.schema().category_fields, f.schema().category_fields);
    assert_eq!(
        b.schema().units.get("value").map(String::as_str),
        Some("°C")
    );
    let site = b.category("site").unwrap();
    assert_eq!((site.get(0), site.get(1)), (Some("x"), Some("z")));
    assert_eq!(site.dictionary(), ["x", "z"]);
    assert_eq!(g[2].frame.category("stream_id").unwrap().get(0), None);
    // Every row lands in exactly one group.
    let mut all: Vec<usize> = g.iter().flat_map(|g| g.rows.clone()).collect();
    all.sort_unstable();
    assert_eq!(all, (0..6).collect::<Vec<_>>());
}

#[test]
fn split_by_a_numeric_key_makes_it_a_category() {
    let mut stream = CategoryColumn::new("unused");
    for _ in 0..4 {
        stream.push(None);
    }
    let f = Frame::builder()
        .numeric("Stream", vec![2.0, 1.0, 2.0, f64::NAN])
        .numeric("temp", vec![10.0, 20.0, 30.0, 40.0])
        .category(stream)
        .build()
        .unwrap();
    assert_eq!(f.stream_field(), Some("Stream"));
    let g = f.split_by("Stream").unwrap();
    let keys: Vec<Option<&str>> = g.iter().map(|g| g.key.as_deref()).collect();
    assert_eq!(keys, [Some("2"), Some("1"), None]);
    let two = &g[0].frame;
    assert_eq!(two.schema().value_fields, ["temp"]);
    assert_eq!(two.main_series().unwrap().values, [10.0, 30.0]);
    assert_eq!(two.category("Stream").unwrap().get(1), Some("2"));
    assert_eq!(g[2].frame.category("Stream").unwrap().get(0), None);
}

#[test]
fn split_by_names_a_missing_column_and_rows_are_checked() {
    let f = three_streams();
    let e = f.split_by("tenant").unwrap_err();
    assert_eq!(
        e.to_string(),
        "no category or numeric column `tenant` (columns: stream_id, site, value)"
    );
    assert!(f.split_by("ts").is_err());
    assert_eq!(
        f.select_rows(&[0, 6]).unwrap_err(),
        FrameError::Row { row: 6, len: 6 }
    );
    assert!(Frame::default().split_by("x").is_err());
    let empty = Frame::builder()
        .numeric("stream", Vec::new())
        .build()
        .unwrap();
    assert!(empty.split_by("stream").unwrap().is_empty());
    assert_eq!(Frame::from_values("v", vec![1.0]).stream_field(), None);
}
