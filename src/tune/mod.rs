//! `weiquan tune`: sweep one rule parameter (or a grid of two) over a
//! dataset loaded once, and report for each value the queue size and, with
//! labels, precision, recall and F1 of the rule's category (graded by
//! [`crate::eval`]). The values run in parallel (rayon); each runs only the
//! swept rule through [`crate::engine::run`], so findings are sealed,
//! sorted and deduplicated exactly as in a scan.
//!
//! Other rules of the same category (SPL002 beside SPL001) run once, at the
//! base settings, and their findings are graded together with the swept
//! rule's: the labels do not say which rule should find a case, and a scan
//! reports the category as a whole. `alone` grades the swept rule by itself.

mod axis;
mod output;
pub mod plot;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::config::RulesConfig;
use crate::dataset::Dataset;
use crate::engine;
use crate::error::{Error, Result};
use crate::eval::{self, EvalFinding, HardNegative, KnownCase, Score};
use crate::finding::{Finding, Severity};
use crate::rules::{self, Rule};

pub use axis::{Axis, MAX_POINTS, config_with, parse_axis, parse_choice, show, valid_range};
use axis::{grid, param_error};

/// The labels and hard negatives a sweep is graded against.
#[derive(Debug, Clone, Default)]
pub struct Truth {
    pub labels: Vec<KnownCase>,
    pub negatives: Vec<HardNegative>,
    pub has_negatives: bool,
}

pub struct TuneOptions {
    pub rule: &'static dyn Rule,
    /// One or two.
    pub axes: Vec<Axis>,
    pub truth: Option<Truth>,
    /// Grade the swept rule alone, without the other rules of its category.
    pub alone: bool,
}

/// One value (or grid cell) of a sweep.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub values: Vec<f64>,
    /// The swept rule's findings: the queue it adds.
    pub findings: usize,
    pub high: usize,
    /// The category's score (with the other rules of the category unless `alone`).
    pub score: Option<Score>,
    /// Hard negatives of the category flagged.
    pub negatives_flagged: Option<usize>,
    pub millis: u64,
}

