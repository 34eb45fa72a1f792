//! The HTTP side: one axum fallback handler that authenticates, injects faults, routes, and adds
//! Okta's headers to every answer; and [`MockServer`], the handle of a running mock.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, DATE, LINK};
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::response::Response;
use chrono::{DateTime, SecondsFormat, Utc};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::mock::faults::{FaultBook, FaultKind};
use crate::mock::oauth::{self, OAuthReply, OAuthState};
use crate::mock::ratelimit::{Buckets, RateHeaders, RateLimitStats, bucket_for};
use crate::mock::reply::{Reply, random_id};
use crate::mock::routes::{Ctx, Route};
use crate::mock::{JwksShape, LinkStyle, MockConfig, MockError, Org, RecordedRequest};

/// Everything the handler shares between requests.
#[derive(Debug)]
pub(crate) struct AppState {
    /// The fixture org.
    pub(crate) org: Org,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base_url: String,
    /// Forced page size for every paged list.
    pub(crate) page_size: Option<usize>,
    /// The shape of the client JWKS list.
    pub(crate) jwks_shape: JwksShape,
    /// `/api/v1/logs` answers in polling mode even when `until` is given.
    pub(crate) logs_ignore_until: bool,
    link_style: LinkStyle,
    rate_limit_reset_secs: u64,
    faults: FaultBook,
    buckets: Buckets,
    log: Mutex<Vec<RecordedRequest>>,
    /// Slid `expiresAt` per token id.
    expiry: Mutex<HashMap<String, DateTime<Utc>>>,
    /// OAuth 2.0: issued access tokens, DPoP nonces, replay caches.
    oauth: OAuthState,
}

impl AppState {
    /// A token's current `expiresAt` when it has slid since the fixture was loaded.
    pub(crate) fn expires_at(&self, token_id: &str) -> Option<String> {
        let expiry = self.expiry.lock().unwrap_or_else(PoisonError::into_inner);
        expiry
            .get(token_id)
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    /// Checks `Authorization`: `Bearer`/`DPoP` access tokens (mock/oauth.rs), else SSWS.
    fn authenticate(
        &self,
        method: &Method,
        path: &str,
        headers: &HeaderMap,
    ) -> Result<(), OAuthReply> {
        let header = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
        match header.and_then(|h| h.split_once(' ')) {
            Some((scheme, token))
                if scheme.eq_ignore_ascii_case("Bearer") || scheme.eq_ignore_ascii_case("DPoP") =>
            {
                let token = token.trim();
                self.oauth
                    .authenticate(&self.base_url, method, path, scheme, token, headers)
            }
            _ => self.authenticate_ssws(header).map_err(OAuthReply::plain),
        }
    }

    /// Checks `Authorization: SSWS <secret>` and slides the token's `expiresAt` to as_of + window.
    fn authenticate_ssws(&self, header: Option<&str>) -> Result<(), Reply> {
        let secret = header
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("SSWS"))
            .map(|(_, secret)| secret.trim())
            .ok_or_else(Reply::invalid_token)?;
        let token_id = self
            .org
            .token_for_secret(secret)
            .ok_or_else(Reply::invalid_token)?;
        let now = self.org.as_of();
        let mut expiry = self.expiry.lock().unwrap_or_else(PoisonError::into_inner);
        let current = expiry.get(token_id).copied().or_else(|| {
            let token = self.org.api_tokens.iter().find(|t| t["id"] == token_id)?;
            let text = token.get("expiresAt")?.as_str()?;
            DateTime::parse_from_rfc3339(text).ok().map(|t| t.to_utc())
        });
        if let Some(expired) = current.filter(|t| *t < now) {
            tracing::warn!(token = token_id, %expired, as_of = %now, "API token expired before the fixture's as_of: 401");
            return Err(Reply::invalid_token());
        }
        if let Some(window) = self.org.token_windows.get(token_id) {
            expiry.insert(token_id.to_owned(), now + *window);
        }
        Ok(())
    }

