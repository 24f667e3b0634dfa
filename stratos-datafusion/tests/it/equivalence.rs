//! DataFusion results equal `stratos run`'s library results (the registry's strategy executed
//! on each stream's frame, as the CLI calls it) for every registered function: generated data
//! with 1, 10 and 1,000 streams, rows shuffled (the `ORDER BY` restores the order), missing
//! values, several partitionings and batch sizes, and a stream split across Parquet row groups
//! and record batches.
//!
//! Equality is to the last bit (`f64::to_bits`): the SQL functions drive the same kernels in
//! the same row order, so no tolerance is needed. NULL from SQL stands for NaN (undefined) in
//! the strategy's output column; the anomaly score column of `stratos run` writes 0 for rows
//! that could not be scored, where SQL gives NULL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::float_cmp)]

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Int32Type, Schema, TimeUnit};
use datafusion::datasource::MemTable;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::file::properties::WriterProperties;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use stratos_core::{Frame, OutputValues, Timestamp};
use stratos_strategies::window::QuantileSketch;

const BASE_MICROS: i64 = 1_735_689_600_000_000; // 2025-01-01T00:00:00Z

const SMA: &str = "stratos_sma(v, 4)";
const EMA: &str = "stratos_ema(v, 5)";
const WMA: &str = "stratos_wma(v, 3)";
const ZSCORE: &str = "stratos_zscore(v, 6)";
const ANOMALY_CONFIG: &str = r#"{"method":"iqr","window_size":8,"threshold":1.5}"#;
const TREND_CONFIG: &str =
    r#"{"time_window":6,"buckets":3,"growth_threshold":1.05,"min_baseline":0}"#;
const ARIMA_CONFIG: &str = r#"{"p":1,"d":1,"q":0,"steps":3,"minDataPoints":10}"#;

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One stream's rows in time order: (micros, value or missing).
type Stream = Vec<(i64, Option<f64>)>;

/// `streams` streams of `rows` rows each: a random walk around 100 with jumps, about 6%
/// missing values; times one second apart, with a few duplicate-free gaps.
fn generate(streams: usize, rows: usize, seed: u64) -> BTreeMap<String, Stream> {
    let mut rng = Rng(seed);
    let mut out = BTreeMap::new();
    for s in 0..streams {
        let mut level = 100.0 + 10.0 * rng.unit();
        let mut t = BASE_MICROS + (s as i64) * 7_000;
        let mut rows_of = Vec::with_capacity(rows);
        for _ in 0..rows {
            t += if rng.unit() < 0.1 {
                3_000_000
            } else {
                1_000_000
            };
            level += rng.unit() - 0.5;
            let jump = if rng.unit() < 0.03 { 15.0 } else { 0.0 };
            let value = (rng.unit() >= 0.06).then_some(level + jump + 0.3 * rng.unit());
            rows_of.push((t, value));
        }
        out.insert(format!("s{s:04}"), rows_of);
    }
    out
}

/// All rows, shuffled.
fn shuffled(data: &BTreeMap<String, Stream>, seed: u64) -> Vec<(String, i64, Option<f64>)> {
    let mut rows: Vec<(String, i64, Option<f64>)> = data
        .iter()
        .flat_map(|(s, r)| r.iter().map(move |&(t, v)| (s.clone(), t, v)))
        .collect();
    let mut rng = Rng(seed);
    for i in (1..rows.len()).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        rows.swap(i, j);
    }
    rows
}

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("stream", DataType::Utf8, false),
        Field::new(
            "ts",
            DataType::Timestamp(TimeUnit::Microsecond, None),
            false,
        ),
        Field::new("v", DataType::Float64, true),
    ]))
}

/// `rows` as record batches of `batch` rows.
fn batches(rows: &[(String, i64, Option<f64>)], batch: usize) -> Vec<RecordBatch> {
    rows.chunks(batch)
        .map(|c| {
            let s: ArrayRef = Arc::new(
                c.iter()
                    .map(|r| Some(r.0.as_str()))
                    .collect::<StringArray>(),
            );
            let t: ArrayRef = Arc::new(
                c.iter()
                    .map(|r| Some(r.1))
                    .collect::<TimestampMicrosecondArray>(),
            );
            let v: ArrayRef = Arc::new(c.iter().map(|r| r.2).collect::<Float64Array>());
            RecordBatch::try_new(schema(), vec![s, t, v]).unwrap()
        })
        .collect()
}

