//! The people rules (DUP001–DUP004, DEA001, GHO001, ELG001): a fixture that
//! must fire and a near miss that must not, snapshots of the sorted
//! findings, and thresholds run at two values.

use crate::common::{fixture, render, run_rule};
use weiquan::finding::Finding;

fn subjects(f: &[Finding]) -> Vec<&str> {
    f.iter().map(|f| f.subject_id.as_str()).collect()
}

fn find<'a>(f: &'a [Finding], subject: &str) -> &'a Finding {
    f.iter()
        .find(|x| x.subject_id == subject)
        .unwrap_or_else(|| panic!("{subject} missing:\n{}", render(f)))
}

#[test]
fn duplicate_payment_fires() {
    let f = run_rule("DUP001", &fixture("duplicate_payment/fire"), "");
    assert_eq!(f.len(), 6, "{}", render(&f));
    // Within one village: only the second January payment is extra.
    let w = find(&f, "370102196001010112");
    assert_eq!(w.amount_yuan(), "600.00");
    assert_eq!(w.village_code, "370102001001");
    // Across villages: the finding names the other village.
    let l = find(&f, "370102196202020229");
    assert_eq!(l.amount_yuan(), "1250.40");
    assert_eq!(l.village_code, "370102002001");
    assert!(l.related_ids.contains(&"370102001001".to_string()));
    // A 15-digit id is the same person as its 18-digit form.
    find(&f, "370102195503030311");
    // Identical payments of a per-event program.
    assert_eq!(find(&f, "370103197004040414").amount_yuan(), "2000.00");
    // Three payments: two are extra.
    assert_eq!(find(&f, "370102194007070352").amount_yuan(), "200.00");
    // A yearly program paid by two villages in different months.
    let y = find(&f, "370102199211110473");
    assert_eq!(y.village_code, "370102003001");
    assert!(y.message.contains("2025年度"), "{}", y.message);
}

#[test]
fn duplicate_payment_near_miss() {
    let f = run_rule("DUP001", &fixture("duplicate_payment/near_miss"), "");
    assert!(f.is_empty(), "{}", render(&f));
}

#[test]
fn duplicate_payment_thresholds() {
    let f = run_rule(
        "DUP001",
        &fixture("duplicate_payment/fire"),
        "min-payments = 3",
    );
    assert_eq!(subjects(&f), ["370102194007070352"], "{}", render(&f));
    // Without yearly programs, months differ: no duplicate.
    let f = run_rule(
        "DUP001",
        &fixture("duplicate_payment/fire"),
        "annual-programs = []",
    );
    assert_eq!(f.len(), 5, "{}", render(&f));
    assert!(!subjects(&f).contains(&"370102199211110473"));
    // With no per-event programs, two different 临时救助 payments in a month count.
    let f = run_rule(
        "DUP001",
        &fixture("duplicate_payment/near_miss"),
        "multi-row-programs = []",
    );
    assert_eq!(subjects(&f), ["370103197004040414"], "{}", render(&f));
    assert_eq!(f[0].amount_yuan(), "1500.00");
}

#[test]
fn exclusive_programs_fires() {
    let f = run_rule("DUP002", &fixture("exclusive_programs/fire"), "");
    assert_eq!(f.len(), 4, "{}", render(&f));
    // 低保 ends and 特困 begins in one shared month: the changeover, medium.
    let c = find(&f, "370102199211110473");
    assert_eq!(c.severity.as_str(), "medium");
    assert_eq!(c.evidence["changeover_month_only"], true);
    // Two overlapping months: the 低保 paid in them is at stake.
    let w = find(&f, "370102196001010112");
    assert_eq!(w.amount_yuan(), "1200.00");
    assert_eq!(w.severity.as_str(), "high");
    // Across villages: the yielding program's village, the other named.
    let l = find(&f, "370102196202020229");
    assert_eq!(l.village_code, "370102001001");
    assert!(l.related_ids.contains(&"370102002001".to_string()));
    // A roll that does not say 生活补贴 or 护理补贴: medium, asks which.
    let z = find(&f, "370102195503030311");
    assert_eq!(z.severity.as_str(), "medium");
}

