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

/// Most points one sweep may have (a grid counts every cell).
pub const MAX_POINTS: usize = 2000;

fn param_error(msg: impl std::fmt::Display) -> Error {
    Error::config(Path::new("--param"), msg)
}

/// One swept parameter and its values.
#[derive(Debug, Clone, Serialize)]
pub struct Axis {
    /// The kebab-case key of `rules/default.toml`.
    pub key: String,
    /// An integer parameter (days, counts): integer values and steps.
    pub integer: bool,
    /// Ascending, deduplicated.
    pub values: Vec<f64>,
    /// The value in the rules file in use (the shipped default without `--rules`).
    pub base: f64,
    /// The shipped default.
    pub shipped: f64,
}

impl Axis {
    pub fn value(&self, v: f64) -> toml::Value {
        if self.integer {
            toml::Value::Integer(v as i64)
        } else {
            toml::Value::Float(v)
        }
    }
}

/// A value as a person writes it: `100000`, `0.85`, `7`.
pub fn show(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// The values a parameter may take, by the kind of its key: shares,
/// similarities, factors and rates are 0–1; score weights and scores are
/// 0–100; every other number (money, days, counts) is at least 0. The rule's
/// own parameter check (types, e.g. a count cannot be negative) runs too.
pub fn valid_range(key: &str) -> (f64, f64) {
    if key.ends_with("-share")
        || key.ends_with("-similarity")
        || key.ends_with("-factor")
        || key.ends_with("-rate")
    {
        (0.0, 1.0)
    } else if key.starts_with("score-") || key.starts_with("weight-") || key.ends_with("-score") {
        (0.0, 100.0)
    } else {
        (0.0, f64::INFINITY)
    }
}

fn range_text(lo: f64, hi: f64) -> String {
    if hi.is_infinite() {
        format!("≥ {}", show(lo))
    } else {
        format!("{}–{}", show(lo), show(hi))
    }
}

fn parse_number(s: &str, integer: bool, key: &str, spec: &str) -> Result<f64> {
    let t = s.trim().replace('_', "");
    if integer {
        t.parse::<i64>().map(|v| v as f64).map_err(|_| {
            param_error(format!(
                "`{spec}`: `{s}` is not a whole number ({key} is an integer parameter)"
            ))
        })
    } else {
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(param_error(format!("`{spec}`: `{s}` is not a number"))),
        }
    }
}

/// Round away the float noise of `from + i * step`.
fn tidy(v: f64) -> f64 {
    let r = (v * 1e9).round() / 1e9;
    if r == 0.0 { 0.0 } else { r }
}

