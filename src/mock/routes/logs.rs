//! `GET /api/v1/logs`, the System Log (okta-api.md §6), over the fixture's events.
//!
//! - **Bounded** request (`until` given): events with `since ≤ published < until`, ordered by
//!   `published` then `uuid` (`sortOrder=DESCENDING` reverses), the last page without `next`.
//! - **Polling** request (no `until`, or `MockConfig::logs_ignore_until`): events with
//!   `published ≥ since` in the fixture's file order (its persistence order), and a `next` link on
//!   every page, empty ones included; after the last event the link stays the same. `sortOrder`
//!   is ignored there.
//! - `since` defaults to 7 days before `until` (or before the fixture's `as_of`); a `since` more
//!   than 180 days before `as_of` is 400 E0000053. Retention is not simulated: every fixture event
//!   in the window is served, so a client's window is what keeps old events out.
//! - `limit` 1–1000 (default 100; 0 means the default), above 1000 is 400 E0000001; a forced page
//!   size wins. `since` together with `after` is 400 E0000001. Next links keep `until`, `filter`,
//!   `limit`, `sortOrder` and carry `since` inside the opaque `after` cursor.
//! - `filter`: the SCIM subset of `crate::mock::filter` (`eq ne sw co gt ge lt le pr`, `and`, `or`,
//!   parentheses) on the attributes in [`FILTERABLE`]; `published` is 400 E0000053 (Okta cannot
//!   filter it), other attributes and `co` on `debugContext.debugData.url`/`requestUri` are 400
//!   E0000031. `q` is not supported (400 E0000031).

use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::Value;

use super::Ctx;
use crate::mock::filter::Filter;
use crate::mock::fixture::Event;
use crate::mock::reply::Reply;

/// Attributes a System Log `filter` may name in the mock.
pub(crate) const FILTERABLE: [&str; 17] = [
    "uuid",
    "eventType",
    "legacyEventType",
    "severity",
    "displayMessage",
    "outcome.result",
    "outcome.reason",
    "actor.id",
    "actor.type",
    "actor.alternateId",
    "actor.displayName",
    "client.ipAddress",
    "client.zone",
    "transaction.id",
    "transaction.type",
    "transaction.detail.requestApiTokenId",
    "debugContext.debugData.requestUri",
];
/// `debugContext.debugData.url` may be filtered, but not with `co`.
const URL_ATTRS: [&str; 2] = [
    "debugContext.debugData.url",
    "debugContext.debugData.requestUri",
];
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;
/// Okta refuses a `since` further back than this.
const MAX_SINCE_DAYS: i64 = 180;
/// `since` when neither it nor a cursor is given: this long before `until` (or now).
const DEFAULT_SPAN_DAYS: i64 = 7;

type Answer = Result<Reply, Reply>;

/// Where the previous page ended; encoded into the opaque `after`.
#[derive(Debug, Clone, PartialEq)]
enum Cursor {
    /// Bounded: the `(published, uuid)` of the last event served.
    Bounded {
        since: DateTime<Utc>,
        published: DateTime<Utc>,
        uuid: String,
    },
    /// Polling: how many fixture events (in file order) have been consumed.
    Polling {
        since: DateTime<Utc>,
        position: usize,
    },
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Cursor {
    fn since(&self) -> DateTime<Utc> {
        match self {
            Cursor::Bounded { since, .. } | Cursor::Polling { since, .. } => *since,
        }
    }

    fn encode(&self) -> String {
        let text = match self {
            Cursor::Bounded {
                since,
                published,
                uuid,
            } => format!("b|{}|{}|{uuid}", rfc3339(*since), rfc3339(*published)),
            Cursor::Polling { since, position } => format!("p|{}|{position}", rfc3339(*since)),
        };
        URL_SAFE_NO_PAD.encode(text)
    }

    fn decode(cursor: &str) -> Option<Cursor> {
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
        let time = |s: &str| DateTime::parse_from_rfc3339(s).ok().map(|t| t.to_utc());
        let parts: Vec<&str> = text.split('|').collect();
        match parts.as_slice() {
            ["b", since, published, uuid] => Some(Cursor::Bounded {
                since: time(since)?,
                published: time(published)?,
                uuid: (*uuid).to_owned(),
            }),
            ["p", since, position] => Some(Cursor::Polling {
                since: time(since)?,
                position: position.parse().ok()?,
            }),
            _ => None,
        }
    }
}

fn time_param(ctx: &Ctx<'_>, name: &str) -> Result<Option<DateTime<Utc>>, Reply> {
    match ctx.param(name) {
        None | Some("") => Ok(None),
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|t| Some(t.to_utc()))
            .map_err(|_| Reply::invalid_param(name, "must be an ISO 8601 date-time")),
    }
}

