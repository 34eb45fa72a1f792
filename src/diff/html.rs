//! The diff as one self-contained HTML page: inline CSS, no script, no network (a CSP that allows
//! nothing but inline styles), every value escaped. Deterministic: no clock, no random ids.

use std::fmt::Write as _;

use super::report::{DiffReport, SnapshotInfo};
use super::text::{change_lines, finding_change_word, summary_line};
use crate::report::html::escape;

const CSS: &str = "\
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em;color:#1b1f24}\
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em}\
table{border-collapse:collapse;width:100%;margin:.5em 0}\
th,td{border:1px solid #d0d7de;padding:.3em .5em;text-align:left;vertical-align:top}\
th{background:#f6f8fa}td.id{font-family:ui-monospace,monospace;font-size:.9em}\
.added{color:#116329}.removed{color:#a40e26}.changed{color:#7d4e00}\
.opened{color:#a40e26}.resolved{color:#116329}.severity_changed{color:#7d4e00}\
.note{background:#fff8c5;padding:.4em .6em;border-left:4px solid #d4a72c}\
ul.d{margin:0;padding-left:1.1em}\
@media print{body{margin:0}th{background:none}}";

fn side_rows(out: &mut String, label: &str, s: &SnapshotInfo) {
    let _ = write!(
        out,
        "<tr><th>{label}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"id\">{}</td></tr>",
        escape(&s.org_url),
        escape(s.org_id.as_deref().unwrap_or("")),
        escape(&s.collected_at),
        escape(&s.as_of),
        escape(&s.manifest_sha256)
    );
}

fn list(lines: &[String]) -> String {
    let mut s = String::from("<ul class=\"d\">");
    for l in lines {
        let _ = write!(s, "<li>{}</li>", escape(l));
    }
    s.push_str("</ul>");
    s
}

/// Renders the page.
pub fn render(r: &DiffReport) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>tokenwarden diff</title><style>",
    );
    out.push_str(CSS);
    out.push_str("</style></head>\n<body>\n<h1>tokenwarden diff</h1>\n");
    out.push_str(
        "<table><tr><th></th><th>Org</th><th>Org id</th><th>Collected at</th><th>As of</th>\
         <th>Manifest SHA-256</th></tr>",
    );
    side_rows(&mut out, "OLD", &r.old);
    side_rows(&mut out, "NEW", &r.new);
    out.push_str("</table>\n");
    let _ = writeln!(out, "<p>{}</p>", escape(&summary_line(r)));
    for n in &r.notes {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(n));
    }
    if !r.not_comparable.is_empty() {
        out.push_str("<h2>Not comparable</h2>\n<table><tr><th>Kind</th><th>Reason</th></tr>");
        for n in &r.not_comparable {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td></tr>",
                escape(n.kind.as_str()),
                escape(&n.reason)
            );
        }
        out.push_str("</table>\n");
    }
    let _ = writeln!(out, "<h2>Changes ({})</h2>", r.changes.len());
    if r.changes.is_empty() {
        out.push_str("<p>None in what could be compared.</p>\n");
    } else {
        out.push_str(
            "<table><tr><th>Kind</th><th>Change</th><th>Name</th><th>Id</th><th>Details</th></tr>",
        );
        for c in &r.changes {
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td class=\"id\">{}</td><td>{}</td></tr>",
                escape(c.kind.as_str()),
                c.change.as_str(),
                c.change.as_str(),
                escape(&c.name),
                escape(&c.id),
                list(&change_lines(c))
            );
        }
        out.push_str("</table>\n");
    }
    let _ = writeln!(out, "<h2>Findings ({})</h2>", r.findings.changes.len());
    if r.findings.changes.is_empty() {
        out.push_str("<p>No finding opened or resolved.</p>\n");
    } else {
        out.push_str(
            "<table><tr><th>Change</th><th>Rule</th><th>Entity</th><th>Owner</th><th>Message</th></tr>",
        );
        for f in &r.findings.changes {
            let _ = write!(
                out,
                "<tr><td class=\"{}\">{}</td><td>{}</td><td>{} <span class=\"id\">({})</span></td><td>{}</td><td>{}</td></tr>",
                f.change.as_str(),
                escape(&finding_change_word(f)),
                escape(&f.rule_id),
                escape(&f.entity_name),
                escape(&f.entity_id),
                escape(f.owner.as_deref().unwrap_or("")),
                escape(&f.message)
            );
        }
        out.push_str("</table>\n");
    }
    if !r.findings.rules_not_compared.is_empty() {
        out.push_str(
            "<h2>Rules not compared</h2>\n<table><tr><th>Rule</th><th>OLD</th><th>NEW</th><th>Reason</th></tr>",
        );
        for n in &r.findings.rules_not_compared {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&n.rule_id),
                escape(&n.old),
                escape(&n.new),
                escape(&n.reason)
            );
        }
        out.push_str("</table>\n");
    }
    let _ = writeln!(
        out,
        "<p><small>{} · diff schema {}</small></p>\n</body></html>",
        escape(&r.tool),
        escape(&r.schema_version)
    );
    out
}
