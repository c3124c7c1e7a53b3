//! `weiquan eval`: score a scan's findings against known cases.
//!
//! Matching is data-contract §4: a finding matches a case when the category
//! is equal, the village is equal (a label may list several villages joined
//! by `;`: any of them), and the case's subject is the finding's
//! `subject_id` or one of its `related_ids`. One finding per case: several
//! findings matching one case count as one true positive and none of them
//! is a false positive. `weak_signal` is not labelled: its findings are
//! counted but left out of the scores.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::finding::Category;
use crate::r#gen::labels::negative_category;

/// What eval needs of a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvalFinding {
    pub finding_id: String,
    pub rule: String,
    pub category: String,
    pub village_code: String,
    pub subject_id: String,
    pub related_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KnownCase {
    pub category: String,
    pub village_code: String,
    pub subject_id: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HardNegative {
    pub kind: String,
    pub village_code: String,
    pub subject_id: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Score {
    pub category: String,
    pub labels: usize,
    pub findings: usize,
    pub true_positives: usize,
    pub false_positives: usize,
    pub misses: usize,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
}

impl Score {
    fn new(category: &str, labels: usize, findings: usize, tp: usize, fp: usize) -> Score {
        let precision = (tp + fp > 0).then(|| tp as f64 / (tp + fp) as f64);
        let recall = (labels > 0).then(|| tp as f64 / labels as f64);
        let f1 = match (precision, recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            (Some(_), Some(_)) => Some(0.0),
            _ => None,
        };
        Score {
            category: category.to_string(),
            labels,
            findings,
            true_positives: tp,
            false_positives: fp,
            misses: labels - tp,
            precision,
            recall,
            f1,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FlaggedNegative {
    pub negative: HardNegative,
    pub rule: String,
    pub finding_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NegativeKind {
    pub kind: String,
    pub category: String,
    pub total: usize,
    pub flagged: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    pub categories: Vec<Score>,
    /// Every labelled category together (weak_signal excluded).
    pub total: Score,
    /// Findings of categories without labels (weak_signal), not scored.
    pub unscored_findings: BTreeMap<String, usize>,
    pub negative_kinds: Vec<NegativeKind>,
    pub flagged_negatives: Vec<FlaggedNegative>,
    pub missed: Vec<KnownCase>,
}

fn split_list(s: &str) -> impl Iterator<Item = &str> {
    s.split(';').map(str::trim).filter(|x| !x.is_empty())
}

/// Same category is checked by the caller; here: village and subject.
fn matches(f: &EvalFinding, village: &str, subject: &str) -> bool {
    let village_ok = split_list(village).any(|v| split_list(&f.village_code).any(|fv| fv == v));
    village_ok && (f.subject_id == subject || f.related_ids.iter().any(|r| r == subject))
}

pub fn evaluate(
    findings: &[EvalFinding],
    labels: &[KnownCase],
    negatives: &[HardNegative],
) -> EvalReport {
    let mut cats: BTreeSet<String> = Category::ALL
        .iter()
        .filter(|c| **c != Category::WeakSignal)
        .map(|c| c.as_str().to_string())
        .collect();
    cats.extend(labels.iter().map(|l| l.category.clone()));
    let labelled: BTreeSet<&str> = labels.iter().map(|l| l.category.as_str()).collect();
    let mut unscored: BTreeMap<String, usize> = BTreeMap::new();
    for f in findings {
        if !cats.contains(&f.category) {
            *unscored.entry(f.category.clone()).or_default() += 1;
        }
    }
    let mut scores = vec![];
    let mut missed = vec![];
    let (mut t_labels, mut t_findings, mut t_tp, mut t_fp) = (0, 0, 0, 0);
    for cat in &cats {
        let fs: Vec<&EvalFinding> = findings.iter().filter(|f| &f.category == cat).collect();
        let ls: Vec<&KnownCase> = labels.iter().filter(|l| &l.category == cat).collect();
        // Index findings by subject and related ids for speed.
        let mut by_key: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, f) in fs.iter().enumerate() {
            by_key.entry(f.subject_id.as_str()).or_default().push(i);
            for r in &f.related_ids {
                by_key.entry(r.as_str()).or_default().push(i);
            }
        }
        let mut used = vec![false; fs.len()];
        let mut tp = 0;
        for l in &ls {
            let mut hit = false;
            for &i in by_key.get(l.subject_id.as_str()).into_iter().flatten() {
                if matches(fs[i], &l.village_code, &l.subject_id) {
                    used[i] = true;
                    hit = true;
                }
            }
            if hit {
                tp += 1;
            } else {
                missed.push((*l).clone());
            }
        }
        let fp = used.iter().filter(|u| !**u).count();
        // Weak signals the labels do not name (planted ones are graded per
        // rule against weak_signals.csv) are no false positives: labels
        // name only the forms' wrong totals, every other weak signal is
        // not a case. Only those the labels name are counted.
        let (fs, fp) = if cat == Category::WeakSignal.as_str() {
            (
                fs.into_iter()
                    .zip(&used)
                    .filter(|(_, u)| **u)
                    .map(|(f, _)| f)
                    .collect(),
                0,
            )
        } else {
            (fs, fp)
        };
        if !labelled.contains(cat.as_str()) && fs.is_empty() && ls.is_empty() {
            scores.push(Score::new(cat, 0, 0, 0, 0));
            continue;
        }
        t_labels += ls.len();
        t_findings += fs.len();
        t_tp += tp;
        t_fp += fp;
        scores.push(Score::new(cat, ls.len(), fs.len(), tp, fp));
    }
    let total = Score::new("total", t_labels, t_findings, t_tp, t_fp);
    // Hard negatives.
    let mut kinds: BTreeMap<String, (String, usize, usize)> = BTreeMap::new();
    let mut flagged = vec![];
    for n in negatives {
        let cat = negative_category(&n.kind)
            .map(|c| c.as_str().to_string())
            .unwrap_or_default();
        let e = kinds.entry(n.kind.clone()).or_insert((cat.clone(), 0, 0));
        e.1 += 1;
        let hit = findings
            .iter()
            .find(|f| f.category == cat && matches(f, &n.village_code, &n.subject_id));
        if let Some(f) = hit {
            e.2 += 1;
            flagged.push(FlaggedNegative {
                negative: n.clone(),
                rule: f.rule.clone(),
                finding_id: f.finding_id.clone(),
            });
        }
    }
    EvalReport {
        categories: scores,
        total,
        unscored_findings: unscored,
        negative_kinds: kinds
            .into_iter()
            .map(|(kind, (category, total, flagged))| NegativeKind {
                kind,
                category,
                total,
                flagged,
            })
            .collect(),
        flagged_negatives: flagged,
        missed,
    }
}

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into())
}

impl EvalReport {
    pub fn render(&self) -> String {
        let mut s = format!(
            "{:<22} {:>6} {:>8} {:>6} {:>6} {:>6} {:>9} {:>7} {:>6}\n",
            "category", "labels", "findings", "TP", "FP", "misses", "precision", "recall", "F1"
        );
        for c in self.categories.iter().chain(std::iter::once(&self.total)) {
            s.push_str(&format!(
                "{:<22} {:>6} {:>8} {:>6} {:>6} {:>6} {:>9} {:>7} {:>6}\n",
                c.category,
                c.labels,
                c.findings,
                c.true_positives,
                c.false_positives,
                c.misses,
                pct(c.precision),
                pct(c.recall),
                pct(c.f1)
            ));
        }
        for (c, n) in &self.unscored_findings {
            s.push_str(&format!(
                "{c:<22} (not labelled: {n} findings, not scored)\n"
            ));
        }
        if !self.negative_kinds.is_empty() {
            s.push_str("\nhard negatives (must not be flagged):\n");
            for k in &self.negative_kinds {
                s.push_str(&format!(
                    "  {:<28} {:<22} {:>4} flagged of {}\n",
                    k.kind, k.category, k.flagged, k.total
                ));
            }
            let n: usize = self.negative_kinds.iter().map(|k| k.total).sum();
            s.push_str(&format!(
                "  {:<28} {:<22} {:>4} flagged of {}\n",
                "total",
                "",
                self.flagged_negatives.len(),
                n
            ));
            for f in self.flagged_negatives.iter().take(50) {
                s.push_str(&format!(
                    "  flagged: {} {} {} by {} ({})\n",
                    f.negative.kind,
                    f.negative.village_code,
                    f.negative.subject_id,
                    f.rule,
                    f.negative.note
                ));
            }
        }
        s
    }
}

fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let bytes = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&bytes)
        .to_vec();
    String::from_utf8(bytes).map_err(|e| Error::format(path, format!("not UTF-8: {e}")))
}

/// A spreadsheet-neutralised cell (`'=...`) back to its text.
fn unneutralise(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => s,
    }
}

