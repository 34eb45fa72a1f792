//! `tokenwarden.toml`: per-rule `enabled`, `severity` and params, the default `fail_on`, and the
//! waivers and baseline paths. Found in the working directory or given with `--config`. Unknown
//! keys, wrong types and unknown rule ids are errors naming the file, the line and the key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::{PolicyError, line_of, read, toml_error};
use crate::findings::Severity;
use crate::rules::RulePack;

/// The file looked for in the working directory when `--config` is not given.
pub const DEFAULT_FILE: &str = "tokenwarden.toml";

/// A rule's settings.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleSettings {
    /// `false` removes the rule from the pack.
    pub enabled: Option<bool>,
    /// Replaces the rule's default severity.
    pub severity: Option<Spanned<String>>,
    /// Overrides of the rule's declared params (type-checked against the declaration).
    #[serde(default)]
    pub params: BTreeMap<String, Spanned<toml::Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    fail_on: Option<Spanned<String>>,
    waivers: Option<PathBuf>,
    baseline: Option<PathBuf>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, RuleSettings>,
}

/// A loaded configuration. Paths in it are relative to the file's directory.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it came from (`None` for the defaults).
    pub path: Option<PathBuf>,
    pub fail_on: Option<Severity>,
    pub waivers: Option<PathBuf>,
    pub baseline: Option<PathBuf>,
    rules: Vec<(String, usize, RuleSettings)>,
    text: String,
}

impl Config {
    /// Loads `path`, or `./tokenwarden.toml` when it exists, or the defaults.
    pub fn discover(path: Option<&Path>) -> Result<Self, PolicyError> {
        match path {
            Some(p) => Self::load(p),
            None if Path::new(DEFAULT_FILE).is_file() => Self::load(Path::new(DEFAULT_FILE)),
            None => Ok(Self::default()),
        }
    }

    /// Loads and validates the syntax of a configuration file.
    pub fn load(path: &Path) -> Result<Self, PolicyError> {
        let text = read(path)?;
        Self::parse(path, &text)
    }

    /// Parses a configuration from text.
    pub fn parse(path: &Path, text: &str) -> Result<Self, PolicyError> {
        let file: ConfigFile = toml::from_str(text).map_err(|e| toml_error(path, text, e))?;
        let at = |span: std::ops::Range<usize>, message: String| PolicyError::At {
            path: path.to_path_buf(),
            line: line_of(text, span.start),
            message,
        };
        let fail_on = match &file.fail_on {
            Some(s) => Some(
                Severity::parse(s.get_ref())
                    .ok_or_else(|| at(s.span(), format!("key `fail_on`: {}", bad_severity(s))))?,
            ),
            None => None,
        };
        let base = path.parent().unwrap_or(Path::new(""));
        let rules = file
            .rules
            .into_iter()
            .map(|(id, settings)| {
                let line = line_of(text, id.span().start);
                (id.into_inner(), line, settings)
            })
            .collect();
        Ok(Self {
            path: Some(path.to_path_buf()),
            fail_on,
            waivers: file.waivers.map(|p| base.join(p)),
            baseline: file.baseline.map(|p| base.join(p)),
            rules,
            text: text.to_string(),
        })
    }

    /// Applies the per-rule settings to a pack: unknown rule ids, unknown params, wrong param types
    /// and unknown severities are errors naming the file, line and key.
    pub fn apply(&self, pack: &mut RulePack) -> Result<(), PolicyError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let at = |line: usize, message: String| PolicyError::At {
            path: path.clone(),
            line,
            message,
        };
        for (id, line, settings) in &self.rules {
            if pack.get(id).is_none() {
                return Err(at(
                    *line,
                    format!("key `rules.{id}`: unknown rule id (see `tokenwarden rules list`)"),
                ));
            }
            if let Some(sev) = &settings.severity {
                let s = Severity::parse(sev.get_ref()).ok_or_else(|| {
                    at(
                        line_of(&self.text, sev.span().start),
                        format!("key `rules.{id}.severity`: {}", bad_severity(sev)),
                    )
                })?;
                if let Some(rule) = pack.rules.iter_mut().find(|r| &r.id == id) {
                    rule.severity = s;
                }
            }
            for (name, value) in &settings.params {
                pack.set_param(id, name, value.get_ref().clone())
                    .map_err(|e| {
                        at(
                            line_of(&self.text, value.span().start),
                            format!("key `rules.{id}.params.{name}`: {e}"),
                        )
                    })?;
            }
            if settings.enabled == Some(false) {
                pack.rules.retain(|r| &r.id != id);
            }
        }
        Ok(())
    }
}

fn toml_literal(v: &crate::rules::ParamValue) -> String {
    use crate::rules::ParamValue as P;
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    match v {
        P::Int(i) => i.to_string(),
        P::Float(x) => toml::Value::Float(*x).to_string(),
        P::Str(s) => quote(s),
        P::Bool(b) => b.to_string(),
        P::StrList(l) => format!(
            "[{}]",
            l.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn bad_severity(s: &Spanned<String>) -> String {
    format!(
        "unknown severity {:?} (expected info, low, medium, high or critical)",
        s.get_ref()
    )
}

/// A commented starter configuration, written by `tokenwarden init`.
pub fn starter(pack: &RulePack) -> String {
    let mut s = String::from(
        "# tokenwarden.toml — policy settings for `tokenwarden check` and `scan`.\n\
         # Flags win over this file. Unknown keys are errors.\n\n\
         # Fail the gate (exit 1) on open findings at or above this severity:\n\
         # info | low | medium | high | critical\n\
         fail_on = \"high\"\n\n\
         # Accepted risks with an owner and an expiry date (see README, Waivers):\n\
         # waivers = \"waivers.toml\"\n\n\
         # An earlier findings.json: only findings not in it fail the gate:\n\
         # baseline = \"baseline.json\"\n\n\
         # Per-rule settings. Uncomment and edit; every rule and param is listed.\n",
    );
    for rule in &pack.rules {
        s.push_str(&format!(
            "\n# {} — {}\n# [rules.{}]\n# enabled = true\n# severity = \"{}\"\n",
            rule.id, rule.title, rule.id, rule.severity
        ));
        if !rule.params.is_empty() {
            s.push_str(&format!("# [rules.{}.params]\n", rule.id));
            for (name, value) in &rule.params {
                s.push_str(&format!("# {name} = {}\n", toml_literal(value)));
            }
        }
    }
    s
}
