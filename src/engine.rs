//! Runs the enabled rules over one loaded dataset, in parallel (rayon), and
//! returns the findings sorted and sealed.

use std::time::Instant;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use serde::Serialize;

use crate::config::RulesConfig;
use crate::dataset::Dataset;
use crate::error::Result;
use crate::finding::{Finding, sort_findings};

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum RuleStatus {
    Ran { findings: usize, millis: u64 },
    Skipped { reason: String },
    Disabled,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleRun {
    pub code: &'static str,
    pub name: &'static str,
    #[serde(flatten)]
    pub status: RuleStatus,
}

pub struct RunOutput {
    pub findings: Vec<Finding>,
    pub rules: Vec<RuleRun>,
}

/// What one rule's run left: its status line and its findings or error.
type Outcome = (RuleRun, Result<Vec<Finding>>);

/// Call `f` on every item of `order`, on one plain thread per core of the
/// rayon pool, each thread taking the next item.
fn run_on_threads(order: &[usize], f: impl Fn(usize) + Sync) {
    let next = AtomicUsize::new(0);
    let workers = rayon::current_num_threads().clamp(1, order.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    f(i);
                }
            });
        }
    });
}

/// The rules in the order they are started: longest first (each rule's time
/// alone at 2,000 villages, `weiquan bench`), so that the last rule to start
/// is a short one and no core idles at the end. Rules not listed start last.
const LONGEST_FIRST: &[&str] = &[
    "KIN001", "PUB001", "SPL002", "GHO001", "DUP004", "DUP003", "DEA001", "DEC001", "CSH001",
    "DUP001", "ELG001", "DEC002", "SPL001", "DUP002", "ID001",
];

/// Run every enabled rule whose tables are present. `on_done` is called as
/// each rule finishes (progress bars).
///
/// Rules run on one plain thread per core, each taking the next rule, and
/// not as rayon tasks: a rule's own parallel parts (polars, `par_iter`) go to
/// the rayon pool, and a thread waiting for them does not pick up another
/// rule meanwhile. With rayon tasks, a wait inside one rule started the next
/// rule on the same stack, so more rules' working sets were alive at once
/// than there are cores (the peak memory of a scan at 2,000 villages).
pub fn run(ds: &Dataset, cfg: &RulesConfig, on_done: &(dyn Fn(&str) + Sync)) -> Result<RunOutput> {
    let rank = |code: &str| {
        LONGEST_FIRST
            .iter()
            .position(|c| *c == code)
            .unwrap_or(LONGEST_FIRST.len())
    };
    let mut order: Vec<usize> = (0..cfg.rules.len()).collect();
    order.sort_by_key(|&i| rank(cfg.rules[i].rule.code()));
    let slots: Vec<Mutex<Option<Outcome>>> = cfg.rules.iter().map(|_| Mutex::new(None)).collect();
    let run_one = |s: &crate::config::RuleSetting| {
        let r = s.rule;
        let run = |status| RuleRun {
            code: r.code(),
            name: r.name(),
            status,
        };
        if !s.enabled {
            return (run(RuleStatus::Disabled), Ok(vec![]));
        }
        let missing = r.missing_tables(ds);
        if !missing.is_empty() {
            on_done(r.code());
            let reason = format!("table(s) absent: {}", missing.join(", "));
            return (run(RuleStatus::Skipped { reason }), Ok(vec![]));
        }
        let t = Instant::now();
        let res = r.check(ds, &s.params).map_err(|e| e.in_rule(r.code()));
        let millis = t.elapsed().as_millis() as u64;
        on_done(r.code());
        let n = res.as_ref().map(|f| f.len()).unwrap_or(0);
        (
            run(RuleStatus::Ran {
                findings: n,
                millis,
            }),
            res,
        )
    };
    if rayon::current_thread_index().is_some() {
        // Called from a rayon task (the tuner runs one scan per value): plain
        // threads waiting here would hold the pool's workers while the rules'
        // own parallel parts wait for a free worker. Rules run as rayon tasks.
        order.par_iter().for_each(|&i| {
            let out = run_one(&cfg.rules[i]);
            *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(out);
        });
    } else {
        run_on_threads(&order, |i| {
            let out = run_one(&cfg.rules[i]);
            *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(out);
        });
    }
    let results = slots
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
        .map(|r| r.expect("every rule ran"));
    let mut findings = Vec::new();
    let mut rules = Vec::new();
    for (run, res) in results {
        findings.extend(res?);
        rules.push(run);
    }
    for f in &mut findings {
        if !ds.sheets.is_empty() {
            ds.cite_rows(&mut f.evidence);
        }
        f.seal();
    }
    sort_findings(&mut findings);
    // The same facts reported twice by one rule are one finding.
    let mut seen = std::collections::HashSet::new();
    findings.retain(|f| seen.insert(f.finding_id.clone()));
    // Weak signals below every case, raising the cases they bear on.
    crate::ranking::apply(&mut findings);
    sort_findings(&mut findings);
    Ok(RunOutput { findings, rules })
}
