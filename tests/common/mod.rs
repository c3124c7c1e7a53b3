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

/// [`render`] with each finding's evidence, pretty-printed: what a fixture's
/// `expected.txt` holds.
pub fn render_with_evidence(findings: &[Finding]) -> String {
    let mut s = String::new();
    for f in findings {
        s.push_str(&render(std::slice::from_ref(f)));
        let ev = serde_json::to_string_pretty(&f.evidence).unwrap();
        for line in ev.lines() {
            s.push_str("  | ");
            s.push_str(line);
            s.push('\n');
        }
    }
    s
}

/// `WEIQUAN_BLESS=1`: tests that compare with a file in the repo write it
/// instead (fixtures' expected.txt, docs/rules.md, the README's table).
pub fn bless() -> bool {
    std::env::var_os("WEIQUAN_BLESS").is_some_and(|v| v == "1")
}
