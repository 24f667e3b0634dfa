//! `stratos backtest STRATEGY INPUT`: a backtest over OHLC(V) bars with backtesting.py's
//! statistics, a parameter sweep (`--grid`), walk-forward optimisation, rolling-origin
//! evaluation of forecasts (`--evaluate`), and an SVG chart (`--plot`).

mod evaluate;
mod progress;
mod report;
mod source;
mod sweep;

use std::io::Write;
use std::path::Path;

use stratos_core::backtest::optimise::{ParamGrid, Params, SweepOptions, sweep_with, walk_forward};
use stratos_core::backtest::{
    BacktestConfig, BacktestResult, Bars, Commission, EndOfData, Fill, LookAheadCheck, SignalMode,
    run_source,
};
use stratos_core::{Frame, Registry, Timestamp};

use self::progress::Progress;
use self::source::SourceFactory;
use super::parse_config;
use super::run::{input_options, read_input};
use crate::cli::{BacktestArgs, BacktestFormat, CsvTable, SignalModeArg};
use crate::exit::{CliError, write_err};
use crate::output;
use crate::plot::{PlotInput, PlotTrade, write_svg};

/// Longest strategy name in the chart's title, in characters.
const TITLE_NAME_CHARS: usize = 44;

/// Truncated histories the look-ahead guard recomputes with `--check-lookahead`.
const LOOKAHEAD_CUTS: usize = 20;

/// `stratos backtest --help`'s examples and notes.
pub(crate) const HELP: &str = "Examples:
  stratos backtest moving_average examples/data/ohlcv_daily.csv --config '{\"fast\":10,\"slow\":20}' --commission 0.002
  stratos backtest moving_average stratos-cli/tests/data/ohlcv_300.xlsx --config '{\"fast\":10,\"slow\":20}' --cash 100000 --plot chart.svg
  stratos backtest moving_average examples/data/ohlcv_daily.csv --config '{\"fast\":10,\"slow\":20}' --format json
  stratos backtest moving_average examples/data/ohlcv_daily.csv --config '{\"fast\":10,\"slow\":20}' --format csv --csv equity
  stratos backtest moving_average examples/data/ohlcv_daily.csv --start 2016-01-01 --end 2017-12-31 --close-open-trades
  stratos backtest moving_average examples/data/ohlcv_daily.csv --grid 'fast=5..30:5,slow=20..100:10' --rank-by 'Return [%]'
  stratos backtest arima_prediction examples/data/ohlcv_daily.csv --config '{\"p\":1,\"d\":1,\"q\":1}' --evaluate '{\"horizon\":5,\"step\":20}'

Input: OHLC(V) bars with columns Open, High, Low, Close (any case), optional Volume, and a
time column; CSV, TSV, XLSX/XLS/ODS, JSON and NDJSON are read.

Fills follow backtesting.py 0.6.6: a signal on bar t fills at bar t+1's open (--trade-on-close:
at bar t's close); orders size to the whole units the cash buys; commission is paid at entry and
exit; a new signal closes the open trade first (exclusive orders). Trades still open at the end
stay open (in the equity, not in the trade statistics) unless --close-open-trades.

--grid runs every combination of the given config keys on all cores and ranks them by
--rank-by (a statistic's backtesting.py name); combinations the strategy rejects (e.g. fast >=
slow) are skipped and counted. The best row is exactly what a single run with those keys gives.