    /// Answers one request: authentication first, then faults, then the route.
    async fn answer(
        &self,
        method: &Method,
        path: &str,
        path_and_query: &str,
        query: &str,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Answered {
        let auth = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
        let route = Route::resolve(path);
        let token_endpoint = path == oauth::TOKEN_PATH;
        if route != Some(Route::WellKnown)
            && !token_endpoint
            && let Err(refused) = self.authenticate(method, path, headers)
        {
            return refused.into();
        }
        let mut repeat_next = false;
        let mut truncate = false;
        match self.faults.take(path) {
            Some(FaultKind::RateLimit) => {
                return Answered {
                    rate_limited: true,
                    ..Answered::plain(Reply::rate_limited())
                };
            }
            Some(FaultKind::ServerError) => return Answered::plain(Reply::server_error()),
            Some(FaultKind::Forbidden) => return Answered::plain(Reply::forbidden()),
            Some(FaultKind::RepeatNext) => repeat_next = true,
            Some(FaultKind::Truncate) => truncate = true,
            Some(FaultKind::Slow(delay)) => tokio::time::sleep(delay).await,
            Some(FaultKind::ExpireTokens) => return self.oauth.expire_all().into(),
            Some(FaultKind::DpopNonce) => return self.oauth.demand_resource_nonce().into(),
            None => {}
        }
        if token_endpoint {
            let answer = self
                .oauth
                .token(&self.org, &self.base_url, method, headers, body);
            return Answered {
                truncate,
                ..answer.into()
            };
        }
        let reply = match route {
            None => Reply::not_found(path, method.as_str()),
            Some(_) if method != Method::GET => Reply::method_not_allowed(),
            Some(route) => {
                let ctx = Ctx {
                    state: self,
                    path,
                    path_and_query,
                    query: url::form_urlencoded::parse(query.as_bytes())
                        .into_owned()
                        .collect(),
                    repeat_next,
                    authorization: auth,
                };
                route.serve(&ctx)
            }
        };
        Answered {
            truncate,
            ..Answered::plain(reply)
        }
    }
}

/// A route's reply plus what the fault layer does to it on the way out.
struct Answered {
    reply: Reply,
    /// A 429 fault: the rate-limit headers say the bucket is empty.
    rate_limited: bool,
    /// A truncate fault: cut the body in half.
    truncate: bool,
    /// Headers beyond Okta's usual ones (`WWW-Authenticate`, `DPoP-Nonce`, …).
    headers: Vec<(&'static str, String)>,
}

impl Answered {
    fn plain(reply: Reply) -> Answered {
        Answered {
            reply,
            rate_limited: false,
            truncate: false,
            headers: Vec::new(),
        }
    }
}

impl From<OAuthReply> for Answered {
    fn from(answer: OAuthReply) -> Answered {
        Answered {
            headers: answer.headers,
            ..Answered::plain(*answer.reply)
        }
    }
}

/// The axum handler for every request.
async fn handle(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // Only the token endpoint reads a body: a small form.
    let body = if parts.method == Method::POST {
        axum::body::to_bytes(body, 64 * 1024)
            .await
            .unwrap_or_default()
    } else {
        Default::default()
    };
    let method = parts.method.clone();
    let uri = parts.uri.clone();
    let path = uri.path();
    let path_and_query = uri.path_and_query().map_or(path, |pq| pq.as_str());
    // Rate and concurrency limits apply first, to every request (mock/ratelimit.rs).
    let bucket = bucket_for(path);
    let admission = state.buckets.admit(bucket, Utc::now());
    let Answered {
        reply,
        rate_limited,
        truncate,
        headers: extra_headers,
    } = if admission.limited {
        Answered::plain(Reply::rate_limited())
    } else {
        state
            .answer(
                &method,
                path,
                path_and_query,
                uri.query().unwrap_or(""),
                &parts.headers,
                &body,
            )
            .await
    };

    let now = Utc::now();
    let mut rate = admission.headers;
    if rate_limited {
        let ahead = i64::try_from(state.rate_limit_reset_secs).unwrap_or(60);
        rate = RateHeaders {
            limit: state.buckets.limit_of(bucket),
            remaining: 0,
            reset: now.timestamp() + ahead,
        };
    }
    let mut body = serde_json::to_vec(&reply.body).unwrap_or_default();
    if truncate {
        body.truncate(body.len() / 2);
    }
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = reply.status;
    set_headers(response.headers_mut(), &reply, rate, now, state.link_style);
    for (name, value) in extra_headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().append(name, value);
        }
    }
    tracing::debug!(%method, path = path_and_query, status = reply.status.as_u16(), "mock request");
    state
        .log
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(RecordedRequest {
            method: method.to_string(),
            path_and_query: path_and_query.to_owned(),
            status: reply.status.as_u16(),
        });
    response
}

