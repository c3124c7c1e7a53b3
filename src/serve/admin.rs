//! Signing in and out, what the pages need to draw their filters, the
//! runs with their series, the workbook export and user management.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::api::{State, json_object, parse_query};
use super::auth::{decoy_hash, hash_password, verify_password};
use super::http::{ApiError, Authed, COOKIE, same_origin};
use crate::finding::{Category, Severity};
use crate::triage::{Mark, Role, Status};

type Shared = axum::extract::State<Arc<State>>;

fn text_field(body: &serde_json::Map<String, Value>, k: &str) -> Result<String, ApiError> {
    body.get(k)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| ApiError::field(k, format!("缺少 `{k}`")))
}

/// `POST /api/login` `{"user", "password"}`: a session cookie and the
/// session's CSRF token; 401 for a wrong name or password, 429 while the
/// name or address is locked out.
pub(super) async fn login(
    st: Shared,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    // A page of another site must not sign a browser in (login CSRF).
    if !same_origin(&headers) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "请求来自其他网站"));
    }
    let body = json_object(&body)?;
    let user = text_field(&body, "user")?;
    let password = text_field(&body, "password")?;
    let now = st.clock.now();
    if let Some(wait) = st.limiter.locked(&user, addr.ip(), now) {
        let mut res = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("登录失败次数过多，请 {} 分钟后再试", (wait + 59) / 60),
        )
        .into_response();
        if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(res);
    }
    let name = user.clone();
    let found = st
        .pool
        .run(move |s| {
            let u = s.user(&name)?;
            // Verify against a decoy for an unknown name: the same cost.
            let hash = u
                .as_ref()
                .map_or(decoy_hash(), |u| u.password_hash.as_str());
            let ok = verify_password(&password, hash);
            Ok(u.filter(|_| ok))
        })
        .await?;
    let Some(u) = found else {
        st.limiter.failed(&user, addr.ip(), now);
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "用户名或密码错误"));
    };
    st.limiter.succeeded(&user);
    let (token, session) = st.sessions.create(&u.name, u.role, now, st.limits);
    let cookie = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict");
    let mut res = Json(json!({
        "csrf": session.csrf,
        "user": u.name,
        "role": u.role,
    }))
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// `POST /api/logout` (with the CSRF token): the session ends.
pub(super) async fn logout(
    who: Authed,
    headers: HeaderMap,
    st: Shared,
) -> Result<Response, ApiError> {
    who.may_write(&headers, Role::Viewer)?;
    st.sessions.remove(&who.token);
    let gone = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    let mut res = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&gone) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// `GET /api/me`: who is signed in, and the session's CSRF token (a
/// reloaded page has lost it).
pub(super) async fn me(who: Authed) -> Json<Value> {
    Json(json!({
        "user": who.session.user,
        "role": who.role(),
        "role_label": who.role().label_zh(),
        "can_edit": who.role().can_edit(),
        "is_admin": who.role() == Role::Admin,
        "csrf": who.session.csrf,
    }))
}

/// `GET /api/meta`: the choices of the queue's filters.
pub(super) async fn meta(st: Shared, _who: Authed) -> Result<Json<Value>, ApiError> {
    let (villages, assignees) = st
        .pool
        .run(|s| Ok((s.distinct("village_code")?, s.distinct("assignee")?)))
        .await?;
    let pair = |code: &str, label: &str| json!({"code": code, "label": label});
    let statuses: Vec<Value> = Status::ALL
        .iter()
        .map(|s| pair(s.as_str(), s.label_zh()))
        .collect();
    let categories: Vec<Value> = Category::ALL
        .iter()
        .map(|c| pair(c.as_str(), c.label_zh()))
        .collect();
    let severities: Vec<Value> = [
        (Severity::High, "高"),
        (Severity::Medium, "中"),
        (Severity::Low, "低"),
    ]
    .iter()
    .map(|(s, l)| pair(s.as_str(), l))
    .collect();
    let marks: Vec<Value> = [Mark::New, Mark::Recurring, Mark::Reopened, Mark::Gone]
        .iter()
        .map(|m| pair(m.as_str(), m.label_zh()))
        .collect();
    let rules: Vec<Value> = st.rules.iter().map(|r| pair(&r.code, &r.name)).collect();
    let assignees: Vec<String> = assignees.into_iter().filter(|a| !a.is_empty()).collect();
    Ok(Json(json!({
        "statuses": statuses,
        "categories": categories,
        "severities": severities,
        "marks": marks,
        "rules": rules,
        "villages": villages,
        "assignees": assignees,
    })))
}

/// Runs kept in the series of the runs page.
const SERIES_RUNS: i64 = 30;

