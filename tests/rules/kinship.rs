//! KIN001 优亲厚友: one must-fire recipient and one near miss per evidence
//! channel, thresholds at two values, and snapshots of the findings.
//!
//! `kinship/fire`: one recipient per channel (same id, household by register
//! and by roll 户号, account, phone, rare same name, address + homophone,
//! cross-village id, the cadre him/herself, a vendor's legal representative).
//! `kinship/near_miss`: the near miss of each channel (common names, another
//! village, an age the relation rules out, ids that disagree, a homophone
//! alone, an address too coarse or an impossible age gap, a former cadre, a
//! clan village, a household account without a cadre, a cadre's phone as
//! the contact of four villagers, the cadre's own wage and reimbursement).

use std::collections::{BTreeMap, BTreeSet};

use crate::common::{fixture, render, run_rule};
use weiquan::Finding;

const WANG_FANG: &str = "370112197202100226"; // declared spouse, same id + household
const ZHOU_GUIZHI: &str = "370112196709090261"; // in the secretary's household (register)
const LI_MANCANG: &str = "370112194408080175"; // cadre's 户号 on the roll
const SUN_LI: &str = "370112197601010287"; // paid into a declared brother's account
const ZHAO_HAIYANG: &str = "370112199003030391"; // a declared daughter-in-law's phone
const LI_XIAOLONG: &str = "370112199607070191"; // declared son without id, rare name
// (a namesake born 1940 cannot be the son)
const LI_ZHENHUA: &str = "370112196801200355"; // same address + homophone of 李震華
const ZHANG_WEIHONG: &str = "370112197803030243"; // relative of another village's cadre
const ZHANG_WEIDONG: &str = "370112197508080512"; // the cadre him/herself
const COMPANY: &str = "91370112MA3C00001X"; // legal representative is a declared brother
const ZHAO_DEFU: &str = "370112196204040154"; // same address (2 households), surname, sibling age
const ZHAO_LIJUAN: &str = "370112199206060283"; // roll misspells 赵丽娟 (declared, no id) as 赵莉娟
const LI_HONGXIA: &str = "370112197809090263"; // a cadre's 误工补贴, but she is the director's sister
/// Declared without id as 张伟平 (弟弟); the roll writes 张卫平, born five
/// years after the cadre: a homophone whose age fits the relation.
const ZHANG_WEIPING: &str = "370112198006060516";

fn subjects(f: &[Finding]) -> BTreeSet<&str> {
    f.iter().map(|f| f.subject_id.as_str()).collect()
}

/// Channels of the strongest cadre link, per subject.
fn channels(f: &[Finding]) -> BTreeMap<String, BTreeSet<String>> {
    f.iter()
        .map(|f| {
            let chans = f.evidence["links"][0]["channels"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["channel"].as_str().map(str::to_string))
                .collect();
            (f.subject_id.clone(), chans)
        })
        .collect()
}

#[test]
fn kinship_fires_once_per_channel() {
    let f = run_rule("KIN001", &fixture("kinship/fire"), "");
    let expect: [(&str, &[&str]); 14] = [
        (WANG_FANG, &["same_id", "same_household"]),
        (ZHOU_GUIZHI, &["same_household"]),
        (LI_MANCANG, &["same_household"]),
        (SUN_LI, &["same_account"]),
        (ZHAO_HAIYANG, &["same_phone"]),
        (LI_XIAOLONG, &["same_name"]),
        (LI_ZHENHUA, &["same_address_surname_age", "homophone"]),
        (ZHANG_WEIHONG, &["same_id"]),
        (ZHANG_WEIDONG, &["same_id", "same_household"]),
        (COMPANY, &["same_id"]),
        (ZHAO_DEFU, &["same_address_surname_age"]),
        (ZHAO_LIJUAN, &["same_name", "homophone"]),
        (LI_HONGXIA, &["same_id"]),
        (ZHANG_WEIPING, &["homophone"]),
    ];
    let got = channels(&f);
    assert_eq!(f.len(), expect.len(), "{}", render(&f));
    for (subject, chans) in expect {
        let want: BTreeSet<String> = chans.iter().map(|s| s.to_string()).collect();
        assert_eq!(got.get(subject), Some(&want), "{subject}:\n{}", render(&f));
    }
    for x in &f {
        assert!(x.message.contains("单独登记备案"), "{}", x.message);
        assert_eq!(x.category, weiquan::Category::Kinship);
    }
    // The cadre's own 误工补贴 (PZ2025-001) is routine; the spouse's is not.
    let wang = f.iter().find(|x| x.subject_id == WANG_FANG).unwrap();
    assert!(wang.related_ids.contains(&"PZ2025-002".to_string()));
    assert!(
        f.iter()
            .all(|x| !x.related_ids.contains(&"PZ2025-001".to_string()))
    );
    // The ledger line paying the contract is evidence, not a second amount.
    let company = f.iter().find(|x| x.subject_id == COMPANY).unwrap();
    assert_eq!(company.amount_yuan(), "180000.00");
    assert!(company.related_ids.contains(&"PZ2025-004".to_string()));
    assert!(
        company
            .related_ids
            .contains(&"370112197406150137".to_string())
    );
    // The name-only ledger line joins the hire of the same person.
    let li = f.iter().find(|x| x.subject_id == LI_XIAOLONG).unwrap();
    assert!(li.related_ids.contains(&"PZ2025-003".to_string()));
}

