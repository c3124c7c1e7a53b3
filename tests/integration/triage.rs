//! The case store: re-runs that remember, the `cases` commands, the Excel
//! round trip, and consistency when a scan dies mid-write.



use std::collections::BTreeSet;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use calamine::{Data, Reader};
use rust_xlsxwriter::Workbook;
use serde_json::{Value, json};
use weiquan::finding::{Category, Finding, Severity};
use weiquan::triage::{CaseFilter, CaseUpdate, Mark, RunInput, Status, Store};

fn weiquan() -> Command {
    Command::new(env!("CARGO_BIN_EXE_weiquan"))
}

/// A copy of a fixture folder that a test may change.
fn copy_fixture(rel: &str, to: &Path) -> PathBuf {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(crate::common::fixture(rel)).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
    to.to_path_buf()
}

fn scan(data: &Path, out: &Path, db: &Path) -> Value {
    let o = weiquan()
        .args(["scan", "--quiet", "--out"])
        .arg(out)
        .arg("--db")
        .arg(db)
        .arg(data)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    manifest["triage"]["counts"].clone()
}

fn cases(db: &Path, args: &[&str]) -> String {
    let o = weiquan()
        .arg("cases")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "cases {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn list_json(db: &Path, args: &[&str]) -> Vec<Value> {
    let mut a = vec!["list", "--json"];
    a.extend_from_slice(args);
    cases(db, &a)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn dismissed_case_stays_hidden_until_a_payment_changes_its_facts() {
    let tmp = tempfile::tempdir().unwrap();
    let data = copy_fixture("cash_payment/fire", &tmp.path().join("data"));
    let (out, db) = (tmp.path().join("out"), tmp.path().join("weiquan.db"));

    let c = scan(&data, &out, &db);
    assert_eq!(
        (c["new"].as_i64(), c["recurring"].as_i64()),
        (Some(3), Some(0))
    );
    let queue = list_json(&db, &[]);
    assert_eq!(queue.len(), 3);
    let v1 = queue
        .iter()
        .find(|c| c["subject_id"] == "V2025-001")
        .expect("the V2025-001 case");
    let id = v1["case_id"].as_str().unwrap().to_string();

    // The officer dismisses it, by a unique prefix of its id.
    let said = cases(
        &db,
        &[
            "set",
            &id[..6],
            "--status",
            "已排除",
            "--note",
            "经核实为报销垫付",
            "--by",
            "王科长",
        ],
    );
    assert!(said.contains("status: new -> dismissed"), "{said}");

    // Same data: nothing new, the dismissed case out of the queue.
    let c = scan(&data, &out, &db);
    assert_eq!(c["new"], 0, "{c}");
    assert_eq!(c["hidden"], 1, "{c}");
    assert_eq!(c["recurring"], 2, "{c}");
    assert_eq!(c["reopened"], 0, "{c}");
    assert!(list_json(&db, &["--mark", "new"]).is_empty());
    let queue = list_json(&db, &[]);
    assert_eq!(queue.len(), 2);
    assert!(queue.iter().all(|c| c["case_id"] != id.as_str()));
    let dismissed = list_json(&db, &["--status", "dismissed"]);
    assert_eq!(dismissed.len(), 1);
    assert_eq!(dismissed[0]["case_id"], id.as_str());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("\"hidden\":true"), "report marks it hidden");

    // Another cash payment on that voucher: its facts change, it comes back.
    let mut ledger = std::fs::read_to_string(data.join("ledger.csv")).unwrap();
    ledger.push_str("370102001001,V2025-001,2025-03-05,支出,700,购买办公用品,张三,,现金\n");
    std::fs::write(data.join("ledger.csv"), ledger).unwrap();
    let c = scan(&data, &out, &db);
    assert_eq!(c["reopened"], 1, "{c}");
    assert_eq!(c["new"], 0, "{c}");
    assert_eq!(c["hidden"], 0, "{c}");
    let back = list_json(&db, &["--mark", "reopened"]);
    assert_eq!(back.len(), 1);
    assert_eq!(back[0]["case_id"], id.as_str());
    assert_eq!(back[0]["status"], "new");
    assert_eq!(back[0]["amount_fen"], 220_000);
    assert_eq!(
        back[0]["note"], "经核实为报销垫付",
        "the officer's note is kept"
    );

    let show: Value = serde_json::from_str(&cases(&db, &["show", &id, "--json"])).unwrap();
    let history = show["history"].as_array().unwrap();
    let fields: Vec<(&str, &str, &str)> = history
        .iter()
        .map(|h| {
            (
                h["field"].as_str().unwrap(),
                h["by"].as_str().unwrap(),
                h["source"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        fields[1..],
        [
            ("status", "王科长", "cli"),
            ("note", "王科长", "cli"),
            ("status", fields[0].1, "scan"),
        ]
    );
    let last = history.last().unwrap();
    assert_eq!(
        (last["old"].as_str(), last["new"].as_str()),
        (Some("dismissed"), Some("new"))
    );
    assert_eq!(
        last["reason"], "事实变化，重新打开：金额1,500元→2,200元",
        "history says why"
    );
    assert_eq!(
        show["findings"][0]["evidence"]["lines"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // And the text view says it in Chinese.
    let text = cases(&db, &["show", &id]);
    assert!(
        text.contains("已排除 → 新线索（事实变化，重新打开"),
        "{text}"
    );
    let runs = cases(&db, &["runs"]);
    assert_eq!(runs.lines().count(), 4, "a header and three runs: {runs}");

    // A status officers do not have is refused, naming the flag.
    let o = weiquan()
        .args(["cases", "--db"])
        .arg(&db)
        .args(["set", &id, "--status", "已完成"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--status"));
    let o = weiquan()
        .args(["cases", "--db"])
        .arg(&db)
        .args(["set", &id, "--deadline", "明天"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn scan_defaults_its_store_beside_the_output_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out").join("street1");
    let st = weiquan()
        .args(["scan", "--quiet", "--out"])
        .arg(&out)
        .arg(crate::common::fixture("cash_payment/fire"))
        .status()
        .unwrap();
    assert!(st.success());
    assert!(tmp.path().join("out/weiquan.db").is_file());
    let st = weiquan()
        .args(["scan", "--quiet", "--no-db", "--out"])
        .arg(tmp.path().join("x/y"))
        .arg(crate::common::fixture("cash_payment/fire"))
        .status()
        .unwrap();
    assert!(st.success());
    assert!(!tmp.path().join("x/weiquan.db").exists());
    assert!(tmp.path().join("x/y/report.html").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(tmp.path().join("out/weiquan.db"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the store names people: {mode:o}");
    }
    // `cases` on a store that is not there is an error, not a new empty store.
    let o = weiquan()
        .args(["cases", "--db"])
        .arg(tmp.path().join("none.db"))
        .arg("list")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(!tmp.path().join("none.db").exists());
}

// ---- library-level: marks, gone, scope -------------------------------------

fn finding(rule: &str, village: &str, subject: &str, related: &[&str], fen: i64) -> Finding {
    let mut f = Finding::new(
        rule,
        Category::CashPayment,
        Severity::Medium,
        village,
        subject,
    )
    .score(50.0)
    .amount(fen)
    .related(related.iter().map(|s| s.to_string()))
    .message(format!("{subject} {fen}"))
    .evidence(json!({"subject": subject}));
    f.seal();
    f
}

fn input(rules: &[&str], villages: &[&str]) -> RunInput {
    RunInput {
        dataset: "test".into(),
        started_at: "2025-01-01T00:00:00+08:00".into(),
        manifest: json!({}),
        ran_rules: rules.iter().map(|s| s.to_string()).collect(),
        villages: villages.iter().map(|s| s.to_string()).collect(),
        by: "tester".into(),
        ..RunInput::default()
    }
}

/// An officer dismisses the case of `f`.
fn dismiss(store: &mut Store, f: &Finding) {
    store
        .apply_updates(
            &[CaseUpdate {
                case_id: f.case_key(),
                status: Some(Status::Dismissed),
                ..CaseUpdate::default()
            }],
            "tester",
            "cli",
        )
        .unwrap();
}

fn marks(store: &Store, run: i64) -> Vec<(String, String, bool)> {
    let mut st = store
        .connection()
        .prepare("SELECT case_id, mark, hidden FROM run_cases WHERE run_id = ?1 ORDER BY case_id")
        .unwrap();
    st.query_map([run], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn gone_only_for_rules_that_ran_in_villages_present() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(&tmp.path().join("s.db")).unwrap();
    let a = finding("CSH001", "V1", "A", &[], 100_000);
    let b = finding("CSH001", "V1", "B", &[], 100_000);
    let c = finding("ELG001", "V1", "C", &[], 100_000);
    let d = finding("CSH001", "V2", "D", &[], 100_000);
    let all = [a.clone(), b.clone(), c.clone(), d.clone()];
    let t = store
        .record_run(&input(&["CSH001", "ELG001"], &["V1", "V2"]), &all)
        .unwrap();
    assert_eq!(t.counts.new, 4);

    // Run 2 sees only A: ELG001 did not run, V2 is not in the export.
    let t = store
        .record_run(&input(&["CSH001"], &["V1"]), std::slice::from_ref(&a))
        .unwrap();
    assert_eq!((t.counts.recurring, t.counts.gone), (1, 1));
    assert_eq!(t.gone.len(), 1);
    assert_eq!(t.gone[0].subject_id, "B");
    assert_eq!(t.gone[0].last_mark, Mark::Gone);
    let still: BTreeSet<String> = store
        .list(&CaseFilter::default())
        .unwrap()
        .into_iter()
        .map(|c| c.subject_id)
        .collect();
    assert_eq!(still.len(), 4, "gone is a mark, not a status");

    // Run 3: B is back; history records the gap.
    let t = store
        .record_run(&input(&["CSH001"], &["V1"]), &[a.clone(), b.clone()])
        .unwrap();
    assert_eq!((t.counts.recurring, t.counts.gone), (2, 0));
    let case_b = store.case(&b.case_key()).unwrap();
    assert_eq!(case_b.gone_run, None);
    let h = store.history(&case_b.case_id).unwrap();
    let presence: Vec<_> = h
        .iter()
        .filter(|e| e.field == "presence")
        .map(|e| (e.old.clone().unwrap(), e.new.clone().unwrap(), e.run_id))
        .collect();
    assert_eq!(
        presence,
        [
            ("present".into(), "gone".into(), Some(2)),
            ("gone".into(), "present".into(), Some(3))
        ]
    );

    // A dismissed case is never "gone": it is closed.
    dismiss(&mut store, &b);
    let t = store
        .record_run(&input(&["CSH001"], &["V1"]), std::slice::from_ref(&a))
        .unwrap();
    assert_eq!(t.counts.gone, 0);
    assert_eq!(marks(&store, t.run_id).len(), 1);
}

#[test]
fn one_subject_reported_twice_is_one_case_with_a_joint_fingerprint() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(&tmp.path().join("s.db")).unwrap();
    // One voucher, two payees: two findings, one case.
    let p1 = finding("CSH001", "V1", "V-9", &["ID-1"], 150_000);
    let p2 = finding("CSH001", "V1", "V-9", &["ID-2"], 120_000);
    assert_ne!(p1.finding_id, p2.finding_id);
    let t = store
        .record_run(&input(&["CSH001"], &["V1"]), &[p1.clone(), p2.clone()])
        .unwrap();
    assert_eq!(t.counts.new, 1);
    assert_eq!(t.by_finding.len(), 2);
    let case = store.case(&p1.case_key()).unwrap();
    assert_eq!(case.n_findings, 2);
    assert_eq!(case.related_ids, ["ID-1", "ID-2"]);
    store
        .apply_updates(
            &[CaseUpdate {
                case_id: case.case_id.clone(),
                status: Some(Status::Rectified),
                ..CaseUpdate::default()
            }],
            "tester",
            "cli",
        )
        .unwrap();
    // Same two findings in the other order: still hidden.
    let t = store
        .record_run(&input(&["CSH001"], &["V1"]), &[p2.clone(), p1.clone()])
        .unwrap();
    assert_eq!((t.counts.hidden, t.counts.reopened), (1, 0));
    // One of them gone: the facts changed, the case reopens.
    let t = store
        .record_run(&input(&["CSH001"], &["V1"]), std::slice::from_ref(&p1))
        .unwrap();
    assert_eq!(t.counts.reopened, 1);
    let h = store.history(&case.case_id).unwrap();
    assert!(
        h.last().unwrap().reason.contains("不再关联ID-2"),
        "{:?}",
        h.last()
    );
}

#[test]
fn recurring_open_case_records_changed_facts_without_touching_status() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = Store::open(&tmp.path().join("s.db")).unwrap();
    let a = finding("CSH001", "V1", "A", &[], 100_000);
    store
        .record_run(&input(&["CSH001"], &["V1"]), std::slice::from_ref(&a))
        .unwrap();
    store
        .apply_updates(
            &[CaseUpdate {
                case_id: a.case_key(),
                status: Some(Status::Confirmed),
                assignee: Some("李四".into()),
                deadline: Some(Some("2025-06-30".into())),
                ..CaseUpdate::default()
            }],
            "tester",
            "cli",
        )
        .unwrap();
    let a2 = finding("CSH001", "V1", "A", &["P-1"], 130_000);
    let t = store
        .record_run(&input(&["CSH001"], &["V1"]), &[a2])
        .unwrap();
    assert_eq!(t.counts.recurring, 1);
    let c = store.case(&a.case_key()).unwrap();
    assert_eq!(c.status, Status::Confirmed);
    assert_eq!(c.assignee, "李四");
    assert_eq!(c.deadline.as_deref(), Some("2025-06-30"));
    let h = store.history(&c.case_id).unwrap();
    let facts = h
        .iter()
        .find(|e| e.field == "facts")
        .expect("a facts entry");
    assert_eq!(facts.reason, "事实变化：金额1,000元→1,300元；新增关联P-1");
}

// ---- crash consistency -------------------------------------------------------

/// Every row of every table, as text: equal dumps, equal stores.
fn dump(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut out = Vec::new();
    for t in [
        "runs",
        "facts",
        "cases",
        "run_cases",
        "run_findings",
        "history",
    ] {
        let mut st = conn.prepare(&format!("SELECT * FROM {t}")).unwrap();
        let n = st.column_count();
        let rows = st
            .query_map([], |r| {
                let mut s = format!("{t}:");
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i)?;
                    s.push_str(&format!("{v:?}|"));
                }
                Ok(s)
            })
            .unwrap();
        out.extend(rows.map(Result::unwrap));
    }
    out.sort();
    out
}

fn integrity(db: &Path) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    let fk: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(fk, 0, "dangling references");
}

#[test]
fn a_scan_killed_mid_write_leaves_the_store_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let data = copy_fixture("cash_payment/fire", &tmp.path().join("data"));
    let (out, db) = (tmp.path().join("out"), tmp.path().join("weiquan.db"));
    scan(&data, &out, &db);
    let id = list_json(&db, &[])[0]["case_id"]
        .as_str()
        .unwrap()
        .to_string();
    cases(
        &db,
        &["set", &id, "--status", "dismissed", "--by", "tester"],
    );
    // New facts that the killed run would have recorded.
    let mut ledger = std::fs::read_to_string(data.join("ledger.csv")).unwrap();
    ledger.push_str("370102001001,V2025-009,2025-05-01,支出,5000,现金支付工程款,赵六,,现金\n");
    std::fs::write(data.join("ledger.csv"), ledger).unwrap();
    let before = dump(&db);
    let report_before = std::fs::read(out.join("report.html")).unwrap();

    let mut child = weiquan()
        .args(["scan", "--quiet", "--out"])
        .arg(&out)
        .arg("--db")
        .arg(&db)
        .arg(&data)
        .env("WEIQUAN_FAULT_STALL_STORE", "1")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = std::io::BufReader::new(stderr).lines();
    let stalled =
        lines.any(|l| l.is_ok_and(|l| l.contains("stalled inside the store transaction")));
    assert!(stalled, "the scan never reached its store transaction");
    // Half the cases are written, uncommitted: the rollback journal proves it.
    assert!(
        db.with_extension("db-journal").exists(),
        "killed outside a write transaction"
    );
    child.kill().unwrap(); // SIGKILL: no destructor, no rollback runs
    child.wait().unwrap();

    integrity(&db);
    assert_eq!(dump(&db), before, "the killed run left traces in the store");
    assert_eq!(
        std::fs::read(out.join("report.html")).unwrap(),
        report_before,
        "the output folder is the previous run's"
    );
    // The store works on: the next scan records run 2 with the new payment.
    let c = scan(&data, &out, &db);
    assert_eq!(
        (c["new"].as_i64(), c["hidden"].as_i64()),
        (Some(1), Some(1))
    );
    integrity(&db);
    let runs: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT max(run_id) FROM runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(runs, 2);
}

#[test]
fn a_failing_write_inside_the_transaction_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.db");
    let mut store = Store::open(&path).unwrap();
    let a = finding("CSH001", "V1", "A", &[], 100_000);
    let b = finding("CSH001", "V1", "B", &[], 100_000);
    store
        .record_run(&input(&["CSH001"], &["V1"]), std::slice::from_ref(&a))
        .unwrap();
    let before = dump(&path);
    // The disk "fails" on the second case's history row, after the run row,
    // the first case and its facts are written.
    store
        .connection()
        .execute_batch(&format!(
            "CREATE TEMP TRIGGER fail BEFORE INSERT ON main.history WHEN NEW.case_id = '{}'
             BEGIN SELECT RAISE(ABORT, 'injected write failure'); END;",
            b.case_key()
        ))
        .unwrap();
    let a2 = finding("CSH001", "V1", "A", &["X"], 200_000);
    let err = store
        .record_run(&input(&["CSH001"], &["V1"]), &[a2, b.clone()])
        .unwrap_err();
    assert!(err.to_string().contains("injected write failure"), "{err}");
    assert_eq!(dump(&path), before);
    // Same for an officer's batch of edits: the second one fails, the first is undone.
    store
        .connection()
        .execute_batch(
            "DROP TRIGGER fail;
             CREATE TEMP TRIGGER fail2 BEFORE INSERT ON main.history WHEN NEW.field = 'note'
             BEGIN SELECT RAISE(ABORT, 'injected write failure'); END;",
        )
        .unwrap();
    let err = store
        .apply_updates(
            &[CaseUpdate {
                case_id: a.case_key(),
                status: Some(Status::Open),
                note: Some("x".into()),
                ..CaseUpdate::default()
            }],
            "tester",
            "cli",
        )
        .unwrap_err();
    assert!(err.to_string().contains("injected"), "{err}");
    assert_eq!(dump(&path), before);
    integrity(&path);
}

// ---- schema migrations ---------------------------------------------------------

#[test]
fn old_stores_are_migrated_in_order_and_newer_ones_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("old.db");
    Store::create_at_version(&path, 1).unwrap();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 1);
        // Version 1 has no officer view yet.
        assert!(conn.prepare("SELECT * FROM case_queue").is_err());
    }
    let mut store = Store::open(&path).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        weiquan::triage::SCHEMA_VERSION
    );
    let a = finding("CSH001", "V1", "A", &[], 100_000);
    store
        .record_run(&input(&["CSH001"], &["V1"]), &[a])
        .unwrap();
    let status: String = store
        .connection()
        .query_row("SELECT 处理状态 FROM case_queue", [], |r| r.get(0))
        .unwrap();
    assert_eq!(status, "新线索");
    drop(store);

    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let err = Store::open(&path).err().expect("a newer store is refused");
    assert!(err.to_string().contains("newer"), "{err}");
}

#[test]
fn a_version_3_store_keeps_its_facts_when_they_move_to_a_rowid_table() {
    // Version 4 rebuilds `facts` (WITHOUT ROWID before) as a rowid table;
    // run_findings references it. A store written by a version-3 weiquan
    // opens with every fact, case and reference as it was, and runs on.
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("v3.db");
    let a = finding("CSH001", "V1", "A", &["X"], 100_000);
    let b = finding("CSH001", "V2", "B", &[], 250_000);
    {
        let mut old = Store::open_at_version(&path, 3).unwrap();
        assert_eq!(old.schema_version().unwrap(), 3);
        old.record_run(&input(&["CSH001"], &["V1", "V2"]), &[a.clone(), b.clone()])
            .unwrap();
        dismiss(&mut old, &b);
    }
    let facts_sql = |path: &Path| -> String {
        rusqlite::Connection::open(path)
            .unwrap()
            .query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'facts'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert!(facts_sql(&path).contains("WITHOUT ROWID"));
    let before = dump(&path);

    let mut store = Store::open(&path).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        weiquan::triage::SCHEMA_VERSION
    );
    assert!(!facts_sql(&path).contains("WITHOUT ROWID"));
    assert_eq!(dump(&path), before, "every row kept");
    integrity(&path);
    let fk: bool = store
        .connection()
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert!(fk, "foreign keys back on after the migration");
    assert_eq!(store.case_findings(&a.case_key()).unwrap(), vec![a.clone()]);

    // The next run: A recurring, B (dismissed, same facts) hidden; A's
    // changed facts land in the rebuilt table.
    let a2 = finding("CSH001", "V1", "A", &["X", "Y"], 120_000);
    let t = store
        .record_run(&input(&["CSH001"], &["V1", "V2"]), &[a2.clone(), b.clone()])
        .unwrap();
    assert_eq!((t.counts.recurring, t.counts.hidden), (1, 1));
    assert_eq!(store.case_findings(&a.case_key()).unwrap(), vec![a2]);
    assert_eq!(store.case_findings(&b.case_key()).unwrap(), vec![b]);
    drop(store);
    integrity(&path);
}

#[test]
fn a_scan_writes_unchecked_but_officers_edits_stay_checked() {
    // The run's rows are written with CHECK constraints off (their values
    // come from enums); the flag is back on when the run is committed.
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.db");
    let mut store = Store::open(&path).unwrap();
    let a = finding("CSH001", "V1", "A", &[], 100_000);
    store
        .record_run(&input(&["CSH001"], &["V1"]), std::slice::from_ref(&a))
        .unwrap();
    let ignoring: bool = store
        .connection()
        .query_row("PRAGMA ignore_check_constraints", [], |r| r.get(0))
        .unwrap();
    assert!(!ignoring);
    let err = store
        .connection()
        .execute(
            "UPDATE cases SET status = 'closed' WHERE case_id = ?1",
            [a.case_key()],
        )
        .unwrap_err();
    assert!(err.to_string().contains("CHECK"), "{err}");
}

// ---- Excel round trip -----------------------------------------------------------

/// Three cases in a store, via a real scan.
fn store_with_cases(tmp: &Path) -> (PathBuf, Vec<Value>) {
    let db = tmp.join("weiquan.db");
    scan(&crate::common::fixture("cash_payment/fire"), &tmp.join("out"), &db);
    let list = list_json(&db, &[]);
    assert_eq!(list.len(), 3);
    (db, list)
}

fn sheet_rows(path: &Path, sheet: &str) -> Vec<Vec<Data>> {
    let mut wb = calamine::open_workbook_auto(path).unwrap();
    let r = wb.worksheet_range(sheet).unwrap();
    r.rows().map(|r| r.to_vec()).collect()
}

/// What an officer does in Excel: open, change cells, save. The workbook is
/// read with calamine and written back with every cell, the hidden sheet
/// included, after `edit` changes the cells of sheet 线索.
fn officer_edits(from: &Path, to: &Path, edit: impl Fn(&mut Vec<Vec<Data>>)) {
    let mut wb_in = calamine::open_workbook_auto(from).unwrap();
    let names = wb_in.sheet_names();
    let mut wb = Workbook::new();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for name in names {
        let mut rows: Vec<Vec<Data>> = wb_in
            .worksheet_range(&name)
            .unwrap()
            .rows()
            .map(|r| r.to_vec())
            .collect();
        if name == "线索" {
            edit(&mut rows);
        }
        let ws = wb.add_worksheet();
        ws.set_name(&name).unwrap();
        if name.starts_with('_') {
            ws.set_hidden(true);
        }
        for (i, row) in rows.iter().enumerate() {
            for (j, cell) in row.iter().enumerate() {
                let (i, j) = (i as u32, j as u16);
                match cell {
                    Data::String(s) => {
                        ws.write_string(i, j, s).unwrap();
                    }
                    Data::Float(f) => {
                        ws.write_number(i, j, *f).unwrap();
                    }
                    Data::Int(n) => {
                        ws.write_number(i, j, *n as f64).unwrap();
                    }
                    Data::DateTime(d) => {
                        ws.write_number_with_format(i, j, d.as_f64(), &date)
                            .unwrap();
                    }
                    _ => {}
                }
            }
        }
    }
    wb.save(to).unwrap();
}

fn col(rows: &[Vec<Data>], name: &str) -> usize {
    rows[0]
        .iter()
        .position(|h| *h == Data::String(name.to_string()))
        .unwrap_or_else(|| panic!("no column {name}"))
}

fn row_of(rows: &[Vec<Data>], case_id: &str) -> usize {
    rows.iter()
        .position(|r| r[0] == Data::String(case_id.to_string()))
        .unwrap()
}

#[test]
fn excel_round_trip_applies_three_officer_edits_with_history() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, list) = store_with_cases(tmp.path());
    let ids: Vec<String> = list
        .iter()
        .map(|c| c["case_id"].as_str().unwrap().to_string())
        .collect();
    let xlsx = tmp.path().join("线索.xlsx");
    let said = cases(&db, &["export", "--xlsx", xlsx.to_str().unwrap()]);
    assert!(said.starts_with("3 case(s)"), "{said}");

    // The workbook an officer gets.
    let rows = sheet_rows(&xlsx, "线索");
    let headers: Vec<String> = rows[0].iter().map(|h| h.to_string()).collect();
    for h in [
        "线索编号",
        "规则",
        "类别",
        "严重程度",
        "分值",
        "村居代码",
        "对象",
        "金额",
        "问题描述",
        "处理状态",
        "承办人",
        "期限",
        "备注",
    ] {
        assert!(headers.iter().any(|x| x == h), "missing column {h}");
    }
    assert_eq!(rows.len(), 4, "one row per case");
    assert_eq!(rows[1][col(&rows, "处理状态")].to_string(), "新线索");
    assert_eq!(rows[1][col(&rows, "类别")].to_string(), "超限额现金支付");
    let sheet_xml = unzip_entry(&xlsx, "xl/worksheets/sheet1.xml");
    assert!(
        sheet_xml.contains("<pane xSplit=\"1\" ySplit=\"1\""),
        "frozen header"
    );
    assert!(
        sheet_xml.contains("<autoFilter ref=\"A1:P4\""),
        "autofilter"
    );
    assert!(
        sheet_xml.contains("<dataValidation type=\"list\""),
        "status dropdown"
    );
    assert!(sheet_xml.contains("新线索,处理中,已查实,已排除,已整改"));
    assert!(sheet_xml.contains("<cols>"), "column widths");

    // Three rows edited as an officer would.
    let edited = tmp.path().join("edited.xlsx");
    let (a, b, c) = (ids[0].clone(), ids[1].clone(), ids[2].clone());
    officer_edits(&xlsx, &edited, |rows| {
        let (st, who, due, note) = (
            col(rows, "处理状态"),
            col(rows, "承办人"),
            col(rows, "期限"),
            col(rows, "备注"),
        );
        let ra = row_of(rows, &a);
        rows[ra][st] = Data::String("已查实".into());
        rows[ra][who] = Data::String("李明".into());
        let rb = row_of(rows, &b);
        rows[rb][due] = Data::Float(45839.0); // 2025-07-01 typed as a date
        rows[rb][st] = Data::String("处理中".into());
        let rc = row_of(rows, &c);
        rows[rc][note] = Data::String("=已电话核实，补齐审批单".into());
    });
    let said = weiquan()
        .args(["cases", "--db"])
        .arg(&db)
        .args(["import", "--by", "李明"])
        .arg(&edited)
        .output()
        .unwrap();
    assert!(
        said.status.success(),
        "{}",
        String::from_utf8_lossy(&said.stderr)
    );
    let text = String::from_utf8(said.stdout).unwrap();
    assert!(
        text.starts_with("3 row(s) read, 3 case(s) changed, 5 field(s)"),
        "{text}"
    );

    let store = Store::open_existing(&db).unwrap();
    let ca = store.case(&a).unwrap();
    assert_eq!(
        (ca.status, ca.assignee.as_str()),
        (Status::Confirmed, "李明")
    );
    let cb = store.case(&b).unwrap();
    assert_eq!(
        (cb.status, cb.deadline.as_deref()),
        (Status::Open, Some("2025-07-01"))
    );
    let cc = store.case(&c).unwrap();
    assert_eq!(cc.note, "=已电话核实，补齐审批单");
    assert_eq!(cc.status, Status::New, "untouched fields stay");
    for (id, n) in [(&a, 2), (&b, 2), (&c, 1)] {
        let h: Vec<_> = store
            .history(id)
            .unwrap()
            .into_iter()
            .filter(|h| h.source == "xlsx")
            .collect();
        assert_eq!(h.len(), n, "{id}");
        assert!(h.iter().all(|h| h.by == "李明"));
    }
    let hb = store.history(&b).unwrap();
    assert!(hb.iter().any(|h| h.field == "deadline"
        && h.old.is_none()
        && h.new.as_deref() == Some("2025-07-01")));

    // Importing the same workbook again changes nothing.
    drop(store);
    let again = cases(&db, &["import", edited.to_str().unwrap()]);
    assert!(again.contains("0 case(s) changed"), "{again}");

    // The note that starts with `=` goes back out as text, never a formula.
    let xlsx2 = tmp.path().join("again.xlsx");
    cases(&db, &["export", "--all", "--xlsx", xlsx2.to_str().unwrap()]);
    let rows = sheet_rows(&xlsx2, "线索");
    let rc = row_of(&rows, &c);
    assert_eq!(
        rows[rc][col(&rows, "备注")],
        Data::String("=已电话核实，补齐审批单".into())
    );
    let xml = unzip_entry(&xlsx2, "xl/worksheets/sheet1.xml");
    assert!(!xml.contains("<f>"), "a formula was written");
    let styles = unzip_entry(&xlsx2, "xl/styles.xml");
    assert!(styles.contains("quotePrefix=\"1\""), "quote prefix format");
    let mut wb = calamine::open_workbook_auto(&xlsx2).unwrap();
    let formulas = wb.worksheet_formula("线索").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
}

