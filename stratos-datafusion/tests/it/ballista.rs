//! The same SQL on a Ballista cluster and in one process gives the same results.
//!
//! The test starts, on 127.0.0.1 and free ports, a scheduler and two executors built with
//! Stratos' functions (`stratos_datafusion::ballista`), connects a client session to the
//! scheduler, and runs every Stratos window function per stream, and both aggregates per
//! stream, over a Parquet table (several streams, rows shuffled, missing values, the streams
//! split across files and row groups). The cluster's batches, printed, must equal the
//! single-process `SessionContext`'s to the last digit.
//!
//! Ignored by default: the feature compiles Ballista (scheduler, executor, gRPC), longer than
//! CI's time budget allows. Run it with
//! `cargo test -p stratos-datafusion --features ballista --test it ballista -- --ignored`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use datafusion::arrow::array::{
    ArrayRef, AsArray, Float64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema, TimeUnit};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::file::properties::WriterProperties;
use datafusion::prelude::{ParquetReadOptions, SessionContext};
use stratos_datafusion::ballista::{
    ExecutorProcessConfig, SchedulerConfig, build_scheduler, remote, run_executor, serve_scheduler,
};

const STREAMS: usize = 6;
const ROWS: usize = 240;
const BASE_MICROS: i64 = 1_735_689_600_000_000; // 2025-01-01T00:00:00Z

/// Every Stratos window function per stream (`ORDER BY` appended for the comparison).
const WINDOW_SELECT: &str = r#"
SELECT stream_id, ts, value,
       stratos_sma(value, 4) OVER w AS sma,
       stratos_ema(value, 5) OVER w AS ema,
       stratos_wma(value, 3) OVER w AS wma,
       stratos_zscore(value, 20) OVER w AS z,
       stratos_anomaly_score(value, '{"method":"iqr","window_size":16,"threshold":1.5}') OVER w AS anomaly,
       stratos_trend(ts, value, '{"time_window":12,"buckets":3,"growth_threshold":1.05,"min_baseline":0}') OVER w AS trend
FROM ticks
WINDOW w AS (PARTITION BY stream_id ORDER BY ts)"#;

/// Both Stratos aggregates per stream (the quantile sketch's partial states merge across
/// partitions and executors).
const AGGREGATE_QUERY: &str = r#"
SELECT stream_id,
       count(value) AS n,
       stratos_quantile(value, 0.5) AS p50,
       stratos_quantile(value, 0.95) AS p95,
       stratos_forecast(ts, value, '{"p":1,"d":1,"q":0,"steps":3,"minDataPoints":10}') AS forecast
FROM ticks
GROUP BY stream_id
ORDER BY stream_id"#;

/// SplitMix64: the data is the same on every run.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `STREAMS` random walks of `ROWS` rows (about 5% missing), shuffled, written as three
/// Parquet files of 64-row row groups into `dir`.
fn write_table(dir: &Path) {
    let mut rng = Rng(14);
    let mut rows = Vec::new();
    for s in 0..STREAMS {
        let mut level = 50.0 + 20.0 * rng.unit();
        for i in 0..ROWS {
            level += rng.unit() - 0.5;
            let jump = if rng.unit() < 0.03 { 12.0 } else { 0.0 };
            let value = (rng.unit() >= 0.05).then_some(level + jump + 0.3 * rng.unit());
            rows.push((
                format!("s{s:02}"),
                BASE_MICROS + i as i64 * 1_000_000,
                value,
            ));
        }
    }
    for i in (1..rows.len()).rev() {
        let j = (rng.unit() * (i + 1) as f64) as usize;
        rows.swap(i, j.min(i));
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("stream_id", DataType::Utf8, false),
        Field::new(
            "ts",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("value", DataType::Float64, true),
    ]));
    let per_file = rows.len().div_ceil(3);
    for (k, chunk) in rows.chunks(per_file).enumerate() {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(
                chunk.iter().map(|r| r.0.as_str()),
            )),
            Arc::new(
                TimestampMicrosecondArray::from_iter_values(chunk.iter().map(|r| r.1))
                    .with_timezone("UTC"),
            ),
            Arc::new(Float64Array::from_iter(chunk.iter().map(|r| r.2))),
        ];
        let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
        let file = std::fs::File::create(dir.join(format!("part-{k}.parquet"))).unwrap();
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(64))
            .build();
        let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(props)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
    }
}

