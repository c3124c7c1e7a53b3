#![allow(dead_code)]
//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

use weiquan::config::RulesConfig;
use weiquan::dataset::{Dataset, LoadOptions};
use weiquan::finding::Finding;

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

/// Run one rule (by code) on a fixture folder, with optional parameter overrides
/// given as a TOML table body.
pub fn run_rule(code: &str, dir: &Path, overrides: &str) -> Vec<Finding> {
    let text = format!("[{code}]\n{overrides}\n");
    let mut cfg = RulesConfig::parse(&text, Path::new("<test>")).expect("valid test config");
    cfg.only(&[code.to_string()]).unwrap();
    let ds = Dataset::load(dir, &LoadOptions::default()).expect("fixture loads");
    weiquan::engine::run(&ds, &cfg, &|_| {})
        .expect("rule runs")
        .findings
}

/// A compact, reviewable rendering of findings for snapshots.
pub fn render(findings: &[Finding]) -> String {
    let mut s = String::new();
    for f in findings {
        s.push_str(&format!(
            "{} {} {} village={} subject={} related=[{}] amount={} score={}\n  {}\n",
            f.rule,
            f.category,
            f.severity,
            f.village_code,
            f.subject_id,
            f.related_ids.join(";"),
            f.amount_yuan(),
            f.score,
            f.message
        ));
    }
    s
}
