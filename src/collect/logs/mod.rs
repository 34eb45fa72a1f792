//! `system_log`: the System Log events governance needs, over a bounded window
//! (docs/architecture.md §1b, okta-api.md §6), stored as JSON Lines.
//!
//! - **Window.** `until` = `CollectConfig::log_until`, else the start of the collection;
//!   `since` = `until − log_window_days` (default 90, capped at Okta's 90-day retention, at least
//!   1). `until` is always sent: without it Okta answers in polling mode, a stream whose `next`
//!   link never ends. Tests and the demo set `log_until` to the fixture's `as_of`, the mock's "now".
//! - **Event types** ([`by_event_type`]): one server-side SCIM filter over the governance types of
//!   `checks.md` (`sw` for families such as `system.api_token.`, `eq` for single types), split into
//!   several requests when it would exceed [`MAX_FILTER_CHARS`]; `limit=1000`; every page walked.
//! - **Token attribution** ([`by_token`]): Okta cannot reliably filter on "has a
//!   `transaction.detail.requestApiTokenId`", and every event an API token caused counts for
//!   token-many-source-ips whatever its type. So the events of every token are asked for by id
//!   (`transaction.detail.requestApiTokenId eq "00T…"`), with ids OR-ed into batches that fit
//!   [`MAX_FILTER_CHARS`] (15 ids a request: 2,000 tokens cost 134 requests, about a minute of the
//!   logs bucket, instead of 2,000 requests or an unfiltered download of the whole log). The ids
//!   are the listed tokens plus the tokens named by `system.api_token.*` events of the window, so
//!   tokens revoked meanwhile are still attributed. If `api_tokens` is incomplete, the collection
//!   is `partial`. token-used-outside-allowed-range needs no attribution pass: its event type is in
//!   the type filter.
//! - Events are deduplicated by `uuid` (overlapping requests return the same event twice), kept
//!   only when `since ≤ published < until`, and sorted by `published`, then `uuid`.
//! - **Guards.** Next links are followed until none is left (bounded mode). A server that keeps
//!   sending next links on empty pages ([`EMPTY_PAGES_LIMIT`] in a row) or pages of events
//!   published after `until` is answering like a polling query: the walk stops and the
//!   collection is `partial`. A next link repeating a page that had events is a loop.
//! - The manifest's `meta` records `since`, `until`, `filter` (the whole event-type filter),
//!   `window_days`, and `token_filter` with the number of `tokens` asked for.

mod walk;

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::Value;

use super::client::{OktaClient, fan_out};
use super::config::CollectConfig;
use super::names;
use super::outcome::{Collected, Problems};
use super::progress::{Progress, Tracker};
use crate::snapshot::{SnapshotError, SnapshotWriter};
use walk::{Walk, walk};

/// Okta keeps the System Log this many days; a longer window returns nothing more.
pub(crate) const RETENTION_DAYS: u32 = 90;
/// Longest filter sent in one request; longer ones are split at `or`.
pub(crate) const MAX_FILTER_CHARS: usize = 1024;
/// Empty pages with a next link in a row after which the walk stops (polling-mode answer).
pub(crate) const EMPTY_PAGES_LIMIT: u32 = 3;
/// Events per page (Okta's maximum).
const PAGE_LIMIT: &str = "1000";
/// Event-type families (`sw`) of `checks.md` "System Log event types to collect".
const TYPE_PREFIXES: [&str; 11] = [
    "system.api_token.",
    "user.account.privilege.",
    "group.privilege.",
    "app.oauth2.client.privilege.",
    "user.privileged_account.privilege.",
    "iam.role.",
    "iam.resourceset.",
    "app.oauth2.credentials.lifecycle.",
    "app.oauth2.admin.consent.",
    "app.oauth2.token.grant",
    "zone.",
];
/// Single event types (`eq`) of the same list.
const TYPE_EXACT: [&str; 2] = [
    "user.session.access_admin_app",
    "app.oauth2.client.read_client_secret",
];
/// The attribute Okta records the calling API token's id in.
const TOKEN_ATTR: &str = "transaction.detail.requestApiTokenId";

/// The time window of the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    /// Lower bound (inclusive).
    pub since: DateTime<Utc>,
    /// Upper bound (exclusive).
    pub until: DateTime<Utc>,
    /// The window's length in days after capping.
    pub days: u32,
}

impl Window {
    /// The window of `config`, ending at `log_until` or else at `started`.
    pub(crate) fn new(config: &CollectConfig, started: DateTime<Utc>) -> Window {
        let days = config.log_window_days.clamp(1, RETENTION_DAYS);
        if days != config.log_window_days {
            tracing::warn!(
                asked = config.log_window_days,
                used = days,
                "System Log window capped to 1..={RETENTION_DAYS} days (Okta's retention)"
            );
        }
        let until = config.log_until.unwrap_or(started);
        Window {
            since: until - TimeDelta::days(i64::from(days)),
            until,
            days,
        }
    }

