//! The output of one backtest: backtesting.py's statistics block and the seed's summary
//! (table), one JSON object, or the trades / equity curve as CSV.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;
use stratos_core::Timestamp;
use stratos_eval::backtest::{
    BacktestResult, EquityCurve, OpenTrade, StatValue, Stats, Summary, Timedelta, Trade,
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

/// Which rows of the equity curve `--format json` writes (`--equity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EquityRows {
    /// No `equity` key at all.
    None,
    /// One row per bar (the default).
    Full,
    /// One row per calendar day (UTC): the day's last bar, with the longest drawdown episode
    /// that closed that day as its `DrawdownDuration`.
    Daily,
}

/// The fields of the JSON object before `equity`.
#[derive(Debug, Serialize)]
struct Head<'a> {
    strategy_id: &'a str,
    config: &'a Value,
    backtest_period: String,
    #[serde(flatten)]
    summary: &'a Summary,
    strategy: &'a str,
    stats: &'a Stats,
    trades: &'a [Trade],
    open_trades: &'a [OpenTrade],
}

impl<'a> Head<'a> {
    /// The head of `result`'s report for `strategy_id` run with `config`.
    fn new(strategy_id: &'a str, config: &'a Value, result: &'a BacktestResult) -> Self {
        Head {
            strategy_id,
            config,
            backtest_period: period(&result.stats),
            summary: &result.summary,
            strategy: &result.strategy,
            stats: &result.stats,
            trades: &result.trades,
            open_trades: &result.open_trades,
        }
    }
}

/// The fields of the JSON object after `equity`.
#[derive(Debug, Serialize)]
struct Tail {
    warnings: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evaluation: Option<Value>,
}

/// Writes the JSON object of one backtest, pretty-printed, fields in this order: the seed's
/// fields first (`strategy_id`, `backtest_period`, `total_trades` … `average_accuracy`), then
/// `stats` under backtesting.py's keys in its order, `trades`, `open_trades`, `equity` (one
/// object per bar with backtesting.py's column names, per `rows`), `warnings`, and
/// `evaluation` when one was run. NaN is written as `null`.
///
/// The equity curve is streamed row by row (a million bars are never held as JSON values);
/// the text is byte for byte what `serde_json::to_writer_pretty` writes for the same object.
pub(crate) fn write_json<W: Write>(
    out: &mut W,
    strategy_id: &str,
    config: &Value,
    result: &BacktestResult,
    evaluation: Option<Value>,
    rows: EquityRows,
) -> io::Result<()> {
    let head = Head::new(strategy_id, config, result);
    // The head object without its closing `\n}`, then the rest of the fields after it.
    // serde_json writes token by token: batched before the hold-back.
    let mut open = io::BufWriter::with_capacity(64 * 1024, OpenObject::new(&mut *out));
    serde_json::to_writer_pretty(&mut open, &head)?;
    open.into_inner()
        .map_err(io::IntoInnerError::into_error)?
        .finish()?;
    if rows != EquityRows::None {
        out.write_all(b",\n  \"equity\": ")?;
        write_equity_rows(out, &result.equity, rows)?;
    }
    let tail = Tail {
        warnings: result.warnings.iter().map(ToString::to_string).collect(),
        evaluation,
    };
    let tail = serde_json::to_vec_pretty(&tail)?;
    // `{\n  "warnings": …\n}`: its fields follow the head's.
    out.write_all(b",")?;
    out.write_all(tail.get(1..).unwrap_or_default())?;
    writeln!(out)
}

/// A writer that passes everything on except the last two bytes, which must be the `\n}`
/// closing a pretty-printed JSON object: what is written is the object still open.
struct OpenObject<W: Write> {
    inner: W,
    held: Vec<u8>,
}

impl<W: Write> OpenObject<W> {
    fn new(inner: W) -> Self {
        OpenObject {
            inner,
            held: Vec::with_capacity(2),
        }
    }

    /// Checks that the object's closing `\n}` was held back (and drops it).
    fn finish(self) -> io::Result<()> {
        if self.held == b"\n}" {
            Ok(())
        } else {
            Err(io::Error::other("the JSON object did not end with `\\n}`"))
        }
    }
}

