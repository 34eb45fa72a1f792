//! Inline SVG bar charts: no script, no external resources, integer geometry (deterministic).

use std::fmt::Write as _;

use super::escape;

/// One bar: a label and its stacked segments (value, CSS class).
pub struct Bar {
    /// The label left of the bar.
    pub label: String,
    /// Stacked segments, drawn left to right.
    pub segments: Vec<(usize, &'static str)>,
}

const LABEL_W: usize = 200;
const BAR_W: usize = 320;
const ROW_H: usize = 26;
const LEGEND_H: usize = 24;

/// A horizontal stacked bar chart with a legend of (class, name) pairs.
pub fn bar_chart(title: &str, bars: &[Bar], legend: &[(&'static str, &str)]) -> String {
    let max = bars
        .iter()
        .map(|b| b.segments.iter().map(|s| s.0).sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    let width = LABEL_W + BAR_W + 60;
    let height = LEGEND_H + bars.len().max(1) * ROW_H + 4;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"{t}\"><title>{t}</title>",
        t = escape(title)
    );
    let mut x = 0;
    for (class, name) in legend {
        let _ = writeln!(
            out,
            "<rect class=\"{class}\" x=\"{x}\" y=\"4\" width=\"12\" height=\"12\"/>\
             <text x=\"{}\" y=\"14\" class=\"legend\">{}</text>",
            x + 16,
            escape(name)
        );
        x += 24 + name.chars().count() * 8;
    }
    for (i, bar) in bars.iter().enumerate() {
        let y = LEGEND_H + i * ROW_H;
        let total: usize = bar.segments.iter().map(|s| s.0).sum();
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" class=\"label\" text-anchor=\"end\">{}</text>",
            LABEL_W - 8,
            y + 17,
            escape(&bar.label)
        );
        let mut bx = LABEL_W;
        for (value, class) in &bar.segments {
            let w = value * BAR_W / max;
            if w > 0 {
                let _ = writeln!(
                    out,
                    "<rect class=\"{class}\" x=\"{bx}\" y=\"{}\" width=\"{w}\" height=\"{}\"><title>{}: {value}</title></rect>",
                    y + 4,
                    ROW_H - 8,
                    escape(&bar.label)
                );
            }
            bx += w;
        }
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" class=\"value\">{total}</text>",
            bx + 6,
            y + 17
        );
    }
    let _ = writeln!(
        out,
        "</svg><figcaption>{}</figcaption></figure>",
        escape(title)
    );
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_bars_scale_to_the_largest() {
        let svg = bar_chart(
            "t<",
            &[
                Bar {
                    label: "<b>".into(),
                    segments: vec![(2, "a")],
                },
                Bar {
                    label: "c".into(),
                    segments: vec![(1, "a")],
                },
            ],
            &[("a", "open")],
        );
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
        assert!(svg.contains(&format!("width=\"{BAR_W}\"")));
        assert!(svg.contains(&format!("width=\"{}\"", BAR_W / 2)));
    }
}
