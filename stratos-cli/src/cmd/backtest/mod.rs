//! `stratos backtest STRATEGY INPUT`: a backtest over OHLC(V) bars with backtesting.py's
//! statistics, a parameter sweep (`--grid`), walk-forward optimisation, rolling-origin
//! evaluation of forecasts (`--evaluate`), and an SVG chart (`--plot`).

mod overlays;
mod progress;
mod report;
mod rolling_origin;
mod sweep;

use std::io::Write;
use std::path::Path;

use stratos_core::{Frame, Registry, StrategyRequest};
use stratos_eval::backtest::optimise::{ParamGrid, SweepOptions, sweep_with, walk_forward};
use stratos_eval::backtest::signals::{config_with_params, request_builder, trading_source_for};
use stratos_eval::backtest::{
    BacktestConfig, BacktestResult, Bars, Commission, EndOfData, Fill, LookAheadCheck, Period,
    SignalMode, Warning, run_source,
};

use self::progress::Progress;
use super::parse_config;
use super::run::{input_options, read_input};
use crate::cli::{BacktestArgs, BacktestFormat, CsvTable, EquityArg, SignalModeArg};
use crate::exit::{CliError, write_err};
use crate::output;
use crate::plot::{Ohlc, Overlay, PlotInput, PlotTrade, write_plot};

/// Longest strategy name in the chart's title, in characters.
const TITLE_NAME_CHARS: usize = 44;

/// Truncated histories the look-ahead guard recomputes with `--check-lookahead`.
const LOOKAHEAD_CUTS: usize = 20;

/// Runs the command.
pub(crate) fn run(args: &BacktestArgs, registry: &Registry) -> Result<(), CliError> {
    let config = parse_config(args.config.as_deref())?;
    if !config.is_null() && !config.is_object() {
        return Err(CliError::Usage("--config: expected a JSON object".into()));
    }
    let period = Period::parse(args.start.as_deref(), args.end.as_deref())?;
    if let Some(path) = &args.plot {
        crate::plot::check_path(path)?;
    }
    if let Some(spec) = &args.evaluate {
        let frame = period.select(&load(args)?)?;
        return rolling_origin::run(args, config, spec, &frame);
    }
    let request = StrategyRequest {
        strategy_id: args.strategy.clone(),
        config,
    };
    // Strategy, config, grid and flags are checked before any data is read.
    match args
        .grid
        .as_deref()
        .map(|g| sweep::grid(g, args.max_combinations))
        .transpose()?
    {
        Some(grid) => run_grid(args, registry, &request, &grid, &period),
        None => run_single(args, registry, &request, &period),
    }
}

