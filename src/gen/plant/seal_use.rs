//! Planted `seal_use` cases (rules.md "Seals"): a use with no approver, one
//! approved by its applicant (the same name, or a homophone of it that is
//! nobody in the register), a contract or a decision whose seal record is
//! missing or dated after the event; seal uses on rest days (`weak_signal`).
//! Hard negatives: a record dated the day of the signing, a use on a 调休
//! working weekend.
//!
//! Plants draw from the seal log's own random stream and change only the
//! log; labels on a record are written once the entries are numbered.

use chrono::NaiveDate;
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use crate::finding::Category;
use crate::r#gen::model::*;
use crate::r#gen::truth::party::random_day;
use crate::r#gen::truth::seals::{published, signers};
use crate::r#gen::workdays;
use crate::matching::names::pinyin_key;

/// Characters a given name may be written with instead of another of the
/// same sound (the register's spelling is the other one).
const SOUNDS: &str = "国果建健剑见德得志智忠中振震家佳嘉昌常洪宏红学雪良亮祥翔富福顺舜胜圣贵桂吉继林琳霖利力丽清青庆士世仕宏鸿守寿传川和禾安山善义毅道云运芸培沛连莲泽则同彤来莱殿典朝潮太泰保宝万兆照秀修进金晋全泉双占战凤峰会慧喜玺波博浩豪宇雨鹏朋晨辰俊军凯楷然瑞睿亮岩炎松嵩春纯文雯玉育元园庆晴兰岚英莹淑书珍真荣蓉翠萃花华美梅香祥芝枝琴勤素爱月悦霞侠冬东娟涓倩茜璐露佳家欣新怡宜颖影雅亚晓小丹妍燕艳菊秋宁凝曼蔓叶业瑶遥璇萌盟";

/// A homophone of `name` (one character changed) that no villager bears.
fn homophone(v: &Village, name: &str) -> Option<String> {
    let chars: Vec<char> = name.chars().collect();
    let key = pinyin_key(name);
    for k in (1..chars.len()).rev() {
        for c in SOUNDS.chars() {
            if c == chars[k] {
                continue;
            }
            let mut alt = chars.clone();
            alt[k] = c;
            let alt: String = alt.into_iter().collect();
            if pinyin_key(&alt) == key && !v.persons.iter().any(|p| p.name == alt) {
                return Some(alt);
            }
        }
    }
    None
}

/// Certificate records no plant touched yet.
fn certificates(v: &Village) -> Vec<usize> {
    (0..v.seals.len())
        .filter(|&i| {
            let s = &v.seals[i];
            s.ref_no.is_empty()
                && !s.purpose.starts_with("签订")
                && s.label.is_none()
                && s.negative.is_none()
        })
        .collect()
}

fn label_text(v: &mut Village, category: Category, subject: &str, note: String) {
    v.labels.push(PlantedLabel {
        category,
        villages: vec![v.index],
        subject: Subject::Text(subject.to_string()),
        note,
    });
}

/// The record citing `no`, by its ref or its purpose.
fn record_of(v: &Village, no: &str) -> Option<usize> {
    v.seals
        .iter()
        .position(|s| s.ref_no.split(';').any(|r| r == no) || s.purpose.contains(no))
}

/// Contract and decision numbers a seal case was planted on.
fn planted_numbers(v: &Village) -> Vec<String> {
    v.labels
        .iter()
        .filter_map(|l| match &l.subject {
            Subject::Text(t) if l.category == Category::SealUse => Some(t.clone()),
            _ => None,
        })
        .collect()
}

/// Approval cases on a certificate record.
fn approval_case(v: &mut Village, rng: &mut ChaCha8Rng, variant: usize) -> bool {
    let Some(&i) = certificates(v).choose(rng) else {
        return false;
    };
    let (secretary, _, _) = signers(v);
    let note = match variant {
        0 => {
            v.seals[i].approver = ["", "无", "/"][rng.random_range(0..3)].to_string();
            "用印无审批人"
        }
        1 => {
            v.seals[i].applicant = secretary.clone();
            v.seals[i].approver = secretary;
            "经办人自批用印"
        }
        _ => {
            let Some(alt) = homophone(v, &secretary) else {
                return false;
            };
            v.seals[i].applicant = alt;
            v.seals[i].approver = secretary;
            "经办人以同音异写姓名自批用印"
        }
    };
    v.seals[i].label = Some((Category::SealUse, note.to_string()));
    true
}

