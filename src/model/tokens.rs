//! `api_tokens` and `api_token_zones`: API tokens with their derived ages and network conditions.
//!
//! Okta slides a token's `expiresAt` forward by `tokenWindow` on every use, so the last use is
//! approximately `expiresAt − tokenWindow`, and a token whose `expiresAt` still equals
//! `created + tokenWindow` has not been used since it was created.

use chrono::{DateTime, TimeDelta, Utc};
use polars::prelude::DataFrame;

use super::frame::{Cell, FrameBuilder};
use super::json::Loaded;
use super::time::{days_between, format_ts, parse_duration, parse_ts};
use super::users::UserIndex;
use super::{ModelError, table_def};

/// How far `expiresAt` may be from `created + tokenWindow` and still count as never used.
const NEVER_USED_TOLERANCE_SECS: i64 = 60;

/// The zone id Okta uses for "any network zone defined in Okta".
pub const ALL_IP_ZONES: &str = "ALL_IP_ZONES";

/// Derived time facts of one token.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TokenTimes {
    /// tokenWindow in whole days.
    pub window_days: Option<i64>,
    /// Whole days since created.
    pub age_days: Option<i64>,
    /// expiresAt − tokenWindow.
    pub last_used: Option<DateTime<Utc>>,
    /// Whole days since last_used.
    pub idle_days: Option<i64>,
    /// Whole days until expiresAt.
    pub days_until_expiry: Option<i64>,
    /// expiresAt = created + tokenWindow (± tolerance).
    pub never_used: Option<bool>,
}

/// Computes a token's derived times; every input may be missing.
pub fn token_times(
    created: Option<&str>,
    expires_at: Option<&str>,
    token_window: Option<&str>,
    as_of: DateTime<Utc>,
) -> TokenTimes {
    let created = parse_ts(created);
    let expires = parse_ts(expires_at);
    let window = token_window.and_then(parse_duration);
    let last_used = match (expires, window) {
        (Some(e), Some(w)) => e.checked_sub_signed(w),
        _ => None,
    };
    let never_used = match (created, expires, window) {
        (Some(c), Some(e), Some(w)) => c
            .checked_add_signed(w)
            .map(|fresh| (e - fresh).abs() <= TimeDelta::seconds(NEVER_USED_TOLERANCE_SECS)),
        _ => None,
    };
    TokenTimes {
        window_days: window.map(|w| w.num_days()),
        age_days: created.map(|c| days_between(c, as_of)),
        last_used,
        idle_days: last_used.map(|l| days_between(l, as_of)),
        days_until_expiry: expires.map(|e| days_between(as_of, e)),
        never_used,
    }
}

/// Builds `api_tokens` and `api_token_zones`.
pub(crate) fn build(
    tokens: &Loaded,
    users: &UserIndex,
    as_of: DateTime<Utc>,
) -> Result<(DataFrame, DataFrame), ModelError> {
    let mut tb = FrameBuilder::new(table_def("api_tokens")?);
    let mut zb = FrameBuilder::new(table_def("api_token_zones")?);
    for t in tokens.objects()? {
        let id = t.str("id")?;
        let name = t.str("name")?;
        let user_id = t.str("userId")?;
        let created = t.str("created")?;
        let expires_at = t.str("expiresAt")?;
        let window = t.str("tokenWindow")?;
        let times = token_times(
            created.as_deref(),
            expires_at.as_deref(),
            window.as_deref(),
            as_of,
        );
        let network = t.obj("network")?;
        let (connection, include, exclude) = match &network {
            Some(n) => (
                n.str("connection")?.unwrap_or_default(),
                n.str_list("include")?,
                n.str_list("exclude")?,
            ),
            None => (String::new(), Vec::new(), Vec::new()),
        };
        let owner = user_id.as_ref().and_then(|u| users.get(u));
        for (direction, zones) in [("include", &include), ("exclude", &exclude)] {
            for zone in zones {
                zb.push(vec![
                    ("token_id", id.clone().into()),
                    ("token_name", name.clone().into()),
                    ("zone_id", zone.as_str().into()),
                    ("direction", direction.into()),
                ])?;
            }
        }
        tb.push(vec![
            ("id", id.into()),
            ("name", name.into()),
            ("client_name", t.str("clientName")?.into()),
            ("user_id", user_id.into()),
            ("owner_login", owner.and_then(|o| o.login.clone()).into()),
            ("owner_status", owner.and_then(|o| o.status.clone()).into()),
            (
                "owner_user_type",
                owner.and_then(|o| o.user_type.clone()).into(),
            ),
            (
                "owner_type_name",
                owner.and_then(|o| o.type_name.clone()).into(),
            ),
            ("created", created.into()),
            ("last_updated", t.str("lastUpdated")?.into()),
            ("expires_at", expires_at.into()),
            ("token_window_days", Cell::Int(times.window_days)),
            ("age_days", Cell::Int(times.age_days)),
            ("last_used", times.last_used.map(format_ts).into()),
            ("idle_days", Cell::Int(times.idle_days)),
            ("days_until_expiry", Cell::Int(times.days_until_expiry)),
            ("never_used", Cell::Bool(times.never_used)),
            ("network_connection", connection.into()),
            ("include_count", include.len().into()),
            ("exclude_count", exclude.len().into()),
            (
                "includes_all_zones",
                include.iter().any(|z| z == ALL_IP_ZONES).into(),
            ),
        ])?;
    }
    Ok((tb.finish()?, zb.finish()?))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn as_of() -> DateTime<Utc> {
        parse_ts(Some("2026-06-30T12:00:00Z")).unwrap()
    }

    #[test]
    fn last_use_is_expiry_minus_window_and_idle_days_follow() {
        let t = token_times(
            Some("2026-01-02T10:00:00.000Z"),
            Some("2026-07-10T12:00:00.000Z"),
            Some("P30D"),
            as_of(),
        );
        assert_eq!(t.window_days, Some(30));
        assert_eq!(t.age_days, Some(179));
        assert_eq!(
            t.last_used.map(format_ts).as_deref(),
            Some("2026-06-10T12:00:00.000Z")
        );
        assert_eq!(t.idle_days, Some(20));
        assert_eq!(t.days_until_expiry, Some(10));
        assert_eq!(t.never_used, Some(false));
    }

    #[test]
    fn never_used_when_expiry_is_creation_plus_window_within_a_minute() {
        let t = token_times(
            Some("2026-06-20T12:00:00.000Z"),
            Some("2026-07-20T12:00:30.000Z"),
            Some("P30D"),
            as_of(),
        );
        assert_eq!(t.never_used, Some(true));
        assert_eq!(t.idle_days, Some(9), "last use 30 s after creation");
        let short = token_times(
            Some("2026-06-30T11:00:00Z"),
            Some("2026-06-30T11:05:00Z"),
            Some("PT5M"),
            as_of(),
        );
        assert_eq!(short.never_used, Some(true));
        assert_eq!(short.window_days, Some(0));
        assert_eq!(short.days_until_expiry, Some(-1), "expired 55 minutes ago");
    }

    #[test]
    fn missing_inputs_give_nulls_not_panics() {
        let t = token_times(None, Some("garbage"), Some("P30X"), as_of());
        assert_eq!(t, TokenTimes::default());
        let t = token_times(Some("2026-06-01T12:00:00Z"), None, Some("P30D"), as_of());
        assert_eq!(t.age_days, Some(29));
        assert_eq!(t.never_used, None);
        assert_eq!(t.last_used, None);
    }
}
