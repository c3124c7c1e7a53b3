//! One scan: load a dataset folder, run the rule pack, write the findings
//! folder atomically with its manifest and `report.html`, and (with a case
//! store) record the run so that the next one knows what is new.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::json;

use crate::config::RulesConfig;
use crate::dataset::{Dataset, LoadOptions};
use crate::engine::{self, RuleRun, RuleStatus};
use crate::error::{Error, Result};
use crate::finding::{Finding, Outbound};
use crate::money::fen_to_yuan_string;
use crate::privacy::PiiKey;
use crate::report::{self, html};
use crate::triage;

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

/// Drop `x` on a thread of its own, so that freeing it (the frames: about
/// 0.1 s at 2,000 villages) overlaps the write phase instead of coming
/// before it. Join the handle to know it is freed.
pub fn drop_aside<T: Send + 'static>(x: T) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || drop(x))
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
    let res = scan_result(&ds, cfg, out, load_ms, rules_ms);
    Ok((ds, res))
}

/// The result of a run of the rule pack over a loaded dataset, with its
/// manifest (for callers that load and run separately, e.g. `bench`).
pub fn scan_result(
    ds: &Dataset,
    cfg: &RulesConfig,
    out: engine::RunOutput,
    load_ms: u64,
    rules_ms: u64,
) -> ScanResult {
    let manifest = manifest(ds, cfg, &out.findings, &out.rules, load_ms, rules_ms);
    ScanResult {
        findings: out.findings,
        rules: out.rules,
        manifest,
        rows: ds.total_rows(),
        bytes: ds.total_bytes(),
        load_ms,
        rules_ms,
    }
}

/// Write `findings.csv`, `findings.jsonl`, `run.json` and `report.html` into
/// `out`, atomically, without a case store.
pub fn write_outputs(out: &Path, res: &ScanResult, mask_pii: bool) -> Result<PathBuf> {
    let staged = report::StagedDir::new(out)?;
    // No store to keep a key in: masked ids are stable within this run only.
    let key = PiiKey::random();
    write_staged(&staged, res, None, mask_pii.then_some(&key), None)?;
    staged.commit()?;
    Ok(out.to_path_buf())
}

/// Where and as whom a scan records itself in the case store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub db: PathBuf,
    pub by: String,
}

/// Record the run in the case store (new / recurring / reopened / gone) and
/// write the outputs with the store's view of each finding. The store's
/// transaction commits only after every output file is written, and the
/// output folder is moved into place after that: a run that fails or is
/// killed on the way leaves the store as it was.
/// What the case store needs to know of the dataset once the rules have
/// run: its folder and the villages present (only their cases can be
/// gone). Taken before the write phase so that the frames can be dropped
/// while the outputs are written.
#[derive(Debug, Clone, Default)]
pub struct DatasetSeen {
    pub dir: PathBuf,
    pub villages: BTreeSet<String>,
}

impl DatasetSeen {
    pub fn of(ds: &Dataset) -> DatasetSeen {
        DatasetSeen {
            dir: ds.dir.clone(),
            villages: triage::dataset_villages(ds),
        }
    }
}

pub fn write_outputs_tracked(
    out: &Path,
    ds: &DatasetSeen,
    res: &ScanResult,
    mask_pii: bool,
    store: &StoreOptions,
) -> Result<triage::RunTriage> {
    let mut db = triage::Store::open(&store.db)?;
    let key = if mask_pii { Some(db.pii_key()?) } else { None };
    let started =
        chrono::Local::now() - chrono::Duration::milliseconds((res.load_ms + res.rules_ms) as i64);
    let mut manifest = res.manifest.clone();
    manifest["mask_pii"] = json!(mask_pii);
    let input = triage::RunInput {
        dataset: ds.dir.display().to_string(),
        out_dir: Some(out.display().to_string()),
        started_at: started.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        manifest,
        ran_rules: res
            .rules
            .iter()
            .filter(|r| matches!(r.status, RuleStatus::Ran { .. }))
            .map(|r| r.code.to_string())
            .collect(),
        villages: ds.villages.clone(),
        by: store.by.clone(),
    };
    // The store keeps the findings as found, the outputs unless masked.
    let found = Outbound::new(&res.findings);
    let pending = db.begin_run(&input, &found)?;
    let staged = report::StagedDir::new(out)?;
    // The marks are decided: the outputs are written while the store
    // writes its rows, and the store commits once both are done.
    let (t, ()) = pending.commit_with(|triage| {
        write_staged(&staged, res, Some(&found), key.as_ref(), Some(triage))
    })?;
    staged.commit()?;
    Ok(t)
}