impl<W: Write> Write for OpenObject<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        if buf.len() >= 2 {
            self.inner.write_all(&self.held)?;
            let (pass, keep) = buf.split_at(buf.len() - 2);
            self.inner.write_all(pass)?;
            self.held.clear();
            self.held.extend_from_slice(keep);
        } else {
            self.held.extend_from_slice(buf);
            if self.held.len() > 2 {
                let extra = self.held.len() - 2;
                self.inner.write_all(&self.held[..extra])?;
                self.held.drain(..extra);
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes the equity curve as a pretty-printed JSON array at the second level of the
/// object: `[\n    {\n      "timestamp": …,\n      "Equity": …, … }, …\n  ]`.
fn write_equity_rows<W: Write>(
    out: &mut W,
    curve: &EquityCurve,
    rows: EquityRows,
) -> io::Result<()> {
    let mut times = TimeText::default();
    let mut first = true;
    let mut row = |t: Timestamp, equity: f64, dd: f64, duration: Option<Timedelta>| {
        out.write_all(if first { b"[\n    {\n" } else { b",\n    {\n" })?;
        first = false;
        out.write_all(b"      \"timestamp\": \"")?;
        out.write_all(times.text(t).as_bytes())?;
        out.write_all(b"\",\n      \"Equity\": ")?;
        serde_json::to_writer(&mut *out, &equity)?;
        out.write_all(b",\n      \"DrawdownPct\": ")?;
        serde_json::to_writer(&mut *out, &dd)?;
        out.write_all(b",\n      \"DrawdownDuration\": ")?;
        match duration {
            None => out.write_all(b"null")?,
            Some(d) => {
                // A nested object, indented one level deeper than the row's fields.
                let text = serde_json::to_string_pretty(&d)?;
                out.write_all(text.replace('\n', "\n      ").as_bytes())?;
            }
        }
        out.write_all(b"\n    }")
    };
    let e = curve;
    let n = e
        .len()
        .min(e.timestamps.len())
        .min(e.drawdown_pct.len())
        .min(e.drawdown_duration.len());
    match rows {
        EquityRows::None => {}
        EquityRows::Full => {
            for i in 0..n {
                row(
                    e.timestamps[i],
                    e.equity[i],
                    e.drawdown_pct[i],
                    e.drawdown_duration[i],
                )?;
            }
        }
        EquityRows::Daily => {
            let mut longest: Option<Timedelta> = None;
            for i in 0..n {
                longest = longest.max(e.drawdown_duration[i]);
                let day = |i: usize| e.timestamps[i].micros().div_euclid(MICROS_PER_DAY);
                if i + 1 == n || day(i + 1) != day(i) {
                    row(e.timestamps[i], e.equity[i], e.drawdown_pct[i], longest)?;
                    longest = None;
                }
            }
        }
    }
    out.write_all(if first { b"[]" } else { b"\n  ]" })
}

/// Microseconds in a day.
const MICROS_PER_DAY: i64 = 86_400_000_000;

/// [`Timestamp`]'s text (`2020-01-02T09:30:00Z`, with `.ffffff` when there is a fraction),
/// written without the formatting machinery for the time of day: the date part is formatted
/// once per day and reused, the rest is written digit by digit.
#[derive(Debug, Default)]
struct TimeText {
    day: Option<i64>,
    date: String,
    text: String,
}

impl TimeText {
    fn text(&mut self, t: Timestamp) -> &str {
        let micros = t.micros();
        let day = micros.div_euclid(MICROS_PER_DAY);
        if self.day != Some(day) {
            let full = t.to_string();
            // `YYYY-MM-DDT`: a 4-digit year; any other is written whole, every time.
            match full.find('T') {
                Some(10) => {
                    self.day = Some(day);
                    self.date = full[..11].to_owned();
                }
                _ => {
                    self.day = None;
                    self.text = full;
                    return &self.text;
                }
            }
        }
        let of_day = micros.rem_euclid(MICROS_PER_DAY);
        let (secs, sub) = (of_day / 1_000_000, of_day % 1_000_000);
        self.text.clear();
        self.text.push_str(&self.date);
        let two = |s: &mut String, v: i64| {
            s.push(char::from(b'0' + (v / 10) as u8));
            s.push(char::from(b'0' + (v % 10) as u8));
        };
        two(&mut self.text, secs / 3600);
        self.text.push(':');
        two(&mut self.text, (secs / 60) % 60);
        self.text.push(':');
        two(&mut self.text, secs % 60);
        if sub != 0 {
            self.text.push('.');
            let mut digits = [b'0'; 6];
            let mut v = sub;
            for d in digits.iter_mut().rev() {
                *d = b'0' + (v % 10) as u8;
                v /= 10;
            }
            self.text.extend(digits.iter().map(|&d| char::from(d)));
        }
        self.text.push('Z');
        &self.text
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

#[cfg(test)]
mod json_tests {
    use super::*;
    use stratos_core::Action;
    use stratos_eval::backtest::{BacktestConfig, Bars, Signals, run};

    /// The object as one serde value, the way the JSON was written before it was streamed:
    /// the reference [`write_json`] must match byte for byte.
    #[derive(Serialize)]
    struct Reference<'a> {
        #[serde(flatten)]
        head: Head<'a>,
        equity: Vec<RefRow>,
        #[serde(flatten)]
        tail: Tail,
    }

    /// One bar of the equity curve as it was serialised before.
    #[derive(Serialize)]
    struct RefRow {
        timestamp: Timestamp,
        #[serde(rename = "Equity")]
        equity: f64,
        #[serde(rename = "DrawdownPct")]
        drawdown_pct: f64,
        #[serde(rename = "DrawdownDuration")]
        drawdown_duration: Option<Timedelta>,
    }

    /// A run over `n` bars `step_micros` apart with a few trades and drawdown episodes.
    fn result(n: usize, step_micros: i64) -> BacktestResult {
        let t: Vec<Timestamp> = (0..n)
            .map(|i| {
                Timestamp::from_micros(1_420_156_800_000_000 + step_micros * i as i64).unwrap()
            })
            .collect();
        let close: Vec<f64> = (0..n)
            .map(|i| 100.0 + 7.0 * (i as f64 / 5.0).sin() + 0.01 * i as f64)
            .collect();
        let actions = (0..n)
            .map(|i| match i % 9 {
                2 => Some(Action::Buy),
                6 => Some(Action::Sell),
                _ => None,
            })
            .collect();
        let bars = Bars::new(&t, &close, &close, &close, &close).unwrap();
        let config = BacktestConfig {
            exclusive_orders: true,
            ..BacktestConfig::default()
        };
        run(&bars, &Signals::new(actions, 1), &config).unwrap()
    }

    fn reference(result: &BacktestResult, evaluation: Option<Value>) -> String {
        let e = &result.equity;
        let equity = (0..e.len())
            .map(|i| RefRow {
                timestamp: e.timestamps[i],
                equity: e.equity[i],
                drawdown_pct: e.drawdown_pct[i],
                drawdown_duration: e.drawdown_duration[i],
            })
            .collect();
        let config = serde_json::json!({"fast": 2});
        let v = Reference {
            head: Head::new("moving_average", &config, result),
            equity,
            tail: Tail {
                warnings: result.warnings.iter().map(ToString::to_string).collect(),
                evaluation,
            },
        };
        let mut s = serde_json::to_string_pretty(&v).unwrap();
        s.push('\n');
        s
    }

    fn written(result: &BacktestResult, evaluation: Option<Value>, rows: EquityRows) -> String {
        let mut out = Vec::new();
        let config = serde_json::json!({"fast": 2});
        write_json(
            &mut out,
            "moving_average",
            &config,
            result,
            evaluation,
            rows,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn streamed_json_is_what_serde_writes_byte_for_byte() {
        // Daily bars, and bars a fraction of a second apart (timestamps with `.ffffff`).
        for step in [86_400_000_000, 1_500_250] {
            let r = result(120, step);
            assert!(r.equity.drawdown_duration.iter().any(Option::is_some));
            assert!(!r.trades.is_empty());
            assert_eq!(written(&r, None, EquityRows::Full), reference(&r, None));
            let eval = serde_json::json!({"average_accuracy": 0.5, "horizons": [1, 2]});
            assert_eq!(
                written(&r, Some(eval.clone()), EquityRows::Full),
                reference(&r, Some(eval))
            );
        }
        // No bars traded, one bar: still the same text.
        let r = result(1, 60_000_000);
        assert_eq!(written(&r, None, EquityRows::Full), reference(&r, None));
    }

    #[test]
    fn equity_none_leaves_the_key_out_and_daily_keeps_each_days_last_bar() {
        // Hourly bars over five days.
        let r = result(120, 3_600_000_000);
        let none: serde_json::Value =
            serde_json::from_str(&written(&r, None, EquityRows::None)).unwrap();
        assert!(none.get("equity").is_none());
        assert_eq!(none["stats"]["# Trades"], r.stats.trades);
        let daily: serde_json::Value =
            serde_json::from_str(&written(&r, None, EquityRows::Daily)).unwrap();
        let rows = daily["equity"].as_array().unwrap();
        assert_eq!(rows.len(), 5);
        for (k, row) in rows.iter().enumerate() {
            let last = 24 * k + 23;
            assert_eq!(
                row["timestamp"],
                serde_json::json!(r.equity.timestamps[last])
            );
            assert_eq!(row["Equity"].as_f64(), Some(r.equity.equity[last]));
            let longest = r.equity.drawdown_duration[24 * k..=last]
                .iter()
                .flatten()
                .max()
                .map(|d| d.micros());
            let got = row["DrawdownDuration"]["seconds"]
                .as_f64()
                .map(|s| (s * 1e6).round() as i64);
            assert_eq!(got, longest, "day {k}");
        }
        assert!(
            rows.iter().any(|r| !r["DrawdownDuration"].is_null()),
            "no drawdown closed in a day"
        );
        // Daily bars: one row per bar, as the full curve.
        let r = result(30, 86_400_000_000);
        assert_eq!(
            written(&r, None, EquityRows::Daily),
            written(&r, None, EquityRows::Full)
        );
    }

    #[test]
    fn time_text_is_the_timestamps_own() {
        let mut t = TimeText::default();
        for micros in [
            0,
            1,
            999_999,
            86_399_999_999,
            1_420_156_800_000_000,
            1_420_156_800_000_000 + 3_661_000_001,
            -1,
            -62_167_219_200_000_000, // 0000-01-01
            253_402_300_799_999_999, // the last microsecond of 9999
        ] {
            let ts = Timestamp::from_micros(micros).unwrap();
            assert_eq!(t.text(ts), ts.to_string(), "{micros}");
        }
    }
}
