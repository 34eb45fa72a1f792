//! Pagination: `Link: <…>; rel="next"` headers (separate lines or comma-joined, `rel` quoted or
//! not, several rels per link) and IAM bodies' `_links.next.href` (preferred when present).
//! Next links are opaque but must stay on the org's origin; one that repeats a page already
//! fetched is a loop, and the page count is capped, so a misbehaving server cannot hang a scan.

use std::collections::HashSet;

use reqwest::header::{HeaderMap, LINK};
use serde_json::Value;
use url::Url;

use super::client::{Auth, OktaClient};
use super::error::RequestError;
use super::progress::Tracker;

/// No real Okta list has more pages than this.
pub(crate) const MAX_PAGES: u64 = 100_000;

/// One link-value of a `Link` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LinkValue {
    /// The URI between `<` and `>`, as written.
    pub target: String,
    /// The `rel` values, lowercased.
    pub rels: Vec<String>,
}

/// Splits `s` at `sep` where it is not inside `<…>` or `"…"`.
fn split_outside(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut in_angle, mut in_quote, mut escaped) = (false, false, false);
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_quote => escaped = true,
            '"' if !in_angle => in_quote = !in_quote,
            '<' if !in_quote => in_angle = true,
            '>' if !in_quote => in_angle = false,
            c if c == sep && !in_angle && !in_quote => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// Parses one `Link` header value (RFC 8288), which may hold several comma-separated links.
/// Malformed link-values are skipped.
pub(crate) fn parse_link_header(value: &str) -> Vec<LinkValue> {
    let mut links = Vec::new();
    for part in split_outside(value, ',') {
        let part = part.trim();
        let Some(rest) = part.strip_prefix('<') else {
            continue;
        };
        let Some(end) = rest.find('>') else {
            continue;
        };
        let target = rest[..end].trim().to_string();
        let mut rels = Vec::new();
        for param in split_outside(&rest[end + 1..], ';') {
            let Some((name, val)) = param.split_once('=') else {
                continue;
            };
            if !name.trim().eq_ignore_ascii_case("rel") {
                continue;
            }
            let val = val.trim();
            let val = val
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(val);
            rels.extend(val.split_whitespace().map(str::to_ascii_lowercase));
        }
        links.push(LinkValue { target, rels });
    }
    links
}

/// The `rel="next"` target among all `Link` headers of a response.
pub(crate) fn next_from_headers(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(parse_link_header)
        .find(|l| l.rels.iter().any(|r| r == "next"))
        .map(|l| l.target)
}

/// The body's `_links.next.href` (IAM lists).
pub(crate) fn next_from_body(body: &Value) -> Option<String> {
    body.get("_links")?
        .get("next")?
        .get("href")?
        .as_str()
        .map(str::to_string)
}

/// Where a list endpoint puts its items.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Shape {
    /// A bare JSON array (most of `/api/v1`).
    Array,
    /// An object with the array under this key (IAM lists, e.g. `value`).
    Wrapper(&'static str),
}

impl Shape {
    /// The items of one page, or an invalid-JSON error naming the endpoint.
    pub(crate) fn items(self, body: Value, endpoint: &str) -> Result<Vec<Value>, RequestError> {
        let invalid = |message: String| RequestError::InvalidJson {
            endpoint: endpoint.to_string(),
            message,
        };
        match (self, body) {
            (Self::Array, Value::Array(items)) => Ok(items),
            (Self::Array, other) => Err(invalid(format!(
                "expected a JSON array, got {}",
                kind(&other)
            ))),
            (Self::Wrapper(key), Value::Object(mut map)) => match map.remove(key) {
                Some(Value::Array(items)) => Ok(items),
                Some(other) => Err(invalid(format!(
                    "expected an array under \"{key}\", got {}",
                    kind(&other)
                ))),
                None => Err(invalid(format!("expected an object with \"{key}\""))),
            },
            (Self::Wrapper(key), other) => Err(invalid(format!(
                "expected an object with \"{key}\", got {}",
                kind(&other)
            ))),
        }
    }
}

/// A JSON value's kind, for error messages (never its content).
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Everything a list returned, and the error that stopped it early, if any.
#[derive(Debug, Default)]
pub(crate) struct Paged {
    /// Items of every page fetched, in order.
    pub items: Vec<Value>,
    /// Why the list is incomplete.
    pub error: Option<RequestError>,
}

