//! `weiquan serve`'s JSON API, in-process on 127.0.0.1:0: every status
//! code the API promises (401, 403, 400, 404, 409, 429), sessions that
//! expire, masking for viewers, the queue's filters and paging, and edits
//! that neither a scan nor another officer can lose. The pages in a real
//! browser are in `serve_browser`.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Value, json};
use weiquan::finding::{Category, Finding, Severity, sort_findings};
use weiquan::serve::{Clock, RuleInfo, Running, ServeConfig, SessionLimits};
use weiquan::triage::{Role, RunInput, Store};

#[path = "../common/http.rs"]
pub(crate) mod http;
use http::Client;

pub(crate) const XSS: &str =
    "<script>window.__xss=1</script><img src=x onerror=\"window.__xss=1\">";
pub(crate) const ADMIN: (&str, &str) = ("管理员", "admin-pass-1");
pub(crate) const OFFICER: (&str, &str) = ("李明", "officer-pass-1");
pub(crate) const OFFICER2: (&str, &str) = ("王芳", "officer-pass-2");
pub(crate) const VIEWER: (&str, &str) = ("查阅员", "viewer-pass-1");
/// The id number in the kinship case: a viewer must never see it.
pub(crate) const ID_NUMBER: &str = "370102199001011234";

fn finding(
    rule: &str,
    cat: Category,
    sev: Severity,
    village: &str,
    subject: &str,
    score: f64,
) -> Finding {
    let mut f = Finding::new(rule, cat, sev, village, subject)
        .score(score)
        .amount(430_000)
        .message(format!("{subject}的线索：现金支付4,300元"))
        .evidence(json!({
            "limit": "1000.00",
            "lines": [{"row": 9890, "amount": "4300.00", "summary": "购慰问物资"}],
        }));
    f.seal();
    f
}

/// The run's findings: a kinship case naming an id number and an account,
/// one with markup in every text, and 30 small cash cases for paging.
pub(crate) fn findings(kin_amount: i64) -> Vec<Finding> {
    let mut v = vec![
        finding(
            "CSH001",
            Category::CashPayment,
            Severity::Medium,
            "V1",
            "梨营文具店",
            60.0,
        ),
        finding("KIN001", Category::Kinship, Severity::High, "V2", XSS, 85.0),
    ];
    let mut kin = Finding::new("KIN001", Category::Kinship, Severity::High, "V1", ID_NUMBER)
        .score(90.0)
        .amount(kin_amount)
        .message(format!(
            "村干部近亲属{ID_NUMBER}领取低保，账户6212070444050920365"
        ))
        .evidence(json!({
            "cadre": "王玉继",
            "payments": [{"row": 12, "table": "subsidies", "id_number": ID_NUMBER,
                          "bank_account": "6212070444050920365", "amount": "600.00"}],
        }));
    kin.seal();
    v.push(kin);
    v[1].message = format!("{XSS}的线索");
    for i in 0..30 {
        v.push(finding(
            "CSH001",
            Category::CashPayment,
            Severity::Low,
            "V3",
            &format!("S{i:02}"),
            10.0 + i as f64,
        ));
    }
    sort_findings(&mut v);
    v
}

pub(crate) fn run_input() -> RunInput {
    RunInput {
        dataset: "data".into(),
        started_at: "2026-12-01T02:00:00+08:00".into(),
        manifest: json!({"inputs": [
            {"table": "ledger", "path": "data/集体资金收支明细.csv", "format": "csv"},
            {"table": "subsidies", "path": "data/补贴救助发放花名册.xlsx", "format": "xlsx"},
        ]}),
        ran_rules: ["CSH001", "KIN001"].map(String::from).into(),
        villages: ["V1", "V2", "V3"].map(String::from).into(),
        by: "scan".into(),
        ..RunInput::default()
    }
}

pub(crate) struct Served {
    pub _dir: tempfile::TempDir,
    pub db: PathBuf,
    pub clock: Arc<Clock>,
    pub server: Running,
    pub findings: Vec<Finding>,
}

impl Served {
    pub fn client(&self) -> Client {
        Client::new(self.server.addr)
    }

