//! ISO-8601 durations as Okta writes an API token's `tokenWindow` (`P30D`, `PT5M`).

use chrono::TimeDelta;

/// Parses `P[nW][nD][T[nH][nM][nS]]` into a duration. Years and months are refused (their length varies).
pub(crate) fn parse_iso_duration(text: &str) -> Result<TimeDelta, String> {
    let rest = text
        .strip_prefix('P')
        .ok_or_else(|| format!("{text:?} is not an ISO-8601 duration (must start with P)"))?;
    let mut seconds: i64 = 0;
    let mut in_time = false;
    let mut number = String::new();
    let mut saw_unit = false;
    for c in rest.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        if c == 'T' && !in_time && number.is_empty() {
            in_time = true;
            continue;
        }
        let n: i64 = number
            .parse()
            .map_err(|_| format!("{text:?}: a number must come before {c:?}"))?;
        number.clear();
        let unit = match (in_time, c) {
            (false, 'W') => 7 * 86_400,
            (false, 'D') => 86_400,
            (true, 'H') => 3_600,
            (true, 'M') => 60,
            (true, 'S') => 1,
            (false, 'Y' | 'M') => {
                return Err(format!(
                    "{text:?}: years and months are not supported in a tokenWindow; use days (P30D)"
                ));
            }
            _ => return Err(format!("{text:?}: unexpected {c:?}")),
        };
        seconds = n
            .checked_mul(unit)
            .and_then(|s| seconds.checked_add(s))
            .ok_or_else(|| format!("{text:?}: too long"))?;
        saw_unit = true;
    }
    if !number.is_empty() || !saw_unit {
        return Err(format!(
            "{text:?}: incomplete duration (expected e.g. P30D or PT5M)"
        ));
    }
    Ok(TimeDelta::seconds(seconds))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_okta_token_windows() {
        assert_eq!(parse_iso_duration("P30D"), Ok(TimeDelta::days(30)));
        assert_eq!(parse_iso_duration("PT5M"), Ok(TimeDelta::minutes(5)));
        assert_eq!(
            parse_iso_duration("P1DT2H3M4S"),
            Ok(TimeDelta::seconds(86_400 + 7_200 + 180 + 4))
        );
        assert_eq!(parse_iso_duration("P2W"), Ok(TimeDelta::days(14)));
    }

    #[test]
    fn rejects_malformed_durations() {
        for bad in ["30D", "P", "PT", "P1M", "P1Y", "PD", "P30", "P3X"] {
            assert!(parse_iso_duration(bad).is_err(), "{bad} should be rejected");
        }
    }
}
