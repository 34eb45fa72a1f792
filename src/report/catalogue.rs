//! The rule catalogue as Markdown (the README's rule table) and as a terminal listing.

use std::fmt::Write as _;

use crate::rules::{ParamValue, RulePack};

fn params_text(params: &std::collections::BTreeMap<String, ParamValue>) -> String {
    params
        .iter()
        .map(|(k, v)| match v {
            ParamValue::Str(s) => format!("`{k}` = `{s}`"),
            ParamValue::StrList(l) => format!("`{k}` = `[{}]`", l.join(", ")),
            other => format!("`{k}` = {other}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The catalogue as Markdown tables, one per family (the README embeds this; a test checks it).
pub fn markdown(pack: &RulePack) -> String {
    let mut families: Vec<&str> = pack.rules.iter().map(|r| r.family.as_str()).collect();
    families.sort_unstable();
    families.dedup();
    let mut s = String::new();
    for family in families {
        let _ = writeln!(s, "\n#### {family}\n");
        let _ = writeln!(s, "| id | severity | finding | data | params |");
        let _ = writeln!(s, "|---|---|---|---|---|");
        for r in pack.rules.iter().filter(|r| r.family == family) {
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} | {} |",
                r.id,
                r.severity,
                cell(&r.title),
                r.requires.join(", "),
                cell(&params_text(&r.params))
            );
        }
    }
    s
}

/// A plain listing for the terminal: id, severity, family, title.
pub fn listing(pack: &RulePack) -> String {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_header(vec!["id", "severity", "family", "title"]);
    for r in &pack.rules {
        t.add_row(vec![
            r.id.clone(),
            r.severity.to_string(),
            r.family.clone(),
            r.title.clone(),
        ]);
    }
    format!("{t}\n{} rules\n", pack.rules.len())
}