/// A contract or decision whose record is gone or dated after the event.
fn missing_case(v: &mut Village, rng: &mut ChaCha8Rng, variant: usize) -> bool {
    let events: Vec<(String, NaiveDate)> = if variant == 2 {
        v.decisions
            .iter()
            .filter_map(|d| published(d).map(|p| (d.no.clone(), p)))
            .collect()
    } else {
        v.contracts
            .iter()
            .map(|c| (c.no.clone(), c.signed))
            .collect()
    };
    let planted = planted_numbers(v);
    let usable: Vec<&(String, NaiveDate)> = events
        .iter()
        .filter(|(no, d)| *d >= ymd(YEAR, 3, 1) && !planted.contains(no))
        // Another record on or before the event: the log covers it.
        .filter(|(no, d)| {
            v.seals
                .iter()
                .any(|s| s.date <= *d && s.ref_no != *no && !s.purpose.contains(no.as_str()))
        })
        // One record cites it, and cites nothing else.
        .filter(|(no, _)| {
            let all: Vec<usize> = (0..v.seals.len())
                .filter(|&i| {
                    v.seals[i].ref_no.split(';').any(|r| r == no)
                        || v.seals[i].purpose.contains(no.as_str())
                })
                .collect();
            all.len() == 1 && !v.seals[all[0]].ref_no.contains(';')
        })
        .filter(|(no, _)| {
            record_of(v, no)
                .is_some_and(|i| v.seals[i].label.is_none() && v.seals[i].negative.is_none())
        })
        .collect();
    let Some((no, date)) = usable.choose(rng).map(|x| (x.0.clone(), x.1)) else {
        return false;
    };
    let Some(i) = record_of(v, &no) else {
        return false;
    };
    let note = if variant == 1 {
        let mut late = add_days(date, rng.random_range(1..10));
        while workdays::is_rest(late) {
            late = add_days(late, 1);
        }
        v.seals[i].date = late;
        "用印登记晚于合同签订"
    } else {
        v.seals.remove(i);
        if variant == 2 {
            "决议公开无用印登记"
        } else {
            "合同签订无用印登记"
        }
    };
    label_text(v, Category::SealUse, &no, note.to_string());
    true
}

/// A certificate moved to a weekend or holiday (weak), or to a 调休
/// working weekend (a hard negative).
fn day_case(v: &mut Village, rng: &mut ChaCha8Rng, make_up: bool) -> bool {
    let Some(&i) = certificates(v).choose(rng) else {
        return false;
    };
    let date = if make_up {
        let Some(&d) = workdays::make_up_days(YEAR).choose(rng) else {
            return false;
        };
        d
    } else {
        let mut d = random_day(rng, YEAR..=YEAR, 1..=12);
        while !workdays::is_rest(d) {
            d = add_days(d, 1);
        }
        d
    };
    v.seals[i].date = date;
    if make_up {
        v.seals[i].negative = Some(("seal_on_make_up_workday", format!("调休工作日{date}用印")));
    } else {
        v.seals[i].label = Some((Category::WeakSignal, format!("非工作日{date}用印")));
    }
    true
}

/// A contract signed on a working day whose record is dated that day.
fn same_day_negative(v: &mut Village, rng: &mut ChaCha8Rng) -> bool {
    let planted = planted_numbers(v);
    let cands: Vec<(String, NaiveDate)> = v
        .contracts
        .iter()
        .filter(|c| !workdays::is_rest(c.signed) && !planted.contains(&c.no))
        .map(|c| (c.no.clone(), c.signed))
        .filter(|(no, _)| record_of(v, no).is_some_and(|i| v.seals[i].label.is_none()))
        .collect();
    let Some((no, signed)) = cands.choose(rng).cloned() else {
        return false;
    };
    let Some(i) = record_of(v, &no) else {
        return false;
    };
    v.seals[i].date = signed;
    v.negatives.push(PlantedNegative {
        kind: "seal_same_day_as_signing",
        village: v.index,
        subject: Subject::Text(no),
        note: format!("用印与合同签订同日（{signed}）"),
    });
    true
}

/// The party branch and the seal log of a village, with their cases: on
/// their own random stream, after every other record is final.
pub fn organisation(v: &mut Village, seed: u64) {
    use rand::SeedableRng;
    let mut rng = ChaCha8Rng::seed_from_u64(crate::r#gen::mix(seed, u64::from(v.index), 2));
    crate::r#gen::truth::party::party(v, &mut rng);
    super::party_affairs::plant(v, &mut rng);
    crate::r#gen::truth::seals::seals(v, &mut rng);
    plant(v, &mut rng);
    crate::r#gen::truth::seals::number_seals(v);
}

/// Plant a village's seal cases and negatives.
pub fn plant(v: &mut Village, rng: &mut ChaCha8Rng) {
    let cases = rng.random_range(1..4);
    for _ in 0..cases {
        let k = rng.random_range(0..7);
        let _ = match k {
            0..=2 => approval_case(v, rng, k),
            3..=5 => missing_case(v, rng, k - 3),
            _ => day_case(v, rng, false),
        };
    }
    if rng.random_bool(0.6) {
        same_day_negative(v, rng);
    }
    if rng.random_bool(0.6) {
        day_case(v, rng, true);
    }
}