#[test]
fn exclusive_programs_near_miss() {
    let f = run_rule("DUP002", &fixture("exclusive_programs/near_miss"), "");
    assert!(f.is_empty(), "{}", render(&f));
}

#[test]
fn exclusive_programs_table_is_configuration() {
    let f = run_rule(
        "DUP002",
        &fixture("exclusive_programs/fire"),
        "exclusions = []",
    );
    assert!(f.is_empty(), "{}", render(&f));
    let f = run_rule(
        "DUP002",
        &fixture("exclusive_programs/near_miss"),
        "exclusions = [{ yields = [\"城乡低保\"], to = [\"临时救助\"] }]",
    );
    assert_eq!(subjects(&f), ["370103197004040414"], "{}", render(&f));
    assert_eq!(f[0].amount_yuan(), "600.00");
}

#[test]
fn shared_account_fires() {
    let f = run_rule("DUP003", &fixture("shared_account/fire"), "");
    assert_eq!(f.len(), 3, "{}", render(&f));
    // Households from the roll's 户号: two households, two months.
    let a = f
        .iter()
        .find(|x| x.related_ids.contains(&"6228481111".to_string()))
        .expect("roll households");
    assert_eq!(a.severity.as_str(), "high");
    assert_eq!(a.amount_yuan(), "1200.00");
    // Households from the register when the roll leaves 户号 blank.
    let b = f
        .iter()
        .find(|x| x.related_ids.contains(&"6228482222".to_string()))
        .expect("register households");
    assert_eq!(b.severity.as_str(), "high");
    // Households unknown, but two villages on one account: careful, medium.
    let c = f
        .iter()
        .find(|x| x.related_ids.contains(&"6228483333".to_string()))
        .expect("two villages");
    assert_eq!(c.severity.as_str(), "medium");
}

#[test]
fn shared_account_near_miss() {
    let f = run_rule("DUP003", &fixture("shared_account/near_miss"), "");
    assert!(f.is_empty(), "{}", render(&f));
}

#[test]
fn shared_account_unknown_households_threshold() {
    let f = run_rule(
        "DUP003",
        &fixture("shared_account/near_miss"),
        "unknown-household-min-people = 2",
    );
    assert_eq!(f.len(), 1, "{}", render(&f));
    assert!(f[0].related_ids.contains(&"6228480030".to_string()));
    let f = run_rule(
        "DUP003",
        &fixture("shared_account/near_miss"),
        "unknown-household-min-people = 3",
    );
    assert!(f.is_empty(), "{}", render(&f));
}

#[test]
fn two_ids_fires() {
    let f = run_rule("DUP004", &fixture("two_ids/fire"), "");
    assert_eq!(f.len(), 6, "{}", render(&f));
    // Same name in one household (户号), no account: one person.
    let h = find(&f, "370102193906150415");
    assert_eq!(h.related_ids, ["370102194007070352", "H009"]);
    // Only the check character differs: the failing number is the extra one,
    // in the village that pays it.
    let w = find(&f, "370102196001010112");
    assert_eq!(w.related_ids, ["370102001001", "370102196001010113"]);
    assert_eq!(w.village_code, "370102002001");
    assert_eq!(w.amount_yuan(), "600.00");
    // One digit typed wrong.
    assert!(
        find(&f, "370102196202020229")
            .related_ids
            .contains(&"370102196202020329".to_string())
    );
    // Two valid numbers one digit apart: the one paid less often is extra.
    assert!(
        find(&f, "370102195503030311")
            .related_ids
            .contains(&"370102195503030338".to_string())
    );
    // Same name and same account, numbers unrelated.
    let z = f
        .iter()
        .find(|x| x.related_ids.contains(&"6228484444".to_string()))
        .expect("shared account");
    assert_eq!(z.amount_yuan(), "600.00");
    // A typo in the birth date digits: one character apart, accounts differ.
    assert_eq!(
        find(&f, "370102196606060243").related_ids,
        ["370102196606080243"]
    );
}

