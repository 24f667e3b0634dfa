//! The DataFusion side of `bench/run.sh`: a per-stream rolling z-score over a Parquet file, and
//! the plain Parquet scan, timed in one process.
//!
//! ```sh
//! cargo run --release -p stratos-datafusion --example bench_zscore -- \
//!     zscore /tmp/stratos-bench/ticks.parquet --window 100 --partitions 2
//! ```
//!
//! Modes: `zscore` (`stratos_zscore(value, w) OVER (PARTITION BY stream_id ORDER BY ts)`),
//! `zscore-builtin` (the same z-score from DataFusion's own `avg`/`stddev` over a
//! `ROWS BETWEEN w PRECEDING AND 1 PRECEDING` frame) and `scan` (every column of every row read
//! into Arrow batches). Prints `RESULT <mode> <rows> <seconds>`: the best of `--repeat` runs,
//! wall time from the file to the last batch.

use std::time::Instant;

use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::Int64Type;
use datafusion::error::{DataFusionError, Result};
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};

struct Args {
    mode: String,
    parquet: String,
    window: usize,
    partitions: usize,
    repeat: usize,
}

fn parse_args() -> Result<Args> {
    let mut it = std::env::args().skip(1);
    let usage = || {
        DataFusionError::Configuration(
            "usage: bench_zscore zscore|zscore-builtin|scan FILE.parquet [--window N] \
             [--partitions N] [--repeat N]"
                .to_string(),
        )
    };
    let mode = it.next().ok_or_else(usage)?;
    let parquet = it.next().ok_or_else(usage)?;
    let mut args = Args {
        mode,
        parquet,
        window: 100,
        partitions: std::thread::available_parallelism().map_or(1, |n| n.get()),
        repeat: 3,
    };
    while let Some(flag) = it.next() {
        let value: usize = it.next().and_then(|v| v.parse().ok()).ok_or_else(usage)?;
        match flag.as_str() {
            "--window" => args.window = value,
            "--partitions" => args.partitions = value.max(1),
            "--repeat" => args.repeat = value.max(1),
            _ => return Err(usage()),
        }
    }
    Ok(args)
}

fn query(args: &Args) -> Result<String> {
    let w = args.window;
    Ok(match args.mode.as_str() {
        "zscore" => format!(
            "SELECT count(z) AS scored, count(*) AS n FROM (\
               SELECT stratos_zscore(value, {w}) OVER (PARTITION BY stream_id ORDER BY ts) AS z \
               FROM ticks)"
        ),
        "zscore-builtin" => format!(
            "SELECT count(z) AS scored, count(*) AS n FROM (\
               SELECT CASE WHEN count(value) OVER w = {w} \
                 THEN (value - avg(value) OVER w) / nullif(stddev(value) OVER w, 0) END AS z \
               FROM ticks \
               WINDOW w AS (PARTITION BY stream_id ORDER BY ts \
                            ROWS BETWEEN {w} PRECEDING AND 1 PRECEDING))"
        ),
        "scan" => "SELECT ts, stream_id, value FROM ticks".to_string(),
        other => {
            return Err(DataFusionError::Configuration(format!(
                "unknown mode `{other}` (zscore, zscore-builtin, scan)"
            )));
        }
    })
}

async fn run_once(args: &Args, sql: &str) -> Result<(u64, Option<u64>)> {
    let config = SessionConfig::new().with_target_partitions(args.partitions);
    let ctx = SessionContext::new_with_config(config);
    stratos_datafusion::register_all(&ctx)?;
    ctx.register_parquet("ticks", &args.parquet, ParquetReadOptions::default())
        .await?;
    let batches = ctx.sql(sql).await?.collect().await?;
    if args.mode == "scan" {
        let rows = batches.iter().map(|b| b.num_rows() as u64).sum();
        return Ok((rows, None));
    }
    let batch = batches
        .first()
        .ok_or_else(|| DataFusionError::Execution("the count query returned no batch".into()))?;
    let count = |i: usize| -> Result<u64> {
        let column = batch
            .column(i)
            .as_primitive_opt::<Int64Type>()
            .ok_or_else(|| {
                DataFusionError::Execution(format!("column {i} of the count query is not Int64"))
            })?;
        if column.is_empty() {
            return Err(DataFusionError::Execution("empty count column".into()));
        }
        u64::try_from(column.value(0))
            .map_err(|e| DataFusionError::Execution(format!("negative count: {e}")))
    };
    Ok((count(1)?, Some(count(0)?)))
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = parse_args()?;
    let sql = query(&args)?;
    let mut best = f64::INFINITY;
    let mut outcome = (0, None);
    for _ in 0..args.repeat {
        let start = Instant::now();
        outcome = run_once(&args, &sql).await?;
        best = best.min(start.elapsed().as_secs_f64());
    }
    let (rows, scored) = outcome;
    let extra = scored.map_or(String::new(), |s| format!(" (scored {s})"));
    println!("RESULT datafusion-{} {rows} {best:.3}{extra}", args.mode);
    Ok(())
}
