//! The rule pack: a small trait, one file per rule (a folder per family
//! that shares code), a hand-listed registry. Rules read frames and return
//! findings; they never write files. Code they share is in `common/`.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};

pub mod common;

mod asset_lease;
mod cash_payment;
mod claims;
mod deceased;
mod decision_order;
mod duplicates;
mod eligibility;
mod eligibility_across;
mod ghost_worker;
mod invalid_id;
mod kinship;
mod land_compensation;
mod missing_decision;
mod party_affairs;
mod periodic_publicity;
mod publicity_window;
mod seal_use;
mod split;
mod weak_signal;

/// What a rule declares once: the registry, `weiquan rules`/`explain`/
/// `coverage`, docs/rules.md and the engine read it from here, and the
/// rule's findings take their code, category and severity from it.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable code, e.g. `CSH001`.
    pub code: &'static str,
    /// snake_case name, e.g. `cash_payment`; also the fixture folder's name.
    pub name: &'static str,
    pub category: Category,
    /// Default severity of its findings.
    pub severity: Severity,
    /// One line: what it flags (the README's rules table).
    pub summary: &'static str,
    /// Markdown with the sections What it flags / Why it matters /
    /// Parameters / Known false positives; `weiquan explain` prints it.
    pub doc: &'static str,
    /// Tables without which the rule cannot run.
    pub needs: &'static [TableKind],
    /// The processes of the policy annex (1–31, `seeds/processes.toml`)
    /// the rule watches: `weiquan coverage` is made from these.
    pub processes: &'static [u32],
}

impl RuleMeta {
    /// A finding of this rule, with its code, category and default severity.
    pub fn finding(&self, village_code: &str, subject_id: &str) -> Finding {
        Finding::new(
            self.code,
            self.category,
            self.severity,
            village_code,
            subject_id,
        )
    }
}

pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn code(&self) -> &'static str {
        self.meta().code
    }
    fn name(&self) -> &'static str {
        self.meta().name
    }
    fn category(&self) -> Category {
        self.meta().category
    }
    fn severity(&self) -> Severity {
        self.meta().severity
    }
    fn doc(&self) -> &'static str {
        self.meta().doc
    }
    fn needs(&self) -> &'static [TableKind] {
        self.meta().needs
    }
    /// The canonical names of the needed tables `ds` lacks.
    fn missing_tables(&self, ds: &Dataset) -> Vec<&'static str> {
        self.needs()
            .iter()
            .filter(|t| !ds.has(**t))
            .map(|t| t.canonical())
            .collect()
    }
    /// The parameters with their default values.
    fn default_params(&self) -> toml::Table;
    /// Check a user's parameter table (unknown keys, wrong types).
    fn validate(&self, params: &toml::Table) -> Result<(), String>;
    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>>;
}

/// Parse a rule's parameter table into its `Params` (defaults for what is absent).
pub fn parse_params<P: DeserializeOwned>(t: &toml::Table) -> Result<P, String> {
    toml::Value::Table(t.clone())
        .try_into::<P>()
        .map_err(|e| e.message().to_string())
}

/// A rule's parameters in `check` (already validated by the configuration;
/// an error here names no rule: the engine adds it).
pub fn params_of<P: DeserializeOwned>(t: &toml::Table) -> Result<P> {
    parse_params(t).map_err(crate::error::Error::in_a_rule)
}

pub fn params_table<P: Serialize>(p: &P) -> toml::Table {
    toml::Table::try_from(p).expect("rule parameters serialise to a TOML table")
}

/// Implements the parameter plumbing of [`Rule`] for a `Params` type.
macro_rules! rule_params {
    ($p:ty) => {
        fn default_params(&self) -> toml::Table {
            $crate::rules::params_table(&<$p>::default())
        }
        fn validate(&self, params: &toml::Table) -> std::result::Result<(), String> {
            $crate::rules::parse_params::<$p>(params).map(|_| ())
        }
    };
}
pub(crate) use rule_params;

/// Every rule, sorted by code.
pub fn registry() -> &'static [&'static dyn Rule] {
    &[
        &claims::ClaimArea,
        &claims::ClaimSharedAccount,
        &cash_payment::CashPayment,
        &deceased::Deceased,
        &missing_decision::MissingDecision,
        &decision_order::DecisionOrder,
        &duplicates::DuplicatePayment,
        &duplicates::ExclusivePrograms,
        &duplicates::SharedAccount,
        &duplicates::TwoIds,
        &duplicates::SameItem,
        &duplicates::FuneralTwice,
        &eligibility::Eligibility,
        &eligibility_across::TekunWages,
        &eligibility_across::DibaoWages,
        &eligibility_across::DisabilityDibao,
        &eligibility_across::PensionAge,
        &eligibility_across::FuneralSubsidy,
        &ghost_worker::GhostWorker,
        &invalid_id::InvalidId,
        &kinship::Kinship,
        &land_compensation::OverRate,
        &land_compensation::Outsider,
        &land_compensation::EarlyPayment,
        &asset_lease::Uncollected,
        &asset_lease::Term,
        &asset_lease::BelowPeers,
        &asset_lease::NoOpenLetting,
        &asset_lease::Prepaid,
        &party_affairs::AdmissionSteps,
        &party_affairs::ElectionAdmissions,
        &party_affairs::TransferUnreceived,
        &party_affairs::DuesBracket,
        &party_affairs::DuesUnpaid,
        &party_affairs::DuesAfterTransfer,
        &publicity_window::PublicityWindow,
        &periodic_publicity::PeriodicPublicity,
        &seal_use::SealApproval,
        &seal_use::SealMissing,
        &seal_use::SealRestDay,
        &split::SplitContracts,
        &split::SplitPayments,
        &weak_signal::NearThreshold,
        &weak_signal::RoundAmounts,
        &weak_signal::Benford,
        &weak_signal::VoucherSequence,
        &weak_signal::TableTotals,
        &weak_signal::RestDays,
        &weak_signal::SharedContact,
    ]
}

pub fn find(code: &str) -> Option<&'static dyn Rule> {
    let c = code.trim().to_ascii_uppercase();
    registry()
        .iter()
        .copied()
        .find(|r| r.code() == c || r.name() == code.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_unique_and_sorted() {
        let codes: Vec<&str> = registry().iter().map(|r| r.code()).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted);
    }

    #[test]
    fn every_rule_documented_with_its_parameters() {
        for r in registry() {
            let doc = r.doc();
            for section in [
                "## What it flags",
                "## Why it matters",
                "## Parameters",
                "## Known false positives",
            ] {
                assert!(doc.contains(section), "{} lacks {section}", r.code());
            }
            for key in r.default_params().keys() {
                assert!(
                    doc.contains(&format!("`{key}`")),
                    "{} does not document parameter {key}",
                    r.code()
                );
            }
        }
    }
}
