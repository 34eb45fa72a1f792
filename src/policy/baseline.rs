//! Baselines: an earlier `findings.json` whose findings are accepted as already known, so the gate
//! fails only on new ones. Findings are matched by fingerprint (rule id + entity id).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{PolicyError, read};
use crate::findings::{Evaluation, FindingStatus};

#[derive(Debug, Deserialize)]
struct BaselineDoc {
    schema_version: String,
    findings: Vec<BaselineFinding>,
}

#[derive(Debug, Deserialize)]
struct BaselineFinding {
    fingerprint: String,
}

/// The fingerprints of a baseline file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Baseline {
    pub path: PathBuf,
    pub fingerprints: BTreeSet<String>,
}

impl Baseline {
    /// Reads a JSON report written by `check --format json` or `--write-baseline`.
    pub fn load(path: &Path) -> Result<Self, PolicyError> {
        let text = read(path)?;
        Self::parse(path, &text)
    }

    /// Parses a baseline from text.
    pub fn parse(path: &Path, text: &str) -> Result<Self, PolicyError> {
        let doc: BaselineDoc = serde_json::from_str(text).map_err(|e| PolicyError::At {
            path: path.to_path_buf(),
            line: e.line(),
            message: format!("not a tokenwarden JSON report: {e}"),
        })?;
        if !doc.schema_version.starts_with("1.") {
            return Err(PolicyError::File {
                path: path.to_path_buf(),
                message: format!(
                    "baseline schema_version {:?} is not supported (this build reads 1.x)",
                    doc.schema_version
                ),
            });
        }
        Ok(Self {
            path: path.to_path_buf(),
            fingerprints: doc.findings.into_iter().map(|f| f.fingerprint).collect(),
        })
    }

    /// Marks open findings present in the baseline `baselined`; returns how many.
    pub fn apply(&self, eval: &mut Evaluation) -> usize {
        let mut n = 0;
        for f in eval.findings.iter_mut() {
            if f.status == FindingStatus::Open && self.fingerprints.contains(&f.fingerprint) {
                f.status = FindingStatus::Baselined;
                n += 1;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Finding, Severity, fingerprint};

    fn finding(entity: &str) -> Finding {
        Finding {
            rule_id: "token-idle".into(),
            severity: Severity::High,
            status: FindingStatus::Open,
            entity_type: "api_token".into(),
            entity_id: entity.into(),
            entity_name: entity.into(),
            owner: None,
            message: "m".into(),
            fingerprint: fingerprint("token-idle", entity),
            evidence: Default::default(),
        }
    }

    #[test]
    fn only_new_findings_stay_open() {
        let text = format!(
            r#"{{"schema_version":"1.0","findings":[{{"fingerprint":"{}"}}]}}"#,
            fingerprint("token-idle", "00Told")
        );
        let b = Baseline::parse(Path::new("base.json"), &text).unwrap();
        let mut eval = Evaluation {
            findings: vec![finding("00Told"), finding("00Tnew")],
            ..Default::default()
        };
        assert_eq!(b.apply(&mut eval), 1);
        assert_eq!(eval.findings[0].status, FindingStatus::Baselined);
        assert_eq!(eval.findings[1].status, FindingStatus::Open);
    }

    #[test]
    fn a_file_that_is_not_a_report_is_an_error_naming_it() {
        let e = Baseline::parse(Path::new("base.json"), "[1,2]")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("base.json:1:"), "{e}");
        let e = Baseline::parse(
            Path::new("b.json"),
            r#"{"schema_version":"9.0","findings":[]}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("9.0"), "{e}");
    }
}
