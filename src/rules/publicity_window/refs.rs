//! The batches, contracts and decisions that need a publicity record
//! ([`Ref`]), and the event each window must end before ([`Moment`]).

use std::collections::{BTreeMap, BTreeSet};

use chrono::Datelike;
use polars::prelude::*;
use serde_json::json;

use super::citations::{Citations, contract_citations, ledger_citations};
use super::records::loose_key;
use super::{Before, Params, PostRequirement};
use crate::dataset::normalize::{fen_to_yuan_string, from_epoch_days};
use crate::dataset::{Dataset, ROW, TableKind};
use crate::error::Result;
use crate::rules::common::keywords::contains_any;
use crate::rules::common::util;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Family {
    SubsidyBatch,
    HiringBatch,
    Contract,
    Decision,
}

impl Family {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Family::SubsidyBatch => "subsidy_batch",
            Family::HiringBatch => "hiring_batch",
            Family::Contract => "contract",
            Family::Decision => "decision",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MomentKind {
    Approval,
    Payment,
    Start,
    Signing,
    DecisionSigning,
    DecisionPayment,
}

/// The event a window must end before.
#[derive(Debug, Clone)]
pub(super) struct Moment {
    pub(super) kind: MomentKind,
    pub(super) day: i32,
    pub(super) table: TableKind,
    pub(super) row: Option<u32>,
    /// The contract or voucher that fixes a decision's event.
    pub(super) key: Option<String>,
}

impl Moment {
    /// `首次发放日期`, `合同HT-1签订日期` … for messages.
    pub(super) fn label(&self) -> String {
        let key = self.key.as_deref().unwrap_or("");
        match self.kind {
            MomentKind::Approval => "审批日期".into(),
            MomentKind::Payment => "首次发放日期".into(),
            MomentKind::Start => "首次上岗日期".into(),
            MomentKind::Signing => "合同签订日期".into(),
            MomentKind::DecisionSigning => format!("合同{key}签订日期"),
            MomentKind::DecisionPayment => format!("凭证{key}付款日期"),
        }
    }
    /// The act that came too early, for messages.
    pub(super) fn act(&self) -> &'static str {
        match self.kind {
            MomentKind::Approval => "审批",
            MomentKind::Payment => "发放",
            MomentKind::Start => "上岗",
            MomentKind::Signing | MomentKind::DecisionSigning => "签订合同",
            MomentKind::DecisionPayment => "付款",
        }
    }
    pub(super) fn kind_str(&self) -> &'static str {
        match self.kind {
            MomentKind::Approval => "approval",
            MomentKind::Payment => "payment",
            MomentKind::Start => "start",
            MomentKind::Signing => "signing",
            MomentKind::DecisionSigning => "contract_signing",
            MomentKind::DecisionPayment => "ledger_payment",
        }
    }
}

pub(super) fn earliest(a: Option<Moment>, b: Option<Moment>) -> Option<Moment> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.day < a.day { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// A batch, contract or decision that needs a publicity record.
pub(super) struct Ref {
    pub(super) family: Family,
    pub(super) village: String,
    pub(super) ref_no: String,
    /// Program, post, project or decision subject, for the message.
    pub(super) what: String,
    pub(super) amount: i64,
    pub(super) required_days: i64,
    pub(super) before: Before,
    pub(super) event: Option<Moment>,
    /// 急难型 by program or batch number: may be published after payment.
    pub(super) after_payment_ok: bool,
    /// Evidence detail, made into JSON only for a ref that becomes a finding.
    pub(super) detail: Detail,
}

/// What a ref's evidence `detail` shows.
pub(super) enum Detail {
    Subsidy {
        programs: Vec<String>,
        payment_rows: u64,
        period: (Option<i32>, Option<i32>),
        first_paid: Option<i32>,
        first_approved: Option<i32>,
        admissions: u64,
    },
    Hiring {
        posts: Vec<String>,
        hires: u64,
        first_start: Option<i32>,
    },
    Json(serde_json::Value),
}

impl Detail {
    pub(super) fn to_json(&self) -> serde_json::Value {
        match self {
            Detail::Subsidy {
                programs,
                payment_rows,
                period,
                first_paid,
                first_approved,
                admissions,
            } => {
                let month = |d: Option<i32>| d.map(|d| day(d)[..7].to_string());
                json!({
                    "programs": programs,
                    "payment_rows": payment_rows,
                    "period_from": month(period.0),
                    "period_to": month(period.1),
                    "first_paid_date": first_paid.map(day),
                    "first_approved_date": first_approved.map(day),
                    "approvals_read_as_admission": admissions,
                })
            }
            Detail::Hiring {
                posts,
                hires,
                first_start,
            } => json!({
                "posts": posts,
                "hires": hires,
                "first_start_date": first_start.map(day),
            }),
            Detail::Json(v) => v.clone(),
        }
    }
}

/// `YYYY-MM-DD` without chrono's format parser: evidence formats many dates.
pub(super) fn day(days: i32) -> String {
    match from_epoch_days(days) {
        Some(d) => format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
        None => String::new(),
    }
}

/// The first requirement whose fragments match; an empty list matches all.
pub(super) fn requirement_for<'a, T>(
    list: &'a [T],
    text: &str,
    fragments: impl Fn(&T) -> &[String],
) -> Option<(usize, &'a T)> {
    list.iter()
        .enumerate()
        .find(|(_, r)| fragments(r).is_empty() || contains_any(text, fragments(r)))
}

