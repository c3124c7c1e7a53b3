//! The self-check: every category's cases recomputed from the truth records
//! by the definitions of data-contract §4 and rules.md, without looking at
//! what the planting code wrote down. `weiquan gen` fails unless the result
//! equals the labels.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;

mod programs;

use super::labels::Case;
use super::model::*;
use crate::dataset::id_number::{IdParse, PartyId, birth_date, id_problem, parse_id, parse_party};
use crate::dataset::normalize::{clean_code, clean_name};
use crate::finding::Category;

/// The households (village, household) and the names one account was paid for.
type HouseholdsAndNames = (BTreeSet<(u32, u32)>, BTreeSet<String>);

/// The id number a loader makes of what a row wrote (None: unreadable).
pub fn loaded(written: &str) -> Option<String> {
    if written.trim().is_empty() {
        return None;
    }
    match parse_id(written) {
        IdParse::Id(s) => Some(s),
        IdParse::Malformed => Some(clean_code(written)),
        IdParse::ExcelMangled => None,
    }
}

fn invalid(written: &str) -> bool {
    match parse_id(written) {
        IdParse::Id(s) => id_problem(&s).is_some(),
        IdParse::Malformed | IdParse::ExcelMangled => true,
    }
}

/// The same for a party column (a person's id or an organisation's credit
/// code, data contract §2): a valid credit code or another document is no
/// invalid id; a credit code failing GB 32100 is one.
fn invalid_party(written: &str) -> bool {
    match parse_party(written) {
        PartyId::Person(s) => id_problem(&s).is_some(),
        PartyId::CreditCode(_) | PartyId::Other(_) => false,
        PartyId::BadCreditCode { .. } | PartyId::Malformed | PartyId::ExcelMangled => true,
    }
}

/// All cases the truth holds.
pub fn cases(w: &World) -> BTreeSet<Case> {
    use rayon::prelude::*;
    let as_of = super::party_check::as_of(w);
    let per_village: Vec<BTreeSet<Case>> = w
        .villages
        .par_iter()
        .map(|v| {
            let mut out = BTreeSet::new();
            kinship(w, v, &mut out);
            split(v, &mut out);
            deceased(w, v, &mut out);
            publicity(v, &mut out);
            missing_decision(v, &mut out);
            cash(v, &mut out);
            invalid_ids(w, v, &mut out);
            eligibility(v, &mut out);
            programs::eligibility(w, v, &mut out);
            ghost(v, &mut out);
            super::party_check::party_cases(v, as_of, &mut out);
            super::party_check::seal_cases(v, &mut out);
            out
        })
        .collect();
    let mut out: BTreeSet<Case> = per_village.into_iter().flatten().collect();
    duplicates(w, &mut out);
    super::periodic::check(w, &mut out);
    super::selfcheck_assets::cases(w, &mut out);
    programs::duplicates(w, &mut out);
    out
}

fn case(out: &mut BTreeSet<Case>, category: Category, village: &str, subject: &str) {
    out.insert(Case {
        category,
        village: village.to_string(),
        subject: subject.to_string(),
    });
}

/// Kin of the cadres, from the family graph (not from the planting code's
/// bookkeeping): spouse, parents, children and their spouses, siblings,
/// grandparents, grandchildren, household members, declared relatives.
pub(super) fn kin_set(v: &Village) -> HashSet<u32> {
    let ps = &v.persons;
    let mut kin = HashSet::new();
    let children: HashMap<u32, Vec<u32>> = {
        let mut m: HashMap<u32, Vec<u32>> = HashMap::new();
        for (i, p) in ps.iter().enumerate() {
            for par in [p.father, p.mother].into_iter().flatten() {
                m.entry(par).or_default().push(i as u32);
            }
        }
        m
    };
    let kids = |x: u32| children.get(&x).cloned().unwrap_or_default();
    for c in &v.cadres {
        let me = c.person;
        let mp = &ps[me as usize];
        kin.insert(me);
        kin.extend(mp.spouse);
        for par in [mp.father, mp.mother].into_iter().flatten() {
            kin.insert(par);
            let pp = &ps[par as usize];
            kin.extend(pp.father);
            kin.extend(pp.mother);
            // Siblings: the parent's other children.
            kin.extend(kids(par));
        }
        for ch in kids(me) {
            kin.insert(ch);
            kin.extend(ps[ch as usize].spouse);
            kin.extend(kids(ch));
        }
        if let Some(h) = mp.household {
            kin.extend(v.households[h as usize].members.iter().map(|m| m.0));
        }
    }
    for d in &v.declared {
        kin.insert(d.person);
    }
    kin
}

