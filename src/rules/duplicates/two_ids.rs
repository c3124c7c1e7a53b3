use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::Case;
use crate::dataset::id_number::id_problem;
use crate::dataset::{Dataset, TableKind};
use crate::error::{Error, Result};
use crate::finding::{Category, Finding, Severity};
use crate::money::{fen_to_yuan_display, fen_to_yuan_string};
use crate::rules::common::people::{month_ranges, month_string};
use crate::rules::common::views::SubsidiesView;
use crate::rules::{Rule, RuleMeta, params_of, rule_params};

const DOC: &str = "\
## What it flags
One person on the subsidy rolls under two id numbers, found over the whole
dataset:
- the same normalised name and the same birth date (digits 7–14 of both
  numbers), with numbers that differ in at most `max-id-distance` of their
  first 17 characters (a typo, or a second number made up by changing one
  digit) or only in the check character;
- the same normalised name with numbers one character apart anywhere, the
  birth date digits included (a typo: two valid numbers never differ in just
  one character);
- or the same normalised name and the same bank account, phone or 户号 on the
  roll, whatever the numbers (one household has no two members of one name).

By default (`same-period-only`) the two numbers must both be paid in the
same program and period: that is the double payment to recover. The number
failing the GB 11643 check (else the one with fewer payments) is taken as the
extra one; the amount is what it was paid in the shared periods. One finding
per pair of numbers; the subject is the number kept, the other is related.

## Why it matters
A second id number defeats the duplicate check on id numbers: the person is
paid twice for one month (冒名重复享受). A check character that fails is how a
made-up number usually shows.

## Parameters
- `max-id-distance` (1): characters among the first 17 in which the two numbers may differ (0: only the check character).
- `same-period-only` (true): require both numbers to be paid in one program and period.

Two valid numbers linked by the birth date alone must have been paid in one
village: across villages they are as a rule two people of a common name born
on one day in one county (2,000 generated villages held three such pairs).

## Known false positives
Twins with the same name are rare but exist (same birth date, numbers one
apart): the account usually differs. A roll that corrected a typed number
in a later batch is reported only if both numbers were paid for one period.
";

/// 一人多号: one person paid under two id numbers.
pub struct TwoIds;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Params {
    pub max_id_distance: usize,
    pub same_period_only: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            max_id_distance: 1,
            same_period_only: true,
        }
    }
}

/// Characters in which the first 17 characters of two ids differ.
fn distance17(a: &str, b: &str) -> usize {
    a.bytes()
        .take(17)
        .zip(b.bytes().take(17))
        .filter(|(x, y)| x != y)
        .count()
}

fn distance18(a: &str, b: &str) -> usize {
    if a.len() != b.len() {
        return usize::MAX;
    }
    a.bytes().zip(b.bytes()).filter(|(x, y)| x != y).count()
}

/// The pairs (x < y, in order) of a name's numbers that can be one person:
/// the same birth digits, one character apart (with `typos`), or a shared
/// contact. Every other pair fails all three tests, and a common name
/// carries many numbers: pairs are found by grouping, not by trying all.
fn candidate_pairs(list: &[(&str, &IdRows)], typos: bool) -> Vec<(usize, usize)> {
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut add_groups = |groups: &mut dyn Iterator<Item = &Vec<usize>>| {
        for g in groups {
            for (k, &x) in g.iter().enumerate() {
                for &y in &g[k + 1..] {
                    pairs.push((x.min(y), x.max(y)));
                }
            }
        }
    };
    if list.len() < 2 {
        return pairs;
    }
    let mut by_birth: PlHashMap<Option<&str>, Vec<usize>> = PlHashMap::default();
    for (x, (id, _)) in list.iter().enumerate() {
        by_birth.entry(id.get(6..14)).or_default().push(x);
    }
    add_groups(&mut by_birth.values());
    if typos {
        // Two numbers one character apart agree on all but that position.
        // (length, position, bytes before, bytes after)
        type Mask<'s> = (usize, usize, &'s [u8], &'s [u8]);
        let mut by_mask: PlHashMap<Mask, Vec<usize>> = PlHashMap::default();
        for (x, (id, _)) in list.iter().enumerate() {
            let b = id.as_bytes();
            for j in 0..b.len() {
                by_mask
                    .entry((b.len(), j, &b[..j], &b[j + 1..]))
                    .or_default()
                    .push(x);
            }
        }
        add_groups(&mut by_mask.values());
    }
    let mut by_contact: PlHashMap<&Contact, Vec<usize>> = PlHashMap::default();
    for (x, (_, rows)) in list.iter().enumerate() {
        for c in &rows.contacts {
            by_contact.entry(c).or_default().push(x);
        }
    }
    add_groups(&mut by_contact.values());
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// The subsidy rows' 18-byte numbers, whether each equals the row
/// before's, and whether it fails its check.
struct Rows<'a> {
    ids18: &'a [Option<&'a str>],
    same_id: &'a [bool],
    bad: &'a [bool],
}

