//! The self-contained HTML report: one file an auditor can open offline and attach as evidence.
//!
//! No network: inline CSS and JS (`html/report.css`, `html/report.js`), charts as inline SVG, and a
//! Content-Security-Policy that allows nothing else (the script is allowed by its SHA-256, so even
//! an injected inline handler could not run). Every value goes through [`escape`]. The page works
//! without JS (everything shown); with JS it has tabs, sorting, filters and expandable rows. Output
//! is deterministic: no random ids, no clock.

mod charts;
mod sections;

use std::fmt::Write as _;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::Report;
use crate::gate::ExitStatus;

const CSS: &str = include_str!("html/report.css");
const JS: &str = include_str!("html/report.js");

/// Escapes text for HTML content and quoted attribute values: `& < > " '`.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page's Content-Security-Policy: inline styles, our one script (by hash), data: images.
pub fn content_security_policy() -> String {
    let digest = Sha256::digest(JS.as_bytes());
    let hash = base64::engine::general_purpose::STANDARD.encode(digest);
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{hash}'; \
         img-src data:; base-uri 'none'; form-action 'none'"
    )
}

fn verdict(report: &Report<'_>) -> (String, &'static str) {
    let failing = crate::gate::failing(report.evaluation, report.fail_on);
    match report.gate {
        ExitStatus::Passed => (
            format!("PASSED — no open finding at or above {}", report.fail_on),
            "passed",
        ),
        ExitStatus::Findings => (
            format!(
                "FAILED — {failing} open finding(s) at or above {}",
                report.fail_on
            ),
            "failed",
        ),
        ExitStatus::Incomplete => (
            "INCOMPLETE — some rules could not be evaluated; the gate fails closed".into(),
            "incomplete",
        ),
        other => (other.as_str().to_uppercase(), "failed"),
    }
}

fn header(report: &Report<'_>) -> String {
    let (text, class) = verdict(report);
    let m = report.manifest;
    let mut rows = vec![("Org", m.org_url.clone())];
    if let Some(id) = &report.org_id {
        rows.push(("Org id", id.clone()));
    }
    rows.extend([
        ("As of", report.evaluation.as_of.clone()),
        ("Collected at", m.collected_at_rfc3339()),
        ("Auth method", m.auth_method.clone()),
        ("Fail on", report.fail_on.as_str().to_string()),
        (
            "Gate",
            format!("{} (exit {})", report.gate.as_str(), report.gate.code()),
        ),
        ("Tool", format!("tokenwarden {}", env!("CARGO_PKG_VERSION"))),
    ]);
    let mut out = String::from("<header class=\"top\">\n<h1>tokenwarden report</h1>\n");
    let _ = writeln!(
        out,
        "<p class=\"verdict verdict-{class}\">{}</p>\n<dl class=\"meta\">",
        escape(&text)
    );
    for (k, v) in rows {
        let _ = writeln!(
            out,
            "<div><dt>{}</dt><dd>{}</dd></div>",
            escape(k),
            escape(&v)
        );
    }
    out.push_str("</dl>\n</header>\n");
    out
}

fn tabs(report: &Report<'_>) -> String {
    let eval = report.evaluation;
    let mut out = String::from("<nav class=\"tabs\" role=\"tablist\">\n");
    for (id, label) in [
        ("summary", "Summary".to_string()),
        ("findings", format!("Findings ({})", eval.findings.len())),
        ("rules", format!("Rules ({})", eval.rules.len())),
    ]
    .into_iter()
    .chain(report.inventory.iter().map(|inv| {
        (
            inv.id.as_str(),
            format!("{} ({})", inv.title, inv.rows.len()),
        )
    })) {
        let _ = writeln!(
            out,
            "<button type=\"button\" class=\"tab-button\" role=\"tab\" data-tab=\"{id}\">{}</button>",
            escape(&label)
        );
    }
    out.push_str("</nav>\n");
    out
}

/// The inventory tabs (API tokens, admin assignments, service apps): one sortable table each,
/// the same rows as the `review-*.csv` exports. Every cell is escaped.
fn render_inventory(report: &Report<'_>) -> String {
    let mut out = String::new();
    for inv in report.inventory {
        let numeric: Vec<bool> = (0..inv.columns.len())
            .map(|c| {
                inv.rows.iter().any(|r| !r[c].is_empty())
                    && inv
                        .rows
                        .iter()
                        .all(|r| r[c].is_empty() || r[c].parse::<f64>().is_ok())
            })
            .collect();
        let _ = writeln!(
            out,
            "<section class=\"tab\" id=\"tab-{id}\" data-tab=\"{id}\">\n<h2>{title}</h2>\n\
             <p>{n} row(s); the same rows as <code>{file}</code>, which adds empty reviewer columns \
             (decision, reviewer, reviewed_at, comment).</p>",
            id = escape(&inv.id),
            title = escape(&inv.title),
            n = inv.rows.len(),
            file = escape(&inv.file),
        );
        let _ = write!(
            out,
            "<div class=\"scroll\"><table id=\"inv-{}\" class=\"inventory sortable\"><thead><tr>",
            escape(&inv.id)
        );
        for (c, name) in inv.columns.iter().enumerate() {
            let _ = write!(
                out,
                "<th data-sort=\"c{c}\" data-type=\"{}\"><button type=\"button\">{}</button></th>",
                if numeric[c] { "num" } else { "text" },
                escape(name)
            );
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (i, row) in inv.rows.iter().enumerate() {
            let _ = write!(out, "<tr data-idx=\"{i}\"");
            for (c, v) in row.iter().enumerate() {
                let _ = write!(out, " data-c{c}=\"{}\"", escape(v));
            }
            out.push('>');
            for v in row {
                let _ = write!(out, "<td>{}</td>", escape(v));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table></div>\n</section>\n");
    }
    out
}

/// Renders the complete HTML document.
pub fn render(report: &Report<'_>) -> String {
    let title = format!("tokenwarden report — {}", report.manifest.org_url);
    let mut out =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        escape(&content_security_policy())
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
    let _ = writeln!(out, "<title>{}</title>", escape(&title));
    let _ = writeln!(out, "<style>\n{CSS}</style>\n</head>\n<body>");
    out.push_str(&header(report));
    out.push_str(&tabs(report));
    out.push_str("<main>\n");
    out.push_str(&sections::summary(report));
    out.push_str(&sections::findings(report));
    out.push_str(&sections::rules(report));
    out.push_str(&render_inventory(report));
    out.push_str("</main>\n<pre id=\"selftest-result\" hidden></pre>\n");
    let _ = writeln!(
        out,
        "<footer>Generated by tokenwarden {} from a snapshot collected {}, evaluated as of {}.</footer>",
        escape(env!("CARGO_PKG_VERSION")),
        escape(&report.manifest.collected_at_rfc3339()),
        escape(&report.evaluation.as_of)
    );
    let _ = writeln!(out, "<script>{JS}</script>\n</body>\n</html>");
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup_and_both_quotes() {
        assert_eq!(
            escape("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(escape("a\"b'c&"), "a&quot;b&#39;c&amp;");
    }

    #[test]
    fn assets_cannot_close_their_own_elements() {
        assert!(!JS.to_ascii_lowercase().contains("</script"));
        assert!(!CSS.to_ascii_lowercase().contains("</style"));
        assert!(content_security_policy().starts_with("default-src 'none'"));
    }
}
