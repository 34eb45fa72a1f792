//! `scan`: the full report set from one snapshot, formula injection and escaping in every export,
//! and the golden report set of the demo org in `reports/demo` (byte-identical, never drifting).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{AS_OF, demo_snapshot, tokenwarden};
use serde_json::Value;
use tokenwarden::snapshot::{CollectionStats, Snapshot, SnapshotWriter};

const SET: [&str; 9] = [
    "report.html",
    "findings.json",
    "findings.csv",
    "findings.sarif",
    "junit.xml",
    "summary.md",
    "review-tokens.csv",
    "review-admins.csv",
    "review-service-apps.csv",
];

/// A copy of `from` whose API tokens were renamed by `rename` (hashes recomputed).
fn with_token_names(from: &Path, to: &Path, rename: &[(&str, &str)]) {
    let snap = Snapshot::open(from).unwrap();
    let m = snap.manifest().clone();
    let mut w = SnapshotWriter::create(to, &m.org_url, &m.auth_method, m.collected_at).unwrap();
    for (name, record) in &m.collections {
        let stats = CollectionStats {
            requests: record.requests,
            duration_ms: record.duration_ms,
        };
        if record.file.ends_with(".jsonl") {
            let lines: Vec<Value> = snap.load_lines(name).unwrap().unwrap();
            w.write_jsonl(name, &lines, record.status, record.error.clone(), stats)
                .unwrap();
        } else {
            let mut data: Value = snap.load(name).unwrap().unwrap();
            if name == "api_tokens" {
                for t in data.as_array_mut().unwrap() {
                    for (old, new) in rename {
                        if t["name"] == *old {
                            t["name"] = Value::String((*new).to_string());
                        }
                    }
                }
            }
            w.write_json(name, &data, record.status, record.error.clone(), stats)
                .unwrap();
        }
        for (k, v) in &record.meta {
            w.set_meta(name, k, v);
        }
    }
    w.finish().unwrap();
}

fn token_names(snapshot: &Path) -> Vec<String> {
    let v: Value = Snapshot::open(snapshot)
        .unwrap()
        .load("api_tokens")
        .unwrap()
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn scan_writes_every_report_from_one_snapshot_and_exits_with_the_gate() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = tokenwarden(tmp.path())
        .args(["scan", "--as-of", AS_OF, "--snapshot"])
        .arg(demo_snapshot())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("Gate: FAILED"), "{stdout}");
    for f in SET {
        let p = out.join(f);
        assert!(p.is_file(), "{f} missing");
        assert!(std::fs::metadata(&p).unwrap().len() > 0, "{f} empty");
    }
    assert!(
        out.join("snapshot/manifest.json").is_file(),
        "snapshot kept"
    );
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("findings.json")).unwrap()).unwrap();
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("findings.sarif")).unwrap())
            .unwrap();
    assert_eq!(
        sarif["runs"][0]["results"].as_array().unwrap().len(),
        json["findings"].as_array().unwrap().len()
    );
    // Every token of the snapshot has a review row, with the reviewer columns empty.
    let review = std::fs::read_to_string(out.join("review-tokens.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(review.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        &header[header.len() - 5..],
        ["findings", "decision", "reviewer", "reviewed_at", "comment"]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), token_names(demo_snapshot()).len());
    for r in &rows {
        assert!(r.iter().rev().take(4).all(str::is_empty));
    }
    let findings_col = header.iter().position(|h| h == "findings").unwrap();
    assert!(
        rows.iter()
            .any(|r| r[findings_col].contains("token-owner-super-admin (critical)"))
    );
    let admins = std::fs::read_to_string(out.join("review-admins.csv")).unwrap();
    assert!(admins.contains("SUPER_ADMIN") && admins.contains("via_group_name"));
}

#[test]
fn hostile_token_names_are_neutralised_in_csv_and_escaped_in_html() {
    let tmp = tempfile::tempdir().unwrap();
    let names = token_names(demo_snapshot());
    let formula = "=HYPERLINK(\"http://evil.example\",\"click\")";
    let xss = "<img src=x onerror=alert(1)>";
    let hostile = tmp.path().join("hostile");
    // Every other token gets one of the two hostile names, so both reach findings too.
    let renames: Vec<(&str, &str)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), if i % 2 == 0 { formula } else { xss }))
        .collect();
    with_token_names(demo_snapshot(), &hostile, &renames);
    let out = tmp.path().join("out");
    let run = tokenwarden(tmp.path())
        .args(["scan", "--as-of", AS_OF, "--snapshot"])
        .arg(&hostile)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for f in ["review-tokens.csv", "findings.csv"] {
        let text = std::fs::read_to_string(out.join(f)).unwrap();
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        for rec in rdr.records() {
            for cell in rec.unwrap().iter() {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{f}: formula cell {cell:?}"
                );
            }
        }
        assert!(
            text.contains("'=HYPERLINK"),
            "{f} lost the neutralised cell"
        );
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains(xss), "report.html contains the raw payload");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(!md.contains(xss), "summary.md contains the raw payload");
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert!(!junit.contains(xss), "junit.xml contains the raw payload");
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/demo")
}

#[test]
fn golden_demo_reports_are_byte_identical_to_a_fresh_render() {
    // reports/demo is written by `tokenwarden demo --out reports/demo`; re-rendering its own
    // snapshot with the same rules and as-of must give the very same bytes.
    let golden = golden_dir();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = tokenwarden(tmp.path())
        .args(["scan", "--as-of", AS_OF, "--snapshot"])
        .arg(golden.join("snapshot"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for f in SET {
        let want = std::fs::read(golden.join(f)).unwrap_or_default();
        let got = std::fs::read(out.join(f)).unwrap();
        assert!(
            want == got,
            "reports/demo/{f} drifted from what this build renders; regenerate with \
             `cargo run -- demo --out reports/demo` and review the diff"
        );
    }
    // And twice in a row from the same snapshot: identical.
    let again = tmp.path().join("again");
    tokenwarden(tmp.path())
        .args(["scan", "--as-of", AS_OF, "--snapshot"])
        .arg(golden.join("snapshot"))
        .arg("--out")
        .arg(&again)
        .output()
        .unwrap();
    for f in SET {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(again.join(f)).unwrap(),
            "{f} is not deterministic"
        );
    }
}