fn limit_param(ctx: &Ctx<'_>) -> Result<usize, Reply> {
    let limit = match ctx.param("limit") {
        None | Some("") => DEFAULT_LIMIT,
        Some(text) => match text.parse::<usize>() {
            Ok(0) => DEFAULT_LIMIT,
            Ok(n) if n <= MAX_LIMIT => n,
            _ => return Err(Reply::invalid_param("limit", "must be between 0 and 1000")),
        },
    };
    Ok(ctx.state.page_size.map_or(limit, |forced| forced.max(1)))
}

fn descending(ctx: &Ctx<'_>) -> Result<bool, Reply> {
    match ctx.param("sortOrder") {
        None | Some("") | Some("ASCENDING") => Ok(false),
        Some("DESCENDING") => Ok(true),
        Some(_) => Err(Reply::invalid_param(
            "sortOrder",
            "must be ASCENDING or DESCENDING",
        )),
    }
}

fn check_filter(filter: &Filter) -> Result<(), Reply> {
    match filter {
        Filter::And(a, b) | Filter::Or(a, b) => check_filter(a).and_then(|()| check_filter(b)),
        Filter::Term { attr, op, .. } => {
            if attr == "published" {
                Err(Reply::error(
                    StatusCode::BAD_REQUEST,
                    "E0000053",
                    "Invalid property: published cannot be filtered; use since and until",
                ))
            } else if URL_ATTRS.contains(&attr.as_str()) && op == "co" {
                Err(Reply::invalid_search(&format!(
                    "{attr} cannot be used with co"
                )))
            } else if FILTERABLE.contains(&attr.as_str()) || URL_ATTRS.contains(&attr.as_str()) {
                Ok(())
            } else {
                Err(Reply::invalid_search(&format!(
                    "the mock cannot filter the System Log on {attr} (only {})",
                    FILTERABLE.join(", ")
                )))
            }
        }
    }
}

fn filter_param(ctx: &Ctx<'_>) -> Result<Option<Filter>, Reply> {
    match ctx.param("filter") {
        None | Some("") => Ok(None),
        Some(text) => {
            let f = Filter::parse(text).map_err(|e| Reply::invalid_search(&e))?;
            check_filter(&f)?;
            Ok(Some(f))
        }
    }
}

