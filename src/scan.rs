//! One scan: load a dataset folder, run the rule pack, write the findings
//! folder atomically with its manifest.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::json;

use crate::config::RulesConfig;
use crate::dataset::{Dataset, LoadOptions};
use crate::engine::{self, RuleRun, RuleStatus};
use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::report;

#[derive(Clone, Default)]
pub struct ScanOptions {
    pub load: LoadOptions,
    pub mask_pii: bool,
}

pub struct ScanResult {
    pub findings: Vec<Finding>,
    pub rules: Vec<RuleRun>,
    pub manifest: serde_json::Value,
    pub rows: usize,
    pub bytes: u64,
    pub load_ms: u64,
    pub rules_ms: u64,
}

/// Load and run, without writing anything.
pub fn run_dataset(
    dataset: &Path,
    cfg: &RulesConfig,
    opts: &ScanOptions,
    on_rule_done: &(dyn Fn(&str) + Sync),
) -> Result<(Dataset, ScanResult)> {
    let t0 = Instant::now();
    let ds = Dataset::load(dataset, &opts.load)?;
    let load_ms = t0.elapsed().as_millis() as u64;
    let t1 = Instant::now();
    let out = engine::run(&ds, cfg, on_rule_done)?;
    let rules_ms = t1.elapsed().as_millis() as u64;
    let manifest = manifest(&ds, cfg, &out.findings, &out.rules, load_ms, rules_ms);
    let res = ScanResult {
        findings: out.findings,
        rules: out.rules,
        manifest,
        rows: ds.total_rows(),
        bytes: ds.total_bytes(),
        load_ms,
        rules_ms,
    };
    Ok((ds, res))
}

/// Write `findings.csv`, `findings.jsonl` and `run.json` into `out`, atomically.
pub fn write_outputs(out: &Path, res: &ScanResult, mask_pii: bool) -> Result<PathBuf> {
    let staged = report::StagedDir::new(out)?;
    let masked: Vec<Finding>;
    let findings = if mask_pii {
        masked = res.findings.iter().map(report::mask_finding).collect();
        &masked
    } else {
        &res.findings
    };
    report::write_findings_csv(&staged.path("findings.csv"), findings)?;
    report::write_findings_jsonl(&staged.path("findings.jsonl"), findings)?;
    let mut manifest = res.manifest.clone();
    manifest["mask_pii"] = json!(mask_pii);
    let run_json = staged.path("run.json");
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| Error::output(&run_json, e))?;
    std::io::Write::write_all(&mut report::create_private(&run_json)?, text.as_bytes())
        .map_err(|e| Error::output(&run_json, e))?;
    staged.commit()?;
    Ok(out.to_path_buf())
}

fn manifest(
    ds: &Dataset,
    cfg: &RulesConfig,
    findings: &[Finding],
    runs: &[RuleRun],
    load_ms: u64,
    rules_ms: u64,
) -> serde_json::Value {
    let mut by_category: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_severity: BTreeMap<&str, usize> = BTreeMap::new();
    for f in findings {
        *by_category.entry(f.category.as_str()).or_default() += 1;
        *by_severity.entry(f.severity.as_str()).or_default() += 1;
    }
    let rules: Vec<_> = cfg
        .rules
        .iter()
        .map(|s| {
            let run = runs.iter().find(|r| r.code == s.rule.code());
            json!({
                "code": s.rule.code(),
                "name": s.rule.name(),
                "category": s.rule.category(),
                "enabled": s.enabled,
                "params": s.params,
                "run": run,
            })
        })
        .collect();
    let absent: Vec<&str> = crate::dataset::TableKind::ALL
        .iter()
        .filter(|t| !ds.has(**t))
        .map(|t| t.canonical())
        .collect();
    let mut issue_counts: BTreeMap<String, usize> = BTreeMap::new();
    for i in &ds.issues {
        *issue_counts.entry(format!("{:?}", i.kind)).or_default() += 1;
    }
    json!({
        "tool": "weiquan",
        "version": env!("CARGO_PKG_VERSION"),
        "dataset": ds.dir,
        "rules_file": cfg.source,
        "inputs": ds.tables.values().map(|t| &t.source).collect::<Vec<_>>(),
        "absent_tables": absent,
        "ignored_files": ds.ignored,
        "load_issues": issue_counts,
        "rules": rules,
        "params_differing_from_default": cfg.differences_from_default().iter()
            .map(|(c, k, v)| json!({"rule": c, "param": k, "value": v})).collect::<Vec<_>>(),
        "counts": {"total": findings.len(), "by_category": by_category, "by_severity": by_severity},
        "timings_ms": {"load": load_ms, "rules": rules_ms},
        "rows": ds.total_rows(),
        "bytes": ds.total_bytes(),
    })
}

/// The console summary: counts by category and severity, top villages,
/// skipped rules.
pub fn summary(res: &ScanResult) -> String {
    let mut s = String::new();
    let f = &res.findings;
    s.push_str(&format!(
        "{} findings from {} rows ({:.1} MB) — load {} ms, rules {} ms\n",
        f.len(),
        res.rows,
        res.bytes as f64 / 1e6,
        res.load_ms,
        res.rules_ms
    ));
    let mut cat: BTreeMap<(&str, &str), [usize; 3]> = BTreeMap::new();
    let mut village: BTreeMap<&str, usize> = BTreeMap::new();
    for x in f {
        let e = cat
            .entry((x.category.as_str(), x.category.label_zh()))
            .or_default();
        e[x.severity as usize] += 1;
        *village.entry(&x.village_code).or_default() += 1;
    }
    if !cat.is_empty() {
        s.push_str(&format!(
            "  {:<24}{:>6}{:>8}{:>6}\n",
            "category", "high", "medium", "low"
        ));
        for ((c, zh), n) in &cat {
            s.push_str(&format!(
                "  {:<24}{:>6}{:>8}{:>6}  {zh}\n",
                c, n[0], n[1], n[2]
            ));
        }
        let mut top: Vec<_> = village.into_iter().collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let top: Vec<String> = top
            .iter()
            .take(5)
            .map(|(v, n)| format!("{v} ({n})"))
            .collect();
        s.push_str(&format!("  top villages: {}\n", top.join(", ")));
    }
    for r in &res.rules {
        if let RuleStatus::Skipped { reason } = &r.status {
            s.push_str(&format!("  skipped {} {}: {reason}\n", r.code, r.name));
        }
    }
    s
}
