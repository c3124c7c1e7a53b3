//! Planted `party_affairs` cases (rules.md "Party affairs") and the hard
//! negatives at each edge: training of exactly 365 days, dues exactly at
//! the bracket, five unpaid months, a letter received on its last valid
//! day, 转正 on the anniversary, a cadre's relative admitted by the book.
//!
//! Plants draw from the party's own random stream and change only the
//! party tables, so no other category's cases move.

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use crate::finding::Category;
use crate::r#gen::model::*;
use crate::r#gen::truth::party::*;

fn label(v: &mut Village, p: u32, note: String) {
    let id = v.person(p).id.clone();
    v.labels.push(PlantedLabel {
        category: Category::PartyAffairs,
        villages: vec![v.index],
        subject: Subject::Text(id),
        note,
    });
}

fn negative(v: &mut Village, kind: &'static str, p: u32, note: String) {
    let id = v.person(p).id.clone();
    v.negatives.push(PlantedNegative {
        kind,
        village: v.index,
        subject: Subject::Text(id),
        note,
    });
}

/// Persons already in the party tables.
fn taken(v: &Village) -> Vec<bool> {
    let mut t = vec![false; v.persons.len()];
    for a in &v.party.admissions {
        t[a.person as usize] = true;
    }
    for m in &v.party.members {
        t[m.person as usize] = true;
    }
    for x in &v.party.transfers {
        t[x.person as usize] = true;
    }
    t
}

/// A villager outside the party tables, alive to the cutoff, aged
/// `ages` on `on`.
fn fresh(
    v: &Village,
    rng: &mut ChaCha8Rng,
    ages: std::ops::RangeInclusive<i32>,
    on: NaiveDate,
) -> Option<u32> {
    let t = taken(v);
    let c: Vec<u32> = (0..v.persons.len() as u32)
        .filter(|&p| {
            let q = v.person(p);
            !t[p as usize]
                && q.household.is_some()
                && q.death.is_none()
                && ages.contains(&age_on(q.birth, on))
        })
        .collect();
    c.choose(rng).copied()
}

/// Steps from an application, redrawn until the admission is outside every
/// pre-换届 window and the step at `need` is dated.
fn outside_windows(
    v: &Village,
    rng: &mut ChaCha8Rng,
    training: Option<i64>,
    need: usize,
) -> Option<[Option<NaiveDate>; 7]> {
    let windows = election_windows(v);
    for _ in 0..50 {
        let applied = random_day(rng, 2016..=2022, 1..=12);
        let t = training.unwrap_or_else(|| rng.random_range(380..560));
        let s = steps_with(rng, applied, t);
        let inside = s[ADMITTED].is_some_and(|d| windows.iter().any(|&(a, b)| d >= a && d < b));
        if !inside && s[need].is_some() {
            return Some(s);
        }
    }
    None
}

fn admit(v: &mut Village, p: u32, steps: [Option<NaiveDate>; 7]) {
    let sponsors = v.party.members.iter().take(2).map(|m| m.person).collect();
    v.party.admissions.push(Admission {
        person: p,
        steps,
        sponsors,
    });
}

