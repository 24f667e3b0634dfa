use std::sync::Arc;

use ::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Date64Array, Decimal128Array, DictionaryArray,
    Float32Array, Int8Array, Int64Array, LargeStringArray, NullArray, StringArray, StringViewArray,
    TimestampMicrosecondArray, TimestampMillisecondArray, TimestampNanosecondArray,
    TimestampSecondArray, UInt64Array,
};
use ::arrow::datatypes::{DataType, Field, Int16Type, Schema, TimeUnit};
use stratos_core::{CategoryColumn, Frame, Timestamp};

use super::*;
use crate::{Format, IngestError, LimitKind, ReadOptions, read_bytes};

fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap()
}

fn parquet_of(batches: &[RecordBatch], row_group_rows: Option<usize>) -> Vec<u8> {
    let mut out = Vec::new();
    write_parquet_batches(&mut out, batches, row_group_rows).unwrap();
    out
}

fn ipc_file_of(batches: &[RecordBatch]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = ::arrow::ipc::writer::FileWriter::try_new(&mut out, &batches[0].schema()).unwrap();
    for b in batches {
        w.write(b).unwrap();
    }
    w.finish().unwrap();
    drop(w);
    out
}

fn ipc_stream_of(batches: &[RecordBatch]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w =
        ::arrow::ipc::writer::StreamWriter::try_new(&mut out, &batches[0].schema()).unwrap();
    for b in batches {
        w.write(b).unwrap();
    }
    w.finish().unwrap();
    drop(w);
    out
}

fn read(bytes: &[u8]) -> Result<Frame, IngestError> {
    read_bytes(bytes, &ReadOptions::default().with_source_name("t"))
}

fn ts(text: &str) -> Timestamp {
    Timestamp::parse(text).unwrap()
}

fn nan_eq(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x.is_nan() && y.is_nan()) || x == y)
}

const T0: i64 = 1_736_937_000; // 2025-01-15T10:30:00Z

#[test]
fn every_time_unit_and_zone_reads_as_the_same_instant() {
    let units: Vec<ArrayRef> = vec![
        Arc::new(TimestampSecondArray::from(vec![T0, T0 + 60])),
        Arc::new(
            TimestampMillisecondArray::from(vec![T0 * 1_000, (T0 + 60) * 1_000])
                .with_timezone("+02:00"),
        ),
        Arc::new(
            TimestampMicrosecondArray::from(vec![T0 * 1_000_000, (T0 + 60) * 1_000_000])
                .with_timezone("UTC"),
        ),
        // 999 ns past the instant: floored to the microsecond.
        Arc::new(
            TimestampNanosecondArray::from(vec![
                T0 * 1_000_000_000 + 999,
                (T0 + 60) * 1_000_000_000,
            ])
            .with_timezone("America/New_York"),
        ),
    ];
    for array in units {
        let t = array.data_type().clone();
        let b = batch(vec![
            ("timestamp", array),
            ("v", Arc::new(Float32Array::from(vec![1.5, 2.5]))),
        ]);
        for bytes in [
            parquet_of(std::slice::from_ref(&b), None),
            ipc_file_of(std::slice::from_ref(&b)),
            ipc_stream_of(&[b]),
        ] {
            let f = read(&bytes).unwrap_or_else(|e| panic!("{t}: {e}"));
            assert_eq!(
                f.timestamps().unwrap(),
                &[ts("2025-01-15T10:30:00Z"), ts("2025-01-15T10:31:00Z")][..],
                "{t}"
            );
            assert_eq!(f.column("v"), Some(&[1.5, 2.5][..]));
        }
    }
}

#[test]
fn dates_are_midnight_utc_and_a_time_named_column_wins() {
    let b = batch(vec![
        ("created", Arc::new(Date32Array::from(vec![20_103, 20_104]))),
        (
            "Date",
            Arc::new(Date64Array::from(vec![
                20_103 * 86_400_000,
                20_105 * 86_400_000,
            ])),
        ),
    ]);
    let f = read(&parquet_of(&[b], None)).unwrap();
    assert_eq!(f.schema().timestamp_field.as_deref(), Some("Date"));
    assert_eq!(
        f.timestamps().unwrap(),
        &[ts("2025-01-15"), ts("2025-01-17")][..]
    );
    // The other date column keeps its instants as text.
    let other = f.category("created").unwrap();
    assert_eq!(other.get(0), Some("2025-01-15T00:00:00Z"));
    assert_eq!(other.get(1), Some("2025-01-16T00:00:00Z"));
}