#[test]
fn a_workbook_with_a_bad_row_is_refused_whole_naming_each_row() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, list) = store_with_cases(tmp.path());
    let ids: Vec<String> = list
        .iter()
        .map(|c| c["case_id"].as_str().unwrap().to_string())
        .collect();
    let xlsx = tmp.path().join("x.xlsx");
    cases(&db, &["export", "--xlsx", xlsx.to_str().unwrap()]);
    let before = dump(&db);
    let edited = tmp.path().join("bad.xlsx");
    let (good, bad_status, bad_date) = (ids[0].clone(), ids[1].clone(), ids[2].clone());
    officer_edits(&xlsx, &edited, |rows| {
        let (st, due) = (col(rows, "处理状态"), col(rows, "期限"));
        let r = row_of(rows, &good);
        rows[r][st] = Data::String("已排除".into());
        let r = row_of(rows, &bad_status);
        rows[r][st] = Data::String("已完成".into());
        let r = row_of(rows, &bad_date);
        rows[r][due] = Data::String("下周五".into());
        let mut extra = rows[r].clone();
        extra[0] = Data::String("ffffffffffffffff".into());
        rows.push(extra);
    });
    let o = weiquan()
        .args(["cases", "--db"])
        .arg(&db)
        .arg("import")
        .arg(&edited)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    let rows = sheet_rows(&edited, "线索");
    let r_status = row_of(&rows, &bad_status) + 1;
    let r_date = row_of(&rows, &bad_date) + 1;
    assert!(
        err.contains("nothing was changed") && err.contains("3 bad row(s)"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "第{r_status}行：处理状态（M列）“已完成”不是有效状态"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("第{r_date}行：期限（O列）“下周五”不是日期")),
        "{err}"
    );
    assert!(
        err.contains("第5行：线索编号 ffffffffffffffff 在案件库中不存在"),
        "{err}"
    );
    assert!(
        !err.contains(&format!("第{}行", row_of(&rows, &good) + 1)),
        "{err}"
    );
    assert_eq!(dump(&db), before, "the good row was not applied either");
}