/// Parse `NAME=FROM..TO[:STEP]` or `NAME=V1,V2,…` for `rule`, against the
/// parameters of the rules file in use (`base`). Without a step, integers
/// step by 1 and decimals in ten steps. The base value is added when it lies
/// inside the range but off the steps, so the table always has it.
pub fn parse_axis(spec: &str, rule: &dyn Rule, base: &toml::Table) -> Result<Axis> {
    let code = rule.code();
    let Some((name, range)) = spec.split_once('=') else {
        return Err(param_error(format!(
            "`{spec}`: expected NAME=FROM..TO[:STEP] or NAME=V1,V2,… \
             (e.g. tender-threshold=50000..150000:10000)"
        )));
    };
    let key = name.trim().replace('_', "-");
    let defaults = rule.default_params();
    let numeric: Vec<&str> = defaults
        .iter()
        .filter(|(_, v)| v.is_integer() || v.is_float())
        .map(|(k, _)| k.as_str())
        .collect();
    let Some(shipped_v) = defaults.get(&key) else {
        return Err(param_error(format!(
            "{code} has no parameter `{key}`; numeric parameters: {}",
            numeric.join(", ")
        )));
    };
    let integer = match shipped_v {
        toml::Value::Integer(_) => true,
        toml::Value::Float(_) => false,
        other => {
            let kind = match other {
                toml::Value::Array(_) => "a list",
                toml::Value::Boolean(_) => "true/false",
                toml::Value::String(_) => "text",
                _ => "a table",
            };
            return Err(param_error(format!(
                "{code} {key} is {kind}, not a number: it cannot be swept \
                 (edit it in a rules file instead); numeric parameters: {}",
                numeric.join(", ")
            )));
        }
    };
    let as_f64 = |v: &toml::Value| {
        v.as_integer()
            .map(|i| i as f64)
            .or_else(|| v.as_float())
            .unwrap_or(0.0)
    };
    let shipped = as_f64(shipped_v);
    let base_v = base.get(&key).map(as_f64).unwrap_or(shipped);
    let range = range.trim();
    let mut values: Vec<f64> = Vec::new();
    if let Some((from, rest)) = range.split_once("..") {
        let (to, step) = match rest.split_once(':') {
            Some((t, s)) => (t, Some(s)),
            None => (rest, None),
        };
        let from = parse_number(from, integer, &key, spec)?;
        let to = parse_number(to, integer, &key, spec)?;
        if to < from {
            return Err(param_error(format!(
                "`{spec}`: the range runs backwards ({} > {})",
                show(from),
                show(to)
            )));
        }
        let step = match step {
            Some(s) => parse_number(s, integer, &key, spec)?,
            None if integer => 1.0,
            None if to > from => (to - from) / 10.0,
            None => 1.0,
        };
        if step <= 0.0 {
            return Err(param_error(format!("`{spec}`: the step must be above 0")));
        }
        let n = ((to - from) / step + 1e-9).floor() as usize + 1;
        if n > MAX_POINTS {
            return Err(param_error(format!(
                "`{spec}`: {n} values; at most {MAX_POINTS} (use a larger step)"
            )));
        }
        values.extend((0..n).map(|i| tidy(from + i as f64 * step)));
        if base_v > from && base_v < to {
            values.push(base_v);
        }
    } else {
        for part in range.split(',').filter(|p| !p.trim().is_empty()) {
            values.push(parse_number(part, integer, &key, spec)?);
        }
        if values.is_empty() {
            return Err(param_error(format!("`{spec}`: no values")));
        }
    }
    values.sort_by(f64::total_cmp);
    values.dedup();
    let (lo, hi) = valid_range(&key);
    if let Some(bad) = values.iter().find(|v| **v < lo || **v > hi) {
        return Err(param_error(format!(
            "{code} {key} = {} is outside its valid range ({})",
            show(*bad),
            range_text(lo, hi)
        )));
    }
    let axis = Axis {
        key,
        integer,
        values,
        base: base_v,
        shipped,
    };
    // The rule's own check (types; e.g. a count cannot be negative).
    for v in &axis.values {
        let mut t = base.clone();
        t.insert(axis.key.clone(), axis.value(*v));
        rule.validate(&t).map_err(|e| {
            param_error(format!(
                "{code} {} = {} is not valid: {e}",
                axis.key,
                show(*v)
            ))
        })?;
    }
    Ok(axis)
}

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

/// The base config with the chosen values (for `--write`).
pub fn config_with(
    base: &RulesConfig,
    code: &str,
    axes: &[Axis],
    values: &[f64],
) -> Result<RulesConfig> {
    let mut cfg = base.clone();
    for (a, v) in axes.iter().zip(values) {
        let (lo, hi) = valid_range(&a.key);
        if *v < lo || *v > hi || (a.integer && v.fract() != 0.0) {
            return Err(Error::config(
                Path::new("--choose"),
                format!(
                    "{code} {} = {} is outside its valid range ({}{})",
                    a.key,
                    show(*v),
                    range_text(lo, hi),
                    if a.integer { ", whole numbers" } else { "" }
                ),
            ));
        }
        cfg = cfg.with_param(code, &a.key, a.value(*v))?;
    }
    Ok(cfg)
}

/// Parse `--choose` (one value per axis, comma-separated).
pub fn parse_choice(text: &str, axes: &[Axis]) -> Result<Vec<f64>> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if parts.len() != axes.len() {
        return Err(Error::config(
            Path::new("--choose"),
            format!(
                "`{text}`: give {} value(s), one per --param, comma-separated",
                axes.len()
            ),
        ));
    }
    parts
        .iter()
        .zip(axes)
        .map(|(p, a)| {
            parse_number(p, a.integer, &a.key, text).map_err(|_| {
                Error::config(
                    Path::new("--choose"),
                    format!("`{p}` is not a value of {}", a.key),
                )
            })
        })
        .collect()
}

