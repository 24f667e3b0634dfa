//! The volume, P/L and value panels of the chart.

use super::*;

/// The volume panel: a bar per bar, or with more bars than pixel columns each column's
/// highest bar (light) and mean (solid) across the column.
pub(super) fn draw_volume<DB: DrawingBackend>(
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
pub(super) fn step_area(heights: &[f64], n: usize) -> Vec<(f64, f64)> {
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
pub(super) fn draw_pnl<DB: DrawingBackend>(
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
pub(super) fn value_panel<'a, DB: DrawingBackend>(
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