#[test]
fn an_old_workbook_never_undoes_later_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, list) = store_with_cases(tmp.path());
    let (a, b) = (
        list[0]["case_id"].as_str().unwrap().to_string(),
        list[1]["case_id"].as_str().unwrap().to_string(),
    );
    let xlsx = tmp.path().join("x.xlsx");
    cases(&db, &["export", "--xlsx", xlsx.to_str().unwrap()]);
    // After the export, a colleague dismisses A and assigns B.
    cases(&db, &["set", &a, "--status", "dismissed", "--by", "同事"]);
    cases(&db, &["set", &b, "--assignee", "张华", "--by", "同事"]);

    // The officer's workbook only touched B's note: A's stale 新线索 and B's
    // empty assignee are not edits and must not be written back.
    let edited = tmp.path().join("e.xlsx");
    officer_edits(&xlsx, &edited, |rows| {
        let r = row_of(rows, &b);
        let n = col(rows, "备注");
        rows[r][n] = Data::String("已约谈".into());
    });
    let said = cases(&db, &["import", edited.to_str().unwrap(), "--by", "王"]);
    assert!(said.contains("1 case(s) changed, 1 field(s)"), "{said}");
    let store = Store::open_existing(&db).unwrap();
    assert_eq!(store.case(&a).unwrap().status, Status::Dismissed);
    let cb = store.case(&b).unwrap();
    assert_eq!((cb.assignee.as_str(), cb.note.as_str()), ("张华", "已约谈"));
    drop(store);

    // Editing a field the colleague also changed is a conflict, refused.
    let edited = tmp.path().join("c.xlsx");
    officer_edits(&xlsx, &edited, |rows| {
        let r = row_of(rows, &b);
        let w = col(rows, "承办人");
        rows[r][w] = Data::String("刘强".into());
    });
    let o = weiquan()
        .args(["cases", "--db"])
        .arg(&db)
        .arg("import")
        .arg(&edited)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("承办人在导出后已被他人修改（现为“张华”）"),
        "{err}"
    );
}

