//! The full report set of `scan` and `demo`: every format plus the access-review exports, by
//! file name. Rendering only; the CLI writes the files.

use super::{Format, RenderError, Report, render, review};

/// The report files of a set, in the order they are written, with their formats.
pub const REPORT_FILES: [(&str, Format); 6] = [
    ("report.html", Format::Html),
    ("findings.json", Format::Json),
    ("findings.csv", Format::Csv),
    ("findings.sarif", Format::Sarif),
    ("junit.xml", Format::Junit),
    ("summary.md", Format::Markdown),
];

/// Renders every file of the set: `(file name, content)`.
pub fn render_set(report: &Report<'_>) -> Result<Vec<(String, String)>, RenderError> {
    let mut files = Vec::new();
    for (name, format) in REPORT_FILES {
        files.push((name.to_string(), render(report, format)?));
    }
    for inv in report.inventory {
        files.push((inv.file.clone(), review::render_csv(inv)?));
    }
    Ok(files)
}
