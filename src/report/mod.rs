//! Writers for what a scan leaves behind (data contract §4): `findings.csv`
//! (UTF-8 with BOM), `findings.jsonl`, `run.json`, and `report.html`
//! ([`html`]). A scan's folder is built under a temporary name and renamed
//! into place: a failed run leaves the previous folder, never a half-written
//! one.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::finding::{Finding, Outbound};
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
        // Keys too: some evidence objects are keyed by id number (DUP003's
        // people of each household). Two keys masked alike stay two entries.
        Value::Object(o) => {
            let mut out = serde_json::Map::new();
            for (k, v) in o {
                let masked = mask_text(k);
                let mut key = masked.clone();
                let mut n = 1;
                while out.contains_key(&key) {
                    n += 1;
                    key = format!("{masked}#{n}");
                }
                out.insert(key, mask_json(v));
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

pub fn write_findings_csv(path: &Path, findings: &Outbound<'_>) -> Result<()> {
    let file = create_private(path)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    w.write_all(b"\xEF\xBB\xBF")
        .map_err(|e| Error::output(path, e))?;
    let mut csv = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(w);
    csv.write_record(CSV_COLUMNS)
        .map_err(|e| Error::output(path, e))?;
    for (f, evidence) in findings.iter() {
        let related = f.related_ids.join(";");
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
            evidence.get(),
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

/// One line of `findings.jsonl`: [`finding_json`]'s keys, in its order
/// (alphabetical), serialised straight from the finding without a copy of
/// its evidence.
#[derive(serde::Serialize)]
struct JsonlRow<'a> {
    amount: f64,
    category: crate::finding::Category,
    evidence: &'a serde_json::value::RawValue,
    finding_id: &'a str,
    message: &'a str,
    related_ids: String,
    rule: &'a str,
    score: u8,
    severity: crate::finding::Severity,
    subject_id: &'a str,
    village_code: &'a str,
}

impl<'a> JsonlRow<'a> {
    fn of(f: &'a Finding, evidence: &'a serde_json::value::RawValue) -> JsonlRow<'a> {
        JsonlRow {
            amount: f.amount_fen as f64 / 100.0,
            category: f.category,
            evidence,
            finding_id: &f.finding_id,
            message: &f.message,
            related_ids: f.related_ids.join(";"),
            rule: &f.rule,
            score: f.score,
            severity: f.severity,
            subject_id: &f.subject_id,
            village_code: &f.village_code,
        }
    }
}

pub fn write_findings_jsonl(path: &Path, findings: &Outbound<'_>) -> Result<()> {
    let file = create_private(path)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    for (f, evidence) in findings.iter() {
        serde_json::to_writer(&mut w, &JsonlRow::of(f, evidence))
            .map_err(|e| Error::output(path, e))?;
        w.write_all(b"\n").map_err(|e| Error::output(path, e))?;
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
        for fen in [0, 1, -1, 150_000, 12_345_678_901, i64::from(i32::MAX) * 7] {
            f.amount_fen = fen;
            let one = [f.clone()];
            let out = Outbound::new(&one);
            let (g, evidence) = out.iter().next().unwrap();
            assert_eq!(
                serde_json::to_string(&JsonlRow::of(g, evidence)).unwrap(),
                serde_json::to_string(&finding_json(&f)).unwrap()
            );
        }
    }

    #[test]
    fn masking_reaches_evidence_keys() {
        let v = serde_json::json!({
            "holder_household_people": {
                "370102199001010051": {"name": "张三"},
                "370102198001010051": {"name": "李四"},
            },
            "note": "账户6228480000000001",
        });
        let m = mask_json(&v);
        let text = m.to_string();
        assert!(!text.contains("370102199001010051"), "{text}");
        assert!(!text.contains("6228480000000001"), "{text}");
        // Both people stay, under masked keys that would otherwise collide.
        let people = m["holder_household_people"].as_object().unwrap();
        assert_eq!(people.len(), 2, "{people:?}");
        assert!(people.contains_key("370102********0051"), "{people:?}");
        assert!(people.contains_key("370102********0051#2"), "{people:?}");
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