/// `GET /api/runs`: every run with its counts, and the cases in each queue
/// by village and by category over the last runs.
pub(super) async fn runs(st: Shared, _who: Authed) -> Result<Json<Value>, ApiError> {
    let state = st.0.clone();
    let out = st
        .pool
        .run(move |s| {
            let runs = s.runs()?;
            let latest = runs.last().map_or(0, |r| r.run_id);
            let cached = state
                .series
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            let series = match cached {
                Some((at, v)) if at == latest => v,
                _ => {
                    let rows = s.run_series(latest - SERIES_RUNS + 1)?;
                    let v = series_json(&rows);
                    *state.series.lock().unwrap_or_else(|e| e.into_inner()) =
                        Some((latest, v.clone()));
                    v
                }
            };
            Ok(json!({"runs": runs, "series": series}))
        })
        .await?;
    Ok(Json(out))
}

/// `{"runs": [ids], "village": {code: [count per run]}, "category": {…}}`.
fn series_json(rows: &[(i64, String, String, i64)]) -> Value {
    let runs: Vec<i64> = rows
        .iter()
        .map(|r| r.0)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let at = |run: i64| runs.iter().position(|r| *r == run).unwrap_or(0);
    let mut village: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    let mut category: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for (run, v, c, n) in rows {
        village
            .entry(v.as_str())
            .or_insert_with(|| vec![0; runs.len()])[at(*run)] += n;
        category
            .entry(c.as_str())
            .or_insert_with(|| vec![0; runs.len()])[at(*run)] += n;
    }
    json!({"runs": runs, "village": village, "category": category})
}

/// `GET /api/export.xlsx?<the queue's filters>`: the workbook of `cases
/// export` (numbers masked for viewers).
pub(super) async fn export(
    st: Shared,
    who: Authed,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let (f, _, _, _) = parse_query(&st, &q, false)?;
    let mask = !who.role().can_edit();
    let bytes = st
        .pool
        .run(move |s| {
            let dir = tempdir_in_temp()?;
            let path = dir.join("export.xlsx");
            let written = crate::triage::export_xlsx(s, &f, &path, mask)
                .and_then(|_| std::fs::read(&path).map_err(|e| crate::Error::io(&path, e)));
            let _ = std::fs::remove_dir_all(&dir);
            written
        })
        .await?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static(
            "attachment; filename=\"cases.xlsx\"; filename*=UTF-8''%E7%BA%BF%E7%B4%A2.xlsx",
        ),
    );
    Ok(res)
}

/// A private folder of our own under the system's temporary folder.
fn tempdir_in_temp() -> crate::error::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("weiquan-export-{}", super::auth::random_hex(8)));
    std::fs::create_dir(&dir).map_err(|e| crate::Error::io(&dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(dir)
}

fn admin_only(who: &Authed) -> Result<(), ApiError> {
    if who.role() == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::FORBIDDEN, "仅管理员可管理用户"))
    }
}

/// `GET /api/users` (admins).
pub(super) async fn users(st: Shared, who: Authed) -> Result<Json<Value>, ApiError> {
    admin_only(&who)?;
    let users = st.pool.run(|s| s.users()).await?;
    Ok(Json(json!({"users": users})))
}

/// `POST /api/users` `{"name", "role", "password"}` (admins, CSRF).
pub(super) async fn add_user(
    st: Shared,
    who: Authed,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    who.may_write(&headers, Role::Admin)?;
    let body = json_object(&body)?;
    let name = text_field(&body, "name")?;
    let role_text = text_field(&body, "role")?;
    let role = Role::parse(&role_text)
        .ok_or_else(|| ApiError::field("role", format!("不认识的角色 `{role_text}`")))?;
    let password = text_field(&body, "password")?;
    if password.chars().count() < MIN_PASSWORD {
        return Err(ApiError::field(
            "password",
            format!("密码至少 {MIN_PASSWORD} 个字符"),
        ));
    }
    let added = st
        .pool
        .run(move |s| {
            let hash = hash_password(&password).map_err(|e| crate::Error::io(s.path(), e))?;
            if s.user(&name)?.is_some() {
                return Ok(None);
            }
            s.add_user(&name, role, &hash)?;
            Ok(s.user(&name)?)
        })
        .await?;
    match added {
        Some(u) => Ok((StatusCode::CREATED, Json(json!(u))).into_response()),
        None => Err(ApiError::field("name", "该用户名已存在")),
    }
}

pub const MIN_PASSWORD: usize = 8;

/// `DELETE /api/users/{name}` (admins, CSRF): the user and their sessions.
pub(super) async fn remove_user(
    st: Shared,
    who: Authed,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    who.may_write(&headers, Role::Admin)?;
    if name.trim() == who.session.user {
        return Err(ApiError::field("name", "不能删除当前登录的账号"));
    }
    let n = name.clone();
    let removed = st.pool.run(move |s| s.remove_user(&n)).await?;
    st.sessions.remove_user(name.trim());
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("没有用户 `{name}`"),
        ))
    }
}