/// `mask`: the key of `--mask-pii` pseudonyms, when masking. `found`:
/// the findings as found, when the caller has them on their way out
/// already (the store's).
fn write_staged(
    staged: &report::StagedDir,
    res: &ScanResult,
    found: Option<&Outbound<'_>>,
    mask: Option<&PiiKey>,
    triage: Option<&triage::RunTriage>,
) -> Result<()> {
    let mask_pii = mask.is_some();
    let masked: Vec<Finding>;
    let outbound: Outbound;
    let findings = match (mask, found) {
        (Some(key), _) => {
            masked = res
                .findings
                .iter()
                .map(|f| report::mask_finding(f, key))
                .collect();
            outbound = Outbound::new(&masked);
            &outbound
        }
        (None, Some(found)) => found,
        (None, None) => {
            outbound = Outbound::new(&res.findings);
            &outbound
        }
    };
    let mut manifest = res.manifest.clone();
    manifest["mask_pii"] = json!(mask_pii);
    if let Some(t) = triage {
        manifest["triage"] = json!({
            "db": t.db,
            "run_id": t.run_id,
            "counts": t.counts,
        });
    }
    // The three outputs are independent: write them at once.
    let (csv, (jsonl, rest)) = rayon::join(
        || report::write_findings_csv(&staged.path("findings.csv"), findings),
        || {
            rayon::join(
                || report::write_findings_jsonl(&staged.path("findings.jsonl"), findings),
                || write_manifest_and_report(staged, findings, &manifest, mask, triage),
            )
        },
    );
    csv?;
    jsonl?;
    rest
}

/// run.json and report.html.
fn write_manifest_and_report(
    staged: &report::StagedDir,
    findings: &Outbound<'_>,
    manifest: &serde_json::Value,
    mask: Option<&PiiKey>,
    triage: Option<&triage::RunTriage>,
) -> Result<()> {
    let mask_pii = mask.is_some();
    let pseudo = |id: &str| match mask {
        Some(key) => key.pseudonym(id),
        None => id.to_string(),
    };
    let run_json = staged.path("run.json");
    let text = serde_json::to_string_pretty(manifest).map_err(|e| Error::output(&run_json, e))?;
    std::io::Write::write_all(&mut report::create_private(&run_json)?, text.as_bytes())
        .map_err(|e| Error::output(&run_json, e))?;

    let rows: Option<BTreeMap<String, html::RowTriage>> = triage.map(|t| {
        t.by_finding
            .iter()
            .map(|(id, x)| {
                let row = html::RowTriage {
                    case_id: pseudo(&x.case_id),
                    mark: x.mark.as_str().to_string(),
                    status: x.status.as_str().to_string(),
                    hidden: x.hidden,
                };
                (pseudo(id), row)
            })
            .collect()
    });
    let gone: Vec<html::GoneCase> = triage
        .map(|t| t.gone.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|c| {
            let c = match mask {
                Some(key) => c.masked(key),
                None => c.clone(),
            };
            html::GoneCase {
                case_id: c.case_id,
                rule: c.rule,
                category: c.category,
                severity: c.severity.as_str().to_string(),
                score: c.score,
                village_code: c.village_code,
                subject_id: c.subject_id,
                amount: fen_to_yuan_string(c.amount_fen),
                message: c.message,
                status: c.status.as_str().to_string(),
                gone_since_run: c.gone_run,
            }
        })
        .collect();
    html::write_report(
        &staged.path("report.html"),
        &html::ReportInput {
            findings,
            triage: rows.as_ref(),
            gone: &gone,
            manifest,
            mask_pii,
            run_id: triage.map(|t| t.run_id),
        },
    )
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
    // Weak signals rank cases and are no cases: counted apart, by rule.
    let mut weak_by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for f in findings.iter().filter(|f| crate::ranking::is_weak(f)) {
        *weak_by_rule.entry(f.rule.as_str()).or_default() += 1;
    }
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
        "counts": {"total": findings.len(), "by_category": by_category, "by_severity": by_severity,
            "cases": findings.iter().filter(|f| !crate::ranking::is_weak(f)).count(),
            "weak_signals": weak_by_rule},
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
    let mut weak: BTreeMap<&str, usize> = BTreeMap::new();
    for x in f {
        // Weak signals rank the cases; they are listed apart, not as cases.
        if crate::ranking::is_weak(x) {
            *weak.entry(x.rule.as_str()).or_default() += 1;
            continue;
        }
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
    if !weak.is_empty() {
        let by: Vec<String> = weak.iter().map(|(r, n)| format!("{r} {n}")).collect();
        s.push_str(&format!(
            "  weak signals (raise the cases they bear on; not cases): {} ({})\n",
            weak.values().sum::<usize>(),
            by.join(", ")
        ));
    }
    for r in &res.rules {
        if let RuleStatus::Skipped { reason } = &r.status {
            s.push_str(&format!("  skipped {} {}: {reason}\n", r.code, r.name));
        }
    }
    s
}
