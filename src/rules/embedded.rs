//! Where rules come from: the built-in pack compiled into the binary, and users' folders.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::{Rule, RuleError, parse_rule};
use crate::embedded::RULE_FILES;

/// Rejects duplicate ids (naming both files) and sorts by id.
fn unique_sorted(rules: Vec<Rule>) -> Result<Vec<Rule>, RuleError> {
    let mut by_id: BTreeMap<String, Rule> = BTreeMap::new();
    for rule in rules {
        if let Some(first) = by_id.get(&rule.id) {
            return Err(RuleError::Duplicate {
                id: rule.id.clone(),
                first: first.source.clone(),
                second: rule.source.clone(),
            });
        }
        by_id.insert(rule.id.clone(), rule);
    }
    Ok(by_id.into_values().collect())
}

/// The built-in rules, validated, sorted by id.
pub(super) fn builtin_rules() -> Result<Vec<Rule>, RuleError> {
    from_texts(
        RULE_FILES
            .iter()
            .map(|(rel, text)| (format!("builtin:rules/{rel}"), *text)),
    )
}

/// Parses (source, text) pairs into a validated, duplicate-free, sorted list.
pub(super) fn from_texts<'a>(
    files: impl IntoIterator<Item = (String, &'a str)>,
) -> Result<Vec<Rule>, RuleError> {
    let rules = files
        .into_iter()
        .map(|(source, text)| parse_rule(&source, text))
        .collect::<Result<Vec<_>, _>>()?;
    unique_sorted(rules)
}

fn collect_toml(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), RuleError> {
    let io = |source| RuleError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_dir() {
            collect_toml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Every `*.toml` under `dir/rules/` (or `dir` when it has no `rules/` folder), validated.
pub(super) fn load_dir(dir: &Path) -> Result<Vec<Rule>, RuleError> {
    let nested = dir.join("rules");
    let root = if nested.is_dir() {
        nested
    } else {
        dir.to_path_buf()
    };
    let mut paths = Vec::new();
    collect_toml(&root, &mut paths)?;
    paths.sort();
    let mut texts = Vec::with_capacity(paths.len());
    for path in paths {
        let text = fs::read_to_string(&path).map_err(|source| RuleError::Io {
            path: path.clone(),
            source,
        })?;
        texts.push((path.display().to_string(), text));
    }
    from_texts(texts.iter().map(|(s, t)| (s.clone(), t.as_str())))
}