fn kinship(w: &World, v: &Village, out: &mut BTreeSet<Case>) {
    let kin = kin_set(v);
    let is_kin = |r: PRef| r.v == v.index && kin.contains(&r.p);
    let id = |r: PRef| w.person(r).id.clone();
    let mut hit = |s: String| case(out, Category::Kinship, &v.code, &s);
    for r in &v.subsidies {
        if is_kin(r.person) {
            hit(id(r.person));
        }
    }
    for h in &v.hires {
        if is_kin(h.person) {
            hit(id(h.person));
        }
    }
    for l in v.ledger.iter().filter(|l| !l.income) {
        match l.payee {
            Payee::Person(p) if is_kin(p) => hit(id(p)),
            Payee::Company(c) => {
                let co = &v.companies[c as usize];
                if co.rep_person.is_some_and(is_kin) {
                    hit(co.credit.clone());
                }
            }
            _ => {}
        }
    }
    for c in &v.contracts {
        match c.vendor {
            Vendor::Person(p) if is_kin(p) => hit(id(p)),
            Vendor::Company(i) => {
                let co = &v.companies[i as usize];
                if co.rep_person.is_some_and(is_kin) {
                    hit(co.credit.clone());
                }
            }
            _ => {}
        }
    }
}

const T_DECISION: i64 = 5_000_000;
const T_TENDER: i64 = 10_000_000;

/// Pieces (date, amount) of one vendor: is there a window of ≤ 90 days
/// holding two or more pieces under `t` whose sum reaches `t`?
fn has_split(pieces: &[(NaiveDate, i64)], t: i64) -> bool {
    let mut p: Vec<(NaiveDate, i64)> = pieces.iter().copied().filter(|x| x.1 < t).collect();
    p.sort();
    for i in 0..p.len() {
        let mut sum = 0;
        for (j, x) in p.iter().enumerate().skip(i) {
            if (x.0 - p[i].0).num_days() > 90 {
                break;
            }
            sum += x.1;
            if j > i && sum >= t {
                return true;
            }
        }
    }
    false
}

fn split(v: &Village, out: &mut BTreeSet<Case>) {
    // Contracts: vendor key, with companies sharing a legal representative
    // joined under the smallest of their keys.
    let key = |c: &Contract| -> String {
        match c.vendor {
            Vendor::Company(i) if c.with_credit => v.companies[i as usize].credit.clone(),
            Vendor::Person(p) if c.with_vendor_id => v.persons[p.p as usize].id.clone(),
            _ => clean_name(&c.vendor_name),
        }
    };
    let rep_of = |c: &Contract| -> Option<String> {
        match c.vendor {
            Vendor::Company(i) => Some(v.companies[i as usize].rep_id.clone()),
            _ => None,
        }
    };
    let mut rep_min: BTreeMap<String, String> = BTreeMap::new();
    for c in &v.contracts {
        if let Some(r) = rep_of(c) {
            let k = key(c);
            let e = rep_min.entry(r).or_insert(k.clone());
            if k < *e {
                *e = k;
            }
        }
    }
    let mut groups: BTreeMap<String, Vec<(NaiveDate, i64)>> = BTreeMap::new();
    for c in &v.contracts {
        let k = rep_of(c)
            .and_then(|r| rep_min.get(&r).cloned())
            .unwrap_or_else(|| key(c));
        groups.entry(k).or_default().push((c.signed, c.amount));
    }
    // Ledger payments without a contract number.
    let mut ledger: BTreeMap<String, Vec<(NaiveDate, i64)>> = BTreeMap::new();
    for l in v
        .ledger
        .iter()
        .filter(|l| !l.income && l.contract_no.is_empty())
    {
        let k = loaded(&l.cp_id).unwrap_or_else(|| clean_name(&l.counterparty));
        ledger.entry(k).or_default().push((l.date, l.amount));
    }
    for (k, p) in groups.iter().chain(ledger.iter()) {
        if has_split(p, T_DECISION) || has_split(p, T_TENDER) {
            case(out, Category::SplitContract, &v.code, k);
        }
    }
}

