//! Terminal views of the store for `cases list` and `cases show`.

use super::{CaseRow, HistoryEntry, Mark, Status};
use crate::finding::Finding;
use crate::money::fen_to_yuan_string;

fn truncate(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out
}

fn severity_zh(s: crate::finding::Severity) -> &'static str {
    match s {
        crate::finding::Severity::High => "高",
        crate::finding::Severity::Medium => "中",
        crate::finding::Severity::Low => "低",
    }
}

/// One line per case, the queue order kept; weak signals (no cases of
/// their own: they raise the cases they bear on) after every case, under
/// a heading of their own, whatever the sort.
pub fn render_list(cases: &[CaseRow]) -> String {
    let mut s = String::new();
    s.push_str("线索编号          发现编号          状态    本次  分值 严重 规则    村居代码      对象                 金额(元)      承办人  期限        问题描述\n");
    let weak = |c: &&CaseRow| c.category == crate::finding::Category::WeakSignal;
    let leads = cases.iter().filter(|c| !weak(c));
    let signals: Vec<&CaseRow> = cases.iter().filter(weak).collect();
    for (i, c) in leads.chain(signals.iter().copied()).enumerate() {
        if !signals.is_empty() && i == cases.len() - signals.len() {
            s.push_str(&format!(
                "—— 弱信号 {} 条：单独不构成线索，已提高同村、同对象线索的分值 ——\n",
                signals.len()
            ));
        }
        s.push_str(&format!(
            "{:<16}  {:<16}  {}  {}  {:>4} {}   {:<7} {:<13} {:<20} {:>12}  {:<6}  {:<10}  {}\n",
            c.case_id,
            c.finding_id,
            c.status.label_zh(),
            c.last_mark.label_zh(),
            c.score,
            severity_zh(c.severity),
            c.rule,
            c.village_code,
            truncate(&c.subject_id, 20),
            fen_to_yuan_string(c.amount_fen),
            truncate(&c.assignee, 6),
            c.deadline.as_deref().unwrap_or("-"),
            truncate(&c.message, 60)
        ));
    }
    s.push_str(&format!("{} case(s)\n", cases.len()));
    s
}

fn value_zh(field: &str, v: Option<&str>) -> String {
    match (field, v) {
        (_, None) => "（空）".to_string(),
        ("status", Some(x)) => Status::parse(x)
            .map(|s| s.label_zh().to_string())
            .unwrap_or_else(|| x.to_string()),
        ("presence", Some("gone")) => Mark::Gone.label_zh().to_string(),
        ("presence", Some("present")) => "在数据中".to_string(),
        (_, Some(x)) => x.to_string(),
    }
}

fn field_zh(field: &str) -> &str {
    match field {
        "status" => "处理状态",
        "assignee" => "承办人",
        "deadline" => "期限",
        "note" => "备注",
        "facts" => "事实指纹",
        "presence" => "数据中",
        other => other,
    }
}

/// A case with its findings (evidence included) and its full history.
pub fn render_case(c: &CaseRow, findings: &[Finding], history: &[HistoryEntry]) -> String {
    let mut s = String::new();
    s.push_str(&format!("线索编号  {}\n", c.case_id));
    s.push_str(&format!(
        "发现编号  {}（findings.csv 的 finding_id）\n",
        c.finding_id
    ));
    s.push_str(&format!(
        "规则      {} {}（{}），严重程度{}，分值{}\n",
        c.rule,
        c.category.as_str(),
        c.category.label_zh(),
        severity_zh(c.severity),
        c.score
    ));
    s.push_str(&format!(
        "村居代码  {}\n对象      {}\n",
        c.village_code, c.subject_id
    ));
    if !c.related_ids.is_empty() {
        s.push_str(&format!("关联      {}\n", c.related_ids.join("; ")));
    }
    s.push_str(&format!(
        "金额      {} 元\n",
        fen_to_yuan_string(c.amount_fen)
    ));
    s.push_str(&format!("问题描述  {}\n", c.message));
    s.push_str(&format!(
        "处理状态  {}    承办人 {}    期限 {}\n",
        c.status.label_zh(),
        if c.assignee.is_empty() {
            "-"
        } else {
            &c.assignee
        },
        c.deadline.as_deref().unwrap_or("-")
    ));
    if !c.note.is_empty() {
        s.push_str(&format!("备注      {}\n", c.note));
    }
    s.push_str(&format!(
        "扫描      首次第{}次，最近第{}次（{}）{}\n",
        c.first_run,
        c.last_seen_run,
        c.last_mark.label_zh(),
        c.gone_run
            .map(|g| format!("，第{g}次起未在数据中发现"))
            .unwrap_or_default()
    ));
    s.push_str(&format!("\n证据（最近一次扫描，{} 条）\n", findings.len()));
    for f in findings {
        s.push_str(&format!("- [{}] {}\n", f.finding_id, f.message));
        let ev = serde_json::to_string_pretty(&f.evidence).unwrap_or_default();
        for line in ev.lines() {
            s.push_str(&format!("    {line}\n"));
        }
    }
    s.push_str("\n历史\n");
    for h in history {
        let run = h
            .run_id
            .map(|r| format!(" 第{r}次扫描"))
            .unwrap_or_default();
        s.push_str(&format!(
            "- {} {}（{}{}）{}：{} → {}{}\n",
            h.at,
            h.by,
            h.source,
            run,
            field_zh(&h.field),
            value_zh(&h.field, h.old.as_deref()),
            value_zh(&h.field, h.new.as_deref()),
            if h.reason.is_empty() {
                String::new()
            } else {
                format!("（{}）", h.reason)
            }
        ));
    }
    s
}