#[test]
fn a_hand_made_workbook_without_the_hidden_sheet_is_compared_with_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let (db, list) = store_with_cases(tmp.path());
    let a = list[0]["case_id"].as_str().unwrap();
    let path = tmp.path().join("hand.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (j, h) in ["备注", "线索编号", "处理状态"].iter().enumerate() {
        ws.write_string(0, j as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "退回重报").unwrap();
    ws.write_string(1, 1, a.to_uppercase()).unwrap();
    ws.write_string(1, 2, "open").unwrap();
    wb.save(&path).unwrap();
    let said = cases(&db, &["import", path.to_str().unwrap()]);
    assert!(said.contains("1 case(s) changed, 2 field(s)"), "{said}");
}

#[test]
fn mask_pii_masks_the_workbook_and_the_listing() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("weiquan.db");
    scan(
        &crate::common::fixture("eligibility/fire"),
        &tmp.path().join("out"),
        &db,
    );
    let xlsx = tmp.path().join("m.xlsx");
    cases(
        &db,
        &["export", "--mask-pii", "--xlsx", xlsx.to_str().unwrap()],
    );
    let cells: String = sheet_rows(&xlsx, "线索")
        .iter()
        .flatten()
        .map(|c| c.to_string() + "\n")
        .collect();
    assert!(
        !cells.contains("370102195001010011"),
        "the workbook leaks an id"
    );
    assert!(cells.contains("370102********0011"));
    let meta: String = sheet_rows(&xlsx, "_导出信息")
        .iter()
        .flatten()
        .map(|c| c.to_string())
        .collect();
    assert!(!meta.contains("370102195001010011"));
    let listing = cases(&db, &["list", "--mask-pii"]);
    assert!(!listing.contains("370102195001010011") && listing.contains("370102********0011"));
    let id = list_json(&db, &[])[0]["case_id"]
        .as_str()
        .unwrap()
        .to_string();
    let show = cases(&db, &["show", &id, "--mask-pii"]);
    assert!(!show.contains("370102195001010011"), "{show}");
    // An untouched masked workbook imports as no change at all.
    let said = cases(&db, &["import", xlsx.to_str().unwrap()]);
    assert!(said.contains("0 case(s) changed"), "{said}");
}