/// `GET /api/v1/logs`.
pub(super) fn list(ctx: &Ctx<'_>) -> Answer {
    let limit = limit_param(ctx)?;
    let descending = descending(ctx)?;
    let filter = filter_param(ctx)?;
    if ctx.param("q").is_some_and(|q| !q.is_empty()) {
        return Err(Reply::invalid_search(
            "the mock does not support q; use filter",
        ));
    }
    let until = time_param(ctx, "until")?;
    let since = time_param(ctx, "since")?;
    let cursor = match ctx.param("after") {
        None | Some("") => None,
        Some(text) => Some(
            Cursor::decode(text)
                .ok_or_else(|| Reply::invalid_param("after", "not a cursor this server issued"))?,
        ),
    };
    if since.is_some() && cursor.is_some() {
        return Err(Reply::invalid_param(
            "after",
            "since and after cannot be used together",
        ));
    }
    let now = ctx.state.org.as_of();
    let polling = match &cursor {
        Some(c) => matches!(c, Cursor::Polling { .. }),
        None => until.is_none() || ctx.state.logs_ignore_until,
    };
    let since = cursor
        .as_ref()
        .map(Cursor::since)
        .or(since)
        .unwrap_or_else(|| until.unwrap_or(now) - TimeDelta::days(DEFAULT_SPAN_DAYS));
    if since < now - TimeDelta::days(MAX_SINCE_DAYS) {
        return Err(Reply::error(
            StatusCode::BAD_REQUEST,
            "E0000053",
            "Invalid parameter: since must be within the last 180 days",
        ));
    }
    let matches = |e: &Event| filter.as_ref().is_none_or(|f| f.matches(&e.body));
    let events = &ctx.state.org.logs;
    let (page, next) = if polling {
        let start = match &cursor {
            Some(Cursor::Polling { position, .. }) => *position,
            _ => 0,
        };
        let mut page = Vec::new();
        let mut position = events.len().max(start);
        for (i, e) in events.iter().enumerate().skip(start) {
            if page.len() == limit {
                position = i;
                break;
            }
            if e.published >= since && matches(e) {
                page.push(e);
            }
        }
        (page, Some(Cursor::Polling { since, position }))
    } else {
        let until = until.unwrap_or(now);
        if until <= since {
            return Err(Reply::invalid_param("until", "must be after since"));
        }
        let mut window: Vec<&Event> = events
            .iter()
            .filter(|e| e.published >= since && e.published < until && matches(e))
            .collect();
        window.sort_by(|a, b| (a.published, &a.uuid).cmp(&(b.published, &b.uuid)));
        if descending {
            window.reverse();
        }
        let start = match &cursor {
            Some(Cursor::Bounded {
                published, uuid, ..
            }) => {
                let key = (*published, uuid);
                window
                    .iter()
                    .position(|e| {
                        let k = (e.published, &e.uuid);
                        if descending { k < key } else { k > key }
                    })
                    .unwrap_or(window.len())
            }
            _ => 0,
        };
        let page: Vec<&Event> = window.iter().skip(start).take(limit).copied().collect();
        let next = (start + page.len() < window.len())
            .then(|| page.last())
            .flatten()
            .map(|last| Cursor::Bounded {
                since,
                published: last.published,
                uuid: last.uuid.clone(),
            });
        (page, next)
    };
    let mut reply = Reply::ok(Value::Array(page.iter().map(|e| e.body.clone()).collect()));
    reply.links.push(("self", ctx.self_url()));
    if let Some(cursor) = next {
        reply.links.push(("next", next_link(ctx, &cursor)));
    } else if ctx.repeat_next {
        reply.links.push(("next", ctx.self_url()));
    }
    Ok(reply)
}

/// The next page's URL: this request's parameters without `since`/`after`, plus the cursor.
fn next_link(ctx: &Ctx<'_>, cursor: &Cursor) -> String {
    if ctx.repeat_next {
        return ctx.self_url();
    }
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in ctx
        .query
        .iter()
        .filter(|(k, _)| k != "after" && k != "since")
    {
        query.append_pair(k, v);
    }
    query.append_pair("after", &cursor.encode());
    format!("{}?{}", ctx.url(ctx.path), query.finish())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        for c in [
            Cursor::Bounded {
                since: t("2026-04-01T00:00:00Z"),
                published: t("2026-05-01T10:00:00.123Z"),
                uuid: "a-b-c".into(),
            },
            Cursor::Polling {
                since: t("2026-04-01T00:00:00Z"),
                position: 7,
            },
        ] {
            assert_eq!(Cursor::decode(&c.encode()), Some(c));
        }
        assert_eq!(Cursor::decode("1627500044869_1"), None);
    }

    #[test]
    fn published_and_unknown_attributes_cannot_be_filtered() {
        let check = |text: &str| check_filter(&Filter::parse(text).unwrap());
        assert!(
            check(r#"eventType sw "system.api_token." or (eventType eq "zone.update")"#).is_ok()
        );
        assert!(check(r#"transaction.detail.requestApiTokenId eq "00T1""#).is_ok());
        let published = check(r#"published gt "2026-01-01T00:00:00Z""#).unwrap_err();
        assert_eq!(published.body["errorCode"], "E0000053");
        let unknown = check(r#"target.id eq "x""#).unwrap_err();
        assert_eq!(unknown.body["errorCode"], "E0000031");
        let co = check(r#"debugContext.debugData.url co "/api""#).unwrap_err();
        assert_eq!(co.body["errorCode"], "E0000031");
    }
}
