//! The case store: re-runs that remember, the `cases` commands, marks,
//! gone and scope at the library level, and the helpers the other
//! `triage_*` modules share (crash consistency and migrations in
//! `triage_durability`, the Excel round trip in `triage_xlsx`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use weiquan::finding::{Category, Finding, Severity};
use weiquan::triage::{CaseFilter, CaseUpdate, Mark, RunInput, Status, Store};

pub(crate) fn weiquan() -> Command {
    Command::new(env!("CARGO_BIN_EXE_weiquan"))
}

/// A copy of a fixture folder that a test may change.
pub(crate) fn copy_fixture(rel: &str, to: &Path) -> PathBuf {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(crate::common::fixture(rel)).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
    to.to_path_buf()
}

pub(crate) fn scan(data: &Path, out: &Path, db: &Path) -> Value {
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

pub(crate) fn cases(db: &Path, args: &[&str]) -> String {
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

pub(crate) fn list_json(db: &Path, args: &[&str]) -> Vec<Value> {
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

pub(crate) fn finding(
    rule: &str,
    village: &str,
    subject: &str,
    related: &[&str],
    fen: i64,
) -> Finding {
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

pub(crate) fn input(rules: &[&str], villages: &[&str]) -> RunInput {
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
pub(crate) fn dismiss(store: &mut Store, f: &Finding) {
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

// ---- store dumps (crash consistency, Excel import) ---------------------------

/// Every row of every table, as text: equal dumps, equal stores.
pub(crate) fn dump(db: &Path) -> Vec<String> {
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
        // Every column but the case version, which a store migrated to
        // schema 5 gains (the serve tests check versions).
        let cols: Vec<usize> = (0..st.column_count())
            .filter(|&i| st.column_name(i).is_ok_and(|c| c != "version"))
            .collect();
        let rows = st
            .query_map([], |r| {
                let mut s = format!("{t}:");
                for &i in &cols {
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

/// Figures for a street-sized run (not a check): `cargo test --release
/// --test integration triage::store_at_street_scale -- --ignored --nocapture`.
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

#[test]
fn cases_list_takes_a_rule_by_code_or_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("w.db");
    scan(
        &crate::common::fixture("kinship/fire"),
        &tmp.path().join("o"),
        &db,
    );
    let by_code = list_json(&db, &["--rule", "KIN001"]);
    assert!(!by_code.is_empty());
    assert_eq!(list_json(&db, &["--rule", "kinship"]), by_code);
    assert_eq!(list_json(&db, &["--rule", " kin001 "]), by_code);
    assert!(by_code.iter().all(|c| c["rule"] == "KIN001"), "{by_code:?}");
    assert!(list_json(&db, &["--all"]).len() > by_code.len());
}

/// The id an officer reads in findings.csv (plain or `--mask-pii`) opens and
/// updates its case.
#[test]
fn a_finding_id_from_findings_csv_names_its_case() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("w.db");
    let first_id = |out: &Path| -> String {
        let csv = std::fs::read_to_string(out.join("findings.csv")).unwrap();
        let row = csv.lines().nth(1).unwrap();
        row.split(',').next().unwrap().to_string()
    };
    let data = crate::common::fixture("kinship/fire");
    scan(&data, &tmp.path().join("o"), &db);
    let fid = first_id(&tmp.path().join("o"));
    let shown: Value = serde_json::from_str(&cases(&db, &["show", "--json", &fid])).unwrap();
    let case_id = shown["case"]["case_id"].as_str().unwrap().to_string();
    assert_ne!(
        case_id, fid,
        "finding and case ids differ, yet the finding id works"
    );
    // The case shows the id the officer holds: `cases show` and `list`.
    assert_eq!(shown["case"]["finding_id"], fid.as_str());
    let listed = cases(&db, &["list", "--json"]);
    assert!(
        listed.lines().any(|l| {
            let c: Value = serde_json::from_str(l).unwrap();
            c["case_id"] == case_id.as_str() && c["finding_id"] == fid.as_str()
        }),
        "{listed}"
    );
    assert!(cases(&db, &["show", &fid]).contains(&format!("发现编号  {fid}")));
    cases(&db, &["set", &fid, "--status", "open"]);
    let again: Value = serde_json::from_str(&cases(&db, &["show", "--json", &case_id])).unwrap();
    assert_eq!(again["case"]["status"], "open");

    // The pseudonym a --mask-pii scan writes works too.
    let o = weiquan()
        .args(["scan", "--quiet", "--mask-pii", "--out"])
        .arg(tmp.path().join("m"))
        .arg("--db")
        .arg(&db)
        .arg(&data)
        .output()
        .unwrap();
    assert!(o.status.success());
    let masked = first_id(&tmp.path().join("m"));
    assert_ne!(masked, fid);
    let shown: Value = serde_json::from_str(&cases(&db, &["show", "--json", &masked])).unwrap();
    assert_eq!(shown["case"]["case_id"], case_id.as_str());
    // Masked, the case shows the masked finding id of findings.csv.
    let shown: Value =
        serde_json::from_str(&cases(&db, &["show", "--json", "--mask-pii", &masked])).unwrap();
    assert_eq!(shown["case"]["finding_id"], masked.as_str());
}
