//! `--grid`: the ranked parameter sweep, and `--walk-forward`: optimise on a training window,
//! trade the next, roll.

use std::io::Write;

use serde_json::{Value, json};
use stratos_eval::backtest::optimise::{
    Objective, ParamGrid, Params, SweepEntry, WalkForward, WalkForwardReport,
};
use stratos_eval::backtest::{BacktestError, Bars, STAT_KEYS};

use super::report::{csv_err, number_text, stat_text, stats_rows, write_block};
use crate::cli::BacktestFormat;
use crate::exit::{CliError, write_err};
use crate::output::table::Table;

/// Statistics where smaller is better; every other one ranks larger first (drawdowns are
/// ≤ 0, so larger is better there too).
const SMALLER_IS_BETTER: [&str; 3] = [
    "Volatility (Ann.) [%]",
    "Max. Drawdown Duration",
    "Avg. Drawdown Duration",
];

/// The objective for `--rank-by KEY`.
///
/// # Errors
/// [`CliError::Usage`] for a key that is not one of backtesting.py's statistics.
pub(crate) fn objective(key: &str) -> Result<Objective, CliError> {
    if !STAT_KEYS.contains(&key) {
        return Err(CliError::Usage(format!(
            "--rank-by: unknown statistic `{key}` (known: {})",
            STAT_KEYS.join(", ")
        )));
    }
    Ok(if SMALLER_IS_BETTER.contains(&key) {
        Objective::minimize(key)
    } else {
        Objective::maximize(key)
    })
}

/// Parses `--grid` and counts its combinations against `--max-combinations` before any is
/// built.
///
/// # Errors
/// [`CliError::Usage`] naming the malformed part, or the size and the limit.
pub(crate) fn grid(spec: &str, max: usize) -> Result<ParamGrid, CliError> {
    let g = ParamGrid::parse(spec).map_err(|e| CliError::Usage(format!("--grid: {e}")))?;
    if g.is_empty() {
        return Err(CliError::Usage(format!("--grid `{spec}`: no combinations")));
    }
    g.check_size(max)
        .map_err(|e| CliError::Usage(format!("--grid `{spec}`: {e}")))?;
    Ok(g)
}

/// Parses `--walk-forward TRAIN:TEST` (bars).
///
/// # Errors
/// [`CliError::Usage`] unless both are whole numbers ≥ 2.
pub(crate) fn windows(spec: &str, anchored: bool) -> Result<WalkForward, CliError> {
    let bad = || {
        CliError::Usage(format!(
            "--walk-forward `{spec}`: expected TRAIN:TEST in bars, both ≥ 2, e.g. 500:100"
        ))
    };
    let (train, test) = spec.split_once(':').ok_or_else(bad)?;
    let n = |s: &str| s.trim().parse::<usize>().ok().filter(|v| *v >= 2);
    Ok(WalkForward {
        train: n(train).ok_or_else(bad)?,
        test: n(test).ok_or_else(bad)?,
        anchored,
    })
}

fn params_text(p: &Params) -> String {
    p.iter()
        .map(|(k, v)| format!("{k}={}", number_text(*v)))
        .collect::<Vec<_>>()
        .join(",")
}

fn params_json(p: &Params) -> Value {
    let map: serde_json::Map<String, Value> = p
        .iter()
        .map(|(k, v)| {
            let v = if v.fract() == 0.0 && v.abs() < 9.0e15 {
                Value::from(*v as i64)
            } else {
                json!(v)
            };
            (k.clone(), v)
        })
        .collect();
    Value::Object(map)
}

/// What a sweep found, ready to print.
#[derive(Debug)]
pub(crate) struct SweepOutput<'a> {
    pub(crate) strategy_id: &'a str,
    pub(crate) objective: &'a Objective,
    pub(crate) grid_len: usize,
    pub(crate) ranked: &'a [SweepEntry],
    pub(crate) top: usize,
    pub(crate) base_config: &'a Value,
}

