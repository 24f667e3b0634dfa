//! End-to-end tests of `stratos backtest`: the report agrees with the library, the JSON and
//! CSV shapes, the SVG chart, sweeps, walk-forward, rolling-origin evaluation, exit codes.
#![allow(clippy::float_cmp, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use super::common::{json, ok, stderr, stdout, stratos};
use stratos_eval::backtest::signals::MovingAverageSignals;
use stratos_eval::backtest::{
    BacktestConfig, BacktestResult, Bars, Commission, LookAheadCheck, run_source,
};

/// The bundled sample: 2 500 daily OHLCV bars.
fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data/ohlcv_daily.csv")
}

fn xlsx() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ohlcv_300.xlsx")
}

fn tmp(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("backtest");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The README example through the library: SMA(10)/SMA(20) crossover, commission 0.2 %,
/// exclusive orders, everything else backtesting.py's defaults; the look-ahead guard on.
fn library_run(path: &Path) -> BacktestResult {
    let frame = stratos_ingest::read_path(path, &stratos_ingest::ReadOptions::default()).unwrap();
    let bars = Bars::from_frame(&frame).unwrap();
    let config = BacktestConfig {
        commission: Commission::relative(0.002),
        exclusive_orders: true,
        ..BacktestConfig::default()
    };
    let source = MovingAverageSignals::crossover(10, 20).unwrap();
    run_source(&bars, &source, &config, LookAheadCheck::Sampled(50)).unwrap()
}

const EXAMPLE_CONFIG: &str = r#"{"fast":10,"slow":20}"#;

fn example_args<'a>(path: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "backtest",
        "moving_average",
        path,
        "--config",
        EXAMPLE_CONFIG,
        "--commission",
        "0.002",
    ];
    a.extend_from_slice(extra);
    a
}

/// The value on the report line that starts with `key`.
fn line_value<'a>(report: &'a str, key: &str) -> &'a str {
    report
        .lines()
        .find(|l| l.starts_with(key) && l[key.len()..].starts_with("  "))
        .unwrap_or_else(|| panic!("no `{key}` line in\n{report}"))[key.len()..]
        .trim()
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-6 * want.abs().max(1.0)
}

#[test]
fn report_agrees_with_the_library() {
    let path = sample();
    let lib = library_run(&path);
    let o = stratos(&example_args(path.to_str().unwrap(), &[]));
    assert!(o.status.success(), "{}", stderr(&o));
    let report = stdout(&o);
    let s = &lib.stats;
    assert_eq!(line_value(&report, "Start"), "2015-01-02 00:00:00");
    assert_eq!(line_value(&report, "# Trades"), s.trades.to_string());
    for (key, want) in [
        ("Equity Final [$]", s.equity_final),
        ("Return [%]", s.return_pct),
        ("Buy & Hold Return [%]", s.buy_hold_return_pct),
        ("Sharpe Ratio", s.sharpe_ratio),
        ("Max. Drawdown [%]", s.max_drawdown_pct),
        ("Win Rate [%]", s.win_rate_pct),
        ("SQN", s.sqn),
        ("Commissions [$]", s.commissions),
    ] {
        let got: f64 = line_value(&report, key).parse().unwrap();
        assert!(close(got, want), "{key}: printed {got}, library {want}");
    }
    assert_eq!(
        line_value(&report, "total_trades"),
        lib.summary.total_trades.to_string()
    );
    let total_return: f64 = line_value(&report, "total_return").parse().unwrap();
    assert!(close(total_return, lib.summary.total_return));
    assert!(report.contains("moving_average(sma,fast=10,slow=20)"));
    // The trade still open at the end is reported, and warned about on stderr.
    assert_eq!(lib.open_trades.len(), 1);
    assert!(report.contains("open at the end"));
    assert_eq!(
        stderr(&o),
        "stratos: warning: 1 trade(s) remain open at the end of the backtest; they count in equity but not in the trade statistics\n"
    );
}