impl Rows<'_> {
    /// More than one number among rows `g` (ascending).
    fn many_ids(&self, g: &[u32]) -> bool {
        g.windows(2).any(|w| {
            let (a, b) = (w[0] as usize, w[1] as usize);
            if b == a + 1 {
                !self.same_id[b]
            } else {
                self.ids18[a] != self.ids18[b]
            }
        })
    }
}

/// Per row, a number for its name (null names are one name, as in a
/// group-by), or `None` when the row has no 18-byte number or its name is
/// carried by one number only; and the same numbers kept only for names
/// with a number that fails its check.
fn name_codes(
    name: &StringChunked,
    ids: &[Option<&str>],
    same_id: &[bool],
    bad: &[bool],
) -> (Vec<Option<u32>>, Vec<Option<u32>>) {
    let mut index: PlHashMap<Option<&str>, u32> = PlHashMap::with_capacity(ids.len() / 4);
    // per code: its first number, more than one number, any failing
    let mut info: Vec<(&str, bool, bool)> = Vec::new();
    let mut codes: Vec<Option<u32>> = Vec::with_capacity(ids.len());
    let mut last: Option<(Option<&str>, u32)> = None;
    for (i, n) in name.iter().enumerate() {
        let Some(id) = ids[i] else {
            codes.push(None);
            continue;
        };
        let code = match last {
            // The row before's name and number: nothing new to learn.
            Some((ln, c)) if ln == n && same_id[i] => {
                codes.push(Some(c));
                continue;
            }
            Some((ln, c)) if ln == n => c,
            _ => *index.entry(n).or_insert_with(|| {
                info.push((id, false, false));
                (info.len() - 1) as u32
            }),
        };
        let e = &mut info[code as usize];
        e.1 |= e.0 != id;
        e.2 |= bad[i];
        last = Some((n, code));
        codes.push(Some(code));
    }
    let multi: Vec<Option<u32>> = codes
        .iter()
        .map(|c| c.filter(|&x| info[x as usize].1))
        .collect();
    let with_bad = multi
        .iter()
        .map(|c| c.filter(|&x| info[x as usize].2))
        .collect();
    (multi, with_bad)
}

/// What two numbers of one name may share that only one person has.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Contact<'a> {
    Account(&'a str),
    Household(&'a str),
    Phone(&'a str),
}

impl Contact<'_> {
    fn describe(&self) -> String {
        match self {
            Contact::Account(a) => format!("共用银行账号{a}"),
            Contact::Household(h) => format!("同一户号{h}"),
            Contact::Phone(p) => format!("同一联系电话{p}"),
        }
    }
    fn key(&self) -> &str {
        match self {
            Contact::Account(s) | Contact::Household(s) | Contact::Phone(s) => s,
        }
    }
}

/// One id number of a name on the rolls.
#[derive(Default)]
struct IdRows<'a> {
    rows: Vec<usize>,
    contacts: BTreeSet<Contact<'a>>,
}

/// Whether two numbers were paid in one village.
fn share_a_village(r: &SubsidiesView, a: &IdRows, b: &IdRows) -> bool {
    let villages: BTreeSet<&str> = a.rows.iter().map(|&i| r.str(r.village, i)).collect();
    b.rows
        .iter()
        .any(|&i| villages.contains(r.str(r.village, i)))
}

