//! Companies and contracts: each contract with its award publicity, its
//! decision when the amount needs one, and its installments in the ledger;
//! vendors are chosen so that the baseline never holds a split.

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand::seq::IndexedRandom;

use super::builder::{Builder, rand_date};
use super::decisions::{new_decision_no, publicity_ok, valid_decision};
use super::ids::credit_code;
use super::rolls::eligible;
use crate::r#gen::model::*;
use crate::r#gen::names;

/// Companies that work for the village, each with its own legal
/// representative from outside the village.
pub(super) fn companies(b: &mut Builder) {
    let n = b.rng.random_range(5..9);
    for _ in 0..n {
        new_company(b, None);
    }
}

pub fn new_company(b: &mut Builder, rep: Option<u32>) -> u32 {
    let k = b.next_company;
    b.next_company += 1;
    let mut name;
    loop {
        let a = names::TRADE_WORDS
            .choose(&mut b.rng)
            .copied()
            .unwrap_or("鑫");
        let c = names::TRADE_WORDS
            .choose(&mut b.rng)
            .copied()
            .unwrap_or("达");
        let ind = names::INDUSTRIES
            .choose(&mut b.rng)
            .copied()
            .unwrap_or("建筑工程有限公司");
        name = format!("济南{a}{c}{ind}");
        if a != c && !b.v.companies.iter().any(|x| x.name == name) {
            break;
        }
    }
    let credit = credit_code(&b.v.code[..6], b.v.index, k);
    let (rep_name, rep_id, rep_person) = match rep {
        Some(p) => {
            let q = &b.v.persons[p as usize];
            (q.name.clone(), q.id.clone(), Some(b.v.pref(p)))
        }
        None => {
            let male = b.rng.random_bool(0.8);
            let s = names::pick_surname(&mut b.rng).to_string();
            let nm = b.new_name(&s, male);
            let birth = b.random_birth(1960, 1990);
            let (id, _) = b.outsider_ids.alloc(birth, male);
            (nm, id, None)
        }
    };
    let account = b.account();
    b.v.companies.push(Company {
        name,
        credit,
        rep_name,
        rep_id,
        rep_person,
        account,
    });
    (b.v.companies.len() - 1) as u32
}

pub fn new_contract_no(b: &mut Builder) -> String {
    b.next_contract += 1;
    format!("HT-{YEAR}-{:04}-{:02}", b.vnum(), b.next_contract)
}

pub const THRESHOLD_DECISION: i64 = 5_000_000;
pub const THRESHOLD_TENDER: i64 = 10_000_000;

/// Vendor key as the contract defines it: credit code, else id number,
/// else the normalised name.
pub fn vendor_key(b: &Village, c: &Contract) -> String {
    match c.vendor {
        Vendor::Company(i) if c.with_credit => b.companies[i as usize].credit.clone(),
        Vendor::Person(p) if c.with_vendor_id => b.persons[p.p as usize].id.clone(),
        _ => crate::dataset::normalize::clean_name(&c.vendor_name),
    }
}

/// Would adding a piece of `amount` on `date` for this vendor make a split
/// (pieces under a threshold summing past it within 90 days)?
pub fn would_split(b: &Village, key: &str, amount: i64, date: NaiveDate) -> bool {
    for t in [THRESHOLD_DECISION, THRESHOLD_TENDER] {
        if amount >= t {
            continue;
        }
        let near: i64 = b
            .contracts
            .iter()
            .filter(|c| {
                c.amount < t && vendor_key(b, c) == key && (c.signed - date).num_days().abs() <= 90
            })
            .map(|c| c.amount)
            .sum();
        if near > 0 {
            return true;
        }
    }
    false
}

/// A contract with its publicity, decision (when ≥ 50,000) and payments.
pub struct ContractSpec {
    pub vendor: Vendor,
    pub amount: i64,
    pub signed: NaiveDate,
    pub project: String,
    pub decision: DecisionSpec,
    pub with_vendor_id: bool,
    pub vendor_name: Option<String>,
}

