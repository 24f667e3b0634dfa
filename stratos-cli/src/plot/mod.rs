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
const FONT: &[u8] = include_bytes!("../../assets/DejaVuSans-subset.ttf");

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

mod panels;
mod scale;

use panels::*;
use scale::*;

/// The SVG reader the CLI's integration tests use, so both check charts the same way.
#[cfg(test)]
#[path = "../../tests/it/svg.rs"]
mod svg;

#[cfg(test)]
mod tests;
