//! The cases API: the queue a page at a time, one case with its evidence,
//! history and runs, and edits (one case, or several at once) made on the
//! version of each case the officer saw.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Map, Value, json};

use super::auth::{Clock, LoginLimiter, SessionLimits, Sessions};
use super::http::{ApiError, Authed};
use super::pool::Pool;
use super::{RuleInfo, ServeConfig};
use crate::finding::{Category, Severity};
use crate::triage::{
    CaseFilter, CaseRecord, CaseRow, CaseUpdate, Mark, QueueSort, Role, Saved, Status, Store,
};

pub(super) struct State {
    pub pool: Arc<Pool>,
    pub sessions: Sessions,
    pub limiter: LoginLimiter,
    pub clock: Arc<Clock>,
    pub limits: SessionLimits,
    pub rules: Vec<RuleInfo>,
    /// Viewers see keyed pseudonyms of case ids: pseudonym → case id,
    /// rebuilt when a viewer asks for one it does not know.
    pseudonyms: Mutex<HashMap<String, String>>,
    /// The runs page's series, for the latest run id it was made at.
    pub series: Mutex<Option<(i64, Value)>>,
}

impl State {
    pub fn new(c: ServeConfig) -> State {
        State {
            pool: Arc::new(Pool::new(c.db.clone())),
            sessions: Sessions::default(),
            limiter: LoginLimiter::default(),
            clock: c.clock,
            limits: c.limits,
            rules: c.rules,
            pseudonyms: Mutex::new(HashMap::new()),
            series: Mutex::new(None),
        }
    }

    fn rule(&self, code: &str) -> Option<&RuleInfo> {
        self.rules.iter().find(|r| r.code == code)
    }
}

type Shared = axum::extract::State<Arc<State>>;

pub(super) const PER_PAGE_MAX: u64 = 500;

/// The queue's filter, sort and page from the query string; 400 naming
/// the parameter that is not understood.
pub(super) fn parse_query(
    st: &State,
    q: &HashMap<String, String>,
    paged: bool,
) -> Result<(CaseFilter, QueueSort, u64, u64), ApiError> {
    let mut f = CaseFilter::default();
    let some = |k: &str| q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    for k in q.keys() {
        const KNOWN: [&str; 12] = [
            "status", "village", "category", "rule", "severity", "mark", "assignee", "q", "sort",
            "page", "per_page", "_",
        ];
        if !KNOWN.contains(&k.as_str()) {
            return Err(ApiError::field(k, format!("不认识的参数 `{k}`")));
        }
    }
    if let Some(s) = some("status") {
        if s == "all" {
            f.all = true;
        } else {
            for one in s.split(',').map(str::trim).filter(|x| !x.is_empty()) {
                let status = Status::parse(one)
                    .ok_or_else(|| ApiError::field("status", format!("不认识的状态 `{one}`")))?;
                f.statuses.push(status);
            }
        }
    }
    f.village = some("village").map(str::to_string);
    if let Some(c) = some("category") {
        f.category = Some(
            Category::parse(c)
                .ok_or_else(|| ApiError::field("category", format!("不认识的类别 `{c}`")))?,
        );
    }
    if let Some(r) = some("rule") {
        let found = st
            .rules
            .iter()
            .find(|x| x.code.eq_ignore_ascii_case(r) || x.name == r);
        f.rule = Some(match (found, st.rules.is_empty()) {
            (Some(x), _) => x.code.clone(),
            (None, true) => r.to_ascii_uppercase(),
            (None, false) => return Err(ApiError::field("rule", format!("不认识的规则 `{r}`"))),
        });
    }
    if let Some(s) = some("severity") {
        f.severity = Some(
            Severity::parse(s)
                .ok_or_else(|| ApiError::field("severity", format!("不认识的严重程度 `{s}`")))?,
        );
    }
    if let Some(m) = some("mark") {
        f.mark = Some(
            Mark::parse(m).ok_or_else(|| ApiError::field("mark", format!("不认识的标记 `{m}`")))?,
        );
    }
    // Present but empty: the cases nobody has.
    f.assignee = q.get("assignee").map(|a| a.trim().to_string());
    f.text = some("q").map(str::to_string);
    let sort = match some("sort") {
        None => QueueSort::Score,
        Some(s) => QueueSort::parse(s)
            .ok_or_else(|| ApiError::field("sort", format!("不认识的排序 `{s}`")))?,
    };
    let number = |k: &str, default: u64, max: u64| -> Result<u64, ApiError> {
        match some(k) {
            None => Ok(default),
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| ApiError::field(k, format!("`{k}` 应为 1 到 {max} 的整数"))),
        }
    };
    let (page, per_page) = if paged {
        (
            number("page", 1, 1_000_000)?,
            number("per_page", 50, PER_PAGE_MAX)?,
        )
    } else {
        (1, 1)
    };
    Ok((f, sort, page, per_page))
}

