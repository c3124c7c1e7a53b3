use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{add_months, as_of, date, day, member_key, steps, subject_of};
use crate::dataset::id_number::birth_date;
use crate::dataset::normalize::to_epoch_days;
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::rules::common::views::PartyMembersView;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
A member in 党员发展纪实 whose admission broke the order or the pace of
《中国共产党发展党员工作细则》, one finding per member with every reason:
- a step dated before an earlier step (申请 → 积极分子 → 发展对象 → 政审 →
  支部大会接收 → 上级审批 → 转正), or a step recorded while an earlier one is
  blank (a step the village's other rows do record);
- the applicant under `min-age` on the application date (age from the id
  number);
- fewer than `min-training-days` from 积极分子 to 发展对象;
- 政治审查 after the 支部大会 that admitted the member;
- 转正 earlier than `probation-months` after the 支部大会, or more than
  `overdue-days` after the probation's end (or not yet, when that day is
  before the as-of date: the latest date in the party tables).

## Why it matters
细则 第五条 (年满十八岁), 第十三条 (一年以上培养教育和考察), 第十九条
(政治审查 before a member is admitted), 第二十九条 (预备期一年): a member
fast-tracked past these steps is how a branch is packed before an election
or a favour is done.

## Parameters
- `min-age` (18): years, at the application.
- `min-training-days` (365): days from 积极分子 to 发展对象; exactly this many
  is allowed.
- `probation-months` (12): the 预备期; 转正 on its last day is allowed.
- `overdue-days` (90): days after the 预备期 within which 转正 is due.

## Known false positives
A 预备期 extended by the branch (细则 第三十二条: up to a year) or a
预备党员资格 cancelled reads as an overdue 转正: the message asks for the
branch's resolution. A date typed wrong reads as a step out of order.
";

/// 党员发展程序异常.
pub struct AdmissionSteps;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub min_age: u32,
    pub min_training_days: i64,
    pub probation_months: u32,
    pub overdue_days: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            min_age: 18,
            min_training_days: 365,
            probation_months: 12,
            overdue_days: 90,
        }
    }
}

const META: RuleMeta = RuleMeta {
    code: "PTY001",
    name: "admission_steps",
    category: Category::PartyAffairs,
    severity: Severity::High,
    summary: "party admission steps out of order, skipped or too fast; applicant under 18; 转正 early or overdue",
    doc: DOC,
    needs: &[TableKind::PartyMembers],
    processes: &[23],
};

const STEPS: [&str; 7] = [
    "递交入党申请书",
    "确定入党积极分子",
    "确定发展对象",
    "政治审查",
    "支部大会接收预备党员",
    "上级党委审批",
    "预备党员转正",
];

impl Rule for AdmissionSteps {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(m) = PartyMembersView::load(ds)? else {
            return Ok(vec![]);
        };
        let as_of = as_of(ds)?;
        let cols = steps(&m);
        // Steps a village records at all: only those can be skipped.
        let mut recorded: BTreeSet<(&str, usize)> = BTreeSet::new();
        for i in 0..m.height() {
            let v = m.village.get(i).unwrap_or_default();
            for (k, c) in cols.iter().enumerate() {
                if c.get(i).is_some() {
                    recorded.insert((v, k));
                }
            }
        }
        let mut out = Vec::new();
        for i in 0..m.height() {
            let v = m.village.get(i).unwrap_or_default();
            let Some(key) = member_key(m.id.get(i), m.name.get(i)) else {
                continue;
            };
            let dates: Vec<Option<i32>> = cols.iter().map(|c| date(c, i)).collect();
            let birth = m.id.get(i).and_then(birth_date);
            let known = |j: usize| recorded.contains(&(v, j));
            let Assessed {
                reasons,
                strong,
                overdue,
            } = assess(&p, &dates, known, birth, as_of);
            if reasons.is_empty() {
                continue;
            }
            let subject = subject_of(&key);
            let name = m.name.get(i).unwrap_or_default();
            let steps: serde_json::Map<String, serde_json::Value> = STEPS
                .iter()
                .zip(&dates)
                .map(|(s, d)| (s.to_string(), json!(d.map(day))))
                .collect();
            let severity = if strong {
                Severity::High
            } else {
                Severity::Medium
            };
            out.push(
                META.finding(v, subject)
                    .severity(severity)
                    .score(if strong { 70.0 } else { 50.0 })
                    .message(format!(
                        "党员“{name}”发展程序异常：{}，请调阅发展党员纪实材料核实",
                        reasons.join("；")
                    ))
                    .evidence(json!({
                        "row": m.row.get(i).unwrap_or_default(),
                        "name": name,
                        "branch": m.branch.get(i).unwrap_or_default(),
                        "steps": steps,
                        "reasons": reasons,
                        "as_of": as_of.map(day),
                        "days_overdue": overdue,
                    })),
            );
        }
        Ok(out)
    }
}