#[test]
fn json_has_stats_by_backtesting_py_names_summary_trades_and_equity() {
    let path = sample();
    let lib = library_run(&path);
    let v = json(&example_args(path.to_str().unwrap(), &["--format", "json"]));
    let stats = &v["stats"];
    assert_eq!(stats["# Trades"], lib.stats.trades);
    assert_eq!(stats["Return [%]"].as_f64().unwrap(), lib.stats.return_pct);
    assert_eq!(
        stats["Sharpe Ratio"].as_f64().unwrap(),
        lib.stats.sharpe_ratio
    );
    assert_eq!(stats["Duration"]["timedelta"], "3499 days 00:00:00");
    let keys: Vec<&String> = stats.as_object().unwrap().keys().collect();
    assert_eq!(
        keys.len(),
        32,
        "every statistic, Commissions included: {keys:?}"
    );
    for key in [
        "total_trades",
        "winning_trades",
        "win_rate",
        "total_return",
        "sharpe_ratio",
        "max_drawdown",
    ] {
        assert!(v.get(key).is_some(), "no `{key}`");
    }
    assert_eq!(v["strategy_id"], "moving_average");
    assert_eq!(v["backtest_period"], "2015-01-02 to 2024-08-01");
    assert_eq!(v["total_trades"], lib.summary.total_trades);
    assert_eq!(v["winning_trades"], lib.summary.winning_trades);
    let trades = v["trades"].as_array().unwrap();
    assert_eq!(trades.len(), lib.trades.len());
    assert_eq!(trades[0]["entry_bar"], lib.trades[0].entry_bar);
    assert_eq!(trades[0]["size"], lib.trades[0].size);
    assert_eq!(v["open_trades"].as_array().unwrap().len(), 1);
    let equity = v["equity"].as_array().unwrap();
    assert_eq!(equity.len(), 2500);
    assert_eq!(equity[0]["Equity"], 10_000.0);
    assert_eq!(
        equity[2499]["Equity"].as_f64().unwrap(),
        lib.stats.equity_final
    );
    assert!(equity[2499].get("DrawdownPct").is_some());
}

#[test]
fn csv_writes_trades_or_the_equity_curve() {
    let path = sample();
    let lib = library_run(&path);
    let trades = ok(&example_args(path.to_str().unwrap(), &["--format", "csv"]));
    let mut lines = trades.lines();
    assert_eq!(
        lines.next().unwrap(),
        "Size,EntryBar,ExitBar,EntryPrice,ExitPrice,SL,TP,PnL,Commission,ReturnPct,EntryTime,ExitTime,Duration,ExitReason"
    );
    let first: Vec<&str> = lines.next().unwrap().split(',').collect();
    let t = &lib.trades[0];
    assert_eq!(first[0], t.size.to_string());
    assert_eq!(first[1], t.entry_bar.to_string());
    assert_eq!(first[7].parse::<f64>().unwrap(), t.pnl);
    assert_eq!(trades.lines().count(), 1 + lib.trades.len());

    let equity = ok(&example_args(
        path.to_str().unwrap(),
        &["--format", "csv", "--csv", "equity"],
    ));
    let rows: Vec<&str> = equity.lines().collect();
    assert_eq!(rows[0], "timestamp,Equity,DrawdownPct,DrawdownDuration");
    assert_eq!(rows.len(), 2501);
    assert!(rows[1].starts_with("2015-01-02T00:00:00Z,10000,0,"));
}