/// A session with the Stratos functions, `partitions` target partitions and `batch_size`, and
/// table `t` holding `rows` spread round-robin over `partitions` memory partitions in batches
/// of `batch_size` rows.
fn session(
    rows: &[(String, i64, Option<f64>)],
    partitions: usize,
    batch_size: usize,
) -> SessionContext {
    let config = SessionConfig::new()
        .with_target_partitions(partitions)
        .with_batch_size(batch_size);
    let ctx = SessionContext::new_with_config(config);
    stratos_datafusion::register_all(&ctx).unwrap();
    let mut parts: Vec<Vec<RecordBatch>> = vec![Vec::new(); partitions];
    for (i, b) in batches(rows, batch_size).into_iter().enumerate() {
        parts[i % partitions].push(b);
    }
    let table = MemTable::try_new(schema(), parts).unwrap();
    ctx.register_table("t", Arc::new(table)).unwrap();
    ctx
}

/// A text column as strings (Utf8, or Utf8View as Parquet reads it).
fn strings(a: &ArrayRef) -> Vec<String> {
    let a = datafusion::arrow::compute::cast(a, &DataType::Utf8).unwrap();
    let a = a.as_string::<i32>();
    (0..a.len()).map(|i| a.value(i).to_owned()).collect()
}

async fn collect(ctx: &SessionContext, sql: &str) -> Vec<RecordBatch> {
    ctx.sql(sql).await.unwrap().collect().await.unwrap()
}

/// The window query: every window function per stream, in (stream, ts) order.
fn window_sql() -> String {
    let w = "OVER (PARTITION BY stream ORDER BY ts)";
    format!(
        "SELECT stream, ts, {SMA} {w} AS sma, {EMA} {w} AS ema, {WMA} {w} AS wma, \
         {ZSCORE} {w} AS z, stratos_anomaly_score(v, '{ANOMALY_CONFIG}') {w} AS score, \
         stratos_trend(ts, v, '{TREND_CONFIG}') {w} AS growth \
         FROM t ORDER BY stream, ts"
    )
}

/// What `stratos run` computes per stream for each window column.
#[derive(Debug, Default)]
struct Expected {
    columns: BTreeMap<&'static str, Vec<f64>>,
}

fn frame(rows: &Stream) -> Frame {
    let times = rows
        .iter()
        .map(|r| Timestamp::from_micros(r.0).unwrap())
        .collect();
    let values = rows.iter().map(|r| r.1.unwrap_or(f64::NAN)).collect();
    Frame::builder()
        .timestamps("timestamp", times)
        .numeric("value", values)
        .build()
        .unwrap()
}

/// Runs `strategy` with `config` through the registry on `frame`, as `stratos run` does, and
/// returns its output column `column`.
fn run_column(strategy: &str, config: serde_json::Value, frame: &Frame, column: &str) -> Vec<f64> {
    let s = stratos_strategies::registry()
        .build(strategy, config)
        .unwrap();
    let result = s.execute(frame).unwrap();
    match result.outputs.get(column) {
        Some(OutputValues::Number(v)) => v.clone(),
        other => panic!("{strategy}: no number column {column}: {other:?}"),
    }
}

fn expected(rows: &Stream) -> Expected {
    let f = frame(rows);
    let json = |t: &str| serde_json::from_str::<serde_json::Value>(t).unwrap();
    let mut e = Expected::default();
    let ma = |kind: &str, period: usize| {
        run_column(
            "moving_average",
            serde_json::json!({"kind": kind, "period": period}),
            &f,
            kind,
        )
    };
    e.columns.insert("sma", ma("sma", 4));
    e.columns.insert("ema", ma("ema", 5));
    e.columns.insert("wma", ma("wma", 3));
    e.columns.insert(
        "z",
        run_column(
            "anomaly_detection",
            serde_json::json!({"method": "z_score", "window_size": 6}),
            &f,
            "zscore",
        ),
    );
    e.columns.insert(
        "score",
        run_column(
            "anomaly_detection",
            json(ANOMALY_CONFIG),
            &f,
            "anomaly_score",
        ),
    );
    e.columns.insert(
        "growth",
        run_column("trend_analysis", json(TREND_CONFIG), &f, "growth"),
    );
    e
}

/// Bit equality, NULL standing for NaN (or for 0 in the anomaly score column).
fn same(column: &str, got: Option<f64>, want: f64) -> bool {
    match got {
        Some(g) => g.to_bits() == want.to_bits(),
        None if column == "score" => want == 0.0,
        None => want.is_nan(),
    }
}