fn set_headers(
    headers: &mut HeaderMap,
    reply: &Reply,
    rate: RateHeaders,
    now: DateTime<Utc>,
    style: LinkStyle,
) {
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let date = now.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let values = [
        (DATE.as_str(), date),
        ("x-okta-request-id", random_id(27)),
        ("x-rate-limit-limit", rate.limit.to_string()),
        ("x-rate-limit-remaining", rate.remaining.to_string()),
        ("x-rate-limit-reset", rate.reset.to_string()),
    ];
    for (name, value) in values {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    let links: Vec<String> = reply
        .links
        .iter()
        .map(|(rel, url)| format!("<{url}>; rel=\"{rel}\""))
        .collect();
    let lines = match style {
        LinkStyle::Separate => links,
        LinkStyle::Joined if links.is_empty() => links,
        LinkStyle::Joined => vec![links.join(", ")],
    };
    for line in lines {
        if let Ok(value) = HeaderValue::from_str(&line) {
            headers.append(LINK, value);
        }
    }
}

/// A running mock Okta server.
#[derive(Debug)]
pub struct MockServer {
    state: Arc<AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl MockServer {
    /// Loads the org, binds `addr` (loopback only; port 0 picks a free port) and starts serving.
    pub async fn start(config: MockConfig, addr: SocketAddr) -> Result<MockServer, MockError> {
        if !addr.ip().is_loopback() {
            return Err(MockError::NotLoopback { addr });
        }
        let org = Org::load(&config.org)?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| MockError::Bind { addr, source })?;
        let local = listener
            .local_addr()
            .map_err(|source| MockError::Bind { addr, source })?;
        let state = Arc::new(AppState {
            org,
            base_url: format!("http://{local}"),
            page_size: config.page_size,
            jwks_shape: config.jwks_shape,
            logs_ignore_until: config.logs_ignore_until,
            link_style: config.link_style,
            rate_limit_reset_secs: config.rate_limit_reset_secs,
            faults: FaultBook::new(config.faults),
            buckets: Buckets::new(config.rate_limits),
            log: Mutex::new(Vec::new()),
            expiry: Mutex::new(HashMap::new()),
            oauth: OAuthState::default(),
        });
        let router = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&state));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, router).with_graceful_shutdown(async {
                // A dropped handle stops the server too.
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "mock Okta server failed");
            }
        });
        Ok(MockServer {
            state,
            stop: Some(stop),
            task,
        })
    }

    /// The server's base URL, `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.state.base_url.clone()
    }

    /// Every request served so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The rate-limit record so far: use per bucket, 429s sent by the limits, peak concurrency.
    pub fn rate_limit_stats(&self) -> RateLimitStats {
        self.state.buckets.stats()
    }

    /// How many 429s the mock has sent (limits and injected faults).
    pub fn rate_limited(&self) -> u64 {
        let log = self
            .state
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        log.iter().filter(|r| r.status == 429).count() as u64
    }

    /// Every OAuth access token issued so far (tests check that none leaks into a snapshot).
    pub fn issued_access_tokens(&self) -> Vec<String> {
        self.state.oauth.issued_tokens()
    }

    /// The fixture's `as_of`, the mock's "now" for data.
    pub fn as_of(&self) -> DateTime<Utc> {
        self.state.org.as_of()
    }

    /// The loaded fixture org.
    pub fn org(&self) -> &Org {
        &self.state.org
    }

    /// Stops accepting requests and waits (at most 5 s) for open ones to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if tokio::time::timeout(Duration::from_secs(5), &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }
}