fn deceased(w: &World, v: &Village, out: &mut BTreeSet<Case>) {
    let after = |r: PRef, period: NaiveDate| -> bool {
        w.person(r)
            .death
            .is_some_and(|d| month_key(period) > month_key(d))
    };
    for r in &v.subsidies {
        // A funeral subsidy is paid because of the death.
        if v.batches[r.batch as usize].program == Program::Funeral {
            continue;
        }
        let period = ymd(YEAR, v.batches[r.batch as usize].month, 1);
        if after(r.person, period) {
            case(
                out,
                Category::DeceasedBeneficiary,
                &v.code,
                &w.person(r.person).id,
            );
        }
    }
    for l in v.ledger.iter().filter(|l| !l.income) {
        if let Payee::Person(p) = l.payee
            && after(p, l.date)
        {
            case(out, Category::DeceasedBeneficiary, &v.code, &w.person(p).id);
        }
    }
}

/// Refs that need publicity, with (required days, event the window must
/// be over before, if any).
fn publicity_requirements(v: &Village) -> Vec<(String, i64, Option<NaiveDate>)> {
    let mut req = vec![];
    for (i, b) in v.batches.iter().enumerate() {
        let rows: Vec<&SubsidyRow> = v
            .subsidies
            .iter()
            .filter(|r| r.batch as usize == i)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let paid = rows.iter().map(|r| r.paid).min();
        let approved = rows.iter().filter_map(|r| r.approved).min();
        match b.program {
            Program::Dibao | Program::Tekun => req.push((b.no.clone(), 7, approved.or(paid))),
            Program::Canji | Program::Gengdi | Program::Kunnan => req.push((b.no.clone(), 7, paid)),
            Program::Linshi => req.push((b.no.clone(), 3, paid)),
            Program::LinshiUrgent => req.push((b.no.clone(), 3, None)),
            Program::Zunlao | Program::Nongji => {}
            Program::Pension
            | Program::Jisheng
            | Program::Funeral
            | Program::Pig
            | Program::Facility
            | Program::PaidFor => {}
        }
    }
    let mut hire_start: BTreeMap<&str, NaiveDate> = BTreeMap::new();
    for h in &v.hires {
        let e = hire_start.entry(&h.batch_no).or_insert(h.start);
        *e = (*e).min(h.start);
    }
    for (no, s) in hire_start {
        req.push((no.to_string(), 5, Some(s)));
    }
    for c in v.contracts.iter().filter(|c| c.amount >= T_DECISION) {
        req.push((c.no.clone(), 3, Some(c.signed)));
    }
    for d in &v.decisions {
        req.push((d.no.clone(), 5, decision_event(v, &d.no)));
    }
    req
}

/// The signing of a contract citing the decision, or its first payment.
fn decision_event(v: &Village, no: &str) -> Option<NaiveDate> {
    v.contracts
        .iter()
        .filter(|c| c.decision_no == no)
        .map(|c| c.signed)
        .chain(
            v.ledger
                .iter()
                .filter(|l| !l.income && l.decision_no == no)
                .map(|l| l.date),
        )
        .min()
}

fn publicity(v: &Village, out: &mut BTreeSet<Case>) {
    let mut records: HashMap<&str, Vec<&Publicity>> = HashMap::new();
    for p in &v.publicity {
        records.entry(&p.ref_no).or_default().push(p);
    }
    for (no, days, event) in publicity_requirements(v) {
        let ok = records.get(no.as_str()).is_some_and(|rs| {
            rs.iter().any(|p| {
                (p.end - p.start).num_days() + 1 >= days && event.is_none_or(|e| p.end < e)
            })
        });
        if !ok {
            case(out, Category::PublicityWindow, &v.code, &no);
        }
    }
}