    pub fn login(&self, who: (&str, &str)) -> Client {
        let mut c = self.client();
        let r = c.login(who.0, who.1);
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        c
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    /// The case id of the first finding whose subject is `subject`.
    pub fn case_of(&self, subject: &str) -> String {
        let f = self
            .findings
            .iter()
            .find(|f| f.subject_id == subject)
            .unwrap();
        Store::open_existing(&self.db)
            .unwrap()
            .case_of_finding(&f.finding_id)
            .unwrap()
            .unwrap()
    }
}

/// A store with one run and four users, served on a free loopback port.
pub(crate) fn serve() -> Served {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("weiquan.db");
    let findings = findings(123_456);
    {
        let mut store = Store::open(&db).unwrap();
        store.record_run(&run_input(), &findings).unwrap();
        for ((name, pass), role) in [
            (ADMIN, Role::Admin),
            (OFFICER, Role::Officer),
            (OFFICER2, Role::Officer),
            (VIEWER, Role::Viewer),
        ] {
            let hash = weiquan::serve::hash_password(pass).unwrap();
            store.add_user(name, role, &hash).unwrap();
        }
    }
    let clock = Arc::new(Clock::default());
    let mut config = ServeConfig::new(db.clone(), "127.0.0.1:0".parse().unwrap());
    config.clock = clock.clone();
    config.limits = SessionLimits {
        idle_s: 600,
        max_s: 3600,
    };
    config.rules = vec![
        RuleInfo {
            code: "CSH001".into(),
            name: "cash_payment".into(),
            tables: vec!["ledger".into()],
        },
        RuleInfo {
            code: "KIN001".into(),
            name: "kinship".into(),
            tables: vec!["subsidies".into(), "cadres".into()],
        },
    ];
    let server = weiquan::serve::start(config).unwrap();
    Served {
        _dir: dir,
        db,
        clock,
        server,
        findings,
    }
}

#[test]
fn every_data_request_needs_a_session_and_the_page_carries_a_strict_csp() {
    let s = serve();
    let mut anon = s.client();
    for path in [
        "/api/cases",
        "/api/me",
        "/api/meta",
        "/api/runs",
        "/api/users",
        "/api/export.xlsx",
    ] {
        assert_eq!(anon.get(path).status, 401, "{path}");
    }
    let id = s.case_of("梨营文具店");
    assert_eq!(anon.get(&format!("/api/cases/{id}")).status, 401);
    let r = anon.write(
        "PATCH",
        &format!("/api/cases/{id}"),
        &json!({"status": "open", "version": 1}),
    );
    assert_eq!(
        r.status, 401,
        "a write without a session is 401 before anything else"
    );
    // The page itself (no data in it) loads, with the CSP.
    let page = anon.get("/");
    assert_eq!(page.status, 200);
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    let html = String::from_utf8(page.body).unwrap();
    assert!(
        !html.contains("<script>") && !html.contains("style="),
        "no inline script or style"
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no outside asset"
    );
    assert_eq!(anon.get("/app.js").status, 200);
}

#[test]
fn login_gives_a_strict_httponly_cookie_and_a_csrf_token() {
    let s = serve();
    let mut c = s.client();
    let bad = c.login(OFFICER.0, "wrong password");
    assert_eq!(bad.status, 401);
    assert_eq!(c.login("nobody", "whatever").status, 401);
    assert_eq!(
        c.send("POST", "/api/login", &[], Some(b"{\"user\": 1}"))
            .status,
        400
    );
    let login = format!(
        r#"{{"user": "{}", "password": "{}"}}"#,
        OFFICER.0, OFFICER.1
    );
    let foreign = [("Origin", "http://evil.example")];
    let r = c.send("POST", "/api/login", &foreign, Some(login.as_bytes()));
    assert_eq!(r.status, 403, "no login from another site's page");
    let ok = c.login(OFFICER.0, OFFICER.1);
    assert_eq!(ok.status, 200);
    let cookie = ok.header("set-cookie").unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let body = ok.json();
    assert_eq!(body["role"], "officer");
    assert_eq!(body["csrf"].as_str().unwrap().len(), 64);
    let me = c.get("/api/me").json();
    assert_eq!(me["user"], OFFICER.0);
    assert_eq!(me["csrf"], body["csrf"]);
    // Logging out needs the token too, and ends the session.
    assert_eq!(c.send("POST", "/api/logout", &[], Some(b"{}")).status, 403);
    assert_eq!(c.write("POST", "/api/logout", &json!({})).status, 204);
    assert_eq!(c.get("/api/me").status, 401);
}

#[test]
fn logins_are_rate_limited_and_sessions_expire() {
    let s = serve();
    let mut c = s.client();
    for _ in 0..5 {
        assert_eq!(c.login(OFFICER2.0, "guess").status, 401);
    }
    // Locked: even the right password is refused until the window passes.
    let locked = c.login(OFFICER2.0, OFFICER2.1);
    assert_eq!(locked.status, 429);
    assert!(locked.header("retry-after").is_some());
    assert_eq!(
        c.login(OFFICER.0, OFFICER.1).status,
        200,
        "another name is not locked"
    );
    s.clock.advance(15 * 60);
    let mut again = s.client();
    assert_eq!(again.login(OFFICER2.0, OFFICER2.1).status, 200);

    // Idle past the limit (600 s here): signed out.
    assert_eq!(again.get("/api/me").status, 200);
    s.clock.advance(599);
    assert_eq!(
        again.get("/api/me").status,
        200,
        "each request restarts the idle clock"
    );
    s.clock.advance(601);
    assert_eq!(again.get("/api/me").status, 401);
    // Active, but past the maximum (3600 s): signed out too.
    let mut busy = s.login(OFFICER);
    for _ in 0..7 {
        s.clock.advance(500);
        assert_eq!(busy.get("/api/me").status, 200);
    }
    s.clock.advance(200);
    assert_eq!(busy.get("/api/me").status, 401);
}

#[test]
fn the_queue_filters_pages_and_names_a_bad_parameter() {
    let s = serve();
    let mut c = s.login(OFFICER);
    let all = c.get("/api/cases").json();
    assert_eq!(all["total"], 33);
    let first = &all["cases"][0];
    let keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "amount",
            "assignee",
            "case_id",
            "category",
            "deadline",
            "message",
            "rule",
            "score",
            "severity",
            "status",
            "subject_id",
            "version",
            "village_code"
        ],
        "the fields the API promises, no more"
    );
    assert_eq!(first["subject_id"], ID_NUMBER, "highest score first");
    assert_eq!(first["amount"], 1234.56);

    let v3 = c.get("/api/cases?village=V3&per_page=20&page=2").json();
    assert_eq!(v3["total"], 30);
    assert_eq!(v3["cases"].as_array().unwrap().len(), 10);
    let kin = c
        .get("/api/cases?category=kinship&severity=high&rule=KIN001&mark=new")
        .json();
    assert_eq!(kin["total"], 2);
    let by_name = c.get("/api/cases?rule=kinship").json();
    assert_eq!(by_name["total"], 2, "a rule by its name");
    let text = c.get("/api/cases?q=%E6%96%87%E5%85%B7").json(); // 文具
    assert_eq!(text["total"], 1);
    let pct = c.get("/api/cases?q=%25").json();
    assert_eq!(pct["total"], 0, "% is literal text, not a wildcard");
    let sorted = c.get("/api/cases?sort=village&per_page=1").json();
    assert_eq!(sorted["cases"][0]["village_code"], "V1");

    for (q, field) in [
        ("status=bogus", "status"),
        ("category=x", "category"),
        ("rule=NOPE01", "rule"),
        ("severity=huge", "severity"),
        ("mark=x", "mark"),
        ("sort=x", "sort"),
        ("page=0", "page"),
        ("per_page=100000", "per_page"),
        ("colour=red", "colour"),
    ] {
        let r = c.get(&format!("/api/cases?{q}"));
        assert_eq!(r.status, 400, "{q}");
        assert_eq!(r.json()["field"], field, "{q}");
    }
}

