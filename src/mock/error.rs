//! Errors of the mock: fixture files that cannot be read or are wrong, and servers that cannot start.

use std::net::SocketAddr;

/// What went wrong loading a fixture org, parsing a fault spec or starting the mock.
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    /// A required fixture file is absent.
    #[error("{file}: file not found (every fixture org needs it; see docs/architecture.md §2)")]
    Missing {
        /// The file, as a path or `embedded:<name>`.
        file: String,
    },
    /// A fixture file exists but could not be read.
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The file that failed.
        file: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A fixture file is not valid JSON.
    #[error("{file}: invalid JSON: {source}")]
    Json {
        /// The file that failed.
        file: String,
        /// The parser error (with line and column).
        source: serde_json::Error,
    },
    /// A fixture file is JSON but its content breaks the fixture format.
    #[error("{file}: {problem}")]
    Invalid {
        /// The file that is wrong.
        file: String,
        /// What is wrong, naming the item and key.
        problem: String,
    },
    /// A `--fault` spec that does not parse.
    #[error(
        "invalid fault {spec:?}: {problem} (expected KIND:PATH_PREFIX[:TIMES], KIND one of 429, 500, 403, repeat-next, truncate, slow=MILLIS, expire-tokens, dpop-nonce)"
    )]
    FaultSpec {
        /// The spec as given.
        spec: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The mock only listens on loopback addresses.
    #[error(
        "refusing to serve on {addr}: the mock listens on loopback addresses only (127.0.0.1 or ::1)"
    )]
    NotLoopback {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl MockError {
    /// Shorthand for an [`MockError::Invalid`] about `file`.
    pub(crate) fn invalid(file: &str, problem: impl Into<String>) -> Self {
        MockError::Invalid {
            file: file.to_owned(),
            problem: problem.into(),
        }
    }
}
