//! The party branch of a village (processes 23–25): its members and what
//! each pays a month, the admissions of the last years step by step, and
//! the transfers in and out of the year. The baseline holds no case: every
//! admission keeps the order and pace of the 发展党员工作细则, every letter is
//! received in time, every member pays the bracket every month until a
//! transfer out or death. `plant::party_affairs` adds the cases.
//!
//! It draws from its own random stream (not the village's), after every
//! other record is made, so the other tables of a seed keep their bytes.

use chrono::{Datelike, Months, NaiveDate};
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use crate::r#gen::model::*;

/// The last day admission steps are dated on; dues run to December.
pub const CUTOFF: (i32, u32, u32) = (YEAR, 12, 10);

pub fn cutoff() -> NaiveDate {
    ymd(CUTOFF.0, CUTOFF.1, CUTOFF.2)
}

#[derive(Debug, Clone, Default)]
pub struct Party {
    pub branch: String,
    pub admissions: Vec<Admission>,
    pub transfers: Vec<Transfer>,
    pub members: Vec<Member>,
    pub dues: Vec<Due>,
    /// Members a plant has changed (so that two plants never share one).
    pub planted: Vec<u32>,
}

/// One row of 党员发展纪实: the steps, in order.
#[derive(Debug, Clone, Default)]
pub struct Admission {
    pub person: u32,
    /// 申请, 积极分子, 发展对象, 政审, 支部大会, 审批, 转正.
    pub steps: [Option<NaiveDate>; 7],
    pub sponsors: Vec<u32>,
}

pub const APPLIED: usize = 0;
pub const ACTIVIST: usize = 1;
pub const CANDIDATE: usize = 2;
pub const VETTED: usize = 3;
pub const ADMITTED: usize = 4;
pub const APPROVED: usize = 5;
pub const FULL: usize = 6;

#[derive(Debug, Clone)]
pub struct Transfer {
    pub person: u32,
    pub out: bool,
    pub letter: NaiveDate,
    /// None: the row leaves 有效期 blank (90 days by default).
    pub valid_days: Option<i64>,
    pub received: Option<NaiveDate>,
}

