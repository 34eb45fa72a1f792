//! The snapshot: a directory holding the raw Okta JSON of every collection plus `manifest.json`.
//!
//! A snapshot is audit evidence. It is written under a temporary name and renamed into place only
//! when complete, so a crash never leaves a half snapshot that looks whole. Reading verifies the
//! format version and the SHA-256 of every data file named in the manifest.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The snapshot format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// Name of the manifest file inside a snapshot directory.
pub const MANIFEST_FILE: &str = "manifest.json";

/// How a collection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum CollectionStatus {
    /// Everything was fetched.
    Complete,
    /// Some of it was fetched; `error` says what is missing.
    Partial,
    /// Okta refused (403, or a scope the credential lacks).
    Forbidden,
    /// Anything else went wrong.
    Failed,
}

impl CollectionStatus {
    /// The lowercase word used in manifests and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Complete => "complete",
            Self::Partial => "partial",
            Self::Forbidden => "forbidden",
            Self::Failed => "failed",
        }
    }
}

impl std::fmt::Display for CollectionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One collection's entry in the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionRecord {
    /// How the collection ended.
    pub status: CollectionStatus,
    /// Number of items in the data file (top-level array length, or lines for JSON Lines).
    pub items: u64,
    /// HTTP requests made for this collection.
    pub requests: u64,
    /// Wall time spent on it.
    pub duration_ms: u64,
    /// Why it is not complete (never contains secrets).
    pub error: Option<String>,
    /// Data file name inside the snapshot directory.
    pub file: String,
    /// SHA-256 (hex) of the data file.
    pub sha256: String,
    /// Per-collection parameters (e.g. the System Log window `since`/`until`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub meta: BTreeMap<String, String>,
}

/// The snapshot's `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Snapshot format version ([`FORMAT_VERSION`]).
    pub format_version: u32,
    /// Version of tokenwarden that wrote it.
    pub tool_version: String,
    /// The org's base URL.
    pub org_url: String,
    /// When collection started (the default `--as-of`).
    pub collected_at: DateTime<Utc>,
    /// `api_token` or `oauth2`.
    pub auth_method: String,
    /// Per collection, by name.
    pub collections: BTreeMap<String, CollectionRecord>,
}

impl Manifest {
    /// Status of a collection, `None` when it was never attempted.
    pub fn status(&self, collection: &str) -> Option<CollectionStatus> {
        self.collections.get(collection).map(|c| c.status)
    }

    /// `collected_at` in the RFC 3339 form used everywhere in outputs.
    pub fn collected_at_rfc3339(&self) -> String {
        self.collected_at.to_rfc3339_opts(SecondsFormat::Secs, true)
    }
}

/// Errors reading or writing a snapshot. Each names the path involved.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("snapshot {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("snapshot {path}: not a snapshot directory (no {MANIFEST_FILE})")]
    NotASnapshot { path: PathBuf },
    #[error("snapshot {path}: invalid JSON: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "snapshot {path}: format version {found} is not supported (this build reads version {FORMAT_VERSION})"
    )]
    Version { path: PathBuf, found: u64 },
    #[error(
        "snapshot {path}: data file is corrupt or was modified (SHA-256 {actual}, manifest says {expected})"
    )]
    Hash {
        path: PathBuf,
        expected: String,
        actual: String,
    },
    #[error("snapshot {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> SnapshotError + '_ {
    move |source| SnapshotError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes a snapshot under a temporary directory and renames it into place on [`finish`](Self::finish).
#[derive(Debug)]
pub struct SnapshotWriter {
    final_dir: PathBuf,
    tmp_dir: PathBuf,
    manifest: Manifest,
}

/// Statistics of one collection, handed to the writer with its data.
#[derive(Debug, Clone, Default)]
pub struct CollectionStats {
    pub requests: u64,
    pub duration_ms: u64,
}

