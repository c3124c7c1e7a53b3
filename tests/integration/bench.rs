//! `weiquan bench`: the shape of its report (not its timings) on the demo
//! export, from the library and from the command line.

use std::path::Path;
use std::process::Command;

use weiquan::RulesConfig;
use weiquan::bench::{self, BenchOptions};

fn demo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/demo"))
}

#[test]
fn report_has_every_phase_every_rule_and_the_yardstick() {
    let cfg = RulesConfig::builtin();
    let r = bench::run(demo(), &cfg, &BenchOptions::default()).unwrap();
    let phases: Vec<&str> = r.phases.iter().map(|p| p.phase.as_str()).collect();
    assert_eq!(phases, ["load", "rules", "write", "scan"]);
    // The demo holds every table the generator writes.
    assert_eq!(r.tables, weiquan::r#gen::write::TABLES.len());
    assert!(r.rows > 10_000 && r.bytes > 1_000_000);
    assert_eq!(r.rules.len(), weiquan::rules::registry().len());
    for rule in &r.rules {
        assert_eq!(rule.status, "ran", "{}", rule.code);
        let alone = rule.alone.as_ref().expect("each rule is run alone");
        assert!(alone.usage.wall_s > 0.0);
    }
    let ledger = r.rules.iter().find(|x| x.code == "CSH001").unwrap();
    assert_eq!(ledger.tables, ["ledger"]);
    assert!(ledger.rows > 0 && ledger.findings > 0);
    // The scan is the sum of its phases.
    let sum: f64 = r.phases[..3].iter().map(|p| p.usage.wall_s).sum();
    assert!((r.phases[3].usage.wall_s - sum).abs() < 1e-9);
    // polars reads the UTF-8 CSV files; the roll is an xlsx file and the
    // ledger GBK: left out and said so.
    let y = r.yardstick.as_ref().expect("yardstick timed");
    let skipped: Vec<String> = r
        .yardstick_skipped
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        skipped.contains(&"补贴救助发放花名册.xlsx".to_string()),
        "{skipped:?}"
    );
    assert!(
        skipped.contains(&"集体资金收支明细.csv".to_string()),
        "{skipped:?}"
    );
    assert!(y.rows > 0 && y.rows < r.rows);
    assert!(r.scan_over_yardstick.unwrap() > 0.0);
    // The load against the same read: its own ratio, below the scan's.
    let load = r.load_over_yardstick.unwrap();
    assert_eq!(load, r.phases[0].usage.wall_s / y.usage.wall_s);
    assert!(load > 0.0 && load <= r.scan_over_yardstick.unwrap());
    if cfg!(target_os = "linux") {
        let peak = r.scan_peak_rss_mb.expect("VmHWM on Linux");
        assert!(peak > 1.0);
        assert!(r.phases[0].usage.cpu_s.is_some());
        assert!(r.peak_rss_over_input.unwrap() > 0.0);
    }
}

#[test]
fn cli_bench_only_one_rule_writes_json_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let json = tmp.path().join("bench.json");
    let out = Command::new(env!("CARGO_BIN_EXE_weiquan"))
        .current_dir(tmp.path())
        .args([
            "bench",
            "--only",
            "CSH001",
            "--no-isolate",
            "--threads",
            "2",
            "--json",
        ])
        .arg(&json)
        .arg(demo())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("phase")
            && text.contains("CSH001")
            && text.contains("scan / polars read")
            && text.contains("load / polars read")
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(v["threads"], 2);
    let rules = v["rules"].as_array().unwrap();
    let ran: Vec<&str> = rules
        .iter()
        .filter(|r| r["status"] == "ran")
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(ran, ["CSH001"]);
    assert!(rules.iter().all(|r| r["alone"].is_null()));
    // The yardstick ran in a child process and came back.
    assert!(v["yardstick"]["rows"].as_u64().unwrap() > 0);
    assert!(!v["yardstick_skipped"].as_array().unwrap().is_empty());
    assert!(v["frames_mb"].as_f64().unwrap() > 0.0);
    for key in [
        "wall_s",
        "cpu_s",
        "cores_busy",
        "peak_rss_mb",
        "rows_per_s",
        "mb_per_s",
    ] {
        assert!(v["phases"][0].get(key).is_some(), "{key}");
    }
    // Only the report: no findings folder, no case store.
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(left.len(), 1);
}