fn grid(axes: &[Axis]) -> Vec<Vec<f64>> {
    let mut out: Vec<Vec<f64>> = vec![vec![]];
    for a in axes {
        out = out
            .into_iter()
            .flat_map(|p| {
                a.values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push(*v);
                    q
                })
            })
            .collect();
    }
    out
}

/// Run the sweep over a loaded dataset.
pub fn sweep(ds: &Dataset, base: &RulesConfig, opts: &TuneOptions) -> Result<TuneResult> {
    let t0 = Instant::now();
    let rule = opts.rule;
    let code = rule.code();
    if opts.axes.is_empty() || opts.axes.len() > 2 {
        return Err(param_error("give one --param (a sweep) or two (a grid)"));
    }
    if opts.axes.len() == 2 && opts.axes[0].key == opts.axes[1].key {
        return Err(param_error(format!("{} is given twice", opts.axes[0].key)));
    }
    let missing = rule.missing_tables(ds);
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

    // The category's other rules, once, at the base settings.
    let mut companions = vec![];
    let mut companion_findings: Vec<EvalFinding> = vec![];
    if opts.truth.is_some() && !opts.alone {
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
    }
    let category = rule.category().as_str().to_string();
    let truth = opts.truth.as_ref().map(|t| {
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
        .map(|(values, cfg)| -> Result<Point> {
            let t = Instant::now();
            let out = engine::run(ds, cfg, &|_| {})?;
            let findings: Vec<&Finding> = out.findings.iter().filter(|f| f.rule == code).collect();
            let high = findings
                .iter()
                .filter(|f| f.severity == Severity::High)
                .count();
            let (score, negatives_flagged) = match &truth {
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
                values: values.clone(),
                findings: findings.len(),
                high,
                score,
                negatives_flagged,
                millis: t.elapsed().as_millis() as u64,
            })
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

fn opt3(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into())
}

impl TuneResult {
    /// `default` (the value in the rules file in use), `best` (highest F1).
    pub fn marks(&self, i: usize) -> String {
        let mut m = vec![];
        if self.base == Some(i) {
            m.push("default");
        }
        if self.best == Some(i) {
            m.push("best F1");
        }
        m.join(", ")
    }

    pub fn best_values(&self) -> Option<Vec<f64>> {
        self.best.map(|i| self.points[i].values.clone())
    }

    /// The table printed on the terminal.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let graded = self.labels.is_some();
        let w: Vec<usize> = self.axes.iter().map(|a| a.key.len().max(8)).collect();
        for (a, w) in self.axes.iter().zip(&w) {
            s.push_str(&format!("{:>w$} ", a.key, w = w));
        }
        s.push_str(&format!("{:>8} {:>5}", "findings", "high"));
        if graded {
            s.push_str(&format!(
                " {:>5} {:>5} {:>5} {:>9} {:>7} {:>6}",
                "TP", "FP", "FN", "precision", "recall", "F1"
            ));
        }
        if self.negatives.is_some() {
            s.push_str(&format!(" {:>7}", "neg hit"));
        }
        s.push('\n');
        for (i, p) in self.points.iter().enumerate() {
            for (v, w) in p.values.iter().zip(&w) {
                s.push_str(&format!("{:>w$} ", show(*v), w = w));
            }
            s.push_str(&format!("{:>8} {:>5}", p.findings, p.high));
            if graded {
                match &p.score {
                    Some(sc) => s.push_str(&format!(
                        " {:>5} {:>5} {:>5} {:>9} {:>7} {:>6}",
                        sc.true_positives,
                        sc.false_positives,
                        sc.misses,
                        opt3(sc.precision),
                        opt3(sc.recall),
                        opt3(sc.f1)
                    )),
                    None => s.push_str(&format!(
                        " {:>5} {:>5} {:>5} {:>9} {:>7} {:>6}",
                        "-", "-", "-", "-", "-", "-"
                    )),
                }
            }
            if let Some(n) = p.negatives_flagged {
                s.push_str(&format!(" {n:>7}"));
            }
            let m = self.marks(i);
            if !m.is_empty() {
                s.push_str(&format!("  <- {m}"));
            }
            s.push('\n');
        }
        s
    }

    /// Lines above the table: what was graded against what.
    pub fn preamble(&self) -> String {
        let mut s = String::new();
        let a = &self.axes;
        let what = a
            .iter()
            .map(|a| {
                let extra = if a.base != a.shipped {
                    format!(", shipped default {}", show(a.shipped))
                } else {
                    String::new()
                };
                format!(
                    "{} ({} values; default {}{extra})",
                    a.key,
                    a.values.len(),
                    show(a.base)
                )
            })
            .collect::<Vec<_>>()
            .join(" × ");
        s.push_str(&format!(
            "{} {}: {} point(s) over {what}\n",
            self.rule,
            self.category,
            self.points.len()
        ));
        match self.labels {
            Some(n) => {
                s.push_str(&format!(
                    "graded against {n} labelled {} case(s)",
                    self.category
                ));
                if let Some(k) = self.negatives {
                    s.push_str(&format!(" and {k} hard negative(s)"));
                }
                s.push('\n');
                if !self.companions.is_empty() {
                    let c = self
                        .companions
                        .iter()
                        .map(|(c, n)| format!("{c} ({n} findings)"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    s.push_str(&format!(
                        "TP/FP/FN count the whole category: {c} run once at the base settings and \
                         are graded with {}'s findings (--alone: {} by itself)\n",
                        self.rule, self.rule
                    ));
                }
            }
            None => s.push_str("no labels: queue sizes only\n"),
        }
        s
    }

    /// `tune.csv`: one row per value or grid cell (long format).
    pub fn write_csv(&self, path: &Path) -> Result<()> {
        let file = crate::report::create_private(path)?;
        let mut w = csv::Writer::from_writer(file);
        let mut head: Vec<String> = self.axes.iter().map(|a| a.key.clone()).collect();
        head.extend(
            [
                "findings",
                "high",
                "tp",
                "fp",
                "fn",
                "precision",
                "recall",
                "f1",
                "negatives_flagged",
                "is_default",
                "is_best",
                "millis",
            ]
            .map(String::from),
        );
        w.write_record(&head).map_err(|e| Error::output(path, e))?;
        let num = |x: Option<f64>| x.map(|v| format!("{v:.6}")).unwrap_or_default();
        let cnt = |x: Option<usize>| x.map(|v| v.to_string()).unwrap_or_default();
        for (i, p) in self.points.iter().enumerate() {
            let mut row: Vec<String> = p.values.iter().map(|v| show(*v)).collect();
            let sc = p.score.as_ref();
            row.extend([
                p.findings.to_string(),
                p.high.to_string(),
                cnt(sc.map(|s| s.true_positives)),
                cnt(sc.map(|s| s.false_positives)),
                cnt(sc.map(|s| s.misses)),
                num(sc.and_then(|s| s.precision)),
                num(sc.and_then(|s| s.recall)),
                num(sc.and_then(|s| s.f1)),
                cnt(p.negatives_flagged),
                (self.base == Some(i)).to_string(),
                (self.best == Some(i)).to_string(),
                p.millis.to_string(),
            ]);
            w.write_record(&row).map_err(|e| Error::output(path, e))?;
        }
        w.flush().map_err(|e| Error::output(path, e))
    }

    /// For a grid: a wide matrix of one measure (rows: first parameter,
    /// columns: second), the layout of the heat map.
    pub fn write_matrix_csv(&self, path: &Path, f1: bool) -> Result<()> {
        let (a, b) = (&self.axes[0], &self.axes[1]);
        let file = crate::report::create_private(path)?;
        let mut w = csv::Writer::from_writer(file);
        let mut head = vec![format!("{} \\ {}", a.key, b.key)];
        head.extend(b.values.iter().map(|v| show(*v)));
        w.write_record(&head).map_err(|e| Error::output(path, e))?;
        for (i, va) in a.values.iter().enumerate() {
            let mut row = vec![show(*va)];
            for j in 0..b.values.len() {
                let p = &self.points[i * b.values.len() + j];
                row.push(if f1 {
                    p.f1().map(|v| format!("{v:.4}")).unwrap_or_default()
                } else {
                    p.findings.to_string()
                });
            }
            w.write_record(&row).map_err(|e| Error::output(path, e))?;
        }
        w.flush().map_err(|e| Error::output(path, e))
    }
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