/// One backtest, printed as the report, JSON or CSV.
fn run_single(
    args: &BacktestArgs,
    registry: &Registry,
    request: &StrategyRequest,
    period: &Period,
) -> Result<(), CliError> {
    let choice = trading_source_for(registry, request, Some(args.refit_every))?;
    let settings = settings(args, choice.mode)?;
    let frame = load(args)?;
    let bars = Bars::from_frame(&frame)?.within(period)?;
    for warning in choice.source.cost_warnings(bars.len()) {
        eprintln!("stratos: warning: {}: {warning}", args.strategy);
    }
    let check = if args.check_lookahead {
        LookAheadCheck::Sampled(LOOKAHEAD_CUTS)
    } else {
        LookAheadCheck::Off
    };
    let mut result = run_source(&bars, choice.source.as_ref(), &settings, check)?;
    let mut notes = Vec::new();
    let mut evaluation = None;
    match rolling_origin::accuracy(request, args.refit_every, bars.close(), &result.forecasts) {
        Ok(Some((accuracy, value))) => {
            result = result.with_average_accuracy(accuracy);
            evaluation = Some(value);
        }
        Ok(None) => {}
        Err(e) => notes.push(format!("average_accuracy: not computed ({e})")),
    }
    for line in warning_lines(&result.warnings) {
        eprintln!("stratos: warning: {line}");
    }
    if let Some(path) = &args.plot {
        let indicators = overlays::overlays(request, bars.close());
        plot_result(path, &args.strategy, &result, &bars, &indicators)?;
    }
    let mut out = output::stdout();
    match args.format {
        BacktestFormat::Table => {
            report::write_table(&mut out, &args.strategy, &result, &notes).map_err(write_err)?;
        }
        BacktestFormat::Json => {
            let rows = match args.equity {
                EquityArg::Full => report::EquityRows::Full,
                EquityArg::Daily => report::EquityRows::Daily,
                EquityArg::None => report::EquityRows::None,
            };
            report::write_json(
                &mut out,
                &args.strategy,
                &request.config,
                &result,
                evaluation,
                rows,
            )
            .map_err(write_err)?;
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
    registry: &Registry,
    request: &StrategyRequest,
    grid: &ParamGrid,
    period: &Period,
) -> Result<(), CliError> {
    let settings = settings(args, sweep_mode(args, registry, request, grid)?)?;
    let objective = sweep::objective(&args.rank_by)?;
    let windows = args
        .walk_forward
        .as_deref()
        .map(|w| sweep::windows(w, args.anchored))
        .transpose()?;
    let frame = load(args)?;
    let bars = Bars::from_frame(&frame)?.within(period)?;
    let build = request_builder(registry, request, Some(args.refit_every));
    let mut out = output::stdout();
    if let Some(windows) = windows {
        let report = walk_forward(&bars, grid, &settings, &objective, &build, windows, 0)?;
        if let Some(path) = &args.plot {
            let first = report.windows.first().map_or(0, |w| w.test_start);
            let tested = bars.range(first.min(bars.len()), bars.len());
            let title = format!(
                "{} walk-forward, out of sample · Return {}% · {} trades",
                args.strategy,
                fixed2(report.out_of_sample.return_pct),
                report.out_of_sample.trades
            );
            // Each window trades its own parameters: no one set of indicators to draw.
            plot(
                path,
                &title,
                &report.equity,
                &tested,
                &[],
                &report.trades,
                &[],
            )?;
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
        max_combinations: args.max_combinations,
    };
    let ranked = sweep_with(&bars, grid, &settings, &objective, &build, &options);
    progress.finish();
    let ranked = ranked?;
    sweep::non_empty(&ranked)?;
    if let (Some(path), Some(best)) = (&args.plot, ranked.first()) {
        // Chart the winner: the same run a single backtest with its keys gives.
        let best = StrategyRequest {
            strategy_id: request.strategy_id.clone(),
            config: config_with_params(&request.config, &best.params),
        };
        let choice = trading_source_for(registry, &best, Some(args.refit_every))?;
        let result = run_source(
            &bars,
            choice.source.as_ref(),
            &settings,
            LookAheadCheck::Off,
        )?;
        let indicators = overlays::overlays(&best, bars.close());
        plot_result(path, &args.strategy, &result, &bars, &indicators)?;
    }
    sweep::SweepOutput {
        strategy_id: &args.strategy,
        objective: &objective,
        grid_len: grid.len(),
        ranked: &ranked,
        top: args.top,
        base_config: &request.config,
    }
    .write(&mut out, args.format)?;
    out.flush().map_err(write_err)
}

/// The signal mode of a sweep: that of the first combination the strategy accepts (which
/// also checks the base config and the grid's keys before any data is read).
fn sweep_mode(
    args: &BacktestArgs,
    registry: &Registry,
    request: &StrategyRequest,
    grid: &ParamGrid,
) -> Result<SignalMode, CliError> {
    let mut last_err = None;
    for p in &grid.combinations() {
        let combination = StrategyRequest {
            strategy_id: request.strategy_id.clone(),
            config: config_with_params(&request.config, p),
        };
        match trading_source_for(registry, &combination, Some(args.refit_every)) {
            Ok(choice) => return Ok(choice.mode),
            Err(e) => last_err = Some(CliError::from(e)),
        }
    }
    Err(last_err.unwrap_or_else(|| CliError::Usage("--grid: no combinations".into())))
}

/// The engine settings from the flags: backtesting.py's defaults, with exclusive orders unless
/// `--exclusive-orders false` (a new signal closes the open trade first, as its README example) and the signal mode that
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
        margin: args.margin,
        stop_loss: args.sl,
        take_profit: args.tp,
        hedging: args.hedging,
        fill: if args.trade_on_close {
            Fill::ThisClose
        } else {
            Fill::NextOpen
        },
        exclusive_orders: args.exclusive_orders,
        signal_mode,
        end_of_data: if args.close_open_trades {
            EndOfData::CloseOnLastBar
        } else {
            EndOfData::LeaveOpen
        },
        ..BacktestConfig::default()
    };
    config.validate().map_err(|e| {
        CliError::Usage(format!(
            "{e} (from --cash, --commission, --spread or --margin)"
        ))
    })?;
    Ok(config)
}

/// Draws a single run's chart.
fn plot_result(
    path: &Path,
    strategy: &str,
    result: &BacktestResult,
    bars: &Bars<'_>,
    indicators: &[Overlay],
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
        bars,
        indicators,
        &result.trades,
        &result.open_trades,
    )
}

