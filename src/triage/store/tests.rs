use super::run::{describe_change, fact_json, write_fact};
use super::*;
use crate::finding::Outbound;

#[test]
fn change_descriptions_name_what_moved() {
    let r = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        describe_change(150_000, 230_000, &r(&["A"]), &r(&["A", "B"]), 1, 1),
        "金额1,500元→2,300元；新增关联B"
    );
    assert_eq!(describe_change(1, 1, &r(&[]), &r(&[]), 1, 2), "发现条数1→2");
}

#[test]
fn a_run_is_recorded_with_a_large_page_cache() {
    // One scan writes tens of MB in one transaction; SQLite's default
    // 2 MB cache spills it to disk mid-way (write phase at 2,000
    // villages 2.6 → 2.1 s with 64 MB).
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("w.db")).unwrap();
    let kib: i64 = store
        .conn
        .pragma_query_value(None, "cache_size", |r| r.get(0))
        .unwrap();
    assert_eq!(kib, -65536);
}

#[test]
fn facts_are_written_as_version_1_wrote_them() {
    // Same text, byte for byte: a recurring run over a store written by
    // an older weiquan rewrites no fact whose finding did not change.
    let mut f = Finding::new(
        "KIN001",
        Category::Kinship,
        Severity::High,
        "370102001001",
        "37010219900101123X",
    );
    f.finding_id = "0123456789abcdef".into();
    f.related_ids = vec!["A".into(), "B<&>\"".into()];
    f.amount_fen = -123_456_789;
    f.score = 97;
    f.message = "张三（主任本人）领取\n补贴".into();
    f.evidence = serde_json::json!({
        "z": [1, 2.5, null, true], "a": {"名": "李四", "x": "1\u{2028}"}, "m": -0.0
    });
    let mut buf = Vec::new();
    let one = [f.clone()];
    let out = Outbound::new(&one);
    let (g, evidence) = out.get(0);
    write_fact(&mut buf, g, evidence);
    let old = serde_json::to_string(&fact_json(&f)).unwrap();
    assert_eq!(String::from_utf8(buf).unwrap(), old);
    assert_eq!(finding_from_fact(&old).unwrap(), f);
}

#[test]
fn statuses_parse_in_both_languages() {
    for s in Status::ALL {
        assert_eq!(Status::parse(s.as_str()), Some(s));
        assert_eq!(Status::parse(s.label_zh()), Some(s));
    }
    assert_eq!(Status::parse(" 已排除 "), Some(Status::Dismissed));
    assert_eq!(Status::parse("已完成"), None);
}

#[test]
fn a_page_is_the_same_slice_of_the_queue_whichever_way_it_is_read() {
    // Above WALK_ABOVE matches a page walks the order and looks marks up;
    // with text, one pass counts too. Either way, the same rows as `list`.
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("q.db")).unwrap();
    let mut findings: Vec<Finding> = (0..2_100)
        .map(|i| {
            let mut f = Finding::new(
                "CSH001",
                Category::CashPayment,
                Severity::Medium,
                &format!("V{}", i % 7),
                &format!("S{i:04}"),
            )
            .score((i % 97) as f64)
            .message(format!("第{i}笔"));
            f.seal();
            f
        })
        .collect();
    crate::finding::sort_findings(&mut findings);
    store
        .record_run(&super::RunInput::default(), &findings)
        .unwrap();
    let new = CaseFilter {
        mark: Some(Mark::New),
        ..CaseFilter::default()
    };
    let text = CaseFilter {
        text: Some("S01".into()),
        ..CaseFilter::default()
    };
    let all = CaseFilter {
        all: true,
        ..CaseFilter::default()
    };
    // Some closed, so that the queue as it opens is not every case.
    let closing: Vec<CaseUpdate> = store.list(&all).unwrap()[..30]
        .iter()
        .map(|c| CaseUpdate {
            case_id: c.case_id.clone(),
            status: Some(Status::Dismissed),
            ..CaseUpdate::default()
        })
        .collect();
    store.apply_updates(&closing, "t", "cli").unwrap();
    for f in [new, text, all, CaseFilter::default()] {
        let all = store.list(&f).unwrap();
        for offset in [0u64, 1_000, 2_080, 5_000] {
            let p = store.page(&f, QueueSort::Score, offset, 50).unwrap();
            assert_eq!(p.total, all.len() as i64);
            let want: Vec<&CaseRow> = all.iter().skip(offset as usize).take(50).collect();
            assert_eq!(p.cases.iter().collect::<Vec<_>>(), want, "offset {offset}");
        }
    }
}

#[test]
fn case_col_count_counts_the_columns_case_cols_selects() {
    let depth = super::CASE_COLS
        .chars()
        .fold((0i32, 1usize), |(d, n), c| match c {
            '(' => (d + 1, n),
            ')' => (d - 1, n),
            ',' if d == 0 => (d, n + 1),
            _ => (d, n),
        });
    assert_eq!(depth.1, super::CASE_COL_COUNT);
}
