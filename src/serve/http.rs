//! The HTTP side: routes, the headers every response carries, errors as
//! JSON, the session a request must have, and the embedded assets.

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};

use super::admin;
use super::api::{self, State};
use super::auth::{Session, same};
use crate::triage::Role;

/// Nothing but this server's own script, style and API; no frames, no
/// forms elsewhere, no plugins, no inline script or style.
pub(super) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

pub(super) const COOKIE: &str = "wq_session";

pub(super) fn router(state: State) -> Router {
    let state = Arc::new(state);
    Router::new()
        .route(
            "/",
            get(|| async { asset("text/html; charset=utf-8", INDEX) }),
        )
        .route(
            "/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            "/app.css",
            get(|| async { asset("text/css; charset=utf-8", APP_CSS) }),
        )
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/api/login", post(admin::login))
        .route("/api/logout", post(admin::logout))
        .route("/api/me", get(admin::me))
        .route("/api/meta", get(admin::meta))
        .route("/api/cases", get(api::list_cases))
        .route("/api/cases/bulk", post(api::bulk))
        .route("/api/cases/{id}", get(api::case).patch(api::patch_case))
        .route("/api/runs", get(admin::runs))
        .route("/api/export.xlsx", get(admin::export))
        .route("/api/users", get(admin::users).post(admin::add_user))
        .route("/api/users/{name}", delete(admin::remove_user))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "没有这个地址") })
        .layer(middleware::from_fn(headers))
        .with_state(state)
}

const INDEX: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");

fn asset(kind: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, kind)], body).into_response()
}

/// The headers of every response: the CSP, no sniffing, no framing, no
/// referrer, and nothing cached (pages show names and id numbers).
async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut HeaderMap, k: header::HeaderName, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CSP);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::CACHE_CONTROL, "no-store");
    res
}

/// An error as the API reports it: `{"error": 中文说明, "field": name}`.
#[derive(Debug)]
pub(super) struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub field: Option<String>,
    pub extra: Option<(&'static str, serde_json::Value)>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            field: None,
            extra: None,
        }
    }

    /// 400 naming the field at fault.
    pub fn field(field: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            field: Some(field.to_string()),
            ..ApiError::new(StatusCode::BAD_REQUEST, message)
        }
    }

    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("服务器内部错误：{e}"),
        )
    }
}

impl From<crate::error::Error> for ApiError {
    fn from(e: crate::error::Error) -> Self {
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({"error": self.message});
        if let Some(f) = self.field {
            body["field"] = f.into();
        }
        if let Some((k, v)) = self.extra {
            body[k] = v;
        }
        (self.status, axum::Json(body)).into_response()
    }
}

/// The session token of the request's cookie.
pub(super) fn cookie_token(h: &HeaderMap) -> Option<String> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

/// A signed-in request: 401 without a live session (or when the user was
/// removed since; the role is the store's, read on every request).
pub(super) struct Authed {
    pub session: Session,
    pub token: String,
}

impl Authed {
    pub fn role(&self) -> Role {
        self.session.role
    }

    /// A write: 403 without the session's CSRF token, or from a page of
    /// another origin, or for a role below `need`.
    pub fn may_write(&self, parts: &HeaderMap, need: Role) -> Result<(), ApiError> {
        let token = parts
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if token.is_empty() || !same(token, &self.session.csrf) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "缺少或无效的 CSRF 令牌，请刷新页面后重试",
            ));
        }
        if !same_origin(parts) {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "请求来自其他网站"));
        }
        if self.role() < need {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "当前账号无此权限"));
        }
        Ok(())
    }
}

/// `Origin`, when the browser sends one, names this host.
pub(super) fn same_origin(h: &HeaderMap) -> bool {
    let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = h
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| !host.is_empty() && rest == host)
}

impl FromRequestParts<Arc<State>> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &Arc<State>) -> Result<Self, ApiError> {
        let unauth = || ApiError::new(StatusCode::UNAUTHORIZED, "请先登录");
        let token = cookie_token(&parts.headers).ok_or_else(unauth)?;
        let mut session = st
            .sessions
            .touch(&token, st.clock.now(), st.limits)
            .ok_or_else(unauth)?;
        let name = session.user.clone();
        let user = st.pool.run(move |s| s.user(&name)).await?;
        match user {
            Some(u) => session.role = u.role,
            None => {
                st.sessions.remove(&token);
                return Err(unauth());
            }
        }
        Ok(Authed { session, token })
    }
}
