//! The backtest chart as SVG (plotters, SVG backend only: text is written as SVG `<text>`, so
//! no font files are read and none need to be installed), or as PNG (feature `png`, on by
//! default): the same SVG rasterised by resvg, its text set in a DejaVu Sans subset bundled in
//! the binary (`assets/DejaVuSans-subset.ttf`: ASCII, Latin-1, dashes, `−`, `…`, `€`), so no
//! system font is read either.
//!
//! Panels over one bar axis, dates on the bottom one:
//! - price: OHLC candles when every bar gets at least [`CANDLE_PX`] pixels, else the close as
//!   a line; the strategy's indicators over it (the moving averages of a crossover), with a
//!   legend; each trade's entry and exit: a green ▲ for a long entry, a red ▼ for a short
//!   entry, a ring at the exit (green for a winning trade, red for a losing one), joined by a
//!   thin line (up to [`MAX_MARKED_TRADES`] trades; with more, the price carries no marks and
//!   the P/L panel shows them);
//! - volume, when the bars have it;
//! - P/L: each closed trade's return in percent at its exit bar (green: win, red: loss);
//! - equity;
//! - drawdown, in percent below the running peak.
//!
//! The x axis is the bar index, so gaps without bars (weekends, holidays) take no room; its
//! labels are the bars' dates (with the time of day when the data is intraday).
//!
//! Long series are drawn at the chart's resolution: with more than two bars per pixel column
//! ([`COLUMNS`] of them), each line keeps, per column, its lowest and its highest value, in bar
//! order, so a one-bar spike still reaches its pixel; volume keeps each column's highest bar
//! (light) and its mean (solid), and the P/L panel each column's best and worst trade. A million bars make a chart of the
//! same size as a few thousand.

use std::io;
use std::ops::Range;
use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use stratos_core::Timestamp;

use crate::exit::CliError;

/// Width of the chart in pixels.
const WIDTH: u32 = 1200;
/// Height of the chart in pixels.
const HEIGHT: u32 = 1000;
/// Width of the y label area of every panel, equal so that the panels' x axes line up.
const Y_LABELS: u32 = 90;
/// Room right of every panel.
const MARGIN_RIGHT: u32 = 20;
/// Pixel columns of a panel's plotting area: series are drawn at this resolution.
pub(crate) const COLUMNS: usize = (WIDTH - Y_LABELS - MARGIN_RIGHT) as usize;
/// Candles are drawn when every bar gets at least this many pixels (so up to
/// [`COLUMNS`]` / CANDLE_PX` bars); with more bars the close is drawn as a line.
pub(crate) const CANDLE_PX: usize = 4;
/// Most trades marked on the price panel, one by one.
pub(crate) const MAX_MARKED_TRADES: usize = 300;

const LONG: RGBColor = RGBColor(0, 140, 60);
const SHORT: RGBColor = RGBColor(200, 30, 30);
const PRICE: RGBColor = RGBColor(30, 80, 160);
const EQUITY: RGBColor = RGBColor(20, 110, 120);
const DRAWDOWN: RGBColor = RGBColor(190, 50, 50);
const GRID: RGBColor = RGBColor(225, 225, 225);
const CANDLE_UP: RGBColor = RGBColor(38, 166, 91);
const CANDLE_DOWN: RGBColor = RGBColor(214, 69, 65);
const VOLUME: RGBColor = RGBColor(110, 120, 140);
const ZERO: RGBColor = RGBColor(150, 150, 150);
/// The indicator overlays' colours, in order (repeated past the last).
const OVERLAY_COLOURS: [RGBColor; 4] = [
    RGBColor(240, 140, 0),
    RGBColor(140, 60, 180),
    RGBColor(0, 160, 200),
    RGBColor(120, 90, 40),
];

/// One trade as the chart shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PlotTrade {
    /// Bar of the entry fill.
    pub(crate) entry_bar: usize,
    /// Entry fill price.
    pub(crate) entry_price: f64,
    /// Bar and price of the exit fill; `None` for a trade still open at the end.
    pub(crate) exit: Option<(usize, f64)>,
    /// True for a long trade, false for a short one.
    pub(crate) long: bool,
    /// Profit or loss (only its sign is used: it colours the exit).
    pub(crate) pnl: f64,
    /// The trade's return as a fraction of its entry value (the P/L panel, closed trades).
    pub(crate) return_pct: f64,
}

/// The open, high and low per bar (the close is [`PlotInput::close`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ohlc<'a> {
    /// Open per bar.
    pub(crate) open: &'a [f64],
    /// High per bar.
    pub(crate) high: &'a [f64],
    /// Low per bar.
    pub(crate) low: &'a [f64],
}

/// An indicator drawn over the price (a moving average), one value per bar (NaN where it
/// is not defined yet).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Overlay {
    /// The legend's text, e.g. `SMA(10)`.
    pub(crate) label: String,
    /// One value per bar.
    pub(crate) values: Vec<f64>,
}

/// Everything the chart draws; every per-bar slice has one value per bar.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlotInput<'a> {
    /// The chart's title.
    pub(crate) title: &'a str,
    /// Bar times (bar numbers are shown when there are none).
    pub(crate) times: Option<&'a [Timestamp]>,
    /// Open, high and low per bar, for candles.
    pub(crate) ohlc: Option<Ohlc<'a>>,
    /// Close price per bar.
    pub(crate) close: &'a [f64],
    /// Volume per bar, when the bars have it.
    pub(crate) volume: Option<&'a [f64]>,
    /// Indicators drawn over the price.
    pub(crate) overlays: &'a [Overlay],
    /// Equity per bar.
    pub(crate) equity: &'a [f64],
    /// Drawdown per bar as a fraction of the running peak (0 at a peak, 0.1 for 10 % below).
    pub(crate) drawdown: &'a [f64],
    /// The trades, in any order.
    pub(crate) trades: &'a [PlotTrade],
}

