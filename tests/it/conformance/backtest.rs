//! Backtest conformance against backtesting.py 0.6.6 (reference files in
//! `tests/data/conformance/backtest/`: the README example `backtest_goog_sma10_20_c002.json`
//! copied from the shared reference set, definitions in that folder's CONVENTIONS.md; and
//! eight cases made by that folder's `make_cases.py` with backtesting.py 0.6.6 / pandas 3.1.1
//! that reach stop-loss / take-profit, spread, fixed commission, trade_on_close,
//! finalize_trades, margin, FIFO netting, hedging, fixed unit sizes, cancelled orders, a
//! leveraged account running out of money, and the price-vs-average signal as a target
//! position and long only). Every trade must be identical (bars, sizes, prices), every
//! statistic equal to 1e-9 relative, and the equity curve equal to 1e-9.
//!
//! The signals come from our `moving_average` strategy (SMA crossover), not from the file,
//! and the look-ahead guard runs on them.
#![allow(clippy::float_cmp, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::floats;
use stratos::backtest::signals::MovingAverageSignals;
use stratos::backtest::{
    BacktestConfig, BacktestResult, Bars, Bracket, Commission, EndOfData, Fill, LookAheadCheck,
    OrderSize, STAT_KEYS, SignalMode, StatValue, Warning, run_source,
};
use stratos::core::Timestamp;
use stratos::strategies::moving_average::MovingAverageConfig;

const RTOL: f64 = 1e-9;

/// backtesting.py's README example on GOOG.
const GOOG: &str = "backtest/backtest_goog_sma10_20_c002.json";

fn case_paths() -> Vec<PathBuf> {
    super::case_paths("backtest", &[])
}

/// The largest relative deviation seen, for the `--nocapture` report.
fn rel(got: f64, want: f64) -> f64 {
    if got == want || (got.is_nan() && want.is_nan()) {
        0.0
    } else {
        (got - want).abs() / want.abs().max(got.abs())
    }
}

fn close_enough(got: f64, want: f64, atol: f64) -> bool {
    if got.is_nan() || want.is_nan() {
        return got.is_nan() && want.is_nan();
    }
    got == want || (got - want).abs() <= RTOL * want.abs().max(got.abs()) + atol
}

