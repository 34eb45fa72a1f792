//! What a route answers before it becomes HTTP: a status, a JSON body and page links; and the Okta
//! `Error` bodies (okta-api.md §9) every failure uses.

use axum::http::StatusCode;
use rand::Rng;
use rand::distr::Alphanumeric;
use serde_json::{Value, json};

/// A route's answer: status, JSON body, and `Link` relations (`self`, `next`) for paged lists.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    /// The HTTP status.
    pub(crate) status: StatusCode,
    /// The JSON body.
    pub(crate) body: Value,
    /// (rel, absolute URL) pairs for the `Link` header, in order.
    pub(crate) links: Vec<(&'static str, String)>,
}

impl Reply {
    /// 200 with `body`.
    pub(crate) fn ok(body: Value) -> Reply {
        Reply {
            status: StatusCode::OK,
            body,
            links: Vec::new(),
        }
    }

    /// An Okta error: `{"errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"}`.
    pub(crate) fn error(status: StatusCode, code: &str, summary: &str) -> Reply {
        Reply::ok(json!({
            "errorCode": code,
            "errorSummary": summary,
            "errorLink": code,
            "errorId": format!("oae{}", random_id(22)),
            "errorCauses": [],
        }))
        .with_status(status)
    }

    /// This reply with another status.
    pub(crate) fn with_status(mut self, status: StatusCode) -> Reply {
        self.status = status;
        self
    }

    /// 401 E0000011: missing, unknown or expired SSWS token.
    pub(crate) fn invalid_token() -> Reply {
        Reply::error(
            StatusCode::UNAUTHORIZED,
            "E0000011",
            "Invalid token provided",
        )
    }

    /// 404 E0000007 for `what` (an id or a path) of kind `kind` (`User`, `Group`, …).
    pub(crate) fn not_found(what: &str, kind: &str) -> Reply {
        Reply::error(
            StatusCode::NOT_FOUND,
            "E0000007",
            &format!("Not found: Resource not found: {what} ({kind})"),
        )
    }

    /// 405 E0000022: the path exists but not for this method.
    pub(crate) fn method_not_allowed() -> Reply {
        Reply::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "E0000022",
            "The endpoint does not support the provided HTTP method",
        )
    }

    /// 400 E0000001 about a query parameter.
    pub(crate) fn invalid_param(name: &str, problem: &str) -> Reply {
        Reply::error(
            StatusCode::BAD_REQUEST,
            "E0000001",
            &format!("Api validation failed: {name}"),
        )
        .with_cause(&format!("{name}: {problem}"))
    }

    /// 400 E0000031: a `filter` the mock cannot parse.
    pub(crate) fn invalid_search(problem: &str) -> Reply {
        Reply::error(
            StatusCode::BAD_REQUEST,
            "E0000031",
            "Invalid search criteria.",
        )
        .with_cause(problem)
    }

    /// 429 E0000047 (headers are set by the server).
    pub(crate) fn rate_limited() -> Reply {
        Reply::error(
            StatusCode::TOO_MANY_REQUESTS,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
        )
    }

    /// 500 E0000009.
    pub(crate) fn server_error() -> Reply {
        Reply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "E0000009",
            "Internal Server Error",
        )
    }

    /// 403 E0000006.
    pub(crate) fn forbidden() -> Reply {
        Reply::error(
            StatusCode::FORBIDDEN,
            "E0000006",
            "You do not have permission to perform the requested action",
        )
    }

    fn with_cause(mut self, summary: &str) -> Reply {
        if let Some(causes) = self
            .body
            .get_mut("errorCauses")
            .and_then(Value::as_array_mut)
        {
            causes.push(json!({ "errorSummary": summary }));
        }
        self
    }
}

/// A random alphanumeric string of `len` characters (request and error ids).
pub(crate) fn random_id(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}
