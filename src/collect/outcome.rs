//! How a collection ended: its data plus the problems met on the way, from which its status and
//! error message follow.

use serde_json::Value;

use super::error::RequestError;
use super::progress::Tracker;
use crate::snapshot::{CollectionStats, CollectionStatus};

/// At most this many problems are spelled out in a collection's `error`; the rest are counted.
const MAX_LISTED: usize = 5;

/// Where a problem was met, which decides what it does to the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The collection's own listing: a 403 makes it `forbidden`, anything else `failed`.
    Root,
    /// A sub-request or an input collection: the collection is `partial`.
    Part,
}

#[derive(Debug, Clone)]
struct Problem {
    scope: Scope,
    forbidden: bool,
    message: String,
}

/// The problems met while building one collection.
#[derive(Debug, Clone, Default)]
pub(crate) struct Problems {
    list: Vec<Problem>,
}

impl Problems {
    /// The collection's own listing failed.
    pub(crate) fn root(&mut self, error: &RequestError) {
        self.list.push(Problem {
            scope: Scope::Root,
            forbidden: error.is_forbidden(),
            message: error.to_string(),
        });
    }

    /// A sub-request failed; what it would have added is missing.
    pub(crate) fn part(&mut self, error: &RequestError) {
        self.list.push(Problem {
            scope: Scope::Part,
            forbidden: false,
            message: error.to_string(),
        });
    }

    /// An input of the collection is incomplete (`message` says which and why).
    pub(crate) fn input(&mut self, message: String) {
        self.list.push(Problem {
            scope: Scope::Part,
            forbidden: false,
            message,
        });
    }

    /// The status these problems lead to.
    pub(crate) fn status(&self) -> CollectionStatus {
        let roots: Vec<&Problem> = self
            .list
            .iter()
            .filter(|p| p.scope == Scope::Root)
            .collect();
        if self.list.is_empty() {
            CollectionStatus::Complete
        } else if roots.is_empty() {
            CollectionStatus::Partial
        } else if roots.iter().all(|p| p.forbidden) {
            CollectionStatus::Forbidden
        } else {
            CollectionStatus::Failed
        }
    }

    /// The `error` of the manifest: the first problems, and how many more there were.
    pub(crate) fn message(&self) -> Option<String> {
        if self.list.is_empty() {
            return None;
        }
        // Root problems first: they explain the status.
        let mut ordered: Vec<&Problem> = self
            .list
            .iter()
            .filter(|p| p.scope == Scope::Root)
            .collect();
        ordered.extend(self.list.iter().filter(|p| p.scope != Scope::Root));
        let mut msg = ordered
            .iter()
            .take(MAX_LISTED)
            .map(|p| p.message.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        if ordered.len() > MAX_LISTED {
            msg.push_str(&format!("; and {} more", ordered.len() - MAX_LISTED));
        }
        Some(msg)
    }
}

/// A finished collection, ready to be written.
#[derive(Debug)]
pub(crate) struct Collected {
    /// The collection's name (and file stem).
    pub name: &'static str,
    /// The data file's content.
    pub data: Value,
    /// How it ended.
    pub status: CollectionStatus,
    /// Why it is not complete.
    pub error: Option<String>,
    /// Requests and wall time.
    pub stats: CollectionStats,
}

impl Collected {
    /// Closes a collection: computes status and message and reports them on `tracker`.
    pub(crate) fn finish(
        name: &'static str,
        data: Value,
        problems: &Problems,
        tracker: &Tracker,
    ) -> Self {
        let status = problems.status();
        let error = problems.message();
        let items = match &data {
            Value::Array(a) => a.len(),
            Value::Null => 0,
            _ => 1,
        };
        tracker.finish(status, items, error.as_deref());
        Self {
            name,
            data,
            status,
            error,
            stats: tracker.stats(),
        }
    }

    /// Why collections built from this one are incomplete: `None` when this one is complete.
    pub(crate) fn as_input(&self) -> Option<String> {
        (self.status != CollectionStatus::Complete).then(|| {
            format!(
                "input {} is {}: {}",
                self.name,
                self.status,
                self.error.as_deref().unwrap_or("incomplete")
            )
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn http(status: u16) -> RequestError {
        RequestError::Http {
            endpoint: "/api/v1/x".into(),
            status,
            error_code: None,
            summary: None,
        }
    }

    #[test]
    fn status_follows_where_problems_were_met() {
        let mut p = Problems::default();
        assert_eq!(p.status(), CollectionStatus::Complete);
        assert_eq!(p.message(), None);
        p.part(&http(500));
        assert_eq!(p.status(), CollectionStatus::Partial);
        p.root(&http(403));
        assert_eq!(p.status(), CollectionStatus::Forbidden);
        p.root(&RequestError::PaginationLoop { url: "u".into() });
        assert_eq!(p.status(), CollectionStatus::Failed);
        let m = p.message().unwrap();
        assert!(
            m.starts_with("GET /api/v1/x: HTTP 403; pagination loop at u; "),
            "{m}"
        );
    }

    #[test]
    fn long_problem_lists_are_summarised() {
        let mut p = Problems::default();
        for _ in 0..8 {
            p.part(&http(500));
        }
        assert!(p.message().unwrap().ends_with("; and 3 more"));
    }
}
