//! Rule settings: `rules/default.toml`, one table per rule code. Unknown
//! rules and unknown keys are errors that name the key and the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::rules::{self, Rule};

pub const DEFAULT_RULES: &str = include_str!("../rules/default.toml");

#[derive(Clone)]
pub struct RuleSetting {
    pub rule: &'static dyn Rule,
    pub enabled: bool,
    /// Every parameter, defaults filled in.
    pub params: toml::Table,
}

#[derive(Clone)]
pub struct RulesConfig {
    pub source: PathBuf,
    pub rules: Vec<RuleSetting>,
}

impl RulesConfig {
    /// The shipped defaults (compiled in: a binary works without its checkout).
    pub fn builtin() -> RulesConfig {
        RulesConfig::parse(DEFAULT_RULES, Path::new("rules/default.toml"))
            .expect("shipped rules file is valid")
    }

    pub fn from_file(path: &Path) -> Result<RulesConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::config(path, e))?;
        RulesConfig::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<RulesConfig> {
        let table: toml::Table =
            toml::from_str(text).map_err(|e| Error::config(path, e.message()))?;
        let mut given: BTreeMap<&'static str, toml::Table> = BTreeMap::new();
        for (key, value) in table {
            let rule = rules::find(&key).ok_or_else(|| {
                Error::config(
                    path,
                    format!("unknown rule `{key}` (see `weiquan rules` for the codes)"),
                )
            })?;
            let toml::Value::Table(t) = value else {
                return Err(Error::config(
                    path,
                    format!("`{key}` must be a table: [{key}]"),
                ));
            };
            given.insert(rule.code(), t);
        }
        let mut rules_out = Vec::new();
        for rule in rules::registry() {
            let mut params = rule.default_params();
            let mut enabled = true;
            if let Some(mut t) = given.remove(rule.code()) {
                if let Some(e) = t.remove("enabled") {
                    enabled = e.as_bool().ok_or_else(|| {
                        Error::config(
                            path,
                            format!("[{}] enabled must be true or false", rule.code()),
                        )
                    })?;
                }
                for k in t.keys() {
                    if !params.contains_key(k) {
                        let known: Vec<&String> = params.keys().collect();
                        return Err(Error::config(
                            path,
                            format!(
                                "[{}] unknown key `{k}`; known keys: enabled, {}",
                                rule.code(),
                                known
                                    .iter()
                                    .map(|s| s.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        ));
                    }
                }
                rule.validate(&t)
                    .map_err(|e| Error::config(path, format!("[{}] {e}", rule.code())))?;
                for (k, v) in t {
                    params.insert(k, v);
                }
            }
            rules_out.push(RuleSetting {
                rule: *rule,
                enabled,
                params,
            });
        }
        Ok(RulesConfig {
            source: path.to_path_buf(),
            rules: rules_out,
        })
    }

    /// Enable or disable rules by code or name (`--enable`, `--disable`).
    pub fn set_enabled(&mut self, codes: &[String], enabled: bool) -> Result<()> {
        for c in codes {
            let rule = rules::find(c).ok_or_else(|| {
                Error::config(
                    Path::new("--enable/--disable"),
                    format!("unknown rule `{c}`"),
                )
            })?;
            for s in &mut self.rules {
                if s.rule.code() == rule.code() {
                    s.enabled = enabled;
                }
            }
        }
        Ok(())
    }

    /// Run only these rules (`--only`).
    pub fn only(&mut self, codes: &[String]) -> Result<()> {
        for s in &mut self.rules {
            s.enabled = false;
        }
        self.set_enabled(codes, true)
    }

    pub fn setting(&self, code: &str) -> Option<&RuleSetting> {
        self.rules.iter().find(|s| s.rule.code() == code)
    }

    /// Parameters that differ from the shipped defaults, for the manifest.
    pub fn differences_from_default(&self) -> Vec<(String, String, toml::Value)> {
        let mut out = Vec::new();
        for s in &self.rules {
            let d = s.rule.default_params();
            for (k, v) in &s.params {
                if d.get(k) != Some(v) {
                    out.push((s.rule.code().to_string(), k.clone(), v.clone()));
                }
            }
            if !s.enabled {
                out.push((
                    s.rule.code().to_string(),
                    "enabled".into(),
                    toml::Value::Boolean(false),
                ));
            }
        }
        out
    }

    /// A copy with one parameter of one rule replaced, checked as a rules
    /// file would be (`weiquan tune`). The key is the kebab-case key of
    /// `rules/default.toml`.
    pub fn with_param(&self, code: &str, key: &str, value: toml::Value) -> Result<RulesConfig> {
        let mut out = self.clone();
        let origin = Path::new("--param");
        let s = out
            .rules
            .iter_mut()
            .find(|s| s.rule.code() == code)
            .ok_or_else(|| Error::config(origin, format!("unknown rule `{code}`")))?;
        if !s.params.contains_key(key) {
            return Err(Error::config(
                origin,
                format!("[{code}] unknown key `{key}`"),
            ));
        }
        let shown = value.to_string();
        s.params.insert(key.to_string(), value);
        s.rule.validate(&s.params).map_err(|e| {
            Error::config(
                origin,
                format!("[{code}] {key} = {shown} is not valid: {e}"),
            )
        })?;
        Ok(out)
    }

    /// Render as a rules file (the tuner's `--write`).
    pub fn to_toml(&self) -> String {
        let mut s = String::from(
            "# weiquan rule parameters: one table per rule code (`weiquan explain CODE`).\n",
        );
        for r in &self.rules {
            s.push_str(&format!("\n# {} — {}\n", r.rule.name(), r.rule.category()));
            // Serialised under the rule's code, so that nested tables and
            // arrays of tables (`[[DUP002.exclusions]]`) keep their prefix.
            let mut body = toml::Table::new();
            if !r.enabled {
                body.insert("enabled".into(), toml::Value::Boolean(false));
            }
            body.extend(r.params.clone());
            let mut wrapper = toml::Table::new();
            wrapper.insert(r.rule.code().to_string(), toml::Value::Table(body));
            s.push_str(&toml::to_string(&wrapper).expect("params serialise"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_file_matches_rule_defaults() {
        let cfg = RulesConfig::builtin();
        for s in &cfg.rules {
            assert_eq!(
                s.params,
                s.rule.default_params(),
                "rules/default.toml drifted from {} defaults",
                s.rule.code()
            );
            assert!(s.enabled);
        }
        let table: toml::Table = toml::from_str(DEFAULT_RULES).unwrap();
        for r in rules::registry() {
            let t = table.get(r.code()).and_then(|v| v.as_table());
            let t = t.unwrap_or_else(|| panic!("rules/default.toml lacks [{}]", r.code()));
            for k in r.default_params().keys() {
                assert!(
                    t.contains_key(k),
                    "rules/default.toml lacks {}.{k}",
                    r.code()
                );
            }
        }
    }

    #[test]
    fn unknown_key_names_key_and_file() {
        let e = RulesConfig::parse("[CSH001]\nlimt = 5\n", Path::new("my.toml"))
            .err()
            .unwrap();
        let s = e.to_string();
        assert!(s.contains("limt") && s.contains("my.toml"), "{s}");
        assert_eq!(e.exit_code(), 2);
        let e = RulesConfig::parse("[NOPE9]\n", Path::new("my.toml"))
            .err()
            .unwrap();
        assert!(e.to_string().contains("NOPE9"));
        let e = RulesConfig::parse("[CSH001]\nlimit = \"x\"\n", Path::new("my.toml"))
            .err()
            .unwrap();
        assert!(e.to_string().contains("CSH001"), "{e}");
    }

    #[test]
    fn to_toml_round_trips_every_rule() {
        let mut c = RulesConfig::builtin()
            .with_param("SPL001", "tender-threshold", toml::Value::Float(90000.0))
            .unwrap();
        c.set_enabled(&["CSH001".to_string()], false).unwrap();
        let text = c.to_toml();
        let back = RulesConfig::parse(&text, Path::new("written.toml"))
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        for (a, b) in c.rules.iter().zip(&back.rules) {
            assert_eq!(a.params, b.params, "{}", a.rule.code());
            assert_eq!(a.enabled, b.enabled, "{}", a.rule.code());
        }
        let diff = back.differences_from_default();
        assert_eq!(diff.len(), 2, "{diff:?}");
        assert!(diff.iter().any(|(r, k, v)| r == "SPL001"
            && k == "tender-threshold"
            && v.as_float() == Some(90000.0)));
    }

    #[test]
    fn with_param_validates_the_value() {
        let c = RulesConfig::builtin();
        let e = c
            .with_param("SPL001", "min-pieces", toml::Value::Integer(-1))
            .err()
            .unwrap();
        assert!(e.to_string().contains("min-pieces = -1"), "{e}");
        assert!(
            c.with_param("SPL001", "nope", toml::Value::Integer(1))
                .is_err()
        );
    }

    #[test]
    fn override_and_disable() {
        let c = RulesConfig::parse(
            "[CSH001]\nenabled = false\nlimit = 5000.0\n",
            Path::new("x.toml"),
        )
        .unwrap();
        let s = c.setting("CSH001").unwrap();
        assert!(!s.enabled);
        assert_eq!(s.params["limit"].as_float(), Some(5000.0));
        assert_eq!(c.differences_from_default().len(), 2);
    }
}
