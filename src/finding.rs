//! A finding: one lead for an officer (data contract §4).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::money::fen_to_yuan_string;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Kinship,
    SplitContract,
    DuplicateBeneficiary,
    DeceasedBeneficiary,
    PublicityWindow,
    MissingDecision,
    CashPayment,
    InvalidId,
    WeakSignal,
    Eligibility,
    GhostWorker,
    AssetLease,
    LandCompensation,
    PartyAffairs,
    SealUse,
}

impl Category {
    pub const ALL: [Category; 15] = [
        Category::Kinship,
        Category::SplitContract,
        Category::DuplicateBeneficiary,
        Category::DeceasedBeneficiary,
        Category::PublicityWindow,
        Category::MissingDecision,
        Category::CashPayment,
        Category::InvalidId,
        Category::WeakSignal,
        Category::Eligibility,
        Category::GhostWorker,
        Category::AssetLease,
        Category::LandCompensation,
        Category::PartyAffairs,
        Category::SealUse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Kinship => "kinship",
            Category::SplitContract => "split_contract",
            Category::DuplicateBeneficiary => "duplicate_beneficiary",
            Category::DeceasedBeneficiary => "deceased_beneficiary",
            Category::PublicityWindow => "publicity_window",
            Category::MissingDecision => "missing_decision",
            Category::CashPayment => "cash_payment",
            Category::InvalidId => "invalid_id",
            Category::WeakSignal => "weak_signal",
            Category::Eligibility => "eligibility",
            Category::GhostWorker => "ghost_worker",
            Category::AssetLease => "asset_lease",
            Category::LandCompensation => "land_compensation",
            Category::PartyAffairs => "party_affairs",
            Category::SealUse => "seal_use",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }

    /// The Chinese label officers see in reports.
    pub fn label_zh(self) -> &'static str {
        match self {
            Category::Kinship => "优亲厚友",
            Category::SplitContract => "化整为零",
            Category::DuplicateBeneficiary => "重复享受",
            Category::DeceasedBeneficiary => "死亡人员领取",
            Category::PublicityWindow => "公示不规范",
            Category::MissingDecision => "未履行四议两公开",
            Category::CashPayment => "超限额现金支付",
            Category::InvalidId => "身份证号异常",
            Category::WeakSignal => "弱信号",
            Category::Eligibility => "不符合条件",
            Category::GhostWorker => "虚报冒领工资",
            Category::AssetLease => "三资租赁异常",
            Category::LandCompensation => "征地补偿异常",
            Category::PartyAffairs => "党务管理异常",
            Category::SealUse => "印章使用不规范",
        }
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    High,
    Medium,
    Low,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim() {
            "high" => Some(Severity::High),
            "medium" => Some(Severity::Medium),
            "low" => Some(Severity::Low),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One lead. Rules fill everything but `finding_id`, which the engine
/// derives from the facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub finding_id: String,
    pub rule: String,
    pub category: Category,
    pub severity: Severity,
    /// 0–100, for ranking.
    pub score: u8,
    pub village_code: String,
    pub subject_id: String,
    /// Sorted, deduplicated.
    pub related_ids: Vec<String>,
    /// Money involved, fen.
    #[serde(skip)]
    pub amount_fen: i64,
    pub message: String,
    pub evidence: serde_json::Value,
}

impl Finding {
    pub fn new(
        rule: &str,
        category: Category,
        severity: Severity,
        village_code: &str,
        subject_id: &str,
    ) -> Finding {
        Finding {
            finding_id: String::new(),
            rule: rule.to_string(),
            category,
            severity,
            score: 50,
            village_code: village_code.to_string(),
            subject_id: subject_id.to_string(),
            related_ids: Vec::new(),
            amount_fen: 0,
            message: String::new(),
            evidence: serde_json::Value::Null,
        }
    }

    /// Another severity than the rule's default (a weaker or stronger case).
    pub fn severity(mut self, s: Severity) -> Self {
        self.severity = s;
        self
    }

