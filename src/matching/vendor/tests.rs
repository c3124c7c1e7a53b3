use super::*;

fn rec<'a>(
    code: &'a str,
    id: &'a str,
    name: &'a str,
    rep: &'a str,
    rep_id: &'a str,
) -> VendorRecord<'a> {
    let o = |s: &'a str| (!s.is_empty()).then_some(s);
    VendorRecord {
        credit_code: o(code),
        id_number: o(id),
        account: None,
        name: o(name),
        legal_rep: o(rep),
        legal_rep_id: o(rep_id),
    }
}

#[test]
fn company_suffixes_and_brackets_compare_equal() {
    let k = company_name_key("宏达建筑有限公司");
    for v in [
        "宏达建筑有限责任公司",
        "宏达建筑（济南）有限公司",
        "宏达建筑(济南)有限公司",
        "宏 达 建 筑　有 限 公 司",
        "宏達建築有限公司",
        "宏达建筑公司",
        "宏达建筑股份有限公司",
        "【历城】宏达建筑有限公司",
    ] {
        assert_eq!(company_name_key(v), k, "{v}");
    }
    assert_ne!(company_name_key("宏达建筑有限公司历城分公司"), k);
    assert_ne!(company_name_key("宏远建筑有限公司"), k);
    assert_eq!(company_name_key("有限公司"), "有限公司");
    assert_eq!(company_name_key(""), "");
    assert_eq!(company_name_key("张 伟"), "张伟");
}

#[test]
fn vendor_key_prefers_credit_code_then_id_then_name() {
    assert_eq!(
        vendor_key(
            Some("91370102MA3C000000"),
            Some("370102199001010011"),
            Some("甲")
        ),
        Some((KeyKind::CreditCode, "91370102MA3C000000".into()))
    );
    assert_eq!(
        vendor_key(Some(" "), Some("370102199001010011"), Some("甲")),
        Some((KeyKind::IdNumber, "370102199001010011".into()))
    );
    assert_eq!(
        vendor_key(None, None, Some("张　伟")),
        Some((KeyKind::Name, "张伟".into()))
    );
    assert_eq!(vendor_key(None, None, Some("  ")), None);
}

#[test]
fn groups_by_code_name_and_legal_rep() {
    let recs = vec![
        rec("C1", "", "宏达建筑有限公司", "王强", "R1"), // 0
        rec("", "", "宏达建筑有限责任公司", "", ""),     // 1 joins 0 by name
        rec("C2", "", "远航土石方有限公司", "王强", "R1"), // 2 joins 0 by rep
        rec("C3", "", "路通公司", "李明", "R2"),         // 3 alone
        rec("", "P1", "张伟", "", ""),                   // 4 individual
        rec("", "P2", "张伟", "", ""),                   // 5 another 张伟
        rec("", "", "张伟", "", ""),                     // 6 ambiguous: alone
        rec("C4", "", "鑫源公司", "", "P1"),             // 7 P1 represents it: joins 4
    ];
    let v = Vendors::group(&recs, &LinkOptions::default());
    let groups = v.describe_all(&recs);
    let g = |i: usize| v.group_of[i].unwrap();
    assert_eq!(g(0), g(1));
    assert_eq!(g(0), g(2));
    assert_ne!(g(0), g(3));
    assert_ne!(g(4), g(5));
    assert_ne!(g(6), g(4));
    assert_ne!(g(6), g(5));
    assert_eq!(g(7), g(4));
    let grp = &groups[g(0)];
    assert_eq!(grp.key, "C1");
    assert_eq!(grp.display_name(), "宏达建筑有限公司");
    assert!(grp.linked_by_legal_rep);
    assert!(!groups[g(3)].linked_by_legal_rep);
    assert_eq!(groups[g(4)].key, "C4");
    assert_eq!(groups[g(6)].key, "张伟");

    let no_rep = LinkOptions {
        by_legal_rep: false,
        ..LinkOptions::default()
    };
    let v = Vendors::group(&recs, &no_rep);
    assert_ne!(v.group_of[0], v.group_of[2]);
}

#[test]
fn organisations_join_by_name_across_identity_kinds() {
    let acct = |a: &'static str, name: &'static str| VendorRecord {
        account: Some(a),
        name: Some(name),
        ..VendorRecord::default()
    };
    let recs = vec![
        acct("6228001", "济南润创水电安装工程有限公司"), // 0 ledger payee by account
        rec("C1", "", "济南润创水电安装工程有限责任公司", "", ""), // 1 contract
        rec("C2", "", "济南润创水电安装工程有限公司", "", ""), // 2 another code
        acct("6228002", "张伟"),                         // 3 a villager
        rec("", "P1", "张伟", "", ""),                   // 4 a contractor
    ];
    let v = Vendors::group(&recs, &LinkOptions::default());
    assert_eq!(v.group_of[0], v.group_of[1]);
    assert_ne!(v.group_of[1], v.group_of[2]);
    assert_ne!(v.group_of[3], v.group_of[4]);
    let off = LinkOptions {
        organisations_by_name: false,
        ..LinkOptions::default()
    };
    let v = Vendors::group(&recs, &off);
    assert_ne!(v.group_of[0], v.group_of[1]);
    assert!(looks_like_organisation("李记五金店"));
    assert!(looks_like_organisation("济南宏达建筑"));
    assert!(!looks_like_organisation("济南宏达"));
    assert!(!looks_like_organisation("欧阳明华"));
    assert!(!looks_like_organisation("买买提·艾力"));
}

#[test]
fn legal_rep_by_name_only_when_unambiguous() {
    let recs = vec![
        rec("C1", "", "甲公司", "王强", ""),
        rec("C2", "", "乙公司", "王 强", ""),
        rec("C3", "", "丙公司", "李明", "R1"),
        rec("C4", "", "丁公司", "李明", "R2"),
        rec("C5", "", "戊公司", "李明", ""),
    ];
    let v = Vendors::group(&recs, &LinkOptions::default());
    assert_eq!(v.group_of[0], v.group_of[1]);
    assert_ne!(v.group_of[2], v.group_of[3]);
    assert_ne!(v.group_of[4], v.group_of[2]);
    assert_ne!(v.group_of[4], v.group_of[3]);
    let strict = LinkOptions {
        legal_rep_by_name: false,
        ..LinkOptions::default()
    };
    let v = Vendors::group(&recs, &strict);
    assert_ne!(v.group_of[0], v.group_of[1]);
}
