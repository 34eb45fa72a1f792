//! The terminal summary: collection completeness, findings grouped by severity, rules not
//! evaluated, and the gate's verdict.

use std::fmt::Write as _;

use comfy_table::{ContentArrangement, Table, presets};

use super::Report;
use crate::findings::Outcome;
use crate::gate::ExitStatus;
use crate::snapshot::CollectionStatus;

/// Width used when stdout is not a terminal, so piped output is stable.
const DEFAULT_WIDTH: u16 = 120;

fn new_table(width: u16) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width);
    t
}

/// Renders the summary at the default width.
pub fn render(report: &Report<'_>) -> String {
    render_width(report, DEFAULT_WIDTH)
}

/// Renders the summary for a terminal of `width` columns.
pub fn render_width(report: &Report<'_>, width: u16) -> String {
    let eval = report.evaluation;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "tokenwarden — {}{}",
        report.manifest.org_url,
        report
            .org_id
            .as_deref()
            .map(|id| format!(" ({id})"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "as of {} · snapshot collected {}",
        eval.as_of,
        report.manifest.collected_at_rfc3339()
    );

    let incomplete: Vec<_> = report
        .collections()
        .into_iter()
        .filter(|c| c.status != CollectionStatus::Complete)
        .collect();
    if !incomplete.is_empty() {
        let _ = writeln!(out, "\nIncomplete collections:");
        let mut t = new_table(width);
        t.set_header(vec!["Collection", "Status", "Items", "Error"]);
        for c in incomplete {
            t.add_row(vec![
                c.name.to_string(),
                c.status.to_string(),
                c.items.to_string(),
                c.error.unwrap_or("").to_string(),
            ]);
        }
        let _ = writeln!(out, "{t}");
    }

    for (sev, count) in report.counts_by_severity() {
        if count == 0 {
            continue;
        }
        let _ = writeln!(out, "\n{} ({count})", sev.as_str().to_uppercase());
        let mut t = new_table(width);
        t.set_header(vec!["Rule", "Entity", "Owner", "Status", "Message"]);
        for f in eval.findings.iter().filter(|f| f.severity == sev) {
            let status = f.status.as_str();
            t.add_row(vec![
                f.rule_id.clone(),
                format!("{} ({})", f.entity_name, f.entity_id),
                f.owner.clone().unwrap_or_default(),
                status.to_string(),
                f.message.clone(),
            ]);
        }
        let _ = writeln!(out, "{t}");
    }

    let not_eval: Vec<_> = eval.not_evaluated().collect();
    if !not_eval.is_empty() {
        let _ = writeln!(out, "\nNot evaluated ({}):", not_eval.len());
        for r in not_eval {
            let _ = writeln!(
                out,
                "  {} — {}",
                r.id,
                r.reason.as_deref().unwrap_or("unknown")
            );
        }
    }

    let passed = eval
        .rules
        .iter()
        .filter(|r| r.outcome == Outcome::Pass)
        .count();
    let failed = eval
        .rules
        .iter()
        .filter(|r| r.outcome == Outcome::Fail)
        .count();
    let failing = crate::gate::failing(eval, report.fail_on);
    let _ = writeln!(
        out,
        "\nRules: {} passed, {} failed, {} not evaluated · findings: {}",
        passed,
        failed,
        eval.rules.len() - passed - failed,
        eval.findings.len()
    );
    let verdict = match report.gate {
        ExitStatus::Passed => format!(
            "PASSED — no open finding at or above {} (exit 0)",
            report.fail_on
        ),
        ExitStatus::Findings => format!(
            "FAILED — {failing} open finding(s) at or above {} (exit 1)",
            report.fail_on
        ),
        ExitStatus::Incomplete => {
            "INCOMPLETE — some rules could not be evaluated; the gate fails closed (exit 3)"
                .to_string()
        }
        other => format!("{} (exit {})", other.as_str(), other.code()),
    };
    let _ = writeln!(out, "Gate: {verdict}");
    out
}