/// Why a chart could not be drawn.
fn plot_err(message: impl Into<String>) -> CliError {
    CliError::Io {
        context: "drawing the plot",
        source: io::Error::other(message.into()),
    }
}

/// The file formats a chart is written in, chosen by the path's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlotFormat {
    /// `.svg`: the SVG document.
    Svg,
    /// `.png`: the SVG rendered by resvg.
    Png,
}

/// Renders the chart and writes it to `path`, as SVG or PNG by its extension.
///
/// # Errors
/// [`CliError::Usage`] for an extension other than `.svg` / `.png`; [`CliError::Io`] when
/// the input is inconsistent, drawing fails or the file cannot be written.
pub(crate) fn write_plot(path: &Path, input: &PlotInput<'_>) -> Result<(), CliError> {
    let format = check_path(path)?;
    // Every error names the plot's path.
    let named = |context: &'static str, source: io::Error| CliError::Io {
        context,
        source: io::Error::new(
            source.kind(),
            format!("--plot {}: {source}", path.display()),
        ),
    };
    let rename = |e| match e {
        CliError::Io { context, source } => named(context, source),
        other => other,
    };
    let svg = render_svg(input).map_err(rename)?;
    let bytes = match format {
        PlotFormat::Svg => svg.into_bytes(),
        PlotFormat::Png => render_png(&svg).map_err(rename)?,
    };
    std::fs::write(path, bytes).map_err(|source| named("writing the plot", source))
}

/// Checks that `path` names a file format the chart is written in: `.svg`, or `.png` when
/// built with the `png` feature (any case). Anything else is refused naming the path, before
/// any work is done, so a file never receives bytes of another format.
///
/// # Errors
/// [`CliError::Usage`] for any other extension.
pub(crate) fn check_path(path: &Path) -> Result<PlotFormat, CliError> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ext.eq_ignore_ascii_case("svg") {
        return Ok(PlotFormat::Svg);
    }
    if ext.eq_ignore_ascii_case("png") {
        if cfg!(feature = "png") {
            return Ok(PlotFormat::Png);
        }
        return Err(CliError::Usage(format!(
            "--plot {}: this build writes SVG only (PNG needs the `png` feature); name the \
             file with a .svg extension",
            path.display()
        )));
    }
    Err(CliError::Usage(format!(
        "--plot {}: the chart is written as SVG or PNG; name the file with a .svg or .png \
         extension",
        path.display()
    )))
}

/// The bundled font the PNG's text is set in (DejaVu Sans, subset; see `assets/README.md`).
#[cfg(feature = "png")]
const FONT: &[u8] = include_bytes!("../assets/DejaVuSans-subset.ttf");

/// The family name of [`FONT`].
#[cfg(feature = "png")]
const FONT_FAMILY: &str = "DejaVu Sans";

/// Rasterises `svg` (the chart [`render_svg`] drew) to PNG bytes on a white background, every
/// font family resolved to the bundled [`FONT`].
///
/// # Errors
/// [`CliError::Io`] (context "drawing the plot") when the SVG cannot be parsed or the PNG
/// cannot be encoded.
#[cfg(feature = "png")]
pub(crate) fn render_png(svg: &str) -> Result<Vec<u8>, CliError> {
    use resvg::{tiny_skia, usvg};
    let mut options = usvg::Options {
        font_family: FONT_FAMILY.to_owned(),
        ..usvg::Options::default()
    };
    let fonts = options.fontdb_mut();
    fonts.load_font_data(FONT.to_vec());
    for set in [
        usvg::fontdb::Database::set_sans_serif_family,
        usvg::fontdb::Database::set_serif_family,
        usvg::fontdb::Database::set_monospace_family,
    ] {
        set(fonts, FONT_FAMILY);
    }
    let tree = usvg::Tree::from_str(svg, &options)
        .map_err(|e| plot_err(format!("rendering the SVG: {e}")))?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| plot_err(format!("empty chart size {size:?}")))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap
        .encode_png()
        .map_err(|e| plot_err(format!("encoding the PNG: {e}")))
}

/// Without the `png` feature, [`check_path`] refuses `.png` before this is reached.
#[cfg(not(feature = "png"))]
fn render_png(_svg: &str) -> Result<Vec<u8>, CliError> {
    Err(plot_err("PNG output needs the `png` feature"))
}

