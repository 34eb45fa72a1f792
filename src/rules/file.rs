//! Parsing one rule file and the checks that need no tables: keys, id, severity, requires, params
//! and placeholders. Every error names the file and, where the TOML says, the line and key.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::params::{ParamValue, is_param_name, query_placeholders};
use super::{Rule, RuleError};
use crate::findings::Severity;
use crate::model;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    title: String,
    severity: Spanned<String>,
    family: String,
    entity_type: String,
    requires: Spanned<Vec<Spanned<String>>>,
    rationale: String,
    remediation: String,
    #[serde(default)]
    references: Vec<String>,
    #[serde(default)]
    params: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    query: Spanned<String>,
    message: Spanned<String>,
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(offset.min(text.len()))
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

struct Ctx<'a> {
    source: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn invalid(&self, offset: Option<usize>, key: &str, message: impl Into<String>) -> RuleError {
        RuleError::Invalid {
            file: self.source.to_string(),
            line: offset.map(|o| line_of(self.text, o)),
            key: key.to_string(),
            message: message.into(),
        }
    }
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// A TOML error, with a hint when `query`/`message` ended up inside `[params]`.
fn parse_error(source: &str, text: &str, err: &toml::de::Error) -> RuleError {
    let mut message = err.message().trim().to_string();
    if (message.contains("missing field `query`") || message.contains("missing field `message`"))
        && let Ok(table) = text.parse::<toml::Table>()
        && let Some(params) = table.get("params").and_then(toml::Value::as_table)
        && (params.contains_key("query") || params.contains_key("message"))
    {
        message.push_str(
            " (`query` and `message` are inside [params]: every key after a [params] \
             header belongs to it — move [params] to the end of the file)",
        );
    }
    RuleError::Parse {
        file: source.to_string(),
        line: err.span().map(|s| line_of(text, s.start)),
        message,
    }
}

/// Parses and checks one rule file. `source` names it in errors; `stem` is the file name without
/// `.toml`, which the id must equal. The query is not planned here (see the engine).
pub fn parse_rule(source: &str, stem: &str, text: &str) -> Result<Rule, RuleError> {
    let raw: RawRule = toml::from_str(text).map_err(|e| parse_error(source, text, &e))?;
    let cx = Ctx { source, text };

    let id = raw.id.get_ref().clone();
    if !is_kebab(&id) {
        return Err(cx.invalid(
            Some(raw.id.span().start),
            "id",
            format!("`{id}` is not kebab-case (lowercase letters, digits and single dashes)"),
        ));
    }
    if id != stem {
        return Err(cx.invalid(
            Some(raw.id.span().start),
            "id",
            format!("`{id}` must equal the file name (`{stem}.toml`); rename one of them"),
        ));
    }
    let severity = Severity::parse(raw.severity.get_ref()).ok_or_else(|| {
        cx.invalid(
            Some(raw.severity.span().start),
            "severity",
            format!(
                "unknown severity `{}` (expected info, low, medium, high or critical)",
                raw.severity.get_ref()
            ),
        )
    })?;
    for (key, value) in [
        ("title", &raw.title),
        ("family", &raw.family),
        ("entity_type", &raw.entity_type),
        ("rationale", &raw.rationale),
        ("remediation", &raw.remediation),
    ] {
        if value.trim().is_empty() {
            return Err(cx.invalid(None, key, "must not be empty"));
        }
    }
    let mut requires = Vec::new();
    for r in raw.requires.get_ref() {
        let name = r.get_ref();
        if model::table(name).is_none() {
            let known: Vec<_> = model::catalogue().iter().map(|t| t.name).collect();
            return Err(cx.invalid(
                Some(r.span().start),
                "requires",
                format!("unknown table `{name}` (tables: {})", known.join(", ")),
            ));
        }
        if !requires.contains(name) {
            requires.push(name.clone());
        }
    }
    if requires.is_empty() {
        return Err(cx.invalid(
            Some(raw.requires.span().start),
            "requires",
            "list the tables the query reads",
        ));
    }
    let mut params = BTreeMap::new();
    for (name, value) in &raw.params {
        let key = format!("params.{}", name.get_ref());
        if !is_param_name(name.get_ref()) {
            return Err(cx.invalid(
                Some(name.span().start),
                &key,
                "param names are lowercase letters, digits and underscores",
            ));
        }
        let v = ParamValue::from_toml(value.get_ref())
            .map_err(|m| cx.invalid(Some(value.span().start), &key, m))?;
        params.insert(name.get_ref().clone(), v);
    }
    let query = raw.query.get_ref().clone();
    for p in query_placeholders(&query) {
        if !params.contains_key(&p.name) {
            // The query's text starts after `"""` and its optional newline: count lines from there.
            let start = raw.query.span().start;
            let opening = text[start..]
                .find(|c: char| c != '"' && c != '\'')
                .unwrap_or(0);
            let body = start + opening;
            let skip_nl = usize::from(text[body..].starts_with('\n'));
            let line = line_of(text, body + skip_nl) + query[..p.offset].matches('\n').count();
            return Err(RuleError::Invalid {
                file: source.to_string(),
                line: Some(line),
                key: "query".into(),
                message: format!(
                    "`{{{{{}}}}}` is not a declared param; add it under [params] or fix the name",
                    p.name
                ),
            });
        }
    }
    Ok(Rule {
        id,
        title: raw.title,
        severity,
        family: raw.family,
        entity_type: raw.entity_type,
        requires,
        rationale: raw.rationale,
        remediation: raw.remediation,
        references: raw.references,
        params,
        query,
        message: raw.message.get_ref().clone(),
        source: source.to_string(),
        message_line: Some(line_of(text, raw.message.span().start)),
        query_line: Some(line_of(text, raw.query.span().start)),
    })
}
