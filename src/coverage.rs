//! Which of the 31 processes of the policy annex (seeds/processes.toml) the
//! tables and rules watch. The processes and their tables are data; which
//! rules watch a process is what each rule declares (`RuleMeta::processes`).

use serde::Deserialize;

pub const PROCESSES: &str = include_str!("../seeds/processes.toml");

#[derive(Debug, Deserialize)]
pub struct Process {
    pub no: u32,
    pub name: String,
    pub group: String,
    pub tables: Vec<String>,
}

#[derive(Deserialize)]
struct File {
    process: Vec<Process>,
}

pub fn processes() -> Vec<Process> {
    toml::from_str::<File>(PROCESSES)
        .expect("seeds/processes.toml is valid")
        .process
}

/// The codes of the rules that declare they watch process `no`, sorted.
pub fn rules_watching(no: u32) -> Vec<&'static str> {
    crate::rules::registry()
        .iter()
        .filter(|r| r.meta().processes.contains(&no))
        .map(|r| r.code())
        .collect()
}

/// The coverage table as text.
pub fn render() -> String {
    let mut s = String::new();
    let ps = processes();
    let mut covered = 0;
    for p in &ps {
        let rules = rules_watching(p.no);
        if !rules.is_empty() {
            covered += 1;
        }
        let list = |v: Vec<&str>| {
            if v.is_empty() {
                "-".to_string()
            } else {
                v.join(", ")
            }
        };
        s.push_str(&format!(
            "{:>2}. [{}] {}\n    tables: {}\n    rules:  {}\n",
            p.no,
            p.group,
            p.name,
            list(p.tables.iter().map(String::as_str).collect()),
            list(rules),
        ));
    }
    s.push_str(&format!(
        "{covered} of {} processes watched by at least one rule\n",
        ps.len()
    ));
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn thirty_one_processes_with_known_tables() {
        let ps = super::processes();
        assert_eq!(ps.len(), 31);
        for (i, p) in ps.iter().enumerate() {
            assert_eq!(p.no as usize, i + 1);
            for t in &p.tables {
                assert!(
                    crate::dataset::TableKind::from_canonical(t).is_some(),
                    "process {} names table {t}",
                    p.no
                );
            }
        }
    }

    #[test]
    fn every_rule_watches_known_processes() {
        for r in crate::rules::registry() {
            for no in r.meta().processes {
                assert!((1..=31).contains(no), "{} names process {no}", r.code());
            }
        }
        // The table shows, under each process, exactly the rules that declare it.
        let text = super::render();
        for p in super::processes() {
            let block = text
                .split_once(&format!("{:>2}. [", p.no))
                .map(|(_, rest)| rest.split_once("rules:  ").unwrap().1)
                .and_then(|rest| rest.lines().next())
                .unwrap();
            let want = super::rules_watching(p.no);
            let shown: Vec<&str> = block.split(", ").filter(|c| *c != "-").collect();
            assert_eq!(shown, want, "process {}", p.no);
        }
    }
}
