//! The arrows of `src/rules/`: a rule file imports shared code
//! (`rules/common/`, its family's `mod.rs`), never another rule file; shared
//! code imports no rule. A rule file is one that implements `Rule`.

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

/// The module path of a file under src/rules (`split::contracts`, `kinship`).
fn module(root: &Path, p: &Path) -> String {
    let rel = p.strip_prefix(root).unwrap().with_extension("");
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .filter(|c| c != "mod")
        .collect();
    parts.join("::")
}

#[test]
fn no_rule_file_imports_another_rule_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
    let mut all = Vec::new();
    files(&root, &mut all);
    all.sort();
    let text = |p: &PathBuf| std::fs::read_to_string(p).unwrap();
    let rules: Vec<(String, PathBuf)> = all
        .iter()
        .filter(|p| text(p).contains("impl Rule for "))
        .map(|p| (module(&root, p), p.clone()))
        .collect();
    assert!(rules.len() >= 15, "{} rule files found", rules.len());
    let mut problems = Vec::new();
    for p in &all {
        let me = module(&root, p);
        let src = text(p);
        // Code that is not itself a rule file must import none either.
        for (other, _) in &rules {
            if *other == me {
                continue;
            }
            let leaf = other.rsplit("::").next().unwrap();
            let parent = other.rsplit_once("::").map(|(a, _)| a).unwrap_or("");
            let mut needles = vec![format!("crate::rules::{other}")];
            // `super::x` from a sibling of x.
            let my_parent = me.rsplit_once("::").map(|(a, _)| a).unwrap_or("");
            if my_parent == parent {
                needles.push(format!("super::{leaf}"));
            }
            if me.is_empty() {
                // src/rules/mod.rs declares and lists the rules: allowed.
                continue;
            }
            for n in &needles {
                if src.lines().any(|l| {
                    let l = l.trim_start();
                    !l.starts_with("//")
                        && (l.contains(&format!("{n}::"))
                            || l.contains(&format!("{n};"))
                            || l.contains(&format!("{n},")))
                }) {
                    problems.push(format!("{} imports the rule {other}", p.display()));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The layers below and beside the rules import none of them: the loader,
/// matching, the generator, the writers and the leaves.
#[test]
fn loaders_matching_generator_and_writers_import_no_rule() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    for dir in ["dataset", "matching", "gen", "report", "triage"] {
        let mut all = Vec::new();
        files(&src.join(dir), &mut all);
        all.extend(
            ["money.rs", "text.rs", "finding.rs"]
                .iter()
                .map(|f| src.join(f)),
        );
        for p in all {
            let text = std::fs::read_to_string(&p).unwrap();
            if text.lines().any(|l| {
                let l = l.trim_start();
                !l.starts_with("//") && l.contains("crate::rules")
            }) {
                problems.push(p.display().to_string());
            }
        }
    }
    assert!(problems.is_empty(), "import crate::rules: {problems:?}");
}
