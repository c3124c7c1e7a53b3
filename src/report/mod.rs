//! Writers for what a scan leaves behind (data contract §4): `findings.csv`
//! (UTF-8 with BOM), `findings.jsonl`, `run.json`, and `report.html`
//! ([`html`]). A scan's folder is built under a temporary name and renamed
//! into place: a failed run leaves the previous folder, never a half-written
//! one.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::privacy::PiiKey;

pub mod html;

pub const CSV_COLUMNS: [&str; 11] = [
    "finding_id",
    "rule",
    "category",
    "severity",
    "score",
    "village_code",
    "subject_id",
    "related_ids",
    "amount",
    "message",
    "evidence",
];

/// Cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab,
/// CR, LF, and the full-width `＝＋－＠` that WPS/Excel on a Chinese desktop
/// may fold to ASCII) get a leading `'`: the text shows, nothing runs.
pub fn neutralise_formula(s: &str) -> std::borrow::Cow<'_, str> {
    if starts_like_formula(s) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// Whether a spreadsheet could read the text as a formula (see
/// [`neutralise_formula`]). Leading spaces are looked through: Excel
/// ignores them before `=`.
pub fn starts_like_formula(s: &str) -> bool {
    matches!(
        s.trim_start_matches([' ', '\u{3000}']).chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\n' | '＝' | '＋' | '－' | '＠')
    )
}

/// Id numbers and account numbers masked for `--mask-pii`: first 6 and
/// last 4 characters kept (`370102********123X`).
pub fn mask_digits(s: &str) -> String {
    let n = s.chars().count();
    if n < 11 || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
        return s.to_string();
    }
    s.chars()
        .enumerate()
        .map(|(i, c)| if i < 6 || i >= n - 4 { c } else { '*' })
        .collect()
}

/// Mask every long digit run that looks like an id or account in a text.
pub fn mask_text(s: &str) -> String {
    pii_regex()
        .replace_all(s, |c: &regex::Captures| {
            let m = &c[0];
            if (15..=19).contains(&m.len()) {
                mask_digits(m)
            } else {
                m.to_string()
            }
        })
        .into_owned()
}

fn pii_regex() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"[0-9]+[Xx]?").expect("valid regex"))
}

/// Apply `--mask-pii` to a finding: id and account numbers masked, names
/// kept, and the finding id (a hash of facts that include id numbers)
/// replaced by its keyed pseudonym ([`crate::privacy`]).
pub fn mask_finding(f: &Finding, key: &PiiKey) -> Finding {
    let mut m = f.clone();
    m.finding_id = key.pseudonym(&f.finding_id);
    m.subject_id = mask_text(&m.subject_id);
    m.related_ids = m.related_ids.iter().map(|r| mask_text(r)).collect();
    m.message = mask_text(&m.message);
    m.evidence = mask_json(&m.evidence);
    m
}

fn mask_json(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::String(s) => Value::String(mask_text(s)),
        Value::Array(a) => Value::Array(a.iter().map(mask_json).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), mask_json(v))).collect())
        }
        other => other.clone(),
    }
}

/// Each finding's evidence as compact JSON (as `serde_json::to_string`
/// writes it), serialised once, in parallel, for every writer of a scan:
/// the evidence is most of a finding's bytes, and csv, jsonl and
/// report.html each carry it.
pub fn evidence_texts(findings: &[Finding]) -> Vec<String> {
    use rayon::prelude::*;
    findings
        .par_iter()
        .map(|f| serde_json::to_string(&f.evidence).unwrap_or_else(|_| "null".into()))
        .collect()
}

/// A finding's evidence: from [`evidence_texts`] when given, else
/// serialised now.
pub(crate) fn evidence_of<'a>(
    f: &Finding,
    texts: Option<&'a [String]>,
    i: usize,
) -> std::borrow::Cow<'a, str> {
    match texts.and_then(|t| t.get(i)) {
        Some(t) => t.as_str().into(),
        None => serde_json::to_string(&f.evidence)
            .unwrap_or_else(|_| "null".into())
            .into(),
    }
}