impl Point {
    pub fn f1(&self) -> Option<f64> {
        self.score.as_ref().and_then(|s| s.f1)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TuneResult {
    pub rule: String,
    pub category: String,
    pub axes: Vec<Axis>,
    /// Row-major: the first axis varies slowest.
    pub points: Vec<Point>,
    /// The point at the base values, when swept.
    pub base: Option<usize>,
    /// Highest F1; ties go to the point nearest the base values.
    pub best: Option<usize>,
    /// Rules of the same category graded with the swept one, and their findings.
    pub companions: Vec<(String, usize)>,
    pub labels: Option<usize>,
    pub negatives: Option<usize>,
    pub sweep_ms: u64,
}

fn to_eval(f: &Finding) -> EvalFinding {
    EvalFinding {
        finding_id: f.finding_id.clone(),
        rule: f.rule.clone(),
        category: f.category.as_str().to_string(),
        village_code: f.village_code.clone(),
        subject_id: f.subject_id.clone(),
        related_ids: f.related_ids.clone(),
    }
}

/// The config that runs only `rule` with these values.
fn point_config(
    base: &RulesConfig,
    code: &str,
    axes: &[Axis],
    values: &[f64],
) -> Result<RulesConfig> {
    let mut cfg = config_with(base, code, axes, values)?;
    cfg.only(&[code.to_string()])?;
    Ok(cfg)
}

/// A category's labels, its hard negatives, and whether negatives were given.
type CategoryTruth = (Vec<KnownCase>, Vec<HardNegative>, bool);

/// Run the sweep over a loaded dataset.
pub fn sweep(ds: &Dataset, base: &RulesConfig, opts: &TuneOptions) -> Result<TuneResult> {
    let t0 = Instant::now();
    let rule = opts.rule;
    let code = rule.code();
    check_sweep(ds, opts)?;
    let points = grid(&opts.axes);
    if points.len() > MAX_POINTS {
        return Err(param_error(format!(
            "{} grid points; at most {MAX_POINTS}",
            points.len()
        )));
    }
    // Fail on a bad value before running anything.
    let configs: Vec<RulesConfig> = points
        .iter()
        .map(|p| point_config(base, code, &opts.axes, p))
        .collect::<Result<_>>()?;

    let (companions, companion_findings) = if opts.truth.is_some() && !opts.alone {
        companions(ds, base, rule)?
    } else {
        (vec![], vec![])
    };
    let category = rule.category().as_str().to_string();
    let truth: Option<CategoryTruth> = opts.truth.as_ref().map(|t| {
        let labels: Vec<KnownCase> = t
            .labels
            .iter()
            .filter(|l| l.category == category)
            .cloned()
            .collect();
        (labels, t.negatives.clone(), t.has_negatives)
    });

    let results: Vec<Point> = points
        .par_iter()
        .zip(configs.par_iter())
        .map(|(values, cfg)| {
            run_point(
                ds,
                cfg,
                values,
                code,
                &category,
                truth.as_ref(),
                &companion_findings,
            )
        })
        .collect::<Result<_>>()?;

    let base_values: Vec<f64> = opts.axes.iter().map(|a| a.base).collect();
    let base_idx = results.iter().position(|p| p.values == base_values);
    let best = best_point(&results, &opts.axes);
    let negatives = truth.as_ref().filter(|t| t.2).map(|t| {
        t.1.iter()
            .filter(|n| {
                crate::r#gen::labels::negative_category(&n.kind)
                    .is_some_and(|c| c.as_str() == category)
            })
            .count()
    });
    Ok(TuneResult {
        rule: code.to_string(),
        category,
        axes: opts.axes.clone(),
        points: results,
        base: base_idx,
        best,
        companions,
        labels: truth.as_ref().map(|t| t.0.len()),
        negatives,
        sweep_ms: t0.elapsed().as_millis() as u64,
    })
}

/// One or two distinct axes, and the rule's tables present.
fn check_sweep(ds: &Dataset, opts: &TuneOptions) -> Result<()> {
    let code = opts.rule.code();
    if opts.axes.is_empty() || opts.axes.len() > 2 {
        return Err(param_error("give one --param (a sweep) or two (a grid)"));
    }
    if opts.axes.len() == 2 && opts.axes[0].key == opts.axes[1].key {
        return Err(param_error(format!("{} is given twice", opts.axes[0].key)));
    }
    let missing = opts.rule.missing_tables(ds);
    if !missing.is_empty() {
        return Err(Error::config(
            Path::new("--rule"),
            format!(
                "{code} cannot run on {}: table(s) absent: {}",
                ds.dir.display(),
                missing.join(", ")
            ),
        ));
    }
    Ok(())
}

/// The category's other rules, each with its number of findings, and
/// their findings to grade with every point's.
type Companions = (Vec<(String, usize)>, Vec<EvalFinding>);

/// The category's other rules, once, at the base settings.
fn companions(ds: &Dataset, base: &RulesConfig, rule: &dyn Rule) -> Result<Companions> {
    let code = rule.code();
    let mut companions = vec![];
    let mut companion_findings: Vec<EvalFinding> = vec![];
    let others: Vec<String> = base
        .rules
        .iter()
        .filter(|s| {
            s.enabled
                && s.rule.code() != code
                && s.rule.category() == rule.category()
                && s.rule.missing_tables(ds).is_empty()
        })
        .map(|s| s.rule.code().to_string())
        .collect();
    if !others.is_empty() {
        let mut cfg = base.clone();
        cfg.only(&others)?;
        let out = engine::run(ds, &cfg, &|_| {})?;
        for o in &others {
            let n = out.findings.iter().filter(|f| &f.rule == o).count();
            companions.push((o.clone(), n));
        }
        companion_findings = out.findings.iter().map(to_eval).collect();
    }
    Ok((companions, companion_findings))
}

/// One value (or grid cell): run the swept rule alone with `cfg` and grade
/// its findings, with the companions', against the category's truth.
fn run_point(
    ds: &Dataset,
    cfg: &RulesConfig,
    values: &[f64],
    code: &str,
    category: &str,
    truth: Option<&CategoryTruth>,
    companion_findings: &[EvalFinding],
) -> Result<Point> {
    let t = Instant::now();
    let out = engine::run(ds, cfg, &|_| {})?;
    let findings: Vec<&Finding> = out.findings.iter().filter(|f| f.rule == code).collect();
    let high = findings
        .iter()
        .filter(|f| f.severity == Severity::High)
        .count();
    let (score, negatives_flagged) = match truth {
        Some((labels, negatives, has_neg)) => {
            let mut ev: Vec<EvalFinding> = findings.iter().map(|f| to_eval(f)).collect();
            ev.extend(companion_findings.iter().cloned());
            let report = eval::evaluate(&ev, labels, negatives);
            let score = report
                .categories
                .into_iter()
                .find(|s| s.category == category);
            let flagged = report
                .flagged_negatives
                .iter()
                .filter(|n| {
                    crate::r#gen::labels::negative_category(&n.negative.kind)
                        .is_some_and(|c| c.as_str() == category)
                })
                .count();
            (score, has_neg.then_some(flagged))
        }
        None => (None, None),
    };
    Ok(Point {
        values: values.to_vec(),
        findings: findings.len(),
        high,
        score,
        negatives_flagged,
        millis: t.elapsed().as_millis() as u64,
    })
}

/// Highest F1; a tie goes to the point nearest the base values (distance in
/// units of each axis's span), then to the first.
pub fn best_point(points: &[Point], axes: &[Axis]) -> Option<usize> {
    let dist = |p: &Point| -> f64 {
        p.values
            .iter()
            .zip(axes)
            .map(|(v, a)| {
                let lo = a.values.first().copied().unwrap_or(0.0);
                let hi = a.values.last().copied().unwrap_or(0.0);
                let span = if hi > lo { hi - lo } else { 1.0 };
                ((v - a.base) / span).abs()
            })
            .sum()
    };
    let mut best: Option<(usize, f64, f64)> = None;
    for (i, p) in points.iter().enumerate() {
        let Some(f1) = p.f1() else { continue };
        let d = dist(p);
        let better = match best {
            None => true,
            Some((_, bf, bd)) => f1 > bf + 1e-12 || ((f1 - bf).abs() <= 1e-12 && d < bd - 1e-12),
        };
        if better {
            best = Some((i, f1, d));
        }
    }
    best.map(|b| b.0)
}

/// Read labels and negatives: explicit paths, else `labels.csv` and
/// `negatives.csv` in the dataset folder when present.
pub fn load_truth(
    dataset: &Path,
    labels: Option<&Path>,
    negatives: Option<&Path>,
    no_labels: bool,
) -> Result<Option<Truth>> {
    if no_labels {
        return Ok(None);
    }
    let lp = labels
        .map(Path::to_path_buf)
        .or_else(|| Some(dataset.join("labels.csv")).filter(|p| p.is_file()));
    let Some(lp) = lp else { return Ok(None) };
    let labels = eval::read_labels(&lp)?;
    let np = negatives
        .map(Path::to_path_buf)
        .or_else(|| Some(dataset.join("negatives.csv")).filter(|p| p.is_file()));
    let (negatives, has_negatives) = match np {
        Some(p) => (eval::read_negatives(&p)?, true),
        None => (vec![], false),
    };
    Ok(Some(Truth {
        labels,
        negatives,
        has_negatives,
    }))
}

/// Look a rule up for `--rule`.
pub fn find_rule(code: &str) -> Result<&'static dyn Rule> {
    rules::find(code).ok_or_else(|| {
        Error::config(
            Path::new("--rule"),
            format!("unknown rule `{code}` (see `weiquan rules`)"),
        )
    })
}

/// Keys that can be swept (numbers), for help and errors.
pub fn numeric_keys(rule: &dyn Rule) -> BTreeSet<String> {
    rule.default_params()
        .iter()
        .filter(|(_, v)| v.is_integer() || v.is_float())
        .map(|(k, _)| k.clone())
        .collect()
}

/// Everything `weiquan tune` is given.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub dataset: std::path::PathBuf,
    pub rule: String,
    /// `NAME=FROM..TO[:STEP]`, one or two.
    pub params: Vec<String>,
    pub labels: Option<std::path::PathBuf>,
    pub negatives: Option<std::path::PathBuf>,
    pub no_labels: bool,
    pub alone: bool,
    pub out: std::path::PathBuf,
    pub write: Option<std::path::PathBuf>,
    /// One value per parameter, comma-separated.
    pub choose: Option<String>,
    pub load: crate::dataset::LoadOptions,
}