#[test]
fn plot_writes_a_well_formed_svg_with_every_series_and_trade() {
    let path = sample();
    let lib = library_run(&path);
    let svg_path = tmp("sample.svg");
    let _ = std::fs::remove_file(&svg_path);
    ok(&example_args(
        path.to_str().unwrap(),
        &["--plot", svg_path.to_str().unwrap()],
    ));
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    assert!(svg.starts_with("<svg"));
    let (counts, texts) = super::svg::parse(&svg);
    assert_eq!(counts.get("svg"), Some(&1));
    // One entry triangle per trade (closed or open), one exit ring per closed trade; the
    // 2 500 bars' volume as two areas (each pixel column's highest bar and mean).
    let all = lib.trades.len() + lib.open_trades.len();
    assert_eq!(counts.get("polygon"), Some(&(all + 2)));
    assert_eq!(counts.get("circle"), Some(&lib.trades.len()));
    // Price, equity and drawdown lines.
    for colour in ["#1E50A0", "#146E78", "#BE3232"] {
        assert_eq!(
            counts.get(&format!("polyline {colour}")),
            Some(&1),
            "{colour}"
        );
    }
    for label in ["Price", "Equity", "Drawdown %"] {
        assert!(
            texts.iter().any(|t| t == label),
            "no `{label}` in {texts:?}"
        );
    }
    let dates = texts
        .iter()
        .filter(|t| t.len() == 10 && t.as_bytes()[4] == b'-' && t.starts_with("20"))
        .count();
    assert!(dates >= 4, "date labels on the time axis: {texts:?}");
    assert!(
        texts
            .iter()
            .any(|t| t.contains("moving_average(sma,fast=10,slow=20)"))
    );
}

#[test]
fn xlsx_input_with_capitalised_columns_equals_the_same_bars_as_csv() {
    let csv_path = tmp("ohlcv_300.csv");
    let text = std::fs::read_to_string(sample()).unwrap();
    let head: Vec<&str> = text.lines().take(301).collect();
    std::fs::write(&csv_path, head.join("\n") + "\n").unwrap();
    let from_xlsx = json(&example_args(
        xlsx().to_str().unwrap(),
        &["--format", "json"],
    ));
    let from_csv = json(&example_args(
        csv_path.to_str().unwrap(),
        &["--format", "json"],
    ));
    assert_eq!(from_xlsx["stats"], from_csv["stats"]);
    assert_eq!(from_xlsx["trades"], from_csv["trades"]);
}

#[test]
fn start_end_and_close_open_trades() {
    let path = sample();
    let p = path.to_str().unwrap();
    let v = json(&example_args(
        p,
        &[
            "--start",
            "2016-01-01",
            "--end",
            "2016-12-31",
            "--close-open-trades",
            "--format",
            "json",
        ],
    ));
    assert_eq!(v["backtest_period"], "2016-01-01 to 2016-12-30");
    assert_eq!(v["open_trades"].as_array().unwrap().len(), 0);
    let last = v["trades"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["exit_reason"], "end_of_data");
    let on_close = json(&example_args(p, &["--trade-on-close", "--format", "json"]));
    let t = &on_close["trades"][0];
    // At the signal bar's close: entry bar = the bar the crossover happened on.
    assert_eq!(t["entry_bar"].as_u64().unwrap() + 1, {
        let default = json(&example_args(p, &["--format", "json"]));
        default["trades"][0]["entry_bar"].as_u64().unwrap()
    });
}

