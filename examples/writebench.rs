//! Time the write phase of a scan alone (findings.csv/jsonl, run.json,
//! report.html and the case store), from the outputs of an earlier scan:
//! `cargo run --release --example writebench OUT_DIR DB [RUNS]`.
//! OUT_DIR holds the earlier scan's findings.jsonl and run.json; DB is the
//! case store (kept between runs: run 1 into a fresh store is a first run,
//! the next ones are recurring runs of the same findings). Prints wall,
//! process cpu (user+sys, all threads) and peak resident memory per run.
use std::path::{Path, PathBuf};
use std::time::Instant;

use weiquan::bench::{cpu_seconds, peak_rss_bytes, reset_peak_rss, rss_bytes};
use weiquan::{Category, Finding, Severity};

// As the weiquan binary (src/main.rs).
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn finding(line: &str) -> Finding {
    let v: serde_json::Value = serde_json::from_str(line).expect("a findings.jsonl line");
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    Finding {
        finding_id: s("finding_id"),
        rule: s("rule"),
        category: Category::parse(&s("category")).expect("category"),
        severity: Severity::parse(&s("severity")).expect("severity"),
        score: v["score"].as_u64().unwrap_or(0) as u8,
        village_code: s("village_code"),
        subject_id: s("subject_id"),
        related_ids: s("related_ids")
            .split(';')
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect(),
        amount_fen: (v["amount"].as_f64().unwrap_or(0.0) * 100.0).round() as i64,
        message: s("message"),
        evidence: v["evidence"].clone(),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let src = Path::new(&args[1]);
    let db = PathBuf::from(&args[2]);
    let runs: usize = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(1);
    let text = std::fs::read_to_string(src.join("findings.jsonl")).expect("findings.jsonl");
    let findings: Vec<Finding> = text.lines().map(finding).collect();
    drop(text);
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(src.join("run.json")).expect("run.json"))
            .expect("run.json is JSON");
    if let Some(m) = manifest.as_object_mut() {
        m.remove("triage");
    }
    let villages: std::collections::BTreeSet<String> =
        findings.iter().map(|f| f.village_code.clone()).collect();
    let res = weiquan::scan::ScanResult {
        findings,
        rules: Vec::new(),
        manifest,
        rows: 0,
        bytes: 0,
        load_ms: 0,
        rules_ms: 0,
    };
    let seen = weiquan::scan::DatasetSeen {
        dir: src.to_path_buf(),
        villages,
    };
    let out = std::env::temp_dir().join(format!("writebench-{}", std::process::id()));
    println!(
        "{} findings, rss before {:.0} MB",
        res.findings.len(),
        rss_bytes().unwrap_or(0) as f64 / 1e6
    );
    for i in 1..=runs {
        reset_peak_rss();
        let (t, c) = (Instant::now(), cpu_seconds().unwrap_or(0.0));
        let store = weiquan::scan::StoreOptions {
            db: db.clone(),
            by: "writebench".into(),
        };
        let tri = weiquan::scan::write_outputs_tracked(&out, &seen, &res, false, &store)
            .expect("written");
        println!(
            "run {i}: wall {:.3} s, cpu {:.3} s, peak {:.0} MB, rss after {:.0} MB — {}",
            t.elapsed().as_secs_f64(),
            cpu_seconds().unwrap_or(0.0) - c,
            peak_rss_bytes().unwrap_or(0) as f64 / 1e6,
            rss_bytes().unwrap_or(0) as f64 / 1e6,
            tri.summary_line()
        );
    }
    let _ = std::fs::remove_dir_all(&out);
}
