use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Claim, claims};
use crate::dataset::{Dataset, TableKind};
use crate::error::Result;
use crate::finding::{Category, Finding, Severity};
use crate::money::fen_to_yuan_display;
use crate::rules::common::views::{HouseholdsView, SubsidiesView};
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
Insurance claims paid into one bank account for insured people of
different households: the claim of someone paid into an account that is
not theirs. The account's holder is the person the subsidy rolls pay
through it (by id), else the claimant of its first claim row; a claimant
of the holder's household (`households`, by id) is the holder's family and
not flagged. One finding per other claimant. An account that is a
cadre's or a declared relative's is KIN001's (`kinship`).

## Why it matters
Claims go to the insured farmer's own account (《农业保险条例》第十六条:
理赔款直接支付给被保险人). Many households' claims on one card are
代领/冒领: an agent or a cadre collects them.

## Parameters
- `min-claimants` (2): people on one account from which it is looked at.

## Known false positives
A cooperative or a family farm (家庭农场) insured for its members with
their consent; a household split into two 户号 that kept one card.
";

/// 理赔款打入他人账户.
pub struct ClaimSharedAccount;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub min_claimants: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params { min_claimants: 2 }
    }
}

const META: RuleMeta = RuleMeta {
    code: "CLM002",
    name: "claim_shared_account",
    category: Category::DuplicateBeneficiary,
    severity: Severity::High,
    summary: "insurance claims of different households paid into one account (not the insured's own)",
    doc: DOC,
    needs: &[TableKind::Claims],
    processes: &[19],
};

impl Rule for ClaimSharedAccount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(rows) = claims(ds)? else {
            return Ok(vec![]);
        };
        let mut by_account: BTreeMap<&str, Vec<&Claim>> = BTreeMap::new();
        for c in rows.iter().filter(|c| !c.account.is_empty()) {
            by_account.entry(&c.account).or_default().push(c);
        }
        by_account.retain(|_, cs| {
            let mut who: Vec<&str> = cs.iter().map(|c| c.subject()).collect();
            who.sort_unstable();
            who.dedup();
            who.len() >= p.min_claimants
        });
        if by_account.is_empty() {
            return Ok(vec![]);
        }
        // The holder: the person of the account's first roll row (by the
        // file's row number, whatever order the rows were read in).
        let mut holder_of: HashMap<String, (u32, String)> = HashMap::new();
        if let Some(s) = SubsidiesView::load(ds)? {
            for i in 0..s.height() {
                if let (Some(a), Some(id)) = (s.account.get(i), s.id.get(i))
                    && by_account.contains_key(a)
                {
                    let row = s.row.get(i).unwrap_or_default();
                    let e = holder_of
                        .entry(a.to_string())
                        .or_insert_with(|| (row, id.to_string()));
                    if row < e.0 {
                        *e = (row, id.to_string());
                    }
                }
            }
        }
        let mut household: HashMap<String, String> = HashMap::new();
        if let Some(h) = HouseholdsView::load(ds)? {
            for i in 0..h.height() {
                if let (Some(id), Some(hh)) = (h.id.get(i), h.household.get(i)) {
                    household.insert(id.to_string(), hh.to_string());
                }
            }
        }
        let mut out = Vec::new();
        for (account, mut cs) in by_account {
            cs.sort_by_key(|c| c.row);
            let holder = holder_of
                .get(account)
                .map(|h| h.1.clone())
                .unwrap_or_else(|| cs[0].subject().to_string());
            let holder_home = household.get(&holder);
            let mut seen: Vec<&str> = Vec::new();
            for c in &cs {
                let who = c.subject();
                let home = household.get(who);
                if who == holder || (home.is_some() && home == holder_home) || seen.contains(&who) {
                    continue;
                }
                seen.push(who);
                let own: Vec<&&Claim> = cs.iter().filter(|x| x.subject() == who).collect();
                let amount: i64 = own.iter().map(|x| x.amount).sum();
                out.push(
                    META.finding(&c.village, who)
                        .score(70.0)
                        .amount(amount)
                        .related([holder.clone()])
                        .message(format!(
                            "{}的农业保险理赔款{}打入账户{}，该账户属于其他户（{}），请核实是否代领、冒领",
                            c.name,
                            fen_to_yuan_display(amount),
                            account,
                            holder
                        ))
                        .evidence(json!({
                            "account": account,
                            "holder_id": holder,
                            "holder_household": holder_home,
                            "claimant_household": home,
                            "claims": cs.iter().map(|x| x.evidence()).collect::<Vec<_>>(),
                        })),
                );
            }
        }
        Ok(out)
    }
}