/// Append to `out` one JSON object: `head`'s fields, then `"key":` with
/// the JSON text `raw`, then `tail`'s fields. `head` and `tail` serialise
/// as objects with at least one field; the result is what one struct with
/// all the fields in that order would give.
pub(crate) fn push_object_around(
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
    head: &impl serde::Serialize,
    key: &str,
    raw: &str,
    tail: &impl serde::Serialize,
) -> serde_json::Result<()> {
    serde_json::to_writer(&mut *out, head)?;
    out.pop(); // head's `}`
    out.push(b',');
    serde_json::to_writer(&mut *out, key)?;
    out.push(b':');
    out.extend_from_slice(raw.as_bytes());
    out.push(b',');
    scratch.clear();
    serde_json::to_writer(&mut *scratch, tail)?;
    out.extend_from_slice(&scratch[1..]); // without tail's `{`
    Ok(())
}

pub fn write_findings_csv(path: &Path, findings: &[Finding]) -> Result<()> {
    write_findings_csv_with(path, findings, None)
}

/// [`write_findings_csv`] with the evidence already serialised
/// ([`evidence_texts`], one per finding).
pub fn write_findings_csv_with(
    path: &Path,
    findings: &[Finding],
    evidence: Option<&[String]>,
) -> Result<()> {
    let file = create_private(path)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    w.write_all(b"\xEF\xBB\xBF")
        .map_err(|e| Error::output(path, e))?;
    let mut csv = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(w);
    csv.write_record(CSV_COLUMNS)
        .map_err(|e| Error::output(path, e))?;
    for (i, f) in findings.iter().enumerate() {
        let related = f.related_ids.join(";");
        let evidence = evidence_of(f, evidence, i);
        let score = f.score.to_string();
        let amount = f.amount_yuan();
        let rec: [&str; 11] = [
            &f.finding_id,
            &f.rule,
            f.category.as_str(),
            f.severity.as_str(),
            &score,
            &neutralise_formula(&f.village_code),
            &neutralise_formula(&f.subject_id),
            &neutralise_formula(&related),
            &amount,
            &neutralise_formula(&f.message),
            &evidence,
        ];
        csv.write_record(rec).map_err(|e| Error::output(path, e))?;
    }
    csv.flush().map_err(|e| Error::output(path, e))?;
    Ok(())
}

pub fn finding_json(f: &Finding) -> serde_json::Value {
    serde_json::json!({
        "finding_id": f.finding_id,
        "rule": f.rule,
        "category": f.category,
        "severity": f.severity,
        "score": f.score,
        "village_code": f.village_code,
        "subject_id": f.subject_id,
        "related_ids": f.related_ids.join(";"),
        "amount": f.amount_fen as f64 / 100.0,
        "message": f.message,
        "evidence": f.evidence,
    })
}

/// A line of `findings.jsonl` before its evidence: [`finding_json`]'s
/// keys, in its order (alphabetical).
#[derive(serde::Serialize)]
struct JsonlHead {
    amount: f64,
    category: crate::finding::Category,
}

/// The keys after `evidence`.
#[derive(serde::Serialize)]
struct JsonlTail<'a> {
    finding_id: &'a str,
    message: &'a str,
    related_ids: String,
    rule: &'a str,
    score: u8,
    severity: crate::finding::Severity,
    subject_id: &'a str,
    village_code: &'a str,
}

/// One line of `findings.jsonl` (without the newline), as
/// `serde_json::to_string(&finding_json(f))` gives it.
fn push_jsonl_line(
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
    f: &Finding,
    evidence: &str,
) -> serde_json::Result<()> {
    let head = JsonlHead {
        amount: f.amount_fen as f64 / 100.0,
        category: f.category,
    };
    let tail = JsonlTail {
        finding_id: &f.finding_id,
        message: &f.message,
        related_ids: f.related_ids.join(";"),
        rule: &f.rule,
        score: f.score,
        severity: f.severity,
        subject_id: &f.subject_id,
        village_code: &f.village_code,
    };
    push_object_around(out, scratch, &head, "evidence", evidence, &tail)
}

pub fn write_findings_jsonl(path: &Path, findings: &[Finding]) -> Result<()> {
    write_findings_jsonl_with(path, findings, None)
}