    pub fn score(mut self, s: f64) -> Self {
        self.score = s.round().clamp(0.0, 100.0) as u8;
        self
    }
    pub fn amount(mut self, fen: i64) -> Self {
        self.amount_fen = fen;
        self
    }
    pub fn related<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.related_ids.extend(ids.into_iter().map(Into::into));
        self
    }
    pub fn message(mut self, m: impl Into<String>) -> Self {
        self.message = m.into();
        self
    }
    pub fn evidence(mut self, e: serde_json::Value) -> Self {
        self.evidence = e;
        self
    }

    /// Amount as the contract writes it: yuan, two decimals.
    pub fn amount_yuan(&self) -> String {
        fen_to_yuan_string(self.amount_fen)
    }

    /// Sort and dedupe related ids, drop the subject from them, and derive the
    /// id from the facts: rule, village, subject, related keys and amount.
    /// Row numbers and run time are not facts: a re-sorted export or a rerun
    /// gives the same id.
    pub fn seal(&mut self) {
        self.related_ids
            .retain(|r| !r.is_empty() && *r != self.subject_id);
        self.related_ids.sort();
        self.related_ids.dedup();
        let mut h = Sha256::new();
        for part in [
            self.rule.as_str(),
            self.village_code.as_str(),
            self.subject_id.as_str(),
        ] {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        for r in &self.related_ids {
            h.update(r.as_bytes());
            h.update([0x1e]);
        }
        h.update(self.amount_fen.to_le_bytes());
        let d = h.finalize();
        self.finding_id = d[..8].iter().map(|b| format!("{b:02x}")).collect();
    }

    /// Identity of the case across runs, whatever its facts: rule, village and
    /// subject. The triage store keys cases on it.
    pub fn case_key(&self) -> String {
        let mut h = Sha256::new();
        for part in [
            self.rule.as_str(),
            self.village_code.as_str(),
            self.subject_id.as_str(),
        ] {
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        h.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// The queue order: cases before weak signals, highest score first, then
/// severity, then a total order on the facts so that output is
/// deterministic.
pub fn sort_findings(f: &mut [Finding]) {
    let weak = |x: &Finding| x.category == Category::WeakSignal;
    f.sort_by(|a, b| {
        weak(a)
            .cmp(&weak(b))
            .then(b.score.cmp(&a.score))
            .then(a.severity.cmp(&b.severity))
            .then(a.rule.cmp(&b.rule))
            .then(a.village_code.cmp(&b.village_code))
            .then(a.subject_id.cmp(&b.subject_id))
            .then(a.finding_id.cmp(&b.finding_id))
    });
}

/// Findings on their way to the outputs, each one's evidence serialised
/// once (compact JSON, in parallel) for every output that carries it:
/// findings.csv, findings.jsonl, report.html and the case store. Each
/// used to serialise the same evidence again.
pub struct Outbound<'a> {
    pub findings: &'a [Finding],
    evidence: Vec<Box<serde_json::value::RawValue>>,
}

impl<'a> Outbound<'a> {
    pub fn new(findings: &'a [Finding]) -> Outbound<'a> {
        use rayon::prelude::*;
        let evidence = findings
            .par_iter()
            .map(|f| {
                // A `Value` always serialises (its map keys are strings).
                serde_json::value::to_raw_value(&f.evidence).expect("a JSON value serialises")
            })
            .collect();
        Outbound { findings, evidence }
    }

    /// Each finding with its evidence as written.
    pub fn iter(&self) -> impl Iterator<Item = (&'a Finding, &serde_json::value::RawValue)> {
        self.findings.iter().zip(self.evidence.iter().map(|e| &**e))
    }

    /// Finding `i` with its evidence as written.
    pub fn get(&self, i: usize) -> (&'a Finding, &serde_json::value::RawValue) {
        (&self.findings[i], &self.evidence[i])
    }

    pub fn len(&self) -> usize {
        self.findings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }
}