/// Renders the chart as an SVG document.
///
/// # Errors
/// [`CliError::Io`] (context "drawing the plot") when the slices differ in length, there are
/// no bars, or plotters fails.
pub(crate) fn render_svg(input: &PlotInput<'_>) -> Result<String, CliError> {
    let n = input.close.len();
    if n == 0 {
        return Err(plot_err("no bars to plot"));
    }
    let mut lengths = vec![
        ("equity values", input.equity.len()),
        ("drawdowns", input.drawdown.len()),
    ];
    if let Some(t) = input.times {
        lengths.push(("times", t.len()));
    }
    if let Some(o) = &input.ohlc {
        lengths.extend([
            ("opens", o.open.len()),
            ("highs", o.high.len()),
            ("lows", o.low.len()),
        ]);
    }
    if let Some(v) = input.volume {
        lengths.push(("volumes", v.len()));
    }
    lengths.extend(
        input
            .overlays
            .iter()
            .map(|o| ("indicator values", o.values.len())),
    );
    if let Some((what, len)) = lengths.iter().find(|(_, len)| *len != n) {
        return Err(plot_err(format!(
            "{n} closes but {len} {what}: expected one per bar"
        )));
    }
    if let Some(t) = input
        .trades
        .iter()
        .find(|t| t.entry_bar >= n || t.exit.is_some_and(|(b, _)| b >= n))
    {
        return Err(plot_err(format!(
            "a trade at bar {} lies outside the {n} bars",
            t.entry_bar
        )));
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root, input).map_err(|e| plot_err(e.to_string()))?;
        root.present().map_err(|e| plot_err(e.to_string()))?;
    }
    Ok(svg)
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Heights of the panels, in pixels, top to bottom (the drawdown panel takes the rest).
const TITLE_H: u32 = 52;
const PRICE_H: u32 = 400;
const VOLUME_H: u32 = 80;
const PNL_H: u32 = 120;
const EQUITY_H: u32 = 170;

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, input: &PlotInput<'_>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let n = input.close.len();
    let marked = input.trades.len() <= MAX_MARKED_TRADES;
    let candles = input
        .ohlc
        .filter(|_| n.saturating_mul(CANDLE_PX) <= COLUMNS);
    let (title_area, body) = root.split_vertically(TITLE_H);
    title_area.draw(&Text::new(
        input.title.to_owned(),
        (12, 8),
        ("sans-serif", 19).into_font().color(&BLACK),
    ))?;
    let mut key = if marked {
        "▲ long entry  ·  ▼ short entry  ·  ○ exit (green: win, red: loss)  ·  line: entry to exit"
            .to_owned()
    } else {
        let closed = input.trades.iter().filter(|t| t.exit.is_some()).count();
        format!(
            "{} closed trades: too many to mark on the price; the P/L panel shows each \
             column's best and worst",
            group_thousands(closed)
        )
    };
    if n > 2 * COLUMNS {
        key.push_str(&format!(
            "  ·  {} bars: each pixel column's low and high",
            group_thousands(n)
        ));
    }
    title_area.draw(&Text::new(
        key,
        (12, 32),
        ("sans-serif", 15).into_font().color(&RGBColor(80, 80, 80)),
    ))?;
    let price_h = if input.volume.is_some() {
        PRICE_H
    } else {
        PRICE_H + VOLUME_H
    };
    let (price_area, rest) = body.split_vertically(price_h);
    let (volume_area, rest) = if input.volume.is_some() {
        let (v, r) = rest.split_vertically(VOLUME_H);
        (Some(v), r)
    } else {
        (None, rest)
    };
    let (pnl_area, rest) = rest.split_vertically(PNL_H);
    let (equity_area, dd_area) = rest.split_vertically(EQUITY_H);

    let x_range = -0.5..(n as f64 - 0.5);
    let dates = DateLabels::new(input.times);
    let date_label = |x: &f64| dates.label(*x, n);

    draw_price(&price_area, x_range.clone(), input, candles, marked)?;
    if let (Some(area), Some(volume)) = (&volume_area, input.volume) {
        draw_volume(area, x_range.clone(), volume)?;
    }
    draw_pnl(&pnl_area, x_range.clone(), n, input.trades)?;

    // Equity.
    let (lo, hi) = padded_range(input.equity.iter().copied());
    let mut equity = value_panel(&equity_area, x_range.clone(), lo..hi, 5, "Equity")?;
    equity.draw_series(LineSeries::new(envelope(input.equity), &EQUITY))?;

    // Drawdown, in percent, drawn downwards from 0.
    let dd_pct: Vec<f64> = input.drawdown.iter().map(|d| -100.0 * d).collect();
    let deepest = dd_pct
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::min);
    let floor = if deepest < 0.0 { deepest * 1.1 } else { -1.0 };
    let mut drawdown = ChartBuilder::on(&dd_area)
        .margin_right(MARGIN_RIGHT)
        .margin_top(12)
        .margin_bottom(5)
        .y_label_area_size(Y_LABELS)
        .x_label_area_size(40)
        .build_cartesian_2d(x_range, floor..0.0)?;
    drawdown
        .configure_mesh()
        .x_labels(10)
        .y_labels(5)
        .y_desc("Drawdown %")
        .x_label_formatter(&date_label)
        .y_label_formatter(&|v| format!("{v:.0}%"))
        .max_light_lines(0)
        .bold_line_style(GRID)
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .draw()?;
    drawdown.draw_series(LineSeries::new(envelope(&dd_pct), &DRAWDOWN))?;
    Ok(())
}