#[test]
fn two_ids_near_miss() {
    let f = run_rule("DUP004", &fixture("two_ids/near_miss"), "");
    assert!(f.is_empty(), "{}", render(&f));
}

#[test]
fn two_ids_thresholds() {
    // Distance 0: only a differing check character (or a shared account or
    // household) links.
    let f = run_rule("DUP004", &fixture("two_ids/fire"), "max-id-distance = 0");
    assert_eq!(f.len(), 3, "{}", render(&f));
    // Without the same-period requirement the corrected typo and the two
    // programs are reported, at medium severity and with nothing to recover.
    let f = run_rule(
        "DUP004",
        &fixture("two_ids/near_miss"),
        "same-period-only = false",
    );
    assert_eq!(f.len(), 2, "{}", render(&f));
    assert!(
        f.iter()
            .all(|x| x.severity.as_str() == "medium" && x.amount_fen == 0)
    );
}

#[test]
fn deceased_fires() {
    let f = run_rule("DEA001", &fixture("deceased/fire"), "");
    assert_eq!(f.len(), 4, "{}", render(&f));
    // Three months after the month of death; the month of death is normal.
    let w = find(&f, "370102196001010112");
    assert_eq!(w.amount_yuan(), "1800.00");
    assert_eq!(w.evidence["months"], 3);
    // A 15-digit number in the register matches the roll's 18 digits.
    assert_eq!(find(&f, "370102195503030311").amount_yuan(), "950.00");
    // A reversed payment is not overpaid.
    assert_eq!(find(&f, "370103197004040414").amount_yuan(), "100.00");
    // Wages: by account with a stated month, and by id paid in arrears;
    // 丧葬补助 and the death month's wage are not counted.
    let s = find(&f, "370102197208080710");
    assert_eq!(s.amount_yuan(), "4500.00");
    // V007 carries neither id nor account: matched by name and post.
    assert_eq!(s.related_ids, ["V002", "V003", "V007"]);
}

#[test]
fn deceased_near_miss() {
    let f = run_rule("DEA001", &fixture("deceased/near_miss"), "");
    assert!(f.is_empty(), "{}", render(&f));
}

#[test]
fn deceased_thresholds() {
    // No arrears allowed: April's undated wage line pays after death.
    let f = run_rule(
        "DEA001",
        &fixture("deceased/near_miss"),
        "wage-arrears-months = 0",
    );
    assert_eq!(subjects(&f), ["370102197208080710"], "{}", render(&f));
    assert_eq!(f[0].amount_yuan(), "750.00");
    // Without the after-death keywords, the 丧葬补助 counts.
    let f = run_rule(
        "DEA001",
        &fixture("deceased/near_miss"),
        "after-death-keywords = []",
    );
    assert_eq!(subjects(&f), ["370102196001010112"], "{}", render(&f));
    assert_eq!(f[0].amount_yuan(), "3000.00");
}

#[test]
fn ghost_worker_fires() {
    let f = run_rule("GHO001", &fixture("ghost_worker/fire"), "");
    assert_eq!(f.len(), 5, "{}", render(&f));
    // After 离岗: a stated month by account, an undated line past the arrears.
    let s = find(&f, "370102197208080710");
    assert_eq!(s.amount_yuan(), "3000.00");
    assert!(s.related_ids.contains(&"G002".to_string()));
    assert!(s.related_ids.contains(&"G003".to_string()));
    // Before 上岗.
    let w = find(&f, "370102199211110473");
    assert_eq!(w.amount_yuan(), "2000.00");
    assert_eq!(w.related_ids, ["6228487777", "G004"]);
    // Two paid posts in two villages: the later post's village answers.
    let z = find(&f, "37010219850505058X");
    assert_eq!(z.village_code, "370102002001");
    // Two posts, one record written with the 15-digit number.
    find(&f, "370102198707070693");
    // No id number and no account anywhere: the name and the post, medium.
    assert_eq!(find(&f, "370102197003030728").severity.as_str(), "medium");
}

