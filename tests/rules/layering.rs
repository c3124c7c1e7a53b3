//! The arrows of `src/rules/`: a rule file imports shared code
//! (`rules/common/`, its family's `mod.rs`), never another rule; shared code
//! imports no rule. A rule module is a file that implements `Rule`.
//!
//! Every path a file names through `super::` or `crate::rules::` (in `use`
//! trees with braces, or inline) is expanded to a full module path under
//! `src/rules/`, so `use super::{kinship::Kinship}` is caught as surely as
//! `use crate::rules::kinship::Kinship`.

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file under src/rules (`split::contracts`, `kinship`,
/// `` for mod.rs itself), as segments.
fn module(root: &Path, p: &Path) -> Vec<String> {
    let rel = p.strip_prefix(root).unwrap().with_extension("");
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .filter(|c| c != "mod")
        .collect()
}

/// Source without `//` comments (doc comments name paths in prose).
fn code_only(src: &str) -> String {
    src.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Expand the use tree (or inline path) starting at `s` into paths of
/// segments, appended to `base`. Returns the expanded paths.
fn expand(s: &str, base: &[String], out: &mut Vec<Vec<String>>) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    let mut path = base.to_vec();
    loop {
        while i < b.len() && (b[i] as char).is_whitespace() {
            i += 1;
        }
        if i < b.len() && b[i] == b'{' {
            // A group: its comma-separated subtrees, each under `path`.
            i += 1;
            loop {
                while i < b.len() && matches!(b[i], b' ' | b'\n' | b'\t' | b',') {
                    i += 1;
                }
                if i >= b.len() || b[i] == b'}' {
                    return i + 1;
                }
                i += expand(&s[i..], &path, out);
            }
        }
        let start = i;
        while i < b.len() && is_ident(b[i] as char) {
            i += 1;
        }
        if start == i {
            out.push(path);
            return i;
        }
        let seg = &s[start..i];
        if seg == "super" {
            path.pop();
        } else if seg != "self" {
            path.push(seg.to_string());
        }
        if s[i..].starts_with("::") {
            i += 2;
        } else {
            out.push(path);
            return i;
        }
    }
}

/// Every module path under `src/rules/` that a file of module `me` names.
fn named_paths(src: &str, me: &[String]) -> Vec<Vec<String>> {
    let src = code_only(src);
    let mut out = Vec::new();
    let mut i = 0;
    while i < src.len() {
        let rest = &src[i..];
        let before_ok = i == 0 || !src[..i].ends_with(|c: char| is_ident(c) || c == ':');
        if before_ok && rest.starts_with("crate::rules::") {
            i += "crate::rules::".len();
            i += expand(&src[i..], &[], &mut out).max(1);
        } else if before_ok && rest.starts_with("super::") {
            let mut parent = me.to_vec();
            parent.pop();
            i += "super::".len();
            i += expand(&src[i..], &parent, &mut out).max(1);
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    out
}

/// The rule modules a file of module `me` names, other than itself and
/// its own ancestors (a family's files use their family's `mod.rs`).
fn rules_named(src: &str, me: &[String], rules: &[Vec<String>]) -> Vec<String> {
    let mut hits: Vec<String> = named_paths(src, me)
        .iter()
        .filter_map(|p| {
            rules
                .iter()
                .find(|r| p.starts_with(r) && !me.starts_with(r))
                .map(|r| r.join("::"))
        })
        .collect();
    hits.sort();
    hits.dedup();
    hits
}

#[test]
fn the_check_sees_every_form_of_import() {
    let rules: Vec<Vec<String>> = [["kinship"].as_slice(), &["split", "contracts"]]
        .iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect();
    let me = vec!["cash_payment".to_string()];
    for src in [
        "use super::kinship::Kinship;",
        "use super::{common::util, kinship::{self, Kinship}};",
        "use crate::rules::{\n    split::contracts::Params,\n};",
        "fn f() { super::kinship::helper(); }",
    ] {
        assert!(!rules_named(src, &me, &rules).is_empty(), "missed: {src}");
    }
    for src in [
        "use super::common::util;",
        "// use super::kinship::Kinship;",
        "use crate::rules::split::{Episode, find_episodes};",
    ] {
        assert!(
            rules_named(src, &me, &rules).is_empty(),
            "false alarm: {src}"
        );
    }
    // Inside a family, the family's own mod.rs is not another rule.
    let scan = vec!["kinship".to_string(), "scan".to_string()];
    assert!(rules_named("use super::Params;", &scan, &rules).is_empty());
    let payments = vec!["split".to_string(), "payments".to_string()];
    assert_eq!(
        rules_named("use super::contracts::Params;", &payments, &rules),
        ["split::contracts"]
    );
}

#[test]
fn no_rule_file_imports_another_rule_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
    let mut all = Vec::new();
    files(&root, &mut all);
    all.sort();
    let text = |p: &PathBuf| std::fs::read_to_string(p).unwrap();
    let rules: Vec<Vec<String>> = all
        .iter()
        .filter(|p| text(p).contains("impl Rule for "))
        .map(|p| module(&root, p))
        .collect();
    assert!(rules.len() >= 15, "{} rule files found", rules.len());
    let mut problems = Vec::new();
    for p in &all {
        let me = module(&root, p);
        if me.is_empty() {
            // src/rules/mod.rs declares and lists the rules.
            continue;
        }
        for other in rules_named(&text(p), &me, &rules) {
            problems.push(format!("{} names the rule {other}", p.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The layers below and beside the rules import none of them: the loader,
/// matching, the generator, the writers, the case store and the leaves.
#[test]
fn loaders_matching_generator_and_writers_import_no_rule() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    for dir in ["dataset", "matching", "gen", "report", "triage"] {
        files(&src.join(dir), &mut all);
    }
    all.extend(
        ["money.rs", "text.rs", "finding.rs"]
            .iter()
            .map(|f| src.join(f)),
    );
    let problems: Vec<String> = all
        .iter()
        .filter(|p| code_only(&std::fs::read_to_string(p).unwrap()).contains("crate::rules"))
        .map(|p| p.display().to_string())
        .collect();
    assert!(problems.is_empty(), "import crate::rules: {problems:?}");
}