/// The price panel: candles or the close, the indicators with their legend, the trades.
fn draw_price<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x_range: Range<f64>,
    input: &PlotInput<'_>,
    candles: Option<Ohlc<'_>>,
    marked: bool,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let fills = input
        .trades
        .iter()
        .filter(|_| marked)
        .flat_map(|t| std::iter::once(t.entry_price).chain(t.exit.map(|(_, p)| p)));
    let bars = candles.map_or_else(
        || input.close.to_vec(),
        |o| o.high.iter().chain(o.low).copied().collect(),
    );
    let indicators = input.overlays.iter().flat_map(|o| o.values.iter().copied());
    let (lo, hi) = padded_range(
        bars.iter()
            .copied()
            .chain(input.close.iter().copied())
            .chain(indicators)
            .chain(fills),
    );
    let mut price = value_panel(area, x_range, lo..hi, 8, "Price")?;
    if let Some(o) = candles {
        let bar = |i: usize| {
            let (open, close) = (o.open[i], input.close[i]);
            let colour = if close >= open {
                CANDLE_UP
            } else {
                CANDLE_DOWN
            };
            (open, close, colour)
        };
        let finite = |i: &usize| {
            [o.open[*i], o.high[*i], o.low[*i], input.close[*i]]
                .iter()
                .all(|v| v.is_finite())
        };
        price.draw_series((0..input.close.len()).filter(finite).map(|i| {
            let (_, _, colour) = bar(i);
            let x = i as f64;
            PathElement::new(vec![(x, o.low[i]), (x, o.high[i])], colour.stroke_width(1))
        }))?;
        price.draw_series((0..input.close.len()).filter(finite).map(|i| {
            let (open, close, colour) = bar(i);
            let x = i as f64;
            Rectangle::new([(x - 0.35, open), (x + 0.35, close)], colour.filled())
        }))?;
    }
    // Over candles the indicators go on top; under a close line they go below it, thinner
    // when the series is reduced to pixel columns (there they follow the price closely).
    let width = if input.close.len() > 2 * COLUMNS {
        1
    } else {
        2
    };
    for (k, overlay) in input.overlays.iter().enumerate() {
        let colour = OVERLAY_COLOURS[k % OVERLAY_COLOURS.len()];
        price
            .draw_series(LineSeries::new(
                envelope(&overlay.values),
                colour.stroke_width(width),
            ))?
            .label(overlay.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 22, y)], colour.stroke_width(2))
            });
    }
    if candles.is_none() {
        price.draw_series(LineSeries::new(envelope(input.close), &PRICE))?;
    }
    if !input.overlays.is_empty() {
        price
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(GRID)
            .label_font(("sans-serif", 13))
            .draw()?;
    }
    if !marked {
        return Ok(());
    }
    for t in input.trades {
        if let Some((exit_bar, exit_price)) = t.exit {
            let colour = if t.pnl > 0.0 { LONG } else { SHORT };
            price.draw_series(std::iter::once(PathElement::new(
                vec![
                    (t.entry_bar as f64, t.entry_price),
                    (exit_bar as f64, exit_price),
                ],
                colour.mix(0.6).stroke_width(1),
            )))?;
        }
    }
    // Exit rings first, entries on top: with flips, an exit and the next entry share a bar.
    price.draw_series(input.trades.iter().filter_map(|t| {
        let (bar, p) = t.exit?;
        let colour = if t.pnl > 0.0 { LONG } else { SHORT };
        Some(Circle::new(
            (bar as f64, p),
            6,
            ShapeStyle::from(&colour).stroke_width(2),
        ))
    }))?;
    price.draw_series(input.trades.iter().map(|t| {
        let (colour, shape) = if t.long {
            (LONG, vec![(-5, 4), (5, 4), (0, -6)])
        } else {
            (SHORT, vec![(-5, -4), (5, -4), (0, 6)])
        };
        EmptyElement::at((t.entry_bar as f64, t.entry_price)) + Polygon::new(shape, colour.filled())
    }))?;
    Ok(())
}

/// The volume panel: a bar per bar, or with more bars than pixel columns each column's
/// highest bar (light) and mean (solid) across the column.
fn draw_volume<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x_range: Range<f64>,
    volume: &[f64],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let top = volume
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    let top = if top > 0.0 { top * 1.08 } else { 1.0 };
    let mut chart = ChartBuilder::on(area)
        .margin_right(MARGIN_RIGHT)
        .margin_top(6)
        .y_label_area_size(Y_LABELS)
        .x_label_area_size(0)
        .build_cartesian_2d(x_range, 0.0..top)?;
    chart
        .configure_mesh()
        .x_labels(10)
        .y_labels(3)
        .y_desc("Volume")
        .y_label_formatter(&|v| compact_number(*v))
        .max_light_lines(0)
        .bold_line_style(GRID)
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .draw()?;
    let style = VOLUME.mix(0.75).filled();
    let n = volume.len();
    if n <= COLUMNS {
        chart.draw_series(
            volume
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite() && **v > 0.0)
                .map(|(i, v)| {
                    let x = i as f64;
                    Rectangle::new([(x - 0.4, 0.0), (x + 0.4, *v)], style)
                }),
        )?;
    } else {
        // Per pixel column: the highest bar (light) and the mean (solid), each one stepped
        // area.
        let mut high = Vec::with_capacity(COLUMNS);
        let mut mean = Vec::with_capacity(COLUMNS);
        for c in 0..COLUMNS {
            let (mut top, mut sum, mut count) = (0.0_f64, 0.0, 0usize);
            for &v in volume[column_bars(c, n)].iter().filter(|v| v.is_finite()) {
                top = top.max(v);
                sum += v;
                count += 1;
            }
            high.push(top);
            mean.push(if count > 0 { sum / count as f64 } else { 0.0 });
        }
        chart.draw_series([
            Polygon::new(step_area(&high, n), VOLUME.mix(0.35).filled()),
            Polygon::new(step_area(&mean, n), VOLUME.mix(0.85).filled()),
        ])?;
    }
    Ok(())
}

/// The outline of a stepped area over the pixel columns: from 0 up to `heights[c]` across
/// column c's bars, and back along 0.
fn step_area(heights: &[f64], n: usize) -> Vec<(f64, f64)> {
    let mut points = Vec::with_capacity(2 * heights.len() + 2);
    points.push((-0.5, 0.0));
    for (c, &h) in heights.iter().enumerate() {
        let bars = column_bars(c, n);
        points.push((bars.start as f64 - 0.5, h));
        points.push((bars.end as f64 - 0.5, h));
    }
    points.push((n as f64 - 0.5, 0.0));
    points
}

