//! Running rules: validation against empty frames at load, evaluation against a snapshot's tables.

use std::collections::BTreeMap;

use polars::prelude::{AnyValue, DataFrame, DataType, IntoLazy, PolarsError};
use polars::sql::SQLContext;
use serde_json::Value;

use super::params::{format_float, message_fields, render_message};
use super::{Rule, RuleError, RulePack};
use crate::findings::{
    Evaluation, Finding, FindingStatus, Outcome, RuleOutcome, Severity, fingerprint,
};
use crate::model::{self, TableStatus, Tables};

/// Result columns with a meaning of their own; every other column is evidence.
const ENTITY_ID: &str = "entity_id";
const ENTITY_NAME: &str = "entity_name";
const OWNER: &str = "owner";
const SEVERITY: &str = "severity";

/// Errors while evaluating a pack. Each names the rule and its file.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The query failed on the snapshot's data (it planned at load).
    #[error("rule {rule} ({source_file}): the query failed: {message}")]
    Query {
        /// The rule id.
        rule: String,
        /// The rule file.
        source_file: String,
        /// What polars said.
        message: String,
    },
    /// A row had a value the engine cannot use.
    #[error("rule {rule} ({source_file}): {message}")]
    BadRow {
        /// The rule id.
        rule: String,
        /// The rule file.
        source_file: String,
        /// What is wrong and what to do.
        message: String,
    },
}

/// Runs the rule's rendered query over `frames` (registered under their names) and collects it.
fn run(rule: &Rule, frames: &BTreeMap<&str, DataFrame>) -> Result<DataFrame, PolarsError> {
    let mut ctx = SQLContext::new();
    for (name, df) in frames {
        ctx.register(name, df.clone().lazy());
    }
    ctx.execute(&rule.rendered_query())?.collect()
}