const META: RuleMeta = RuleMeta {
    code: "DUP004",
    name: "two_ids",
    category: Category::DuplicateBeneficiary,
    severity: Severity::High,
    summary: "one person under two id numbers",
    doc: DOC,
    needs: &[TableKind::Subsidies],
    processes: &[14],
};

/// The roll's rows worth judging, ascending: a name with more than one
/// number sharing a birth date, an account, a phone or a 户号, or a program
/// period where one of the numbers fails its check.
fn candidates(roll: &SubsidiesView) -> Vec<IdxSize> {
    let SubsidiesView {
        id: ids,
        name,
        account,
        phone,
        household,
        program,
        period,
        ..
    } = *roll;
    // Candidates: a name with more than one number per birth date, per
    // account, phone or 户号, or in one program period where one of the
    // numbers fails its check (a typo: two valid numbers are never one
    // character apart). Malformed numbers (not 18 characters) carry no
    // birth date.
    // Numbers of 18 bytes (others carry no birth date and never match).
    let ids18: Vec<Option<&str>> = ids.iter().map(|id| id.filter(|x| x.len() == 18)).collect();
    // One person's rows follow each other: a number equal to the row
    // before is checked once, and groups compare numbers by these flags.
    let mut same_id = vec![false; ids18.len()];
    let mut bad = vec![false; ids18.len()];
    for i in 0..ids18.len() {
        let Some(id) = ids18[i] else { continue };
        if i > 0 && ids18[i - 1] == Some(id) {
            same_id[i] = true;
            bad[i] = bad[i - 1];
        } else {
            bad[i] = id_problem(id).is_some();
        }
    }
    // Each name as a small number, hashed once. A name carried by one
    // number only (most names) can share no key with a second number:
    // its rows take no further part.
    let (multi, with_bad) = name_codes(name, &ids18, &same_id, &bad);
    let rows = Rows {
        ids18: &ids18,
        same_id: &same_id,
        bad: &bad,
    };
    let rows = &rows;
    // The rows of each name with more than one number, name by name:
    // every group below lies within one name, so it is found among a
    // few rows in cache, whatever the order of the roll (by person, or
    // by month, where one person's rows are far apart).
    let by_name = NameRows::of(&multi);
    // (`groups_of` gives groups of two rows or more.)
    let keep = |g: &[u32], need_bad: bool| {
        rows.many_ids(g) && (!need_bad || g.iter().any(|&i| rows.bad[i as usize]))
    };
    let parts: Vec<Vec<IdxSize>> = (0..by_name.len())
        .into_par_iter()
        .with_min_len(256)
        .fold(Vec::new, |mut out: Vec<IdxSize>, k| {
            let g = by_name.rows(k);
            if g.len() < 2 {
                return out;
            }
            let mut emit = |rows: &[u32]| out.extend(rows.iter().map(|&i| i as IdxSize));
            groups_of(
                g,
                |i| Some(birth_digits(rows.ids18[i]?)),
                |x| keep(x, false),
                &mut emit,
            );
            groups_of(g, |i| account.get(i), |x| keep(x, false), &mut emit);
            groups_of(g, |i| phone.get(i), |x| keep(x, false), &mut emit);
            groups_of(g, |i| household.get(i), |x| keep(x, false), &mut emit);
            // Only names with a failing number can have such a group.
            if with_bad[g[0] as usize].is_some() {
                groups_of(
                    g,
                    |i| Some((program.get(i)?, period.get(i))),
                    |x| keep(x, true),
                    &mut emit,
                );
            }
            out
        })
        .collect();
    let mut wanted: Vec<IdxSize> = parts.into_iter().flatten().collect();
    wanted.sort_unstable();
    wanted.dedup();
    wanted
}

impl Rule for TwoIds {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    rule_params!(Params);

