//! Which of the 31 processes of the policy annex (seeds/processes.toml) the
//! tables and rules watch.

use serde::Deserialize;

pub const PROCESSES: &str = include_str!("../seeds/processes.toml");

#[derive(Debug, Deserialize)]
pub struct Process {
    pub no: u32,
    pub name: String,
    pub group: String,
    pub tables: Vec<String>,
    pub rules: Vec<String>,
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

/// The coverage table as text; codes planned but not in the registry are
/// marked with `?`.
pub fn render() -> String {
    let mut s = String::new();
    let ps = processes();
    let mut covered = 0;
    for p in &ps {
        let rules: Vec<String> = p
            .rules
            .iter()
            .map(|c| {
                if crate::rules::find(c).is_some() {
                    c.clone()
                } else {
                    format!("{c}?")
                }
            })
            .collect();
        if p.rules.iter().any(|c| crate::rules::find(c).is_some()) {
            covered += 1;
        }
        s.push_str(&format!(
            "{:>2}. [{}] {}\n    tables: {}\n    rules:  {}\n",
            p.no,
            p.group,
            p.name,
            if p.tables.is_empty() {
                "-".into()
            } else {
                p.tables.join(", ")
            },
            if rules.is_empty() {
                "-".into()
            } else {
                rules.join(", ")
            },
        ));
    }
    s.push_str(&format!("{covered} of {} processes watched by at least one rule; `?` = planned, not yet in the registry\n", ps.len()));
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
}