pub(super) fn hiring_batches(code: &str, df: &DataFrame, p: &Params) -> Result<Vec<Ref>> {
    let g = df
        .clone()
        .lazy()
        .filter(
            col("batch_no")
                .is_not_null()
                .and(col("village_code").is_not_null()),
        )
        .group_by([col("village_code"), col("batch_no"), col("post")])
        .agg([
            col("start_date").min().alias("start_min"),
            col(ROW)
                .get(col("start_date").arg_min(), true)
                .alias("start_row"),
            col("monthly_wage").sum().alias("wage_sum"),
            len().alias("n"),
        ])
        .collect()
        .map_err(util::polars_err(code))?;
    let village = util::str_col(code, &g, "village_code")?;
    let batch = util::text_col(code, &g, "batch_no")?;
    let post = util::str_col(code, &g, "post")?;
    let start = util::date_col(code, &g, "start_min")?;
    let start_row = util::u32_col(code, &g, "start_row")?;
    let wage = util::i64_col(code, &g, "wage_sum")?;
    let n = g
        .column("n")
        .and_then(|c| c.cast(&DataType::UInt64))
        .map_err(util::polars_err(code))?;
    let n = n.u64().map_err(util::polars_err(code))?;

    struct Part {
        post: String,
        req: Option<(usize, PostRequirement)>,
        start: Option<i32>,
        row: Option<u32>,
        wage: i64,
        n: u64,
    }
    let mut batches: BTreeMap<(String, String), Vec<Part>> = BTreeMap::new();
    for i in 0..g.height() {
        let (Some(v), Some(b)) = (village.get(i), batch.get(i)) else {
            continue;
        };
        if b.is_empty() {
            continue;
        }
        let ps = post.get(i).unwrap_or_default().to_string();
        let req = requirement_for(&p.hires, &ps, |r| &r.posts).map(|(k, r)| (k, r.clone()));
        batches
            .entry((v.to_string(), b.to_string()))
            .or_default()
            .push(Part {
                post: ps,
                req,
                start: start.get(i),
                row: start_row.get(i),
                wage: wage.get(i).unwrap_or_default(),
                n: n.get(i).unwrap_or_default(),
            });
    }
    let mut out = Vec::new();
    for ((v, b), parts) in batches {
        let Some((_, req)) = parts
            .iter()
            .filter_map(|pt| pt.req.as_ref())
            .min_by_key(|(k, r)| (std::cmp::Reverse(r.days), *k))
        else {
            continue;
        };
        let first = parts
            .iter()
            .filter_map(|pt| pt.start.map(|d| (d, pt.row)))
            .min();
        let event = match req.before {
            Before::Start => first.map(|(d, row)| Moment {
                kind: MomentKind::Start,
                day: d,
                table: TableKind::Hires,
                row,
                key: None,
            }),
            _ => None,
        };
        let posts: BTreeSet<&str> = parts.iter().map(|pt| pt.post.as_str()).collect();
        let what = posts.iter().copied().collect::<Vec<_>>().join("、");
        out.push(Ref {
            family: Family::HiringBatch,
            village: v,
            ref_no: b,
            what,
            amount: parts.iter().map(|pt| pt.wage).sum(),
            required_days: req.days as i64,
            before: req.before,
            event,
            after_payment_ok: false,
            detail: Detail::Hiring {
                posts: posts.iter().map(|s| s.to_string()).collect(),
                hires: parts.iter().map(|pt| pt.n).sum::<u64>(),
                first_start: first.map(|(d, _)| d),
            },
        });
    }
    Ok(out)
}

