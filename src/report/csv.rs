//! CSV: RFC 4180, one row per finding, cells neutralised against formula injection.

use super::{RenderError, Report};

/// Column order of `findings.csv` (stable; documented in the README).
pub const FINDINGS_COLUMNS: [&str; 10] = [
    "severity",
    "status",
    "rule_id",
    "entity_type",
    "entity_id",
    "entity_name",
    "owner",
    "message",
    "fingerprint",
    "evidence",
];

/// Makes a cell safe to open in a spreadsheet: a leading `=`, `+`, `-`, `@`, tab or carriage
/// return would start a formula, so such cells get a leading apostrophe.
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

/// Writes rows (already in column order) as RFC 4180 CSV with CRLF line ends.
pub fn write_rows(header: &[&str], rows: &[Vec<String>]) -> Result<String, RenderError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(header)
        .map_err(|e| RenderError::Csv(e.to_string()))?;
    for row in rows {
        w.write_record(row.iter().map(|c| neutralise(c)))
            .map_err(|e| RenderError::Csv(e.to_string()))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| RenderError::Csv(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| RenderError::Csv(e.to_string()))
}

/// Renders `findings.csv`.
pub fn render_findings(report: &Report<'_>) -> Result<String, RenderError> {
    let rows: Vec<Vec<String>> = report
        .evaluation
        .findings
        .iter()
        .map(|f| {
            vec![
                f.severity.as_str().to_string(),
                f.status.as_str().to_string(),
                f.rule_id.clone(),
                f.entity_type.clone(),
                f.entity_id.clone(),
                f.entity_name.clone(),
                f.owner.clone().unwrap_or_default(),
                f.message.clone(),
                f.fingerprint.clone(),
                serde_json::to_string(&f.evidence).unwrap_or_default(),
            ]
        })
        .collect();
    write_rows(&FINDINGS_COLUMNS, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_quoting_is_rfc4180() {
        for bad in ["=cmd|' /C calc'!A0", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(neutralise("svc-siem"), "svc-siem");
        let out = write_rows(&["a", "b"], &[vec!["x,\"y\"".into(), "=1+1".into()]]).unwrap();
        assert_eq!(out, "a,b\r\n\"x,\"\"y\"\"\",'=1+1\r\n");
    }
}
