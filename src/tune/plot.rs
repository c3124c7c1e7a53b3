//! The tuner's plots, PNG and SVG (plotters). One parameter: findings on the
//! left axis and precision / recall / F1 on the right, against the value,
//! with the default and the best F1 marked. Two parameters: heat maps of F1
//! and of findings. Titles and axis names are Chinese; the font is embedded
//! (`fonts/`), so the PNG renders the same on any machine.

use std::path::Path;
use std::sync::Once;

use plotters::chart::DualCoordChartContext;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Axis, TuneResult, show};
use crate::error::{Error, Result};
use crate::rules;

/// WenQuanYi Micro Hei: CJK and Latin glyphs (Apache-2.0, `fonts/README.md`).
static FONT: &[u8] = include_bytes!("../../fonts/wqy-microhei.ttc");
const FAMILY: &str = "sans-serif";

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is compiled in and known to parse (a test draws with it).
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

/// Chinese name of a parameter for axis titles, with its unit.
pub fn param_label(key: &str) -> String {
    let (name, unit) = match key {
        "tender-threshold" => ("招标限额", "元"),
        "decision-threshold" => ("四议两公开限额", "元"),
        "contract-threshold" => ("合同公示限额", "元"),
        "threshold" => ("金额限额", "元"),
        "limit" => ("现金限额", "元"),
        "window-days" => ("时间窗", "天"),
        "close-days" => ("相近天数", "天"),
        "grace-days" => ("宽限天数", "天"),
        "arrears-days" => ("补发宽限", "天"),
        "after-term-days" => ("离任后天数", "天"),
        "out-of-period-days" => ("期外天数", "天"),
        "approval-max-lead-days" => ("审批最长提前", "天"),
        "min-overlap-days" => ("最少重叠天数", "天"),
        "min-pieces" => ("最少笔数", "笔"),
        "min-payments" => ("最少发放次数", "次"),
        "wage-arrears-months" => ("工资补发月数", "月"),
        "near-line-share" => ("贴线比例", ""),
        "name-similarity" => ("名称相似度", ""),
        "min-score" => ("最低分", "分"),
        "strong-score" => ("强信号分", "分"),
        "max-id-distance" => ("身份证号最大差异位数", "位"),
        _ => ("", ""),
    };
    if name.is_empty() {
        key.to_string()
    } else if unit.is_empty() {
        name.to_string()
    } else {
        format!("{name}（{unit}）")
    }
}

fn short_label(key: &str) -> String {
    let l = param_label(key);
    l.split('（').next().unwrap_or(&l).to_string()
}

/// `SPL001 化整为零 招标限额 扫描`.
pub fn title(res: &TuneResult) -> String {
    let cat = rules::find(&res.rule)
        .map(|r| r.category().label_zh())
        .unwrap_or("");
    let names: Vec<String> = res.axes.iter().map(|a| short_label(&a.key)).collect();
    if res.axes.len() == 1 {
        format!("{} {cat} {} 扫描", res.rule, names[0])
    } else {
        format!("{} {cat} {} 网格扫描", res.rule, names.join(" × "))
    }
}

pub const LINE_SIZE: (u32, u32) = (1000, 640);
pub const GRID_SIZE: (u32, u32) = (1400, 640);

/// The size of the plot for this result.
pub fn size(res: &TuneResult) -> (u32, u32) {
    if res.axes.len() == 1 {
        LINE_SIZE
    } else {
        GRID_SIZE
    }
}

/// Write `stem.png` and `stem.svg` into `dir`.
pub fn write_plots(res: &TuneResult, dir: &Path, stem: &str) -> Result<()> {
    register_font();
    let size = size(res);
    let png = dir.join(format!("{stem}.png"));
    let svg = dir.join(format!("{stem}.svg"));
    {
        let root = BitMapBackend::new(&png, size).into_drawing_area();
        draw(res, &root).map_err(|e| Error::output(&png, e))?;
        root.present().map_err(|e| Error::output(&png, e))?;
    }
    {
        let root = SVGBackend::new(&svg, size).into_drawing_area();
        draw(res, &root).map_err(|e| Error::output(&svg, e))?;
        root.present().map_err(|e| Error::output(&svg, e))?;
    }
    private(&png)?;
    private(&svg)
}

