//! The terminal table and the Markdown renderings of a [`DiffReport`].

use std::fmt::Write as _;

use comfy_table::{ContentArrangement, Table, presets};

use super::report::{Change, DiffReport, FindingChange, SnapshotInfo};
use crate::report::markdown::cell;

/// Width of the terminal tables (stable when piped).
const WIDTH: u16 = 120;

fn new_table(header: Vec<&str>) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(WIDTH)
        .set_header(header);
    t
}

/// The lines describing a change: its details when changed, its attributes otherwise.
pub(crate) fn change_lines(c: &Change) -> Vec<String> {
    if c.details.is_empty() {
        c.attributes
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect()
    } else {
        c.details.iter().map(|d| d.text()).collect()
    }
}

/// `opened high` / `severity_changed medium → high`.
pub(crate) fn finding_change_word(f: &FindingChange) -> String {
    match f.old_severity {
        Some(o) => format!("{} ({o} → {})", f.change.as_str(), f.severity),
        None => format!("{} ({})", f.change.as_str(), f.severity),
    }
}

fn side_line(s: &SnapshotInfo) -> String {
    format!(
        "{}{} · collected {} · as of {} · manifest sha256 {}",
        s.org_url,
        s.org_id
            .as_deref()
            .map(|i| format!(" ({i})"))
            .unwrap_or_default(),
        s.collected_at,
        s.as_of,
        s.manifest_sha256
    )
}

/// One-line totals.
pub(crate) fn summary_line(r: &DiffReport) -> String {
    let s = &r.summary;
    format!(
        "{} added, {} removed, {} changed · findings: {} opened, {} resolved, {} severity changed, \
         {} unchanged · {} kind(s) not comparable, {} rule(s) not compared",
        s.added,
        s.removed,
        s.changed,
        s.findings_opened,
        s.findings_resolved,
        s.findings_severity_changed,
        s.findings_unchanged,
        s.kinds_not_comparable,
        s.rules_not_compared
    )
}

/// Renders the diff as terminal tables.
pub fn table(r: &DiffReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "tokenwarden diff");
    let _ = writeln!(out, "OLD: {}", side_line(&r.old));
    let _ = writeln!(out, "NEW: {}", side_line(&r.new));
    let _ = writeln!(out, "{}", summary_line(r));
    for n in &r.notes {
        let _ = writeln!(out, "note: {n}");
    }
    if !r.not_comparable.is_empty() {
        let _ = writeln!(out, "\nNot comparable:");
        for n in &r.not_comparable {
            let _ = writeln!(out, "  {} — {}", n.kind.as_str(), n.reason);
        }
    }
    if !r.changes.is_empty() {
        let _ = writeln!(out, "\nChanges ({}):", r.changes.len());
        let mut t = new_table(vec!["Kind", "Change", "Name / id", "Details"]);
        for c in &r.changes {
            t.add_row(vec![
                c.kind.as_str().to_string(),
                c.change.as_str().to_string(),
                format!("{}\n{}", c.name, c.id),
                change_lines(c).join("\n"),
            ]);
        }
        let _ = writeln!(out, "{t}");
    }
    if !r.findings.changes.is_empty() {
        let _ = writeln!(out, "\nFindings ({}):", r.findings.changes.len());
        let mut t = new_table(vec!["Change", "Rule", "Entity", "Message"]);
        for f in &r.findings.changes {
            t.add_row(vec![
                finding_change_word(f),
                f.rule_id.clone(),
                format!("{}\n{}", f.entity_name, f.entity_id),
                f.message.clone(),
            ]);
        }
        let _ = writeln!(out, "{t}");
    }
    if !r.findings.rules_not_compared.is_empty() {
        let _ = writeln!(
            out,
            "\nRules not compared ({}):",
            r.findings.rules_not_compared.len()
        );
        for n in &r.findings.rules_not_compared {
            let _ = writeln!(out, "  {} — {}", n.rule_id, n.reason);
        }
    }
    if r.changes.is_empty() && r.findings.changes.is_empty() {
        let _ = writeln!(out, "\nNo changes in what could be compared.");
    }
    out
}

/// Renders the diff as Markdown; every value goes through the table-cell escaper.
pub fn markdown(r: &DiffReport) -> String {
    let mut out = String::from("## tokenwarden diff\n\n");
    for (label, s) in [("OLD", &r.old), ("NEW", &r.new)] {
        let _ = writeln!(out, "- **{label}:** {}", cell(&side_line(s)));
    }
    let _ = writeln!(out, "\n{}\n", cell(&summary_line(r)));
    for n in &r.notes {
        let _ = writeln!(out, "> note: {}\n", cell(n));
    }
    if !r.not_comparable.is_empty() {
        out.push_str("### Not comparable\n\n| Kind | Reason |\n|---|---|\n");
        for n in &r.not_comparable {
            let _ = writeln!(out, "| {} | {} |", cell(n.kind.as_str()), cell(&n.reason));
        }
        out.push('\n');
    }
    if !r.changes.is_empty() {
        out.push_str(
            "### Changes\n\n| Kind | Change | Name | Id | Details |\n|---|---|---|---|---|\n",
        );
        for c in &r.changes {
            let details: Vec<String> = change_lines(c).iter().map(|l| cell(l)).collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                cell(c.kind.as_str()),
                cell(c.change.as_str()),
                cell(&c.name),
                cell(&c.id),
                details.join("<br>")
            );
        }
        out.push('\n');
    }
    if !r.findings.changes.is_empty() {
        out.push_str(
            "### Findings\n\n| Change | Rule | Entity | Owner | Message |\n|---|---|---|---|---|\n",
        );
        for f in &r.findings.changes {
            let _ = writeln!(
                out,
                "| {} | {} | {} ({}) | {} | {} |",
                cell(&finding_change_word(f)),
                cell(&f.rule_id),
                cell(&f.entity_name),
                cell(&f.entity_id),
                cell(f.owner.as_deref().unwrap_or("")),
                cell(&f.message)
            );
        }
        out.push('\n');
    }
    if !r.findings.rules_not_compared.is_empty() {
        out.push_str(
            "### Rules not compared\n\n| Rule | OLD | NEW | Reason |\n|---|---|---|---|\n",
        );
        for n in &r.findings.rules_not_compared {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(&n.rule_id),
                cell(&n.old),
                cell(&n.new),
                cell(&n.reason)
            );
        }
        out.push('\n');
    }
    out
}