#[test]
fn numbers_decimals_flags_text_and_nulls_map_to_frame_columns() {
    let dict: DictionaryArray<Int16Type> = vec![Some("a"), None, Some("b"), Some("a")]
        .into_iter()
        .collect();
    let b = batch(vec![
        (
            "i8",
            Arc::new(Int8Array::from(vec![Some(1), None, Some(-3), Some(4)])),
        ),
        ("u64", Arc::new(UInt64Array::from(vec![1, 2, 3, u64::MAX]))),
        (
            "dec",
            Arc::new(
                Decimal128Array::from(vec![Some(12_345), None, Some(-5), Some(0)])
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
        ),
        (
            "flag",
            Arc::new(BooleanArray::from(vec![
                Some(true),
                Some(false),
                None,
                Some(true),
            ])),
        ),
        ("nothing", Arc::new(NullArray::new(4))),
        (
            "s",
            Arc::new(StringArray::from(vec![
                Some("x"),
                None,
                Some("y"),
                Some("x"),
            ])),
        ),
        (
            "ls",
            Arc::new(LargeStringArray::from(vec![
                Some("p"),
                Some("q"),
                None,
                Some("p"),
            ])),
        ),
        (
            "sv",
            Arc::new(StringViewArray::from(vec![
                Some("m"),
                Some("n"),
                Some("m"),
                None,
            ])),
        ),
        ("dict", Arc::new(dict)),
    ]);
    let check = |f: &Frame| {
        assert!(f.timestamps().is_none());
        assert!(nan_eq(f.column("i8").unwrap(), &[1.0, f64::NAN, -3.0, 4.0]));
        assert_eq!(f.column("u64").unwrap()[3], u64::MAX as f64);
        assert!(nan_eq(
            f.column("dec").unwrap(),
            &[123.45, f64::NAN, -0.05, 0.0]
        ));
        assert!(nan_eq(
            f.column("flag").unwrap(),
            &[1.0, 0.0, f64::NAN, 1.0]
        ));
        assert!(f.column("nothing").unwrap().iter().all(|v| v.is_nan()));
        let cats = |name: &str| {
            let c = f.category(name).unwrap();
            (0..c.len()).map(|i| c.get(i)).collect::<Vec<_>>()
        };
        assert_eq!(cats("s"), [Some("x"), None, Some("y"), Some("x")]);
        assert_eq!(cats("ls"), [Some("p"), Some("q"), None, Some("p")]);
        assert_eq!(cats("sv"), [Some("m"), Some("n"), Some("m"), None]);
        assert_eq!(cats("dict"), [Some("a"), None, Some("b"), Some("a")]);
        assert_eq!(f.category("dict").unwrap().dictionary(), ["a", "b"]);
    };
    check(&read(&parquet_of(std::slice::from_ref(&b), None)).unwrap());
    check(&read(&ipc_file_of(std::slice::from_ref(&b))).unwrap());
    check(&read(&ipc_stream_of(&[b])).unwrap());
}

#[test]
fn binary_and_nested_columns_are_left_out() {
    let list = ::arrow::array::ListArray::from_iter_primitive::<::arrow::datatypes::Int32Type, _, _>(
        vec![Some(vec![Some(1)]), None],
    );
    let b = batch(vec![
        ("v", Arc::new(Int64Array::from(vec![1, 2]))),
        (
            "blob",
            Arc::new(::arrow::array::BinaryArray::from(vec![&b"a"[..], b"b"])),
        ),
        ("list", Arc::new(list)),
    ]);
    let f = read(&parquet_of(&[b], None)).unwrap();
    assert_eq!(f.schema().value_fields, ["v"]);
    assert!(f.category_columns().is_empty());
}

/// Batches of one stream: a time column, a value with nulls, a dictionary-encoded stream id.
fn stream_batches(batches: usize, rows: usize) -> Vec<RecordBatch> {
    (0..batches)
        .map(|k| {
            let start = (k * rows) as i64;
            let times: Vec<i64> = (0..rows as i64)
                .map(|i| (T0 + start + i) * 1_000_000)
                .collect();
            let values: Vec<Option<f64>> = (0..rows)
                .map(|i| ((k * rows + i) % 7 != 3).then_some((k * rows + i) as f64 * 0.5))
                .collect();
            // One dictionary for every batch (an IPC file allows no replacement).
            let keys: Vec<i32> = (0..rows).map(|i| i32::from((k + i) % 3 != 0)).collect();
            let ids = DictionaryArray::<::arrow::datatypes::Int32Type>::try_new(
                keys.into(),
                Arc::new(StringArray::from(vec!["s1", "s2"])),
            )
            .unwrap();
            batch(vec![
                (
                    "timestamp",
                    Arc::new(TimestampMicrosecondArray::from(times).with_timezone("UTC")),
                ),
                (
                    "value",
                    Arc::new(::arrow::array::Float64Array::from(values)),
                ),
                ("stream_id", Arc::new(ids)),
            ])
        })
        .collect()
}

fn check_stream(f: &Frame, n: usize) {
    assert_eq!(f.len(), n);
    let t = f.timestamps().unwrap();
    assert!(
        t.windows(2)
            .all(|w| w[1].micros() - w[0].micros() == 1_000_000)
    );
    let v = f.column("value").unwrap();
    for (i, x) in v.iter().enumerate() {
        if i % 7 == 3 {
            assert!(x.is_nan());
        } else {
            assert_eq!(*x, i as f64 * 0.5);
        }
    }
    let ids = f.category("stream_id").unwrap();
    assert_eq!(ids.dictionary().len(), 2);
}

#[test]
fn several_row_groups_and_record_batches_read_as_one_frame() {
    let batches = stream_batches(5, 1_000);
    let bytes = parquet_of(&batches, Some(700));
    let meta = parquet::file::reader::SerializedFileReader::new(bytes::Bytes::from(bytes.clone()))
        .map(|r| parquet::file::reader::FileReader::metadata(&r).num_row_groups())
        .unwrap();
    assert!(meta > 1, "{meta} row groups");
    check_stream(&read(&bytes).unwrap(), 5_000);
    check_stream(&read(&ipc_file_of(&batches)).unwrap(), 5_000);
    check_stream(&read(&ipc_stream_of(&batches)).unwrap(), 5_000);
    let schema = batches[0].schema();
    check_stream(
        &frame_from_record_batches(&schema, &batches, &Limits::default()).unwrap(),
        5_000,
    );
}

fn sample_frame() -> Frame {
    let mut cat = CategoryColumn::new("stream_id");
    for v in [Some("a"), None, Some("b")] {
        cat.push(v);
    }
    Frame::builder()
        .timestamps(
            "time",
            vec![
                ts("2025-01-01T00:00:00Z"),
                ts("2025-01-01T00:00:01.000001Z"),
                ts("1970-01-01"),
            ],
        )
        .numeric("close", vec![1.25, f64::NAN, -1e300])
        .numeric("volume", vec![0.0, 1.0, 2.0])
        .category(cat)
        .build()
        .unwrap()
}

fn assert_same(a: &Frame, b: &Frame) {
    assert_eq!(a.len(), b.len());
    assert_eq!(a.schema(), b.schema());
    assert_eq!(a.timestamps(), b.timestamps());
    for c in a.numeric_columns() {
        assert!(nan_eq(&c.values, b.column(&c.name).unwrap()), "{}", c.name);
    }
    for c in a.category_columns() {
        let d = b.category(c.name()).unwrap();
        assert!((0..c.len()).all(|i| c.get(i) == d.get(i)), "{}", c.name());
    }
}

#[test]
fn frames_round_trip_through_parquet_and_arrow() {
    let frame = sample_frame();
    let mut p = Vec::new();
    write_parquet(&frame, &mut p).unwrap();
    assert_same(&frame, &read(&p).unwrap());
    let mut a = Vec::new();
    write_ipc(&frame, &mut a).unwrap();
    assert!(a.starts_with(b"ARROW1"));
    assert_same(&frame, &read(&a).unwrap());
    // The written types: UTC microseconds, Float64 with nulls, dictionary text.
    let b = record_batch(&frame).unwrap();
    assert_eq!(
        b.schema().field(0).data_type(),
        &DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
    );
    assert_eq!(b.column(1).null_count(), 1);
    assert_eq!(
        b.schema().field(3).data_type(),
        &DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
    );
    assert_eq!(b.column(3).null_count(), 1);
    // An empty frame with columns round-trips too.
    let empty = Frame::builder().numeric("v", vec![]).build().unwrap();
    let mut p = Vec::new();
    write_parquet(&empty, &mut p).unwrap();
    let back = read(&p).unwrap();
    assert_eq!(
        (back.len(), back.schema().value_fields.clone()),
        (0, vec!["v".to_owned()])
    );
}

#[test]
fn tables_append_and_write_flags() {
    let part = |flag: bool, tag: &str| {
        let mut c = CategoryColumn::new("stream_id");
        c.push(Some(tag));
        Table::new()
            .with_column("stream_id", ColumnData::Category(c))
            .unwrap()
            .with_column("is_anomaly", ColumnData::Flag(vec![Some(flag)]))
            .unwrap()
    };
    let mut t = Table::new();
    t.append(part(true, "a")).unwrap();
    t.append(part(false, "b")).unwrap();
    assert_eq!(t.len(), 2);
    let b = t.to_record_batch().unwrap();
    assert_eq!(b.schema().field(1).data_type(), &DataType::Boolean);
    let mut p = Vec::new();
    t.write_parquet(&mut p).unwrap();
    let f = read(&p).unwrap();
    assert_eq!(f.column("is_anomaly"), Some(&[1.0, 0.0][..]));
    assert_eq!(f.category("stream_id").unwrap().get(1), Some("b"));
    // Clashes are refused.
    let other = Table::new()
        .with_column("x", ColumnData::Number(vec![1.0]))
        .unwrap();
    assert!(matches!(t.append(other), Err(WriteError::Shape { .. })));
    assert!(
        Table::new()
            .with_column("x", ColumnData::Number(vec![1.0]))
            .unwrap()
            .with_column("y", ColumnData::Number(vec![]))
            .is_err()
    );
}

#[test]
fn a_null_time_is_an_error_naming_the_column_and_row() {
    let b = batch(vec![(
        "ts",
        Arc::new(TimestampSecondArray::from(vec![Some(T0), None])),
    )]);
    let e = read(&parquet_of(&[b], None)).unwrap_err();
    assert!(e.is_bad_data());
    assert_eq!(
        e.to_string(),
        "t: column `ts`: expected a timestamp in row 2, found `null`"
    );
    let b = batch(vec![(
        "ts",
        Arc::new(TimestampSecondArray::from(vec![i64::MAX])),
    )]);
    let e = read(&ipc_file_of(&[b])).unwrap_err();
    assert!(e.to_string().contains("row 1"), "{e}");
}

#[test]
fn limits_are_checked_before_decoding() {
    let batches = stream_batches(2, 100);
    let bytes = parquet_of(&batches, None);
    let tight = ReadOptions::default().with_limits(Limits::default().with_max_cells(100));
    let e = read_bytes(&bytes, &tight).unwrap_err();
    assert!(
        matches!(
            e,
            IngestError::Limit {
                what: LimitKind::Cells,
                ..
            }
        ),
        "{e}"
    );
    let e = read_bytes(&ipc_file_of(&batches), &tight).unwrap_err();
    assert!(
        matches!(
            e,
            IngestError::Limit {
                what: LimitKind::Cells,
                ..
            }
        ),
        "{e}"
    );
    let small =
        ReadOptions::default().with_limits(Limits::default().with_max_decompressed_bytes(100));
    let e = read_bytes(&bytes, &small).unwrap_err();
    assert!(
        matches!(
            e,
            IngestError::Limit {
                what: LimitKind::DecompressedBytes,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn malformed_files_are_located_errors_never_panics() {
    crate::silence_contained_panics();
    let batches = stream_batches(3, 50);
    let files = [
        parquet_of(&batches, Some(40)),
        ipc_file_of(&batches),
        ipc_stream_of(&batches),
    ];
    for (k, good) in files.iter().enumerate() {
        // Truncations and single-byte corruptions all over the file.
        for cut in (1..good.len()).step_by(37) {
            let r = read(&good[..cut]);
            if let Err(e) = r {
                assert!(e.is_bad_data(), "file {k} cut at {cut}: {e:?}");
            }
        }
        for at in (0..good.len()).step_by(7) {
            for flip in [0x01u8, 0x80, 0xFF] {
                let mut bad = good.clone();
                bad[at] ^= flip;
                if let Err(e) = read(&bad) {
                    assert!(e.is_bad_data(), "file {k} byte {at} ^ {flip}: {e:?}");
                    assert!(!e.to_string().is_empty());
                }
            }
        }
    }
    // A footer length past the file.
    let mut p = files[0].clone();
    let n = p.len();
    p[n - 8..n - 4].copy_from_slice(&u32::MAX.to_le_bytes());
    let e = read(&p).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("t: malformed Parquet input: the footer claims"),
        "{e}"
    );
    let e = read(b"PAR1PAR1").unwrap_err();
    assert!(matches!(e, IngestError::Arrow { .. }), "{e}");
    let e = read(b"ARROW1\0\0").unwrap_err();
    assert!(matches!(e, IngestError::Arrow { .. }), "{e}");
    // A stream message claiming a huge body.
    let mut s = files[2].clone();
    let meta = i32::from_le_bytes(s[4..8].try_into().unwrap()) as usize;
    s.truncate(8 + meta + 4);
    s.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0x10, 0, 0, 0]);
    s.extend_from_slice(&[0x7F; 16]);
    assert!(read(&s).is_err());
}

#[test]
fn formats_are_sniffed_and_beat_a_text_extension() {
    let bytes = parquet_of(&stream_batches(1, 10), None);
    assert_eq!(crate::sniff_format(&bytes), Format::Parquet);
    let arrow = ipc_file_of(&stream_batches(1, 10));
    assert_eq!(crate::sniff_format(&arrow), Format::Arrow);
    assert_eq!(
        crate::sniff_format(&ipc_stream_of(&stream_batches(1, 10))),
        Format::Arrow
    );
    let dir = std::env::temp_dir().join(format!("stratos-arrow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("mislabelled.csv");
    std::fs::write(&path, &bytes).unwrap();
    let f = crate::read_path(&path, &ReadOptions::default()).unwrap();
    assert_eq!(f.len(), 10);
    std::fs::remove_dir_all(&dir).unwrap();
    // Named by the options, the other decoder refuses the bytes with a message.
    let e = read_bytes(&bytes, &ReadOptions::default().with_format(Format::Arrow)).unwrap_err();
    assert!(e.is_bad_data(), "{e}");
}

/// Writes the seed corpus of the `parquet` and `arrow` fuzz targets (small files covering
/// every mapped type, several row groups and batches, a file and a stream). Run by hand
/// after changing the writer: `cargo test -p stratos-ingest --features arrow --lib
/// write_fuzz_seeds -- --ignored`.
#[test]
#[ignore = "writes into fuzz/corpus; run by hand to regenerate the seeds"]
fn write_fuzz_seeds() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    let stream = stream_batches(3, 8);
    let dict: DictionaryArray<Int16Type> = vec![Some("a"), None, Some("b")].into_iter().collect();
    let types = batch(vec![
        (
            "ts",
            Arc::new(
                TimestampNanosecondArray::from(vec![Some(1), Some(2), Some(3)])
                    .with_timezone("+01:00"),
            ),
        ),
        ("d", Arc::new(Date32Array::from(vec![1, 2, 3]))),
        ("i", Arc::new(Int8Array::from(vec![Some(1), None, Some(3)]))),
        (
            "dec",
            Arc::new(
                Decimal128Array::from(vec![Some(1), None, Some(-5)])
                    .with_precision_and_scale(5, 2)
                    .unwrap(),
            ),
        ),
        (
            "b",
            Arc::new(BooleanArray::from(vec![Some(true), None, Some(false)])),
        ),
        (
            "s",
            Arc::new(LargeStringArray::from(vec![Some("x"), None, Some("y")])),
        ),
        ("dict", Arc::new(dict)),
        ("n", Arc::new(NullArray::new(3))),
    ]);
    let null_time = batch(vec![(
        "time",
        Arc::new(TimestampSecondArray::from(vec![Some(T0), None])),
    )]);
    let seeds: [(&str, &str, Vec<u8>); 8] = [
        (
            "parquet",
            "stream_row_groups.parquet",
            parquet_of(&stream, Some(5)),
        ),
        (
            "parquet",
            "types.parquet",
            parquet_of(std::slice::from_ref(&types), None),
        ),
        (
            "parquet",
            "null_time.parquet",
            parquet_of(std::slice::from_ref(&null_time), None),
        ),
        ("parquet", "frame.parquet", {
            let mut v = Vec::new();
            write_parquet(&sample_frame(), &mut v).unwrap();
            v
        }),
        ("arrow", "stream_batches.arrow", ipc_file_of(&stream)),
        ("arrow", "types.arrows", ipc_stream_of(&[types])),
        ("arrow", "null_time.arrow", ipc_file_of(&[null_time])),
        ("arrow", "stream_batches.arrows", ipc_stream_of(&stream)),
    ];
    for (target, name, bytes) in seeds {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}
