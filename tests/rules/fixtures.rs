//! Every rule runs on every case of its fixture folder,
//! `tests/fixtures/<rule name>/<case>/`: the case's tables, its optional
//! `params.toml` (the rule's parameters), and `expected.txt`, the findings
//! with their evidence. `WEIQUAN_BLESS=1 cargo test --test rules` writes
//! `expected.txt` anew; review the diff before committing it.
//!
//! Each rule must have a `fire` case that finds something and a `near_miss`
//! case that finds nothing; the `clean` fixture holds every table, and every
//! rule runs on it and finds nothing.

use std::path::{Path, PathBuf};

use weiquan::config::RulesConfig;
use weiquan::dataset::{Dataset, LoadOptions};
use weiquan::engine::RuleStatus;
use weiquan::rules::registry;

use crate::common::{bless, fixture, render_with_evidence};

/// The case folders of a rule, sorted.
fn cases(name: &str) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(fixture(name)) else {
        return vec![];
    };
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// Run rule `code` on a case folder with its `params.toml`.
fn run_case(code: &str, dir: &Path) -> Result<Vec<weiquan::Finding>, String> {
    let params = std::fs::read_to_string(dir.join("params.toml")).unwrap_or_default();
    let text = format!("[{code}]\n{params}\n");
    let mut cfg = RulesConfig::parse(&text, &dir.join("params.toml")).map_err(|e| e.to_string())?;
    cfg.only(&[code.to_string()]).map_err(|e| e.to_string())?;
    let ds = Dataset::load(dir, &LoadOptions::default()).map_err(|e| e.to_string())?;
    let out = weiquan::engine::run(&ds, &cfg, &|_| {}).map_err(|e| e.to_string())?;
    if let Some(RuleStatus::Skipped { reason }) =
        out.rules.iter().find(|r| r.code == code).map(|r| &r.status)
    {
        return Err(format!("skipped: {reason}"));
    }
    Ok(out.findings)
}

#[test]
fn every_case_gives_its_expected_findings() {
    let mut failures = Vec::new();
    let mut n = 0;
    for rule in registry() {
        for dir in cases(rule.name()) {
            n += 1;
            let got = match run_case(rule.code(), &dir) {
                Ok(f) => render_with_evidence(&f),
                Err(e) => {
                    failures.push(format!("{}: {e}", dir.display()));
                    continue;
                }
            };
            let path = dir.join("expected.txt");
            if bless() {
                std::fs::write(&path, &got).unwrap();
                continue;
            }
            match std::fs::read_to_string(&path) {
                Ok(want) if want == got => {}
                Ok(want) => failures.push(format!(
                    "{}: findings differ from expected.txt\n--- expected\n{want}\n--- got\n{got}",
                    dir.display()
                )),
                Err(_) => failures.push(format!(
                    "{}: no expected.txt (WEIQUAN_BLESS=1 cargo test --test rules writes it)",
                    dir.display()
                )),
            }
        }
    }
    assert!(n >= 2 * registry().len(), "only {n} cases found");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_rule_has_a_fire_and_a_near_miss() {
    let mut problems = Vec::new();
    for rule in registry() {
        let dir = fixture(rule.name());
        for (case, must_fire) in [("fire", true), ("near_miss", false)] {
            let d = dir.join(case);
            if !d.is_dir() {
                problems.push(format!("{}: no fixture {}", rule.code(), d.display()));
                continue;
            }
            match run_case(rule.code(), &d) {
                Ok(f) if must_fire && f.is_empty() => {
                    problems.push(format!("{}: {case} finds nothing", rule.code()))
                }
                Ok(f) if !must_fire && !f.is_empty() => problems.push(format!(
                    "{}: {case} finds {}:\n{}",
                    rule.code(),
                    f.len(),
                    crate::common::render(&f)
                )),
                Ok(_) => {}
                Err(e) => problems.push(format!("{}: {case}: {e}", rule.code())),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_fixture_folder_names_a_rule() {
    for e in std::fs::read_dir(fixture("")).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        assert!(
            name == "clean" || registry().iter().any(|r| r.name() == name),
            "tests/fixtures/{name} is no rule's name"
        );
    }
}

#[test]
fn clean_fixture_holds_every_table_and_every_rule_finds_nothing() {
    let ds = Dataset::load(&fixture("clean"), &LoadOptions::default()).unwrap();
    for t in weiquan::TableKind::ALL {
        assert!(ds.has(t), "the clean fixture lacks {t}");
    }
    let out = weiquan::engine::run(&ds, &RulesConfig::builtin(), &|_| {}).unwrap();
    for r in &out.rules {
        assert!(
            matches!(r.status, RuleStatus::Ran { .. }),
            "{} did not run on the clean fixture: {:?}",
            r.code,
            r.status
        );
    }
    assert_eq!(out.rules.len(), registry().len());
    assert!(
        out.findings.is_empty(),
        "{}",
        crate::common::render(&out.findings)
    );
}
