//! `weiquan serve`'s pages in headless Chromium ([`crate::cdp`]): an
//! officer logs in, filters, opens a case, sets it to 处理中 with an
//! assignee and sees the history; two officers edit one case and the
//! second gets the conflict; a viewer sees masked numbers and no edit
//! control; injected markup stays text. Skipped with a message when no
//! Chromium is installed, unless WEIQUAN_REQUIRE_CHROMIUM is set (CI).

use serde_json::json;
use weiquan::triage::Store;

use crate::cdp::{Browser, Tab};
use crate::serve::{ID_NUMBER, OFFICER, OFFICER2, Served, VIEWER, XSS, serve};

fn browser() -> Option<Browser> {
    crate::report_html::chromium().map(|c| Browser::launch(&c))
}

fn log_in(b: &mut Browser, s: &Served, who: (&str, &str)) -> Tab {
    let tab = b.tab();
    tab.goto(b, &s.url());
    tab.wait(b, "!document.querySelector('#login').hidden");
    tab.type_into(b, "#login-user", who.0);
    tab.type_into(b, "#login-password", who.1);
    tab.click(b, "#login-submit");
    tab.wait(b, "document.querySelector('#queue-table')");
    tab
}

fn open_case(b: &mut Browser, tab: &Tab, s: &Served, case_id: &str) {
    tab.goto(b, &format!("{}/#/case/{case_id}", s.url()));
    tab.wait(
        b,
        &format!("document.querySelector('#case-title') && document.querySelector('#case-title').textContent.includes({})", json!(case_id)),
    );
}

#[test]
fn an_officer_filters_opens_a_case_takes_it_on_and_sees_the_history() {
    let Some(mut b) = browser() else { return };
    let s = serve();
    let tab = log_in(&mut b, &s, OFFICER);
    assert_eq!(tab.text(&mut b, "#queue-total"), "第 1 / 1 页，共 33 条");

    tab.choose(&mut b, "#f-category", "kinship");
    tab.type_into(&mut b, "#f-q", "低保");
    tab.click(&mut b, "#f-apply");
    tab.wait(
        &mut b,
        "document.querySelector('#queue-total').dataset.total === '1'",
    );
    let id = s.case_of(ID_NUMBER);
    assert_eq!(
        tab.eval(
            &mut b,
            "document.querySelector('#queue-table tbody tr').dataset.id"
        ),
        json!(id)
    );

    tab.click(&mut b, "#queue-table tbody a.case-link");
    tab.wait(&mut b, "document.querySelector('#e-save')");
    assert!(
        tab.text(&mut b, "#evidence")
            .contains("补贴救助发放花名册.xlsx"),
        "the evidence names its file"
    );
    tab.choose(&mut b, "#e-status", "open");
    tab.type_into(&mut b, "#e-assignee", "李明");
    tab.click(&mut b, "#e-save");
    tab.wait(&mut b, "document.querySelector('#e-result') && document.querySelector('#e-result').textContent === '已保存'");
    assert_eq!(tab.text(&mut b, ".case-status"), "处理中");
    assert_eq!(tab.text(&mut b, ".case-assignee"), "李明");
    let history = tab.text(&mut b, "#history");
    assert!(
        history.contains("状态") && history.contains("处理中") && history.contains("网页"),
        "{history}"
    );
    assert!(history.contains(OFFICER.0), "who: {history}");

    let store = Store::open_existing(&s.db).unwrap();
    let case = store.case(&id).unwrap();
    assert_eq!(
        (case.status.as_str(), case.assignee.as_str()),
        ("open", "李明")
    );
    assert!(b.errors().is_empty(), "{:?}", b.errors());
}

#[test]
fn two_officers_edit_one_case_and_the_second_is_shown_the_conflict() {
    let Some(mut b) = browser() else { return };
    let s = serve();
    let id = s.case_of("梨营文具店");
    let li = log_in(&mut b, &s, OFFICER);
    let wang = log_in(&mut b, &s, OFFICER2);
    open_case(&mut b, &li, &s, &id);
    open_case(&mut b, &wang, &s, &id);

    li.type_into(&mut b, "#e-assignee", "李明");
    li.click(&mut b, "#e-save");
    li.wait(
        &mut b,
        "document.querySelector('#e-result').textContent === '已保存'",
    );

    wang.choose(&mut b, "#e-status", "confirmed");
    wang.click(&mut b, "#e-save");
    wang.wait(&mut b, "document.querySelector('#conflict')");
    assert_eq!(
        wang.text(&mut b, "#conflict-table tr:nth-child(3) .theirs"),
        "李明",
        "their save is shown"
    );
    assert_eq!(
        wang.text(&mut b, "#conflict-table tr:nth-child(2) .mine"),
        "已查实",
        "beside mine"
    );
    wang.click(&mut b, "#conflict-overwrite");
    wang.wait(&mut b, "document.querySelector('#e-result') && document.querySelector('#e-result').textContent === '已保存'");

    let case = Store::open_existing(&s.db).unwrap().case(&id).unwrap();
    assert_eq!(case.status.as_str(), "confirmed");
    assert_eq!(case.version, 3);
    assert!(b.errors().is_empty(), "{:?}", b.errors());
}

#[test]
fn a_viewer_sees_masked_numbers_and_no_edit_control() {
    let Some(mut b) = browser() else { return };
    let s = serve();
    let tab = log_in(&mut b, &s, VIEWER);
    let page = tab
        .eval(&mut b, "document.body.innerText")
        .as_str()
        .unwrap()
        .to_string();
    assert!(!page.contains(ID_NUMBER), "{page}");
    assert!(
        page.contains("370102********1234") || page.contains("********"),
        "{page}"
    );
    let controls = "document.querySelectorAll('#bulk, #edit, input.pick, #e-save').length";
    assert_eq!(tab.eval(&mut b, controls), json!(0));
    tab.click(&mut b, "#queue-table tbody a.case-link");
    tab.wait(&mut b, "document.querySelector('#evidence')");
    let case = tab
        .eval(&mut b, "document.body.innerText")
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        !case.contains(ID_NUMBER) && !case.contains("6212070444050920365"),
        "{case}"
    );
    assert_eq!(tab.eval(&mut b, controls), json!(0));
    assert!(b.errors().is_empty(), "{:?}", b.errors());
}

#[test]
fn injected_markup_in_a_name_stays_text() {
    let Some(mut b) = browser() else { return };
    let s = serve();
    let tab = log_in(&mut b, &s, OFFICER);
    let cells = tab.eval(
        &mut b,
        "[...document.querySelectorAll('#queue-table td.subject')].map((e) => e.textContent)",
    );
    assert!(
        cells.as_array().unwrap().iter().any(|c| c == XSS),
        "{cells}"
    );
    open_case(&mut b, &tab, &s, &s.case_of(XSS));
    assert!(tab.text(&mut b, "#case-message").starts_with(XSS));
    assert_eq!(
        tab.eval(
            &mut b,
            "document.querySelectorAll('img, main script').length"
        ),
        json!(0)
    );
    assert_eq!(tab.eval(&mut b, "window.__xss === undefined"), json!(true));
    assert!(b.errors().is_empty(), "{:?}", b.errors());
}