pub struct RunOutcome {
    pub result: TuneResult,
    pub load_ms: u64,
    /// The values written with `--write`, and where.
    pub written: Option<(Vec<f64>, std::path::PathBuf)>,
}

/// `weiquan tune`: check the flags, load the dataset once, sweep, write
/// `tune.csv` (and for a grid `tune-f1.csv`, `tune-findings.csv`),
/// `tune.png` and `tune.svg` into `out` (atomically), and with `write` a
/// rules file.
pub fn run(base: &RulesConfig, opts: &RunOptions) -> Result<RunOutcome> {
    let rule = find_rule(&opts.rule)?;
    if opts.params.is_empty() || opts.params.len() > 2 {
        return Err(param_error(
            "give one --param NAME=FROM..TO[:STEP] (a sweep) or two (a grid)",
        ));
    }
    let base_params = base
        .setting(rule.code())
        .map(|s| s.params.clone())
        .unwrap_or_else(|| rule.default_params());
    let axes: Vec<Axis> = opts
        .params
        .iter()
        .map(|p| parse_axis(p, rule, &base_params))
        .collect::<Result<_>>()?;
    let choice = opts
        .choose
        .as_deref()
        .map(|c| parse_choice(c, &axes))
        .transpose()?;
    if let Some(c) = &choice {
        config_with(base, rule.code(), &axes, c)?;
    }
    let truth = load_truth(
        &opts.dataset,
        opts.labels.as_deref(),
        opts.negatives.as_deref(),
        opts.no_labels,
    )?;
    if opts.write.is_some() && choice.is_none() && truth.is_none() {
        return Err(Error::config(
            Path::new("--write"),
            "no labels, so no best F1 to write: give --choose VALUE (or --labels FILE)",
        ));
    }
    let t0 = Instant::now();
    let ds = Dataset::load(&opts.dataset, &opts.load)?;
    let load_ms = t0.elapsed().as_millis() as u64;
    let result = sweep(
        &ds,
        base,
        &TuneOptions {
            rule,
            axes: axes.clone(),
            truth,
            alone: opts.alone,
        },
    )?;
    let staged = crate::report::StagedDir::new(&opts.out)?;
    result.write_csv(&staged.path("tune.csv"))?;
    if axes.len() == 2 {
        result.write_matrix_csv(&staged.path("tune-f1.csv"), true)?;
        result.write_matrix_csv(&staged.path("tune-findings.csv"), false)?;
    }
    plot::write_plots(&result, &staged.tmp, "tune")?;
    staged.commit()?;
    let written = match &opts.write {
        None => None,
        Some(path) => {
            let values = match choice.or_else(|| result.best_values()) {
                Some(v) => v,
                None => {
                    return Err(Error::config(
                        Path::new("--write"),
                        "no value has an F1 (no labelled case and no finding): give --choose VALUE",
                    ));
                }
            };
            let cfg = config_with(base, rule.code(), &axes, &values)?;
            std::fs::write(path, cfg.to_toml()).map_err(|e| Error::output(path, e))?;
            Some((values, path.clone()))
        }
    };
    Ok(RunOutcome {
        result,
        load_ms,
        written,
    })
}