#[test]
fn ghost_worker_near_miss() {
    let f = run_rule("GHO001", &fixture("ghost_worker/near_miss"), "");
    assert!(f.is_empty(), "{}", render(&f));
    // The hire who died: wages after death are DEA001's case, not a ghost.
    let f = run_rule("DEA001", &fixture("ghost_worker/near_miss"), "");
    assert_eq!(subjects(&f), ["370102198707070693"], "{}", render(&f));
}

#[test]
fn ghost_worker_thresholds() {
    // A one-day handover overlap counts when nothing is tolerated.
    let f = run_rule(
        "GHO001",
        &fixture("ghost_worker/near_miss"),
        "min-overlap-days = 0",
    );
    assert_eq!(subjects(&f), ["370102196606060243"], "{}", render(&f));
    // No payment lag to learn: an undated wage 20 days after 离岗 is the
    // last month's pay by default, out with ten days of arrears.
    let f = run_rule("GHO001", &fixture("ghost_worker/no_lag"), "");
    assert!(f.is_empty(), "{}", render(&f));
    let f = run_rule(
        "GHO001",
        &fixture("ghost_worker/no_lag"),
        "arrears-days = 10",
    );
    assert_eq!(subjects(&f), ["370102197208080710"], "{}", render(&f));
    assert_eq!(f[0].amount_yuan(), "1500.00");
}

#[test]
fn ghost_worker_learns_payment_lag() {
    // The village pays wages in the month they are for (stated months, a
    // hire's first wage): an undated wage in the month after 离岗 is out.
    let f = run_rule("GHO001", &fixture("ghost_worker/learnt_lag"), "");
    assert_eq!(subjects(&f), ["370102197208080710"], "{}", render(&f));
    assert_eq!(f[0].related_ids, ["6228485555", "G004"]);
}

#[test]
fn eligibility_bands_fire() {
    let f = run_rule("ELG001", &fixture("eligibility/bands_fire"), "");
    // The band named by the program: 85 on the 90–99 roll; 79 on 高龄津贴.
    assert_eq!(
        subjects(&f),
        ["370102194001010113", "37010219460101023X"],
        "{}",
        render(&f)
    );
}

#[test]
fn eligibility_bands_near_miss() {
    let f = run_rule("ELG001", &fixture("eligibility/bands_near_miss"), "");
    assert!(f.is_empty(), "{}", render(&f));
    let f = run_rule(
        "ELG001",
        &fixture("eligibility/bands_near_miss"),
        "band-amounts = [100.0, 200.0, 500.0]",
    );
    assert!(f.is_empty(), "{}", render(&f));
}

#[test]
fn eligibility_band_amounts_and_ages_are_parameters() {
    // Band standards: at 92 the 90 band's 200 applies, so 500 of the 700 is extra.
    let f = run_rule(
        "ELG001",
        &fixture("eligibility/bands_fire"),
        "band-amounts = [100.0, 200.0, 500.0]",
    );
    let a = find(&f, "370102193305050355");
    assert_eq!(a.amount_yuan(), "500.00");
    assert_eq!(a.evidence["reason"], "above_band_amount");
    // A locality paying from 75: the 79-year-old on 高龄津贴 is eligible.
    let f = run_rule(
        "ELG001",
        &fixture("eligibility/bands_fire"),
        "age-bands = [75, 90, 100]",
    );
    assert_eq!(subjects(&f), ["370102194001010113"], "{}", render(&f));
}