/// Checks the window query's result against `stratos run` on each stream.
fn check_windows(result: &[RecordBatch], data: &BTreeMap<String, Stream>, label: &str) {
    let want: BTreeMap<&String, Expected> = data.iter().map(|(s, r)| (s, expected(r))).collect();
    let mut pos: BTreeMap<String, usize> = BTreeMap::new();
    let mut rows = 0;
    for b in result {
        let streams = strings(b.column(0));
        let times = b
            .column(1)
            .as_primitive::<datafusion::arrow::datatypes::TimestampMicrosecondType>();
        for (i, s) in streams.into_iter().enumerate() {
            let k = pos.entry(s.clone()).or_insert(0);
            let stream = &data[&s];
            assert_eq!(times.value(i), stream[*k].0, "{label}: row order of {s}");
            for (c, name) in ["sma", "ema", "wma", "z", "score", "growth"]
                .iter()
                .enumerate()
            {
                let col = b.column(c + 2).as_primitive::<Float64Type>();
                let got = col.is_valid(i).then(|| col.value(i));
                let w = want[&s].columns[name][*k];
                assert!(
                    same(name, got, w),
                    "{label}: {name} of {s} at row {k}: SQL {got:?}, stratos run {w}"
                );
            }
            *k += 1;
            rows += 1;
        }
    }
    let total: usize = data.values().map(Vec::len).sum();
    assert_eq!(rows, total, "{label}: row count");
}

/// The forecast query's result: stream → [(step, forecast, lower, upper)], or None.
type Forecasts = BTreeMap<String, Option<Vec<(i32, Option<f64>, Option<f64>, Option<f64>)>>>;

fn forecasts(result: &[RecordBatch]) -> Forecasts {
    let mut out = BTreeMap::new();
    for b in result {
        let streams = strings(b.column(0));
        let lists = b.column(1).as_list::<i32>();
        for (i, s) in streams.into_iter().enumerate() {
            if lists.is_null(i) {
                out.insert(s, None);
                continue;
            }
            let steps = lists.value(i);
            let steps = steps.as_struct();
            let step = steps.column(0).as_primitive::<Int32Type>();
            let f = |c: usize, j: usize| {
                let a = steps.column(c).as_primitive::<Float64Type>();
                a.is_valid(j).then(|| a.value(j))
            };
            let rows = (0..steps.len())
                .map(|j| (step.value(j), f(1, j), f(2, j), f(3, j)))
                .collect();
            out.insert(s, Some(rows));
        }
    }
    out
}

/// `stratos run arima_prediction` on each stream.
fn expected_forecasts(data: &BTreeMap<String, Stream>) -> Forecasts {
    let config: serde_json::Value = serde_json::from_str(ARIMA_CONFIG).unwrap();
    data.iter()
        .map(|(s, rows)| {
            let strategy = stratos_strategies::registry()
                .build("arima_prediction", config.clone())
                .unwrap();
            let Ok(r) = strategy.execute(&frame(rows)) else {
                return (s.clone(), None);
            };
            let nums = |v: &serde_json::Value| -> Vec<Option<f64>> {
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(serde_json::Value::as_f64)
                    .collect()
            };
            let mean = nums(&r.data["predictions"]);
            let lower = nums(&r.data["confidenceInterval"]["lower"]);
            let upper = nums(&r.data["confidenceInterval"]["upper"]);
            let steps = (0..mean.len())
                .map(|j| (j as i32 + 1, mean[j], lower[j], upper[j]))
                .collect();
            (s.clone(), Some(steps))
        })
        .collect()
}

/// [`Forecasts`] with each number as its bits.
type ForecastBits = BTreeMap<String, Option<Vec<(i32, Option<u64>, Option<u64>, Option<u64>)>>>;

fn bits(v: &Forecasts) -> ForecastBits {
    v.iter()
        .map(|(s, f)| {
            let f = f.as_ref().map(|steps| {
                steps
                    .iter()
                    .map(|&(k, a, b, c)| {
                        (
                            k,
                            a.map(f64::to_bits),
                            b.map(f64::to_bits),
                            c.map(f64::to_bits),
                        )
                    })
                    .collect()
            });
            (s.clone(), f)
        })
        .collect()
}

/// The quantile query's result: stream → value.
fn quantiles(result: &[RecordBatch]) -> BTreeMap<String, Option<f64>> {
    let mut out = BTreeMap::new();
    for b in result {
        let streams = strings(b.column(0));
        let q = b.column(1).as_primitive::<Float64Type>();
        for (i, s) in streams.into_iter().enumerate() {
            out.insert(s, q.is_valid(i).then(|| q.value(i)));
        }
    }
    out
}