/// A fresh directory under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir =
            std::env::temp_dir().join(format!("stratos-ballista-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts a scheduler and two executors on 127.0.0.1; returns the scheduler's URL once both
/// executors have registered.
async fn start_cluster() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let config = SchedulerConfig {
        bind_host: "127.0.0.1".into(),
        external_host: "127.0.0.1".into(),
        bind_port: port,
        ..Default::default()
    };
    let scheduler = build_scheduler(config).await.unwrap();
    let state = scheduler.state.clone();
    tokio::spawn(serve_scheduler(scheduler, listener));
    for _ in 0..2 {
        let config = ExecutorProcessConfig {
            bind_host: "127.0.0.1".into(),
            external_host: Some("127.0.0.1".into()),
            port: free_port(),
            grpc_port: free_port(),
            scheduler_host: "127.0.0.1".into(),
            scheduler_port: port,
            vcores: 2,
            ..Default::default()
        };
        tokio::spawn(run_executor(config));
    }
    for _ in 0..300 {
        let executors = state.executor_manager.get_executors_state().await.unwrap();
        if executors.len() == 2 {
            return format!("df://127.0.0.1:{port}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the two executors did not register with the scheduler within 30 s");
}

async fn run(ctx: &SessionContext, sql: &str) -> (usize, String) {
    let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
    let rows = batches.iter().map(RecordBatch::num_rows).sum();
    (rows, pretty_format_batches(&batches).unwrap().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "builds Ballista (scheduler, executor, gRPC): longer than CI's 30 minutes; run with --features ballista -- --ignored"]
async fn cluster_results_equal_single_process_results() {
    let dir = TempDir::new();
    write_table(&dir.0);
    let table = format!("{}/", dir.0.display());

    let url = start_cluster().await;
    let cluster = remote(&url).await.unwrap();
    cluster
        .register_parquet("ticks", &table, ParquetReadOptions::default())
        .await
        .unwrap();

    let local = SessionContext::new();
    stratos_datafusion::register_all(&local).unwrap();
    local
        .register_parquet("ticks", &table, ParquetReadOptions::default())
        .await
        .unwrap();

    // The functions do compute: every output column has values.
    let counts = format!(
        "SELECT count(sma) AS sma, count(ema) AS ema, count(wma) AS wma, count(z) AS z, \
         count(anomaly) AS anomaly, count(trend) AS trend FROM ({WINDOW_SELECT})"
    );
    let batches = local.sql(&counts).await.unwrap().collect().await.unwrap();
    for (i, column) in batches[0].columns().iter().enumerate() {
        let n = column.as_primitive::<Int64Type>().value(0);
        assert!(n > 0, "column {i} of the window query has no value");
    }

    let window_query = format!("{WINDOW_SELECT}\nORDER BY stream_id, ts");
    // The cluster's plan is distributed: stages joined by a shuffle on the stream.
    let (_, plan) = run(&cluster, &format!("EXPLAIN {window_query}")).await;
    assert!(
        plan.contains("distributed_plan") && plan.contains("ShuffleWriterExec"),
        "{plan}"
    );
    for (sql, rows) in [
        (window_query.as_str(), STREAMS * ROWS),
        (AGGREGATE_QUERY, STREAMS),
    ] {
        let (local_rows, local_text) = run(&local, sql).await;
        let (cluster_rows, cluster_text) = run(&cluster, sql).await;
        assert_eq!(local_rows, rows, "{sql}");
        assert_eq!(cluster_rows, rows, "{sql}");
        assert_eq!(cluster_text, local_text, "{sql}");
    }
}
