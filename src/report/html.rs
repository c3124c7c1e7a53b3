//! `report.html`: the scan's findings as one self-contained page for
//! officers: no network (a Content-Security-Policy forbids it), all CSS and
//! JS inline. A ranked table with filters by village, category, severity,
//! this run's mark and free text; counts per village and per category; a
//! bar chart of findings by category (inline SVG drawn by the page); each
//! finding's evidence expandable.
//!
//! Data goes in as JSON inside `<script type="application/json">` with `<`,
//! `>` and `&` escaped as `\u003c`…, and the page builds every cell with
//! `textContent`: a name like `<script>alert(1)</script>` shows as text.
//! Opened as `report.html#selftest`, the page drives its own filters and
//! writes what it saw into `<pre id="wq-selftest">` (the browser test reads
//! it with `chromium --dump-dom`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_json::json;

use crate::error::{Error, Result};
use crate::finding::{Category, Outbound};

/// How the case store sees one finding (absent when the scan ran without a store).
#[derive(Debug, Clone, Serialize)]
pub struct RowTriage {
    pub case_id: String,
    /// `new`, `recurring`, `reopened`.
    pub mark: String,
    /// `new`, `open`, `confirmed`, `dismissed`, `rectified`.
    pub status: String,
    /// A dismissed or rectified case seen again with unchanged facts.
    pub hidden: bool,
}

/// An open case this run no longer finds in the data.
#[derive(Debug, Clone, Serialize)]
pub struct GoneCase {
    pub case_id: String,
    pub rule: String,
    pub category: Category,
    pub severity: String,
    pub score: u8,
    pub village_code: String,
    pub subject_id: String,
    pub amount: String,
    pub message: String,
    pub status: String,
    pub gone_since_run: Option<i64>,
}

pub struct ReportInput<'a> {
    /// In queue order, already masked under `--mask-pii`.
    pub findings: &'a Outbound<'a>,
    /// By `finding_id`.
    pub triage: Option<&'a BTreeMap<String, RowTriage>>,
    pub gone: &'a [GoneCase],
    /// `run.json`.
    pub manifest: &'a serde_json::Value,
    pub mask_pii: bool,
    pub run_id: Option<i64>,
}

/// JSON that is safe inside a `<script>` element: nothing in it can close
/// the element or start a comment, whatever the data holds.
pub fn script_safe_json(v: &serde_json::Value) -> String {
    let s = serde_json::to_string(v).unwrap_or_else(|_| "null".into());
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One finding as the page reads it. Keys in alphabetical order, as they
/// were when the payload was built as a `serde_json::Value`; serialised
/// straight from the finding, without a copy of its evidence.
#[derive(Serialize)]
struct Row<'a> {
    amount: String,
    case: &'a str,
    cat: Category,
    evidence: &'a serde_json::value::RawValue,
    hidden: bool,
    id: &'a str,
    mark: &'a str,
    message: &'a str,
    related: &'a [String],
    rule: &'a str,
    score: u8,
    sev: crate::finding::Severity,
    status: &'a str,
    subject: &'a str,
    village: &'a str,
}

/// The findings, written as a JSON array one row at a time.
struct Rows<'a, 'b>(&'b ReportInput<'a>);

impl Serialize for Rows<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let input = self.0;
        let mut seq = s.serialize_seq(Some(input.findings.len()))?;
        for (f, evidence) in input.findings.iter() {
            let t = input.triage.and_then(|m| m.get(&f.finding_id));
            seq.serialize_element(&Row {
                amount: f.amount_yuan(),
                case: t.map(|t| t.case_id.as_str()).unwrap_or(""),
                cat: f.category,
                evidence,
                hidden: t.is_some_and(|t| t.hidden),
                id: &f.finding_id,
                mark: t.map(|t| t.mark.as_str()).unwrap_or(""),
                message: &f.message,
                related: &f.related_ids,
                rule: &f.rule,
                score: f.score,
                sev: f.severity,
                status: t.map(|t| t.status.as_str()).unwrap_or(""),
                subject: &f.subject_id,
                village: &f.village_code,
            })?;
        }
        seq.end()
    }
}

/// The page's data: `findings`, `gone`, `labels`, `meta` (in that order,
/// as a `serde_json::Value` would sort them).
#[derive(Serialize)]
struct Payload<'a, 'b> {
    findings: Rows<'a, 'b>,
    gone: serde_json::Value,
    labels: serde_json::Value,
    meta: serde_json::Value,
}

fn payload<'a, 'b>(input: &'b ReportInput<'a>) -> Payload<'a, 'b> {
    let categories: serde_json::Map<String, serde_json::Value> = Category::ALL
        .iter()
        .map(|c| (c.as_str().to_string(), json!(c.label_zh())))
        .collect();
    let m = input.manifest;
    let skipped: Vec<serde_json::Value> = m["rules"]
        .as_array()
        .map(|rules| {
            rules
                .iter()
                .filter(|r| r["run"]["status"] == "skipped")
                .map(|r| json!({"code": r["code"], "reason": r["run"]["reason"]}))
                .collect()
        })
        .unwrap_or_default();
    Payload {
        findings: Rows(input),
        gone: json!(input.gone),
        labels: json!({
            "category": categories,
            "severity": {"high": "高", "medium": "中", "low": "低"},
            "mark": {"new": "新增", "recurring": "复现", "reopened": "重开", "gone": "消失"},
            "status": {"new": "新线索", "open": "处理中", "confirmed": "已查实",
                        "dismissed": "已排除", "rectified": "已整改"},
        }),
        meta: json!({
            "tool": "weiquan",
            "version": env!("CARGO_PKG_VERSION"),
            "generated": chrono::Local::now().format("%Y-%m-%d %H:%M").to_string(),
            "dataset": m["dataset"],
            "rows": m["rows"],
            "run_id": input.run_id,
            "store": input.triage.is_some(),
            "mask_pii": input.mask_pii,
            "skipped": skipped,
        }),
    }
}