/// Plant one admission variant; false when the village cannot hold it.
fn admission_case(v: &mut Village, rng: &mut ChaCha8Rng, variant: usize) -> bool {
    let Some(mut s) = outside_windows(v, rng, None, FULL) else {
        return false;
    };
    let applied = s[APPLIED].unwrap_or(cutoff());
    let Some(p) = fresh(v, rng, 20..=45, applied) else {
        return false;
    };
    let d = |k: usize, s: &[Option<NaiveDate>; 7]| s[k].unwrap_or(cutoff());
    let note = match variant {
        0 => {
            s[ACTIVIST] = Some(add_days(applied, -rng.random_range(20..60)));
            "确定积极分子早于递交申请"
        }
        1 => {
            let recorded = v
                .party
                .admissions
                .iter()
                .any(|a| a.steps[CANDIDATE].is_some());
            if !recorded {
                return false;
            }
            s[CANDIDATE] = None;
            "未经确定发展对象即接收预备党员"
        }
        2 => {
            let t = rng.random_range(150..330);
            let Some(s2) = outside_windows(v, rng, Some(t), FULL) else {
                return false;
            };
            s = s2;
            "积极分子培养不足一年"
        }
        3 => {
            s[VETTED] = Some(add_days(d(ADMITTED, &s), rng.random_range(3..30)));
            "政审在支部大会之后"
        }
        4 => {
            s[FULL] = Some(plus_months(d(ADMITTED, &s), rng.random_range(5..12)));
            "预备期未满即转正"
        }
        _ => {
            let full = add_days(plus_months(d(ADMITTED, &s), 12), rng.random_range(100..200));
            if full > cutoff() {
                return false;
            }
            s[FULL] = Some(full);
            "转正逾期"
        }
    };
    admit(v, p, s);
    label(v, p, note.to_string());
    true
}

/// An applicant of 17, or a 预备党员 whose 转正 is long overdue.
fn young_or_overdue(v: &mut Village, rng: &mut ChaCha8Rng, young: bool) -> bool {
    if young {
        let applied = random_day(rng, 2023..=YEAR, 1..=9);
        let Some(p) = fresh(v, rng, 17..=17, applied) else {
            return false;
        };
        let mut s = [None; 7];
        s[APPLIED] = Some(applied);
        let act = add_days(applied, rng.random_range(30..90));
        s[ACTIVIST] = (act <= cutoff()).then_some(act);
        admit(v, p, s);
        label(v, p, "递交申请时未满18周岁".into());
        return true;
    }
    let windows = election_windows(v);
    for _ in 0..50 {
        let applied = random_day(rng, 2019..=2021, 1..=12);
        let mut s = clean_steps(rng, applied);
        let Some(adm) = s[ADMITTED] else { continue };
        if adm > ymd(2024, 8, 1) || windows.iter().any(|&(a, b)| adm >= a && adm < b) {
            continue;
        }
        let Some(p) = fresh(v, rng, 20..=45, applied) else {
            return false;
        };
        s[FULL] = None;
        admit(v, p, s);
        label(v, p, "预备期满逾期未转正".into());
        return true;
    }
    false
}

/// Admissions crowded into the months before a 换届: every member the
/// window then holds is a case.
fn election_cluster(v: &mut Village, rng: &mut ChaCha8Rng) -> bool {
    let windows = election_windows(v);
    let usable: Vec<(NaiveDate, NaiveDate)> = windows
        .into_iter()
        .filter(|&(a, b)| a.year() >= 2019 && add_days(a, 20) < cutoff().min(b))
        .collect();
    let Some(&(a, b)) = usable.choose(rng) else {
        return false;
    };
    let last = add_days(b.min(cutoff()), -1);
    let n = rng.random_range(3..5);
    for _ in 0..n {
        let adm = add_days(a, rng.random_range(5..=(last - a).num_days().max(6)));
        let vetted = add_days(adm, -rng.random_range(5..40));
        let candidate = add_days(vetted, -rng.random_range(10..60));
        let activist = add_days(candidate, -rng.random_range(380..560));
        let applied = add_days(activist, -rng.random_range(30..120));
        let approved = add_days(adm, rng.random_range(20..80));
        let Some(p) = fresh(v, rng, 20..=45, applied) else {
            return false;
        };
        let mut s = [
            Some(applied),
            Some(activist),
            Some(candidate),
            Some(vetted),
            Some(adm),
            None,
            None,
        ];
        s[APPROVED] = (approved <= cutoff()).then_some(approved);
        let full = add_days(plus_months(adm, 12), rng.random_range(0..45));
        s[FULL] = (s[APPROVED].is_some() && full <= cutoff()).then_some(full);
        admit(v, p, s);
    }
    let members: Vec<u32> = v
        .party
        .admissions
        .iter()
        .filter(|x| x.steps[ADMITTED].is_some_and(|d| d >= a && d < b))
        .map(|x| x.person)
        .collect();
    for p in members {
        label(v, p, format!("换届（{b}）前突击发展"));
    }
    true
}

