//! Waivers (`waivers.toml`): an accepted risk, with a reason, an owner and an expiry date.
//!
//! A matching, unexpired waiver turns a finding `waived`: shown and counted, but not failing the
//! gate. An expired waiver stops waiving and is reported; so is a waiver that matched nothing.
//! Expiry is judged against `--as-of`, never the wall clock, so re-evaluations agree.
//!
//! ```toml
//! [[waiver]]
//! rule = "token-idle"
//! entity = "00T1siem*"          # an entity id, or a glob with * and ?
//! reason = "SIEM pulls weekly; idle by design"
//! owner = "secops@acme.example"
//! expires = 2026-12-31
//! ```

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use super::{Notice, PolicyError, line_of, read, toml_error};
use crate::findings::{Evaluation, FindingStatus};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverFile {
    #[serde(default)]
    waiver: Vec<Spanned<WaiverEntry>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverEntry {
    rule: String,
    entity: String,
    reason: String,
    owner: String,
    expires: toml::value::Datetime,
}

/// One waiver.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiver {
    pub rule: String,
    pub entity: String,
    pub reason: String,
    pub owner: String,
    pub expires: NaiveDate,
    /// `waivers.toml:12`
    pub source: String,
}

/// The waivers of one file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Waivers {
    pub path: PathBuf,
    pub waivers: Vec<Waiver>,
}

impl Waivers {
    /// Loads and validates a waivers file. `known_rule` says whether a rule id exists in the pack.
    pub fn load(path: &Path, known_rule: impl Fn(&str) -> bool) -> Result<Self, PolicyError> {
        let text = read(path)?;
        Self::parse(path, &text, known_rule)
    }

    /// Parses waivers from text (`path` is used in errors and notices).
    pub fn parse(
        path: &Path,
        text: &str,
        known_rule: impl Fn(&str) -> bool,
    ) -> Result<Self, PolicyError> {
        let file: WaiverFile = toml::from_str(text).map_err(|e| toml_error(path, text, e))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let mut waivers = Vec::new();
        for entry in file.waiver {
            let line = line_of(text, entry.span().start);
            let at = |message: String| PolicyError::At {
                path: path.to_path_buf(),
                line,
                message,
            };
            let w = entry.into_inner();
            if !known_rule(&w.rule) {
                return Err(at(format!(
                    "key `rule`: unknown rule id {:?} (see `tokenwarden rules list`)",
                    w.rule
                )));
            }
            for (key, value) in [
                ("entity", &w.entity),
                ("reason", &w.reason),
                ("owner", &w.owner),
            ] {
                if value.trim().is_empty() {
                    return Err(at(format!("key `{key}` must not be empty")));
                }
            }
            let expires = w
                .expires
                .date
                .and_then(|d| NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into()))
                .ok_or_else(|| at("key `expires` must be a date like 2026-12-31".into()))?;
            waivers.push(Waiver {
                rule: w.rule,
                entity: w.entity,
                reason: w.reason,
                owner: w.owner,
                expires,
                source: format!("{name}:{line}"),
            });
        }
        Ok(Self {
            path: path.to_path_buf(),
            waivers,
        })
    }

    /// Marks matching open findings `waived` and returns notices for expired and unused waivers.
    /// A waiver is in force through its `expires` day and expired after it.
    pub fn apply(&self, eval: &mut Evaluation, today: NaiveDate) -> Vec<Notice> {
        let mut notices = Vec::new();
        for w in &self.waivers {
            let expired = today > w.expires;
            let mut matched = 0usize;
            for f in eval
                .findings
                .iter_mut()
                .filter(|f| f.rule_id == w.rule && glob_match(&w.entity, &f.entity_id))
            {
                matched += 1;
                if !expired && f.status == FindingStatus::Open {
                    f.status = FindingStatus::Waived;
                }
            }
            if expired {
                notices.push(Notice {
                    kind: "waiver_expired".into(),
                    source: w.source.clone(),
                    message: format!(
                        "waiver of {} for {} (owner {}) expired on {}; it no longer waives {} finding(s). Reason given: {}",
                        w.rule, w.entity, w.owner, w.expires, matched, w.reason
                    ),
                });
            } else if matched == 0 {
                notices.push(Notice {
                    kind: "waiver_unused".into(),
                    source: w.source.clone(),
                    message: format!(
                        "waiver of {} for {} (owner {}) matched no finding; remove it or fix its entity",
                        w.rule, w.entity, w.owner
                    ),
                });
            }
        }
        notices.sort();
        notices
    }
}

