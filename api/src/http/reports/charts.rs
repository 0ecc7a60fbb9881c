//! Chart geometry for the HTML reports: bars, stacked bars and lines, laid out in
//! SVG user units here and drawn by the templates in `api/templates/`.
//!
//! A chart is plain data (positions rounded to a tenth of a unit, labels cut to fit
//! with the full text kept for a tooltip), so the templates stay dumb and the layout
//! is unit-tested without a browser.

/// The drawing width of every chart; the page scales it down on narrow screens.
pub const WIDTH: f64 = 720.0;
const LABEL_WIDTH: f64 = 230.0;
const VALUE_WIDTH: f64 = 70.0;
const ROW: f64 = 24.0;
const BAR: f64 = 16.0;
const PAD: f64 = 8.0;
/// How much of a label fits beside a bar, in display units (a Latin letter is one,
/// a Chinese character two).
const LABEL_UNITS: usize = 34;
/// How much of a series name fits on a legend row below a line chart.
const LEGEND_UNITS: usize = 96;
const LEGEND_ROW: f64 = 18.0;

fn px(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// How wide a character is drawn, in units of a Latin letter: East Asian wide and
/// full-width characters take two. Cutting by characters let a Chinese label run past
/// the left edge of its chart, its first characters lost.
fn units(c: char) -> usize {
    let wide = matches!(u32::from(c),
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD);
    if wide { 2 } else { 1 }
}

/// `text` cut to `max` display units (a Chinese character counts two), with an
/// ellipsis; the whole text stays in the chart's tooltip.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().map(units).sum::<usize>() <= max {
        return text.to_owned();
    }
    let mut short = String::new();
    let mut used = 0;
    for c in text.chars() {
        if used + units(c) > max.saturating_sub(1) {
            break;
        }
        used += units(c);
        short.push(c);
    }
    short.push('…');
    short
}

/// `text` on at most `rows` lines of `max` display units, broken at spaces where
/// there are any (Chinese breaks anywhere); the last line cut with an ellipsis.
pub fn wrap(text: &str, max: usize, rows: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() && lines.len() + 1 < rows {
        if rest.chars().map(units).sum::<usize>() <= max {
            break;
        }
        // The longest head that fits, ended at a space when there is one.
        let mut used = 0;
        let mut end = 0;
        let mut last_space = None;
        for (i, c) in rest.char_indices() {
            if used + units(c) > max {
                break;
            }
            used += units(c);
            end = i + c.len_utf8();
            if c == ' ' {
                last_space = Some(i);
            }
        }
        let cut_at = last_space.filter(|&i| i > 0).unwrap_or(end);
        lines.push(rest[..cut_at].trim_end().to_owned());
        rest = rest[cut_at..].trim_start();
    }
    if !rest.is_empty() {
        lines.push(cut(rest, max));
    }
    lines
}

/// One bar to draw: its value decides its length, `class` its colour.
pub struct BarInput {
    pub label: String,
    pub value: f64,
    pub value_text: String,
    pub class: &'static str,
}

pub struct Bar {
    /// Cut to fit; `title` keeps the whole label.
    pub label: String,
    pub title: String,
    pub y: f64,
    pub text_y: f64,
    pub width: f64,
    pub value_x: f64,
    pub value_text: String,
    pub class: &'static str,
}

/// Horizontal bars, longest for the largest value; negative values draw no bar,
/// an infinite one (a missed zero target) the whole span.
pub struct BarChart {
    pub height: f64,
    pub bar_x: f64,
    pub bar_height: f64,
    pub bars: Vec<Bar>,
}

pub fn bars(items: Vec<BarInput>) -> BarChart {
    let span = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 2.0 * PAD;
    let max = items
        .iter()
        .map(|i| i.value)
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    let bars = items
        .into_iter()
        .enumerate()
        .map(|(n, item)| {
            let y = PAD + n as f64 * ROW;
            let width = if item.value == f64::INFINITY {
                span
            } else if max > 0.0 && item.value.is_finite() {
                item.value.max(0.0) / max * span
            } else {
                0.0
            };
            Bar {
                label: cut(&item.label, LABEL_UNITS),
                title: item.label,
                y: px(y),
                text_y: px(y + BAR - 3.0),
                width: px(width),
                value_x: px(LABEL_WIDTH + width + 2.0 * PAD),
                value_text: item.value_text,
                class: item.class,
            }
        })
        .collect::<Vec<_>>();
    BarChart {
        height: px(2.0 * PAD + bars.len().max(1) as f64 * ROW),
        bar_x: LABEL_WIDTH + PAD,
        bar_height: BAR,
        bars,
    }
}