/// A member on the roll all year, with no transfer and alive.
fn steady_member(
    v: &Village,
    rng: &mut ChaCha8Rng,
    pred: impl Fn(&Member) -> bool,
) -> Option<usize> {
    let moved: Vec<u32> = v.party.transfers.iter().map(|t| t.person).collect();
    let c: Vec<usize> = (0..v.party.members.len())
        .filter(|&i| {
            let m = &v.party.members[i];
            m.first == 1
                && m.last == 12
                && v.person(m.person).death.is_none()
                && !moved.contains(&m.person)
                && !v.party.planted.contains(&m.person)
                && v.party.dues.iter().filter(|d| d.person == m.person).count() == 12
                && pred(m)
        })
        .collect();
    c.choose(rng).copied()
}

/// A transfer out: unreceived, received late, received on its last valid
/// day, or received but the member still paying here.
fn transfer_case(v: &mut Village, rng: &mut ChaCha8Rng, variant: usize) -> bool {
    let Some(i) = steady_member(v, rng, |_| true) else {
        return false;
    };
    let p = v.party.members[i].person;
    v.party.planted.push(p);
    let letter = random_day(rng, YEAR..=YEAR, 2..=7);
    let valid = [Some(90), None, Some(60), Some(30)][rng.random_range(0..4)];
    let mut t = Transfer {
        person: p,
        out: true,
        letter,
        valid_days: valid,
        received: None,
    };
    let deadline = t.deadline();
    let keep_paying = variant == 3;
    match variant {
        0 => label(v, p, "介绍信逾期未回执".into()),
        1 => {
            t.received = Some(add_days(deadline, rng.random_range(5..60)));
            label(v, p, "超过有效期才报到".into());
        }
        2 => {
            t.received = Some(deadline);
            negative(
                v,
                "letter_received_last_day",
                p,
                format!("有效期最后一天（{deadline}）回执"),
            );
        }
        _ => {
            t.received = Some(add_days(letter, rng.random_range(3..20)));
            label(v, p, "转出后仍在本村交纳党费".into());
        }
    }
    if !keep_paying {
        v.party.members[i].last = letter.month();
        v.party
            .dues
            .retain(|d| d.person != p || d.month <= letter.month());
    }
    v.party.transfers.push(t);
    true
}

/// Dues below the bracket, at it exactly, or unpaid for six (five) months.
fn dues_case(v: &mut Village, rng: &mut ChaCha8Rng, variant: usize) -> bool {
    match variant {
        0 => {
            let Some(i) = steady_member(v, rng, |_| true) else {
                return false;
            };
            let m = v.party.members[i].clone();
            v.party.planted.push(m.person);
            let from = rng.random_range(1..=10);
            for d in v
                .party
                .dues
                .iter_mut()
                .filter(|d| d.person == m.person && d.month >= from)
            {
                d.amount = if m.kind == MemberType::Employed || m.kind == MemberType::Retired {
                    due_fen(m.kind, m.base) / 2
                } else {
                    10
                };
            }
            label(v, m.person, format!("{}起党费低于标准", from));
        }
        1 => {
            let Some(i) = steady_member(v, rng, |m| m.kind == MemberType::Employed) else {
                return false;
            };
            let p = v.party.members[i].person;
            v.party.planted.push(p);
            let base = [300_000, 500_000, 1_000_000, 333_333][rng.random_range(0..4)];
            v.party.members[i].base = Some(base);
            let due = due_fen(MemberType::Employed, Some(base));
            for d in v.party.dues.iter_mut().filter(|d| d.person == p) {
                d.base = Some(base);
                d.amount = due;
            }
            negative(
                v,
                "dues_exactly_at_bracket",
                p,
                format!("基数{}分，恰按标准交纳{}分", base, due),
            );
        }
        _ => {
            let months = if variant == 2 { 6 } else { 5 };
            let Some(i) = steady_member(v, rng, |_| true) else {
                return false;
            };
            let p = v.party.members[i].person;
            v.party.planted.push(p);
            let from = rng.random_range(1..=(13 - months));
            // Rows dropped from January would move the member's first month.
            let drop = from > 1 && rng.random_bool(0.5);
            let gap = from..from + months;
            if drop {
                v.party
                    .dues
                    .retain(|d| d.person != p || !gap.contains(&d.month));
            } else {
                for d in v
                    .party
                    .dues
                    .iter_mut()
                    .filter(|d| d.person == p && gap.contains(&d.month))
                {
                    d.amount = 0;
                    d.paid = None;
                }
            }
            if variant == 2 {
                label(v, p, format!("{from}月起连续{months}个月未交党费"));
            } else {
                negative(
                    v,
                    "five_unpaid_months",
                    p,
                    format!("{from}月起连续5个月未交党费"),
                );
            }
        }
    }
    true
}

