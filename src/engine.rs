//! Runs the enabled rules over one loaded dataset, in parallel (rayon), and
//! returns the findings sorted and sealed.

use std::time::Instant;

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

/// Run every enabled rule whose tables are present. `on_done` is called as
/// each rule finishes (progress bars).
pub fn run(ds: &Dataset, cfg: &RulesConfig, on_done: &(dyn Fn(&str) + Sync)) -> Result<RunOutput> {
    let results: Vec<(RuleRun, Result<Vec<Finding>>)> = cfg
        .rules
        .par_iter()
        .map(|s| {
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
            let res = r.check(ds, &s.params);
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
        })
        .collect();
    let mut findings = Vec::new();
    let mut rules = Vec::new();
    for (run, res) in results {
        findings.extend(res?);
        rules.push(run);
    }
    for f in &mut findings {
        f.seal();
    }
    sort_findings(&mut findings);
    // The same facts reported twice by one rule are one finding.
    let mut seen = std::collections::HashSet::new();
    findings.retain(|f| seen.insert(f.finding_id.clone()));
    Ok(RunOutput { findings, rules })
}
