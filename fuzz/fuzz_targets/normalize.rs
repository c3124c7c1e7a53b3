#![no_main]
//! Bytes → every value normaliser (dates, periods, amounts, numbers, id
//! numbers, credit codes, names, codes, accounts, village codes, relations,
//! addresses), with the invariants the rules rely on.
use libfuzzer_sys::fuzz_target;
use weiquan::dataset::aliases::header_key;
use weiquan::dataset::id_number as id;
use weiquan::dataset::normalize as n;
use weiquan::matching::{kin, names, vendor};
use weiquan::money;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let s = s.as_ref();

    if let Ok(d) = n::parse_date(s) {
        let days = n::to_epoch_days(d);
        assert_eq!(n::from_epoch_days(days), Some(d));
        let iso = d.format("%Y-%m-%d").to_string();
        assert_eq!(n::parse_date(&iso), Ok(d), "{s:?} -> {iso}");
    }
    if let Ok(p) = n::parse_period(s) {
        assert_eq!(chrono::Datelike::day(&p), 1);
    }
    if let Ok(fen) = n::parse_amount_fen(s) {
        assert!(fen.abs() <= n::MAX_ABS_FEN, "{s:?} -> {fen}");
        let back = money::fen_to_yuan_string(fen);
        assert_eq!(n::parse_amount_fen(&back), Ok(fen), "{s:?} -> {back}");
        let _ = money::fen_to_yuan_display(fen);
    }
    if data.len() >= 8 {
        let x = i64::from_le_bytes(data[..8].try_into().unwrap());
        let _ = money::fen_to_yuan_display(x);
        let _ = money::fen_to_yuan_string(x);
        let _ = n::from_epoch_days(x as i32);
    }
    let _ = n::parse_number(s);
    let _ = n::parse_direction(s);
    let _ = n::clean_text(s);
    let name = n::clean_name(s);
    assert_eq!(n::clean_name(&name), name, "clean_name not idempotent on {s:?}");
    let code = n::clean_code(s);
    assert_eq!(n::clean_code(&code), code, "clean_code not idempotent on {s:?}");
    let _ = n::clean_digits(s);
    let _ = n::clean_account(s);
    if let Ok(v) = n::clean_village_code(s) {
        assert!(!v.is_empty());
    }
    let _ = header_key(s);

    match id::parse_id(s) {
        id::IdParse::Id(v) => {
            assert_eq!(v.len(), 18, "{s:?} -> {v}");
            let _ = id::id_problem(&v);
            let _ = id::birth_date(&v);
            let _ = id::sex(&v);
            let _ = kin::birth_year(&v);
        }
        id::IdParse::ExcelMangled | id::IdParse::Malformed => {}
    }
    let _ = id::id_problem(s);
    let _ = id::birth_date(s);
    let _ = id::sex(s);
    let _ = id::looks_excel_mangled(s);
    let _ = id::upgrade_15(s);
    let _ = id::credit_code_valid(s);
    let _ = id::credit_check_char(s);
    let _ = id::id_check_char(data);

    let _ = names::normalize(s);
    let _ = names::is_person_name(&name);
    let _ = names::loose_key(&name);
    let _ = names::surname(&name);
    let _ = names::given_name(&name);
    let _ = names::simplify(&name);
    let _ = names::pinyin_key(&name);
    let _ = names::pinyin_toned(&name);
    let _ = names::is_common_name(&name);
    let _ = vendor::company_name_key(s);
    let _ = kin::parse_relation(s);
    let _ = kin::address_key(s);
    let _ = kin::usable_id(Some(s));
    let _ = kin::usable_contact(Some(s));
    if let Some((a, b)) = s.split_once('|') {
        let _ = kin::same_street(a, b);
    }
});