fn missing_decision(v: &Village, out: &mut BTreeSet<Case>) {
    let decisions: HashMap<&str, &Decision> =
        v.decisions.iter().map(|d| (d.no.as_str(), d)).collect();
    for c in v.contracts.iter().filter(|c| c.amount >= T_DECISION) {
        if c.decision_no.is_empty() || !decisions.contains_key(c.decision_no.as_str()) {
            case(out, Category::MissingDecision, &v.code, &c.no);
        }
    }
    for l in v
        .ledger
        .iter()
        .filter(|l| !l.income && l.amount >= T_DECISION && l.contract_no.is_empty())
    {
        if l.decision_no.is_empty() || !decisions.contains_key(l.decision_no.as_str()) {
            case(out, Category::MissingDecision, &v.code, &l.voucher);
        }
    }
    for d in &v.decisions {
        let mut steps = vec![d.proposed, d.consulted, d.reviewed, d.resolved];
        steps.extend(d.res_published);
        let out_of_order = steps.windows(2).any(|w| w[0] > w[1]);
        let after_fact = decision_event(v, &d.no).is_some_and(|e| d.resolved > e);
        if !(out_of_order || after_fact) {
            continue;
        }
        let contract = v
            .contracts
            .iter()
            .filter(|c| c.decision_no == d.no)
            .map(|c| c.no.clone())
            .min();
        let voucher = v
            .ledger
            .iter()
            .filter(|l| !l.income && l.decision_no == d.no)
            .min_by(|a, b| a.date.cmp(&b.date).then(a.voucher.cmp(&b.voucher)))
            .map(|l| l.voucher.clone());
        let subject = contract.or(voucher).unwrap_or(d.no.clone());
        case(out, Category::MissingDecision, &v.code, &subject);
    }
}

fn cash(v: &Village, out: &mut BTreeSet<Case>) {
    for l in &v.ledger {
        if !l.income && l.method == "现金" && l.amount > 100_000 {
            case(out, Category::CashPayment, &v.code, &l.voucher);
        }
    }
}

fn invalid_ids(w: &World, v: &Village, out: &mut BTreeSet<Case>) {
    let mut check_as = |written: &str, party: bool| {
        let t = written.trim();
        if !t.is_empty() && if party { invalid_party(t) } else { invalid(t) } {
            case(out, Category::InvalidId, &v.code, t);
        }
    };
    let mut check = |written: &str| check_as(written, false);
    for c in &v.cadres {
        check(&v.persons[c.person as usize].written_id());
    }
    for d in &v.declared {
        if d.with_id {
            check(&v.persons[d.person as usize].written_id());
        }
    }
    let overrides: HashMap<u32, &String> = v
        .household_id_override
        .iter()
        .map(|(p, s)| (*p, s))
        .collect();
    for h in &v.households {
        for (p, _) in &h.members {
            match overrides.get(p) {
                Some(s) => check(s),
                None => check(&v.persons[*p as usize].written_id()),
            }
        }
    }
    for r in &v.subsidies {
        check(&r.id);
    }
    for h in &v.hires {
        check(&h.id);
    }
    for l in &v.ledger {
        check_as(&l.cp_id, true);
    }
    for c in &v.contracts {
        if let Vendor::Person(p) = c.vendor
            && c.with_vendor_id
        {
            check_as(&w.person(p).written_id(), true);
        }
        if let Vendor::Company(i) = c.vendor {
            check_as(&v.companies[i as usize].rep_id, true);
        }
    }
}

fn eligibility(v: &Village, out: &mut BTreeSet<Case>) {
    for r in &v.subsidies {
        let Some(id) = loaded(&r.id) else { continue };
        let Some(birth) = birth_date(&id) else {
            continue;
        };
        let b = &v.batches[r.batch as usize];
        let period = ymd(YEAR, b.month, 1);
        let too_young = b.program == Program::Zunlao && age_on(birth, period) < 80;
        let before_birth = birth > r.paid || month_end(YEAR, b.month) < birth;
        if too_young || before_birth {
            case(out, Category::Eligibility, &v.code, &id);
        }
    }
}

fn ghost(v: &Village, out: &mut BTreeSet<Case>) {
    let hires: Vec<(Option<String>, &Hire)> = v.hires.iter().map(|h| (loaded(&h.id), h)).collect();
    for l in v.ledger.iter().filter(|l| !l.income) {
        let lid = loaded(&l.cp_id);
        for (hid, h) in &hires {
            let by_id = lid.is_some() && lid == *hid;
            let by_account = !l.account.is_empty() && l.account == h.account;
            if !(by_id || by_account) {
                continue;
            }
            if (l.date < h.start || h.end.is_some_and(|e| l.date > e))
                && let Some(id) = hid
            {
                case(out, Category::GhostWorker, &v.code, id);
            }
        }
    }
    let mut by_id: BTreeMap<String, Vec<&Hire>> = BTreeMap::new();
    for (hid, h) in &hires {
        if let Some(id) = hid {
            by_id.entry(id.clone()).or_default().push(h);
        }
    }
    for (id, hs) in by_id {
        for i in 0..hs.len() {
            for j in i + 1..hs.len() {
                let (a, b) = (hs[i], hs[j]);
                let a_end = a.end.unwrap_or(NaiveDate::MAX);
                let b_end = b.end.unwrap_or(NaiveDate::MAX);
                if a.start <= b_end && b.start <= a_end {
                    case(out, Category::GhostWorker, &v.code, &id);
                }
            }
        }
    }
}

