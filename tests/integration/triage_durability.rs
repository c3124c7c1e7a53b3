//! The case store's durability: a scan killed mid-write or a write that
//! fails inside the transaction leaves the store as it was; old stores are
//! migrated in order, newer ones refused; CHECK constraints hold for
//! officers' edits.

use std::io::BufRead;
use std::path::Path;
use std::process::Stdio;

use weiquan::triage::{CaseUpdate, Status, Store};

use crate::triage::{cases, copy_fixture, dismiss, dump, finding, input, list_json, scan, weiquan};

// ---- crash consistency -------------------------------------------------------

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
    // Half the cases are written, uncommitted: the scan holds the store's
    // write lock (WAL mode: no rollback journal to look at), so another
    // writer is refused at once.
    let other = rusqlite::Connection::open(&db).unwrap();
    other.busy_timeout(std::time::Duration::ZERO).unwrap();
    assert!(
        other.execute_batch("BEGIN IMMEDIATE").is_err(),
        "killed outside a write transaction"
    );
    drop(other);
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
        // Today's writes keep the case version (schema 5): lend the column
        // to the version-3 store while writing, then take it back, so that
        // the store is as a version-3 weiquan left it.
        let version = |sql: &str| old.connection().execute_batch(sql).unwrap();
        version("ALTER TABLE cases ADD COLUMN version INTEGER NOT NULL DEFAULT 1");
        old.record_run(&input(&["CSH001"], &["V1", "V2"]), &[a.clone(), b.clone()])
            .unwrap();
        dismiss(&mut old, &b);
        old.connection()
            .execute_batch("ALTER TABLE cases DROP COLUMN version")
            .unwrap();
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
