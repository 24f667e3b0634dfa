//! The output of one backtest: backtesting.py's statistics block and the seed's summary
//! (table), one JSON object, or the trades / equity curve as CSV.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;
use stratos_core::Timestamp;
use stratos_eval::backtest::{
    BacktestResult, OpenTrade, StatValue, Stats, Summary, Timedelta, Trade,
};

use crate::exit::{CliError, write_err};
use crate::output::float_cell;

/// Width of the key column of the statistics block.
const KEY_WIDTH: usize = 26;
/// Width of the value column of the statistics block.
const VALUE_WIDTH: usize = 22;

/// A time as pandas prints a `Timestamp`: `2015-01-02 00:00:00`.
pub(crate) fn time_text(t: Timestamp) -> String {
    let s = t.to_string();
    s.trim_end_matches('Z').replacen('T', " ", 1)
}

/// A number for the report: NaN as pandas prints it, else at most 6 decimals.
pub(crate) fn number_text(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_owned();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// One statistic's value as report text.
pub(crate) fn stat_text(v: StatValue) -> String {
    match v {
        StatValue::Time(t) => time_text(t),
        StatValue::Duration(d) => d.map_or_else(|| "NaT".to_owned(), |d| d.to_string()),
        StatValue::Count(c) => c.to_string(),
        StatValue::Number(x) => number_text(x),
    }
}

/// Writes `key  value` lines, keys left-aligned and values right-aligned, as backtesting.py's
/// printed `Series`.
pub(crate) fn write_block<W: Write>(out: &mut W, rows: &[(String, String)]) -> io::Result<()> {
    for (k, v) in rows {
        writeln!(out, "{k:<KEY_WIDTH$}{v:>VALUE_WIDTH$}")?;
    }
    Ok(())
}

/// The statistics as `(key, text)` rows, in backtesting.py's order.
pub(crate) fn stats_rows(stats: &Stats) -> Vec<(String, String)> {
    stats
        .entries()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), stat_text(v)))
        .collect()
}

/// The seed's summary as `(key, text)` rows.
fn summary_rows(s: &Summary) -> Vec<(String, String)> {
    let mut rows = vec![
        ("total_trades".to_owned(), s.total_trades.to_string()),
        ("winning_trades".to_owned(), s.winning_trades.to_string()),
        ("win_rate".to_owned(), number_text(s.win_rate)),
        ("total_return".to_owned(), number_text(s.total_return)),
        ("sharpe_ratio".to_owned(), number_text(s.sharpe_ratio)),
        ("max_drawdown".to_owned(), number_text(s.max_drawdown)),
    ];
    if let Some(a) = s.average_accuracy {
        rows.push(("average_accuracy".to_owned(), number_text(a)));
    }
    rows
}

/// The backtest's period as the seed writes it: `2015-01-02 to 2024-12-31`.
pub(crate) fn period(stats: &Stats) -> String {
    let date = |t: Timestamp| {
        let s = t.to_string();
        s.get(..10).map_or(s.clone(), str::to_owned)
    };
    format!("{} to {}", date(stats.start), date(stats.end))
}

/// The readable report.
pub(crate) fn write_table<W: Write>(
    out: &mut W,
    strategy_id: &str,
    result: &BacktestResult,
    notes: &[String],
) -> io::Result<()> {
    let mut rows = stats_rows(&result.stats);
    rows.push(("_strategy".to_owned(), result.strategy.clone()));
    write_block(out, &rows)?;
    writeln!(out)?;
    writeln!(out, "summary ({strategy_id}, {})", period(&result.stats))?;
    write_block(out, &summary_rows(&result.summary))?;
    if !result.open_trades.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "open at the end (in the equity, not in the trade statistics; --close-open-trades closes them):"
        )?;
        for t in &result.open_trades {
            writeln!(
                out,
                "  {} {} units from {} at {}, unrealized PnL {}",
                if t.size > 0 { "long" } else { "short" },
                t.size.unsigned_abs(),
                time_text(t.entry_time),
                number_text(t.entry_price),
                number_text(t.unrealized_pnl)
            )?;
        }
    }
    for n in notes {
        writeln!(out, "{n}")?;
    }
    Ok(())
}

/// One bar of the equity curve in JSON, with backtesting.py's column names.
#[derive(Debug, Serialize)]
struct EquityRow {
    timestamp: Timestamp,
    #[serde(rename = "Equity")]
    equity: f64,
    #[serde(rename = "DrawdownPct")]
    drawdown_pct: f64,
    #[serde(rename = "DrawdownDuration")]
    drawdown_duration: Option<Timedelta>,
}

