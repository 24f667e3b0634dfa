use super::*;

fn infer(cells: &[&str], time_named: bool) -> Inferred {
    let mut t = Tally::new(time_named);
    for c in cells {
        t.add(c.as_bytes());
    }
    t.inferred()
}

#[test]
fn inference_rules() {
    assert_eq!(infer(&[], false), Inferred::Empty);
    assert_eq!(infer(&["", "NA"], true), Inferred::Empty);
    assert_eq!(infer(&["1.5", "NA", "2"], false), Inferred::Number);
    assert_eq!(
        infer(&["2025-01-01", "", "2025-01-02T10:00:00Z"], false),
        Inferred::Time
    );
    assert_eq!(
        infer(&["1705312200", "1705312260"], false),
        Inferred::Number
    );
    assert_eq!(infer(&["1705312200", "1705312260"], true), Inferred::Time);
    assert_eq!(infer(&["1705312200.5"], true), Inferred::Number);
    assert_eq!(infer(&["2025-01-01", "x"], false), Inferred::Text);
    assert_eq!(infer(&["1", "x"], false), Inferred::Text);
}

#[test]
fn short_keys_tell_cells_apart() {
    let cells: [&[u8]; 9] = [
        b"",
        b"a",
        b"a\0",
        b"stream_01",
        b"stream_10",
        b"abcdefgh",
        b"abcdefghi",
        b"0123456789abcdef",
        b"1123456789abcdef",
    ];
    for (i, a) in cells.iter().enumerate() {
        for (j, b) in cells.iter().enumerate() {
            assert_eq!(ShortKey::new(a) == ShortKey::new(b), i == j, "{a:?} {b:?}");
        }
    }
    assert_eq!(ShortKey::new(&[b'x'; 17]), None);
    let mut d = Dictionary::default();
    assert_eq!(d.code(b"x", 0), (0, true));
    assert_eq!(d.code(&[b'y'; 40], 1), (1, true));
    assert_eq!(d.code(b"x", 2), (0, false));
    assert_eq!(d.code(&[b'y'; 40], 2), (1, false));
}

#[test]
fn plan_prefers_a_time_named_column() {
    let names = vec!["created".to_string(), "ts".into(), "v".into(), "s".into()];
    let p = Plan::new(
        names,
        &[
            Inferred::Time,
            Inferred::Time,
            Inferred::Empty,
            Inferred::Text,
        ],
    );
    assert_eq!(
        p.kinds,
        vec![
            Kind::Category,
            Kind::Time { allow_epoch: true },
            Kind::Numeric,
            Kind::Category
        ]
    );
    let p = Plan::new(vec!["a".into()], &[Inferred::Time]);
    assert_eq!(p.kinds, vec![Kind::Time { allow_epoch: false }]);
}

#[test]
fn blocks_append_in_order() {
    let plan = Plan::new(
        vec!["t".into(), "s".into(), "v".into()],
        &[Inferred::Time, Inferred::Text, Inferred::Number],
    );
    let mut a = Block::new(&plan, 1);
    a.push_row(0, ["2025-01-01", "x", "1"].iter().map(|s| s.as_bytes()))
        .unwrap();
    let mut b = Block::new(&plan, 1);
    b.push_row(0, ["2025-01-02", "y", ""].iter().map(|s| s.as_bytes()))
        .unwrap();
    b.push_row(0, ["2025-01-03", "x", "3"].iter().map(|s| s.as_bytes()))
        .unwrap();
    let e = b
        .push_row(9, ["2025-01-03", "x"].iter().map(|s| s.as_bytes()))
        .unwrap_err();
    assert!(matches!(
        e.kind,
        RowErrorKind::Ragged {
            expected: 3,
            found: 2
        }
    ));
    let mut out = Assembled::new(&plan, 0);
    out.append(a);
    let mut b = Block::new(&plan, 1);
    b.push_row(0, ["2025-01-02", "y", ""].iter().map(|s| s.as_bytes()))
        .unwrap();
    out.append(b);
    let f = out.into_frame(&plan).unwrap();
    assert_eq!(f.len(), 2);
    let v = f.column("v").unwrap();
    assert_eq!(v[0], 1.0);
    assert!(v[1].is_nan());
    assert_eq!(f.category("s").unwrap().dictionary(), ["x", "y"]);
}

#[test]
fn sparse_columns_fill_missing_rows_and_shapes_are_checked() {
    let mut s = SparseColumns::default();
    let a = s.add_column();
    let b = s.add_column();
    s.set(0, a, 1);
    s.set(2, b, 2);
    s.set(2, b, 3);
    assert_eq!(
        s.into_dense(3, 0, &Limits::default(), Location::default)
            .unwrap(),
        vec![vec![1, 0, 0], vec![0, 0, 3]]
    );
    let l = Limits::default().with_max_cells(10).with_max_columns(3);
    assert!(check_shape(5, 2, &l, Location::default).is_ok());
    let e = check_shape(5, 4, &l, Location::default).unwrap_err();
    assert!(matches!(
        e,
        IngestError::Limit {
            what: LimitKind::Columns,
            limit: 3,
            ..
        }
    ));
    let e = check_shape(6, 2, &l, Location::default).unwrap_err();
    assert!(matches!(
        e,
        IngestError::Limit {
            what: LimitKind::Cells,
            limit: 10,
            ..
        }
    ));
    let e = check_shape(
        6,
        2,
        &Limits::default().with_max_memory(64),
        Location::default,
    )
    .unwrap_err();
    assert!(matches!(
        e,
        IngestError::Limit {
            what: LimitKind::Memory,
            ..
        }
    ));
}
