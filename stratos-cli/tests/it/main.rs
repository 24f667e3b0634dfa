//! The CLI's integration tests, one binary: the built `stratos` run end to end (exact
//! stdout, exit codes, one-line stderr) for every command, and every `--help` example.
#![allow(clippy::float_cmp, clippy::unwrap_used, clippy::expect_used)]

mod backtest;
mod backtest_flags;
mod cli;
mod common;
mod cross_format;
mod evaluate;
mod help_examples;
mod hostile;
mod input_path;
mod inputs;
mod parquet;
mod plot_chart;
mod run_groups;
#[cfg(feature = "sql")]
mod sql;
mod stationarity;
mod stream;
mod svg;