/// Write JSON bytes so that nothing in them can close the `<script>`
/// element or start a comment (as [`script_safe_json`]).
fn write_script_safe(w: &mut impl std::io::Write, json: &[u8]) -> std::io::Result<()> {
    let mut from = 0;
    let mut i = 0;
    while i < json.len() {
        let esc: Option<(&[u8], usize)> = match json[i] {
            b'<' => Some((b"\\u003c", 1)),
            b'>' => Some((b"\\u003e", 1)),
            b'&' => Some((b"\\u0026", 1)),
            // U+2028 and U+2029 in UTF-8.
            0xE2 if json.get(i + 1) == Some(&0x80) && json.get(i + 2) == Some(&0xA8) => {
                Some((b"\\u2028", 3))
            }
            0xE2 if json.get(i + 1) == Some(&0x80) && json.get(i + 2) == Some(&0xA9) => {
                Some((b"\\u2029", 3))
            }
            _ => None,
        };
        match esc {
            Some((e, n)) => {
                w.write_all(&json[from..i])?;
                w.write_all(e)?;
                i += n;
                from = i;
            }
            None => i += 1,
        }
    }
    w.write_all(&json[from..])
}

/// The page, written to `w`: the data serialised once, escaped on the way
/// out, never held as a `Value` or copied into the template.
fn write_page(w: &mut impl std::io::Write, input: &ReportInput<'_>) -> std::io::Result<()> {
    let mut data = Vec::new();
    serde_json::to_writer(&mut data, &payload(input)).map_err(std::io::Error::other)?;
    let dataset = input.manifest["dataset"].as_str().unwrap_or_default();
    let name = Path::new(dataset)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(dataset);
    let title = escape_html(name);
    let (head, tail) = TEMPLATE
        .split_once("__WQ_DATA__")
        .expect("the template has a data slot");
    w.write_all(head.replace("__WQ_TITLE__", &title).as_bytes())?;
    write_script_safe(w, &data)?;
    w.write_all(tail.replace("__WQ_TITLE__", &title).as_bytes())
}

/// The whole page.
pub fn render(input: &ReportInput<'_>) -> String {
    let mut page = Vec::new();
    // Writing into memory cannot fail; the page is UTF-8 throughout.
    let _ = write_page(&mut page, input);
    String::from_utf8(page).unwrap_or_default()
}

pub fn write_report(path: &Path, input: &ReportInput<'_>) -> Result<()> {
    let f = super::create_private(path)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    write_page(&mut w, input).map_err(|e| Error::output(path, e))?;
    std::io::Write::flush(&mut w).map_err(|e| Error::output(path, e))
}

/// The page around the data: `__WQ_TITLE__` and `__WQ_DATA__` are filled
/// in by [`write_page`]. An asset file, so that the page (HTML, CSS and the
/// script) is read and edited as what it is.
const TEMPLATE: &str = include_str!("report.html");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_cannot_close_the_script_element() {
        let v = json!({"name": "</script><script>alert(1)</script>", "c": "<!--", "amp": "a&b"});
        let s = script_safe_json(&v);
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn streamed_escaping_matches_script_safe_json() {
        let v = json!({
            "a": "</script><!-- & \u{2028}\u{2029} 张三 \u{2027}\u{202a} €",
            "b": ["<", ">", "&", "\u{2028}"],
        });
        let mut out = Vec::new();
        write_script_safe(&mut out, serde_json::to_string(&v).unwrap().as_bytes()).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), script_safe_json(&v));
    }

    #[test]
    fn the_page_is_the_data_in_the_template() {
        let mut f = crate::finding::Finding::new(
            "CSH001",
            Category::CashPayment,
            crate::finding::Severity::High,
            "V1",
            "</script>",
        );
        f.finding_id = "f1".into();
        f.amount_fen = 12_345;
        f.evidence = json!({"row": 3, "note": "a&b"});
        let manifest = json!({"dataset": "/data/<街道>", "rows": 10, "rules": []});
        let page = render(&ReportInput {
            findings: &Outbound::new(std::slice::from_ref(&f)),
            triage: None,
            gone: &[],
            manifest: &manifest,
            mask_pii: false,
            run_id: None,
        });
        assert!(page.contains("<title>小微权力监督线索 · &lt;街道&gt;</title>"));
        let start = page.find(r#"id="wq-data">"#).unwrap() + r#"id="wq-data">"#.len();
        let end = start + page[start..].find("</script>").unwrap();
        let data: serde_json::Value = serde_json::from_str(&page[start..end]).unwrap();
        assert_eq!(data["findings"][0]["subject"], "</script>");
        assert_eq!(data["findings"][0]["amount"], "123.45");
        assert_eq!(data["findings"][0]["evidence"]["note"], "a&b");
        assert_eq!(data["meta"]["rows"], 10);
        // Keys in the order the page has always had them (alphabetical).
        assert!(
            page[start..].starts_with(r#"{"findings":[{"amount":"123.45","case":"","cat":"#),
            "{}",
            &page[start..start + 80]
        );
        assert!(!page.contains("__WQ_"));
    }

    #[test]
    fn titles_are_escaped() {
        assert_eq!(
            escape_html("<a href=\"x\">"),
            "&lt;a href=&quot;x&quot;&gt;"
        );
    }
}