/// The P/L panel: every closed trade's return in percent at its exit bar, or with more
/// trades than [`MAX_MARKED_TRADES`] each pixel column's best and worst return as areas
/// from 0.
fn draw_pnl<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    x_range: Range<f64>,
    n: usize,
    trades: &[PlotTrade],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let closed: Vec<(usize, f64)> = trades
        .iter()
        .filter_map(|t| Some((t.exit?.0, 100.0 * t.return_pct)))
        .filter(|(_, r)| r.is_finite())
        .collect();
    let (lo, hi) = padded_range(closed.iter().map(|(_, r)| *r).chain([0.0]));
    let mut chart = ChartBuilder::on(area)
        .margin_right(MARGIN_RIGHT)
        .margin_top(8)
        .y_label_area_size(Y_LABELS)
        .x_label_area_size(0)
        .build_cartesian_2d(x_range.clone(), lo..hi)?;
    let decimals = if hi - lo < 5.0 { 1 } else { 0 };
    chart
        .configure_mesh()
        .x_labels(10)
        .y_labels(4)
        .y_desc("P/L %")
        .y_label_formatter(&|v| format!("{v:.decimals$}%"))
        .max_light_lines(0)
        .bold_line_style(GRID)
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .draw()?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(x_range.start, 0.0), (x_range.end, 0.0)],
        ZERO.stroke_width(1),
    )))?;
    if closed.len() <= MAX_MARKED_TRADES {
        chart.draw_series(closed.iter().map(|&(bar, r)| {
            let colour = if r > 0.0 { LONG } else { SHORT };
            EmptyElement::at((bar as f64, r))
                + Rectangle::new([(-3, -3), (3, 3)], colour.mix(0.85).filled())
        }))?;
        return Ok(());
    }
    // Per pixel column: the best gain and the worst loss among the trades that exited there,
    // each a stepped area from 0.
    let mut best = vec![0.0_f64; COLUMNS];
    let mut worst = vec![0.0_f64; COLUMNS];
    for &(bar, r) in &closed {
        let c = (bar * COLUMNS / n.max(1)).min(COLUMNS - 1);
        best[c] = best[c].max(r);
        worst[c] = worst[c].min(r);
    }
    chart.draw_series([
        Polygon::new(step_area(&best, n), LONG.mix(0.8).filled()),
        Polygon::new(step_area(&worst, n), SHORT.mix(0.8).filled()),
    ])?;
    Ok(())
}

/// One of the value panels (price, equity): no x labels of its own, `y_labels` numbers on
/// the y axis described by `desc`, the mesh drawn.
fn value_panel<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x_range: Range<f64>,
    y_range: Range<f64>,
    y_labels: usize,
    desc: &str,
) -> Result<
    ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    Box<dyn std::error::Error>,
>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .margin_right(MARGIN_RIGHT)
        .margin_top(12)
        .y_label_area_size(Y_LABELS)
        .x_label_area_size(0)
        .build_cartesian_2d(x_range, y_range)?;
    chart
        .configure_mesh()
        .x_labels(10)
        .y_labels(y_labels)
        .y_desc(desc)
        .y_label_formatter(&|v| axis_number(*v))
        .max_light_lines(0)
        .bold_line_style(GRID)
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .draw()?;
    Ok(chart)
}

/// The bars of pixel column `c` (of [`COLUMNS`]) when `n` bars span the plot.
fn column_bars(c: usize, n: usize) -> Range<usize> {
    (c * n / COLUMNS)..((c + 1) * n / COLUMNS)
}

/// The `(bar, value)` points to draw of a series: every finite value when there are at most
/// two bars per pixel column, else, per column, its lowest and its highest finite value in
/// bar order (at most `2 ·` [`COLUMNS`] points, and a one-bar spike keeps its height).
fn envelope(values: &[f64]) -> Vec<(f64, f64)> {
    let n = values.len();
    if n <= 2 * COLUMNS {
        return values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, v)| (i as f64, *v))
            .collect();
    }
    let mut points = Vec::with_capacity(2 * COLUMNS);
    for c in 0..COLUMNS {
        let bars = column_bars(c, n);
        let mut low: Option<(usize, f64)> = None;
        let mut high: Option<(usize, f64)> = None;
        for i in bars {
            let v = values[i];
            if !v.is_finite() {
                continue;
            }
            if low.is_none_or(|(_, l)| v < l) {
                low = Some((i, v));
            }
            if high.is_none_or(|(_, h)| v > h) {
                high = Some((i, v));
            }
        }
        match (low, high) {
            (Some(a), Some(b)) if a.0 == b.0 => points.push((a.0 as f64, a.1)),
            (Some(a), Some(b)) => {
                let (first, second) = if a.0 < b.0 { (a, b) } else { (b, a) };
                points.push((first.0 as f64, first.1));
                points.push((second.0 as f64, second.1));
            }
            _ => {}
        }
    }
    points
}

/// `n` with its thousands grouped: `1,000,000`.
fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A volume-axis number: `950`, `12.5K`, `3.2M`, `1.1B`.
fn compact_number(v: f64) -> String {
    let a = v.abs();
    let (scaled, suffix) = if a >= 1e9 {
        (v / 1e9, "B")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "K")
    } else {
        return format!("{v:.0}");
    };
    let text = format!("{scaled:.1}");
    format!("{}{suffix}", text.trim_end_matches(".0"))
}

/// The finite values' range with 4 % of room on each side (a unit around a constant).
fn padded_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo {
        (hi - lo) * 0.04
    } else {
        lo.abs().max(1.0) * 0.01
    };
    (lo - pad, hi + pad)
}

/// A y-axis number: grouped thousands without decimals from 1000 up, else 2 decimals.
fn axis_number(v: f64) -> String {
    if v.abs() >= 1000.0 {
        let digits = format!("{:.0}", v.abs());
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if v < 0.0 {
            format!("-{grouped}")
        } else {
            grouped
        }
    } else {
        format!("{v:.2}")
    }
}

/// Labels for the bar axis: the bar's date, with the time when the data is intraday.
struct DateLabels<'a> {
    times: Option<&'a [Timestamp]>,
    intraday: bool,
}