    /// Whether an event's `published` is inside the window (events without one are kept).
    fn contains(&self, event: &Value) -> bool {
        published(event).is_none_or(|t| t >= self.since && t < self.until)
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn published(event: &Value) -> Option<DateTime<Utc>> {
    let text = event.get("published")?.as_str()?;
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.to_utc())
}

fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The event-type filter terms, in the order of `checks.md`.
pub(crate) fn type_terms() -> Vec<String> {
    let prefixes = TYPE_PREFIXES
        .iter()
        .map(|p| format!("eventType sw {}", quoted(p)));
    let exact = TYPE_EXACT
        .iter()
        .map(|t| format!("eventType eq {}", quoted(t)));
    prefixes.chain(exact).collect()
}

/// `terms` OR-ed into filters of at most `max` characters each (a longer single term stands
/// alone).
pub(crate) fn or_batches(terms: &[String], max: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for term in terms {
        if !current.is_empty() && current.len() + 4 + term.len() > max {
            out.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push_str(" or ");
        }
        current.push_str(term);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The System Log read so far: events and problems of both passes.
pub(crate) struct LogPass {
    window: Window,
    tracker: Arc<Tracker>,
    problems: Problems,
    events: Vec<Value>,
    filters: Vec<String>,
    forbidden: bool,
}

/// Walks `filters` concurrently; returns their events and what went wrong.
async fn walk_all(
    client: &Arc<OktaClient>,
    tracker: &Arc<Tracker>,
    window: Window,
    filters: Vec<String>,
) -> Vec<Walk> {
    fan_out(filters, |filter| {
        let (client, tracker) = (Arc::clone(client), Arc::clone(tracker));
        async move {
            let (since, until) = (rfc3339(window.since), rfc3339(window.until));
            let query = [
                ("since", since.as_str()),
                ("until", until.as_str()),
                ("filter", filter.as_str()),
                ("limit", PAGE_LIMIT),
                ("sortOrder", "ASCENDING"),
            ];
            let url = client.url(&["api", "v1", "logs"], &query);
            walk(&client, url, window, &tracker).await
        }
    })
    .await
}

/// First pass: the governance event types of the window.
pub(crate) async fn by_event_type(
    client: &Arc<OktaClient>,
    progress: &Progress,
    window: Window,
) -> LogPass {
    let tracker = progress.start(names::SYSTEM_LOG);
    let filters = or_batches(&type_terms(), MAX_FILTER_CHARS);
    let walks = walk_all(client, &tracker, window, filters.clone()).await;
    let mut problems = Problems::default();
    let mut events = Vec::new();
    let mut forbidden = false;
    for w in walks {
        if let Some(e) = &w.error {
            forbidden |= e.is_forbidden();
            problems.root(e);
        }
        if let Some(s) = w.stopped {
            problems.input(s);
        }
        events.extend(w.events);
    }
    LogPass {
        window,
        tracker,
        problems,
        events,
        filters,
        forbidden,
    }
}

/// The ids of the tokens to attribute events to: listed tokens, then tokens named by
/// `system.api_token.*` events.
fn token_ids(api_tokens: &Collected, events: &[Value]) -> Vec<String> {
    let listed = api_tokens.data.as_array().into_iter().flatten();
    let mut ids: BTreeSet<String> = listed
        .filter_map(|t| t.get("id")?.as_str().map(str::to_string))
        .collect();
    for event in events {
        let is_token_event = event
            .get("eventType")
            .and_then(Value::as_str)
            .is_some_and(|t| t.starts_with("system.api_token."));
        let targets = event.get("target").and_then(Value::as_array);
        for target in targets.into_iter().flatten().filter(|_| is_token_event) {
            if target.get("type").and_then(Value::as_str) == Some("Token")
                && let Some(id) = target.get("id").and_then(Value::as_str)
            {
                ids.insert(id.to_string());
            }
        }
    }
    ids.into_iter().collect()
}

/// Second pass and close: the events of every API token, then the finished collection.
pub(crate) async fn by_token(
    client: &Arc<OktaClient>,
    mut pass: LogPass,
    api_tokens: &Collected,
) -> SystemLog {
    let ids = token_ids(api_tokens, &pass.events);
    if let Some(reason) = api_tokens.as_input() {
        pass.problems.input(format!(
            "events of unlisted API tokens may be missing: {reason}"
        ));
    }
    // A 403 on the type pass would only repeat itself here.
    if !pass.forbidden && !ids.is_empty() {
        let terms: Vec<String> = ids
            .iter()
            .map(|id| format!("{TOKEN_ATTR} eq {}", quoted(id)))
            .collect();
        let filters = or_batches(&terms, MAX_FILTER_CHARS);
        for w in walk_all(client, &pass.tracker, pass.window, filters).await {
            if let Some(e) = &w.error {
                pass.problems.part(e);
            }
            if let Some(s) = w.stopped {
                pass.problems.input(s);
            }
            pass.events.extend(w.events);
        }
    }
    let events = dedupe_sorted(std::mem::take(&mut pass.events));
    let collected = Collected::finish(
        names::SYSTEM_LOG,
        Value::Array(events),
        &pass.problems,
        &pass.tracker,
    );
    let window = pass.window;
    let meta = vec![
        ("since", rfc3339(window.since)),
        ("until", rfc3339(window.until)),
        ("window_days", window.days.to_string()),
        ("filter", pass.filters.join(" or ")),
        ("token_filter", format!("{TOKEN_ATTR} eq \"<token id>\"")),
        ("tokens", ids.len().to_string()),
    ];
    SystemLog { collected, meta }
}

/// Events deduplicated by `uuid` (the first copy wins) and sorted by `published`, then `uuid`.
pub(crate) fn dedupe_sorted(events: Vec<Value>) -> Vec<Value> {
    let mut seen = HashSet::new();
    let mut kept: Vec<Value> = events
        .into_iter()
        .filter(|e| match e.get("uuid").and_then(Value::as_str) {
            Some(uuid) => seen.insert(uuid.to_string()),
            None => true,
        })
        .collect();
    let key = |e: &Value| {
        let text = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        (published(e), text("published"), text("uuid"))
    };
    kept.sort_by_cached_key(key);
    kept
}

/// The finished `system_log` collection with its `meta`.
pub(crate) struct SystemLog {
    collected: Collected,
    meta: Vec<(&'static str, String)>,
}

impl SystemLog {
    /// Writes `system_log.jsonl` and records the window in the manifest's `meta`.
    pub(crate) fn write(self, writer: &mut SnapshotWriter) -> Result<(), SnapshotError> {
        let Collected {
            name,
            data,
            status,
            error,
            stats,
        } = self.collected;
        let lines = match data {
            Value::Array(lines) => lines,
            _ => Vec::new(),
        };
        writer.write_jsonl(name, &lines, status, error, stats)?;
        for (key, value) in &self.meta {
            writer.set_meta(name, key, value);
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn governance_types_fit_one_filter_and_long_lists_are_split_at_or() {
        let terms = type_terms();
        assert_eq!(terms.len(), 13);
        assert!(terms.contains(&"eventType sw \"system.api_token.\"".to_string()));
        assert!(terms.contains(&"eventType eq \"user.session.access_admin_app\"".to_string()));
        let one = or_batches(&terms, MAX_FILTER_CHARS);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].matches(" or ").count(), 12);
        let split = or_batches(&terms, 120);
        assert!(split.len() > 3);
        assert!(split.iter().all(|f| f.len() <= 120));
        assert_eq!(split.join(" or "), one[0]);
        let ids: Vec<String> = (0..2000)
            .map(|i| format!("{TOKEN_ATTR} eq \"00T{i:017}\""))
            .collect();
        let batches = or_batches(&ids, MAX_FILTER_CHARS);
        assert!(batches.iter().all(|f| f.len() <= MAX_FILTER_CHARS));
        assert_eq!(batches.len(), 134, "15 token ids a request");
    }

    #[test]
    fn events_are_deduplicated_by_uuid_and_sorted_by_published_then_uuid() {
        let e = |uuid: &str, published: &str| json!({"uuid": uuid, "published": published});
        let out = dedupe_sorted(vec![
            e("b", "2026-05-01T10:00:00.000Z"),
            e("a", "2026-05-01T10:00:00.000Z"),
            e("c", "2026-04-01T10:00:00Z"),
            e("b", "2026-05-01T10:00:00.000Z"),
        ]);
        let uuids: Vec<&str> = out.iter().map(|v| v["uuid"].as_str().unwrap()).collect();
        assert_eq!(uuids, ["c", "a", "b"]);
    }

    #[test]
    fn token_ids_come_from_the_listing_and_from_token_events() {
        let tokens = Collected {
            name: "api_tokens",
            data: json!([{"id": "00T2"}]),
            status: crate::snapshot::CollectionStatus::Complete,
            error: None,
            stats: Default::default(),
        };
        let events = vec![
            json!({"eventType": "system.api_token.revoke", "target": [{"type": "Token", "id": "00T9"}]}),
            json!({"eventType": "user.account.privilege.grant", "target": [{"type": "Token", "id": "00T7"}]}),
        ];
        assert_eq!(token_ids(&tokens, &events), ["00T2", "00T9"]);
    }
}
