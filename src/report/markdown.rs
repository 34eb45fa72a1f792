//! Markdown summary for a CI job summary (`$GITHUB_STEP_SUMMARY`) or a pull-request comment.
//!
//! Small by design: findings tables are capped per severity so a comment stays under the
//! forge's size limits; the HTML report holds everything.

use std::fmt::Write as _;

use super::Report;
use crate::findings::{FindingStatus, Outcome, Severity};
use crate::gate::ExitStatus;
use crate::snapshot::CollectionStatus;

/// Findings rows shown per severity before "… and N more".
pub const MAX_ROWS_PER_SEVERITY: usize = 100;

/// Escapes a value for a Markdown table cell: pipes, newlines, HTML and inline markup stay
/// literal, and `@` cannot mention anyone.
pub fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '@' => out.push_str("&#64;"),
            '\r' => {}
            '\n' => out.push_str("<br>"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn verdict(report: &Report<'_>, failing: usize) -> String {
    match report.gate {
        ExitStatus::Passed => format!("✅ PASSED — no open finding at or above {}", report.fail_on),
        ExitStatus::Findings => format!(
            "❌ FAILED — {failing} open finding(s) at or above {}",
            report.fail_on
        ),
        ExitStatus::Incomplete => {
            "⚠️ INCOMPLETE — some rules could not be evaluated; the gate fails closed".into()
        }
        other => format!("❌ {}", other.as_str()),
    }
}

/// Renders the summary with the default cap of [`MAX_ROWS_PER_SEVERITY`].
pub fn render(report: &Report<'_>) -> String {
    render_capped(report, MAX_ROWS_PER_SEVERITY)
}

/// Renders the summary showing at most `cap` findings per severity.
pub fn render_capped(report: &Report<'_>, cap: usize) -> String {
    let eval = report.evaluation;
    let failing = crate::gate::failing(eval, report.fail_on);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## tokenwarden: {} (exit {})\n",
        verdict(report, failing),
        report.gate.code()
    );
    let org = match &report.org_id {
        Some(id) => format!("{} ({})", cell(&report.manifest.org_url), cell(id)),
        None => cell(&report.manifest.org_url),
    };
    let _ = writeln!(
        out,
        "**Org:** {org} · **as of:** {} · **collected:** {} · **fail on:** {}\n",
        cell(&eval.as_of),
        report.manifest.collected_at_rfc3339(),
        report.fail_on
    );

    out.push_str("| Severity | Open | Waived | Baselined | Total |\n|---|---:|---:|---:|---:|\n");
    if !eval.notices.is_empty() {
        out.push_str("\n### Notices\n\n| Source | Notice |\n|---|---|\n");
        for n in &eval.notices {
            let _ = writeln!(out, "| {} | {} |", cell(&n.source), cell(&n.message));
        }
    }

    for sev in Severity::ALL.iter().rev() {
        let of = |st: FindingStatus| {
            eval.findings
                .iter()
                .filter(|f| f.severity == *sev && f.status == st)
                .count()
        };
        let (o, w, b) = (
            of(FindingStatus::Open),
            of(FindingStatus::Waived),
            of(FindingStatus::Baselined),
        );
        let _ = writeln!(out, "| {sev} | {o} | {w} | {b} | {} |", o + w + b);
    }
    let count = |o: Outcome| eval.rules.iter().filter(|r| r.outcome == o).count();
    let _ = writeln!(
        out,
        "\nRules: {} passed, {} failed, {} not evaluated.",
        count(Outcome::Pass),
        count(Outcome::Fail),
        count(Outcome::NotEvaluated)
    );

    let incomplete: Vec<_> = report
        .collections()
        .into_iter()
        .filter(|c| c.status != CollectionStatus::Complete)
        .collect();
    if !incomplete.is_empty() {
        out.push_str("\n### Incomplete collections\n\n| Collection | Status | Items | Error |\n|---|---|---:|---|\n");
        for c in incomplete {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                cell(c.name),
                c.status,
                c.items,
                cell(c.error.unwrap_or(""))
            );
        }
    }
    let not_eval: Vec<_> = eval.not_evaluated().collect();
    if !not_eval.is_empty() {
        out.push_str("\n### Rules not evaluated\n\n| Rule | Reason |\n|---|---|\n");
        for r in not_eval {
            let _ = writeln!(
                out,
                "| {} | {} |",
                cell(&r.id),
                cell(r.reason.as_deref().unwrap_or("no reason given"))
            );
        }
    }

    for sev in Severity::ALL.iter().rev() {
        let rows: Vec<_> = eval
            .findings
            .iter()
            .filter(|f| f.severity == *sev)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "\n### {} ({})\n\n| Rule | Entity | Owner | Status | Message |\n|---|---|---|---|---|\n",
            sev.as_str().to_uppercase(),
            rows.len()
        );
        for f in rows.iter().take(cap) {
            let _ = writeln!(
                out,
                "| {} | {} ({}) | {} | {} | {} |",
                cell(&f.rule_id),
                cell(&f.entity_name),
                cell(&f.entity_id),
                cell(f.owner.as_deref().unwrap_or("")),
                f.status.as_str(),
                cell(&f.message)
            );
        }
        if rows.len() > cap {
            let _ = writeln!(
                out,
                "\n… and {} more {sev} finding(s) — see the full report.",
                rows.len() - cap
            );
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn cells_escape_pipes_newlines_html_and_mentions() {
        assert_eq!(cell("a|b\nc"), "a\\|b<br>c");
        assert_eq!(cell("<img src=x>"), "&lt;img src=x&gt;");
        assert_eq!(cell("@team *x*"), "&#64;team \\*x\\*");
    }
}