impl<'a> DateLabels<'a> {
    fn new(times: Option<&'a [Timestamp]>) -> Self {
        const DAY: i64 = 86_400_000_000;
        let intraday = times.is_some_and(|t| t.iter().any(|t| t.micros().rem_euclid(DAY) != 0));
        DateLabels { times, intraday }
    }

    fn label(&self, x: f64, n: usize) -> String {
        let rounded = x.round();
        if !(0.0..n as f64).contains(&rounded) {
            return String::new();
        }
        let i = rounded as usize;
        let Some(t) = self.times.and_then(|t| t.get(i)) else {
            return i.to_string();
        };
        let text = t.to_string();
        // RFC 3339: `YYYY-MM-DDTHH:MM:SS…`.
        let len = if self.intraday { 16 } else { 10 };
        text.get(..len)
            .map_or(text.clone(), |s| s.replace('T', " "))
    }
}

/// The SVG reader the CLI's integration tests use, so both check charts the same way.
#[cfg(test)]
#[path = "../tests/it/svg.rs"]
mod svg;

#[cfg(test)]
mod tests {
    use super::*;

    fn times(n: usize) -> Vec<Timestamp> {
        (0..n)
            .map(|i| Timestamp::from_epoch_seconds(1_420_156_800 + 86_400 * i as i64).unwrap())
            .collect()
    }

    /// Times, close, equity, drawdown and trades of a synthetic run.
    type Sample = (Vec<Timestamp>, Vec<f64>, Vec<f64>, Vec<f64>, Vec<PlotTrade>);

    /// A synthetic run: a wavy price, alternating long and short trades every 30 bars (the
    /// last one open), equity following the trades.
    fn sample() -> Sample {
        let n = 275;
        let close: Vec<f64> = (0..n)
            .map(|i| 100.0 + 10.0 * (i as f64 / 17.0).sin() + i as f64 * 0.05)
            .collect();
        let trades: Vec<PlotTrade> = (0..9)
            .map(|k| {
                let entry_bar = 10 + 30 * k;
                let exit_bar = entry_bar + 30;
                let long = k % 2 == 0;
                let exit = (exit_bar < n).then(|| (exit_bar, close[exit_bar]));
                let pnl = exit.map_or(0.0, |(_, p)| {
                    (p - close[entry_bar]) * if long { 1.0 } else { -1.0 }
                });
                PlotTrade {
                    entry_bar,
                    entry_price: close[entry_bar],
                    exit,
                    long,
                    pnl,
                    return_pct: pnl / close[entry_bar],
                }
            })
            .collect();
        let mut equity = vec![10_000.0; n];
        for t in &trades {
            let sign = if t.long { 1.0 } else { -1.0 };
            let end = t.exit.map_or(n, |(b, _)| b + 1);
            for i in t.entry_bar..n {
                let move_to = close[i.min(end - 1)];
                equity[i] += 50.0 * sign * (move_to - t.entry_price);
            }
        }
        let mut peak = f64::MIN;
        let drawdown = equity
            .iter()
            .map(|e| {
                peak = peak.max(*e);
                1.0 - e / peak
            })
            .collect();
        (times(n), close, equity, drawdown, trades)
    }

    fn hex(c: RGBColor) -> String {
        format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
    }