/// A case as the queue lists it; `mask` for viewers.
fn item(c: &CaseRow) -> Value {
    json!({
        "case_id": c.case_id,
        "rule": c.rule,
        "category": c.category,
        "severity": c.severity,
        "score": c.score,
        "village_code": c.village_code,
        "subject_id": c.subject_id,
        "amount": c.amount_fen as f64 / 100.0,
        "status": c.status,
        "assignee": c.assignee,
        "deadline": c.deadline,
        "message": c.message,
        "version": c.version,
    })
}

/// What a viewer may see of a case: id and account numbers masked, case
/// id a keyed pseudonym (a case id is a hash of facts that include id
/// numbers).
fn for_role(store: &Store, role: Role, rows: Vec<CaseRow>) -> crate::error::Result<Vec<CaseRow>> {
    if role.can_edit() {
        return Ok(rows);
    }
    let key = store.pii_key()?;
    Ok(rows.iter().map(|c| c.masked(&key)).collect())
}

pub(super) async fn list_cases(
    st: Shared,
    who: Authed,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let (f, sort, page, per_page) = parse_query(&st, &q, true)?;
    let role = who.role();
    let out = st
        .pool
        .run(move |s| {
            let p = s.page(&f, sort, (page - 1) * per_page, per_page)?;
            let cases = for_role(s, role, p.cases)?;
            Ok(json!({"total": p.total, "cases": cases.iter().map(item).collect::<Vec<_>>()}))
        })
        .await?;
    Ok(Json(out))
}

/// The real case id behind what a user typed or clicked: a case id or a
/// unique prefix, a finding id, or (for viewers) a pseudonym.
async fn resolve(st: &Arc<State>, id: &str) -> Result<String, ApiError> {
    let id = id.trim().to_ascii_lowercase();
    if !(4..=16).contains(&id.len()) || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::field(
            "id",
            format!("`{id}` 不是线索编号（16位十六进制）"),
        ));
    }
    let known = st
        .pseudonyms
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&id)
        .cloned();
    if let Some(real) = known {
        return Ok(real);
    }
    let state = st.clone();
    let wanted = id.clone();
    st.pool
        .run(move |s| {
            match s.resolve_plain(&wanted) {
                Ok(Some(real)) => return Ok(Some(real)),
                Ok(None) => {}
                // An ambiguous prefix: no one case.
                Err(_) => return Ok(None),
            }
            // A pseudonym (what viewers see): the map of every case's,
            // made again when one is not in it (a case a later run added).
            let key = s.pii_key()?;
            let all = s.list(&CaseFilter {
                all: true,
                ..CaseFilter::default()
            })?;
            let map: HashMap<String, String> = all
                .into_iter()
                .map(|c| (key.pseudonym(&c.case_id), c.case_id))
                .collect();
            let real = map.get(&wanted).cloned();
            *state.pseudonyms.lock().unwrap_or_else(|e| e.into_inner()) = map;
            match real {
                Some(r) => Ok(Some(r)),
                // A masked finding id: the store hashes every fact.
                None => Ok(s.resolve_id(&wanted).ok()),
            }
        })
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!("没有线索 `{id}`（或编号前缀不唯一）"),
            )
        })
}

/// One case with its evidence, history and runs, as `role` may see it.
fn detail(st: &State, s: &Store, case_id: &str, role: Role) -> crate::error::Result<Value> {
    let CaseRecord {
        case,
        findings,
        history,
    } = s.case_record(case_id, !role.can_edit())?;
    let runs = s.case_runs(case_id)?;
    let files = s.run_inputs(case.last_seen_run)?;
    let mut v = item(&case);
    let rule = st.rule(&case.rule);
    let extra = json!({
        "rule_name": rule.map(|r| r.name.as_str()),
        "rule_tables": rule.map(|r| r.tables.clone()).unwrap_or_default(),
        "related_ids": case.related_ids,
        "n_findings": case.n_findings,
        "note": case.note,
        "first_run": case.first_run,
        "last_seen_run": case.last_seen_run,
        "last_mark": case.last_mark,
        "gone_run": case.gone_run,
        "updated_at": case.updated_at,
        "files": files,
        "evidence": findings.iter().map(crate::report::finding_json).collect::<Vec<_>>(),
        "history": history,
        "runs": runs,
    });
    if let (Value::Object(a), Value::Object(b)) = (&mut v, extra) {
        a.extend(b);
    }
    Ok(v)
}

pub(super) async fn case(
    st: Shared,
    who: Authed,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let real = resolve(&st, &id).await?;
    let role = who.role();
    let state = st.0.clone();
    Ok(Json(
        st.pool.run(move |s| detail(&state, s, &real, role)).await?,
    ))
}

