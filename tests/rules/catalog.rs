//! docs/rules.md and the README's rules table are made here from the
//! registry, and this test fails when the files in the repo differ from
//! what it makes (`WEIQUAN_BLESS=1 cargo test --test rules` rewrites them).
//! Nothing in the binary needs the catalogue, so it lives with its test.

use std::path::Path;

use weiquan::coverage;
use weiquan::rules::{Rule, registry};

use crate::common::bless;

/// Where the README's generated table starts and ends.
const README_BEGIN: &str = "<!-- rules:begin (generated from the registry; do not edit) -->";
const README_END: &str = "<!-- rules:end -->";

/// The README's rules table (between the markers): one row per category,
/// its rules linked, their summaries joined, so the README stays short
/// as the pack grows.
fn readme_table() -> String {
    let mut s = String::from("| category | rules | what they flag |\n|---|---|---|\n");
    for c in weiquan::Category::ALL {
        let rules: Vec<&dyn Rule> = registry()
            .iter()
            .copied()
            .filter(|r| r.category() == c)
            .collect();
        if rules.is_empty() {
            continue;
        }
        let codes: Vec<String> = rules
            .iter()
            .map(|r| format!("[{}](docs/rules.md#{})", r.code(), anchor(*r)))
            .collect();
        let what: Vec<&str> = rules.iter().map(|r| r.meta().summary).collect();
        s.push_str(&format!(
            "| {} {} | {} | {} |\n",
            c,
            c.label_zh(),
            codes.join(" "),
            what.join("; ")
        ));
    }
    s
}

/// `readme` with the text between the markers replaced by the table;
/// `None` when the markers are missing.
fn with_readme_table(readme: &str) -> Option<String> {
    let a = readme.find(README_BEGIN)? + README_BEGIN.len();
    let b = readme[a..].find(README_END)? + a;
    Some(format!(
        "{}\n{}{}",
        &readme[..a],
        readme_table(),
        &readme[b..]
    ))
}

/// The heading anchor GitHub makes for a rule's section.
fn anchor(r: &dyn Rule) -> String {
    format!("{}-{}", r.code(), r.name()).to_lowercase()
}

/// docs/rules.md: every rule with its declared facts, parameters and doc.
fn rules_markdown() -> String {
    let names: std::collections::BTreeMap<u32, String> = coverage::processes()
        .into_iter()
        .map(|p| (p.no, p.name))
        .collect();
    let mut s = String::from(
        "# The rules\n\n\
         Generated from the registry (`src/rules/mod.rs`) by \
         `WEIQUAN_BLESS=1 cargo test --test rules`; a test fails when this file \
         is stale. `weiquan explain CODE` prints the same documentation, \
         `weiquan coverage` the processes, and `rules/default.toml` holds the \
         parameters' shipped values.\n\n",
    );
    s.push_str("| code | name | category | severity |\n|---|---|---|---|\n");
    for r in registry() {
        s.push_str(&format!(
            "| [{}](#{}) | {} | {} | {} |\n",
            r.code(),
            anchor(*r),
            r.name(),
            r.category(),
            r.severity()
        ));
    }
    for r in registry() {
        let m = r.meta();
        s.push_str(&format!("\n## {} {}\n\n", m.code, m.name));
        s.push_str(&format!("{}.\n\n", m.summary));
        s.push_str(&format!(
            "- category: `{}` ({})\n- default severity: `{}`\n",
            m.category,
            m.category.label_zh(),
            m.severity
        ));
        let needs: Vec<&str> = m.needs.iter().map(|t| t.canonical()).collect();
        s.push_str(&format!(
            "- tables needed: {}\n",
            if needs.is_empty() {
                "none (it reads what is there)".to_string()
            } else {
                needs.join(", ")
            }
        ));
        if m.processes.is_empty() {
            s.push_str("- processes watched: none of the annex's in particular\n");
        } else {
            s.push_str("- processes watched:\n");
            for no in m.processes {
                let name = names.get(no).map(String::as_str).unwrap_or("?");
                s.push_str(&format!("  - {no}. {name}\n"));
            }
        }
        s.push_str("- parameters (defaults):\n");
        let params = r.default_params();
        if params.is_empty() {
            s.push_str("  none\n");
        }
        for (k, v) in &params {
            s.push_str(&format!("  - `{k} = {v}`\n"));
        }
        s.push('\n');
        for line in m.doc.lines() {
            if let Some(h) = line.strip_prefix("## ") {
                s.push_str(&format!("### {h}\n"));
            } else {
                s.push_str(line);
                s.push('\n');
            }
        }
    }
    s
}

fn repo(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn docs_rules_md_is_current() {
    let path = repo("docs/rules.md");
    let want = rules_markdown();
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
    let want = with_readme_table(&have).expect("README.md has the rules markers");
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
    let md = rules_markdown();
    for r in weiquan::rules::registry() {
        assert!(md.contains(&format!("\n## {} {}\n", r.code(), r.name())));
        for k in r.default_params().keys() {
            assert!(md.contains(&format!("`{k} = ")), "{}: {k}", r.code());
        }
    }
}

#[test]
fn registry_lists_each_rule_once_sorted_by_code() {
    let codes: Vec<&str> = registry().iter().map(|r| r.code()).collect();
    for w in codes.windows(2) {
        assert!(w[0] < w[1], "registry: {} before {}", w[0], w[1]);
    }
    let mut names: Vec<&str> = registry().iter().map(|r| r.name()).collect();
    names.sort_unstable();
    let n = names.len();
    names.dedup();
    assert_eq!(names.len(), n, "two rules share a name");
}
