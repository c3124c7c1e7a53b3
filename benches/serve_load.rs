//! Load on `weiquan serve` (docs/performance.md): a store of 100,000
//! cases, 50 clients reading the queue and case pages and 5 editing cases,
//! on loopback, for 60 s, while `weiquan scan` writes new runs into the
//! same store. Prints requests/s, p50/p95/p99 latency, errors and lost
//! writes (an acknowledged edit missing from the store or its history).
//!
//! ```sh
//! cargo bench --bench serve_load
//! WQ_LOAD_SECS=10 WQ_LOAD_CASES=20000 cargo bench --bench serve_load   # a quick look
//! ```
//!
//! `WQ_LOAD_KEEP=1` keeps the store for a look afterwards.
//!
//! Also times single requests on the idle server first (the queue's
//! filters and paging at that size). Bounded in time and count; talks
//! only to 127.0.0.1.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use weiquan::finding::{Category, Finding, Severity, sort_findings};
use weiquan::serve::{RuleInfo, ServeConfig};
use weiquan::triage::{Role, RunInput, Store};

#[path = "../tests/common/http.rs"]
mod http;
use http::Client;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const CATS: [(Category, &str); 4] = [
    (Category::CashPayment, "CSH001"),
    (Category::Kinship, "KIN001"),
    (Category::SplitContract, "SPL001"),
    (Category::DuplicateBeneficiary, "DUP001"),
];

/// `n` findings over 2,000 villages, four rules, scores spread 1–100.
fn findings(n: u64) -> Vec<Finding> {
    let mut v: Vec<Finding> = (0..n)
        .map(|i| {
            let (cat, rule) = CATS[(i % 4) as usize];
            let sev = [Severity::High, Severity::Medium, Severity::Low][(i % 3) as usize];
            let village = format!("B{:04}", i % 2000);
            let subject = format!("3701021990{:08}", i);
            let mut f = Finding::new(rule, cat, sev, &village, &subject)
                .score(1.0 + (i * 7919 % 100) as f64)
                .amount((i as i64 * 1237) % 10_000_000)
                .message(format!("合成线索{i}：{subject}在{village}的款项，请核实"))
                .evidence(json!({"lines": [{"row": i + 2, "amount": "100.00"}]}));
            f.seal();
            f
        })
        .collect();
    sort_findings(&mut v);
    v
}

struct Stats {
    lat: Mutex<BTreeMap<&'static str, Vec<f64>>>,
    errors: AtomicU64,
    conflicts: AtomicU64,
}