#[test]
fn a_case_opens_by_its_id_a_prefix_or_a_finding_id_with_evidence_and_history() {
    let s = serve();
    let mut c = s.login(OFFICER);
    let f = s
        .findings
        .iter()
        .find(|f| f.subject_id == ID_NUMBER)
        .unwrap();
    let by_finding = c.get(&format!("/api/cases/{}", f.finding_id));
    assert_eq!(by_finding.status, 200);
    let case = by_finding.json();
    let id = case["case_id"].as_str().unwrap().to_string();
    assert_eq!(id, s.case_of(ID_NUMBER));
    assert_eq!(
        c.get(&format!("/api/cases/{}", &id[..8])).json()["case_id"],
        id.as_str()
    );
    assert_eq!(case["evidence"][0]["evidence"]["payments"][0]["row"], 12);
    assert_eq!(
        case["files"]["subsidies"]["file"],
        "补贴救助发放花名册.xlsx"
    );
    assert_eq!(case["history"][0]["field"], "status");
    assert_eq!(case["runs"][0]["run_id"], 1);
    assert_eq!(c.get("/api/cases/0000000000000000").status, 404);
    let bad = c.get("/api/cases/not-an-id");
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["field"], "id");
}

#[test]
fn an_edit_needs_the_csrf_token_an_editing_role_valid_fields_and_the_current_version() {
    let s = serve();
    let id = s.case_of("梨营文具店");
    let path = format!("/api/cases/{id}");
    let mut li = s.login(OFFICER);
    let edit = json!({"status": "open", "assignee": "李明", "deadline": "2026-12-31", "note": "已约谈", "version": 1});

    let body = edit.to_string();
    assert_eq!(
        li.send("PATCH", &path, &[], Some(body.as_bytes())).status,
        403,
        "no token"
    );
    let r = li.send(
        "PATCH",
        &path,
        &[("X-CSRF-Token", "0000")],
        Some(body.as_bytes()),
    );
    assert_eq!(r.status, 403, "a wrong token");
    let theirs = s.login(OFFICER2).csrf.unwrap();
    let r = li.send(
        "PATCH",
        &path,
        &[("X-CSRF-Token", &theirs)],
        Some(body.as_bytes()),
    );
    assert_eq!(r.status, 403, "another session's token");
    let token = li.csrf.clone().unwrap();
    let r = li.send(
        "PATCH",
        &path,
        &[("X-CSRF-Token", &token), ("Origin", "http://evil.example")],
        Some(body.as_bytes()),
    );
    assert_eq!(r.status, 403, "a page of another origin");
    let mut viewer = s.login(VIEWER);
    assert_eq!(
        viewer.write("PATCH", &path, &edit).status,
        403,
        "viewers do not edit"
    );

    for (bad, field) in [
        (json!({"status": "closed", "version": 1}), "status"),
        (json!({"deadline": "31/12/2026", "version": 1}), "deadline"),
        (json!({"assignee": 5, "version": 1}), "assignee"),
        (json!({"note": "x".repeat(4001), "version": 1}), "note"),
        (json!({"status": "open"}), "version"),
        (
            json!({"status": "open", "version": 1, "owner": "x"}),
            "owner",
        ),
        (json!({"version": 1}), "status"),
        (json!(["status"]), "body"),
    ] {
        let r = li.write("PATCH", &path, &bad);
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.json()["field"], field, "{bad}");
    }
    let r = li.send(
        "PATCH",
        &path,
        &[("X-CSRF-Token", &token)],
        Some(b"{not json"),
    );
    assert_eq!(r.status, 400);

    let saved = li.write("PATCH", &path, &edit);
    assert_eq!(
        saved.status,
        200,
        "{}",
        String::from_utf8_lossy(&saved.body)
    );
    let case = saved.json();
    assert_eq!(case["version"], 2);
    assert_eq!(case["status"], "open");
    assert_eq!(case["assignee"], "李明");
    let web: Vec<&Value> = case["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["source"] == "web")
        .collect();
    assert_eq!(web.len(), 4, "one history row per field");
    assert!(
        web.iter()
            .all(|h| h["by"] == OFFICER.0 && !h["at"].as_str().unwrap().is_empty())
    );

    // Another officer, on the page as it was (version 1): 409 with the case as it is now.
    let mut wang = s.login(OFFICER2);
    let late = wang.write(
        "PATCH",
        &path,
        &json!({"status": "dismissed", "version": 1}),
    );
    assert_eq!(late.status, 409);
    let current = &late.json()["current"];
    assert_eq!(current["version"], 2);
    assert_eq!(current["status"], "open");
    let store = Store::open_existing(&s.db).unwrap();
    assert_eq!(
        store.case(&id).unwrap().status.as_str(),
        "open",
        "the refused edit wrote nothing"
    );
    // Chinese labels are accepted too; on the current version it goes in.
    let r = wang.write(
        "PATCH",
        &path,
        &json!({"status": "已排除", "deadline": null, "version": 2}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["deadline"], Value::Null);
}

#[test]
fn bulk_edits_go_in_all_together_or_not_at_all() {
    let s = serve();
    let mut c = s.login(OFFICER);
    let page = c.get("/api/cases?village=V3&per_page=3").json();
    let picks: Vec<Value> = page["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| json!({"id": x["case_id"], "version": x["version"]}))
        .collect();
    let mut stale = picks.clone();
    stale[2]["version"] = json!(7);
    let r = c.write(
        "POST",
        "/api/cases/bulk",
        &json!({"cases": stale, "assignee": "张三"}),
    );
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["current"].as_array().unwrap().len(), 1);
    assert_eq!(
        c.get("/api/cases?assignee=%E5%BC%A0%E4%B8%89").json()["total"],
        0,
        "nothing written"
    );
    let r = c.write(
        "POST",
        "/api/cases/bulk",
        &json!({"cases": picks, "assignee": "张三", "status": "open"}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["changed"], 6);
    assert_eq!(
        c.get("/api/cases?assignee=%E5%BC%A0%E4%B8%89").json()["total"],
        3
    );
    let r = c.write(
        "POST",
        "/api/cases/bulk",
        &json!({"cases": [], "status": "open"}),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["field"], "cases");
}

#[test]
fn a_viewer_sees_masked_numbers_and_pseudonyms_that_still_open_the_case() {
    let s = serve();
    let mut v = s.login(VIEWER);
    let list = v.get("/api/cases").json();
    let text = list.to_string();
    assert!(!text.contains(ID_NUMBER), "{text}");
    assert!(!text.contains("6212070444050920365"));
    let top = &list["cases"][0];
    assert_ne!(
        top["case_id"].as_str().unwrap(),
        s.case_of(ID_NUMBER),
        "a pseudonym"
    );
    let one = v.get(&format!("/api/cases/{}", top["case_id"].as_str().unwrap()));
    assert_eq!(one.status, 200);
    let detail = one.json().to_string();
    assert!(
        !detail.contains(ID_NUMBER) && !detail.contains("6212070444050920365"),
        "{detail}"
    );
    assert!(detail.contains("王玉继"), "names are kept");
    let me = v.get("/api/me").json();
    assert_eq!(me["can_edit"], false);
    let x = v.get("/api/export.xlsx");
    assert_eq!(x.status, 200);
    assert!(x.body.starts_with(b"PK"), "an xlsx (zip)");
    assert_eq!(v.get("/api/users").status, 403);
}

#[test]
fn admins_manage_users_and_a_removed_user_is_signed_out() {
    let s = serve();
    let mut admin = s.login(ADMIN);
    let users = admin.get("/api/users").json();
    assert_eq!(users["users"].as_array().unwrap().len(), 4);
    assert!(
        !users.to_string().contains("argon2"),
        "no hash leaves the server"
    );
    let mut officer = s.login(OFFICER);
    assert_eq!(
        officer
            .write(
                "POST",
                "/api/users",
                &json!({"name": "x", "role": "admin", "password": "12345678"})
            )
            .status,
        403
    );
    let r = admin.write(
        "POST",
        "/api/users",
        &json!({"name": "新人", "role": "officer", "password": "short"}),
    );
    assert_eq!(
        (r.status, r.json()["field"].clone()),
        (400, json!("password"))
    );
    let r = admin.write(
        "POST",
        "/api/users",
        &json!({"name": "新人", "role": "boss", "password": "long enough"}),
    );
    assert_eq!((r.status, r.json()["field"].clone()), (400, json!("role")));
    let r = admin.write(
        "POST",
        "/api/users",
        &json!({"name": "新人", "role": "officer", "password": "long enough"}),
    );
    assert_eq!(r.status, 201);
    assert_eq!(
        s.login(("新人", "long enough")).get("/api/me").json()["role"],
        "officer"
    );

    // Removed in the store by another process (`weiquan users remove`).
    assert!(
        Store::open_existing(&s.db)
            .unwrap()
            .remove_user(OFFICER.0)
            .unwrap()
    );
    assert_eq!(officer.get("/api/cases").status, 401);
    assert_eq!(
        admin
            .send("DELETE", "/api/users/%E6%96%B0%E4%BA%BA", &[], None)
            .status,
        403
    );
    let token = admin.csrf.clone().unwrap();
    let r = admin.send(
        "DELETE",
        "/api/users/%E6%96%B0%E4%BA%BA",
        &[("X-CSRF-Token", &token)],
        None,
    );
    assert_eq!(r.status, 204);
    let r = admin.send(
        "DELETE",
        "/api/users/%E6%96%B0%E4%BA%BA",
        &[("X-CSRF-Token", &token)],
        None,
    );
    assert_eq!(r.status, 404);
}

#[test]
fn a_scan_and_an_officer_never_lose_each_others_changes() {
    let s = serve();
    let id = s.case_of(ID_NUMBER);
    let path = format!("/api/cases/{id}");
    let mut c = s.login(OFFICER);
    assert_eq!(c.get(&path).json()["version"], 1);

    // A scan holds the write lock: the edit waits for it, then goes in.
    let blocker = Store::open_existing(&s.db).unwrap();
    blocker
        .connection()
        .execute_batch("BEGIN IMMEDIATE")
        .unwrap();
    let addr = s.server.addr;
    let (cookie, csrf) = (c.cookie.clone(), c.csrf.clone());
    let edit = std::thread::spawn(move || {
        let mut c2 = Client::new(addr);
        c2.cookie = cookie;
        c2.csrf = csrf;
        c2.write("PATCH", &path, &json!({"assignee": "李明", "version": 1}))
            .status
    });
    // Readers are not blocked meanwhile (WAL).
    assert_eq!(c.get("/api/cases").status, 200);
    std::thread::sleep(std::time::Duration::from_millis(300));
    blocker.connection().execute_batch("COMMIT").unwrap();
    assert_eq!(edit.join().unwrap(), 200);

    // The next scan sees the case with changed facts: a new version, the
    // officer's assignee kept, and an edit made on the old page refused.
    let mut store = Store::open(&s.db).unwrap();
    store.record_run(&run_input(), &findings(999_900)).unwrap();
    let now = c.get(&format!("/api/cases/{id}")).json();
    assert_eq!(now["assignee"], "李明");
    assert_eq!(now["version"], 3);
    let r = c.write(
        "PATCH",
        &format!("/api/cases/{id}"),
        &json!({"note": "x", "version": 2}),
    );
    assert_eq!(r.status, 409);
    let mode: String = store
        .connection()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn the_runs_page_has_counts_and_series_by_village_and_category() {
    let s = serve();
    {
        let mut store = Store::open(&s.db).unwrap();
        store.record_run(&run_input(), &findings(999_900)).unwrap();
    }
    let mut c = s.login(VIEWER);
    let r = c.get("/api/runs").json();
    assert_eq!(r["runs"].as_array().unwrap().len(), 2);
    assert_eq!(r["runs"][0]["counts"]["new"], 33);
    assert_eq!(r["series"]["runs"], json!([1, 2]));
    assert_eq!(r["series"]["village"]["V3"], json!([30, 30]));
    assert_eq!(r["series"]["category"]["kinship"], json!([2, 2]));
    let meta = c.get("/api/meta").json();
    assert_eq!(meta["villages"], json!(["V1", "V2", "V3"]));
}
