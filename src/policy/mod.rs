//! The user's governance policy around the rule pack: the `tokenwarden.toml` configuration, waivers
//! with expiry, and baselines. Every file is validated up front; errors name the file, the line and
//! the key.

pub mod baseline;
pub mod config;
pub mod waivers;

use std::path::{Path, PathBuf};

/// A policy file could not be used. Always names the file, and the line and key when known.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    At {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
}

pub use crate::findings::Notice;

/// 1-based line number of a byte offset in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset.min(text.len()))
        .map(|s| s.bytes().filter(|b| *b == b'\n').count() + 1)
        .unwrap_or(1)
}

/// Reads a policy file as text.
pub(crate) fn read(path: &Path) -> Result<String, PolicyError> {
    std::fs::read_to_string(path).map_err(|source| PolicyError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Turns a toml parse error into one naming the file and line.
pub(crate) fn toml_error(path: &Path, text: &str, e: toml::de::Error) -> PolicyError {
    let message = e.message().to_string();
    match e.span() {
        Some(span) => {
            let line = line_of(text, span.start);
            // Quote the offending line: it names the key even when toml's message does not.
            let source = text.lines().nth(line - 1).unwrap_or("").trim();
            PolicyError::At {
                path: path.to_path_buf(),
                line,
                message: if source.is_empty() {
                    message
                } else {
                    format!("`{source}`: {message}")
                },
            }
        }
        None => PolicyError::File {
            path: path.to_path_buf(),
            message,
        },
    }
}
