//! The binary end to end: outputs, determinism, exit codes, atomic folders,
//! `users` and `serve`.

use std::process::Command;

use weiquan::triage::Store;

use crate::serve::http::Client;
use crate::serve::{findings, run_input};

fn weiquan() -> Command {
    Command::new(env!("CARGO_BIN_EXE_weiquan"))
}

#[test]
fn scan_writes_bom_csv_jsonl_and_manifest_deterministically() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for out in [&a, &b] {
        let st = weiquan()
            .args(["scan", "--quiet", "--out"])
            .arg(out)
            .arg(crate::common::fixture("cash_payment/fire"))
            .status()
            .unwrap();
        assert!(st.success());
    }
    let csv_a = std::fs::read(a.join("findings.csv")).unwrap();
    assert!(csv_a.starts_with(b"\xEF\xBB\xBFfinding_id,rule,category,severity,score,village_code,subject_id,related_ids,amount,message,evidence"));
    assert_eq!(csv_a, std::fs::read(b.join("findings.csv")).unwrap());
    assert_eq!(
        std::fs::read(a.join("findings.jsonl")).unwrap(),
        std::fs::read(b.join("findings.jsonl")).unwrap()
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("run.json")).unwrap()).unwrap();
    assert_eq!(manifest["counts"]["total"], 3);
    assert!(manifest["inputs"][0]["sha256"].as_str().unwrap().len() == 64);
    let skipped = manifest["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["run"]["status"] == "skipped")
        .count();
    assert!(skipped >= 1, "ELG001 needs subsidies, absent here");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(a.join("findings.csv"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "findings readable by others: {mode:o}");
    }
}

#[test]
fn bad_input_exits_1_and_leaves_no_output_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("ledger.csv"), "village_code,voucher_no\n1,2\n").unwrap();
    let out = tmp.path().join("out");
    let o = weiquan()
        .args(["scan", "--out"])
        .arg(&out)
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("ledger.csv") && err.contains("missing required column"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one clear error line: {err}");
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "no temp folder left behind"
    );
}

#[test]
fn bad_config_exits_2_and_fail_on_exits_3() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("r.toml");
    std::fs::write(&rules, "[CSH001]\nlimt = 1\n").unwrap();
    let o = weiquan()
        .args(["scan", "--out"])
        .arg(tmp.path().join("o"))
        .arg("--rules")
        .arg(&rules)
        .arg(crate::common::fixture("cash_payment/fire"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("limt"));
    let st = weiquan()
        .args(["scan", "--quiet", "--fail-on", "medium", "--out"])
        .arg(tmp.path().join("o"))
        .arg(crate::common::fixture("cash_payment/fire"))
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(3));
    let st = weiquan()
        .args(["scan", "--quiet", "--fail-on", "high", "--out"])
        .arg(tmp.path().join("o"))
        .arg(crate::common::fixture("cash_payment/fire"))
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
}

#[test]
fn rules_explain_and_coverage() {
    let o = weiquan().arg("rules").output().unwrap();
    let s = String::from_utf8(o.stdout).unwrap();
    assert!(s.contains("CSH001") && s.contains("cash_payment"));
    let o = weiquan().args(["explain", "CSH001"]).output().unwrap();
    let s = String::from_utf8(o.stdout).unwrap();
    assert!(s.contains("## Why it matters") && s.contains("现金管理暂行条例"));
    assert_eq!(
        weiquan().args(["explain", "NOPE"]).status().unwrap().code(),
        Some(2)
    );
    let o = weiquan().arg("coverage").output().unwrap();
    assert!(String::from_utf8(o.stdout).unwrap().contains("31."));
}

#[test]
fn mask_pii_masks_ids_in_every_output() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    let st = weiquan()
        .args(["scan", "--quiet", "--mask-pii", "--out"])
        .arg(&out)
        .arg(crate::common::fixture("eligibility/fire"))
        .status()
        .unwrap();
    assert!(st.success());
    for f in ["findings.csv", "findings.jsonl"] {
        let s = std::fs::read_to_string(out.join(f)).unwrap();
        assert!(!s.contains("370102195001010011"), "{f} leaks an id");
        assert!(s.contains("370102********0011"), "{f}");
    }
}

/// The binary's allocator gives freed pages back after half a second
/// (`malloc_conf` in src/main.rs: the peak at 2,000 villages stays under
/// 2× the input), and the environment can still override it.
#[cfg(target_os = "linux")]
#[test]
fn the_allocator_returns_freed_pages_after_half_a_second() {
    let opt = |conf: &str| -> String {
        let out = weiquan()
            .arg("rules")
            .env("_RJEM_MALLOC_CONF", conf)
            .output()
            .unwrap();
        assert!(out.status.success());
        let stats = String::from_utf8_lossy(&out.stderr).into_owned();
        stats
            .lines()
            .find(|l| l.trim_start().starts_with("opt.dirty_decay_ms:"))
            .unwrap_or_else(|| panic!("no jemalloc stats in: {}", &stats[..stats.len().min(300)]))
            .trim()
            .to_string()
    };
    assert!(opt("stats_print:true").starts_with("opt.dirty_decay_ms: 500 "));
    assert!(opt("stats_print:true,dirty_decay_ms:10000").starts_with("opt.dirty_decay_ms: 10000 "));
}

#[test]
fn users_and_serve_on_the_command_line() {
    use std::io::{BufRead, Write};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("weiquan.db");
    Store::open(&db)
        .unwrap()
        .record_run(&run_input(), &findings(1))
        .unwrap();
    let wq = weiquan;
    // No user yet: serve refuses, saying how to add one.
    let o = wq().args(["serve", "--db"]).arg(&db).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("users"));
    let mut add = wq()
        .args(["users", "--db"])
        .arg(&db)
        .args(["add", "赵六", "--role", "officer"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(b"a long password\n")
        .unwrap();
    let o = add.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = wq()
        .args(["users", "--db"])
        .arg(&db)
        .arg("list")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("赵六"));
    let o = wq()
        .args(["users", "--db"])
        .arg(&db)
        .args(["add", "x", "--role", "boss"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));

    let mut child = wq()
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|x| x.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    let mut c = Client::new(addr.parse().unwrap());
    assert_eq!(c.get("/api/cases").status, 401);
    assert_eq!(c.login("赵六", "a long password").status, 200);
    assert_eq!(c.get("/api/cases").json()["total"], 33);
    child.kill().unwrap();
    child.wait().unwrap();

    let remove = || {
        wq().args(["users", "--db"])
            .arg(&db)
            .args(["remove", "赵六"])
            .output()
            .unwrap()
    };
    assert!(remove().status.success());
    assert_eq!(remove().status.code(), Some(2), "no such user any more");
}