/// One part of an xlsx (a zip archive), as text.
fn unzip_entry(xlsx: &Path, entry: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(xlsx).unwrap()).unwrap();
    let mut s = String::new();
    std::io::Read::read_to_string(&mut z.by_name(entry).unwrap(), &mut s).unwrap();
    s
}

/// Figures for a street-sized run (not a check): `cargo test --release
/// --test triage store_at_street_scale -- --ignored --nocapture`.
#[test]
#[ignore]
fn store_at_street_scale() {
    use std::time::Instant;
    let cpu = || -> f64 {
        // utime + stime of this thread, clock ticks (1/100 s): the machine is shared.
        let s = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
        let f: Vec<&str> = s
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        let t = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
        (t(11) + t(12)) / 100.0
    };
    let n: usize = std::env::var("WQ_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50_000);
    let make = |i: usize, bump: i64| {
        let village = format!("3701020{:05}", i % 2000);
        let mut f = Finding::new(
            "CSH001",
            Category::CashPayment,
            Severity::Medium,
            &village,
            &format!("V{i:07}"),
        )
        .score((i % 100) as f64)
        .amount(150_000 + bump)
        .related([format!("3701021990010{:05}", i % 99_999)])
        .message(format!("凭证V{i:07}向“张三”现金支付1,500元，超过现金结算起点1,000元，请核实是否经批准及实际收款人"))
        .evidence(json!({"voucher_no": format!("V{i:07}"), "payee": "张三", "limit": "1000.00",
            "lines": [{"row": i + 2, "date": "2025-03-01", "amount": "1500.00", "summary": "购买办公用品", "payment_method": "现金"}]}));
        f.seal();
        f
    };
    let mut run1: Vec<Finding> = (0..n).map(|i| make(i, 0)).collect();
    weiquan::finding::sort_findings(&mut run1);
    let villages: Vec<String> = (0..2000).map(|v| format!("3701020{v:05}")).collect();
    let inp = RunInput {
        villages: villages.iter().cloned().collect(),
        ..input(&["CSH001"], &[])
    };
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("s.db");
    let mut store = Store::open(&db).unwrap();
    let (t, c) = (Instant::now(), cpu());
    store.record_run(&inp, &run1).unwrap();
    eprintln!(
        "{n} findings, first run (all new): {:?}",
        format!("{:.2?} wall, {:.2}s cpu", t.elapsed(), cpu() - c)
    );
    let (t, c) = (Instant::now(), cpu());
    let r = store.record_run(&inp, &run1).unwrap();
    eprintln!(
        "same data again: {:?} ({:?})",
        format!("{:.2?} wall, {:.2}s cpu", t.elapsed(), cpu() - c),
        r.counts
    );
    // 10% with a new payment, 5% resolved.
    let mut run3: Vec<Finding> = (0..n)
        .filter(|i| i % 20 != 7)
        .map(|i| make(i, if i % 10 == 3 { 70_000 } else { 0 }))
        .collect();
    weiquan::finding::sort_findings(&mut run3);
    let (t, c) = (Instant::now(), cpu());
    let r = store.record_run(&inp, &run3).unwrap();
    eprintln!(
        "changed data: {:?} ({:?})",
        format!("{:.2?} wall, {:.2}s cpu", t.elapsed(), cpu() - c),
        r.counts
    );
    eprintln!(
        "store size after 3 runs: {:.1} MB",
        std::fs::metadata(&db).unwrap().len() as f64 / 1e6
    );
    let (t, c) = (Instant::now(), cpu());
    let all = store.list(&CaseFilter::default()).unwrap();
    eprintln!(
        "list {} open cases: {:?}",
        all.len(),
        format!("{:.2?} wall, {:.2}s cpu", t.elapsed(), cpu() - c)
    );
    let (t, c) = (Instant::now(), cpu());
    let x = tmp.path().join("x.xlsx");
    weiquan::triage::export_xlsx(&store, &CaseFilter::default(), &x, false).unwrap();
    eprintln!(
        "export xlsx: {:?}, {:.1} MB",
        format!("{:.2?} wall, {:.2}s cpu", t.elapsed(), cpu() - c),
        std::fs::metadata(&x).unwrap().len() as f64 / 1e6
    );
    let (t, c) = (Instant::now(), cpu());
    let r = weiquan::triage::import_xlsx(&mut store, &x, "perf").unwrap();
    eprintln!(
        "import xlsx (no edits, {} rows): {:?}",
        r.rows,
        format!("{:.2?} wall, {:.2}s cpu", t.elapsed(), cpu() - c)
    );
    let (t, c) = (Instant::now(), cpu());
    let m = json!({"dataset": "perf"});
    let page = weiquan::report::html::render(&weiquan::report::html::ReportInput {
        findings: &weiquan::finding::Outbound::new(&run3),
        triage: None,
        gone: &[],
        manifest: &m,
        mask_pii: false,
        run_id: None,
    });
    eprintln!(
        "report.html: {:?}, {:.1} MB",
        format!("{:.2?} wall, {:.2}s cpu", t.elapsed(), cpu() - c),
        page.len() as f64 / 1e6
    );
    std::fs::write(tmp.path().join("report.html"), page).unwrap();
    if let Ok(p) = std::env::var("WQ_KEEP") {
        std::fs::copy(tmp.path().join("report.html"), p).unwrap();
    }
}
