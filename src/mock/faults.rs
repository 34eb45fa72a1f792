//! Fault injection: `--fault KIND:PATH_PREFIX[:TIMES]` and the countdown of each fault.

use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use crate::mock::MockError;

/// A fault to inject on requests whose path starts with `path_prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// What to do instead of (or to) the normal answer.
    pub kind: FaultKind,
    /// Request paths starting with this are affected (query string not included).
    pub path_prefix: String,
    /// How many matching requests are affected; `None` = every one.
    pub times: Option<u32>,
}

/// The kinds of fault the mock can inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// 429 with an E0000047 body, `X-Rate-Limit-Remaining: 0` and a near reset.
    RateLimit,
    /// 500 with an E0000009 body.
    ServerError,
    /// 403 with an E0000006 body.
    Forbidden,
    /// The `next` link points at the same page, forever.
    RepeatNext,
    /// 200 with the JSON body cut in half.
    Truncate,
    /// Sleep this long, then answer normally.
    Slow(Duration),
    /// Every OAuth access token issued so far expires; this request gets 401 E0000011
    /// (`invalid_token`), as a token reaching its end of life mid-scan.
    ExpireTokens,
    /// From now on DPoP proofs to the API must carry a new nonce; this request gets
    /// `401 use_dpop_nonce` with a `DPoP-Nonce`.
    DpopNonce,
}

impl Fault {
    /// A fault that affects every matching request.
    pub fn always(kind: FaultKind, path_prefix: &str) -> Fault {
        Fault {
            kind,
            path_prefix: path_prefix.to_owned(),
            times: None,
        }
    }

    /// A fault that affects the first `times` matching requests.
    pub fn times(kind: FaultKind, path_prefix: &str, times: u32) -> Fault {
        Fault {
            kind,
            path_prefix: path_prefix.to_owned(),
            times: Some(times),
        }
    }
}

impl FromStr for Fault {
    type Err = MockError;

    /// Parses `KIND:PATH_PREFIX[:TIMES]`: `429:/api/v1/users:2`, `403:/api/v1/zones`, `slow=250:/api/v1`,
    /// `expire-tokens:/api/v1/users:1`, `dpop-nonce:/api/v1/zones:1`.
    fn from_str(spec: &str) -> Result<Fault, MockError> {
        let bad = |problem: &str| MockError::FaultSpec {
            spec: spec.to_owned(),
            problem: problem.to_owned(),
        };
        let mut parts = spec.splitn(3, ':');
        let kind = parts.next().unwrap_or_default();
        let kind = match kind {
            "429" => FaultKind::RateLimit,
            "500" => FaultKind::ServerError,
            "403" => FaultKind::Forbidden,
            "repeat-next" => FaultKind::RepeatNext,
            "truncate" => FaultKind::Truncate,
            "expire-tokens" => FaultKind::ExpireTokens,
            "dpop-nonce" => FaultKind::DpopNonce,
            other => match other.strip_prefix("slow=") {
                Some(ms) => FaultKind::Slow(Duration::from_millis(
                    ms.parse()
                        .map_err(|_| bad("slow=MILLIS needs a whole number of milliseconds"))?,
                )),
                None => return Err(bad(&format!("unknown kind {other:?}"))),
            },
        };
        let path_prefix = parts.next().unwrap_or_default();
        if !path_prefix.starts_with('/') {
            return Err(bad("the path prefix must start with /"));
        }
        let times = match parts.next() {
            None => None,
            Some(t) => Some(
                t.parse::<u32>()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| bad("TIMES must be a positive whole number"))?,
            ),
        };
        Ok(Fault {
            kind,
            path_prefix: path_prefix.to_owned(),
            times,
        })
    }
}

/// The configured faults with how many uses each has left.
#[derive(Debug)]
pub(crate) struct FaultBook {
    slots: Mutex<Vec<(Fault, Option<u32>)>>,
}

impl FaultBook {
    /// A book of `faults`, each with its full count.
    pub(crate) fn new(faults: Vec<Fault>) -> FaultBook {
        FaultBook {
            slots: Mutex::new(faults.into_iter().map(|f| (f.clone(), f.times)).collect()),
        }
    }

    /// The first fault that matches `path` and has uses left, using one of them.
    pub(crate) fn take(&self, path: &str) -> Option<FaultKind> {
        let mut slots = self
            .slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        slots.iter_mut().find_map(|(fault, left)| {
            if !path.starts_with(&fault.path_prefix) || *left == Some(0) {
                return None;
            }
            if let Some(n) = left {
                *n -= 1;
            }
            Some(fault.kind)
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_with_and_without_times() {
        let f: Fault = "429:/api/v1/users:2".parse().unwrap();
        assert_eq!(f, Fault::times(FaultKind::RateLimit, "/api/v1/users", 2));
        let f: Fault = "403:/api/v1/zones".parse().unwrap();
        assert_eq!(f, Fault::always(FaultKind::Forbidden, "/api/v1/zones"));
        assert_eq!(
            "500:/api".parse::<Fault>().unwrap().kind,
            FaultKind::ServerError
        );
        assert_eq!(
            "repeat-next:/api/v1/groups".parse::<Fault>().unwrap().kind,
            FaultKind::RepeatNext
        );
        assert_eq!(
            "truncate:/api/v1/api-tokens:1"
                .parse::<Fault>()
                .unwrap()
                .kind,
            FaultKind::Truncate
        );
        assert_eq!(
            "expire-tokens:/api/v1/users:1".parse::<Fault>().unwrap(),
            Fault::times(FaultKind::ExpireTokens, "/api/v1/users", 1)
        );
        assert_eq!(
            "dpop-nonce:/api/v1/zones".parse::<Fault>().unwrap().kind,
            FaultKind::DpopNonce
        );
        assert_eq!(
            "slow=250:/".parse::<Fault>().unwrap().kind,
            FaultKind::Slow(Duration::from_millis(250))
        );
    }

    #[test]
    fn rejects_bad_specs_naming_the_spec() {
        for bad in [
            "",
            "418:/api",
            "429",
            "429:api/v1",
            "429:/api:0",
            "429:/api:x",
            "slow=:/api",
            "slow=abc:/api",
        ] {
            let err = bad.parse::<Fault>().unwrap_err().to_string();
            assert!(err.contains(&format!("{bad:?}")), "{err}");
        }
    }

    #[test]
    fn faults_match_by_prefix_in_order_and_count_down() {
        let book = FaultBook::new(vec![
            Fault::times(FaultKind::RateLimit, "/api/v1/users", 2),
            Fault::always(FaultKind::ServerError, "/api/v1"),
        ]);
        assert_eq!(book.take("/api/v1/users"), Some(FaultKind::RateLimit));
        assert_eq!(book.take("/api/v1/users/00u1"), Some(FaultKind::RateLimit));
        assert_eq!(book.take("/api/v1/users"), Some(FaultKind::ServerError));
        assert_eq!(book.take("/.well-known/okta-organization"), None);
    }
}
