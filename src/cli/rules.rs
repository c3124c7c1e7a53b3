//! `weiquan rules`, `explain` and `coverage`: what the rule pack holds,
//! read from the registry.

use std::process::ExitCode;

use weiquan::{Error, rules};

use super::arg_error;

/// `rules`: code, category, severity and name of every rule.
pub fn list() -> Result<ExitCode, Error> {
    outln!("{:<8} {:<22} {:<8} name", "code", "category", "severity");
    for r in rules::registry() {
        outln!(
            "{:<8} {:<22} {:<8} {}",
            r.code(),
            r.category().as_str(),
            r.severity().as_str(),
            r.name()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `explain CODE`: a rule's documentation, tables and defaults.
pub fn explain(code: &str) -> Result<ExitCode, Error> {
    let r = rules::find(code).ok_or_else(|| {
        arg_error(
            "explain",
            format!("unknown rule `{code}` (see `weiquan rules`)"),
        )
    })?;
    outln!(
        "# {} {} ({}, {})\n",
        r.code(),
        r.name(),
        r.category(),
        r.severity()
    );
    outln!("{}", r.doc());
    outln!(
        "Tables needed: {}",
        r.needs()
            .iter()
            .map(|t| t.canonical())
            .collect::<Vec<_>>()
            .join(", ")
    );
    outln!(
        "\nDefaults:\n{}",
        toml::to_string(&r.default_params()).unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

/// `coverage`: which policy processes the rules watch.
pub fn coverage() -> Result<ExitCode, Error> {
    out!("{}", weiquan::coverage::render());
    Ok(ExitCode::SUCCESS)
}