/// Read a CSV into header-keyed records.
fn read_csv_records(path: &Path, required: &[&str]) -> Result<Vec<BTreeMap<String, String>>> {
    let text = read_text(path)?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| Error::format(path, e))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    for r in required {
        if !headers.iter().any(|h| h == r) {
            return Err(Error::format(path, format!("no `{r}` column")));
        }
    }
    let mut out = vec![];
    for rec in rdr.records() {
        let rec = rec.map_err(|e| Error::format(path, e))?;
        let mut m = BTreeMap::new();
        for (h, v) in headers.iter().zip(rec.iter()) {
            m.insert(h.clone(), unneutralise(v.trim()).to_string());
        }
        out.push(m);
    }
    Ok(out)
}

/// `findings.csv` (UTF-8 with or without BOM) or `findings.jsonl`.
pub fn read_findings(path: &Path) -> Result<Vec<EvalFinding>> {
    let get = |m: &BTreeMap<String, String>, k: &str| m.get(k).cloned().unwrap_or_default();
    if path.extension().and_then(|e| e.to_str()) == Some("jsonl") {
        let text = read_text(path)?;
        let mut out = vec![];
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let v: serde_json::Value = serde_json::from_str(line)
                .map_err(|e| Error::format(path, format!("line {}: {e}", i + 1)))?;
            let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
            let related = match v.get("related_ids") {
                Some(serde_json::Value::Array(a)) => a
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect(),
                Some(serde_json::Value::String(t)) => split_list(t).map(str::to_string).collect(),
                _ => vec![],
            };
            out.push(EvalFinding {
                finding_id: s("finding_id"),
                rule: s("rule"),
                category: s("category"),
                village_code: s("village_code"),
                subject_id: s("subject_id"),
                related_ids: related,
            });
        }
        return Ok(out);
    }
    let recs = read_csv_records(path, &["category", "village_code", "subject_id"])?;
    Ok(recs
        .iter()
        .map(|m| EvalFinding {
            finding_id: get(m, "finding_id"),
            rule: get(m, "rule"),
            category: get(m, "category"),
            village_code: get(m, "village_code"),
            subject_id: get(m, "subject_id"),
            related_ids: split_list(&get(m, "related_ids"))
                .map(str::to_string)
                .collect(),
        })
        .collect())
}

