//! Geometry of the server-rendered SVG bar charts (public statistics page, staff dashboard).
//! The numbers are computed here; the templates only place `<rect>` and `<text>` elements, so
//! no HTML or SVG is built with `format!`.

/// A bar chart of totals, each with a part drawn over it (questions and the answered ones).
pub struct BarChart {
    pub width: u32,
    pub height: u32,
    /// The baseline's y (bars grow upwards from it).
    pub base: u32,
    pub bars: Vec<Bar>,
    /// The largest total (the top of the scale).
    pub max: i64,
}

pub struct Bar {
    pub label: String,
    pub total: i64,
    pub part: i64,
    pub x: u32,
    pub width: u32,
    /// Centre of the bar, for its labels.
    pub mid: u32,
    pub total_y: u32,
    pub total_h: u32,
    pub part_y: u32,
    pub part_h: u32,
}

const WIDTH: u32 = 640;
const PLOT_HEIGHT: u32 = 180;
const TOP: u32 = 20;

/// Lays out one bar per `(label, total, part)`.
pub fn bar_chart(items: &[(String, i64, i64)]) -> BarChart {
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1);
    let n = u32::try_from(items.len().max(1)).unwrap_or(1);
    let slot = WIDTH / n;
    let width = (slot * 7 / 10).max(2);
    let base = TOP + PLOT_HEIGHT;
    let height_of = |v: i64| {
        let v = u32::try_from(v.clamp(0, max)).unwrap_or(0);
        let max = u32::try_from(max).unwrap_or(1);
        (u64::from(v) * u64::from(PLOT_HEIGHT) / u64::from(max)) as u32
    };
    let bars = items
        .iter()
        .enumerate()
        .map(|(i, (label, total, part))| {
            let x = u32::try_from(i).unwrap_or(0) * slot + (slot - width) / 2;
            let (total_h, part_h) = (height_of(*total), height_of((*part).min(*total)));
            Bar {
                label: label.clone(),
                total: *total,
                part: *part,
                x,
                width,
                mid: x + width / 2,
                total_y: base - total_h,
                total_h,
                part_y: base - part_h,
                part_h,
            }
        })
        .collect();
    BarChart {
        width: WIDTH,
        height: base + 24,
        base,
        bars,
        max,
    }
}

/// A share as German percent text: `87 %`, `0 %`.
pub fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "–".to_owned();
    }
    format!("{} %", (part * 100 + whole / 2) / whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_total() {
        let c = bar_chart(&[
            ("a".into(), 10, 5),
            ("b".into(), 0, 0),
            ("c".into(), 20, 20),
        ]);
        assert_eq!(c.max, 20);
        assert_eq!(c.bars[2].total_h, PLOT_HEIGHT);
        assert_eq!(c.bars[0].total_h, PLOT_HEIGHT / 2);
        assert_eq!(c.bars[0].part_h, PLOT_HEIGHT / 4);
        assert_eq!(c.bars[1].total_h, 0);
        assert_eq!(c.bars[1].total_y, c.base);
        assert_eq!(percent(1, 3), "33 %");
        assert_eq!(percent(0, 0), "–");
    }
}
