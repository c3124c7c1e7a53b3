//! What a sweep shows: the table on the terminal, the lines above it, and
//! `tune.csv` (with, for a grid, one matrix per measure).

use std::path::Path;

use super::{TuneResult, show};
use crate::error::{Error, Result};

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
