//! The one HTTP client that talks to Okta: builds every request (auth, User-Agent, Accept), caps
//! requests in flight, waits on the rate limiter, retries 429 / 5xx / transport errors / cut
//! bodies a bounded number of times, and turns error bodies into [`RequestError`]s.

use std::sync::Mutex as StdMutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, HeaderMap, HeaderValue};
use serde_json::Value;
use tokio::sync::{Mutex, Semaphore};
use url::Url;

use super::backoff::{after_429, retry_delay};
use super::config::CollectConfig;
use super::error::{CollectError, RequestError};
use super::oauth::{Authorizer, Recovered, with_challenge};
use super::progress::Tracker;
use super::ratelimit::{RateLimiter, Ticket, bucket_for};

/// Whether a request carries the credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Auth {
    /// Unauthenticated (`/.well-known/okta-organization`).
    None,
    /// With the `Authorization` header.
    Credential,
}

/// A successful response: its URL, headers and parsed JSON body (`null` when empty).
#[derive(Debug)]
pub(crate) struct JsonResponse {
    /// The URL that was fetched.
    pub url: Url,
    /// Response headers (for `Link`).
    pub headers: HeaderMap,
    /// The parsed body.
    pub body: Value,
}

/// How one attempt ended.
enum Attempt {
    Done(Result<JsonResponse, RequestError>),
    Retry {
        wait: Duration,
        error: RequestError,
    },
    /// Present the credential again at once (new token, DPoP nonce).
    Recover,
}

/// The Okta client. Cheap to share behind an `Arc`; never prints its credential.
pub(crate) struct OktaClient {
    http: reqwest::Client,
    origin: Url,
    /// The credential: SSWS, or OAuth 2.0 tokens (with DPoP proofs).
    auth: Authorizer,
    in_flight: Semaphore,
    max_retries: u32,
    timeout: Duration,
    limiter: RateLimiter,
    /// Set once an authenticated request got a non-401 answer.
    verified: AtomicBool,
    /// Serialises authenticated requests until `verified`, so that the first one decides.
    first_request: Mutex<()>,
    /// The 401 that rejected the credential on the first authenticated request.
    rejected: StdMutex<Option<RequestError>>,
}