/// A reference value that may be null (NaN / NaT).
fn want_f64(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn config_of(p: &Value) -> BacktestConfig {
    let f = |k: &str, d: f64| p.get(k).and_then(Value::as_f64).unwrap_or(d);
    let b = |k: &str| p.get(k).and_then(Value::as_bool).unwrap_or(false);
    let commission = match p.get("commission") {
        Some(Value::Array(pair)) => Commission {
            fixed: pair[0].as_f64().unwrap(),
            relative: pair[1].as_f64().unwrap(),
        },
        Some(v) => Commission::relative(v.as_f64().unwrap()),
        None => Commission::default(),
    };
    BacktestConfig {
        cash: f("cash", 10_000.0),
        commission,
        spread: f("spread", 0.0),
        margin: f("margin", 1.0),
        fill: if b("trade_on_close") {
            Fill::ThisClose
        } else {
            Fill::NextOpen
        },
        exclusive_orders: b("exclusive_orders"),
        hedging: b("hedging"),
        stop_loss: p
            .get("sl_fraction")
            .and_then(Value::as_f64)
            .map(Bracket::Fraction),
        take_profit: p
            .get("tp_fraction")
            .and_then(Value::as_f64)
            .map(Bracket::Fraction),
        size: p
            .get("size_units")
            .and_then(Value::as_u64)
            .map_or(OrderSize::default(), OrderSize::Units),
        end_of_data: if b("finalize_trades") {
            EndOfData::CloseOnLastBar
        } else {
            EndOfData::LeaveOpen
        },
        ..BacktestConfig::default()
    }
}

fn run_case(json: &Value) -> BacktestResult {
    let ohlcv = &json["input"]["ohlcv"];
    let ts: Vec<Timestamp> = ohlcv["timestamps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| Timestamp::parse(t.as_str().unwrap()).unwrap())
        .collect();
    let (o, h, l, c) = (
        floats(&ohlcv["open"]),
        floats(&ohlcv["high"]),
        floats(&ohlcv["low"]),
        floats(&ohlcv["close"]),
    );
    let v = floats(&ohlcv["volume"]);
    let bars = Bars::new(&ts, &o, &h, &l, &c)
        .unwrap()
        .with_volume(&v)
        .unwrap();
    let p = &json["params_in"];
    let mut config = config_of(p);
    let source = if let Some(period) = p.get("period").and_then(Value::as_u64) {
        // moving_average's price-vs-average signal as a target position or long only.
        config.signal_mode = match p["signal_mode"].as_str().unwrap() {
            "position" => SignalMode::Position,
            "long_only" => SignalMode::LongOnly,
            other => panic!("unknown signal mode {other}"),
        };
        MovingAverageSignals::from_config(MovingAverageConfig {
            period: period as usize,
            signal_threshold: p["threshold"].as_f64().unwrap(),
            ..MovingAverageConfig::default()
        })
        .unwrap()
    } else {
        MovingAverageSignals::crossover(
            p["n1"].as_u64().unwrap() as usize,
            p["n2"].as_u64().unwrap() as usize,
        )
        .unwrap()
    };
    run_source(&bars, &source, &config, LookAheadCheck::Sampled(16)).unwrap()
}

fn check_case(path: &Path) -> usize {
    let json = super::load(path);
    let name = json["case"].as_str().unwrap().to_owned();
    let got = run_case(&json);
    let want = &json["expected"];
    let mut checked = 0;
    let (mut worst_stat, mut worst_equity) = (0.0f64, 0.0f64);

    // Trades: bars and sizes exactly, prices and money to 1e-9.
    let trades = want["trades"].as_array().unwrap();
    assert_eq!(got.trades.len(), trades.len(), "{name}: number of trades");
    for (k, (g, w)) in got.trades.iter().zip(trades).enumerate() {
        assert_eq!(
            g.size,
            w["size"].as_i64().unwrap(),
            "{name}: trade {k} size"
        );
        assert_eq!(
            g.entry_bar as u64,
            w["entry_bar"].as_u64().unwrap(),
            "{name}: trade {k} entry_bar"
        );
        assert_eq!(
            g.exit_bar as u64,
            w["exit_bar"].as_u64().unwrap(),
            "{name}: trade {k} exit_bar"
        );
        assert_eq!(
            g.entry_time,
            Timestamp::parse(w["entry_time"].as_str().unwrap()).unwrap()
        );
        assert_eq!(
            g.exit_time,
            Timestamp::parse(w["exit_time"].as_str().unwrap()).unwrap()
        );
        assert_eq!(
            g.duration.seconds(),
            w["duration"]["seconds"].as_f64().unwrap()
        );
        for (field, gv) in [
            ("entry_price", g.entry_price),
            ("exit_price", g.exit_price),
            ("pnl", g.pnl),
            ("commission", g.commission),
            ("return_pct", g.return_pct),
        ] {
            let wv = want_f64(&w[field]);
            assert!(
                close_enough(gv, wv, 0.0),
                "{name}: trade {k} {field}: got {gv}, expected {wv}"
            );
        }
        for (field, gv) in [("sl", g.sl), ("tp", g.tp)] {
            let wv = w[field].as_f64();
            match (gv, wv) {
                (None, None) => {}
                (Some(a), Some(b)) => assert!(
                    close_enough(a, b, 0.0),
                    "{name}: trade {k} {field}: got {a}, expected {b}"
                ),
                _ => panic!("{name}: trade {k} {field}: got {gv:?}, expected {wv:?}"),
            }
        }
        checked += 1;
    }

    // The broker's warnings: cancelled orders on the same bars, and open trades at the end.
    let want_cancels: Vec<usize> = want["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| {
            let w = w.as_str().unwrap();
            let rest = w.strip_prefix("time=")?;
            w.contains("canceled")
                .then(|| rest.split(':').next().unwrap().parse().unwrap())
        })
        .collect();
    let got_cancels: Vec<usize> = got
        .warnings
        .iter()
        .filter_map(|w| match w {
            Warning::InsufficientMargin { bar, .. } => Some(*bar),
            _ => None,
        })
        .collect();
    assert_eq!(got_cancels, want_cancels, "{name}: cancelled orders");
    let want_open_warning = want["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().starts_with("Some trades remain open"));
    let got_open_warning = got
        .warnings
        .iter()
        .any(|w| matches!(w, Warning::OpenTradesAtEnd { .. }));
    assert_eq!(
        got_open_warning, want_open_warning,
        "{name}: open-trades warning"
    );

    // Trades still open at the end.
    let open = want["open_trades_at_end"].as_array().unwrap();
    assert_eq!(got.open_trades.len(), open.len(), "{name}: open trades");
    for (g, w) in got.open_trades.iter().zip(open) {
        assert_eq!(g.size, w["size"].as_i64().unwrap());
        assert_eq!(g.entry_bar as u64, w["entry_bar"].as_u64().unwrap());
        assert!(close_enough(
            g.entry_price,
            w["entry_price"].as_f64().unwrap(),
            0.0
        ));
        let wu = w["unrealized_pl_at_last_close"].as_f64().unwrap();
        assert!(
            close_enough(g.unrealized_pnl, wu, 0.0),
            "{name}: unrealized {} vs {wu}",
            g.unrealized_pnl
        );
    }

    // Statistics: the same keys in the same order, each to 1e-9 relative.
    let keys: Vec<&str> = want["stats_keys_in_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .filter(|k| !k.starts_with('_'))
        .collect();
    let entries = got.stats.entries();
    let got_keys: Vec<&str> = entries.iter().map(|(k, _)| *k).collect();
    assert_eq!(got_keys, keys, "{name}: statistic keys and order");
    let stats = &want["stats"];
    for (key, value) in entries {
        let w = &stats[key];
        match value {
            StatValue::Time(t) => {
                assert_eq!(
                    t,
                    Timestamp::parse(w.as_str().unwrap()).unwrap(),
                    "{name}: {key}"
                );
            }
            StatValue::Duration(d) => {
                let ws = w.get("seconds").and_then(Value::as_f64);
                assert_eq!(d.map(|d| d.seconds()), ws, "{name}: {key}");
                if let (Some(d), Some(text)) = (d, w.get("timedelta")) {
                    assert_eq!(d.to_string(), text.as_str().unwrap(), "{name}: {key} text");
                }
            }
            StatValue::Count(c) => assert_eq!(c as u64, w.as_u64().unwrap(), "{name}: {key}"),
            StatValue::Number(x) => {
                let wv = want_f64(w);
                assert!(
                    close_enough(x, wv, 0.0),
                    "{name}: {key}: got {x}, expected {wv}"
                );
                worst_stat = worst_stat.max(rel(x, wv));
            }
        }
        checked += 1;
    }
    assert!(STAT_KEYS.len() >= keys.len());

    // The equity curve, its drawdown and the episode durations, bar by bar.
    let curve = &want["equity_curve"];
    let (we, wd) = (floats(&curve["equity"]), floats(&curve["drawdown_pct"]));
    assert_eq!(got.equity.equity.len(), we.len());
    for i in 0..we.len() {
        let (g, w) = (got.equity.equity[i], we[i]);
        assert!(
            close_enough(g, w, 0.0),
            "{name}: equity[{i}]: got {g}, expected {w}"
        );
        worst_equity = worst_equity.max(rel(g, w));
        let (g, w) = (got.equity.drawdown_pct[i], wd[i]);
        assert!(
            close_enough(g, w, 1e-12),
            "{name}: drawdown[{i}]: got {g}, expected {w}"
        );
        let wdur = curve["drawdown_duration"][i]
            .get("seconds")
            .and_then(Value::as_f64);
        assert_eq!(
            got.equity.drawdown_duration[i].map(|d| d.seconds()),
            wdur,
            "{name}: drawdown_duration[{i}]"
        );
        checked += 1;
    }
    eprintln!(
        "{name}: {} trades identical; largest relative deviation: statistics {worst_stat:.1e}, equity {worst_equity:.1e}",
        got.trades.len()
    );
    checked
}

#[test]
fn backtests_match_backtesting_py() {
    let mut total = 0;
    for path in case_paths() {
        total += check_case(&path);
    }
    // Nine cases of 2 148 bars each, with their trades and statistics.
    assert!(total > 9 * 2148);
}

#[test]
fn goog_summary_fields_follow_the_stats() {
    let json = super::case(GOOG);
    let got = run_case(&json);
    assert_eq!(got.summary.total_trades, 93);
    assert_eq!(got.summary.winning_trades, 49);
    assert!((got.summary.total_return - 4.626351934000004).abs() < 1e-12);
    assert!((got.summary.max_drawdown - 0.3393159182905461).abs() < 1e-12);
    assert_eq!(got.strategy, "moving_average(sma,fast=10,slow=20)");
    assert_eq!(got.warmup, 19);
    let json = serde_json::to_value(&got.stats).unwrap();
    assert_eq!(json["# Trades"], 93);
    assert_eq!(json["Duration"]["timedelta"], "3116 days 00:00:00");
    assert_eq!(json["Start"], "2004-08-19T00:00:00Z");
}

// Parameter sweeps and walk-forward optimisation on the GOOG bars of the README case.

use stratos::backtest::optimise::{
    Objective, ParamGrid, Params, SourceBuilder, WalkForward, sweep, walk_forward,
};
use stratos::backtest::{BacktestError, SignalSource};

struct Goog {
    ts: Vec<Timestamp>,
    o: Vec<f64>,
    h: Vec<f64>,
    l: Vec<f64>,
    c: Vec<f64>,
}

impl Goog {
    fn load() -> Self {
        let json = super::case(GOOG);
        let ohlcv = &json["input"]["ohlcv"];
        Goog {
            ts: ohlcv["timestamps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| Timestamp::parse(t.as_str().unwrap()).unwrap())
                .collect(),
            o: floats(&ohlcv["open"]),
            h: floats(&ohlcv["high"]),
            l: floats(&ohlcv["low"]),
            c: floats(&ohlcv["close"]),
        }
    }

    fn bars(&self) -> Bars<'_> {
        Bars::new(&self.ts, &self.o, &self.h, &self.l, &self.c).unwrap()
    }
}

fn sma_cross(p: &Params) -> Result<Option<Box<dyn SignalSource>>, BacktestError> {
    let (fast, slow) = (p["fast"] as usize, p["slow"] as usize);
    if fast >= slow {
        return Ok(None);
    }
    let source = MovingAverageSignals::crossover(fast, slow)
        .map_err(|e| BacktestError::signal("moving_average", e))?;
    Ok(Some(Box::new(source)))
}

fn readme_config() -> BacktestConfig {
    BacktestConfig {
        commission: Commission::relative(0.002),
        exclusive_orders: true,
        ..BacktestConfig::default()
    }
}

#[test]
fn sweep_ranks_deterministically_and_its_best_is_a_single_run() {
    let goog = Goog::load();
    let bars = goog.bars();
    let grid = ParamGrid::parse("fast=5..20:5,slow=10|20|40").unwrap();
    let objective = Objective::maximize("Return [%]");
    let build: &SourceBuilder<'_> = &sma_cross;
    let two = sweep(&bars, &grid, &readme_config(), &objective, build, 2).unwrap();
    let one = sweep(&bars, &grid, &readme_config(), &objective, build, 1).unwrap();
    assert_eq!(two, one, "thread count changes nothing");
    // fast < slow leaves 8 of the 12 combinations.
    assert_eq!(two.len(), 8);
    assert!(two.windows(2).all(|w| w[0].score >= w[1].score));
    let best = &two[0];
    let source = sma_cross(&best.params).unwrap().unwrap();
    let single = run_source(
        &bars,
        source.as_ref(),
        &readme_config(),
        LookAheadCheck::Off,
    )
    .unwrap();
    assert_eq!(single.stats, best.stats);
    // The README's (10, 20) is in the grid with the reference return.
    let readme = two
        .iter()
        .find(|e| e.params["fast"] == 10.0 && e.params["slow"] == 20.0)
        .unwrap();
    assert!((readme.score - 462.6351934000004).abs() < 1e-9);
    assert!(matches!(
        sweep(
            &bars,
            &grid,
            &readme_config(),
            &Objective::maximize("Nope"),
            build,
            1
        ),
        Err(BacktestError::Optimise { .. })
    ));
}

#[test]
fn walk_forward_trades_each_test_window_with_the_training_winner() {
    let goog = Goog::load();
    let bars = goog.bars();
    let grid = ParamGrid::parse("fast=5|10,slow=20|40").unwrap();
    let objective = Objective::maximize("Equity Final [$]");
    let build: &SourceBuilder<'_> = &sma_cross;
    let windows = WalkForward {
        train: 500,
        test: 250,
        anchored: false,
    };
    let report = walk_forward(
        &bars,
        &grid,
        &readme_config(),
        &objective,
        build,
        windows,
        2,
    )
    .unwrap();
    // (2148 − 500) / 250 → 6 full windows and a last one of 148 bars.
    assert_eq!(report.windows.len(), 7);
    assert_eq!(report.windows[6].test_end, 2148);
    assert_eq!(report.equity.len(), 2148 - 500);
    for w in &report.windows {
        assert_eq!(w.train_end - w.train_start, 500);
        assert_eq!(w.test_start, w.train_end);
        // The chosen parameters are the training sweep's winner.
        let train = bars.range(w.train_start, w.train_end);
        let ranked = sweep(&train, &grid, &readme_config(), &objective, build, 1).unwrap();
        assert_eq!(ranked[0].params, w.params);
        assert_eq!(ranked[0].score, w.in_sample_score);
    }
    // The chained out-of-sample run starts with the initial cash and closes every trade.
    assert_eq!(report.equity.equity[0], 10_000.0);
    let per_window: usize = report.windows.iter().map(|w| w.out_of_sample.trades).sum();
    assert_eq!(report.out_of_sample.trades, per_window);
    assert_eq!(report.trades.len(), per_window);
    let last = report.windows.last().unwrap();
    assert_eq!(
        report.out_of_sample.equity_final,
        last.out_of_sample.equity_final
    );
    assert!(
        report
            .trades
            .windows(2)
            .all(|t| t[0].exit_bar <= t[1].exit_bar)
    );
}

#[test]
fn result_json_has_the_documented_shape() {
    let json = super::case(GOOG);
    let got = serde_json::to_value(run_case(&json)).unwrap();
    assert_eq!(got["strategy"], "moving_average(sma,fast=10,slow=20)");
    assert_eq!(got["stats"]["Commissions [$]"], 10563.951540000002);
    assert_eq!(got["summary"]["total_trades"], 93);
    assert!(got["summary"].get("average_accuracy").is_none());
    assert_eq!(got["trades"][0]["size"], -59);
    assert_eq!(got["trades"][0]["entry_time"], "2004-11-17T00:00:00Z");
    assert_eq!(got["trades"][0]["exit_reason"], "signal");
    assert_eq!(got["open_trades"][0]["entry_bar"], 2087);
    assert_eq!(got["equity"]["drawdown_duration"][64]["seconds"], 172800.0);
    assert_eq!(got["equity"]["drawdown_duration"][0], Value::Null);
    assert_eq!(got["equity"]["timestamps"][0], "2004-08-19T00:00:00Z");
    assert_eq!(got["warnings"][0]["kind"], "open_trades_at_end");
    // In text, the statistics keep backtesting.py's order (a `Value` would sort them).
    let text = serde_json::to_string(&run_case(&json).stats).unwrap();
    let positions: Vec<usize> = STAT_KEYS
        .iter()
        .map(|k| text.find(&format!("\"{k}\":")).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
}
