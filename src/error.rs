//! One error type for the engine. Every input error names the file, and where
//! it is known the row, the column and the value seen.

use std::path::{Path, PathBuf};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One bad cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    /// Row in the file (or its sheet) as Excel shows it, header = row 1.
    pub row: usize,
    /// The sheet, for a workbook.
    pub sheet: Option<String>,
    /// Canonical column name and the header as written.
    pub column: String,
    pub header: String,
    pub value: String,
    pub reason: String,
}

impl std::fmt::Display for ValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut v: String = self.value.chars().take(60).collect();
        if self.value.chars().count() > 60 {
            v.push('…');
        }
        if let Some(sheet) = &self.sheet {
            write!(f, "sheet {sheet}, ")?;
        }
        write!(f, "row {}, column {}", self.row, self.column)?;
        if self.header != self.column {
            write!(f, " ({})", self.header)?;
        }
        // Reasons may quote the value: cut them too (a 10 MB cell).
        let mut reason: String = self.reason.chars().take(120).collect();
        if self.reason.chars().count() > 120 {
            reason.push('…');
        }
        write!(f, ": {} (value {:?})", reason, v)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {message}", path.display())]
    Io { path: PathBuf, message: String },

    #[error("{}: {message}", path.display())]
    Format { path: PathBuf, message: String },

    #[error("{}: file is empty (no header row)", path.display())]
    Empty { path: PathBuf },

    #[error("{}: missing required column `{column}` of table {table}; accepted headers: {}", path.display(), accepted.join(", "))]
    MissingColumn {
        path: PathBuf,
        table: String,
        column: String,
        accepted: Vec<String>,
    },

    #[error("{}: headers {} (column {}) and {} (column {}) both name column `{column}`", path.display(), first.0, first.1, second.0, second.1)]
    DuplicateColumn {
        path: PathBuf,
        column: String,
        first: (String, usize),
        second: (String, usize),
    },

    #[error("{}: {} bad value(s); {}", path.display(), total, first.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    BadValues {
        path: PathBuf,
        total: usize,
        first: Vec<ValueError>,
    },

    #[error("table {table} given twice: {} and {}", a.display(), b.display())]
    TableTwice {
        table: String,
        a: PathBuf,
        b: PathBuf,
    },

    #[error("{}: not a dataset folder: {message}", path.display())]
    NotADataset { path: PathBuf, message: String },

    #[error("{}: {message}", path.display())]
    Config { path: PathBuf, message: String },

    #[error("rule {rule} failed: {message}")]
    Rule { rule: String, message: String },

    #[error("{}: could not write output: {message}", path.display())]
    Output { path: PathBuf, message: String },
}

impl Error {
    pub fn io(path: &Path, e: impl std::fmt::Display) -> Error {
        Error::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }
    pub fn format(path: &Path, e: impl std::fmt::Display) -> Error {
        Error::Format {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }
    pub fn config(path: &Path, e: impl std::fmt::Display) -> Error {
        Error::Config {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }
    pub fn output(path: &Path, e: impl std::fmt::Display) -> Error {
        Error::Output {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }
    /// A rule's error before the engine names the rule ([`Error::in_rule`]):
    /// rules and the code they share need not know which rule they serve.
    pub fn in_a_rule(e: impl std::fmt::Display) -> Error {
        Error::Rule {
            rule: String::new(),
            message: e.to_string(),
        }
    }

    /// A rule's own error (`in_a_rule`) named as rule `code`'s: the engine
    /// calls this on whatever a rule returns.
    pub fn in_rule(self, code: &str) -> Error {
        match self {
            Error::Rule { rule, message } if rule.is_empty() => Error::Rule {
                rule: code.to_string(),
                message,
            },
            // Another kind of error (a file a rule read) keeps its kind and
            // its exit code, as before the engine named rules.
            e => e,
        }
    }

    /// Exit codes (docs/trust.md): 1 bad input, 2 bad configuration, 4 internal or
    /// output failure. 3 is `--fail-on`.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config { .. } => 2,
            Error::Rule { .. } | Error::Output { .. } => 4,
            _ => 1,
        }
    }
}

#[cfg(test)]
mod rule_error_tests {
    use super::*;

    #[test]
    fn the_engine_names_a_rules_own_errors_and_keeps_other_kinds() {
        let e = Error::in_a_rule("column gone").in_rule("CSH001");
        assert_eq!(e.to_string(), "rule CSH001 failed: column gone");
        assert_eq!(e.exit_code(), 4);
        // Named once: a second name does not replace the first.
        assert!(e.in_rule("DEC001").to_string().contains("CSH001"));
        let io = Error::io(Path::new("x.csv"), "gone").in_rule("CSH001");
        assert!(matches!(io, Error::Io { .. }));
        assert_eq!(io.exit_code(), 1);
    }
}