/// The edit a body asks for; 400 naming the first bad field.
fn parse_edit(body: &Map<String, Value>, allow: &[&str]) -> Result<CaseUpdate, ApiError> {
    for k in body.keys() {
        if !allow.contains(&k.as_str()) {
            return Err(ApiError::field(k, format!("不认识的字段 `{k}`")));
        }
    }
    let text = |k: &str, max: usize| -> Result<Option<String>, ApiError> {
        match body.get(k) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(String::new())),
            Some(Value::String(s)) if s.chars().count() <= max => {
                if k != "note" && s.chars().any(char::is_control) {
                    return Err(ApiError::field(k, format!("`{k}` 含控制字符")));
                }
                Ok(Some(s.trim().to_string()))
            }
            Some(Value::String(_)) => Err(ApiError::field(k, format!("`{k}` 超过 {max} 个字"))),
            Some(_) => Err(ApiError::field(k, format!("`{k}` 应为文本"))),
        }
    };
    let status = match text("status", 20)? {
        None => None,
        Some(s) => Some(
            Status::parse(&s)
                .ok_or_else(|| ApiError::field("status", format!("不认识的状态 `{s}`")))?,
        ),
    };
    let deadline = match text("deadline", 10)? {
        None => None,
        Some(d) if d.is_empty() => Some(None),
        Some(d) => {
            let ok = chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map_err(|_| ApiError::field("deadline", format!("期限 `{d}` 应为 YYYY-MM-DD")))?;
            Some(Some(ok.format("%Y-%m-%d").to_string()))
        }
    };
    let update = CaseUpdate {
        case_id: String::new(),
        status,
        assignee: text("assignee", 64)?,
        deadline,
        note: text("note", 4000)?,
    };
    if update.status.is_none()
        && update.assignee.is_none()
        && update.deadline.is_none()
        && update.note.is_none()
    {
        return Err(ApiError::field(
            "status",
            "没有要修改的字段（status、assignee、deadline、note）",
        ));
    }
    Ok(update)
}

fn version_of(v: Option<&Value>, field: &str) -> Result<i64, ApiError> {
    v.and_then(Value::as_i64)
        .ok_or_else(|| ApiError::field(field, "缺少 `version`（页面看到的线索版本）"))
}

pub(super) fn json_object(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::field("body", "请求体应为 JSON 对象")),
        Err(e) => Err(ApiError::field(
            "body",
            format!("请求体不是有效的 JSON：{e}"),
        )),
    }
}

pub(super) async fn patch_case(
    st: Shared,
    who: Authed,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    who.may_write(&headers, Role::Officer)?;
    let body = json_object(&body)?;
    let mut update = parse_edit(
        &body,
        &["status", "assignee", "deadline", "note", "version"],
    )?;
    let version = version_of(body.get("version"), "version")?;
    update.case_id = resolve(&st, &id).await?;
    let by = who.session.user.clone();
    let state = st.0.clone();
    let case_id = update.case_id.clone();
    let (saved, now) = st
        .pool
        .run(move |s| {
            let saved = s.apply_versioned(&[(update, version)], &by, "web")?;
            Ok((saved, detail(&state, s, &case_id, Role::Officer)?))
        })
        .await?;
    match saved {
        Saved::Done(_) => Ok(Json(now)),
        Saved::Conflict(_) => Err(conflict(now)),
    }
}

/// 409 with the current state: one case (PATCH) or a list (bulk).
fn conflict(current: Value) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::CONFLICT,
        "该线索已被他人修改（或被新的扫描更新）：请对照当前内容后重新保存",
    );
    e.extra = Some(("current", current));
    e
}

/// `POST /api/cases/bulk` `{"cases": [{"id", "version"}…], "status"?,
/// "assignee"?, "deadline"?, "note"?}`: the same edit to every case, all
/// or none (409 naming the cases that moved on).
pub(super) async fn bulk(
    st: Shared,
    who: Authed,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    who.may_write(&headers, Role::Officer)?;
    let body = json_object(&body)?;
    let edit = parse_edit(&body, &["status", "assignee", "deadline", "note", "cases"])?;
    let list = match body.get("cases") {
        Some(Value::Array(a)) if !a.is_empty() && a.len() <= PER_PAGE_MAX as usize => a,
        _ => {
            return Err(ApiError::field(
                "cases",
                "`cases` 应为 1 至 500 个 {id, version}",
            ));
        }
    };
    let mut updates = Vec::new();
    for c in list {
        let id = c.get("id").and_then(Value::as_str).unwrap_or("");
        let version = version_of(c.get("version"), "cases")?;
        let mut u = edit.clone();
        u.case_id = resolve(&st, id).await?;
        updates.push((u, version));
    }
    let by = who.session.user.clone();
    let saved = st
        .pool
        .run(move |s| {
            let saved = s.apply_versioned(&updates, &by, "web")?;
            let ids: Vec<String> = updates.iter().map(|(u, _)| u.case_id.clone()).collect();
            let rows = ids
                .iter()
                .map(|id| s.case(id))
                .collect::<crate::error::Result<Vec<_>>>()?;
            Ok((saved, rows))
        })
        .await?;
    match saved {
        (Saved::Done(changes), rows) => Ok(Json(json!({
            "changed": changes.len(),
            "cases": rows.iter().map(item).collect::<Vec<_>>(),
        }))),
        (Saved::Conflict(stale), _) => Err(conflict(stale.iter().map(item).collect())),
    }
}