    /// The PNG is the same chart rasterised: its size, the price line's colour, and the
    /// title's glyphs set in the bundled font (dark pixels where the title is; without a font
    /// resvg would leave that band white).
    #[cfg(feature = "png")]
    #[test]
    fn png_is_the_chart_with_its_text() {
        let (t, close, equity, drawdown, trades) = sample();
        let svg = render_svg(&PlotInput {
            title: "moving_average on sample",
            times: Some(&t),
            ohlc: None,
            close: &close,
            volume: None,
            overlays: &[],
            equity: &equity,
            drawdown: &drawdown,
            trades: &trades,
        })
        .unwrap();
        let png = render_png(&svg).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let pixmap = resvg::tiny_skia::Pixmap::decode_png(&png).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (WIDTH, HEIGHT));
        let at = |x: u32, y: u32| {
            let p = pixmap.pixel(x, y).unwrap().demultiply();
            (p.red(), p.green(), p.blue())
        };
        // The title `moving_average on sample` at (12, 8), 15 px high: dark glyph pixels.
        let dark = (12..300)
            .flat_map(|x| (8..26).map(move |y| (x, y)))
            .filter(|&(x, y)| {
                let (r, g, b) = at(x, y);
                r < 90 && g < 90 && b < 90
            })
            .count();
        assert!(dark > 300, "{dark} dark pixels in the title band");
        // The top-right corner is background: white, not transparent.
        assert_eq!(at(WIDTH - 2, 2), (255, 255, 255));
        // The price line, anti-aliased: blue pixels (nothing else on the chart is blue).
        let price_line = (0..WIDTH)
            .flat_map(|x| (0..HEIGHT).map(move |y| (x, y)))
            .filter(|&(x, y)| {
                let (r, g, b) = at(x, y);
                b > 120 && u16::from(b) > u16::from(r) + 60 && b > g
            })
            .count();
        assert!(price_line > 100, "{price_line} pixels of the price line");
    }

    #[test]
    fn chart_is_well_formed_with_every_series_and_marker() {
        let (t, close, equity, drawdown, trades) = sample();
        let svg = render_svg(&PlotInput {
            title: "moving_average on sample",
            times: Some(&t),
            ohlc: None,
            close: &close,
            volume: None,
            overlays: &[],
            equity: &equity,
            drawdown: &drawdown,
            trades: &trades,
        })
        .unwrap();
        if let Some(path) = std::env::var_os("STRATOS_PLOT_SAMPLE") {
            std::fs::write(path, &svg).unwrap();
        }
        let (counts, texts) = super::svg::parse(&svg);
        let closed = trades.iter().filter(|t| t.exit.is_some()).count();
        assert_eq!(closed, 8);
        // One entry triangle per trade, one exit ring per closed trade.
        assert_eq!(counts.get("polygon"), Some(&trades.len()));
        assert_eq!(counts.get("circle"), Some(&closed));
        // Price, equity and drawdown lines, plus one entry-to-exit line per closed trade.
        for colour in [PRICE, EQUITY, DRAWDOWN] {
            let key = format!("polyline {}", hex(colour));
            assert_eq!(counts.get(&key), Some(&1), "{key}");
        }
        let joins = counts.get(&format!("polyline {}", hex(LONG))).unwrap_or(&0)
            + counts
                .get(&format!("polyline {}", hex(SHORT)))
                .unwrap_or(&0);
        assert_eq!(joins, closed);
        for label in ["Price", "Equity", "Drawdown %", "moving_average on sample"] {
            assert!(
                texts.iter().any(|t| t == label),
                "no `{label}` in {texts:?}"
            );
        }
        let dates: Vec<&String> = texts
            .iter()
            .filter(|t| t.len() == 10 && t.starts_with("2015-"))
            .collect();
        assert!(dates.len() >= 5, "date labels: {dates:?}");
        assert!(texts.iter().any(|t| t == "10,000" || t.contains(',')));
    }

    /// The `points` of every polyline of `stroke`, as (x, y) pixel pairs.
    fn polylines(svg: &str, stroke: RGBColor) -> Vec<Vec<(i64, i64)>> {
        let key = format!(r#"stroke="{}""#, hex(stroke));
        svg.split("<polyline")
            .skip(1)
            .filter(|el| el.split('>').next().is_some_and(|head| head.contains(&key)))
            .map(|el| {
                let points = el
                    .split(r#"points=""#)
                    .nth(1)
                    .and_then(|rest| rest.split('"').next())
                    .unwrap_or_default();
                points
                    .split_whitespace()
                    .map(|p| {
                        let (x, y) = p.split_once(',').unwrap();
                        (x.parse().unwrap(), y.parse().unwrap())
                    })
                    .collect()
            })
            .collect()
    }

    /// A million bars with OHLC, volume, two indicators and 50 000 trades: every panel
    /// drawn at the chart's resolution, the file far under 2 MB, and a one-bar spike still
    /// reaching its pixel.
    #[test]
    fn a_million_bars_make_a_small_chart() {
        let n = 1_000_000;
        let t: Vec<Timestamp> = (0..n)
            .map(|i| Timestamp::from_epoch_seconds(1_577_836_800 + 60 * i as i64).unwrap())
            .collect();
        let mut close: Vec<f64> = (0..n)
            .map(|i| 100.0 + 10.0 * (i as f64 / 40_000.0).sin() + (i % 13) as f64 * 0.01)
            .collect();
        close[654_321] = 180.0;
        let open: Vec<f64> = close.iter().map(|c| c - 0.05).collect();
        let high: Vec<f64> = close.iter().map(|c| c + 0.1).collect();
        let low: Vec<f64> = open.iter().map(|o| o - 0.1).collect();
        let volume: Vec<f64> = (0..n).map(|i| 1_000.0 + (i % 97) as f64).collect();
        let overlays = [10, 20].map(|p| Overlay {
            label: format!("SMA({p})"),
            values: stratos_strategies::moving_average::MovingAverage::compute(
                stratos_strategies::moving_average::MaKind::Sma,
                p,
                false,
                &close,
            ),
        });
        let equity: Vec<f64> = close.iter().map(|c| 100.0 * c).collect();
        let mut peak = f64::MIN;
        let drawdown: Vec<f64> = equity
            .iter()
            .map(|e| {
                peak = peak.max(*e);
                1.0 - e / peak
            })
            .collect();
        let trades: Vec<PlotTrade> = (0..50_000)
            .map(|k| {
                let entry_bar = 20 * k;
                let r = ((k % 7) as f64 - 3.0) / 100.0;
                PlotTrade {
                    entry_bar,
                    entry_price: close[entry_bar],
                    exit: Some((entry_bar + 19, close[entry_bar + 19])),
                    long: k % 2 == 0,
                    pnl: r,
                    return_pct: r,
                }
            })
            .collect();
        let svg = render_svg(&PlotInput {
            title: "a million bars",
            times: Some(&t),
            ohlc: Some(Ohlc {
                open: &open,
                high: &high,
                low: &low,
            }),
            close: &close,
            volume: Some(&volume),
            overlays: &overlays,
            equity: &equity,
            drawdown: &drawdown,
            trades: &trades,
        })
        .unwrap();
        assert!(svg.len() < 2_000_000, "{} bytes", svg.len());
        let (counts, texts) = super::svg::parse(&svg);
        // A line, not a million candles; no trade marks on the price; volume (highs and
        // means) and P/L (best and worst) as two stepped areas each.
        assert_eq!(counts.get("polygon"), Some(&4));
        assert_eq!(counts.get("circle"), None);
        assert_eq!(counts.get(&format!("polyline {}", hex(CANDLE_UP))), None);
        for colour in [PRICE, EQUITY, DRAWDOWN] {
            let lines = polylines(&svg, colour);
            assert_eq!(lines.len(), 1, "{}", hex(colour));
            assert!(lines[0].len() <= 2 * COLUMNS, "{} points", lines[0].len());
            assert!(lines[0].len() >= COLUMNS, "{} points", lines[0].len());
        }
        // The spike at bar 654 321 is the price line's highest point (the smallest y).
        let price = &polylines(&svg, PRICE)[0];
        let top = price.iter().map(|p| p.1).min().unwrap();
        let others = price
            .iter()
            .filter(|p| p.1 > top)
            .map(|p| p.1)
            .min()
            .unwrap();
        assert!(others - top > 100, "spike {top}, next {others}");
        // Both indicators, each a line and a legend sample.
        for (k, label) in ["SMA(10)", "SMA(20)"].iter().enumerate() {
            assert!(texts.iter().any(|t| t == label), "{label}");
            assert_eq!(polylines(&svg, OVERLAY_COLOURS[k]).len(), 2);
        }
        assert!(counts.get("rect").copied().unwrap_or(0) <= 10);
        for label in ["Volume", "P/L %", "Equity", "Drawdown %"] {
            assert!(texts.iter().any(|t| t == label), "no `{label}`");
        }
        assert!(
            texts.iter().any(|t| t.contains("1,000,000 bars")),
            "{texts:?}"
        );
    }

    /// Few bars: candles (a wick and a body per bar), a volume bar per bar, a P/L mark per
    /// closed trade.
    #[test]
    fn few_bars_are_candles_with_volume_and_pnl_marks() {
        let (t, close, equity, drawdown, trades) = sample();
        let n = 200;
        let (t, close, equity, drawdown) = (&t[..n], &close[..n], &equity[..n], &drawdown[..n]);
        let trades: Vec<PlotTrade> = trades
            .into_iter()
            .filter(|t| t.entry_bar < n && t.exit.is_none_or(|(b, _)| b < n))
            .collect();
        let open: Vec<f64> = close
            .iter()
            .enumerate()
            .map(|(i, c)| if i % 2 == 0 { c - 0.5 } else { c + 0.5 })
            .collect();
        let high: Vec<f64> = close.iter().map(|c| c + 1.0).collect();
        let low: Vec<f64> = close.iter().map(|c| c - 1.0).collect();
        let volume: Vec<f64> = (0..n).map(|i| 5_000.0 + i as f64).collect();
        let svg = render_svg(&PlotInput {
            title: "few bars",
            times: Some(t),
            ohlc: Some(Ohlc {
                open: &open,
                high: &high,
                low: &low,
            }),
            close,
            volume: Some(&volume),
            overlays: &[],
            equity,
            drawdown,
            trades: &trades,
        })
        .unwrap();
        if let Some(path) = std::env::var_os("STRATOS_PLOT_CANDLES") {
            std::fs::write(path, &svg).unwrap();
        }
        let (counts, _) = super::svg::parse(&svg);
        let wicks = polylines(&svg, CANDLE_UP).len() + polylines(&svg, CANDLE_DOWN).len();
        assert_eq!(wicks, n);
        assert!(polylines(&svg, PRICE).is_empty());
        let closed = trades.iter().filter(|t| t.exit.is_some()).count();
        // A body and a volume bar per bar, a square per closed trade (plus the backgrounds).
        let rects = counts.get("rect").copied().unwrap_or(0);
        assert!(rects >= 2 * n + closed, "{rects} rects");
        assert!(rects <= 2 * n + closed + 10, "{rects} rects");
        assert_eq!(counts.get("circle"), Some(&closed));
    }

    #[test]
    fn envelope_keeps_each_columns_low_and_high_in_bar_order() {
        let short = [1.0, f64::NAN, 3.0];
        assert_eq!(envelope(&short), [(0.0, 1.0), (2.0, 3.0)]);
        let n = 10 * COLUMNS;
        let mut v: Vec<f64> = (0..n).map(|i| (i % 10) as f64).collect();
        v[35] = -50.0;
        let points = envelope(&v);
        assert!(points.len() <= 2 * COLUMNS);
        // Column 3 holds bars 30..40: its low is the spike at 35, its high the 9 at 39.
        assert!(points.contains(&(35.0, -50.0)));
        assert!(points.contains(&(39.0, 9.0)));
        assert!(points.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn volume_numbers_are_compact() {
        assert_eq!(compact_number(950.0), "950");
        assert_eq!(compact_number(12_500.0), "12.5K");
        assert_eq!(compact_number(3_000_000.0), "3M");
        assert_eq!(compact_number(1.25e9), "1.2B");
        assert_eq!(group_thousands(1_000_000), "1,000,000");
    }

    #[test]
    fn axis_numbers_are_grouped() {
        assert_eq!(axis_number(12_345.6), "12,346");
        assert_eq!(axis_number(-1_000_000.0), "-1,000,000");
        assert_eq!(axis_number(99.456), "99.46");
    }

    #[test]
    fn dates_label_the_bars() {
        let t = times(3);
        let d = DateLabels::new(Some(&t));
        assert_eq!(d.label(1.2, 3), "2015-01-03");
        assert_eq!(d.label(5.0, 3), "");
        assert_eq!(DateLabels::new(None).label(2.0, 3), "2");
        let hourly = [Timestamp::from_epoch_seconds(1_420_156_800 + 3600).unwrap()];
        assert_eq!(
            DateLabels::new(Some(&hourly)).label(0.0, 1),
            "2015-01-02 01:00"
        );
    }

    #[test]
    fn inconsistent_input_is_an_error() {
        let close = [1.0, 2.0];
        let input = PlotInput {
            title: "t",
            times: None,
            ohlc: None,
            close: &close,
            volume: None,
            overlays: &[],
            equity: &[1.0],
            drawdown: &[0.0, 0.0],
            trades: &[],
        };
        assert!(render_svg(&input).is_err());
        let trades = [PlotTrade {
            entry_bar: 5,
            entry_price: 1.0,
            exit: None,
            long: true,
            pnl: 0.0,
            return_pct: 0.0,
        }];
        let input = PlotInput {
            equity: &close,
            trades: &trades,
            ..input
        };
        assert!(render_svg(&input).is_err());
    }
}