/// Checks the parts of a rule that need the catalogue: the query plans and runs against empty
/// frames of exactly the tables it requires, it returns `entity_id`, `severity` (if any) is a
/// string column, and every `{field}` of the message is a param or a result column.
pub(crate) fn validate(rule: &Rule) -> Result<(), RuleError> {
    let mut frames = BTreeMap::new();
    for name in &rule.requires {
        if let Some(def) = model::table(name) {
            frames.insert(name.as_str(), def.empty_frame());
        }
    }
    let query_err = |message: String| RuleError::Query {
        file: rule.source.clone(),
        line: rule.query_line,
        requires: rule.requires.clone(),
        message,
    };
    let df = run(rule, &frames).map_err(|e| query_err(polars_message(&e)))?;
    let schema = df.schema();
    if schema.get(ENTITY_ID).is_none() {
        return Err(query_err(format!(
            "the result has no `{ENTITY_ID}` column (it has: {}); select one, e.g. `id AS {ENTITY_ID}`",
            schema
                .iter_names()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if let Some(dt) = schema.get(SEVERITY)
        && !matches!(dt, DataType::String)
    {
        return Err(query_err(format!(
            "the `{SEVERITY}` column is {dt}, not a string; return 'info', 'low', 'medium', \
             'high' or 'critical' (or leave the column out)"
        )));
    }
    for field in message_fields(&rule.message) {
        let known = field == ENTITY_NAME || schema.get(&field).is_some();
        if !known && !rule.params.contains_key(&field) {
            return Err(RuleError::Invalid {
                file: rule.source.clone(),
                line: rule.message_line,
                key: "message".into(),
                message: format!(
                    "`{{{field}}}` is neither a result column of the query nor a param"
                ),
            });
        }
    }
    Ok(())
}

/// Polars' message without the plan dump it sometimes appends, with a hint for unknown tables.
fn polars_message(e: &PolarsError) -> String {
    let text = e.to_string();
    let mut msg = text
        .split("\n\nResolved plan until failure")
        .next()
        .unwrap_or(&text)
        .trim()
        .to_string();
    if msg.contains("relation '") && msg.contains("was not found") {
        msg.push_str(" (a query may read only the tables listed in `requires`)");
    }
    msg
}

/// A cell as JSON evidence.
fn to_json(v: &AnyValue<'_>) -> Value {
    match v {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(*b),
        AnyValue::String(s) => Value::String((*s).to_string()),
        AnyValue::StringOwned(s) => Value::String(s.to_string()),
        AnyValue::Int8(i) => Value::from(*i),
        AnyValue::Int16(i) => Value::from(*i),
        AnyValue::Int32(i) => Value::from(*i),
        AnyValue::Int64(i) => Value::from(*i),
        AnyValue::UInt8(i) => Value::from(*i),
        AnyValue::UInt16(i) => Value::from(*i),
        AnyValue::UInt32(i) => Value::from(*i),
        AnyValue::UInt64(i) => Value::from(*i),
        AnyValue::Float32(f) => {
            serde_json::Number::from_f64(f64::from(*f)).map_or(Value::Null, Value::Number)
        }
        AnyValue::Float64(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        other => Value::String(other.to_string()),
    }
}

/// A JSON value as message text (null → `-`).
fn to_text(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => format_float(f),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// Turns a rule's result rows into findings: one per distinct `entity_id`, first row (after a
/// stable sort by `entity_id`) wins.
fn findings_of(rule: &Rule, df: &DataFrame) -> Result<Vec<Finding>, EngineError> {
    let bad = |message: String| EngineError::BadRow {
        rule: rule.id.clone(),
        source_file: rule.source.clone(),
        message,
    };
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let columns: Vec<Vec<Value>> = df
        .columns()
        .iter()
        .map(|c| {
            c.as_materialized_series()
                .iter()
                .map(|v| to_json(&v))
                .collect()
        })
        .collect();
    let col = |name: &str| names.iter().position(|n| n == name);
    let id_col =
        col(ENTITY_ID).ok_or_else(|| bad(format!("the result has no `{ENTITY_ID}` column")))?;
    let mut rows: Vec<(String, usize)> = Vec::with_capacity(df.height());
    for (i, id) in columns[id_col].iter().enumerate() {
        match id {
            Value::Null => {
                return Err(bad(format!(
                    "a row has a null `{ENTITY_ID}`; filter it out or use COALESCE"
                )));
            }
            v => rows.push((to_text(v), i)),
        }
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows.dedup_by(|later, first| later.0 == first.0);

    let mut out = Vec::with_capacity(rows.len());
    for (entity_id, i) in rows {
        let cell = |name: &str| col(name).map(|c| &columns[c][i]).filter(|v| !v.is_null());
        let severity = match cell(SEVERITY) {
            None => rule.severity,
            Some(v) => Severity::parse(&to_text(v)).ok_or_else(|| {
                bad(format!(
                    "row {entity_id}: severity `{}` is not info, low, medium, high or critical",
                    to_text(v)
                ))
            })?,
        };
        let entity_name = cell(ENTITY_NAME).map_or_else(|| entity_id.clone(), to_text);
        let owner = cell(OWNER).map(to_text);
        let evidence: BTreeMap<String, Value> = names
            .iter()
            .zip(&columns)
            .filter(|(n, _)| ![ENTITY_ID, ENTITY_NAME, OWNER, SEVERITY].contains(&n.as_str()))
            .map(|(n, c)| (n.clone(), c[i].clone()))
            .collect();
        let message = render_message(&rule.message, |field| {
            if field == ENTITY_NAME {
                return Some(entity_name.clone());
            }
            match col(field) {
                Some(c) => Some(to_text(&columns[c][i])),
                None => rule.params.get(field).map(ToString::to_string),
            }
        });
        out.push(Finding {
            rule_id: rule.id.clone(),
            severity,
            status: FindingStatus::Open,
            entity_type: rule.entity_type.clone(),
            fingerprint: fingerprint(&rule.id, &entity_id),
            entity_id,
            entity_name,
            owner,
            message,
            evidence,
        });
    }
    Ok(out)
}

/// Evaluates every rule of the pack against the tables. A rule whose required tables are not all
/// complete is not evaluated (with the reason); otherwise it passes or fails on its findings.
pub fn evaluate(pack: &RulePack, tables: &Tables) -> Result<Evaluation, EngineError> {
    let mut eval = Evaluation {
        as_of: tables.as_of_rfc3339(),
        ..Evaluation::default()
    };
    for rule in &pack.rules {
        let gaps: Vec<String> = rule
            .requires
            .iter()
            .filter_map(|t| match tables.status(t) {
                TableStatus::Complete => None,
                TableStatus::Incomplete { reason } if reason.is_empty() => {
                    Some(format!("table {t} is not available"))
                }
                TableStatus::Incomplete { reason } => Some(format!("table {t}: {reason}")),
            })
            .collect();
        let mut outcome = RuleOutcome {
            id: rule.id.clone(),
            title: rule.title.clone(),
            family: rule.family.clone(),
            severity: rule.severity,
            outcome: Outcome::NotEvaluated,
            reason: None,
            findings: 0,
        };
        if !gaps.is_empty() {
            outcome.reason = Some(gaps.join("; "));
            eval.rules.push(outcome);
            continue;
        }
        let mut frames = BTreeMap::new();
        for name in &rule.requires {
            if let Some(df) = tables.get(name) {
                frames.insert(name.as_str(), df.clone());
            }
        }
        let df = run(rule, &frames).map_err(|e| EngineError::Query {
            rule: rule.id.clone(),
            source_file: rule.source.clone(),
            message: polars_message(&e),
        })?;
        let findings = findings_of(rule, &df)?;
        outcome.findings = findings.len();
        outcome.outcome = if findings.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail
        };
        eval.rules.push(outcome);
        eval.findings.extend(findings);
    }
    eval.sort();
    Ok(eval)
}

/// Rows of an ad-hoc query: column names and one JSON value per cell.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryRows {
    /// Column names, in the query's order.
    pub columns: Vec<String>,
    /// Rows, each with one value per column.
    pub rows: Vec<Vec<Value>>,
}

impl QueryRows {
    /// A cell by row index and column name, as display text (null → empty).
    pub fn text(&self, row: usize, column: &str) -> String {
        let Some(i) = self.columns.iter().position(|c| c == column) else {
            return String::new();
        };
        match self.rows.get(row).and_then(|r| r.get(i)) {
            None | Some(Value::Null) => String::new(),
            Some(v) => to_text(v),
        }
    }
}

/// Runs a read-only SQL query over every table (used by the review exports, which are SQL over
/// the same catalogue as the rules).
pub fn query(tables: &Tables, sql: &str) -> Result<QueryRows, PolarsError> {
    let mut ctx = SQLContext::new();
    for name in tables.names() {
        if let Some(df) = tables.get(name) {
            ctx.register(name, df.clone().lazy());
        }
    }
    let df = ctx.execute(sql)?.collect()?;
    let columns: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let cols = df.columns();
    let mut rows = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let mut row = Vec::with_capacity(cols.len());
        for c in cols {
            row.push(to_json(&c.get(i)?));
        }
        rows.push(row);
    }
    Ok(QueryRows { columns, rows })
}