    fn check(&self, ds: &Dataset, params: &toml::Table) -> Result<Vec<Finding>> {
        let p: Params = params_of(params)?;
        let Some(roll) = SubsidiesView::load(ds)? else {
            return Ok(vec![]);
        };
        let wanted = candidates(&roll);
        let cand = roll
            .df
            .take(&IdxCa::from_vec("__i".into(), wanted))
            .map_err(Error::in_a_rule)?;
        let r = SubsidiesView::of(&cand)?;

        // name -> id -> rows (each file row once)
        let mut by_name: BTreeMap<&str, BTreeMap<&str, IdRows>> = BTreeMap::new();
        let mut seen = BTreeSet::new();
        for i in 0..r.height() {
            if !seen.insert(r.row.get(i)) {
                continue;
            }
            let e = by_name
                .entry(r.str(r.name, i))
                .or_default()
                .entry(r.str(r.id, i))
                .or_default();
            e.rows.push(i);
            if let Some(a) = r.account.get(i) {
                e.contacts.insert(Contact::Account(a));
            }
            if let Some(h) = r.household.get(i).filter(|h| !h.is_empty()) {
                e.contacts.insert(Contact::Household(h));
            }
            if let Some(ph) = r.phone.get(i) {
                e.contacts.insert(Contact::Phone(ph));
            }
        }

        let mut out = Vec::new();
        for (name, ids) in &by_name {
            let list: Vec<(&str, &IdRows)> = ids.iter().map(|(k, v)| (*k, v)).collect();
            for (x, y) in candidate_pairs(&list, p.max_id_distance >= 1) {
                let ((ida, a), (idb, b)) = (&list[x], &list[y]);
                {
                    let same_birth = ida.get(6..14) == idb.get(6..14);
                    // One character typed wrong anywhere (birth date digits
                    // included): two valid numbers always differ in two.
                    let typo = p.max_id_distance >= 1 && distance18(ida, idb) == 1;
                    // Two valid numbers with the same birth date, one
                    // sequence digit apart, paid in different villages are
                    // as a rule two people (a common name born on one day
                    // in one county): a typo fails the check character 10
                    // times in 11, and a number made up to pass it is made
                    // up where the roll is kept.
                    let plausible = id_problem(ida).is_some()
                        || id_problem(idb).is_some()
                        || share_a_village(&r, a, b);
                    let by_birth =
                        (same_birth && distance17(ida, idb) <= p.max_id_distance && plausible)
                            || typo;
                    let shared: Vec<&Contact> = a.contacts.intersection(&b.contacts).collect();
                    if !by_birth && shared.is_empty() {
                        continue;
                    }
                    if let Some(f) = pair(&p, &r, name, (ida, a), (idb, b), by_birth, &shared) {
                        out.push(f);
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Row numbers grouped by name code (a counting sort): each name's rows
/// together, ascending; rows without a code left out.
struct NameRows {
    /// Where each name's rows start in `rows` (one more entry at the end).
    starts: Vec<u32>,
    rows: Vec<u32>,
}

impl NameRows {
    fn of(codes: &[Option<u32>]) -> NameRows {
        let n = codes.iter().flatten().max().map_or(0, |&m| m as usize + 1);
        let mut starts = vec![0u32; n + 1];
        for &c in codes.iter().flatten() {
            starts[c as usize + 1] += 1;
        }
        for k in 0..n {
            starts[k + 1] += starts[k];
        }
        let mut next = starts.clone();
        let mut rows = vec![0u32; starts[n] as usize];
        for (i, c) in codes.iter().enumerate() {
            if let Some(c) = c {
                let at = &mut next[*c as usize];
                rows[*at as usize] = i as u32;
                *at += 1;
            }
        }
        NameRows { starts, rows }
    }

    /// How many names (some may have no rows).
    fn len(&self) -> usize {
        self.starts.len() - 1
    }

    fn rows(&self, k: usize) -> &[u32] {
        &self.rows[self.starts[k] as usize..self.starts[k + 1] as usize]
    }
}

/// Among rows `g` (one name's, ascending), the groups of two rows or more
/// with equal keys (rows with `key(i) == None` take no part), each in
/// ascending order, that `keep` accepts: given to `emit`. Adjacent rows
/// with one key (one person's months on a roll) are sorted as one run.
fn groups_of<K: Ord>(
    g: &[u32],
    key: impl Fn(usize) -> Option<K>,
    keep: impl Fn(&[u32]) -> bool,
    emit: &mut impl FnMut(&[u32]),
) {
    if g.len() < 2 {
        return;
    }
    // (key, first row, last row) of each run of adjacent rows
    let mut runs: Vec<(K, u32, u32)> = Vec::new();
    for &i in g {
        let Some(k) = key(i as usize) else { continue };
        match runs.last_mut() {
            Some(r) if r.2 + 1 == i && r.0 == k => r.2 = i,
            _ => runs.push((k, i, i)),
        }
    }
    runs.sort_unstable();
    let mut rows: Vec<u32> = Vec::new();
    for same in runs.chunk_by(|a, b| a.0 == b.0) {
        if same.len() == 1 && same[0].1 == same[0].2 {
            continue;
        }
        rows.clear();
        for r in same {
            rows.extend(r.1..=r.2);
        }
        if keep(&rows) {
            emit(&rows);
        }
    }
}

/// Digits 7–14 of an id number (characters, as the number is written).
fn birth_digits(id: &str) -> &str {
    if id.is_ascii() {
        return &id[6..14];
    }
    let mut at = id.char_indices().map(|(i, _)| i).chain([id.len()]);
    let from = at.nth(6).unwrap_or(id.len());
    let to = at.nth(7).unwrap_or(id.len());
    &id[from..to]
}

/// How two numbers of one name are linked, for the message: by the
/// numbers themselves (with `by_birth`) and by the first shared contact.
fn how_linked(kept: &str, extra: &str, by_birth: bool, shared: &[&Contact]) -> String {
    let mut how = if !by_birth {
        String::new()
    } else if kept.get(..17) == extra.get(..17) {
        "仅校验码不同".to_string()
    } else if distance18(kept, extra) == 1 {
        "仅一位不同".to_string()
    } else {
        format!("出生日期相同、前17位{}位不同", distance17(kept, extra))
    };
    if let Some(c) = shared.first() {
        if !how.is_empty() {
            how.push('且');
        }
        how.push_str(&c.describe());
    }
    how
}

/// Standing payments per (program, month).
type Standing = BTreeMap<(String, i32), Vec<usize>>;

/// The standing payments among `rows` (one number's) per (program, month).
fn standing_by_period(r: &SubsidiesView, rows: &[usize]) -> Standing {
    let mut m: Standing = BTreeMap::new();
    for &i in rows {
        if let Some(mo) = r.month(i) {
            m.entry((r.program.get(i).unwrap_or_default().to_string(), mo))
                .or_default()
                .push(i);
        }
    }
    m.into_iter()
        .map(|(k, mut v)| {
            let v = r.standing(&mut v);
            (k, v)
        })
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// Whether `a` is the extra number of the pair: the one failing its check,
/// else the one paid in fewer periods (then first paid later, then the
/// greater number).
fn a_is_extra(r: &SubsidiesView, a: &str, sa: &Standing, b: &str, sb: &Standing) -> bool {
    let bad_a = id_problem(a).is_some();
    let bad_b = id_problem(b).is_some();
    let first_paid = |s: &Standing| s.values().flatten().filter_map(|&i| r.paid.get(i)).min();
    match (bad_a, bad_b) {
        (true, false) => true,
        (false, true) => false,
        _ => {
            (
                sa.len(),
                std::cmp::Reverse(first_paid(sa)),
                std::cmp::Reverse(a),
            ) < (
                sb.len(),
                std::cmp::Reverse(first_paid(sb)),
                std::cmp::Reverse(b),
            )
        }
    }
}

/// Judge one pair of numbers of one name; `None` when they were never paid
/// for one program period (and that is required).
#[allow(clippy::too_many_arguments)]
fn pair(
    p: &Params,
    r: &SubsidiesView,
    name: &str,
    a: (&str, &IdRows),
    b: (&str, &IdRows),
    by_birth: bool,
    shared: &[&Contact],
) -> Option<Finding> {
    let sa = standing_by_period(r, &a.1.rows);
    let sb = standing_by_period(r, &b.1.rows);
    let both: BTreeSet<&(String, i32)> = sa.keys().filter(|k| sb.contains_key(*k)).collect();
    if p.same_period_only && both.is_empty() {
        return None;
    }
    // The extra number: the one failing its check, else the one paid less often.
    let a_extra = a_is_extra(r, a.0, &sa, b.0, &sb);
    let ((kept, _), (extra, s_extra)) = if a_extra {
        (b, (a.0, &sa))
    } else {
        (a, (b.0, &sb))
    };
    let shared_periods: Vec<&(String, i32)> = if both.is_empty() {
        s_extra.keys().collect()
    } else {
        both.iter().copied().collect()
    };
    let extra_rows: Vec<usize> = shared_periods
        .iter()
        .filter_map(|k| s_extra.get(*k))
        .flatten()
        .copied()
        .collect();
    let at_stake: i64 = if both.is_empty() {
        0
    } else {
        extra_rows.iter().map(|&i| r.amount(i)).sum()
    };
    let mut case = Case::default();
    for &i in &extra_rows {
        case.answers_for(r.str(r.village, i));
    }
    let village = case.village()?;
    let months: BTreeSet<i32> = shared_periods.iter().map(|k| k.1).collect();
    let programs: BTreeSet<&str> = shared_periods.iter().map(|k| k.0.as_str()).collect();
    for (k, v) in sa.iter().chain(sb.iter()) {
        if shared_periods.contains(&k) {
            for &i in v {
                case.list(r, i);
            }
        }
    }
    let other_villages = case.other_villages(&village);
    let how = how_linked(kept, extra, by_birth, shared);
    let check = if id_problem(extra).is_some() {
        "，后者未通过校验"
    } else {
        ""
    };
    let message = if both.is_empty() {
        format!(
            "{name}以身份证号{kept}和{extra}两个号码列入花名册（{how}{check}），请核实是否同一人并更正",
        )
    } else {
        format!(
            "{name}以身份证号{kept}和{extra}（{how}{check}）在{}同期重复领取{}，多领{}，请核实是否同一人并追缴",
            month_ranges(&months),
            programs.iter().copied().collect::<Vec<_>>().join("、"),
            fen_to_yuan_display(at_stake)
        )
    };
    let (severity, score) = if both.is_empty() {
        (Severity::Medium, 40.0)
    } else {
        (
            Severity::High,
            70.0 + 5.0 * (months.len().min(3) as f64 - 1.0),
        )
    };
    Some(
        META.finding(&village, kept)
            .severity(severity)
            .score(score)
            .amount(at_stake)
            .related([extra.to_string()])
            .related(other_villages.iter().cloned())
            .related(
                shared
                    .iter()
                    .filter(|c| !matches!(c, Contact::Phone(_)))
                    .map(|c| c.key().to_string()),
            )
            .message(message)
            .evidence(json!({
                "reason": "one_person_two_ids",
                "name": name,
                "id_kept": kept,
                "id_extra": extra,
                "extra_fails_check": id_problem(extra).is_some(),
                "linked_by_number": by_birth,
                "shared": shared.iter().map(|c| c.describe()).collect::<Vec<_>>(),
                "periods": months.iter().map(|&m| month_string(m)).collect::<Vec<_>>(),
                "recoverable": fen_to_yuan_string(at_stake),
                "payments": case.payments,
            })),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_pairs_are_the_pairs_worth_judging() {
        let with = |contacts: &[Contact<'static>]| IdRows {
            rows: vec![],
            contacts: contacts.iter().cloned().collect(),
        };
        let rows = [
            ("37010219570331479X", with(&[Contact::Phone("139")])),
            ("37010219570331478X", with(&[])), // one character from the first
            ("370102195703314701", with(&[])), // same birth digits as the first
            ("370102198001014711", with(&[Contact::Phone("139")])),
            ("370102198101014722", with(&[Contact::Account("62")])),
            ("370102198201014733", with(&[Contact::Account("62")])),
            ("370102198301014744", with(&[])),
        ];
        let list: Vec<(&str, &IdRows)> = rows.iter().map(|(id, r)| (*id, r)).collect();
        for typos in [true, false] {
            let mut want = Vec::new();
            for x in 0..list.len() {
                for y in x + 1..list.len() {
                    let (a, b) = (list[x], list[y]);
                    if a.0.get(6..14) == b.0.get(6..14)
                        || (typos && distance18(a.0, b.0) == 1)
                        || a.1.contacts.intersection(&b.1.contacts).next().is_some()
                    {
                        want.push((x, y));
                    }
                }
            }
            assert_eq!(candidate_pairs(&list, typos), want);
        }
        assert_eq!(
            candidate_pairs(&list, true),
            vec![(0, 1), (0, 2), (0, 3), (1, 2), (4, 5)]
        );
    }
}