impl Stats {
    fn record(&self, kind: &'static str, t: Instant, status: u16) {
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        self.lat.lock().unwrap().entry(kind).or_default().push(ms);
        match status {
            200..=299 => {}
            409 => {
                self.conflicts.fetch_add(1, Ordering::Relaxed);
            }
            _ => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("{kind}: status {status}");
            }
        }
    }
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return 0.0;
    }
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// Median of `n` single requests on the idle server.
fn single(c: &mut Client, path: &str, n: usize) -> (f64, String) {
    let mut t = Vec::new();
    let mut total = String::new();
    for _ in 0..n {
        let s = Instant::now();
        let r = c.get(path);
        t.push(s.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(
            r.status,
            200,
            "{path}: {}",
            String::from_utf8_lossy(&r.body)
        );
        total = r.json()["total"].to_string();
    }
    (pct(&mut t, 0.5), total)
}

fn main() {
    let secs = env("WQ_LOAD_SECS", 60);
    let n_cases = env("WQ_LOAD_CASES", 100_000);
    let readers = env("WQ_LOAD_READERS", 50);
    let writers = env("WQ_LOAD_WRITERS", 5);
    let villages = env("WQ_LOAD_SCAN_VILLAGES", 500);
    let exe = env!("CARGO_BIN_EXE_weiquan");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("weiquan.db");

    let t = Instant::now();
    let all = findings(n_cases);
    let input = RunInput {
        dataset: "synthetic".into(),
        started_at: "2026-12-01T02:00:00+08:00".into(),
        by: "bench".into(),
        ..RunInput::default()
    };
    let mut store = Store::open(&db).unwrap();
    store.record_run(&input, &all).unwrap();
    let hash = weiquan::serve::hash_password("bench-password").unwrap();
    for i in 0..writers {
        store
            .add_user(&format!("writer{i}"), Role::Officer, &hash)
            .unwrap();
    }
    store.add_user("reader", Role::Officer, &hash).unwrap();
    store.add_user("viewer", Role::Viewer, &hash).unwrap();
    let ids: Vec<String> = all.iter().map(|f| f.finding_id.clone()).collect();
    drop(store);
    eprintln!(
        "store of {n_cases} cases made in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let data = dir.path().join("data");
    let o = Command::new(exe)
        .args([
            "gen",
            "--villages",
            &villages.to_string(),
            "--seed",
            "6",
            "--style",
            "clean",
            "--out",
        ])
        .arg(&data)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let mut config = ServeConfig::new(db.clone(), "127.0.0.1:0".parse().unwrap());
    config.rules = weiquan::rules::registry()
        .iter()
        .map(|r| RuleInfo {
            code: r.code().into(),
            name: r.name().into(),
            tables: r.needs().iter().map(|t| t.canonical().into()).collect(),
        })
        .collect();
    let server = weiquan::serve::start(config).unwrap();
    let addr = server.addr;

    // Single requests, idle server.
    let mut c = Client::new(addr);
    assert_eq!(c.login("reader", "bench-password").status, 200);
    let last_page = n_cases.div_ceil(50);
    println!("\n| single request, {n_cases} cases, median of 20 | ms | total |\n|---|---:|---:|");
    for path in [
        "/api/cases".to_string(),
        "/api/cases?page=2".into(),
        format!("/api/cases?status=all&page={last_page}"),
        "/api/cases?village=B0042".into(),
        "/api/cases?category=kinship&severity=high".into(),
        "/api/cases?rule=CSH001&sort=amount".into(),
        "/api/cases?mark=new&page=100".into(),
        "/api/cases?q=%E5%90%88%E6%88%90%E7%BA%BF%E7%B4%A21234".into(),
        "/api/cases?sort=deadline".into(),
        format!("/api/cases/{}", ids[n_cases as usize / 2]),
    ] {
        let (ms, total) = single(&mut c, &path, 20);
        println!("| `{path}` | {ms:.1} | {total} |");
    }

    // The load.
    let stop = Arc::new(AtomicBool::new(false));
    let stats = Arc::new(Stats {
        lat: Mutex::new(BTreeMap::new()),
        errors: AtomicU64::new(0),
        conflicts: AtomicU64::new(0),
    });
    let acked: Arc<Mutex<Vec<(String, String, String)>>> = Arc::new(Mutex::new(Vec::new()));
    let mut threads = Vec::new();
    for r in 0..readers {
        let (stop, stats, ids) = (stop.clone(), stats.clone(), ids.clone());
        threads.push(std::thread::spawn(move || {
            let mut c = Client::new(addr);
            let who = if r % 5 == 0 { "viewer" } else { "reader" };
            assert_eq!(c.login(who, "bench-password").status, 200);
            let mut k = r * 7919;
            while !stop.load(Ordering::Relaxed) {
                k = k
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let (kind, path) = match k % 4 {
                    0 => ("queue", format!("/api/cases?page={}", 1 + (k >> 8) % 20)),
                    1 => (
                        "queue",
                        format!("/api/cases?village=B{:04}", (k >> 8) % 2000),
                    ),
                    _ => (
                        "case",
                        format!("/api/cases/{}", ids[((k >> 8) % ids.len() as u64) as usize]),
                    ),
                };
                let t = Instant::now();
                let s = c.get(&path).status;
                stats.record(kind, t, s);
            }
        }));
    }
    for w in 0..writers {
        let (stop, stats, ids, acked) = (stop.clone(), stats.clone(), ids.clone(), acked.clone());
        threads.push(std::thread::spawn(move || {
            let user = format!("writer{w}");
            let mut c = Client::new(addr);
            assert_eq!(c.login(&user, "bench-password").status, 200);
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                // Writer w edits the cases i ≡ w (mod writers), in turn.
                let i = ((n * 131 * writers + w) % ids.len() as u64) as usize;
                let t = Instant::now();
                let page = c.get(&format!("/api/cases/{}", ids[i]));
                stats.record("case", t, page.status);
                if page.status != 200 {
                    continue;
                }
                let case = page.json();
                let note = format!("{user}-{n}");
                let t = Instant::now();
                let r = c.write(
                    "PATCH",
                    &format!("/api/cases/{}", case["case_id"].as_str().unwrap()),
                    &json!({"note": note, "status": "open", "version": case["version"]}),
                );
                stats.record("edit", t, r.status);
                if r.status == 200 {
                    let id = case["case_id"].as_str().unwrap().to_string();
                    acked.lock().unwrap().push((id, note, user.clone()));
                }
                n += 1;
            }
        }));
    }
    // Scans into the same store, back to back, from a few seconds in.
    let scans = {
        let (stop, db, data) = (stop.clone(), db.clone(), data.clone());
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(secs.min(5)));
            let mut runs = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let out = db.parent().unwrap().join(format!("out{}", runs.len()));
                let t = Instant::now();
                let o = Command::new(exe)
                    .args(["scan", "--quiet", "--out"])
                    .arg(&out)
                    .arg("--db")
                    .arg(&db)
                    .arg(&data)
                    .output()
                    .unwrap();
                assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
                runs.push(t.elapsed().as_secs_f64());
            }
            runs
        })
    };
    let started = Instant::now();
    std::thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let wall = started.elapsed().as_secs_f64();
    let scan_times = scans.join().unwrap();

    let lost = lost_writes(&db, &acked.lock().unwrap());
    let lat = stats.lat.lock().unwrap();
    let total: usize = lat.values().map(Vec::len).sum();
    println!(
        "\n{readers} readers + {writers} writers, {wall:.0} s, {} scan(s) of {villages} villages into the store ({})\n",
        scan_times.len(),
        scan_times
            .iter()
            .map(|s| format!("{s:.1} s"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "| requests | count | per s | p50 ms | p95 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|"
    );
    let mut everything = Vec::new();
    for (kind, v) in lat.iter() {
        let mut v = v.clone();
        everything.extend_from_slice(&v);
        println!(
            "| {kind} | {} | {:.0} | {:.1} | {:.1} | {:.1} |",
            v.len(),
            v.len() as f64 / wall,
            pct(&mut v, 0.5),
            pct(&mut v, 0.95),
            pct(&mut v, 0.99)
        );
    }
    println!(
        "| all | {total} | {:.0} | {:.1} | {:.1} | {:.1} |",
        total as f64 / wall,
        pct(&mut everything, 0.5),
        pct(&mut everything, 0.95),
        pct(&mut everything, 0.99)
    );
    println!(
        "\nerrors: {}; conflicts (409, retried by the next edit): {}; acknowledged edits: {}; lost writes: {lost}",
        stats.errors.load(Ordering::Relaxed),
        stats.conflicts.load(Ordering::Relaxed),
        acked.lock().unwrap().len()
    );
    drop(server);
    if std::env::var_os("WQ_LOAD_KEEP").is_some() {
        eprintln!("store kept: {}", db.display());
        std::mem::forget(dir);
    }
    assert_eq!(lost, 0, "acknowledged edits missing from the store");
}

/// Acknowledged edits without their history row, plus cases whose note is
/// not the last acknowledged one (each writer owns its cases).
fn lost_writes(db: &Path, acked: &[(String, String, String)]) -> usize {
    let store = Store::open_existing(db).unwrap();
    let conn = store.connection();
    let mut missing = 0;
    let mut last: BTreeMap<&str, &str> = BTreeMap::new();
    for (id, note, user) in acked {
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM history WHERE case_id = ?1 AND field = 'note' AND new = ?2
                   AND by = ?3 AND source = 'web'",
                [id, note, user],
                |r| r.get(0),
            )
            .unwrap();
        if n != 1 {
            missing += 1;
        }
        last.insert(id, note);
    }
    for (id, note) in last {
        let now: String = conn
            .query_row("SELECT note FROM cases WHERE case_id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap();
        if now != note {
            missing += 1;
        }
    }
    missing
}