fn sketch_quantile<'a>(values: impl IntoIterator<Item = &'a Option<f64>>, q: f64) -> Option<f64> {
    let mut sketch = QuantileSketch::new(0.01);
    for v in values.into_iter().flatten() {
        sketch.add(*v);
    }
    sketch.quantile(q)
}

fn check_quantiles(result: &[RecordBatch], data: &BTreeMap<String, Stream>, label: &str) {
    let got = quantiles(result);
    assert_eq!(got.len(), data.len(), "{label}: groups");
    for (s, rows) in data {
        let want = sketch_quantile(rows.iter().map(|r| &r.1), 0.9);
        assert_eq!(
            got[s].map(f64::to_bits),
            want.map(f64::to_bits),
            "{label}: p90 of {s}"
        );
    }
}

const FORECAST_SQL: &str = "SELECT stream, stratos_forecast(ts, v, '{\"p\":1,\"d\":1,\"q\":0,\"steps\":3,\"minDataPoints\":10}') AS f FROM t GROUP BY stream";
const QUANTILE_SQL: &str = "SELECT stream, stratos_quantile(v, 0.9) AS q FROM t GROUP BY stream";

async fn check_all(streams: usize, rows: usize, forecast_everywhere: bool) {
    let data = generate(streams, rows, 42 + streams as u64);
    let rows = shuffled(&data, 7);
    let want_forecasts = bits(&expected_forecasts(&data));
    assert!(
        want_forecasts.values().any(Option::is_some),
        "the data must give forecasts"
    );
    for partitions in [1, 2, 4] {
        for batch_size in [7, 8192] {
            let label =
                format!("{streams} streams, {partitions} partitions, batches of {batch_size}");
            let ctx = session(&rows, partitions, batch_size);
            check_windows(&collect(&ctx, &window_sql()).await, &data, &label);
            check_quantiles(&collect(&ctx, QUANTILE_SQL).await, &data, &label);
            if forecast_everywhere || (partitions == 4 && batch_size == 7) {
                let got = bits(&forecasts(&collect(&ctx, FORECAST_SQL).await));
                assert_eq!(got, want_forecasts, "{label}: forecasts");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_stream_equals_stratos_run() {
    check_all(1, 400, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_streams_equal_stratos_run() {
    check_all(10, 80, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_streams_equal_stratos_run() {
    check_all(1000, 24, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_quantile_over_all_partitions_merges_the_sketch_states() {
    let data = generate(10, 50, 3);
    let rows = shuffled(&data, 9);
    let want = sketch_quantile(rows.iter().map(|r| &r.2), 0.5);
    for partitions in [1, 3, 4] {
        let ctx = session(&rows, partitions, 7);
        let r = collect(&ctx, "SELECT stratos_quantile(v, 0.5) AS q FROM t").await;
        let q = r[0].column(0).as_primitive::<Float64Type>();
        assert_eq!(q.len(), 1);
        assert_eq!(
            q.is_valid(0).then(|| q.value(0)).map(f64::to_bits),
            want.map(f64::to_bits),
            "{partitions} partitions"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_split_across_parquet_row_groups_and_batches() {
    let data = generate(3, 120, 11);
    let rows = shuffled(&data, 5);
    let dir =
        std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("stratos-datafusion-parquet");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("readings.parquet");
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(13))
        .build();
    let file = std::fs::File::create(&path).unwrap();
    let mut w = ArrowWriter::try_new(file, schema(), Some(props)).unwrap();
    for b in batches(&rows, 5) {
        w.write(&b).unwrap();
    }
    let meta = w.close().unwrap();
    assert!(meta.num_row_groups() > 20, "many row groups");
    for (partitions, batch_size) in [(1, 4), (3, 11), (4, 8192)] {
        let config = SessionConfig::new()
            .with_target_partitions(partitions)
            .with_batch_size(batch_size);
        let ctx = SessionContext::new_with_config(config);
        stratos_datafusion::register_all(&ctx).unwrap();
        ctx.register_parquet("t", path.to_str().unwrap(), ParquetReadOptions::default())
            .await
            .unwrap();
        let label = format!("parquet, {partitions} partitions, batches of {batch_size}");
        check_windows(&collect(&ctx, &window_sql()).await, &data, &label);
        check_quantiles(&collect(&ctx, QUANTILE_SQL).await, &data, &label);
        let got = bits(&forecasts(&collect(&ctx, FORECAST_SQL).await));
        assert_eq!(got, bits(&expected_forecasts(&data)), "{label}: forecasts");
    }
}