pub fn read_labels(path: &Path) -> Result<Vec<KnownCase>> {
    let recs = read_csv_records(path, &["category", "village_code", "subject_id"])?;
    let mut out = vec![];
    for (i, m) in recs.iter().enumerate() {
        let category = m.get("category").cloned().unwrap_or_default();
        if Category::parse(&category).is_none() {
            return Err(Error::format(
                path,
                format!("row {}: unknown category `{category}`", i + 2),
            ));
        }
        out.push(KnownCase {
            category,
            village_code: m.get("village_code").cloned().unwrap_or_default(),
            subject_id: m.get("subject_id").cloned().unwrap_or_default(),
            note: m.get("note").cloned().unwrap_or_default(),
        });
    }
    // A case listed twice is one case.
    out.sort_by(|a, b| {
        (&a.category, &a.village_code, &a.subject_id).cmp(&(
            &b.category,
            &b.village_code,
            &b.subject_id,
        ))
    });
    out.dedup_by(|a, b| {
        a.category == b.category && a.village_code == b.village_code && a.subject_id == b.subject_id
    });
    Ok(out)
}

pub fn read_negatives(path: &Path) -> Result<Vec<HardNegative>> {
    let recs = read_csv_records(path, &["kind", "village_code", "subject_id"])?;
    let mut out = vec![];
    for (i, m) in recs.iter().enumerate() {
        let kind = m.get("kind").cloned().unwrap_or_default();
        if negative_category(&kind).is_none() {
            return Err(Error::format(
                path,
                format!("row {}: unknown hard-negative kind `{kind}`", i + 2),
            ));
        }
        out.push(HardNegative {
            kind,
            village_code: m.get("village_code").cloned().unwrap_or_default(),
            subject_id: m.get("subject_id").cloned().unwrap_or_default(),
            note: m.get("note").cloned().unwrap_or_default(),
        });
    }
    Ok(out)
}

/// `weiquan eval`, from files.
pub fn run(findings: &Path, labels: &Path, negatives: Option<&Path>) -> Result<EvalReport> {
    let f = read_findings(findings)?;
    let l = read_labels(labels)?;
    let n = match negatives {
        Some(p) => read_negatives(p)?,
        None => vec![],
    };
    Ok(evaluate(&f, &l, &n))
}