/// Fetches `first` and every page after it.
pub(crate) async fn fetch_all(
    client: &OktaClient,
    first: Url,
    shape: Shape,
    tracker: &Tracker,
) -> Paged {
    let endpoint = first.path().to_string();
    let mut paged = Paged::default();
    let mut seen = HashSet::new();
    let mut next = Some(first);
    while let Some(url) = next.take() {
        if seen.len() as u64 >= MAX_PAGES {
            paged.error = Some(RequestError::TooManyPages {
                endpoint,
                pages: MAX_PAGES,
            });
            break;
        }
        if !seen.insert(url.as_str().to_string()) {
            paged.error = Some(RequestError::PaginationLoop {
                url: url.to_string(),
            });
            break;
        }
        let response = match client.get_json(&url, Auth::Credential, tracker).await {
            Ok(r) => r,
            Err(e) => {
                paged.error = Some(e);
                break;
            }
        };
        let link = next_from_body(&response.body).or_else(|| next_from_headers(&response.headers));
        match shape.items(response.body, &endpoint) {
            Ok(items) => {
                tracker.items(items.len());
                paged.items.extend(items);
            }
            Err(e) => {
                paged.error = Some(e);
                break;
            }
        }
        if let Some(link) = link {
            match resolve_next(client.origin(), &response.url, &link, &endpoint) {
                Ok(u) => next = Some(u),
                Err(e) => {
                    paged.error = Some(e);
                    break;
                }
            }
        }
    }
    paged
}

/// Resolves a next link against the page it came from and checks it stays on the org.
fn resolve_next(origin: &Url, page: &Url, link: &str, endpoint: &str) -> Result<Url, RequestError> {
    let bad = |reason: &str| RequestError::BadNext {
        endpoint: endpoint.to_string(),
        url: link.chars().take(300).collect(),
        reason: reason.to_string(),
    };
    let next = page.join(link).map_err(|e| bad(&e.to_string()))?;
    if next.origin() != origin.origin() {
        return Err(bad("it points to another origin than the org"));
    }
    Ok(next)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use serde_json::json;

    #[test]
    fn separate_link_lines_yield_the_next_link() {
        let mut h = HeaderMap::new();
        h.append(
            LINK,
            HeaderValue::from_static("<https://o.okta.com/api/v1/users?limit=2>; rel=\"self\""),
        );
        h.append(
            LINK,
            HeaderValue::from_static(
                "<https://o.okta.com/api/v1/users?after=00u2&limit=2>; rel=\"next\"",
            ),
        );
        assert_eq!(
            next_from_headers(&h).as_deref(),
            Some("https://o.okta.com/api/v1/users?after=00u2&limit=2")
        );
    }

    #[test]
    fn comma_joined_links_with_unquoted_and_multiple_rels_are_parsed() {
        let v = "<https://o/a?x=1,2>; rel=self, <https://o/b?after=a;b>;title=\"x, y\"; REL=\"prev next\"";
        let links = parse_link_header(v);
        assert_eq!(
            links,
            vec![
                LinkValue {
                    target: "https://o/a?x=1,2".into(),
                    rels: vec!["self".into()]
                },
                LinkValue {
                    target: "https://o/b?after=a;b".into(),
                    rels: vec!["prev".into(), "next".into()]
                },
            ]
        );
        let mut h = HeaderMap::new();
        h.insert(LINK, HeaderValue::from_str(v).unwrap());
        assert_eq!(
            next_from_headers(&h).as_deref(),
            Some("https://o/b?after=a;b")
        );
    }

    #[test]
    fn no_next_and_malformed_values_yield_none() {
        let mut h = HeaderMap::new();
        h.insert(
            LINK,
            HeaderValue::from_static("garbage, <https://o/a>; rel=\"self\""),
        );
        assert_eq!(next_from_headers(&h), None);
        assert_eq!(next_from_headers(&HeaderMap::new()), None);
        assert_eq!(parse_link_header("<unterminated; rel=next"), vec![]);
    }

    #[test]
    fn body_next_link_is_read_from_links_next_href() {
        let b = json!({"value": [], "_links": {"next": {"href": "https://o/api/v1/iam/assignees/users?after=x"}}});
        assert_eq!(
            next_from_body(&b).as_deref(),
            Some("https://o/api/v1/iam/assignees/users?after=x")
        );
        assert_eq!(next_from_body(&json!([1, 2])), None);
    }

    #[test]
    fn shapes_accept_arrays_and_wrappers_and_name_what_is_wrong() {
        assert_eq!(Shape::Array.items(json!([1]), "/e").unwrap().len(), 1);
        assert_eq!(
            Shape::Wrapper("value")
                .items(json!({"value": [1, 2]}), "/e")
                .unwrap()
                .len(),
            2
        );
        let e = Shape::Array
            .items(json!({"a": 1}), "/api/v1/zones")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid JSON from /api/v1/zones: expected a JSON array, got an object"
        );
        assert!(Shape::Wrapper("value").items(json!([]), "/e").is_err());
    }

    #[test]
    fn next_links_are_resolved_and_must_stay_on_the_org() {
        let origin = Url::parse("http://127.0.0.1:8080/").unwrap();
        let page = Url::parse("http://127.0.0.1:8080/api/v1/users?limit=2").unwrap();
        let n = resolve_next(&origin, &page, "/api/v1/users?after=x", "/api/v1/users").unwrap();
        assert_eq!(n.as_str(), "http://127.0.0.1:8080/api/v1/users?after=x");
        let e =
            resolve_next(&origin, &page, "https://evil.example/api", "/api/v1/users").unwrap_err();
        assert!(e.to_string().contains("another origin"), "{e}");
    }
}