impl SweepOutput<'_> {
    fn shown(&self) -> &[SweepEntry] {
        let n = if self.top == 0 {
            self.ranked.len()
        } else {
            self.top.min(self.ranked.len())
        };
        &self.ranked[..n]
    }

    /// Prints the sweep in `format`.
    pub(crate) fn write<W: Write>(
        &self,
        out: &mut W,
        format: BacktestFormat,
    ) -> Result<(), CliError> {
        match format {
            BacktestFormat::Table => self.write_table(out).map_err(write_err),
            BacktestFormat::Json => {
                let results: Vec<Value> = self
                    .shown()
                    .iter()
                    .enumerate()
                    .map(|(i, e)| {
                        json!({
                            "rank": i + 1,
                            "params": params_json(&e.params),
                            "score": e.score,
                            "stats": e.stats,
                        })
                    })
                    .collect();
                let v = json!({
                    "strategy_id": self.strategy_id,
                    "config": self.base_config,
                    "rank_by": self.objective.key,
                    "maximize": self.objective.maximize,
                    "combinations": self.grid_len,
                    "skipped": self.grid_len - self.ranked.len(),
                    "results": results,
                });
                serde_json::to_writer_pretty(&mut *out, &v).map_err(write_err)?;
                writeln!(out).map_err(write_err)
            }
            BacktestFormat::Csv => self.write_csv(out),
        }
    }

    /// The swept keys, in the order of the best entry's parameters.
    fn param_names(&self) -> Vec<String> {
        self.ranked
            .first()
            .map(|e| e.params.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn write_table<W: Write>(&self, out: &mut W) -> std::io::Result<()> {
        let key = &self.objective.key;
        writeln!(
            out,
            "sweep of {}: {} combinations, {} run, {} skipped (rejected by the strategy); ranked by {key} ({})",
            self.strategy_id,
            self.grid_len,
            self.ranked.len(),
            self.grid_len - self.ranked.len(),
            if self.objective.maximize {
                "largest first"
            } else {
                "smallest first"
            }
        )?;
        writeln!(out)?;
        let names = self.param_names();
        let mut headers = vec!["rank".to_owned()];
        headers.extend(names.iter().cloned());
        for k in [
            key.as_str(),
            "Return [%]",
            "Sharpe Ratio",
            "Max. Drawdown [%]",
            "# Trades",
            "Win Rate [%]",
        ] {
            if !headers.iter().any(|h| h == k) {
                headers.push(k.to_owned());
            }
        }
        let mut t = Table::new(headers.clone());
        for (i, e) in self.shown().iter().enumerate() {
            let mut row = rank_and_params(i, &names, e);
            for h in &headers[1 + names.len()..] {
                row.push(e.stats.get(h).map_or_else(String::new, stat_text));
            }
            t.row(row);
        }
        t.write(out)?;
        if let Some(best) = self.ranked.first() {
            writeln!(out)?;
            writeln!(
                out,
                "best: {} (a single run with these keys in --config gives the same statistics)",
                params_text(&best.params)
            )?;
            writeln!(out)?;
            write_block(out, &stats_rows(&best.stats))?;
        }
        Ok(())
    }

    fn write_csv<W: Write>(&self, out: &mut W) -> Result<(), CliError> {
        let names = self.param_names();
        let mut w = csv::Writer::from_writer(out);
        let mut header = vec!["rank".to_owned()];
        header.extend(names.iter().cloned());
        header.extend(STAT_KEYS.iter().map(|k| (*k).to_owned()));
        w.write_record(&header).map_err(csv_err)?;
        for (i, e) in self.shown().iter().enumerate() {
            let mut row = rank_and_params(i, &names, e);
            row.extend(
                STAT_KEYS
                    .iter()
                    .map(|k| e.stats.get(k).map_or_else(String::new, stat_text)),
            );
            w.write_record(&row).map_err(csv_err)?;
        }
        w.flush().map_err(write_err)
    }
}

/// The first cells of a sweep row: the 1-based rank, then each swept key's value (empty when
/// the entry lacks it).
fn rank_and_params(i: usize, names: &[String], e: &SweepEntry) -> Vec<String> {
    let mut row = vec![(i + 1).to_string()];
    row.extend(names.iter().map(|n| {
        e.params
            .get(n)
            .map_or_else(String::new, |v| number_text(*v))
    }));
    row
}

/// Prints a walk-forward report.
pub(crate) fn write_walk_forward<W: Write>(
    out: &mut W,
    format: BacktestFormat,
    strategy_id: &str,
    objective: &Objective,
    bars: &Bars<'_>,
    report: &WalkForwardReport,
) -> Result<(), CliError> {
    let time = |i: usize| {
        bars.timestamps().get(i).map_or_else(
            || i.to_string(),
            |t| {
                let text = super::report::time_text(*t);
                text.strip_suffix(" 00:00:00")
                    .map_or(text.clone(), str::to_owned)
            },
        )
    };
    match format {
        BacktestFormat::Json => {
            let v = json!({
                "strategy_id": strategy_id,
                "rank_by": objective.key,
                "windows": report.windows.iter().map(|w| json!({
                    "train": [time(w.train_start), time(w.train_end.saturating_sub(1))],
                    "test": [time(w.test_start), time(w.test_end.saturating_sub(1))],
                    "train_bars": [w.train_start, w.train_end],
                    "test_bars": [w.test_start, w.test_end],
                    "params": params_json(&w.params),
                    "in_sample_score": w.in_sample_score,
                    "out_of_sample": w.out_of_sample,
                })).collect::<Vec<_>>(),
                "out_of_sample": report.out_of_sample,
                "trades": report.trades,
            });
            serde_json::to_writer_pretty(&mut *out, &v).map_err(write_err)?;
            writeln!(out).map_err(write_err)
        }
        BacktestFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "train_start",
                "train_end",
                "test_start",
                "test_end",
                "params",
                "in_sample_score",
                "oos_return_pct",
                "oos_trades",
            ])
            .map_err(csv_err)?;
            for win in &report.windows {
                w.write_record([
                    time(win.train_start),
                    time(win.train_end.saturating_sub(1)),
                    time(win.test_start),
                    time(win.test_end.saturating_sub(1)),
                    params_text(&win.params),
                    number_text(win.in_sample_score),
                    number_text(win.out_of_sample.return_pct),
                    win.out_of_sample.trades.to_string(),
                ])
                .map_err(csv_err)?;
            }
            w.flush().map_err(write_err)
        }
        BacktestFormat::Table => {
            let io = |e: std::io::Error| write_err(e);
            writeln!(
                out,
                "walk-forward of {strategy_id}: {} windows, parameters chosen by {} on each training window",
                report.windows.len(),
                objective.key
            )
            .map_err(io)?;
            writeln!(out).map_err(io)?;
            let mut t = Table::new([
                "train",
                "test",
                "params",
                "in-sample score",
                "test Return [%]",
                "test # Trades",
            ]);
            for w in &report.windows {
                t.row(vec![
                    format!(
                        "{} .. {}",
                        time(w.train_start),
                        time(w.train_end.saturating_sub(1))
                    ),
                    format!(
                        "{} .. {}",
                        time(w.test_start),
                        time(w.test_end.saturating_sub(1))
                    ),
                    params_text(&w.params),
                    number_text(w.in_sample_score),
                    number_text(w.out_of_sample.return_pct),
                    w.out_of_sample.trades.to_string(),
                ]);
            }
            t.write(out).map_err(io)?;
            writeln!(out).map_err(io)?;
            writeln!(out, "out-of-sample (the test windows chained):").map_err(io)?;
            write_block(out, &stats_rows(&report.out_of_sample)).map_err(io)
        }
    }
}

/// Checks that a sweep ran at least one combination.
pub(crate) fn non_empty(ranked: &[SweepEntry]) -> Result<(), CliError> {
    if ranked.is_empty() {
        return Err(CliError::Backtest(BacktestError::Optimise {
            message: "every combination of --grid was rejected by the strategy".to_owned(),
        }));
    }
    Ok(())
}