impl SnapshotWriter {
    /// Starts a snapshot that will live at `dir`. `dir` must not exist yet, or be an empty directory,
    /// or hold an earlier snapshot (which is replaced only when this one finishes).
    pub fn create(
        dir: &Path,
        org_url: &str,
        auth_method: &str,
        collected_at: DateTime<Utc>,
    ) -> Result<Self, SnapshotError> {
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(io_err(&parent))?;
        if dir.exists() {
            let is_empty = fs::read_dir(dir).map_err(io_err(dir))?.next().is_none();
            if !is_empty && !dir.join(MANIFEST_FILE).exists() {
                return Err(SnapshotError::Invalid {
                    path: dir.to_path_buf(),
                    message: "the output directory exists, is not empty and is not a snapshot; \
                              refusing to overwrite it"
                        .into(),
                });
            }
        }
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "snapshot".into());
        let tmp_dir = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp_dir.exists() {
            fs::remove_dir_all(&tmp_dir).map_err(io_err(&tmp_dir))?;
        }
        fs::create_dir_all(&tmp_dir).map_err(io_err(&tmp_dir))?;
        Ok(Self {
            final_dir: dir.to_path_buf(),
            tmp_dir,
            manifest: Manifest {
                format_version: FORMAT_VERSION,
                tool_version: env!("CARGO_PKG_VERSION").to_string(),
                org_url: org_url.to_string(),
                collected_at,
                auth_method: auth_method.to_string(),
                collections: BTreeMap::new(),
            },
        })
    }

    /// Writes one collection's data (pretty JSON) and records it in the manifest.
    pub fn write_json(
        &mut self,
        collection: &str,
        data: &serde_json::Value,
        status: CollectionStatus,
        error: Option<String>,
        stats: CollectionStats,
    ) -> Result<(), SnapshotError> {
        let items = match data {
            serde_json::Value::Array(a) => a.len() as u64,
            serde_json::Value::Null => 0,
            _ => 1,
        };
        let mut bytes = serde_json::to_vec_pretty(data).map_err(|source| SnapshotError::Json {
            path: self.tmp_dir.join(collection),
            source,
        })?;
        bytes.push(b'\n');
        self.write_bytes(
            collection,
            &format!("{collection}.json"),
            &bytes,
            items,
            status,
            error,
            stats,
        )
    }

    /// Writes one collection as JSON Lines (one compact JSON value per line).
    pub fn write_jsonl(
        &mut self,
        collection: &str,
        lines: &[serde_json::Value],
        status: CollectionStatus,
        error: Option<String>,
        stats: CollectionStats,
    ) -> Result<(), SnapshotError> {
        let mut bytes = Vec::new();
        for line in lines {
            serde_json::to_writer(&mut bytes, line).map_err(|source| SnapshotError::Json {
                path: self.tmp_dir.join(collection),
                source,
            })?;
            bytes.push(b'\n');
        }
        self.write_bytes(
            collection,
            &format!("{collection}.jsonl"),
            &bytes,
            lines.len() as u64,
            status,
            error,
            stats,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn write_bytes(
        &mut self,
        collection: &str,
        file: &str,
        bytes: &[u8],
        items: u64,
        status: CollectionStatus,
        error: Option<String>,
        stats: CollectionStats,
    ) -> Result<(), SnapshotError> {
        let path = self.tmp_dir.join(file);
        let mut f = fs::File::create(&path).map_err(io_err(&path))?;
        f.write_all(bytes).map_err(io_err(&path))?;
        f.sync_all().map_err(io_err(&path))?;
        self.manifest.collections.insert(
            collection.to_string(),
            CollectionRecord {
                status,
                items,
                requests: stats.requests,
                duration_ms: stats.duration_ms,
                error,
                file: file.to_string(),
                sha256: hex::encode(Sha256::digest(bytes)),
                meta: BTreeMap::new(),
            },
        );
        Ok(())
    }

    /// Records per-collection parameters (after the collection was written).
    pub fn set_meta(&mut self, collection: &str, key: &str, value: &str) {
        if let Some(record) = self.manifest.collections.get_mut(collection) {
            record.meta.insert(key.to_string(), value.to_string());
        }
    }

    /// The manifest as written so far.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Writes the manifest and moves the snapshot into place. Returns the final directory.
    pub fn finish(self) -> Result<PathBuf, SnapshotError> {
        let path = self.tmp_dir.join(MANIFEST_FILE);
        let mut bytes =
            serde_json::to_vec_pretty(&self.manifest).map_err(|source| SnapshotError::Json {
                path: path.clone(),
                source,
            })?;
        bytes.push(b'\n');
        fs::write(&path, &bytes).map_err(io_err(&path))?;
        if self.final_dir.exists() {
            fs::remove_dir_all(&self.final_dir).map_err(io_err(&self.final_dir))?;
        }
        fs::rename(&self.tmp_dir, &self.final_dir).map_err(io_err(&self.final_dir))?;
        Ok(self.final_dir)
    }
}

/// A snapshot read from disk. Data files are verified against the manifest's hashes on open and
/// parsed on demand.
#[derive(Debug, Clone)]
pub struct Snapshot {
    dir: PathBuf,
    manifest: Manifest,
}

impl Snapshot {
    /// Opens a snapshot directory: reads the manifest, checks the version and every data file's hash.
    pub fn open(dir: &Path) -> Result<Self, SnapshotError> {
        let mpath = dir.join(MANIFEST_FILE);
        if !mpath.is_file() {
            return Err(SnapshotError::NotASnapshot {
                path: dir.to_path_buf(),
            });
        }
        let text = fs::read(&mpath).map_err(io_err(&mpath))?;
        let raw: serde_json::Value =
            serde_json::from_slice(&text).map_err(|source| SnapshotError::Json {
                path: mpath.clone(),
                source,
            })?;
        let found = raw
            .get("format_version")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| SnapshotError::Invalid {
                path: mpath.clone(),
                message: "manifest has no numeric format_version".into(),
            })?;
        if found != u64::from(FORMAT_VERSION) {
            return Err(SnapshotError::Version { path: mpath, found });
        }
        let manifest: Manifest =
            serde_json::from_value(raw).map_err(|source| SnapshotError::Json {
                path: mpath.clone(),
                source,
            })?;
        for record in manifest.collections.values() {
            if record.file.contains('/')
                || record.file.contains('\\')
                || record.file.starts_with('.')
            {
                return Err(SnapshotError::Invalid {
                    path: mpath.clone(),
                    message: format!("data file name {:?} is not a plain file name", record.file),
                });
            }
            let path = dir.join(&record.file);
            let bytes = fs::read(&path).map_err(io_err(&path))?;
            let actual = hex::encode(Sha256::digest(&bytes));
            if actual != record.sha256 {
                return Err(SnapshotError::Hash {
                    path,
                    expected: record.sha256.clone(),
                    actual,
                });
            }
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            manifest,
        })
    }

    /// The snapshot directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Parses a JSON collection into `T`. `Ok(None)` when the collection is absent.
    pub fn load<T: DeserializeOwned>(&self, collection: &str) -> Result<Option<T>, SnapshotError> {
        let Some(record) = self.manifest.collections.get(collection) else {
            return Ok(None);
        };
        let path = self.dir.join(&record.file);
        let file = fs::File::open(&path).map_err(io_err(&path))?;
        serde_json::from_reader(BufReader::new(file))
            .map(Some)
            .map_err(|source| SnapshotError::Json { path, source })
    }

    /// Parses a JSON Lines collection, one `T` per non-empty line. `Ok(None)` when absent.
    pub fn load_lines<T: DeserializeOwned>(
        &self,
        collection: &str,
    ) -> Result<Option<Vec<T>>, SnapshotError> {
        self.load_lines_with(collection, |v: T| v)
    }

    /// Parses a JSON Lines collection line by line, keeping `f` of each (so a caller can keep
    /// only what it needs of a large log without holding every full line). `Ok(None)` when absent.
    pub fn load_lines_with<T: DeserializeOwned, U>(
        &self,
        collection: &str,
        mut f: impl FnMut(T) -> U,
    ) -> Result<Option<Vec<U>>, SnapshotError> {
        use std::io::BufRead;
        let Some(record) = self.manifest.collections.get(collection) else {
            return Ok(None);
        };
        let path = self.dir.join(&record.file);
        let file = fs::File::open(&path).map_err(io_err(&path))?;
        let mut out = Vec::new();
        for (n, line) in BufReader::new(file).lines().enumerate() {
            let line = line.map_err(io_err(&path))?;
            if line.trim().is_empty() {
                continue;
            }
            let v = serde_json::from_str(&line).map_err(|source| SnapshotError::Invalid {
                path: path.clone(),
                message: format!("line {}: {source}", n + 1),
            })?;
            out.push(f(v));
        }
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn written_snapshot_reads_back_with_statuses_and_hashes() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("snap");
        let t = DateTime::parse_from_rfc3339("2026-06-30T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut w = SnapshotWriter::create(&dir, "https://acme.okta.com", "api_token", t).unwrap();
        w.write_json(
            "api_tokens",
            &json!([{"id": "00T1"}]),
            CollectionStatus::Complete,
            None,
            CollectionStats::default(),
        )
        .unwrap();
        w.write_json(
            "network_zones",
            &json!([]),
            CollectionStatus::Forbidden,
            Some("403 E0000006".into()),
            CollectionStats::default(),
        )
        .unwrap();
        assert!(!dir.exists(), "snapshot must not appear before finish");
        w.finish().unwrap();
        let s = Snapshot::open(&dir).unwrap();
        assert_eq!(
            s.manifest().status("api_tokens"),
            Some(CollectionStatus::Complete)
        );
        assert_eq!(
            s.manifest().status("network_zones"),
            Some(CollectionStatus::Forbidden)
        );
        assert_eq!(s.manifest().status("users"), None);
        let v: serde_json::Value = s.load("api_tokens").unwrap().unwrap();
        assert_eq!(v[0]["id"], "00T1");
    }

    #[test]
    fn tampered_data_file_is_rejected_naming_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("snap");
        let mut w = SnapshotWriter::create(&dir, "https://a", "api_token", Utc::now()).unwrap();
        w.write_json(
            "api_tokens",
            &json!([]),
            CollectionStatus::Complete,
            None,
            CollectionStats::default(),
        )
        .unwrap();
        w.finish().unwrap();
        fs::write(dir.join("api_tokens.json"), b"[{}]\n").unwrap();
        let err = Snapshot::open(&dir).unwrap_err().to_string();
        assert!(err.contains("api_tokens.json"), "{err}");
        assert!(err.contains("corrupt"), "{err}");
    }

    #[test]
    fn unknown_format_version_is_rejected() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(
            tmp.path().join(MANIFEST_FILE),
            br#"{"format_version": 99, "collections": {}}"#,
        )
        .unwrap();
        let err = Snapshot::open(tmp.path()).unwrap_err();
        assert!(
            matches!(err, SnapshotError::Version { found: 99, .. }),
            "{err}"
        );
    }
}
