//! `stratos backtest --sl/--tp/--margin/--hedging/--exclusive-orders`: the CLI reaches every
//! broker setting the library has, and reproduces backtesting.py's own answers for them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::common::{json, stderr, stratos};
use stratos_eval::backtest::signals::MovingAverageSignals;
use stratos_eval::backtest::{
    BacktestConfig, Bars, Bracket, Commission, LookAheadCheck, SignalMode, run_source,
};

/// A backtesting.py conformance case (made by `tests/data/conformance/backtest/make_cases.py`).
fn case(name: &str) -> serde_json::Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data/conformance/backtest")
        .join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// The case's GOOG bars as a CSV file.
fn bars_csv(case: &serde_json::Value, name: &str) -> PathBuf {
    let o = &case["input"]["ohlcv"];
    let col = |k: &str| o[k].as_array().unwrap().clone();
    let (t, open, high, low, close, vol) = (
        col("timestamps"),
        col("open"),
        col("high"),
        col("low"),
        col("close"),
        col("volume"),
    );
    let mut text = String::from("Date,Open,High,Low,Close,Volume\n");
    for i in 0..t.len() {
        writeln!(
            text,
            "{},{},{},{},{},{}",
            t[i].as_str().unwrap(),
            open[i],
            high[i],
            low[i],
            close[i],
            vol[i]
        )
        .unwrap();
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("backtest_flags");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.csv"));
    std::fs::write(&path, text).unwrap();
    path
}

fn rel(got: f64, want: f64) -> f64 {
    (got - want).abs() / want.abs().max(1.0)
}

/// Runs the case through the CLI with `flags` and checks the trade count and the final
/// equity, return and drawdown against backtesting.py.
fn check(name: &str, flags: &[&str]) {
    let c = case(name);
    let p = &c["params_in"];
    let path = bars_csv(&c, name);
    let config = format!(r#"{{"fast":{},"slow":{}}}"#, p["n1"], p["n2"]);
    let (cash, commission) = (p["cash"].to_string(), p["commission"].to_string());
    let mut args = vec![
        "backtest",
        "moving_average",
        path.to_str().unwrap(),
        "--config",
        &config,
        "--cash",
        &cash,
        "--commission",
        &commission,
        "--format",
        "json",
    ];
    args.extend_from_slice(flags);
    let got = json(&args);
    let want = &c["expected"]["stats"];
    assert_eq!(got["stats"]["# Trades"], want["# Trades"], "{name}");
    for key in [
        "Equity Final [$]",
        "Return [%]",
        "Max. Drawdown [%]",
        "Win Rate [%]",
    ] {
        let (g, w) = (
            got["stats"][key].as_f64().unwrap(),
            want[key].as_f64().unwrap(),
        );
        assert!(
            rel(g, w) < 1e-9,
            "{name} {key}: stratos {g}, backtesting.py {w}"
        );
    }
}

#[test]
fn stop_loss_take_profit_and_spread_match_backtesting_py() {
    // buy(sl=C*(1-0.05), tp=C*(1+0.10)) with exclusive orders, spread 0.001.
    check(
        "backtest_goog_sma10_20_sl5_tp10_spread",
        &["--sl", "5%", "--tp", "10%", "--spread", "0.001"],
    );
}

#[test]
fn margin_without_exclusive_orders_matches_backtesting_py() {
    // margin 0.5 (2:1), trades accumulate (exclusive_orders=False), a 3 % stop-loss.
    check(
        "backtest_goog_sma10_30_netting_margin_sl3",
        &[
            "--margin",
            "0.5",
            "--exclusive-orders",
            "false",
            "--sl",
            "3 %",
        ],
    );
}

/// The sample's SMA(10)/SMA(20) crossover with commission 0.2 % through the library with
/// `config` and through the CLI with `flags`: the same trades and final equity.
fn same_as_library(config: BacktestConfig, flags: &[&str]) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data/ohlcv_daily.csv");
    let frame = stratos_ingest::read_path(&path, &stratos_ingest::ReadOptions::default()).unwrap();
    let bars = Bars::from_frame(&frame).unwrap();
    let config = BacktestConfig {
        commission: Commission::relative(0.002),
        ..config
    };
    let source = MovingAverageSignals::crossover(10, 20).unwrap();
    let lib = run_source(&bars, &source, &config, LookAheadCheck::Off).unwrap();
    let mut args = vec![
        "backtest",
        "moving_average",
        path.to_str().unwrap(),
        "--config",
        r#"{"fast":10,"slow":20}"#,
        "--commission",
        "0.002",
        "--format",
        "json",
    ];
    args.extend_from_slice(flags);
    let got = json(&args);
    assert_eq!(got["stats"]["# Trades"], lib.stats.trades, "{flags:?}");
    assert_eq!(
        got["stats"]["Equity Final [$]"].as_f64().unwrap(),
        lib.stats.equity_final,
        "{flags:?}"
    );
    got
}

#[test]
fn hedging_and_price_levels_equal_the_library_run() {
    let hedged = same_as_library(
        BacktestConfig {
            hedging: true,
            exclusive_orders: false,
            stop_loss: Some(Bracket::Fraction(0.04)),
            take_profit: Some(Bracket::Fraction(0.08)),
            ..BacktestConfig::default()
        },
        &[
            "--hedging",
            "--exclusive-orders=false",
            "--sl",
            "4%",
            "--tp",
            "8%",
        ],
    );
    // A price level: a stop at 50 under every long of a long-only run.
    same_as_library(
        BacktestConfig {
            exclusive_orders: true,
            signal_mode: SignalMode::LongOnly,
            stop_loss: Some(Bracket::Price(50.0)),
            ..BacktestConfig::default()
        },
        &["--signal-mode", "long-only", "--sl", "50"],
    );
    // The flags changed the answer: the default (exclusive, no brackets) trades differently.
    let plain = same_as_library(
        BacktestConfig {
            exclusive_orders: true,
            ..BacktestConfig::default()
        },
        &[],
    );
    assert_ne!(
        plain["stats"]["Equity Final [$]"],
        hedged["stats"]["Equity Final [$]"]
    );
}

#[test]
fn bad_brackets_and_margins_are_usage_errors() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data/ohlcv_daily.csv");
    let path = path.to_str().unwrap();
    for (flag, value, says) in [
        ("--sl=-3%", "", "above 0%"),
        ("--tp", "150%", "below 100%"),
        ("--sl", "abc", "neither a percentage"),
        ("--sl", "0", "above 0"),
        ("--margin", "0", "margin"),
        ("--margin", "2", "margin"),
    ] {
        let mut args = vec!["backtest", "moving_average", path, flag];
        if !value.is_empty() {
            args.push(value);
        }
        let o = stratos(&args);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{flag} {value}: {}", stderr(&o));
    }
}
