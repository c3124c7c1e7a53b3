//! docs/rules.md and the README's rules table are made from the registry:
//! this test fails when the files in the repo differ from what it makes
//! (`WEIQUAN_BLESS=1 cargo test --test rules` rewrites them).

use std::path::Path;

use weiquan::catalog;

use crate::common::bless;

fn repo(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn docs_rules_md_is_current() {
    let path = repo("docs/rules.md");
    let want = catalog::rules_markdown();
    if bless() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/rules.md is stale: WEIQUAN_BLESS=1 cargo test --test rules rewrites it"
    );
}

#[test]
fn readme_rules_table_is_current() {
    let path = repo("README.md");
    let have = std::fs::read_to_string(&path).unwrap();
    let want = catalog::with_readme_table(&have).expect("README.md has the rules markers");
    if bless() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    assert!(
        have == want,
        "README.md's rules table is stale: WEIQUAN_BLESS=1 cargo test --test rules rewrites it"
    );
}

#[test]
fn every_rule_has_its_section_in_docs() {
    let md = catalog::rules_markdown();
    for r in weiquan::rules::registry() {
        assert!(md.contains(&format!("\n## {} {}\n", r.code(), r.name())));
        for k in r.default_params().keys() {
            assert!(md.contains(&format!("`{k} = ")), "{}: {k}", r.code());
        }
    }
}