/// [`write_findings_jsonl`] with the evidence already serialised
/// ([`evidence_texts`], one per finding).
pub fn write_findings_jsonl_with(
    path: &Path,
    findings: &[Finding],
    evidence: Option<&[String]>,
) -> Result<()> {
    let file = create_private(path)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let (mut line, mut scratch) = (Vec::with_capacity(16 * 1024), Vec::new());
    for (i, f) in findings.iter().enumerate() {
        line.clear();
        push_jsonl_line(&mut line, &mut scratch, f, &evidence_of(f, evidence, i))
            .map_err(|e| Error::output(path, e))?;
        line.push(b'\n');
        w.write_all(&line).map_err(|e| Error::output(path, e))?;
    }
    w.flush().map_err(|e| Error::output(path, e))
}

/// Create a file readable by its owner only: findings name people.
pub fn create_private(path: &Path) -> Result<fs::File> {
    let mut o = fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).map_err(|e| Error::output(path, e))
}

/// A folder being written under a temporary name beside its final place.
pub struct StagedDir {
    pub tmp: PathBuf,
    pub target: PathBuf,
    done: bool,
}

impl StagedDir {
    pub fn new(target: &Path) -> Result<StagedDir> {
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| Error::output(&parent, e))?;
        let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("out");
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(|e| Error::output(&tmp, e))?;
        }
        let mut b = fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(&tmp).map_err(|e| Error::output(&tmp, e))?;
        Ok(StagedDir {
            tmp,
            target: target.to_path_buf(),
            done: false,
        })
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.tmp.join(file)
    }

    /// Move the finished folder into place, replacing an earlier run's.
    pub fn commit(mut self) -> Result<()> {
        let old = self.tmp.with_extension("old");
        if self.target.exists() {
            fs::rename(&self.target, &old).map_err(|e| Error::output(&self.target, e))?;
        }
        if let Err(e) = fs::rename(&self.tmp, &self.target) {
            let _ = fs::rename(&old, &self.target);
            return Err(Error::output(&self.target, e));
        }
        let _ = fs::remove_dir_all(&old);
        self.done = true;
        Ok(())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(
            neutralise_formula("=HYPERLINK(\"x\")"),
            "'=HYPERLINK(\"x\")"
        );
        assert_eq!(neutralise_formula("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise_formula("张伟"), "张伟");
        for s in [
            "+1",
            "-1+2",
            "\tx",
            "\rx",
            "\nx",
            "＝1+1",
            "＋1",
            "－1",
            "＠A",
            " =1",
            "\u{3000}=1",
        ] {
            assert!(neutralise_formula(s).starts_with('\''), "{s:?}");
        }
        assert_eq!(neutralise_formula(""), "");
    }

    #[test]
    fn a_jsonl_line_is_finding_json() {
        use crate::finding::{Category, Severity};
        let mut f = Finding::new(
            "DUP001",
            Category::DuplicateBeneficiary,
            Severity::Low,
            "V1",
            "S",
        );
        f.finding_id = "ab".into();
        f.related_ids = vec!["R1".into(), "R2".into()];
        f.score = 61;
        f.message = "重复\"领取\"".into();
        f.evidence = serde_json::json!({"b": [1, 0.5], "a": null});
        for fen in [0, 1, -1, 150_000, 123_456_789_01, i64::from(i32::MAX) * 7] {
            f.amount_fen = fen;
            let (mut line, mut scratch) = (Vec::new(), Vec::new());
            let ev = evidence_texts(std::slice::from_ref(&f));
            push_jsonl_line(&mut line, &mut scratch, &f, &ev[0]).unwrap();
            assert_eq!(
                String::from_utf8(line).unwrap(),
                serde_json::to_string(&finding_json(&f)).unwrap()
            );
        }
    }

    #[test]
    fn masking_keeps_ends() {
        assert_eq!(mask_digits("37010219900101123X"), "370102********123X");
        assert_eq!(
            mask_text("身份证号37010219900101123X领取"),
            "身份证号370102********123X领取"
        );
        assert_eq!(mask_text("凭证V2025-0001"), "凭证V2025-0001");
    }
}