impl OktaClient {
    /// Builds the client for the org at `origin` (already checked by `org_origin`).
    pub(crate) fn new(config: &CollectConfig, origin: Url) -> Result<Self, CollectError> {
        if config.concurrency == 0 {
            return Err(CollectError::InvalidConfig(
                "concurrency (OKTA_CONCURRENT_LIMIT) must be at least 1".into(),
            ));
        }
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let http = reqwest::Client::builder()
            .user_agent(concat!("tokenwarden/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
            // Okta's API does not redirect; following one could carry the credential elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| CollectError::HttpClient(e.without_url().to_string()))?;
        let auth = Authorizer::new(&config.credentials, &http, &origin, config.max_retries)?;
        Ok(Self {
            http,
            origin,
            auth,
            in_flight: Semaphore::new(config.concurrency),
            max_retries: config.max_retries,
            timeout: config.request_timeout,
            limiter: RateLimiter::new(config.pace_requests, config.concurrency),
            verified: AtomicBool::new(false),
            first_request: Mutex::new(()),
            rejected: StdMutex::new(None),
        })
    }

    /// The org origin every URL must share.
    pub(crate) fn origin(&self) -> &Url {
        &self.origin
    }

    /// The URL of `segments` (each percent-encoded as needed) with `query` pairs.
    pub(crate) fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.origin.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.clear().extend(segments);
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// The credential (OAuth: client id and granted scopes).
    pub(crate) fn auth(&self) -> &Authorizer {
        &self.auth
    }

    /// Gets the first OAuth access token before any collection starts; a refused client is
    /// fatal, like a rejected API token. Nothing to do for an API token.
    pub(crate) async fn authenticate(&self) -> Result<(), CollectError> {
        self.auth.start().await
    }

    /// The 401 that rejected the credential, if the first authenticated request met one.
    pub(crate) fn rejected(&self) -> Option<RequestError> {
        self.rejected.lock().ok()?.clone()
    }

    /// GETs `url` and parses its JSON body, retrying what is worth retrying. Counts every attempt
    /// on `tracker`.
    pub(crate) async fn get_json(
        &self,
        url: &Url,
        auth: Auth,
        tracker: &Tracker,
    ) -> Result<JsonResponse, RequestError> {
        // A collection that needs an OAuth scope that was not granted asks nothing of Okta.
        if auth == Auth::Credential
            && let Some(refused) = self.auth.refuse(tracker.name(), url.path())
        {
            return Err(refused);
        }
        if auth == Auth::Credential && !self.verified.load(Ordering::Acquire) {
            let _first = self.first_request.lock().await;
            if self.rejected().is_some() {
                return Err(RequestError::Aborted {
                    endpoint: url.path().to_string(),
                });
            }
            if !self.verified.load(Ordering::Acquire) {
                let result = self.get_with_retries(url, auth, tracker).await;
                match &result {
                    Err(e @ RequestError::Http { status: 401, .. }) => {
                        if let Ok(mut r) = self.rejected.lock() {
                            *r = Some(e.clone());
                        }
                    }
                    // The server judged the credential: anything but a 401 means it was accepted.
                    Err(RequestError::Http { status, .. }) if *status < 500 => {
                        self.verified.store(true, Ordering::Release);
                    }
                    Ok(_) | Err(RequestError::InvalidJson { .. }) => {
                        self.verified.store(true, Ordering::Release);
                    }
                    // No verdict (5xx, transport errors): the next request decides.
                    Err(_) => {}
                }
                return result;
            }
        }
        self.get_with_retries(url, auth, tracker).await
    }

    async fn get_with_retries(
        &self,
        url: &Url,
        auth: Auth,
        tracker: &Tracker,
    ) -> Result<JsonResponse, RequestError> {
        let bucket = bucket_for(url.path());
        let mut attempt = 0;
        // Fresh credentials after an expired token or a DPoP nonce request, each at most once.
        let mut recovered = Recovered::default();
        loop {
            // Charged to the bucket first, so that waiting for a window holds no permit.
            let ticket = self.limiter.acquire(bucket).await;
            let outcome = {
                let _permit =
                    self.in_flight
                        .acquire()
                        .await
                        .map_err(|_| RequestError::Aborted {
                            endpoint: url.path().to_string(),
                        })?;
                tracker.request();
                self.attempt(url, auth, ticket, attempt, &mut recovered)
                    .await
            };
            match outcome {
                Attempt::Done(result) => return result,
                Attempt::Recover => {}
                Attempt::Retry { wait, error } => {
                    if attempt >= self.max_retries {
                        return Err(error);
                    }
                    tracing::debug!(
                        endpoint = url.path(),
                        attempt = attempt + 1,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "retrying: {error}"
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn attempt(
        &self,
        url: &Url,
        auth: Auth,
        ticket: Ticket<'_>,
        attempt: u32,
        recovered: &mut Recovered,
    ) -> Attempt {
        let endpoint = url.path().to_string();
        let transport = |message: String| Attempt::Retry {
            wait: retry_delay(attempt),
            error: RequestError::Transport {
                endpoint: endpoint.clone(),
                message,
                attempts: attempt + 1,
            },
        };
        let mut request = self.http.get(url.clone());
        let mut presented = None;
        if auth == Auth::Credential {
            match self.auth.present("GET", url).await {
                Ok(p) => {
                    request = request.headers(p.headers.clone());
                    presented = Some(p);
                }
                Err(e) => return Attempt::Done(Err(e)),
            }
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return transport(self.describe(e)),
        };
        let status = response.status();
        let headers = response.headers().clone();
        ticket.answered(&headers);
        let bytes = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return transport(format!("response body cut short: {}", self.describe(e))),
        };
        if let Some(p) = &presented
            && self.auth.recover(status, &headers, &bytes, p, recovered)
        {
            return Attempt::Recover;
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Attempt::Retry {
                wait: after_429(&headers, attempt),
                error: http_error(&endpoint, status, &bytes),
            };
        }
        if status.is_server_error() {
            return Attempt::Retry {
                wait: retry_delay(attempt),
                error: http_error(&endpoint, status, &bytes),
            };
        }
        if !status.is_success() {
            let error = with_challenge(http_error(&endpoint, status, &bytes), &headers);
            return Attempt::Done(Err(error));
        }
        let body = if bytes.iter().all(u8::is_ascii_whitespace) {
            Value::Null
        } else {
            match serde_json::from_slice(&bytes) {
                Ok(v) => v,
                // A cut body is retried like a transport error.
                Err(e) => {
                    return Attempt::Retry {
                        wait: retry_delay(attempt),
                        error: RequestError::InvalidJson {
                            endpoint,
                            message: format!("{e} (after {} attempts)", attempt + 1),
                        },
                    };
                }
            }
        };
        Attempt::Done(Ok(JsonResponse {
            url: url.clone(),
            headers,
            body,
        }))
    }

    /// A transport error without its URL, with its causes.
    fn describe(&self, e: reqwest::Error) -> String {
        if e.is_timeout() {
            return format!("timed out after {} s", self.timeout.as_secs_f64());
        }
        let e = e.without_url();
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        message
    }
}

/// Runs `task` on every input concurrently and returns the results in input order. The client's
/// semaphore, not this, bounds the requests in flight. A panicking task panics the caller.
pub(crate) async fn fan_out<I, O, F, Fut>(inputs: Vec<I>, task: F) -> Vec<O>
where
    O: Send + 'static,
    F: Fn(I) -> Fut,
    Fut: Future<Output = O> + Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    let count = inputs.len();
    for (index, input) in inputs.into_iter().enumerate() {
        let future = task(input);
        set.spawn(async move { (index, future.await) });
    }
    let mut slots: Vec<Option<O>> = (0..count).map(|_| None).collect();
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok((index, output)) => slots[index] = Some(output),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => {}
        }
    }
    slots.into_iter().flatten().collect()
}

/// An error status with Okta's `errorCode`/`errorSummary` (or OAuth's `error`/`error_description`)
/// from the body when it has them.
fn http_error(endpoint: &str, status: StatusCode, body: &[u8]) -> RequestError {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let field = |names: [&str; 2]| {
        names.iter().find_map(|n| {
            parsed
                .as_ref()?
                .get(n)?
                .as_str()
                .map(|s| s.chars().take(300).collect::<String>())
        })
    };
    RequestError::Http {
        endpoint: endpoint.to_string(),
        status: status.as_u16(),
        error_code: field(["errorCode", "error"]),
        summary: field(["errorSummary", "error_description"]),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_yield_okta_and_oauth_codes() {
        let e = http_error(
            "/api/v1/zones",
            StatusCode::FORBIDDEN,
            br#"{"errorCode":"E0000006","errorSummary":"You do not have permission to perform the requested action"}"#,
        );
        assert!(e.is_forbidden());
        assert!(
            e.to_string()
                .contains("HTTP 403 E0000006 (You do not have permission")
        );
        let e = http_error(
            "/api/v1/users",
            StatusCode::FORBIDDEN,
            br#"{"error":"insufficient_scope","error_description":"missing okta.users.read"}"#,
        );
        assert!(e.to_string().contains("insufficient_scope"), "{e}");
        let e = http_error("/x", StatusCode::BAD_GATEWAY, b"<html>");
        assert_eq!(e.to_string(), "GET /x: HTTP 502");
    }
}
