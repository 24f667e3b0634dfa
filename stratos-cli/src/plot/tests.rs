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