/// Hard negatives of admission: training of exactly 365 days, 转正 on the
/// anniversary, a cadre's relative admitted by the book.
fn admission_negative(v: &mut Village, rng: &mut ChaCha8Rng, variant: usize) -> bool {
    let Some(mut s) = outside_windows(v, rng, if variant == 0 { Some(365) } else { None }, FULL)
    else {
        return false;
    };
    let applied = s[APPLIED].unwrap_or(cutoff());
    let p = if variant == 2 {
        let t = taken(v);
        let w: &Village = v;
        let cadre = |q: &Person| {
            w.cadres.iter().any(|c| {
                q.father == Some(c.person)
                    || q.mother == Some(c.person)
                    || q.spouse == Some(c.person)
            })
        };
        let kin: Vec<u32> = (0..w.persons.len() as u32)
            .filter(|&x| {
                let q = w.person(x);
                cadre(q)
                    && !t[x as usize]
                    && q.household.is_some()
                    && q.death.is_none()
                    && age_on(q.birth, applied) >= 19
            })
            .collect();
        kin.choose(rng).copied()
    } else {
        fresh(v, rng, 20..=45, applied)
    };
    let Some(p) = p else { return false };
    let (kind, note) = match variant {
        0 => (
            "training_exactly_365",
            "积极分子到发展对象恰好365天".to_string(),
        ),
        1 => {
            let full = plus_months(s[ADMITTED].unwrap_or(cutoff()), 12);
            s[FULL] = Some(full);
            ("full_on_anniversary", format!("预备期满当日（{full}）转正"))
        }
        _ => (
            "cadre_relative_admitted",
            "干部近亲属按程序发展入党".to_string(),
        ),
    };
    admit(v, p, s);
    negative(v, kind, p, note);
    true
}

/// Plant a village's party cases and negatives.
pub fn plant(v: &mut Village, rng: &mut ChaCha8Rng) {
    let cases = rng.random_range(2..5);
    for _ in 0..cases {
        let k = rng.random_range(0..14);
        let _ = match k {
            0..=5 => admission_case(v, rng, k),
            6 => young_or_overdue(v, rng, true),
            7 => young_or_overdue(v, rng, false),
            8 => election_cluster(v, rng),
            9 => transfer_case(v, rng, 0),
            10 => transfer_case(v, rng, 1),
            11 => transfer_case(v, rng, 3),
            12 => dues_case(v, rng, 0),
            _ => dues_case(v, rng, 2),
        };
    }
    for k in 0..3 {
        if rng.random_bool(0.5) {
            admission_negative(v, rng, k);
        }
    }
    if rng.random_bool(0.5) {
        transfer_case(v, rng, 2);
    }
    if rng.random_bool(0.5) {
        dues_case(v, rng, 1);
    }
    if rng.random_bool(0.5) {
        dues_case(v, rng, 3);
    }
}