--evaluate (arima_prediction, hybrid_arima_ma) runs a rolling-origin evaluation instead of a
backtest: at each origin the model is refitted on the data before it and forecasts `horizon`
steps; MAPE, RMSE, MAE and direction accuracy (the seed's average_accuracy) per step, beside
the naive forecast. Keys: horizon (5), step (1), initial (half the data), window
(\"expanding\" or {\"sliding\": N}).

Exit codes: 0 ok, 2 usage, 65 bad data (e.g. no OHLC columns), 66 missing input, 1 other.";

/// Runs the command.
pub(crate) fn run(args: &BacktestArgs, registry: &Registry) -> Result<(), CliError> {
    let config = parse_config(args.config.as_deref())?;
    if !config.is_null() && !config.is_object() {
        return Err(CliError::Usage("--config: expected a JSON object".into()));
    }
    if let Some(spec) = &args.evaluate {
        let frame = load(args)?;
        return evaluate::run(args, config, spec, &frame);
    }
    let factory = SourceFactory::new(registry, &args.strategy, args.refit_every);
    // Strategy, config, grid and flags are checked before any data is read.
    match args.grid.as_deref().map(sweep::grid).transpose()? {
        Some(grid) => run_grid(args, &factory, &config, &grid),
        None => run_single(args, &factory, &config),
    }
}

/// One backtest, printed as the report, JSON or CSV.
fn run_single(
    args: &BacktestArgs,
    factory: &SourceFactory<'_>,
    config: &serde_json::Value,
) -> Result<(), CliError> {
    let (source, mode) = factory.build(config)?;
    let settings = settings(args, mode)?;
    let frame = load(args)?;
    let bars = Bars::from_frame(&frame)?;
    let check = if args.check_lookahead {
        LookAheadCheck::Sampled(LOOKAHEAD_CUTS)
    } else {
        LookAheadCheck::Off
    };
    let mut result = run_source(&bars, source.as_ref(), &settings, check)?;
    let mut notes = Vec::new();
    let mut evaluation = None;
    if factory.forecasts() {
        match evaluate::accuracy(&args.strategy, config, args.refit_every, bars.close()) {
            Ok((accuracy, value)) => {
                result = result.with_average_accuracy(accuracy);
                evaluation = Some(value);
            }
            Err(e) => notes.push(format!("average_accuracy: not computed ({e})")),
        }
    }
    for w in &result.warnings {
        eprintln!("stratos: warning: {w}");
    }
    if let Some(path) = &args.plot {
        plot_result(path, &args.strategy, &result, bars.close())?;
    }
    let mut out = output::stdout();
    match args.format {
        BacktestFormat::Table => {
            report::write_table(&mut out, &args.strategy, &result, &notes).map_err(write_err)?;
        }
        BacktestFormat::Json => {
            let v = report::BacktestJson::new(&args.strategy, config, &result, evaluation);
            serde_json::to_writer_pretty(&mut out, &v).map_err(write_err)?;
            writeln!(out).map_err(write_err)?;
        }
        BacktestFormat::Csv => match args.csv {
            CsvTable::Trades => report::write_trades_csv(&mut out, &result.trades)?,
            CsvTable::Equity => report::write_equity_csv(&mut out, &result)?,
        },
    }
    out.flush().map_err(write_err)
}

/// A parameter sweep over `grid` on all cores, or with `--walk-forward` a walk-forward
/// optimisation.
fn run_grid(
    args: &BacktestArgs,
    factory: &SourceFactory<'_>,
    config: &serde_json::Value,
    grid: &ParamGrid,
) -> Result<(), CliError> {
    let settings = settings(args, sweep_mode(factory, config, grid)?)?;
    let objective = sweep::objective(&args.rank_by)?;
    let windows = args
        .walk_forward
        .as_deref()
        .map(|w| sweep::windows(w, args.anchored))
        .transpose()?;
    let frame = load(args)?;
    let bars = Bars::from_frame(&frame)?;
    let build = |p: &Params| factory.build_with(config, p);
    let mut out = output::stdout();
    if let Some(windows) = windows {
        let report = walk_forward(&bars, grid, &settings, &objective, &build, windows, 0)?;
        if let Some(path) = &args.plot {
            let first = report.windows.first().map_or(0, |w| w.test_start);
            let close = bars.close().get(first..).unwrap_or_default();
            let title = format!(
                "{} walk-forward, out of sample · Return {}% · {} trades",
                args.strategy,
                fixed2(report.out_of_sample.return_pct),
                report.out_of_sample.trades
            );
            plot(path, &title, &report.equity, close, &report.trades, &[])?;
        }
        sweep::write_walk_forward(
            &mut out,
            args.format,
            &args.strategy,
            &objective,
            &bars,
            &report,
        )?;
        return out.flush().map_err(write_err);
    }
    let progress = Progress::start("sweeping", grid.len());
    let tick = |_done: usize, _total: usize| progress.inc();
    let options = SweepOptions {
        threads: 0,
        progress: Some(&tick),
    };
    let ranked = sweep_with(&bars, grid, &settings, &objective, &build, &options);
    progress.finish();
    let ranked = ranked?;
    sweep::non_empty(&ranked)?;
    if let (Some(path), Some(best)) = (&args.plot, ranked.first()) {
        // Chart the winner: the same run a single backtest with its keys gives.
        let (source, _) = factory.build(&source::with_params(config, &best.params)?)?;
        let result = run_source(&bars, source.as_ref(), &settings, LookAheadCheck::Off)?;
        plot_result(path, &args.strategy, &result, bars.close())?;
    }
    sweep::SweepOutput {
        strategy_id: &args.strategy,
        objective: &objective,
        grid_len: grid.len(),
        ranked: &ranked,
        top: args.top,
        base_config: config,
    }
    .write(&mut out, args.format)?;
    out.flush().map_err(write_err)
}

/// The signal mode of a sweep: that of the first combination the strategy accepts (which
/// also checks the base config and the grid's keys before any data is read).
fn sweep_mode(
    factory: &SourceFactory<'_>,
    config: &serde_json::Value,
    grid: &ParamGrid,
) -> Result<SignalMode, CliError> {
    let mut last_err = None;
    for p in &grid.combinations() {
        match factory.build(&source::with_params(config, p)?) {
            Ok((_, mode)) => return Ok(mode),
            Err(e) => last_err = Some(e),
        }
    }
    Err(last_err.unwrap_or_else(|| CliError::Usage("--grid: no combinations".into())))
}

/// The engine settings from the flags: backtesting.py's defaults, with exclusive orders (a
/// new signal closes the open trade first, as its README example) and the signal mode that
/// suits the strategy unless `--signal-mode` says otherwise.
fn settings(args: &BacktestArgs, mode: SignalMode) -> Result<BacktestConfig, CliError> {
    let signal_mode = match args.signal_mode {
        Some(SignalModeArg::Orders) => SignalMode::Orders,
        Some(SignalModeArg::Position) => SignalMode::Position,
        Some(SignalModeArg::LongOnly) => SignalMode::LongOnly,
        None => mode,
    };
    let config = BacktestConfig {
        cash: args.cash,
        commission: Commission::relative(args.commission),
        spread: args.spread,
        fill: if args.trade_on_close {
            Fill::ThisClose
        } else {
            Fill::NextOpen
        },
        exclusive_orders: true,
        signal_mode,
        end_of_data: if args.close_open_trades {
            EndOfData::CloseOnLastBar
        } else {
            EndOfData::LeaveOpen
        },
        ..BacktestConfig::default()
    };
    config
        .validate()
        .map_err(|e| CliError::Usage(format!("{e} (from --cash, --commission or --spread)")))?;
    Ok(config)
}

/// Draws a single run's chart.
fn plot_result(
    path: &Path,
    strategy: &str,
    result: &BacktestResult,
    close: &[f64],
) -> Result<(), CliError> {
    let name = if result.strategy.is_empty() {
        strategy
    } else {
        &result.strategy
    };
    // Registry strategies are named with their whole config: keep the title on one line.
    let name = match name.char_indices().nth(TITLE_NAME_CHARS) {
        Some((cut, _)) => format!("{}…", &name[..cut]),
        None => name.to_owned(),
    };
    let title = format!(
        "{name} · {} · Return {}% · {} trades · max drawdown {}%",
        report::period(&result.stats),
        fixed2(result.stats.return_pct),
        result.stats.trades,
        fixed2(result.stats.max_drawdown_pct)
    );
    plot(
        path,
        &title,
        &result.equity,
        close,
        &result.trades,
        &result.open_trades,
    )
}

fn fixed2(v: f64) -> String {
    format!("{v:.2}")
}

/// Draws price with trades, equity and drawdown to `path`.
fn plot(
    path: &Path,
    title: &str,
    equity: &stratos_core::backtest::EquityCurve,
    close: &[f64],
    trades: &[stratos_core::backtest::Trade],
    open: &[stratos_core::backtest::OpenTrade],
) -> Result<(), CliError> {
    let n = equity.len();
    let close = close.get(..n).unwrap_or(close);
    let mut marks: Vec<PlotTrade> = trades
        .iter()
        .map(|t| PlotTrade {
            entry_bar: t.entry_bar,
            entry_price: t.entry_price,
            exit: Some((t.exit_bar, t.exit_price)),
            long: t.size > 0,
            pnl: t.pnl,
        })
        .collect();
    marks.extend(open.iter().map(|t| PlotTrade {
        entry_bar: t.entry_bar,
        entry_price: t.entry_price,
        exit: None,
        long: t.size > 0,
        pnl: t.unrealized_pnl,
    }));
    write_svg(
        path,
        &PlotInput {
            title,
            times: Some(&equity.timestamps),
            close,
            equity: &equity.equity,
            drawdown: &equity.drawdown_pct,
            trades: &marks,
        },
    )
}

/// Reads the input and keeps the bars between `--start` and `--end`.
fn load(args: &BacktestArgs) -> Result<Frame, CliError> {
    let mut options = input_options(args.input_format).with_limits(args.limits.limits());
    if let Some(sheet) = &args.sheet {
        options = options.with_sheet(sheet.clone());
    }
    let frame = read_input(Some(Path::new(&args.input)), options)?;
    if args.start.is_none() && args.end.is_none() {
        return Ok(frame);
    }
    let Some(times) = frame.timestamps() else {
        return Err(CliError::Usage(
            "--start/--end: the input has no time column".into(),
        ));
    };
    let start = args
        .start
        .as_deref()
        .map(|s| bound("--start", s, false))
        .transpose()?;
    let end = args
        .end
        .as_deref()
        .map(|s| bound("--end", s, true))
        .transpose()?;
    let keep =
        |t: &Timestamp| start.is_none_or(|s| t.micros() >= s) && end.is_none_or(|e| t.micros() < e);
    let first = times.iter().position(keep);
    let last = times.iter().rposition(keep);
    let (Some(first), Some(last)) = (first, last) else {
        return Err(CliError::Usage(format!(
            "--start/--end: no bars between {} and {}",
            args.start.as_deref().unwrap_or("the start"),
            args.end.as_deref().unwrap_or("the end")
        )));
    };
    slice_frame(&frame, first, last + 1)
}

/// A `--start` bound (inclusive) or `--end` bound (exclusive) in microseconds; a bare date as
/// `--end` means the end of that day.
fn bound(flag: &str, text: &str, end: bool) -> Result<i64, CliError> {
    let t = Timestamp::parse(text).map_err(|e| CliError::Usage(format!("{flag}: {e}")))?;
    let bare_date = text.trim().len() == 10;
    let after = match (end, bare_date) {
        (false, _) => 0,
        (true, true) => 86_400_000_000,
        (true, false) => 1,
    };
    Ok(t.micros().saturating_add(after))
}

/// Rows `start..end` of a frame, every column kept.
fn slice_frame(frame: &Frame, start: usize, end: usize) -> Result<Frame, CliError> {
    let mut b = Frame::builder();
    if let Some(t) = frame.timestamps() {
        let name = frame
            .schema()
            .timestamp_field
            .clone()
            .unwrap_or_else(|| "timestamp".into());
        b = b.timestamps(name, t[start..end].to_vec());
    }
    for c in frame.numeric_columns() {
        b = b.numeric(c.name.clone(), c.values[start..end].to_vec());
    }
    for (k, v) in &frame.schema().units {
        b = b.unit(k.clone(), v.clone());
    }
    b.build()
        .map_err(|e| CliError::Usage(format!("--start/--end: {e}")))
}