#[test]
fn sweep_best_equals_a_single_run_with_its_parameters() {
    let path = sample();
    let p = path.to_str().unwrap();
    let sweep = json(&[
        "backtest",
        "moving_average",
        p,
        "--commission",
        "0.002",
        "--grid",
        "fast=5..30:5,slow=20..100:10",
        "--rank-by",
        "Sharpe Ratio",
        "--format",
        "json",
        "--top",
        "3",
    ]);
    assert_eq!(sweep["combinations"], 54);
    // The strategy rejects fast ≥ slow: (20, 20), (25, 20), (30, 20) and (30, 30).
    assert_eq!(sweep["skipped"], 4);
    let results = sweep["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let s0 = results[0]["stats"]["Sharpe Ratio"].as_f64().unwrap();
    let s1 = results[1]["stats"]["Sharpe Ratio"].as_f64().unwrap();
    assert!(s0 >= s1);
    let best = results[0]["params"].to_string();
    let single = json(&[
        "backtest",
        "moving_average",
        p,
        "--commission",
        "0.002",
        "--config",
        &best,
        "--format",
        "json",
    ]);
    assert_eq!(single["stats"], results[0]["stats"]);
}

#[test]
fn walk_forward_reports_out_of_sample_windows() {
    let path = sample();
    let v = json(&[
        "backtest",
        "moving_average",
        path.to_str().unwrap(),
        "--grid",
        "fast=5..15:5,slow=20..40:10",
        "--walk-forward",
        "1000:500",
        "--rank-by",
        "Return [%]",
        "--format",
        "json",
    ]);
    let windows = v["windows"].as_array().unwrap();
    // Tests at 1000, 1500, 2000 (the last one 500 bars).
    assert_eq!(windows.len(), 3);
    assert_eq!(windows[0]["test_bars"], serde_json::json!([1000, 1500]));
    assert!(v["out_of_sample"]["Return [%]"].is_number());
}

#[test]
fn evaluate_scores_arima_forecasts_per_horizon() {
    let path = sample();
    let v = json(&[
        "backtest",
        "arima_prediction",
        path.to_str().unwrap(),
        "--config",
        r#"{"p":1,"d":1,"q":0}"#,
        "--evaluate",
        r#"{"horizon":3,"step":250,"initial":1000}"#,
        "--format",
        "json",
    ]);
    let eval = &v["evaluation"];
    assert_eq!(eval["forecaster"], "arima(1, 1, 0)");
    let horizons = eval["horizons"].as_array().unwrap();
    assert_eq!(horizons.len(), 3);
    // Origins 1000, 1250, …, 2250 (2500 would need values past the end).
    assert_eq!(horizons[0]["count"], 6);
    let acc = v["average_accuracy"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&acc));
    assert_eq!(v["baseline"]["forecaster"], "naive");
    let o = stratos(&[
        "backtest",
        "moving_average",
        path.to_str().unwrap(),
        "--evaluate",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn arima_backtest_reports_average_accuracy_from_a_rolling_origin() {
    let path = sample();
    let v = json(&[
        "backtest",
        "arima_prediction",
        path.to_str().unwrap(),
        "--config",
        r#"{"p":1,"d":1,"q":0,"steps":3,"signal_threshold":0}"#,
        "--start",
        "2023-06-01",
        "--refit-every",
        "25",
        "--format",
        "json",
    ]);
    let acc = v["average_accuracy"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&acc));
    let eval = &v["evaluation"];
    assert_eq!(eval["average_accuracy"].as_f64().unwrap(), acc);
    // Aligned with the refits: an origin every 25 bars from minDataPoints (100), horizon 3.
    assert_eq!(eval["config"]["step"], 25);
    assert_eq!(eval["config"]["initial"], 100);
    assert_eq!(eval["horizons"].as_array().unwrap().len(), 3);
    assert!(v["stats"]["# Trades"].as_u64().unwrap() > 0);
}

#[test]
fn errors_have_exit_codes_and_one_line() {
    let path = sample();
    let p = path.to_str().unwrap();
    let code = |args: &[&str]| {
        let o = stratos(args);
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("stratos: "), "{err}");
        (o.status.code(), err)
    };
    let (c, err) = code(&["backtest", "moving_average", "no/such/file.csv"]);
    assert_eq!(c, Some(66), "{err}");
    let no_ohlc = tmp("no_ohlc.csv");
    std::fs::write(&no_ohlc, "date,price\n2024-01-01,1\n2024-01-02,2\n").unwrap();
    let (c, err) = code(&["backtest", "moving_average", no_ohlc.to_str().unwrap()]);
    assert_eq!(c, Some(65), "{err}");
    assert!(err.contains("open"), "{err}");
    let (c, err) = code(&["backtest", "moving_average", p, "--grid", "fast=5..x:5"]);
    assert_eq!(c, Some(2), "{err}");
    let (c, _) = code(&["backtest", "moving_average", p, "--grid", "fast"]);
    assert_eq!(c, Some(2));
    let (c, err) = code(&[
        "backtest",
        "moving_average",
        p,
        "--grid",
        "fast=5|10",
        "--rank-by",
        "Sharpness",
    ]);
    assert_eq!(c, Some(2), "{err}");
    let (c, err) = code(&["backtest", "anomaly_detection", p]);
    assert_eq!(c, Some(2), "{err}");
    assert!(err.contains("no BUY/SELL signals"), "{err}");
    let (c, _) = code(&["backtest", "moving_average", p, "--start", "yesterday"]);
    assert_eq!(c, Some(2));
    let (c, _) = code(&["backtest", "moving_average", p, "--cash=-5"]);
    assert_eq!(c, Some(2));
    let (c, _) = code(&[
        "backtest",
        "moving_average",
        p,
        "--config",
        r#"{"fast":20,"slow":10}"#,
    ]);
    assert_eq!(c, Some(2));
    // No bar in the period is a usage error naming the period.
    let (c, err) = code(&["backtest", "moving_average", p, "--start", "2090-01-01"]);
    assert_eq!(c, Some(2), "{err}");
    assert!(err.contains("no bars between 2090-01-01"), "{err}");
    // A numeric failure inside the signal source exits 1 (its source is kept), not 65: an
    // ARIMA model on a constant price has no variance to fit.
    let flat = tmp("flat.csv");
    let mut text = String::from("date,open,high,low,close\n");
    for month in 1..=5 {
        for day in 1..=28 {
            text.push_str(&format!("2024-{month:02}-{day:02},10,10,10,10\n"));
        }
    }
    std::fs::write(&flat, text).unwrap();
    let (c, err) = code(&["backtest", "arima_prediction", flat.to_str().unwrap()]);
    assert_eq!(c, Some(1), "{err}");
    assert!(err.contains("is constant"), "{err}");
}

#[test]
fn a_bare_end_date_keeps_that_whole_day() {
    // Four bars a day: `--end 2024-01-02` keeps all of January 2nd, a time keeps up to it.
    let path = tmp("intraday.csv");
    let mut text = String::from("time,open,high,low,close\n");
    for day in 1..=3 {
        for hour in [0, 6, 12, 18] {
            text.push_str(&format!("2024-01-{day:02}T{hour:02}:00:00Z,10,11,9,10\n"));
        }
    }
    std::fs::write(&path, text).unwrap();
    let p = path.to_str().unwrap();
    let bars = |end: &str| {
        let v = json(&[
            "backtest",
            "moving_average",
            p,
            "--config",
            r#"{"period":2}"#,
            "--end",
            end,
            "--format",
            "json",
        ]);
        v["stats"]["End"].as_str().unwrap().to_owned()
    };
    assert!(
        bars("2024-01-02").starts_with("2024-01-02T18:00:00"),
        "{}",
        bars("2024-01-02")
    );
    assert!(bars("2024-01-02T06:00:00Z").starts_with("2024-01-02T06:00:00"));
}

#[test]
fn a_closed_stdout_ends_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let path = sample();
    let tables: [&[&str]; 2] = [&[], &["--csv", "equity"]];
    for format in tables {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stratos"))
            .args(example_args(path.to_str().unwrap(), &["--format", "csv"]))
            .args(format)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 16];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // The reader is gone (as `| head` leaves): the rest cannot be written.
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{format:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("writing output"), "{}", stderr(&out));
    }
}

#[test]
fn help_shows_examples() {
    let help = ok(&["backtest", "--help"]);
    assert!(help.contains("stratos backtest moving_average examples/data/ohlcv_daily.csv"));
    assert!(help.contains("--grid"));
    assert!(help.contains("Exit codes"));
}
