//! The HTML report's tabs: summary, findings, rules. Every value goes through [`escape`].

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::charts::{Bar, bar_chart};
use super::escape;
use crate::findings::{Finding, FindingStatus, Outcome, Severity};
use crate::report::Report;
use crate::snapshot::CollectionStatus;

const STATUSES: [FindingStatus; 3] = [
    FindingStatus::Open,
    FindingStatus::Waived,
    FindingStatus::Baselined,
];

fn family_of<'a>(report: &'a Report<'_>) -> BTreeMap<&'a str, &'a str> {
    report
        .evaluation
        .rules
        .iter()
        .map(|r| (r.id.as_str(), r.family.as_str()))
        .collect()
}

fn segments(findings: &[&Finding]) -> Vec<(usize, &'static str)> {
    STATUSES
        .iter()
        .map(|s| {
            let class = match s {
                FindingStatus::Open => "seg-open",
                FindingStatus::Waived => "seg-waived",
                FindingStatus::Baselined => "seg-baselined",
            };
            (findings.iter().filter(|f| f.status == *s).count(), class)
        })
        .collect()
}

const LEGEND: [(&str, &str); 3] = [
    ("seg-open", "open"),
    ("seg-waived", "waived"),
    ("seg-baselined", "baselined"),
];

/// The summary tab: charts, counts, collection completeness, rules not evaluated.
pub fn summary(report: &Report<'_>) -> String {
    let eval = report.evaluation;
    let families = family_of(report);
    let mut out = String::from(
        "<section class=\"tab\" id=\"tab-summary\" data-tab=\"summary\">\n<h2>Summary</h2>\n<div class=\"charts\">\n",
    );

    let by_sev: Vec<Bar> = Severity::ALL
        .iter()
        .rev()
        .map(|s| Bar {
            label: s.as_str().into(),
            segments: segments(
                &eval
                    .findings
                    .iter()
                    .filter(|f| f.severity == *s)
                    .collect::<Vec<_>>(),
            ),
        })
        .collect();
    out.push_str(&bar_chart("Findings by severity", &by_sev, &LEGEND));
    let mut fam_names: Vec<&str> = eval.rules.iter().map(|r| r.family.as_str()).collect();
    fam_names.sort_unstable();
    fam_names.dedup();
    let fam_of = |f: &Finding| {
        families
            .get(f.rule_id.as_str())
            .copied()
            .unwrap_or("unknown")
    };
    if eval.findings.iter().any(|f| fam_of(f) == "unknown") && !fam_names.contains(&"unknown") {
        fam_names.push("unknown");
    }
    let by_fam: Vec<Bar> = fam_names
        .iter()
        .map(|fam| Bar {
            label: (*fam).into(),
            segments: segments(
                &eval
                    .findings
                    .iter()
                    .filter(|f| fam_of(f) == *fam)
                    .collect::<Vec<_>>(),
            ),
        })
        .collect();
    out.push_str(&bar_chart("Findings by family", &by_fam, &LEGEND));
    out.push_str("</div>\n");

    out.push_str("<h3>Findings by severity</h3>\n<table class=\"counts\"><thead><tr><th>Severity</th><th>Open</th><th>Waived</th><th>Baselined</th><th>Total</th></tr></thead><tbody>\n");
    for s in Severity::ALL.iter().rev() {
        let n: Vec<usize> = STATUSES
            .iter()
            .map(|st| {
                eval.findings
                    .iter()
                    .filter(|f| f.severity == *s && f.status == *st)
                    .count()
            })
            .collect();
        let _ = writeln!(
            out,
            "<tr><td><span class=\"badge sev-{s}\">{s}</span></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            n[0],
            n[1],
            n[2],
            n.iter().sum::<usize>()
        );
    }
    out.push_str("</tbody></table>\n");

    out.push_str("<h3>Rules by family</h3>\n<table class=\"counts\"><thead><tr><th>Family</th><th>Rules</th><th>Passed</th><th>Failed</th><th>Not evaluated</th><th>Open findings</th></tr></thead><tbody>\n");
    for fam in &fam_names {
        let rules: Vec<_> = eval.rules.iter().filter(|r| r.family == *fam).collect();
        let count = |o: Outcome| rules.iter().filter(|r| r.outcome == o).count();
        let open = eval
            .findings
            .iter()
            .filter(|f| fam_of(f) == *fam && f.status == FindingStatus::Open)
            .count();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{open}</td></tr>",
            escape(fam),
            rules.len(),
            count(Outcome::Pass),
            count(Outcome::Fail),
            count(Outcome::NotEvaluated)
        );
    }
    out.push_str("</tbody></table>\n");

    out.push_str("<h3>Collection completeness</h3>\n<table class=\"collections\"><thead><tr><th>Collection</th><th>Status</th><th>Items</th><th>Error</th></tr></thead><tbody>\n");
    for c in report.collections() {
        let class = if c.status == CollectionStatus::Complete {
            "ok"
        } else {
            "bad"
        };
        let _ = writeln!(
            out,
            "<tr class=\"{class}\"><td>{}</td><td><span class=\"status-{}\">{}</span></td><td>{}</td><td>{}</td></tr>",
            escape(c.name),
            c.status,
            c.status,
            c.items,
            escape(c.error.unwrap_or(""))
        );
    }
    out.push_str("</tbody></table>\n");

    let not_eval: Vec<_> = eval.not_evaluated().collect();
    out.push_str("<h3>Rules not evaluated</h3>\n");
    if not_eval.is_empty() {
        let _ = writeln!(out, "<p>All {} rules were evaluated.</p>", eval.rules.len());
    } else {
        out.push_str("<p class=\"warn\">These rules could not run, so the gate fails closed.</p>\n<table class=\"not-evaluated\"><thead><tr><th>Rule</th><th>Title</th><th>Reason</th></tr></thead><tbody>\n");
        for r in not_eval {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                escape(&r.id),
                escape(&r.title),
                escape(r.reason.as_deref().unwrap_or("no reason given"))
            );
        }
        out.push_str("</tbody></table>\n");
    }
    if !eval.notices.is_empty() {
        out.push_str("<h3>Waiver notices</h3>\n<table class=\"notices\"><thead><tr><th>Source</th><th>Notice</th></tr></thead><tbody>\n");
        for n in &eval.notices {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td></tr>",
                escape(&n.source),
                escape(&n.message)
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</section>\n");
    out
}

fn select(id: &str, filter: &str, label: &str, values: &[String]) -> String {
    let mut out = format!(
        "<label>{label} <select id=\"{id}\" data-filter=\"{filter}\"><option value=\"\">all</option>"
    );
    for v in values {
        let v = escape(v);
        let _ = write!(out, "<option value=\"{v}\">{v}</option>");
    }
    out.push_str("</select></label>\n");
    out
}

fn detail(f: &Finding, report: &Report<'_>) -> String {
    let mut out = String::from("<div class=\"detail-body\">\n<h4>Evidence</h4>\n");
    if f.evidence.is_empty() {
        out.push_str("<p>No further evidence columns.</p>\n");
    } else {
        out.push_str("<table class=\"evidence\"><tbody>\n");
        for (k, v) in &f.evidence {
            let v = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let _ = writeln!(
                out,
                "<tr><th>{}</th><td>{}</td></tr>",
                escape(k),
                escape(&v)
            );
        }
        out.push_str("</tbody></table>\n");
    }
    let _ = writeln!(
        out,
        "<p class=\"ids\">Entity: {} <code>{}</code> · fingerprint <code>{}</code></p>",
        escape(&f.entity_type),
        escape(&f.entity_id),
        escape(&f.fingerprint)
    );
    match report.rule_docs.get(&f.rule_id) {
        Some(doc) => {
            let _ = writeln!(
                out,
                "<h4>Rationale</h4>\n<p>{}</p>\n<h4>Remediation</h4>\n<p>{}</p>",
                escape(&doc.rationale),
                escape(&doc.remediation)
            );
            if !doc.references.is_empty() {
                out.push_str("<h4>References</h4>\n<ul>\n");
                for r in &doc.references {
                    // Only http(s) references become links: never `javascript:` or `data:`.
                    if r.starts_with("https://") || r.starts_with("http://") {
                        let r = escape(r);
                        let _ = writeln!(
                            out,
                            "<li><a href=\"{r}\" rel=\"noopener noreferrer\">{r}</a></li>"
                        );
                    } else {
                        let _ = writeln!(out, "<li>{}</li>", escape(r));
                    }
                }
                out.push_str("</ul>\n");
            }
        }
        None => out.push_str(
            "<p class=\"muted\">No rule documentation was supplied with this report.</p>\n",
        ),
    }
    out.push_str("</div>\n");
    out
}

/// The findings tab: filter controls and the sortable, expandable findings table.
pub fn findings(report: &Report<'_>) -> String {
    let eval = report.evaluation;
    let families = family_of(report);
    let fam_of = |f: &Finding| {
        families
            .get(f.rule_id.as_str())
            .copied()
            .unwrap_or("unknown")
    };
    let mut out = String::from(
        "<section class=\"tab\" id=\"tab-findings\" data-tab=\"findings\">\n<h2>Findings</h2>\n",
    );
    if eval.findings.is_empty() {
        out.push_str("<p>No findings.</p>\n</section>\n");
        return out;
    }
    let uniq = |it: &mut dyn Iterator<Item = String>| {
        let mut v: Vec<String> = it.collect();
        v.sort();
        v.dedup();
        v
    };
    let sevs: Vec<String> = Severity::ALL
        .iter()
        .rev()
        .map(|s| s.as_str().to_string())
        .collect();
    let fams = uniq(&mut eval.findings.iter().map(|f| fam_of(f).to_string()));
    let rules = uniq(&mut eval.findings.iter().map(|f| f.rule_id.clone()));
    let stats: Vec<String> = STATUSES.iter().map(|s| s.as_str().to_string()).collect();
    let owners = uniq(&mut eval.findings.iter().filter_map(|f| f.owner.clone()));
    out.push_str("<div class=\"controls\">\n");
    out.push_str(&select("f-severity", "severity", "Severity", &sevs));
    out.push_str(&select("f-family", "family", "Family", &fams));
    out.push_str(&select("f-rule", "rule", "Rule", &rules));
    out.push_str(&select("f-status", "status", "Status", &stats));
    out.push_str("<label>Owner <input id=\"f-owner\" data-filter=\"owner\" type=\"search\" list=\"owners\" placeholder=\"contains…\"></label>\n<datalist id=\"owners\">");
    for o in &owners {
        let _ = write!(out, "<option value=\"{}\"></option>", escape(o));
    }
    let _ = writeln!(
        out,
        "</datalist>\n<button type=\"button\" id=\"f-reset\">Reset</button>\n<button type=\"button\" id=\"f-expand\">Expand all</button>\n<span id=\"f-count\" aria-live=\"polite\">{} findings</span>\n</div>",
        eval.findings.len()
    );
    out.push_str("<table id=\"findings\" class=\"findings sortable\"><thead><tr><th></th>");
    for (key, label, ty, sort) in [
        ("sev", "Severity", "num", " aria-sort=\"descending\""),
        ("rule", "Rule", "text", ""),
        ("family", "Family", "text", ""),
        ("entity", "Entity", "text", ""),
        ("owner", "Owner", "text", ""),
        ("status", "Status", "text", ""),
        ("message", "Message", "text", ""),
    ] {
        let _ = write!(
            out,
            "<th data-sort=\"{key}\" data-type=\"{ty}\"{sort}><button type=\"button\">{label}</button></th>"
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (i, f) in eval.findings.iter().enumerate() {
        let sev = f.severity.as_str();
        let status = f.status.as_str();
        let owner = f.owner.as_deref().unwrap_or("");
        let _ = writeln!(
            out,
            "<tr class=\"finding sev-{sev}\" id=\"finding-{i}\" data-idx=\"{i}\" data-severity=\"{sev}\" data-sev=\"{rank}\" \
             data-rule=\"{rule}\" data-family=\"{fam}\" data-entity=\"{ename}\" data-owner=\"{own}\" data-status=\"{status}\" data-message=\"{msg}\">\
             <td><button type=\"button\" class=\"expand\" aria-expanded=\"false\" aria-controls=\"detail-{i}\" title=\"Show evidence\">▸</button></td>\
             <td><span class=\"badge sev-{sev}\">{sev}</span></td><td><code>{rule}</code></td><td>{fam}</td>\
             <td>{ename}<br><small>{etype} · <code>{eid}</code></small></td><td>{own}</td><td><span class=\"st-{status}\">{status}</span></td><td>{msg}</td></tr>",
            rank = f.severity as u8,
            rule = escape(&f.rule_id),
            fam = escape(fam_of(f)),
            ename = escape(&f.entity_name),
            own = escape(owner),
            msg = escape(&f.message),
            etype = escape(&f.entity_type),
            eid = escape(&f.entity_id),
        );
        let _ = writeln!(
            out,
            "<tr class=\"detail collapsed\" id=\"detail-{i}\"><td></td><td colspan=\"7\">\n{}</td></tr>",
            detail(f, report)
        );
    }
    out.push_str("</tbody></table>\n</section>\n");
    out
}

/// The rules tab: every rule of the pack with its outcome.
pub fn rules(report: &Report<'_>) -> String {
    let eval = report.evaluation;
    let mut out = String::from(
        "<section class=\"tab\" id=\"tab-rules\" data-tab=\"rules\">\n<h2>Rules</h2>\n<table id=\"rules\" class=\"rules sortable\"><thead><tr>",
    );
    for (key, label, ty) in [
        ("id", "Rule", "text"),
        ("title", "Title", "text"),
        ("family", "Family", "text"),
        ("sev", "Severity", "num"),
        ("outcome", "Outcome", "text"),
        ("findings", "Findings", "num"),
    ] {
        let _ = write!(
            out,
            "<th data-sort=\"{key}\" data-type=\"{ty}\"><button type=\"button\">{label}</button></th>"
        );
    }
    out.push_str("<th>Reason</th></tr></thead>\n<tbody>\n");
    for (i, r) in eval.rules.iter().enumerate() {
        let sev = r.severity.as_str();
        let outcome = r.outcome.as_str();
        let _ = writeln!(
            out,
            "<tr data-idx=\"{i}\" data-id=\"{id}\" data-title=\"{title}\" data-family=\"{fam}\" data-sev=\"{rank}\" data-outcome=\"{outcome}\" data-findings=\"{n}\">\
             <td><code>{id}</code></td><td>{title}</td><td>{fam}</td><td><span class=\"badge sev-{sev}\">{sev}</span></td>\
             <td><span class=\"outcome-{outcome}\">{outcome}</span></td><td>{n}</td><td>{reason}</td></tr>",
            id = escape(&r.id),
            title = escape(&r.title),
            fam = escape(&r.family),
            rank = r.severity as u8,
            n = r.findings,
            reason = escape(r.reason.as_deref().unwrap_or("")),
        );
    }
    out.push_str("</tbody></table>\n</section>\n");
    out
}