fn duplicates(w: &World, out: &mut BTreeSet<Case>) {
    use rayon::prelude::*;
    // One entry per roll row with a readable id: sorted, then grouped.
    struct Row {
        program: Program,
        month: u32,
        id: String,
        person: PRef,
        village: u32,
    }
    let per_village: Vec<(Vec<Row>, BTreeSet<Case>)> = w
        .villages
        .par_iter()
        .map(|v| {
            let mut rows = Vec::with_capacity(v.subsidies.len());
            // One account paid for different households in one batch.
            let mut accounts: HashMap<(Program, u32, &str), HouseholdsAndNames> = HashMap::new();
            for r in &v.subsidies {
                let b = &v.batches[r.batch as usize];
                let id = loaded(&r.id);
                if !r.account.is_empty() {
                    let hh = w.person(r.person).household.unwrap_or(u32::MAX);
                    let e = accounts
                        .entry((b.program, b.month, r.account.as_str()))
                        .or_default();
                    e.0.insert((r.person.v, hh));
                    if let Some(id) = &id {
                        e.1.insert(id.clone());
                    }
                }
                if let Some(id) = id {
                    rows.push(Row {
                        program: b.program,
                        month: b.month,
                        id,
                        person: r.person,
                        village: v.index,
                    });
                }
            }
            let mut cases = BTreeSet::new();
            for (hh, ids) in accounts.into_values() {
                if hh.len() >= 2
                    && let Some(s) = ids.iter().next()
                {
                    case(&mut cases, Category::DuplicateBeneficiary, &v.code, s);
                }
            }
            (rows, cases)
        })
        .collect();
    let mut rows: Vec<Row> = vec![];
    for (r, c) in per_village {
        rows.extend(r);
        out.extend(c);
    }
    let code = |vs: &BTreeSet<u32>| -> String {
        let mut c: Vec<String> = vs
            .iter()
            .map(|&i| w.villages[i as usize].code.clone())
            .collect();
        c.sort();
        c.join(";")
    };
    // Same id twice for one program and period (anywhere in the export).
    rows.par_sort_unstable_by(|a, b| {
        (a.program, a.month, &a.id, a.village).cmp(&(b.program, b.month, &b.id, b.village))
    });
    for g in rows.chunk_by(|a, b| a.program == b.program && a.month == b.month && a.id == b.id) {
        if g.len() >= 2 {
            let vs: BTreeSet<u32> = g.iter().map(|r| r.village).collect();
            case(out, Category::DuplicateBeneficiary, &code(&vs), &g[0].id);
        }
    }
    // Mutually exclusive programs in one period.
    rows.par_sort_unstable_by(|a, b| (a.month, &a.id).cmp(&(b.month, &b.id)));
    for g in rows.chunk_by(|a, b| a.month == b.month && a.id == b.id) {
        let has = |p: Program| g.iter().any(|r| r.program == p);
        if has(Program::Tekun) && (has(Program::Dibao) || has(Program::Canji)) {
            let vs: BTreeSet<u32> = g.iter().map(|r| r.village).collect();
            case(out, Category::DuplicateBeneficiary, &code(&vs), &g[0].id);
        }
    }
    // One person under two ids in one program and period.
    rows.par_sort_unstable_by(|a, b| {
        (a.program, a.month, a.person).cmp(&(b.program, b.month, b.person))
    });
    for g in
        rows.chunk_by(|a, b| a.program == b.program && a.month == b.month && a.person == b.person)
    {
        let ids: BTreeSet<&str> = g.iter().map(|r| r.id.as_str()).collect();
        if ids.len() >= 2 {
            let true_id = w.person(g[0].person).id.as_str();
            let s = if ids.contains(true_id) {
                true_id
            } else {
                ids.iter().next().copied().unwrap_or_default()
            };
            let vs: BTreeSet<u32> = g.iter().map(|r| r.village).collect();
            case(out, Category::DuplicateBeneficiary, &code(&vs), s);
        }
    }
}
