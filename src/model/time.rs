//! Time arithmetic for derived columns: RFC 3339 instants, ISO-8601 durations, whole-day counts.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

/// Parses an RFC 3339 timestamp as Okta sends it (`2026-03-01T08:15:00.000Z`). `None` when absent
/// or unparseable.
/// Parses a command-line instant (`--as-of`, `--log-until`): RFC 3339, or a date meaning
/// midnight UTC.
pub fn parse_instant(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| format!("{s:?} is not an RFC 3339 time nor a YYYY-MM-DD date"))
}

pub fn parse_ts(s: Option<&str>) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s?.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Formats an instant the way Okta does (milliseconds, `Z`).
pub fn format_ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Whole days from `earlier` to `later`: `floor((later − earlier) / 24 h)`; negative when `later`
/// is before `earlier`.
pub fn days_between(earlier: DateTime<Utc>, later: DateTime<Utc>) -> i64 {
    (later - earlier).num_seconds().div_euclid(86_400)
}

/// Parses an ISO-8601 duration: `P30D`, `PT5M`, `P1DT2H`, `P2W`, `PT1.5S`. Years count 365 days and
/// months 30 (Okta only uses days and minutes). `None` when it is not a duration.
pub fn parse_duration(s: &str) -> Option<TimeDelta> {
    let s = s.trim();
    let rest = s.strip_prefix('P').or_else(|| s.strip_prefix('p'))?;
    if rest.is_empty() {
        return None;
    }
    let mut total_ms: f64 = 0.0;
    let mut in_time = false;
    let mut number = String::new();
    let mut any = false;
    for ch in rest.chars() {
        match ch.to_ascii_uppercase() {
            'T' if !in_time && number.is_empty() => in_time = true,
            c @ ('0'..='9' | '.' | ',') => number.push(if c == ',' { '.' } else { c }),
            unit => {
                let n: f64 = number.parse().ok()?;
                number.clear();
                let secs = match (in_time, unit) {
                    (false, 'Y') => 365.0 * 86_400.0,
                    (false, 'M') => 30.0 * 86_400.0,
                    (false, 'W') => 7.0 * 86_400.0,
                    (false, 'D') => 86_400.0,
                    (true, 'H') => 3_600.0,
                    (true, 'M') => 60.0,
                    (true, 'S') => 1.0,
                    _ => return None,
                };
                total_ms += n * secs * 1000.0;
                any = true;
            }
        }
    }
    if !number.is_empty() || !any || !total_ms.is_finite() {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    TimeDelta::try_milliseconds(total_ms.round() as i64)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        parse_ts(Some(s)).unwrap()
    }

    #[test]
    fn durations_parse_days_minutes_and_combinations() {
        assert_eq!(parse_duration("P30D"), Some(TimeDelta::days(30)));
        assert_eq!(parse_duration("PT5M"), Some(TimeDelta::minutes(5)));
        assert_eq!(
            parse_duration("P1DT2H"),
            Some(TimeDelta::days(1) + TimeDelta::hours(2))
        );
        assert_eq!(parse_duration("P2W"), Some(TimeDelta::days(14)));
        assert_eq!(
            parse_duration("PT1.5S"),
            Some(TimeDelta::milliseconds(1500))
        );
        assert_eq!(parse_duration("PT36H"), Some(TimeDelta::hours(36)));
        for bad in ["", "P", "30D", "PT", "P5", "PX", "P1H", "PT1D"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn day_counts_floor_and_go_negative() {
        let as_of = t("2026-06-30T12:00:00Z");
        assert_eq!(days_between(t("2026-06-29T12:00:00Z"), as_of), 1);
        assert_eq!(days_between(t("2026-06-29T12:00:01Z"), as_of), 0);
        assert_eq!(days_between(t("2026-03-01T12:00:00.000Z"), as_of), 121);
        // Across the EU/US DST switch nothing shifts: everything is UTC.
        assert_eq!(
            days_between(t("2026-03-28T12:00:00Z"), t("2026-03-30T12:00:00Z")),
            2
        );
        assert_eq!(days_between(as_of, t("2026-06-30T11:00:00Z")), -1);
        assert_eq!(days_between(as_of, t("2026-07-07T12:00:00Z")), 7);
        assert_eq!(parse_ts(Some("not a date")), None);
        assert_eq!(format_ts(as_of), "2026-06-30T12:00:00.000Z");
    }
}
