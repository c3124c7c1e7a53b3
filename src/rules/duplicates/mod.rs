//! 重复享受 on the subsidy roll: DUP001 one program paid twice for a
//! period, DUP002 two programs that exclude each other, DUP003 one account
//! for several people, DUP004 one person under two id numbers, DUP005 one item (machine,
//! ear tag, facility) paid twice, DUP006 one funeral subsidy paid twice. Each finds
//! candidate rows, nets reversals out of each period's payments and builds
//! a case out of what stands; what they share is that case: the payments it
//! lists, the villages and batches they come from, and which village
//! answers for it.

mod duplicate_payment;
mod exclusive_programs;
mod funeral_twice;
mod other_tables;
mod same_item;
mod shared_account;
mod two_ids;

pub use duplicate_payment::DuplicatePayment;
pub use exclusive_programs::ExclusivePrograms;
pub use funeral_twice::FuneralTwice;
pub use same_item::SameItem;
pub use shared_account::SharedAccount;
pub use two_ids::TwoIds;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::rules::common::programs::payment;
use crate::rules::common::views::SubsidiesView;

/// One case of a DUP rule, collected payment by payment.
#[derive(Default)]
pub struct Case {
    /// The payments listed as evidence, in the order listed.
    pub payments: Vec<Value>,
    /// Every village whose roll lists a payment of the case.
    pub villages: BTreeSet<String>,
    /// The batches of the listed payments.
    pub batches: BTreeSet<String>,
    /// The total of the payments to recover.
    pub recoverable: i64,
    /// How many payments are to recover.
    pub extra: usize,
    /// Per village, how many of the payments it answers for.
    answers: BTreeMap<String, usize>,
    /// The first payment listed: the person's name as the roll writes it.
    first: Option<usize>,
}

impl Case {
    /// List payment `i` of the roll as evidence.
    pub fn list(&mut self, r: &SubsidiesView, i: usize) {
        self.villages.insert(r.str(r.village, i).to_string());
        self.batches
            .insert(r.batch.get(i).unwrap_or_default().to_string());
        self.payments.push(r.payment(i));
        self.first.get_or_insert(i);
    }

    /// The case of payments that should have been one (DUP005, DUP006):
    /// the first of `rows` is due, the others are to recover; each listed
    /// with who received it and the item it paid for.
    pub fn one_due(r: &SubsidiesView, rows: &[usize]) -> Case {
        let mut case = Case::default();
        for (k, &i) in rows.iter().enumerate() {
            case.list(r, i);
            case.payments.pop();
            case.payments.push(payment(r, i));
            if k > 0 {
                case.recover(r, i);
            }
        }
        case
    }

    /// Payment `i` is one too many: its amount is to recover and its
    /// village answers for it.
    pub fn recover(&mut self, r: &SubsidiesView, i: usize) {
        self.recoverable += r.amount(i);
        self.extra += 1;
        self.answers_for(r.str(r.village, i));
    }

    /// `village` answers for one more payment of the case.
    pub fn answers_for(&mut self, village: &str) {
        *self.answers.entry(village.to_string()).or_default() += 1;
    }

    /// The village answering for most payments (of equals, the first by
    /// code); `None` when no village answers for any.
    pub fn village(&self) -> Option<String> {
        self.answers
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(v, _)| v.clone())
    }

    /// The villages listing the case other than `village`, sorted.
    pub fn other_villages(&self, village: &str) -> Vec<String> {
        self.villages
            .iter()
            .filter(|v| v.as_str() != village)
            .cloned()
            .collect()
    }

    /// The person's name on the first payment listed (empty when none).
    pub fn name<'a>(&self, r: &SubsidiesView<'a>) -> &'a str {
        self.first.and_then(|i| r.name.get(i)).unwrap_or_default()
    }
}