fn private(p: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::output(p, e))?;
    }
    let _ = p;
    Ok(())
}

type ChartResult<T, DB> =
    std::result::Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;
type DrawResult<DB> = ChartResult<(), DB>;

fn draw<DB: DrawingBackend>(res: &TuneResult, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    if res.axes.len() == 1 {
        draw_line(res, root)
    } else {
        draw_grid(res, root)
    }
}

const C_FINDINGS: RGBColor = RGBColor(33, 102, 172);
const C_HIGH: RGBColor = RGBColor(146, 197, 222);
const C_PRECISION: RGBColor = RGBColor(77, 175, 74);
const C_RECALL: RGBColor = RGBColor(255, 127, 0);
const C_F1: RGBColor = RGBColor(215, 25, 28);
const C_DEFAULT: RGBColor = RGBColor(90, 90, 90);

/// The one-parameter chart: findings on the left axis, scores (0–1.05) on
/// the right, both against the parameter's value.
type LineChart<'a, DB> = DualCoordChartContext<'a, DB, XY, XY>;
type XY = Cartesian2d<RangedCoordf64, RangedCoordf64>;

fn draw_line<DB: DrawingBackend>(
    res: &TuneResult,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult<DB> {
    let (mut chart, ymax) = line_chart(res, root)?;
    draw_marks(res, &mut chart, ymax)?;
    draw_counts(res, &mut chart)?;
    if res.labels.is_some() {
        draw_scores(res, &mut chart)?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font((FAMILY, 15))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

/// The chart with its title, axes and labels (the right axis only when
/// the result is graded), and the top of its left axis.
fn line_chart<'a, DB: DrawingBackend>(
    res: &TuneResult,
    root: &'a DrawingArea<DB, Shift>,
) -> ChartResult<(LineChart<'a, DB>, f64), DB> {
    let axis = &res.axes[0];
    let xs: Vec<f64> = res.points.iter().map(|p| p.values[0]).collect();
    let (lo, hi) = (xs[0], xs[xs.len() - 1]);
    let pad = if hi > lo { (hi - lo) * 0.03 } else { 1.0 };
    let (x0, x1) = (lo - pad, hi + pad);
    let ymax = res
        .points
        .iter()
        .map(|p| p.findings)
        .max()
        .unwrap_or(0)
        .max(1) as f64
        * 1.15;
    let graded = res.labels.is_some();

    let mut chart = ChartBuilder::on(root)
        .caption(title(res), (FAMILY, 28))
        .margin(16)
        .x_label_area_size(56)
        .y_label_area_size(72)
        .right_y_label_area_size(if graded { 72 } else { 16 })
        .build_cartesian_2d(x0..x1, 0f64..ymax)?
        .set_secondary_coord(x0..x1, 0f64..1.05f64);
    chart
        .configure_mesh()
        .x_desc(param_label(&axis.key))
        .y_desc("线索数（条）")
        .axis_desc_style((FAMILY, 18))
        .label_style((FAMILY, 14))
        .x_labels(xs.len().clamp(2, 12))
        .x_label_formatter(&|v| show((*v * 1000.0).round() / 1000.0))
        .y_label_formatter(&|v| {
            if (v - v.round()).abs() < 1e-6 {
                format!("{}", v.round() as i64)
            } else {
                String::new()
            }
        })
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    if graded {
        chart
            .configure_secondary_axes()
            .y_desc("精确率 / 召回率 / F1")
            .axis_desc_style((FAMILY, 18))
            .label_style((FAMILY, 14))
            .y_label_formatter(&|v| format!("{v:.1}"))
            .draw()?;
    }
    Ok((chart, ymax))
}

/// Default and best F1: vertical lines with a note at the top.
fn draw_marks<DB: DrawingBackend>(
    res: &TuneResult,
    chart: &mut LineChart<'_, DB>,
    ymax: f64,
) -> DrawResult<DB> {
    let marks = [(res.base, C_DEFAULT, "默认值"), (res.best, C_F1, "最佳F1")];
    for (k, (idx, color, name)) in marks.iter().enumerate() {
        let Some(i) = idx else { continue };
        let x = res.points[*i].values[0];
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, 0.0), (x, ymax)],
            ShapeStyle::from(color).stroke_width(2),
        )))?;
        let y = ymax * (0.97 - 0.06 * k as f64);
        chart.draw_series(std::iter::once(Text::new(
            format!(" {name} {}", show(x)),
            (x, y),
            (FAMILY, 16).into_font().color(color),
        )))?;
    }
    Ok(())
}