/// One row of stacked bars: its segments' values in order.
pub struct StackInput {
    pub label: String,
    pub segments: Vec<(f64, &'static str)>,
}

pub struct Segment {
    pub x: f64,
    pub width: f64,
    pub class: &'static str,
    pub value: f64,
}

pub struct StackRow {
    pub label: String,
    pub title: String,
    pub y: f64,
    pub text_y: f64,
    pub segments: Vec<Segment>,
    pub total_x: f64,
    pub total: f64,
}

/// Horizontal stacked bars on one scale: the longest row fills the width.
pub struct StackChart {
    pub height: f64,
    pub bar_height: f64,
    pub rows: Vec<StackRow>,
}

pub fn stacked(items: Vec<StackInput>) -> StackChart {
    let span = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 2.0 * PAD;
    let total = |i: &StackInput| i.segments.iter().map(|(v, _)| v.max(0.0)).sum::<f64>();
    let max = items.iter().map(total).fold(0.0_f64, f64::max);
    let scale = if max > 0.0 { span / max } else { 0.0 };
    let rows = items
        .into_iter()
        .enumerate()
        .map(|(n, item)| {
            let y = PAD + n as f64 * ROW;
            let sum = total(&item);
            let mut x = LABEL_WIDTH + PAD;
            let segments = item
                .segments
                .iter()
                .filter(|(v, _)| *v > 0.0)
                .map(|(v, class)| {
                    let width = v * scale;
                    let seg = Segment {
                        x: px(x),
                        width: px(width),
                        class,
                        value: *v,
                    };
                    x += width;
                    seg
                })
                .collect();
            StackRow {
                label: cut(&item.label, LABEL_UNITS),
                title: item.label,
                y: px(y),
                text_y: px(y + BAR - 3.0),
                segments,
                total_x: px(x + PAD),
                total: sum,
            }
        })
        .collect::<Vec<_>>();
    StackChart {
        height: px(2.0 * PAD + rows.len().max(1) as f64 * ROW),
        bar_height: BAR,
        rows,
    }
}

/// One series of a line chart: a value (or a gap in the line) per x position.
pub struct SeriesInput {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

pub struct Dot {
    pub x: f64,
    pub y: f64,
    pub value: String,
}

pub struct Series {
    /// Cut to fit a legend row; `title` keeps the whole name.
    pub name: String,
    pub title: String,
    /// `x,y x,y …` for a `<polyline>`, one per unbroken run.
    pub runs: Vec<String>,
    pub dots: Vec<Dot>,
    /// `s0`…`s7`, the series' colour.
    pub class: String,
    pub legend_y: f64,
}

pub struct Tick {
    pub pos: f64,
    pub label: String,
}

/// Lines over shared x positions (periods), y from the data's range and 0.
pub struct LineChart {
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
    pub zero_y: f64,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
    pub series: Vec<Series>,
    pub legend_x: f64,
}

/// How far apart the series' points at one period are drawn, so that two series with
/// the same value at the same period show two dots, not one hiding the other.
const DODGE: f64 = 3.0;

pub fn lines(x_labels: Vec<String>, series: Vec<SeriesInput>, fmt: fn(f64) -> String) -> LineChart {
    let (left, top) = (56.0, 12.0);
    // Room on the right for half of the last period's label.
    let right = WIDTH - 40.0;
    let bottom = 200.0;
    let count = series.len().min(8);
    let values = series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied())
        .filter(|v| v.is_finite());
    let (lo, hi) = values.fold((0.0_f64, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (lo, hi, step) = nice_range(lo, hi);
    let y_of = |v: f64| px(bottom - (v - lo) / (hi - lo) * (bottom - top));
    let n = x_labels.len().max(1);
    let x_of = |i: usize| {
        if n == 1 {
            px((left + right) / 2.0)
        } else {
            px(left + i as f64 * (right - left) / (n - 1) as f64)
        }
    };
    let series = series
        .into_iter()
        .take(8)
        .enumerate()
        .map(|(k, s)| {
            let mut runs = Vec::new();
            let mut run: Vec<String> = Vec::new();
            let mut dots = Vec::new();
            let dodge = (k as f64 - (count as f64 - 1.0) / 2.0) * DODGE;
            for (i, v) in s.values.iter().enumerate() {
                match v.filter(|v| v.is_finite()) {
                    Some(v) => {
                        let x = px(x_of(i) + dodge);
                        run.push(format!("{},{}", x, y_of(v)));
                        dots.push(Dot {
                            x,
                            y: y_of(v),
                            value: fmt(v),
                        });
                    }
                    None if !run.is_empty() => runs.push(std::mem::take(&mut run).join(" ")),
                    None => {}
                }
            }
            if !run.is_empty() {
                runs.push(run.join(" "));
            }
            Series {
                name: cut(&s.name, LEGEND_UNITS),
                title: s.name,
                runs,
                dots,
                class: format!("s{k}"),
                // One legend row per series below the axis labels, full width.
                legend_y: px(bottom + 44.0 + k as f64 * LEGEND_ROW),
            }
        })
        .collect();
    let steps = ((hi - lo) / step).round() as i32;
    let y_ticks = (0..=steps)
        .map(|i| {
            let v = lo + step * f64::from(i);
            Tick {
                pos: y_of(v),
                label: fmt(v),
            }
        })
        .collect();
    LineChart {
        height: px(bottom + 36.0 + count.max(1) as f64 * LEGEND_ROW),
        left,
        right,
        top,
        bottom,
        zero_y: y_of(0.0),
        x_ticks: x_labels
            .into_iter()
            .enumerate()
            .map(|(i, label)| Tick {
                pos: x_of(i),
                label,
            })
            .collect(),
        y_ticks,
        series,
        legend_x: left,
    }
}

/// A range around `lo..=hi` on round numbers (1, 2, 2.5 or 5 × 10ⁿ apart), with about
/// four steps: `(low, high, step)`.
fn nice_range(lo: f64, hi: f64) -> (f64, f64, f64) {
    let span = if hi - lo < 1e-12 { 1.0 } else { hi - lo };
    let rough = span / 4.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * magnitude);
    let low = (lo / step).floor() * step;
    let mut high = (hi / step).ceil() * step;
    if high - low < step / 2.0 {
        high = low + step;
    }
    (low, high, step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_cut_by_drawn_width_a_chinese_character_counting_two() {
        assert_eq!(cut("交期准确交期准确", 9), "交期准确…");
        assert_eq!(
            cut("行单准确行单准确行单准确", 24),
            "行单准确行单准确行单准确"
        );
        assert_eq!(cut("Answer within one working day", 12), "Answer with…");
        assert_eq!(cut("short", 30), "short");
        // A 30-character Chinese label fits beside its bar: no more than the room a
        // 34-letter one takes.
        let label = cut(&"准".repeat(30), LABEL_UNITS);
        assert!(label.chars().count() <= LABEL_UNITS / 2 + 1, "{label}");
    }

    #[test]
    fn long_phase_names_take_two_lines_broken_at_a_space() {
        assert_eq!(
            wrap("Marketing, vendas, serviço, TI e finanças", 32, 2),
            ["Marketing, vendas, serviço, TI", "e finanças"]
        );
        assert_eq!(wrap("One function alone", 32, 2), ["One function alone"]);
        assert_eq!(
            wrap("市场、销售、服务、IT与财务", 16, 2),
            ["市场、销售、服务", "、IT与财务"]
        );
    }

    #[test]
    fn series_at_the_same_point_are_drawn_apart() {
        let same = |name: &str| SeriesInput {
            name: name.to_owned(),
            values: vec![Some(0.2), Some(0.3)],
        };
        let chart = lines(
            vec!["a".into(), "b".into()],
            vec![same("x"), same("y")],
            |v| v.to_string(),
        );
        let (a, b) = (&chart.series[0].dots[0], &chart.series[1].dots[0]);
        assert_eq!(a.y, b.y);
        assert!((a.x - b.x).abs() >= DODGE, "{} {}", a.x, b.x);
        // The legend sits below the plot, full names within the width.
        assert!(chart.series[1].legend_y > chart.bottom);
        assert!(chart.height > chart.series[1].legend_y);
    }

    #[test]
    fn the_largest_bar_fills_the_span_and_negatives_draw_nothing() {
        let chart = bars(vec![
            BarInput {
                label: "a".into(),
                value: 0.5,
                value_text: "50 %".into(),
                class: "critical",
            },
            BarInput {
                label: "b".into(),
                value: 0.25,
                value_text: "25 %".into(),
                class: "major",
            },
            BarInput {
                label: "c".into(),
                value: -0.1,
                value_text: "−10 %".into(),
                class: "met",
            },
        ]);
        let span = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 2.0 * PAD;
        assert_eq!(chart.bars[0].width, px(span));
        assert_eq!(chart.bars[1].width, px(span / 2.0));
        assert_eq!(chart.bars[2].width, 0.0);
        assert!(chart.bars[2].y > chart.bars[1].y);
    }

    #[test]
    fn stacked_segments_follow_each_other() {
        let chart = stacked(vec![StackInput {
            label: "QA".into(),
            segments: vec![(2.0, "done"), (0.0, "open"), (2.0, "overdue")],
        }]);
        let row = &chart.rows[0];
        assert_eq!(row.segments.len(), 2);
        assert_eq!(
            row.segments[1].x,
            px(row.segments[0].x + row.segments[0].width)
        );
        assert_eq!(row.total, 4.0);
    }

    #[test]
    fn axes_run_on_round_numbers() {
        assert_eq!(nice_range(0.0, 0.375), (0.0, 0.4, 0.1));
        assert_eq!(nice_range(-0.05, 0.2), (-0.1, 0.2, 0.1));
        assert_eq!(nice_range(0.0, 0.0), (0.0, 0.25, 0.25));
        let (lo, hi, step) = nice_range(3.0, 97.0);
        assert_eq!((lo, hi, step), (0.0, 100.0, 25.0));
    }

    #[test]
    fn a_missing_period_breaks_the_line() {
        let chart = lines(
            vec!["Sep".into(), "Oct".into(), "Nov".into()],
            vec![SeriesInput {
                name: "p".into(),
                values: vec![Some(1.0), None, Some(2.0)],
            }],
            |v| format!("{v}"),
        );
        assert_eq!(chart.series[0].runs.len(), 2);
        assert_eq!(chart.series[0].dots.len(), 2);
        // Higher values sit higher (smaller y).
        assert!(chart.series[0].dots[1].y < chart.series[0].dots[0].y);
    }
}