pub enum DecisionSpec {
    /// A valid decision when the amount needs one.
    Auto,
    /// No decision number at all.
    None,
    /// Cite this number (that may not exist).
    Cite(String),
}

pub fn add_contract(b: &mut Builder, spec: ContractSpec) -> usize {
    let no = new_contract_no(b);
    let procurement = if spec.amount >= THRESHOLD_TENDER {
        "公开招标"
    } else if spec.amount >= THRESHOLD_DECISION {
        ["竞争性比选", "竞争性谈判", "邀请招标"]
            .choose(&mut b.rng)
            .copied()
            .unwrap_or("竞争性比选")
    } else {
        ["直接发包", "竞争性比选", "直接发包"]
            .choose(&mut b.rng)
            .copied()
            .unwrap_or("直接发包")
    };
    let decision_no = match spec.decision {
        DecisionSpec::Auto if spec.amount >= THRESHOLD_DECISION => {
            valid_decision(b, &spec.project, spec.amount, spec.signed)
        }
        DecisionSpec::Auto | DecisionSpec::None => String::new(),
        DecisionSpec::Cite(s) => s,
    };
    publicity_ok(b, &no, "中标结果", 3, spec.signed);
    let (vendor_name, with_credit) = match spec.vendor {
        Vendor::Company(i) => (b.v.companies[i as usize].name.clone(), true),
        Vendor::Person(p) => (b.v.persons[p.p as usize].name.clone(), false),
    };
    let vendor_name = spec.vendor_name.unwrap_or(vendor_name);
    b.v.contracts.push(Contract {
        no: no.clone(),
        project: spec.project.clone(),
        vendor: spec.vendor,
        vendor_name,
        with_credit,
        with_vendor_id: spec.with_vendor_id,
        amount: spec.amount,
        signed: spec.signed,
        procurement,
        decision_no: decision_no.clone(),
    });
    let ci = b.v.contracts.len() - 1;
    contract_payments(b, ci);
    ci
}

/// Installments after signing: each under 50,000 where the contract is.
fn contract_payments(b: &mut Builder, ci: usize) {
    let c = b.v.contracts[ci].clone();
    let n: i64 = if c.amount < THRESHOLD_DECISION {
        b.rng.random_range(1..3)
    } else {
        b.rng.random_range(2..4)
    };
    let mut left = c.amount;
    let mut date = add_days(c.signed, b.rng.random_range(5..31));
    let last_day = ymd(YEAR, 12, 28);
    for k in 0..n {
        let part = if k == n - 1 {
            left
        } else {
            (c.amount * b.rng.random_range(30..50) / 100 / 100) * 100
        };
        left -= part;
        let (cp, cp_id, account, payee) = match c.vendor {
            Vendor::Company(i) => {
                let co = &b.v.companies[i as usize];
                (
                    co.name.clone(),
                    co.credit.clone(),
                    co.account.clone(),
                    Payee::Company(i),
                )
            }
            Vendor::Person(p) => {
                let q = &b.v.persons[p.p as usize];
                (
                    c.vendor_name.clone(),
                    if c.with_vendor_id {
                        q.written_id()
                    } else {
                        String::new()
                    },
                    q.account.clone(),
                    Payee::Person(p),
                )
            }
        };
        let uid = b.next_uid;
        b.next_uid += 1;
        b.v.ledger.push(LedgerLine {
            uid,
            voucher: String::new(),
            date: crate::r#gen::workdays::next(date.min(last_day)),
            income: false,
            amount: part,
            summary: format!("支付{}款（第{}期）", c.project, k + 1),
            category: "在建工程",
            counterparty: cp,
            cp_id,
            account,
            method: "转账",
            contract_no: c.no.clone(),
            decision_no: c.decision_no.clone(),
            payee,
        });
        date = add_days(date, b.rng.random_range(30..90));
    }
}

