//! The backtest chart as SVG (plotters, SVG backend only: text is written as SVG `<text>`, so
//! no font files are read and none need to be installed), or as PNG (feature `png`, on by
//! default): the same SVG rasterised by resvg, its text set in a DejaVu Sans subset bundled in
//! the binary (`assets/DejaVuSans-subset.ttf`: ASCII, Latin-1, dashes, `−`, `…`, `€`), so no
//! system font is read either.
//!
//! Three panels over one bar axis, dates on the bottom one:
//! - price (close) with each trade's entry and exit: a green ▲ for a long entry, a red ▼ for a
//!   short entry, a ring at the exit (green for a winning trade, red for a losing one), joined
//!   by a thin line;
//! - equity;
//! - drawdown, in percent below the running peak.
//!
//! The x axis is the bar index, so gaps without bars (weekends, holidays) take no room; its
//! labels are the bars' dates (with the time of day when the data is intraday).

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
const HEIGHT: u32 = 860;
/// Width of the y label area of every panel, equal so that the panels' x axes line up.
const Y_LABELS: u32 = 90;

const LONG: RGBColor = RGBColor(0, 140, 60);
const SHORT: RGBColor = RGBColor(200, 30, 30);
const PRICE: RGBColor = RGBColor(30, 80, 160);
const EQUITY: RGBColor = RGBColor(20, 110, 120);
const DRAWDOWN: RGBColor = RGBColor(190, 50, 50);
const GRID: RGBColor = RGBColor(225, 225, 225);

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
}

/// Everything the chart draws; every per-bar slice has one value per bar.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlotInput<'a> {
    /// The chart's title.
    pub(crate) title: &'a str,
    /// Bar times (bar numbers are shown when there are none).
    pub(crate) times: Option<&'a [Timestamp]>,
    /// Close price per bar.
    pub(crate) close: &'a [f64],
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
    if input.equity.len() != n
        || input.drawdown.len() != n
        || input.times.is_some_and(|t| t.len() != n)
    {
        return Err(plot_err(format!(
            "{n} closes, {} equity values, {} drawdowns and {} times: expected one per bar",
            input.equity.len(),
            input.drawdown.len(),
            input.times.map_or(n, <[Timestamp]>::len)
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

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, input: &PlotInput<'_>) -> DrawResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let (title_area, body) = root.split_vertically(52);
    title_area.draw(&Text::new(
        input.title.to_owned(),
        (12, 8),
        ("sans-serif", 19).into_font().color(&BLACK),
    ))?;
    title_area.draw(&Text::new(
        "▲ long entry  ·  ▼ short entry  ·  ○ exit (green: win, red: loss)  ·  line: entry to exit",
        (12, 32),
        ("sans-serif", 15).into_font().color(&RGBColor(80, 80, 80)),
    ))?;
    let (price_area, rest) = body.split_vertically(420);
    let (equity_area, dd_area) = rest.split_vertically(190);

    let n = input.close.len();
    let x_range = -0.5..(n as f64 - 0.5);
    let dates = DateLabels::new(input.times);
    let date_label = |x: &f64| dates.label(*x, n);

    // Price, with the trades' fill prices in range.
    let fills = input
        .trades
        .iter()
        .flat_map(|t| std::iter::once(t.entry_price).chain(t.exit.map(|(_, p)| p)));
    let (lo, hi) = padded_range(input.close.iter().copied().chain(fills));
    let mut price = value_panel(&price_area, x_range.clone(), lo..hi, 8, "Price")?;
    price.draw_series(LineSeries::new(finite_points(input.close), &PRICE))?;
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
    // Equity.
    let (lo, hi) = padded_range(input.equity.iter().copied());
    let mut equity = value_panel(&equity_area, x_range.clone(), lo..hi, 5, "Equity")?;
    equity.draw_series(LineSeries::new(finite_points(input.equity), &EQUITY))?;

    // Drawdown, in percent, drawn downwards from 0.
    let dd_pct: Vec<f64> = input.drawdown.iter().map(|d| -100.0 * d).collect();
    let deepest = dd_pct
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::min);
    let floor = if deepest < 0.0 { deepest * 1.1 } else { -1.0 };
    let mut drawdown = ChartBuilder::on(&dd_area)
        .margin_right(20)
        .margin_top(12)
        .margin_bottom(5)
        .y_label_area_size(Y_LABELS)
        .x_label_area_size(40)
        .build_cartesian_2d(x_range, floor..0.0)?;
    drawdown
        .configure_mesh()
        .x_labels(10)
        .y_labels(6)
        .y_desc("Drawdown %")
        .x_label_formatter(&date_label)
        .y_label_formatter(&|v| format!("{v:.0}%"))
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .draw()?;
    drawdown.draw_series(LineSeries::new(finite_points(&dd_pct), &DRAWDOWN))?;
    Ok(())
}

/// One of the upper panels (price, equity): no x labels of its own, `y_labels` numbers on
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
        .margin_right(20)
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
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .draw()?;
    Ok(chart)
}

/// `(bar, value)` for every finite value.
fn finite_points(values: &[f64]) -> impl Iterator<Item = (f64, f64)> + '_ {
    values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, v)| (i as f64, *v))
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
            close: &close,
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
            close: &close,
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
            close: &close,
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
        }];
        let input = PlotInput {
            equity: &close,
            trades: &trades,
            ..input
        };
        assert!(render_svg(&input).is_err());
    }
}