impl Transfer {
    pub fn deadline(&self) -> NaiveDate {
        add_days(self.letter, self.valid_days.unwrap_or(90))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberType {
    Employed,
    Retired,
    Farmer,
    Student,
    Dibao,
    Unemployed,
}

impl MemberType {
    pub fn label(self) -> &'static str {
        match self {
            MemberType::Employed => "在职",
            MemberType::Retired => "退休",
            MemberType::Farmer => "农民",
            MemberType::Student => "学生",
            MemberType::Dibao => "低保",
            MemberType::Unemployed => "下岗失业",
        }
    }
    fn with_base(self) -> bool {
        matches!(self, MemberType::Employed | MemberType::Retired)
    }
}

/// A member on the dues roll: type, monthly base income, and the months
/// of the year the member is due here (first, last).
#[derive(Debug, Clone)]
pub struct Member {
    pub person: u32,
    pub kind: MemberType,
    pub base: Option<i64>,
    /// Fen a month for a flat type (0.2–1 yuan).
    pub flat: i64,
    pub first: u32,
    pub last: u32,
}

/// One row of 党费收缴.
#[derive(Debug, Clone)]
pub struct Due {
    pub person: u32,
    pub month: u32,
    pub kind: MemberType,
    pub base: Option<i64>,
    pub amount: i64,
    pub paid: Option<NaiveDate>,
    /// False: the roll leaves this month's id number blank (the name, unique
    /// on the village's roll, still tells the member).
    pub with_id: bool,
}

/// The bracket (rules.md "Party affairs"): fen due a month, half up to the
/// fen; flat types 20 fen at least.
pub fn due_fen(kind: MemberType, base: Option<i64>) -> i64 {
    let rate_permille_x10 = |b: i64| -> i64 {
        // Rates in tenths of a per mille: 0.5 % = 50.
        match kind {
            MemberType::Retired if b <= 500_000 => 50,
            MemberType::Retired => 100,
            _ if b <= 300_000 => 50,
            _ if b <= 500_000 => 100,
            _ if b <= 1_000_000 => 150,
            _ => 200,
        }
    };
    match (kind.with_base(), base) {
        (true, Some(b)) => (b * rate_permille_x10(b) + 5_000) / 10_000,
        (true, None) => 0,
        (false, _) => 20,
    }
}

/// The 换届 of a village from its cadres' term starts: the earliest start
/// of the largest group within 60 days, when it holds 3 cadres or more.
pub fn election_date(v: &Village) -> Option<NaiveDate> {
    let mut starts: Vec<NaiveDate> = v.cadres.iter().map(|c| c.term_start).collect();
    starts.sort();
    let mut best: Option<(usize, NaiveDate)> = None;
    for (k, &s) in starts.iter().enumerate() {
        let n = starts[k..]
            .iter()
            .take_while(|&&x| (x - s).num_days() <= 60)
            .count();
        if best.is_none_or(|(bn, _)| n > bn) {
            best = Some((n, s));
        }
    }
    best.filter(|(n, _)| *n >= 3).map(|(_, s)| s)
}

/// The six months before every 换届 from 2006 to 2031: [start, 换届).
pub fn election_windows(v: &Village) -> Vec<(NaiveDate, NaiveDate)> {
    let Some(e0) = election_date(v) else {
        return vec![];
    };
    (0..6)
        .filter_map(|k| {
            let e = if k < 3 {
                e0.checked_sub_months(Months::new(60 * (3 - k)))
            } else {
                e0.checked_add_months(Months::new(60 * (k - 3)))
            }?;
            Some((e.checked_sub_months(Months::new(6))?, e))
        })
        .collect()
}

/// A day (1st–28th) of a month drawn from `months` of a year from `years`.
pub fn random_day(
    rng: &mut ChaCha8Rng,
    years: std::ops::RangeInclusive<i32>,
    months: std::ops::RangeInclusive<u32>,
) -> NaiveDate {
    let y = rng.random_range(years);
    let m = rng.random_range(months);
    ymd(y, m, rng.random_range(1..=28))
}

pub fn plus_months(d: NaiveDate, m: u32) -> NaiveDate {
    d.checked_add_months(Months::new(m)).unwrap_or(d)
}

fn alive_on(p: &Person, d: NaiveDate) -> bool {
    p.household.is_some() && p.death.is_none_or(|x| x > d)
}

/// Build the baseline party branch of a village.
pub fn party(v: &mut Village, rng: &mut ChaCha8Rng) {
    v.party.branch = format!("{}党支部", v.name);
    let jan = ymd(YEAR, 1, 1);
    let mut taken = vec![false; v.persons.len()];
    // Members: the cadres, and villagers of 22 to 85.
    let mut people: Vec<u32> = v.cadres.iter().map(|c| c.person).collect();
    let pool: Vec<u32> = (0..v.persons.len() as u32)
        .filter(|&p| {
            let q = v.person(p);
            alive_on(q, jan) && (22..=85).contains(&age_on(q.birth, jan))
        })
        .collect();
    let n = rng.random_range(18..30);
    for _ in 0..n * 3 {
        if people.len() >= n {
            break;
        }
        if let Some(&p) = pool.choose(rng)
            && !people.contains(&p)
        {
            people.push(p);
        }
    }
    for p in people {
        taken[p as usize] = true;
        let m = new_member(v, rng, p, 1, 12);
        v.party.members.push(m);
    }
    admissions(v, rng, &mut taken);
    transfers(v, rng, &mut taken);
    let collect_quarterly = rng.random_bool(0.3);
    let members = v.party.members.clone();
    let name_of = |p: u32| v.persons[p as usize].name.clone();
    let names: Vec<String> = members.iter().map(|m| name_of(m.person)).collect();
    let unique: Vec<bool> = names
        .iter()
        .map(|n| names.iter().filter(|x| *x == n).count() == 1)
        .collect();
    for (k, m) in members.iter().enumerate() {
        let last = match v.person(m.person).death {
            Some(d) if d.year() == YEAR => m.last.min(d.month()),
            _ => m.last,
        };
        for month in m.first..=last {
            let amount = baseline_amount(m, rng);
            let paid = paid_date(rng, month, collect_quarterly);
            v.party.dues.push(Due {
                person: m.person,
                month,
                kind: m.kind,
                base: m.base,
                amount,
                paid: Some(paid),
                with_id: !(unique[k] && rng.random_bool(0.03)),
            });
        }
    }
}

fn paid_date(rng: &mut ChaCha8Rng, month: u32, quarterly: bool) -> NaiveDate {
    if quarterly {
        let q = month.div_ceil(3) * 3;
        ymd(YEAR, q, rng.random_range(15..26))
    } else {
        ymd(YEAR, month, rng.random_range(3..26))
    }
}

/// What a member of this type and income pays when nothing is wrong: the
/// bracket, or rounded up to the 角, or the member's flat amount.
pub fn baseline_amount(m: &Member, rng: &mut ChaCha8Rng) -> i64 {
    if !m.kind.with_base() {
        return m.flat;
    }
    let due = due_fen(m.kind, m.base);
    if rng.random_bool(0.5) {
        due.div_euclid(10) * 10 + if due % 10 == 0 { 0 } else { 10 }
    } else {
        due
    }
}

pub fn new_member(v: &Village, rng: &mut ChaCha8Rng, p: u32, first: u32, last: u32) -> Member {
    let age = age_on(v.person(p).birth, ymd(YEAR, 1, 1));
    let kind = if age >= 60 {
        if rng.random_bool(0.4) {
            MemberType::Retired
        } else {
            MemberType::Farmer
        }
    } else if age <= 24 && rng.random_bool(0.5) {
        MemberType::Student
    } else {
        match rng.random_range(0..20) {
            0..=6 => MemberType::Employed,
            7 => MemberType::Dibao,
            8 => MemberType::Unemployed,
            _ => MemberType::Farmer,
        }
    };
    let base = match kind {
        MemberType::Employed => {
            Some(rng.random_range(1_800..14_000) * 100 + rng.random_range(0..4) * 33)
        }
        MemberType::Retired => Some(rng.random_range(1_500..8_000) * 100),
        _ => None,
    };
    let flat = [20, 50, 100][rng.random_range(0..3)];
    Member {
        person: p,
        kind,
        base,
        flat,
        first,
        last,
    }
}

/// A clean admission timeline from an application date; steps after the
/// cutoff are left blank.
pub fn clean_steps(rng: &mut ChaCha8Rng, applied: NaiveDate) -> [Option<NaiveDate>; 7] {
    let training = rng.random_range(380..560);
    steps_with(rng, applied, training)
}

/// A timeline with `training` days from 积极分子 to 发展对象, the other
/// gaps as the baseline draws them.
pub fn steps_with(
    rng: &mut ChaCha8Rng,
    applied: NaiveDate,
    training: i64,
) -> [Option<NaiveDate>; 7] {
    let activist = add_days(applied, rng.random_range(30..120));
    let candidate = add_days(activist, training);
    let vetted = add_days(candidate, rng.random_range(10..60));
    let admitted = add_days(vetted, rng.random_range(5..40));
    let approved = add_days(admitted, rng.random_range(20..80));
    let full = add_days(plus_months(admitted, 12), rng.random_range(0..45));
    let all = [
        applied, activist, candidate, vetted, admitted, approved, full,
    ];
    let mut out = [None; 7];
    for (k, d) in all.into_iter().enumerate() {
        if d > cutoff() {
            break;
        }
        out[k] = Some(d);
    }
    out
}

/// Whether a person of this birth is 18 on `d`, with a margin.
fn adult_on(birth: NaiveDate, d: NaiveDate) -> bool {
    age_on(birth, d) >= 19
}

fn admissions(v: &mut Village, rng: &mut ChaCha8Rng, taken: &mut [bool]) {
    let windows = election_windows(v);
    let n = rng.random_range(5..9);
    let mut in_window = vec![0usize; windows.len()];
    for _ in 0..n * 4 {
        if v.party.admissions.len() >= n {
            break;
        }
        let applied = random_day(rng, 2015..=YEAR, 1..=12);
        if applied > ymd(YEAR, 9, 30) {
            continue;
        }
        let steps = clean_steps(rng, applied);
        // At most one admission in the months before a 换届.
        if let Some(adm) = steps[ADMITTED]
            && let Some(w) = windows.iter().position(|&(a, b)| adm >= a && adm < b)
        {
            if in_window[w] >= 1 {
                continue;
            }
            in_window[w] += 1;
        }
        let cands: Vec<u32> = (0..v.persons.len() as u32)
            .filter(|&p| {
                let q = v.person(p);
                !taken[p as usize]
                    && alive_on(q, cutoff())
                    && adult_on(q.birth, applied)
                    && age_on(q.birth, applied) <= 45
            })
            .collect();
        let Some(&p) = cands.choose(rng) else {
            continue;
        };
        taken[p as usize] = true;
        let sponsors: Vec<u32> = v
            .party
            .members
            .choose_multiple(rng, 2)
            .map(|m| m.person)
            .collect();
        if let Some(adm) = steps[ADMITTED] {
            let first = if adm.year() < YEAR { 1 } else { adm.month() };
            let m = new_member(v, rng, p, first, 12);
            v.party.members.push(m);
        }
        v.party.admissions.push(Admission {
            person: p,
            steps,
            sponsors,
        });
    }
}

fn transfers(v: &mut Village, rng: &mut ChaCha8Rng, taken: &mut [bool]) {
    let outs = rng.random_range(1..3);
    for _ in 0..outs {
        let idx: Vec<usize> = (0..v.party.members.len())
            .filter(|&i| {
                let m = &v.party.members[i];
                m.first == 1 && m.last == 12 && v.person(m.person).death.is_none()
            })
            .collect();
        let Some(&i) = idx.choose(rng) else { break };
        let letter = random_day(rng, YEAR..=YEAR, 2..=9);
        let valid = rng.random_bool(0.7).then_some(90);
        let received = add_days(letter, rng.random_range(3..60));
        v.party.members[i].last = letter.month();
        let person = v.party.members[i].person;
        v.party.transfers.push(Transfer {
            person,
            out: true,
            letter,
            valid_days: valid,
            received: Some(received),
        });
    }
    let ins = rng.random_range(0..3);
    for _ in 0..ins {
        let jan = ymd(YEAR, 1, 1);
        let cands: Vec<u32> = (0..v.persons.len() as u32)
            .filter(|&p| {
                let q = v.person(p);
                !taken[p as usize]
                    && alive_on(q, cutoff())
                    && (25..=60).contains(&age_on(q.birth, jan))
            })
            .collect();
        let Some(&p) = cands.choose(rng) else { break };
        taken[p as usize] = true;
        let letter = random_day(rng, YEAR..=YEAR, 1..=9);
        let received = add_days(letter, rng.random_range(2..40));
        let m = new_member(v, rng, p, received.month(), 12);
        v.party.members.push(m);
        v.party.transfers.push(Transfer {
            person: p,
            out: false,
            letter,
            valid_days: Some(90),
            received: Some(received),
        });
    }
}
