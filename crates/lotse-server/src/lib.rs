//! The HTTP edge of Lotse: the only crate that knows HTTP, JSON, headers and HTML.
//!
//! Routes, error mapping, rate limiting, security headers, metrics, the embedded widget and the
//! server-rendered public pages, and the staff workspace (`admin`). Handlers are thin: they parse, call `lotse-app`, and map errors.

mod admin;
pub mod api;
mod chart;
pub mod error;
mod health;
mod pages;
mod ratelimit;
mod statistik;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use lotse_app::App;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tower_http::cors::{Any, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa::OpenApi;

use crate::error::ApiError;
use crate::ratelimit::RateLimiter;

/// Shared state of all handlers.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    metrics: Option<PrometheusHandle>,
    limiter: Option<Arc<RateLimiter>>,
    admin: Arc<admin::AdminState>,
}

impl AppState {
    /// `metrics`: the process-wide Prometheus recorder handle, if one is installed (see [`install_metrics`]).
    pub fn new(app: App, metrics: Option<PrometheusHandle>) -> Self {
        let rl = &app.config().rate_limit;
        let limiter = rl
            .enabled
            .then(|| Arc::new(RateLimiter::new(rl.per_minute, rl.burst)));
        let admin = Arc::new(admin::AdminState::new(app.config().server.secure_cookies));
        AppState {
            app,
            metrics,
            limiter,
            admin,
        }
    }
}

/// Installs the global Prometheus recorder (once per process).
pub fn install_metrics() -> Option<PrometheusHandle> {
    PrometheusBuilder::new().install_recorder().ok()
}

/// The OpenAPI description, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = api::ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").into();
    doc
}

/// The complete router.
pub fn router(state: AppState) -> Router {
    let limits = &state.app.config().limits;
    let body_limit = limits.max_body_bytes;
    // Recordings are larger than questions: the transcribe and ask routes have their own limit
    // (30 s of 16 kHz 16-bit audio is ~1 MB; `ask` holds JSON to the ordinary limit itself); the
    // outer limit lets them through.
    let audio_limit = state.app.config().speech.max_audio_bytes();
    let timeout = Duration::from_secs(state.app.config().server.request_timeout_secs.max(1));

    // The widget is embedded on job centres' own sites, so the public API answers any origin.
    // (Per-tenant allowed origins come with tenant settings.) No credentials are ever used.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE]);
    let public_api = Router::new()
        .route(
            "/api/v1/tenants/{tenant}/ask",
            post(api::ask).layer(DefaultBodyLimit::max(audio_limit)),
        )
        .route("/api/v1/tenants/{tenant}/feedback", post(api::feedback))
        .route("/api/v1/tenants/{tenant}/answers/{id}", get(api::answer))
        .route("/api/v1/tenants/{tenant}/config", get(api::widget_config))
        .route(
            "/api/v1/tenants/{tenant}/transcribe",
            post(api::transcribe).layer(DefaultBodyLimit::max(audio_limit)),
        )
        .route(
            "/api/v1/tenants/{tenant}/answers/{id}/speech",
            get(api::answer_speech),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), widget_origin))
        .route_layer(middleware::from_fn_with_state(state.clone(), rate_limit))
        .layer(cors.clone());

    Router::new()
        .merge(public_api)
        .merge(admin::routes(&state))
        .route("/widget.js", get(pages::widget_js).layer(cors))
        .route("/assets/page.css", get(pages::page_css))
        .merge(
            Router::new()
                .route("/t/{tenant}", get(pages::chat_page))
                .route("/t/{tenant}/datenschutz", get(pages::privacy_page))
                .route(
                    "/t/{tenant}/barrierefreiheit",
                    get(pages::accessibility_page),
                )
                .route("/t/{tenant}/statistik", get(statistik::page))
                .route_layer(middleware::from_fn_with_state(
                    state.clone(),
                    tenant_page_frames,
                )),
        )
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics_text))
        .route("/api/docs", get(pages::api_docs))
        .route("/api/openapi.json", get(pages::openapi_json))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(RequestBodyLimitLayer::new(body_limit.max(audio_limit)))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        // Outside the time limit, so that its empty 503 is rewritten into a JSON error too.
        .layer(middleware::from_fn(map_plain_errors))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP_NO_FRAMES),
        ))
        .with_state(state)
}

/// The Content-Security-Policy of every response: no inline or foreign scripts, no plugins,
/// and no framing. (Staff pages set the same with their own headers.)
pub(crate) const CSP_NO_FRAMES: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A tenant's public pages (`/t/{tenant}…`) may be framed by the tenant's own sites: the
/// tenant setting `allowed_origins` (a list of `https://host[:port]`). Anything else in the
/// list is ignored, so a setting can never widen the policy beyond `frame-ancestors`.
async fn tenant_page_frames(
    State(state): State<AppState>,
    axum::extract::Path(params): axum::extract::Path<std::collections::HashMap<String, String>>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let Some(tenant) = params.get("tenant") else {
        return response;
    };
    let origins = state
        .app
        .kb(tenant)
        .map(|kb| kb.allowed_origins.clone())
        .unwrap_or_default();
    if origins.is_empty() {
        return response;
    }
    let policy = CSP_NO_FRAMES.replace(
        "frame-ancestors 'none'",
        &format!("frame-ancestors 'self' {}", origins.join(" ")),
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "Diese Seite gibt es nicht.",
        "No such route.",
    )
}