pub fn project_name(b: &mut Builder) -> String {
    let hamlet = b.hamlets.choose(&mut b.rng).cloned().unwrap_or_default();
    let p = names::PROJECTS
        .choose(&mut b.rng)
        .copied()
        .unwrap_or("道路硬化工程");
    format!("{}{hamlet}{p}", b.v.name)
}

pub(super) fn contracts(b: &mut Builder) {
    // Individual contractors (包工头) from the village.
    let mut people: Vec<u32> = vec![];
    for _ in 0..b.rng.random_range(2..4) {
        for _ in 0..300 {
            let p = b.rng.random_range(0..b.v.persons.len() as u32);
            let q = &b.v.persons[p as usize];
            if eligible(b, p)
                && q.male
                && (30..=60).contains(&(YEAR - q.birth.year()))
                && q.death.is_none()
                && !b.busy[p as usize]
                && !q.account.is_empty()
            {
                b.busy[p as usize] = true;
                people.push(p);
                break;
            }
        }
    }
    let n = b.rng.random_range(15..31);
    for _ in 0..n {
        let r = b.rng.random_range(0..100);
        let amount = if r < 60 {
            b.rng.random_range(30..440) * 10_000
        } else if r < 87 {
            b.rng.random_range(520..920) * 10_000
        } else {
            b.rng.random_range(105..600) * 100_000
        };
        let signed = rand_date(&mut b.rng, ymd(YEAR, 2, 1), ymd(YEAR, 11, 15));
        // A vendor whose pieces cannot add up to a split.
        let mut vendors: Vec<Vendor> = (0..b.v.companies.len() as u32)
            .map(Vendor::Company)
            .collect();
        if amount < THRESHOLD_DECISION {
            vendors.extend(people.iter().map(|&p| Vendor::Person(b.v.pref(p))));
        }
        let mut chosen = None;
        for _ in 0..12 {
            let Some(&vd) = vendors.choose(&mut b.rng) else {
                break;
            };
            let probe = Contract {
                no: String::new(),
                project: String::new(),
                vendor: vd,
                vendor_name: match vd {
                    Vendor::Company(i) => b.v.companies[i as usize].name.clone(),
                    Vendor::Person(p) => b.v.persons[p.p as usize].name.clone(),
                },
                with_credit: matches!(vd, Vendor::Company(_)),
                with_vendor_id: true,
                amount,
                signed,
                procurement: "",
                decision_no: String::new(),
            };
            let key = vendor_key(&b.v, &probe);
            if !would_split(&b.v, &key, amount, signed) {
                chosen = Some(vd);
                break;
            }
        }
        let vd = match chosen {
            Some(v) => v,
            None => Vendor::Company(new_company(b, None)),
        };
        let project = project_name(b);
        add_contract(
            b,
            ContractSpec {
                vendor: vd,
                amount,
                signed,
                project,
                decision: DecisionSpec::Auto,
                with_vendor_id: true,
                vendor_name: None,
            },
        );
    }
    // A decision on a matter without money (村规民约), published.
    let d = rand_date(&mut b.rng, ymd(YEAR, 3, 1), ymd(YEAR, 10, 1));
    let no = new_decision_no(b);
    let proposed = d;
    let consulted = add_days(d, b.rng.random_range(1..5));
    let reviewed = add_days(consulted, b.rng.random_range(1..5));
    let resolved = add_days(reviewed, b.rng.random_range(1..5));
    let ps = add_days(resolved, 1);
    b.v.decisions.push(Decision {
        no: no.clone(),
        subject: "修订村规民约".into(),
        amount: None,
        proposed,
        consulted,
        reviewed,
        resolved,
        res_published: Some(ps),
        result_published: None,
    });
    b.v.publicity.push(Publicity {
        ref_no: no,
        kind: "决议公开".into(),
        start: ps,
        end: add_days(ps, 6),
        channel: "村务公开栏",
    });
}