/// The JSON object of one backtest, fields in this order: the seed's fields first
/// (`strategy_id`, `backtest_period`, `total_trades` … `average_accuracy`), then `stats` under
/// backtesting.py's keys in its order, `trades`, `open_trades`, `equity` (one object per bar),
/// `warnings`, and `evaluation` when one was run. NaN is written as `null`.
#[derive(Debug, Serialize)]
pub(crate) struct BacktestJson<'a> {
    strategy_id: &'a str,
    config: &'a Value,
    backtest_period: String,
    #[serde(flatten)]
    summary: &'a Summary,
    strategy: &'a str,
    stats: &'a Stats,
    trades: &'a [Trade],
    open_trades: &'a [OpenTrade],
    equity: Vec<EquityRow>,
    warnings: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evaluation: Option<Value>,
}

impl<'a> BacktestJson<'a> {
    /// The JSON view of `result`.
    pub(crate) fn new(
        strategy_id: &'a str,
        config: &'a Value,
        result: &'a BacktestResult,
        evaluation: Option<Value>,
    ) -> Self {
        let e = &result.equity;
        let equity = e
            .timestamps
            .iter()
            .zip(&e.equity)
            .zip(&e.drawdown_pct)
            .zip(&e.drawdown_duration)
            .map(|(((t, q), d), dd)| EquityRow {
                timestamp: *t,
                equity: *q,
                drawdown_pct: *d,
                drawdown_duration: *dd,
            })
            .collect();
        BacktestJson {
            strategy_id,
            config,
            backtest_period: period(&result.stats),
            summary: &result.summary,
            strategy: &result.strategy,
            stats: &result.stats,
            trades: &result.trades,
            open_trades: &result.open_trades,
            equity,
            warnings: result.warnings.iter().map(ToString::to_string).collect(),
            evaluation,
        }
    }
}

/// A CSV write error, keeping the I/O error itself (not wrapped) so that a closed pipe
/// (`| head`) is recognised and ends the program quietly.
pub(crate) fn csv_err(e: csv::Error) -> CliError {
    let message = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(io) => write_err(io),
        _ => write_err(io::Error::other(message)),
    }
}

fn duration_cell(d: Option<Timedelta>) -> String {
    d.map_or_else(String::new, |d| d.to_string())
}

/// Closed trades with backtesting.py's `_trades` columns.
pub(crate) fn write_trades_csv<W: Write>(out: &mut W, trades: &[Trade]) -> Result<(), CliError> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "Size",
        "EntryBar",
        "ExitBar",
        "EntryPrice",
        "ExitPrice",
        "SL",
        "TP",
        "PnL",
        "Commission",
        "ReturnPct",
        "EntryTime",
        "ExitTime",
        "Duration",
        "ExitReason",
    ])
    .map_err(csv_err)?;
    for t in trades {
        let reason = serde_json::to_value(t.exit_reason)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        w.write_record([
            t.size.to_string(),
            t.entry_bar.to_string(),
            t.exit_bar.to_string(),
            float_cell(t.entry_price),
            float_cell(t.exit_price),
            t.sl.map_or_else(String::new, float_cell),
            t.tp.map_or_else(String::new, float_cell),
            float_cell(t.pnl),
            float_cell(t.commission),
            float_cell(t.return_pct),
            t.entry_time.to_string(),
            t.exit_time.to_string(),
            duration_cell(Some(t.duration)),
            reason,
        ])
        .map_err(csv_err)?;
    }
    w.flush().map_err(write_err)
}

/// The equity curve with backtesting.py's `_equity_curve` columns.
pub(crate) fn write_equity_csv<W: Write>(
    out: &mut W,
    result: &BacktestResult,
) -> Result<(), CliError> {
    let e = &result.equity;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["timestamp", "Equity", "DrawdownPct", "DrawdownDuration"])
        .map_err(csv_err)?;
    for i in 0..e.len() {
        w.write_record([
            e.timestamps
                .get(i)
                .map_or_else(String::new, ToString::to_string),
            e.equity.get(i).map_or_else(String::new, |v| float_cell(*v)),
            e.drawdown_pct
                .get(i)
                .map_or_else(String::new, |v| float_cell(*v)),
            duration_cell(e.drawdown_duration.get(i).copied().flatten()),
        ])
        .map_err(csv_err)?;
    }
    w.flush().map_err(write_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_times_read_like_pandas() {
        assert_eq!(number_text(462.641_234_567), "462.641235");
        assert_eq!(number_text(93.0), "93");
        assert_eq!(number_text(f64::NAN), "NaN");
        assert_eq!(number_text(-0.0), "0");
        let t = Timestamp::parse("2015-01-02").unwrap();
        assert_eq!(time_text(t), "2015-01-02 00:00:00");
    }
}

#[cfg(test)]
mod csv_tests {
    use super::*;

    #[test]
    fn a_closed_pipe_under_csv_is_still_a_closed_pipe() {
        let e = csv::Error::from(io::Error::new(io::ErrorKind::BrokenPipe, "closed"));
        assert!(csv_err(e).is_broken_pipe());
    }
}
