//! The rule engine: rule files (TOML + SQL over the model's tables) → validated rules → findings.
//!
//! A rule is validated completely when it is loaded — keys, id, severity, required tables, params,
//! placeholders, and the query itself, planned and run against empty frames of the tables it
//! requires — so that a broken rule fails at load, naming its file, never halfway through a scan.
//! Built-in rules (compiled in from `rules/**/*.toml`) and users' rules go through the same path.

mod embedded;
mod engine;
mod file;
mod params;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use engine::{EngineError, QueryRows, evaluate, query};
pub use params::ParamValue;

use crate::findings::Severity;

/// One validated rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Stable kebab-case id (equal to the file stem).
    pub id: String,
    /// One-line title.
    pub title: String,
    /// Default severity of its findings.
    pub severity: Severity,
    /// Family (the folder it lives in, by convention).
    pub family: String,
    /// What a finding is about (`api_token`, `user`, …).
    pub entity_type: String,
    /// Tables the query reads; the rule is not evaluated unless all are complete.
    pub requires: Vec<String>,
    /// Why it matters.
    pub rationale: String,
    /// What to do.
    pub remediation: String,
    /// Standards and documents.
    pub references: Vec<String>,
    /// Declared params with their current values.
    pub params: BTreeMap<String, ParamValue>,
    /// The SQL, with `{{param}}` placeholders.
    pub query: String,
    /// The finding message template, with `{column}` / `{param}` fields.
    pub message: String,
    /// The file path, or `builtin:rules/<rel>`.
    pub source: String,
    /// Line of `message` in the file (for errors).
    pub(crate) message_line: Option<usize>,
    /// Line of `query` in the file (for errors).
    pub(crate) query_line: Option<usize>,
}

impl Rule {
    /// The query with every `{{param}}` replaced by its SQL literal.
    pub fn rendered_query(&self) -> String {
        params::render_query(&self.query, |name| {
            self.params.get(name).map(ParamValue::sql_literal)
        })
    }
}

/// Errors loading or configuring rules. Each names the file (and line and key where known).
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The file is not valid TOML or has an unknown or missing key.
    #[error("rule file {file}{}: {message}", fmt_line(*.line))]
    Parse {
        /// The rule file.
        file: String,
        /// 1-based line.
        line: Option<usize>,
        /// What toml said.
        message: String,
    },
    /// A key has a value the engine does not accept.
    #[error("rule file {file}{}: key `{key}`: {message}", fmt_line(*.line))]
    Invalid {
        /// The rule file.
        file: String,
        /// 1-based line.
        line: Option<usize>,
        /// The key.
        key: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// The query does not plan or run against the tables the rule requires.
    #[error(
        "rule file {file}{}: key `query`: the query fails against the tables it requires ({}): {message}",
        fmt_line(*.line), .requires.join(", ")
    )]
    Query {
        /// The rule file.
        file: String,
        /// Line of `query`.
        line: Option<usize>,
        /// The rule's `requires`.
        requires: Vec<String>,
        /// What polars said.
        message: String,
    },
    /// Two files define the same id.
    #[error("rule id `{id}` is defined twice: in {first} and in {second}; rename or remove one")]
    Duplicate {
        /// The id.
        id: String,
        /// First file.
        first: String,
        /// Second file.
        second: String,
    },
    /// A rule folder or file could not be read.
    #[error("rules folder {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An override names a rule that does not exist.
    #[error("no rule `{rule}` (see `tokenwarden rules`)")]
    UnknownRule {
        /// The id.
        rule: String,
    },
    /// An override names a param the rule does not declare.
    #[error("rule `{rule}` has no param `{param}` (its params: {known})")]
    UnknownParam {
        /// The rule id.
        rule: String,
        /// The param.
        param: String,
        /// Declared params.
        known: String,
    },
    /// An override has the wrong type.
    #[error("rule `{rule}`, param `{param}`: {message}")]
    ParamType {
        /// The rule id.
        rule: String,
        /// The param.
        param: String,
        /// Expected and found types.
        message: String,
    },
}

fn fmt_line(line: Option<usize>) -> String {
    line.map(|l| format!(":{l}")).unwrap_or_default()
}

/// A set of validated rules with unique ids.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RulePack {
    /// Rules, sorted by id.
    pub rules: Vec<Rule>,
}

impl RulePack {
    /// The built-in pack compiled into the binary, validated.
    pub fn builtin() -> Result<RulePack, RuleError> {
        embedded::builtin_rules().map(|rules| RulePack { rules })
    }

    /// Loads every `*.toml` under `dir/rules/` (or under `dir` itself when it has no `rules/`
    /// folder), validated; duplicate ids are an error naming both files.
    pub fn load_dir(dir: &Path) -> Result<Vec<Rule>, RuleError> {
        embedded::load_dir(dir)
    }

    /// Adds `extra` rules; one with the id of an existing rule replaces it.
    pub fn with_overrides(mut self, extra: Vec<Rule>) -> RulePack {
        for rule in extra {
            match self.rules.iter_mut().find(|r| r.id == rule.id) {
                Some(slot) => *slot = rule,
                None => self.rules.push(rule),
            }
        }
        self.rules.sort_by(|a, b| a.id.cmp(&b.id));
        self
    }

    /// Sets a declared param, type-checked, and re-validates the rule's query with it.
    pub fn set_param(
        &mut self,
        rule_id: &str,
        name: &str,
        value: toml::Value,
    ) -> Result<(), RuleError> {
        let rule = self
            .rules
            .iter_mut()
            .find(|r| r.id == rule_id)
            .ok_or_else(|| RuleError::UnknownRule {
                rule: rule_id.to_string(),
            })?;
        let current = rule
            .params
            .get(name)
            .ok_or_else(|| RuleError::UnknownParam {
                rule: rule_id.to_string(),
                param: name.to_string(),
                known: if rule.params.is_empty() {
                    "none".to_string()
                } else {
                    rule.params.keys().cloned().collect::<Vec<_>>().join(", ")
                },
            })?;
        let new = current
            .coerce(&value)
            .map_err(|message| RuleError::ParamType {
                rule: rule_id.to_string(),
                param: name.to_string(),
                message,
            })?;
        let mut candidate = rule.clone();
        candidate.params.insert(name.to_string(), new);
        engine::validate(&candidate).map_err(|e| RuleError::ParamType {
            rule: rule_id.to_string(),
            param: name.to_string(),
            message: format!("with this value the rule no longer validates: {e}"),
        })?;
        *rule = candidate;
        Ok(())
    }

    /// The rule with that id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// Parses and fully validates one rule file's text (exposed for `tokenwarden rules check`-style
/// tooling and tests). `source` names the file in errors; its stem must equal the id.
pub fn parse_rule(source: &str, text: &str) -> Result<Rule, RuleError> {
    let stem = Path::new(source)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let rule = file::parse_rule(source, &stem, text)?;
    engine::validate(&rule)?;
    Ok(rule)
}

#[cfg(test)]
mod tests;