/// Findings (with their points) and high-risk findings, on the left axis.
fn draw_counts<DB: DrawingBackend>(
    res: &TuneResult,
    chart: &mut LineChart<'_, DB>,
) -> DrawResult<DB> {
    let pts = |f: &dyn Fn(&super::Point) -> f64| -> Vec<(f64, f64)> {
        res.points.iter().map(|p| (p.values[0], f(p))).collect()
    };
    let findings = pts(&|p| p.findings as f64);
    chart
        .draw_series(LineSeries::new(
            findings.clone(),
            C_FINDINGS.stroke_width(3),
        ))?
        .label("线索数")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], C_FINDINGS.stroke_width(3)));
    chart.draw_series(
        findings
            .iter()
            .map(|p| Circle::new(*p, 4, C_FINDINGS.filled())),
    )?;
    chart
        .draw_series(LineSeries::new(
            pts(&|p| p.high as f64),
            C_HIGH.stroke_width(2),
        ))?
        .label("其中高风险")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], C_HIGH.stroke_width(2)));
    Ok(())
}

/// A score of a point, when it has one.
type ScoreOf = fn(&super::Point) -> Option<f64>;

/// Precision, recall and F1 with their points, on the right axis.
fn draw_scores<DB: DrawingBackend>(
    res: &TuneResult,
    chart: &mut LineChart<'_, DB>,
) -> DrawResult<DB> {
    let series: [(&str, RGBColor, ScoreOf); 3] = [
        ("精确率", C_PRECISION, |p| {
            p.score.as_ref().and_then(|s| s.precision)
        }),
        ("召回率", C_RECALL, |p| {
            p.score.as_ref().and_then(|s| s.recall)
        }),
        ("F1", C_F1, |p| p.f1()),
    ];
    for (name, color, get) in series {
        let data: Vec<(f64, f64)> = res
            .points
            .iter()
            .filter_map(|p| get(p).map(|v| (p.values[0], v)))
            .collect();
        let width = if name == "F1" { 3 } else { 2 };
        chart
            .draw_secondary_series(LineSeries::new(data.clone(), color.stroke_width(width)))?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(width))
            });
        chart
            .draw_secondary_series(data.iter().map(move |p| Circle::new(*p, 3, color.filled())))?;
    }
    Ok(())
}

/// White to `to`, by `t` in 0–1.
fn ramp(t: f64, to: RGBColor) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mix = |a: u8| (255.0 + (a as f64 - 255.0) * t).round() as u8;
    RGBColor(mix(to.0), mix(to.1), mix(to.2))
}

fn draw_grid<DB: DrawingBackend>(
    res: &TuneResult,
    root: &DrawingArea<DB, Shift>,
) -> DrawResult<DB> {
    let root = root.titled(&title(res), (FAMILY, 28))?;
    let (body, foot) = root.split_vertically(root.dim_in_pixel().1 - 34);
    foot.draw(&Text::new(
        "灰框：默认值　黑框：最佳F1（同分取最接近默认值者；与默认值相同时只见黑框）",
        (20, 6),
        (FAMILY, 16).into_font(),
    ))?;
    let graded = res.labels.is_some();
    let panels = if graded {
        body.split_evenly((1, 2))
    } else {
        vec![body]
    };
    let mut k = 0;
    if graded {
        heat(
            res,
            &panels[k],
            "F1",
            &|p| p.f1(),
            &|v| format!("{v:.2}"),
            C_F1,
        )?;
        k += 1;
    }
    heat(
        res,
        &panels[k],
        "线索数（条）",
        &|p| Some(p.findings as f64),
        &|v| format!("{}", v as i64),
        C_FINDINGS,
    )
}

