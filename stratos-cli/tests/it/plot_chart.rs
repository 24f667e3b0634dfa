//! `backtest --plot`: the chart's panels end to end: candles on a few bars, a line on many,
//! the crossover's two moving averages with their legend, volume, per-trade P/L.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use super::common::json;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data/ohlcv_daily.csv")
}

fn tmp(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("plot_chart");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The first `bars` bars of the sample, as a file.
fn head(bars: usize) -> PathBuf {
    let text = std::fs::read_to_string(sample()).unwrap();
    let lines: Vec<&str> = text.lines().take(bars + 1).collect();
    let path = tmp(&format!("ohlcv_{bars}.csv"));
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// Runs a 5/15 crossover backtest of `input` with `--plot`, returns the JSON result and the
/// SVG.
fn plotted(input: &Path, name: &str) -> (serde_json::Value, String) {
    let svg_path = tmp(name);
    let _ = std::fs::remove_file(&svg_path);
    let v = json(&[
        "backtest",
        "moving_average",
        input.to_str().unwrap(),
        "--config",
        r#"{"fast":5,"slow":15}"#,
        "--plot",
        svg_path.to_str().unwrap(),
        "--format",
        "json",
        "--equity",
        "none",
    ]);
    (v, std::fs::read_to_string(&svg_path).unwrap())
}

/// The polylines of the chart with their stroke colour and number of points.
fn polylines(svg: &str) -> Vec<(String, usize)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut out = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) if e.name().0 == "polyline" => {
                let attr = |name: &str| {
                    e.try_get_attribute(name)
                        .unwrap()
                        .map(|a| a.value.into_owned())
                        .unwrap_or_default()
                };
                out.push((attr("stroke"), attr("points").split_whitespace().count()));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

#[test]
fn a_few_bars_are_candles_under_the_crossovers_averages() {
    let (v, svg) = plotted(&head(200), "few.svg");
    let (counts, texts) = super::svg::parse(&svg);
    for label in [
        "Price",
        "Volume",
        "P/L %",
        "Equity",
        "Drawdown %",
        "SMA(5)",
        "SMA(15)",
    ] {
        assert!(
            texts.iter().any(|t| t == label),
            "no `{label}` in {texts:?}"
        );
    }
    let lines = polylines(&svg);
    let count = |stroke: &str| lines.iter().filter(|(s, _)| s == stroke).count();
    // The two averages (orange, purple): a line over the price and a legend sample each.
    assert_eq!(count("#F08C00"), 2);
    assert_eq!(count("#8C3CB4"), 2);
    // A wick per bar (green up, red down) and no close line.
    assert_eq!(count("#26A65B") + count("#D64541"), 200);
    assert_eq!(count("#1E50A0"), 0);
    // A body and a volume bar per bar, a P/L square per closed trade.
    let closed = v["trades"].as_array().unwrap().len();
    assert!(closed > 0);
    let rects = counts.get("rect").copied().unwrap_or(0);
    assert!(rects >= 400 + closed, "{rects} rects for {closed} trades");
    // Entries and exits on the price.
    let open = v["open_trades"].as_array().unwrap().len();
    assert_eq!(counts.get("polygon"), Some(&(closed + open)));
    assert_eq!(counts.get("circle"), Some(&closed));
}

#[test]
fn many_bars_are_a_close_line_at_the_charts_resolution() {
    let (_, svg) = plotted(&sample(), "many.svg");
    let lines = polylines(&svg);
    let price: Vec<usize> = lines
        .iter()
        .filter(|(s, _)| s == "#1E50A0")
        .map(|(_, n)| *n)
        .collect();
    // 2 500 bars on about 1 090 pixel columns: each column's low and high.
    assert_eq!(price.len(), 1);
    assert!(price[0] < 2_500 && price[0] > 1_000, "{} points", price[0]);
    assert_eq!(
        lines
            .iter()
            .filter(|(s, _)| s == "#26A65B" || s == "#D64541")
            .count(),
        0,
        "no candles"
    );
    let (_, texts) = super::svg::parse(&svg);
    assert!(texts.iter().any(|t| t.contains("2,500 bars")), "{texts:?}");
}