/// Why a member's admission is irregular, whether any reason is strong
/// (anything but a late 转正), and the days past the 预备期.
struct Assessed {
    reasons: Vec<String>,
    strong: bool,
    overdue: Option<i32>,
}

fn assess(
    p: &Params,
    dates: &[Option<i32>],
    recorded: impl Fn(usize) -> bool,
    birth: Option<chrono::NaiveDate>,
    as_of: Option<i32>,
) -> Assessed {
    let mut reasons: Vec<String> = Vec::new();
    let mut strong = false;
    // Order and skipped steps.
    for k in 1..STEPS.len() {
        let Some(dk) = dates[k] else { continue };
        if let Some((j, dj)) = (0..k)
            .filter_map(|j| dates[j].map(|d| (j, d)))
            .find(|&(_, dj)| dj > dk)
        {
            if !(j == 3 && k == 4) {
                reasons.push(format!(
                    "{}（{}）早于{}（{}）",
                    STEPS[k],
                    day(dk),
                    STEPS[j],
                    day(dj)
                ));
                strong = true;
            }
        }
    }
    if let Some(last) = (0..STEPS.len()).rev().find(|&k| dates[k].is_some()) {
        let skipped: Vec<&str> = (0..last)
            .filter(|&j| dates[j].is_none() && recorded(j))
            .map(|j| STEPS[j])
            .collect();
        if !skipped.is_empty() {
            reasons.push(format!("已{}但未记录{}", STEPS[last], skipped.join("、")));
            strong = true;
        }
    }
    if let (Some(vet), Some(adm)) = (dates[3], dates[4])
        && vet > adm
    {
        reasons.push(format!(
            "政治审查（{}）在支部大会接收（{}）之后",
            day(vet),
            day(adm)
        ));
        strong = true;
    }
    // Age at the application.
    if let (Some(app), Some(birth)) = (dates[0], birth) {
        let age = crate::rules::party_affairs::naive(app)
            .years_since(birth)
            .unwrap_or(0);
        if age < p.min_age && to_epoch_days(birth) <= app {
            reasons.push(format!("递交申请时{age}周岁，未满{}周岁", p.min_age));
            strong = true;
        }
    }
    // Training period.
    if let (Some(a), Some(c)) = (dates[1], dates[2]) {
        let days = i64::from(c - a);
        if (0..p.min_training_days).contains(&days) {
            reasons.push(format!(
                "从入党积极分子到发展对象仅{days}天，不足{}天",
                p.min_training_days
            ));
            strong = true;
        }
    }
    // Probation.
    let mut overdue = None;
    if let Some(adm) = dates[4] {
        let end = add_months(adm, p.probation_months);
        let due = end + p.overdue_days as i32;
        match dates[6] {
            Some(full) if full >= adm && full < end => {
                reasons.push(format!("转正（{}）早于预备期满（{}）", day(full), day(end)));
                strong = true;
            }
            Some(full) if full > due => {
                reasons.push(format!(
                    "转正（{}）晚于预备期满（{}）{}天以上",
                    day(full),
                    day(end),
                    p.overdue_days
                ));
                overdue = Some(full - end);
            }
            None if as_of.is_some_and(|a| a > due) => {
                let a = as_of.unwrap_or(due);
                reasons.push(format!(
                    "预备期已于{}届满，至{}仍未转正（超过{}天）",
                    day(end),
                    day(a),
                    p.overdue_days
                ));
                overdue = Some(a - end);
            }
            _ => {}
        }
    }
    reasons.dedup();
    Assessed {
        reasons,
        strong,
        overdue,
    }
}