fn heat<DB: DrawingBackend>(
    res: &TuneResult,
    area: &DrawingArea<DB, Shift>,
    name: &str,
    get: &dyn Fn(&super::Point) -> Option<f64>,
    fmt: &dyn Fn(f64) -> String,
    color: RGBColor,
) -> DrawResult<DB> {
    // Colour from the lowest to the highest value of the grid (the numbers
    // are written in the cells).
    let vals: Vec<f64> = res.points.iter().filter_map(get).collect();
    let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let shade = |v: f64| {
        if hi > lo {
            0.15 + 0.85 * (v - lo) / (hi - lo)
        } else {
            0.6
        }
    };
    let (a, b): (&Axis, &Axis) = (&res.axes[0], &res.axes[1]);
    let (na, nb) = (a.values.len() as i32, b.values.len() as i32);
    let mut chart = ChartBuilder::on(area)
        .caption(name, (FAMILY, 20))
        .margin(12)
        .x_label_area_size(56)
        .y_label_area_size(84)
        // Integer ranges are inclusive in plotters: n cells are 0..n-1.
        .build_cartesian_2d(
            (0..(nb - 1).max(1)).into_segmented(),
            (0..(na - 1).max(1)).into_segmented(),
        )?;
    let label = |vals: &[f64], v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(i) => vals.get(*i as usize).map(|x| show(*x)).unwrap_or_default(),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(param_label(&b.key))
        .y_desc(param_label(&a.key))
        .axis_desc_style((FAMILY, 16))
        .label_style((FAMILY, 12))
        .x_labels(nb as usize)
        .y_labels(na as usize)
        .x_label_formatter(&|v| label(&b.values, v))
        .y_label_formatter(&|v| label(&a.values, v))
        .draw()?;
    let cell = |i: i32, j: i32| {
        [
            (SegmentValue::Exact(j), SegmentValue::Exact(i)),
            (SegmentValue::Exact(j + 1), SegmentValue::Exact(i + 1)),
        ]
    };
    let nb_u = nb as usize;
    chart.draw_series(res.points.iter().enumerate().map(|(idx, p)| {
        let (i, j) = ((idx / nb_u) as i32, (idx % nb_u) as i32);
        let fill = match get(p) {
            Some(v) => ramp(shade(v), color),
            None => RGBColor(235, 235, 235),
        };
        Rectangle::new(cell(i, j), fill.filled())
    }))?;
    let font_size = if nb > 14 || na > 14 { 10 } else { 13 };
    chart.draw_series(res.points.iter().enumerate().map(|(idx, p)| {
        let (i, j) = ((idx / nb_u) as i32, (idx % nb_u) as i32);
        let v = get(p);
        let dark = v.map(|v| shade(v) > 0.6).unwrap_or(false);
        let style = TextStyle::from((FAMILY, font_size).into_font())
            .color(if dark { &WHITE } else { &BLACK })
            .pos(Pos::new(HPos::Center, VPos::Center));
        Text::new(
            v.map(fmt).unwrap_or_else(|| "-".into()),
            (SegmentValue::CenterOf(j), SegmentValue::CenterOf(i)),
            style,
        )
    }))?;
    for (idx, c) in [(res.base, C_DEFAULT), (res.best, BLACK)] {
        let Some(idx) = idx else { continue };
        let (i, j) = ((idx / nb_u) as i32, (idx % nb_u) as i32);
        chart.draw_series(std::iter::once(Rectangle::new(
            cell(i, j),
            ShapeStyle::from(c).stroke_width(3),
        )))?;
    }
    Ok(())
}
