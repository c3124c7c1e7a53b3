use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Case;
use crate::dataset::{Dataset, TableKind};
use crate::error::{Error, Result};
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};
use crate::rules::common::keyed;
use crate::rules::common::people::{self, month_string};
use crate::rules::common::views::{HouseholdsView, SubsidiesView};
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
One bank account paid, in one program and one period, for people of
different households. A household sharing one account is normal (低保 is
often paid per household to the head's card): households come from the
roll's 户号, else from the household register (`households`). When neither
gives every person's household, the rule is careful: it reports only people
of different villages on one account, or at least
`unknown-household-min-people` people on one account (more than a household
usually has), at medium severity. People of one name on one account are left
to DUP004 (one person, two id numbers).

One finding per account, listing every payment row of the flagged program
periods. The people of the household with the most payments on the account
are taken as the holder's; the amount is what was paid through the account
for everybody else.

## Why it matters
A cadre or agent who collects other people's subsidies on one card is the
classic 冒领/截留 pattern (代领、套取). Subsidies go to the beneficiary's own
account (一卡通) so that nobody in between touches them.

## Parameters
- `unknown-household-min-people` (5): people on one account, when their households are not known, that make a finding.

## Known false positives
A guardian (监护人) or a care home receiving for several wards: the message
asks for the 代领 authorisation. A household split into two 户号 (分户) that
kept one card.
";

/// 一卡多人: one bank account paid for people of different households.
pub struct SharedAccount;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub unknown_household_min_people: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            unknown_household_min_people: 5,
        }
    }
}

/// One person on an account in one program period.
struct Person<'a> {
    key: &'a str,
    name: &'a str,
    id: &'a str,
    village: &'a str,
    household: Option<&'a str>,
    rows: Vec<usize>,
}

const META: RuleMeta = RuleMeta {
    code: "DUP003",
    name: "shared_account",
    category: Category::DuplicateBeneficiary,
    severity: Severity::High,
    summary: "one bank account paid for people of different households",
    doc: DOC,
    needs: &[TableKind::Subsidies],
    processes: &[14],
};

impl Rule for SharedAccount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(roll) = SubsidiesView::load(ds)? else {
            return Ok(vec![]);
        };
        // A person is their id number, or their name when the id is blank.
        // Candidates: rows of an (account, program, period) paid to more
        // than one person, found by hash partitions over borrowed strings.
        let SubsidiesView {
            df,
            account,
            program,
            period,
            id: ids,
            name: names,
            ..
        } = roll;
        let person = |i: usize| ids.get(i).or_else(|| names.get(i));
        let wanted = keyed::rows_of_groups(
            df.height(),
            |i| Some((account.get(i)?, program.get(i), period.get(i))),
            |g| {
                let first = person(g[0] as usize);
                g[1..].iter().any(|&i| person(i as usize) != first)
            },
        );
        let cand = df
            .take(&IdxCa::from_vec("__i".into(), wanted))
            .map_err(Error::in_a_rule)?;
        let r = SubsidiesView::of(&cand)?;
        let person = |i: usize| r.id.get(i).or_else(|| r.name.get(i)).unwrap_or_default();
        // Households from the register, read only when a group needs them.
        let register: OnceCell<Result<PlHashMap<&str, &str>>> = OnceCell::new();

        // account -> (program, month) -> person key -> rows
        type Group<'s> = BTreeMap<&'s str, Vec<usize>>;
        let mut by: BTreeMap<&str, BTreeMap<(&str, i32), Group>> = BTreeMap::new();
        for i in 0..r.height() {
            let (Some(acct), Some(m)) = (r.account.get(i), r.month(i)) else {
                continue;
            };
            by.entry(acct)
                .or_default()
                .entry((r.program.get(i).unwrap_or_default(), m))
                .or_default()
                .entry(person(i))
                .or_default()
                .push(i);
        }

        let mut out = Vec::new();
        for (account, groups) in by {
            let mut flagged: Vec<(&str, i32, Vec<Person>, bool)> = Vec::new();
            for ((program, m), people_rows) in groups {
                if people_rows.len() < 2 {
                    continue;
                }
                let mut persons: Vec<Person> = people_rows
                    .into_iter()
                    .filter_map(|(key, mut rows)| {
                        let rows = r.standing(&mut rows);
                        let &i = rows.first()?;
                        Some(Person {
                            key,
                            name: r.str(r.name, i),
                            id: r.str(r.id, i),
                            village: r.str(r.village, i),
                            household: None,
                            rows,
                        })
                    })
                    .collect();
                if persons.len() < 2 {
                    continue;
                }
                let names: BTreeSet<&str> = persons.iter().map(|x| x.name).collect();
                if names.len() < 2 {
                    continue;
                }
                resolve_households(&mut persons, &r, || {
                    register
                        .get_or_init(|| register_households(ds, r.id))
                        .as_ref()
                        .map_err(|e| match e {
                            Error::Rule { message, .. } => Error::in_a_rule(message),
                            e => Error::in_a_rule(e),
                        })
                })?;
                let known: BTreeSet<&str> = persons.iter().filter_map(|x| x.household).collect();
                let all_known = persons.iter().all(|x| x.household.is_some());
                let villages: BTreeSet<&str> = persons.iter().map(|x| x.village).collect();
                let verdict = if all_known {
                    (known.len() > 1).then_some(true)
                } else if villages.len() > 1 || persons.len() >= p.unknown_household_min_people {
                    Some(false)
                } else {
                    None
                };
                if let Some(certain) = verdict {
                    flagged.push((program, m, persons, certain));
                }
            }
            if flagged.is_empty() {
                continue;
            }
            out.push(finding(account, flagged, &r));
        }
        Ok(out)
    }
}