#[test]
fn kinship_near_miss() {
    let f = run_rule("KIN001", &fixture("kinship/near_miss"), "");
    assert!(f.is_empty(), "{}", render(&f));
}

#[test]
fn kinship_min_score() {
    // At 75 the phone-only and address-only cases drop.
    let f = run_rule("KIN001", &fixture("kinship/fire"), "min-score = 75.0");
    let s = subjects(&f);
    assert_eq!(s.len(), 12, "{}", render(&f));
    assert!(!s.contains(ZHAO_DEFU) && !s.contains(ZHAO_HAIYANG));
    assert!(
        s.contains(ZHANG_WEIPING),
        "a homophone with a fitting age weighs 75"
    );
    assert!(s.contains(LI_XIAOLONG) && s.contains(LI_ZHENHUA));
    // At 40 the near misses that carry one weak channel show (a homophone
    // of a relative declared as 姑奶奶 or 侄子, relations that say nothing
    // of age; an address of three households); a common name two people carry (30) and those
    // with no evidence at all (a homophone whose age the declared relation
    // rules out, another village, ids that disagree, a former cadre,
    // surname only, a clan neighbour at the next number, a shared
    // household account, a crowded phone) still do not.
    let f = run_rule("KIN001", &fixture("kinship/near_miss"), "min-score = 40.0");
    let names: BTreeSet<String> = f
        .iter()
        .map(|x| {
            x.evidence["recipient"]["name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let want: BTreeSet<String> = ["李凤英", "张卫国", "李德旺"].map(String::from).into();
    assert_eq!(names, want, "{}", render(&f));
}

#[test]
fn kinship_channel_parameters() {
    let near = fixture("kinship/near_miss");
    let names = |f: &[Finding]| -> BTreeSet<String> {
        f.iter()
            .map(|x| {
                x.evidence["recipient"]["name"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let set = |v: &[&str]| -> BTreeSet<String> { v.iter().map(|s| s.to_string()).collect() };
    // Two 王伟 live in the village: each match is worth half, and a common
    // name less again (75 × 0.8 / 2 = 30); at full factor and with the
    // threshold at 35 it shows.
    let f = run_rule(
        "KIN001",
        &near,
        "common-name-factor = 1.0\nmin-score = 35.0",
    );
    assert!(names(&f).contains("王伟"), "{}", render(&f));
    let f = run_rule("KIN001", &near, "min-score = 35.0");
    assert!(!names(&f).contains("王伟"), "{}", render(&f));
    // 李德旺 shares the cadre's address with two other households: 2/3 of
    // the weight; a weight of 90 carries it past the threshold. The clan
    // neighbour at 3组13号 (same surname, a brother's age) stays out:
    // another address.
    let f = run_rule("KIN001", &near, "weight-address = 90.0");
    assert_eq!(names(&f), set(&["李德旺"]), "{}", render(&f));
    // Four villagers share the cadre's phone: a contact at 3, kin at 4.
    let f = run_rule("KIN001", &near, "max-contact-sharers = 4");
    assert_eq!(
        names(&f),
        set(&["周老汉", "吴老太", "郑老汉", "冯老太"]),
        "{}",
        render(&f)
    );
    // The former cadre's spouse is linked when the term reaches far enough.
    let f = run_rule("KIN001", &near, "after-term-days = 5000");
    assert_eq!(names(&f), set(&["孙秀珍"]), "{}", render(&f));
    // 张庄村 is six households' address: too coarse at 3, evidence at 6.
    // With the homophone of 张伟国 (45) and 2/6 of the address weight it
    // reaches 57: above a threshold of 50, which the homophone alone is not.
    let f = run_rule(
        "KIN001",
        &near,
        "max-address-households = 6\nmin-score = 50.0",
    );
    assert_eq!(names(&f), set(&["张卫国"]), "{}", render(&f));
    let f = run_rule("KIN001", &near, "min-score = 50.0");
    assert!(f.is_empty(), "{}", render(&f));
    // 李凤英 is 52 years older than the cadre: a parent only if gaps reach 55.
    let f = run_rule("KIN001", &near, "parent-child-gap-years = [18, 55]");
    assert_eq!(names(&f), set(&["李凤英"]), "{}", render(&f));
    // Without the summary list, the cadre's own reimbursement (paid to the
    // common name 李强 without id, so only at a full common-name factor) is
    // reported; the 应付工资 line stays exempt by its 科目.
    let f = run_rule(
        "KIN001",
        &near,
        "cadre-exempt-summaries = []\ncommon-name-factor = 1.0",
    );
    assert_eq!(names(&f), set(&["李强"]), "{}", render(&f));
    let li = f
        .iter()
        .find(|x| x.evidence["recipient"]["name"] == "李强")
        .unwrap();
    assert_eq!(li.related_ids, ["PZ2025-002"]);

    let fire = fixture("kinship/fire");
    let f = run_rule("KIN001", &fire, "exempt-programs = [\"耕地地力保护补贴\"]");
    assert!(!subjects(&f).contains(ZHANG_WEIDONG), "{}", render(&f));
    assert_eq!(f.len(), 13);
    let f = run_rule("KIN001", &fire, "other-village-factor = 0.6");
    assert!(!subjects(&f).contains(ZHANG_WEIHONG), "{}", render(&f));
    assert_eq!(f.len(), 13);
    let f = run_rule("KIN001", &fire, "weight-phone = 50.0");
    assert!(!subjects(&f).contains(ZHAO_HAIYANG), "{}", render(&f));
}