pub(super) fn contracts(code: &str, df: &DataFrame, p: &Params) -> Result<Vec<Ref>> {
    let threshold = util::yuan_to_fen(p.contract_threshold);
    let village = util::str_col(code, df, "village_code")?;
    let no = util::text_col(code, df, "contract_no")?;
    let project = util::str_col(code, df, "project_name")?;
    let vendor = util::str_col(code, df, "vendor")?;
    let procurement = util::str_col(code, df, "procurement")?;
    let decision = util::text_col(code, df, "decision_no")?;
    let amount = util::i64_col(code, df, "amount")?;
    let signed = util::date_col(code, df, "signed_date")?;
    let rows = util::u32_col(code, df, ROW)?;
    // A contract listed on several rows is one contract: its largest amount
    // and its earliest signing.
    let mut by_no: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for i in 0..df.height() {
        let (Some(v), Some(c), Some(a)) = (village.get(i), no.get(i), amount.get(i)) else {
            continue;
        };
        if c.is_empty() || a < threshold {
            continue;
        }
        by_no
            .entry((v.to_string(), c.to_string()))
            .or_default()
            .push(i);
    }
    let mut out = Vec::new();
    for ((v, c), idx) in by_no {
        let amt = idx
            .iter()
            .filter_map(|&i| amount.get(i))
            .max()
            .unwrap_or_default();
        let first = idx
            .iter()
            .filter_map(|&i| signed.get(i).map(|d| (d, i)))
            .min();
        let lead = first.map(|(_, i)| i).unwrap_or(idx[0]);
        let event = match p.contracts.before {
            Before::Signing => first.map(|(d, i)| Moment {
                kind: MomentKind::Signing,
                day: d,
                table: TableKind::Contracts,
                row: rows.get(i),
                key: None,
            }),
            _ => None,
        };
        let proj = project.get(lead).unwrap_or_default();
        out.push(Ref {
            family: Family::Contract,
            village: v,
            ref_no: c,
            what: if proj.is_empty() {
                vendor.get(lead).unwrap_or_default().to_string()
            } else {
                proj.to_string()
            },
            amount: amt,
            required_days: p.contracts.days as i64,
            before: p.contracts.before,
            event,
            after_payment_ok: false,
            detail: Detail::Json(json!({
                "project_name": proj,
                "vendor": vendor.get(lead),
                "procurement": procurement.get(lead),
                "decision_no": decision.get(lead),
                "signed_date": first.map(|(d, _)| day(d)),
                "threshold": fen_to_yuan_string(threshold),
                "rows": idx.iter().filter_map(|&i| rows.get(i)).collect::<Vec<_>>(),
            })),
        });
    }
    Ok(out)
}

pub(super) fn decisions(code: &str, df: &DataFrame, ds: &Dataset, p: &Params) -> Result<Vec<Ref>> {
    let village = util::str_col(code, df, "village_code")?;
    let no = util::text_col(code, df, "decision_no")?;
    let subject = util::str_col(code, df, "subject")?;
    let amount = util::i64_col(code, df, "amount")?;
    let resolved = util::date_col(code, df, "resolved_date")?;
    let published = util::date_col(code, df, "resolution_published_date")?;
    let rows = util::u32_col(code, df, ROW)?;
    let need_signing = matches!(
        p.decisions.before,
        Before::SigningOrPayment | Before::Signing
    );
    let need_payment = matches!(
        p.decisions.before,
        Before::SigningOrPayment | Before::Payment
    );
    let (signing, contract_sums) = contract_citations(code, ds)?;
    let signing = if need_signing {
        signing
    } else {
        Citations::new()
    };
    let paying = if need_payment {
        ledger_citations(code, ds)?
    } else {
        Citations::new()
    };
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for i in 0..df.height() {
        let (Some(v), Some(d)) = (village.get(i), no.get(i)) else {
            continue;
        };
        if d.is_empty() {
            continue;
        }
        seen.entry((v.to_string(), d.to_string())).or_insert(i);
    }
    let mut out = Vec::new();
    for ((v, d), i) in seen {
        let key = (v.clone(), loose_key(&d).into_owned());
        let event = earliest(signing.get(&key).cloned(), paying.get(&key).cloned());
        out.push(Ref {
            family: Family::Decision,
            village: v,
            ref_no: d,
            what: subject.get(i).unwrap_or_default().to_string(),
            amount: amount
                .get(i)
                .or_else(|| contract_sums.get(&key).copied())
                .unwrap_or_default(),
            required_days: p.decisions.days as i64,
            before: p.decisions.before,
            event,
            after_payment_ok: false,
            detail: Detail::Json(json!({
                "row": rows.get(i),
                "subject": subject.get(i),
                "resolved_date": resolved.get(i).map(day),
                "resolution_published_date": published.get(i).map(day),
            })),
        });
    }
    Ok(out)
}
