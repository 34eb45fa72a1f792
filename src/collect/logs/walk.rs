//! One walk over the pages of a System Log query, with the guards against a server that answers
//! like a polling query (next links that never end) or repeats a page.

use std::collections::HashSet;

use serde_json::Value;
use url::Url;

use super::super::client::{Auth, OktaClient};
use super::super::error::RequestError;
use super::super::paging::{MAX_PAGES, Shape, next_from_headers};
use super::super::progress::Tracker;
use super::{EMPTY_PAGES_LIMIT, Window};

/// What one walk over a filter's pages returned.
#[derive(Debug, Default)]
pub(super) struct Walk {
    pub(super) events: Vec<Value>,
    pub(super) error: Option<RequestError>,
    /// Why the walk stopped early although the server had more next links.
    pub(super) stopped: Option<String>,
}

/// Walks every page of `first` (bounded mode), guarding against polling-mode answers.
pub(super) async fn walk(
    client: &OktaClient,
    first: Url,
    window: Window,
    tracker: &Tracker,
) -> Walk {
    let endpoint = first.path().to_string();
    let mut out = Walk::default();
    let mut seen = HashSet::new();
    let (mut pages, mut empty_streak) = (0u64, 0u32);
    let mut next = Some(first);
    while let Some(url) = next.take() {
        pages += 1;
        if pages > MAX_PAGES {
            out.error = Some(RequestError::TooManyPages {
                endpoint,
                pages: MAX_PAGES,
            });
            break;
        }
        if seen.contains(url.as_str()) {
            out.error = Some(RequestError::PaginationLoop {
                url: url.to_string(),
            });
            break;
        }
        let response = match client.get_json(&url, Auth::Credential, tracker).await {
            Ok(r) => r,
            Err(e) => {
                out.error = Some(e);
                break;
            }
        };
        let link = next_from_headers(&response.headers);
        let items = match Shape::Array.items(response.body, &endpoint) {
            Ok(items) => items,
            Err(e) => {
                out.error = Some(e);
                break;
            }
        };
        tracker.items(items.len());
        let late = !items.is_empty() && items.iter().all(|e| !window.contains(e));
        if items.is_empty() {
            empty_streak += 1;
        } else {
            empty_streak = 0;
            seen.insert(url.to_string());
        }
        out.events
            .extend(items.into_iter().filter(|e| window.contains(e)));
        let Some(link) = link else { break };
        if empty_streak >= EMPTY_PAGES_LIMIT || late {
            out.stopped = Some(format!(
                "GET {endpoint}: stopped following next links after {}; the server answers \
                 like a polling query although until was sent, so events may be missing",
                if late {
                    "a page of events outside the window".to_string()
                } else {
                    format!("{empty_streak} empty pages in a row")
                }
            ));
            break;
        }
        match response.url.join(&link) {
            Ok(u) if u.origin() == client.origin().origin() => next = Some(u),
            Ok(_) | Err(_) => {
                out.error = Some(RequestError::BadNext {
                    endpoint: endpoint.clone(),
                    url: link.chars().take(300).collect(),
                    reason: "not a URL on the org".into(),
                });
                break;
            }
        }
    }
    out
}