/// Matches `text` against a glob with `*` (any run) and `?` (one character).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Finding, Severity};

    fn finding(rule: &str, entity: &str) -> Finding {
        Finding {
            rule_id: rule.into(),
            severity: Severity::High,
            status: FindingStatus::Open,
            entity_type: "api_token".into(),
            entity_id: entity.into(),
            entity_name: entity.into(),
            owner: None,
            message: "m".into(),
            fingerprint: crate::findings::fingerprint(rule, entity),
            evidence: Default::default(),
        }
    }

    const FILE: &str = r#"
[[waiver]]
rule = "token-idle"
entity = "00Tsiem*"
reason = "weekly pull"
owner = "secops@acme.example"
expires = 2026-12-31

[[waiver]]
rule = "token-idle"
entity = "00Told"
reason = "legacy"
owner = "bob@acme.example"
expires = 2026-01-31

[[waiver]]
rule = "token-sprawl"
entity = "00uNOBODY"
reason = "n/a"
owner = "carol@acme.example"
expires = 2027-01-01
"#;

    #[test]
    fn valid_waiver_waives_expired_stops_and_unused_is_reported() {
        let w = Waivers::parse(Path::new("waivers.toml"), FILE, |_| true).unwrap();
        let mut eval = Evaluation {
            findings: vec![
                finding("token-idle", "00Tsiem1"),
                finding("token-idle", "00Told"),
            ],
            ..Default::default()
        };
        let today = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let notices = w.apply(&mut eval, today);
        assert_eq!(eval.findings[0].status, FindingStatus::Waived);
        assert_eq!(
            eval.findings[1].status,
            FindingStatus::Open,
            "expired waiver must not waive"
        );
        let kinds: Vec<_> = notices
            .iter()
            .map(|n| (n.kind.as_str(), n.source.as_str()))
            .collect();
        assert!(
            kinds.contains(&("waiver_expired", "waivers.toml:9")),
            "{kinds:?}"
        );
        assert!(
            kinds.contains(&("waiver_unused", "waivers.toml:16")),
            "{kinds:?}"
        );
        assert_eq!(notices.len(), 2);
    }

    #[test]
    fn waiver_is_in_force_on_its_expiry_day() {
        let w = Waivers::parse(Path::new("w.toml"), FILE, |_| true).unwrap();
        let mut eval = Evaluation {
            findings: vec![finding("token-idle", "00Tsiem1")],
            ..Default::default()
        };
        w.apply(&mut eval, NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
        assert_eq!(eval.findings[0].status, FindingStatus::Waived);
        eval.findings[0].status = FindingStatus::Open;
        w.apply(&mut eval, NaiveDate::from_ymd_opt(2027, 1, 1).unwrap());
        assert_eq!(eval.findings[0].status, FindingStatus::Open);
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let bad = "[[waiver]]\nrule = \"token-idle\"\nentity = \"x\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2026-01-01\ncolour = \"red\"\n";
        let e = Waivers::parse(Path::new("waivers.toml"), bad, |_| true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("waivers.toml:7") && e.contains("colour"), "{e}");
        let unknown = FILE.replace("token-sprawl", "token-sprawll");
        let e = Waivers::parse(Path::new("waivers.toml"), &unknown, |r| {
            r != "token-sprawll"
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("waivers.toml:16") && e.contains("token-sprawll"),
            "{e}"
        );
        let no_date = FILE.replace("2026-12-31", "\"soon\"");
        let e = Waivers::parse(Path::new("waivers.toml"), &no_date, |_| true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("waivers.toml") && e.contains("expires"), "{e}");
    }

    #[test]
    fn glob_matches_star_and_question_mark() {
        assert!(glob_match("00T*", "00Tabc"));
        assert!(glob_match("00T?bc", "00Tabc"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("00T?", "00Tab"));
        assert!(!glob_match("00u*", "00Tabc"));
        assert!(glob_match("a*b*c", "axxbyyc"));
    }
}