/// Households from the register, for the roll's people only.
fn register_households<'a>(
    ds: &'a Dataset,
    ids: &StringChunked,
) -> Result<PlHashMap<&'a str, &'a str>> {
    let mut m = PlHashMap::default();
    let Some(h) = HouseholdsView::load(ds)? else {
        return Ok(m);
    };
    let wanted: PlHashSet<&str> = ids
        .iter()
        .flatten()
        .filter(|i| people::valid_id(i))
        .collect();
    let HouseholdsView {
        household: hid,
        id: hids,
        ..
    } = h;
    for (id, hh) in hids.iter().zip(hid.iter()) {
        if let (Some(id), Some(hh)) = (id, hh)
            && !hh.is_empty()
            && wanted.contains(id)
        {
            m.insert(id, hh);
        }
    }
    Ok(m)
}

/// One source for everybody: the roll's 户号 when every person has one,
/// else the register's; numbers from two systems are not compared.
fn resolve_households<'a, 'r>(
    persons: &mut [Person<'a>],
    r: &SubsidiesView<'a>,
    register: impl FnOnce() -> Result<&'r PlHashMap<&'a str, &'a str>>,
) -> Result<()>
where
    'a: 'r,
{
    let roll_hh = |x: &Person| {
        x.rows
            .iter()
            .find_map(|&i| r.household.get(i).filter(|h| !h.is_empty()))
    };
    if persons.iter().all(|x| roll_hh(x).is_some()) {
        for x in persons.iter_mut() {
            x.household = roll_hh(x);
        }
        return Ok(());
    }
    let register = register()?;
    if persons.iter().all(|x| register.contains_key(x.id)) {
        for x in persons.iter_mut() {
            x.household = register.get(x.id).copied();
        }
    }
    Ok(())
}

fn finding(
    account: &str,
    flagged: Vec<(&str, i32, Vec<Person>, bool)>,
    r: &SubsidiesView,
) -> Finding {
    // The holder's household: the one with the most payments on the account.
    let mut weight: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for (_, _, persons, _) in &flagged {
        for x in persons {
            let h = x.household.unwrap_or(x.key).to_string();
            let e = weight.entry(h).or_insert((0, x.key.to_string()));
            e.0 += x.rows.len();
            e.1 = e.1.clone().min(x.key.to_string());
        }
    }
    let holder = weight
        .iter()
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)))
        .map(|(h, _)| h.clone())
        .unwrap_or_default();
    let certain = flagged.iter().all(|f| f.3);
    let mut others: BTreeMap<String, String> = BTreeMap::new(); // id/key -> name
    let mut holders: BTreeMap<String, String> = BTreeMap::new();
    let mut case = Case::default();
    let mut periods = BTreeSet::new();
    let mut programs = BTreeSet::new();
    for (program, m, persons, _) in &flagged {
        periods.insert(*m);
        programs.insert(program.to_string());
        for x in persons {
            let h = x.household.unwrap_or(x.key);
            let who = if x.id.is_empty() { x.key } else { x.id }.to_string();
            if h == holder {
                holders.insert(who, x.name.to_string());
            } else {
                others.insert(who, x.name.to_string());
                case.recoverable += x.rows.iter().map(|&i| r.amount(i)).sum::<i64>();
            }
            // Every village answers by its share of the payments.
            for &i in &x.rows {
                case.answers_for(x.village);
                case.villages.insert(x.village.to_string());
                case.payments.push(json!({
                    "household_id": x.household,
                    "payment": r.payment(i),
                }));
            }
        }
    }
    let village = case.village().unwrap_or_default();
    let other_villages = case.other_villages(&village);
    let at_stake = case.recoverable;
    // The subject is one of the people paid through somebody else's account.
    let subject = others
        .keys()
        .find(|k| people::valid_id(k))
        .or_else(|| others.keys().next())
        .cloned()
        .unwrap_or_default();
    let n_people = others.len() + holders.len();
    let n_households = weight.len();
    let names: Vec<&str> = holders
        .values()
        .chain(others.values())
        .map(String::as_str)
        .collect();
    let programs_s = programs.iter().cloned().collect::<Vec<_>>().join("、");
    let hh = if certain {
        format!("分属{n_households}户的{n_people}人")
    } else {
        format!("户籍关系不明的{n_people}人")
    };
    let list = |v: Vec<&str>| {
        let more = if v.len() > 3 { "等" } else { "" };
        format!(
            "{}{more}",
            v.into_iter().take(3).collect::<Vec<_>>().join("、")
        )
    };
    let message = format!(
        "银行账号{account}在{programs_s}的{}个发放期内同时收取{hh}（{}）的款项，请核实付给{}的{}是否被代领、冒领",
        periods.len(),
        list(names),
        list(others.values().map(String::as_str).collect()),
        fen_to_yuan_display(at_stake)
    );
    let (severity, score) = if certain {
        (
            Severity::High,
            60.0 + 5.0 * (n_households.min(4) as f64 - 1.0),
        )
    } else {
        (Severity::Medium, 40.0)
    };
    META.finding(&village, &subject)
        .severity(severity)
        .score(score)
        .amount(at_stake)
        .related(others.keys().cloned())
        .related(holders.keys().cloned())
        .related(other_villages.iter().cloned())
        .related([account.to_string()])
        .message(message)
        .evidence(json!({
            "reason": "shared_account",
            "bank_account": account,
            "households_known": certain,
            "households": n_households,
            "programs": programs,
            "periods": periods.iter().map(|&m| month_string(m)).collect::<Vec<_>>(),
            "holder_household_people": holders,
            "other_people": others,
            "at_stake": fen_to_yuan_string(at_stake),
            "payments": case.payments,
        }))
}