/// The widget's embed check: when a tenant lists the web sites allowed to embed its widget
/// (`allowed_origins`), a browser request to its public API from another site is refused (403
/// `origin_not_allowed`). Requests without an `Origin` header (not from a browser page) and
/// from this server's own pages (`/t/{tenant}`) pass; CORS itself stays open because the check
/// answers with a readable error instead of an opaque CORS failure.
async fn widget_origin(
    State(state): State<AppState>,
    axum::extract::Path(params): axum::extract::Path<std::collections::HashMap<String, String>>,
    request: Request,
    next: Next,
) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok());
    let allowed = match (origin, params.get("tenant")) {
        (Some(origin), Some(tenant)) => match state.app.kb(tenant) {
            Ok(kb) if !kb.allowed_origins.is_empty() => {
                let own = request
                    .headers()
                    .get(header::HOST)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|host| {
                        origin
                            .strip_prefix("https://")
                            .or_else(|| origin.strip_prefix("http://"))
                            == Some(host)
                    });
                own || kb.allowed_origins.iter().any(|o| o == origin)
            }
            _ => true,
        },
        _ => true,
    };
    if !allowed {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            "Das Chat-Fenster dieses Jobcenters ist für diese Webseite nicht freigegeben.",
            "This site is not in the tenant's allowed_origins.",
        )
        .into_response();
    }
    next.run(request).await
}

/// Rewrites bodies that tower layers produce as plain text (413, 408/503 timeouts, 405) into
/// the common JSON error format.
async fn map_plain_errors(request: Request, next: Next) -> Response {
    let audio = request.uri().path().ends_with("/transcribe");
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json || response.status().is_success() || response.status().is_redirection() {
        return response;
    }
    match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE if audio => error::audio_too_large().into_response(),
        StatusCode::PAYLOAD_TOO_LARGE => error::payload_too_large().into_response(),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Diese Aktion ist hier nicht möglich.",
            "Method not allowed.",
        )
        .into_response(),
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "Die Anfrage hat zu lange gedauert. Bitte versuchen Sie es noch einmal.",
            "The request timed out.",
        )
        .into_response(),
        _ => response,
    }
}

/// The client's address: the peer, or behind a trusted reverse proxy (`server.trusted_proxies`)
/// the last address in `X-Forwarded-For` that is not one of those proxies.
pub(crate) fn client_ip(state: &AppState, request: &Request) -> IpAddr {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |ConnectInfo(addr)| addr.ip());
    forwarded_client(
        peer,
        request.headers().get_all("x-forwarded-for"),
        &state.app.config().server.trusted_proxies,
    )
}

fn forwarded_client<'a>(
    peer: IpAddr,
    forwarded: impl IntoIterator<Item = &'a HeaderValue>,
    trusted: &[IpAddr],
) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<IpAddr> = forwarded
        .into_iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map_while(|hop| hop.trim().parse().ok())
        .collect();
    hops.into_iter()
        .rev()
        .find(|hop| !trusted.contains(hop))
        .unwrap_or(peer)
}

/// Per-client rate limit on the public API. The address is only a map key (never stored).
async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Some(limiter) = &state.limiter {
        let client = client_ip(&state, &request);
        if let Err(retry_after) = limiter.check(client) {
            metrics::counter!("lotse_rate_limited_total").increment(1);
            return ApiError::too_many_requests(retry_after).into_response();
        }
    }
    next.run(request).await
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    let mut text = state
        .metrics
        .as_ref()
        .map(PrometheusHandle::render)
        .unwrap_or_default();
    text.push_str(&format!(
        "# TYPE lotse_tenants gauge\nlotse_tenants {}\n",
        state.app.tenant_ids().len()
    ));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let proxy = [ip("127.0.0.1")];
        let header = [HeaderValue::from_static("203.0.113.9, 198.51.100.7")];
        // Directly connected: the header is whatever the client wrote, so it is ignored.
        assert_eq!(
            forwarded_client(ip("192.0.2.1"), &header, &proxy),
            ip("192.0.2.1")
        );
        // Behind the proxy: the last hop the proxy added is the client.
        assert_eq!(
            forwarded_client(ip("127.0.0.1"), &header, &proxy),
            ip("198.51.100.7")
        );
        // Two proxies in a row: skip the trusted one.
        let two = [ip("127.0.0.1"), ip("10.0.0.5")];
        let chain = [HeaderValue::from_static("198.51.100.7, 10.0.0.5")];
        assert_eq!(
            forwarded_client(ip("127.0.0.1"), &chain, &two),
            ip("198.51.100.7")
        );
        // No header, or garbage: the peer.
        assert_eq!(
            forwarded_client(ip("127.0.0.1"), &[], &proxy),
            ip("127.0.0.1")
        );
        let junk = [HeaderValue::from_static("unknown")];
        assert_eq!(
            forwarded_client(ip("127.0.0.1"), &junk, &proxy),
            ip("127.0.0.1")
        );
    }
}