fn fixed2(v: f64) -> String {
    format!("{v:.2}")
}

/// Draws the chart to `path`: price (candles or close) with the indicators and trades,
/// volume, per-trade P/L, equity and drawdown, over the bars of the equity curve.
fn plot(
    path: &Path,
    title: &str,
    equity: &stratos_eval::backtest::EquityCurve,
    bars: &Bars<'_>,
    indicators: &[Overlay],
    trades: &[stratos_eval::backtest::Trade],
    open: &[stratos_eval::backtest::OpenTrade],
) -> Result<(), CliError> {
    let n = equity.len().min(bars.len());
    let cut = |v: &'_ [f64]| -> Vec<f64> { v.get(..n).unwrap_or(v).to_vec() };
    let bars = bars.range(0, n);
    let indicators: Vec<Overlay> = indicators
        .iter()
        .map(|o| Overlay {
            label: o.label.clone(),
            values: cut(&o.values),
        })
        .collect();
    let mut marks: Vec<PlotTrade> = trades
        .iter()
        .map(|t| PlotTrade {
            entry_bar: t.entry_bar,
            entry_price: t.entry_price,
            exit: Some((t.exit_bar, t.exit_price)),
            long: t.size > 0,
            pnl: t.pnl,
            return_pct: t.return_pct,
        })
        .collect();
    marks.extend(open.iter().map(|t| PlotTrade {
        entry_bar: t.entry_bar,
        entry_price: t.entry_price,
        exit: None,
        long: t.size > 0,
        pnl: t.unrealized_pnl,
        return_pct: f64::NAN,
    }));
    write_plot(
        path,
        &PlotInput {
            title,
            times: Some(equity.timestamps.get(..n).unwrap_or(&equity.timestamps)),
            ohlc: Some(Ohlc {
                open: bars.open(),
                high: bars.high(),
                low: bars.low(),
            }),
            close: bars.close(),
            volume: bars.volume(),
            overlays: &indicators,
            equity: equity.equity.get(..n).unwrap_or(&equity.equity),
            drawdown: equity.drawdown_pct.get(..n).unwrap_or(&equity.drawdown_pct),
            trades: &marks,
        },
    )
}

/// Reads the input (`--start` / `--end` are applied by the caller, through [`Period`]).
fn load(args: &BacktestArgs) -> Result<Frame, CliError> {
    let mut options = input_options(args.input_format).with_limits(args.limits.limits());
    if let Some(sheet) = &args.sheet {
        options = options.with_sheet(sheet.clone());
    }
    let frame = read_input(Some(Path::new(&args.input)), options)?;
    let (frame, note) = stratos_core::prepare::into_time_order(frame)
        .map_err(|e| CliError::Usage(format!("input: {e}")))?;
    if let Some(note) = note {
        eprintln!("stratos: note: {note}");
    }
    Ok(frame)
}

/// The warnings of a run, one line per kind: the first occurrence, with how many times the
/// kind occurred and the last bar when it repeats (a long run can cancel thousands of orders
/// for the same reason).
fn warning_lines(warnings: &[Warning]) -> Vec<String> {
    let mut kinds: Vec<(
        std::mem::Discriminant<Warning>,
        &Warning,
        usize,
        Option<usize>,
    )> = Vec::new();
    for w in warnings {
        let d = std::mem::discriminant(w);
        let bar = match w {
            Warning::InsufficientMargin { bar, .. } | Warning::OutOfMoney { bar } => Some(*bar),
            _ => None,
        };
        match kinds.iter_mut().find(|(k, ..)| *k == d) {
            Some((_, _, count, last)) => {
                *count += 1;
                *last = bar;
            }
            None => kinds.push((d, w, 1, bar)),
        }
    }
    kinds
        .into_iter()
        .map(|(_, first, count, last)| match (count, last) {
            (1, _) => first.to_string(),
            (n, Some(last)) => format!("{first} [{n} times in all, the last at bar {last}]"),
            (n, None) => format!("{first} [{n} times in all]"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{Warning, warning_lines};

    #[test]
    fn repeated_warnings_are_one_line_with_a_count() {
        let w = |bar| Warning::InsufficientMargin {
            bar,
            equity: 1.0,
            margin_available: 0.5,
        };
        let lines = warning_lines(&[w(3), w(9), w(12), Warning::OpenTradesAtEnd { count: 1 }]);
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("bar 3: "), "{}", lines[0]);
        assert!(
            lines[0].ends_with("[3 times in all, the last at bar 12]"),
            "{}",
            lines[0]
        );
        assert_eq!(lines[1], Warning::OpenTradesAtEnd { count: 1 }.to_string());
    }
}
