use super::*;

#[test]
fn relations() {
    assert_eq!(parse_relation("妻子"), Rel::Spouse);
    assert_eq!(parse_relation("配偶"), Rel::Spouse);
    assert_eq!(parse_relation("丈夫"), Rel::Spouse);
    assert_eq!(parse_relation("姐夫"), Rel::Other);
    assert_eq!(parse_relation("长子"), Rel::Child);
    assert_eq!(parse_relation("女儿"), Rel::Child);
    assert_eq!(parse_relation("儿媳"), Rel::ChildInLaw);
    assert_eq!(parse_relation("女婿"), Rel::ChildInLaw);
    assert_eq!(parse_relation("孙女"), Rel::Grandchild);
    assert_eq!(parse_relation("外孙子"), Rel::Grandchild);
    assert_eq!(parse_relation("母亲"), Rel::Parent);
    assert_eq!(parse_relation("外祖母"), Rel::Grandparent);
    assert_eq!(parse_relation("外公"), Rel::Grandparent);
    assert_eq!(parse_relation("弟弟"), Rel::Sibling);
    assert_eq!(parse_relation("兄弟"), Rel::Sibling);
    assert_eq!(parse_relation("侄子"), Rel::Other);
    assert_eq!(parse_relation("户主"), Rel::Itself);
    assert_eq!(parse_relation("朋友"), Rel::Other);
    assert_eq!(compose(Rel::Child, Rel::Itself), Rel::Parent);
    assert_eq!(compose(Rel::Child, Rel::Child), Rel::Sibling);
    assert_eq!(compose(Rel::Itself, Rel::Spouse), Rel::Spouse);
}

#[test]
fn age_gaps() {
    let g = AgeGaps {
        sibling_max: 15,
        parent_child: (18, 50),
    };
    assert!(g.plausible(Rel::Child, 1970, 1995));
    assert!(!g.plausible(Rel::Child, 1970, 1960));
    assert!(g.plausible(Rel::Parent, 1970, 1945));
    assert!(!g.plausible(Rel::Sibling, 1970, 1940));
    assert!(g.plausible(Rel::Other, 1970, 1900));
    assert_eq!(g.fitting(1970, 1975), Some(Rel::Sibling));
    assert_eq!(g.fitting(1970, 1940), Some(Rel::Parent));
    assert_eq!(g.fitting(1970, 1996), Some(Rel::Child));
    assert_eq!(g.fitting(1970, 1987), None);
    assert_eq!(g.fitting(1970, 1900), None);
}

#[test]
fn placeholders_do_not_link() {
    assert_eq!(
        usable_id(Some("370112197003010113")),
        Some("370112197003010113")
    );
    assert_eq!(usable_id(Some("无")), None);
    assert_eq!(usable_id(Some("000000000000000000")), None);
    assert_eq!(usable_id(Some("37011219700301")), None);
    assert_eq!(usable_contact(Some("13800000001")), Some("13800000001"));
    assert_eq!(usable_contact(Some("00000000")), None);
    assert_eq!(usable_contact(Some("0")), None);
}

#[test]
fn streets() {
    assert!(same_street("370112001001", "370112001002"));
    assert!(!same_street("370112001001", "370112002001"));
    assert!(same_street("V1", "V2"));
}
