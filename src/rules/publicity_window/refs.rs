//! What needs a publicity record: a batch, contract or decision ([`Ref`]),
//! the event its window must end before ([`Moment`]), and what its
//! evidence shows ([`Detail`]).

use chrono::Datelike;
use serde_json::json;

use super::Before;
use crate::dataset::TableKind;
use crate::dataset::normalize::from_epoch_days;
use crate::rules::common::keywords::contains_any;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Family {
    SubsidyBatch,
    HiringBatch,
    Contract,
    Decision,
    Lease,
    Compensation,
}

impl Family {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Family::SubsidyBatch => "subsidy_batch",
            Family::HiringBatch => "hiring_batch",
            Family::Contract => "contract",
            Family::Decision => "decision",
            Family::Lease => "lease",
            Family::Compensation => "compensation_batch",
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
