//! `--param` and `--choose`: a parameter's values as the sweep runs them,
//! checked against the rule's parameters and their valid ranges before
//! anything is loaded.

use std::path::Path;

use serde::Serialize;

use crate::config::RulesConfig;
use crate::error::{Error, Result};
use crate::rules::Rule;

/// Most points one sweep may have (a grid counts every cell).
pub const MAX_POINTS: usize = 2000;

pub(super) fn param_error(msg: impl std::fmt::Display) -> Error {
    Error::config(Path::new("--param"), msg)
}

/// One swept parameter and its values.
#[derive(Debug, Clone, Serialize)]
pub struct Axis {
    /// The kebab-case key of `rules/default.toml`.
    pub key: String,
    /// An integer parameter (days, counts): integer values and steps.
    pub integer: bool,
    /// Ascending, deduplicated.
    pub values: Vec<f64>,
    /// The value in the rules file in use (the shipped default without `--rules`).
    pub base: f64,
    /// The shipped default.
    pub shipped: f64,
}

impl Axis {
    pub fn value(&self, v: f64) -> toml::Value {
        if self.integer {
            toml::Value::Integer(v as i64)
        } else {
            toml::Value::Float(v)
        }
    }
}

/// A value as a person writes it: `100000`, `0.85`, `7`.
pub fn show(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// The values a parameter may take, by the kind of its key: shares,
/// similarities, factors and rates are 0–1; score weights and scores are
/// 0–100; every other number (money, days, counts) is at least 0. The rule's
/// own parameter check (types, e.g. a count cannot be negative) runs too.
pub fn valid_range(key: &str) -> (f64, f64) {
    if key.ends_with("-share")
        || key.ends_with("-similarity")
        || key.ends_with("-factor")
        || key.ends_with("-rate")
    {
        (0.0, 1.0)
    } else if key.starts_with("score-") || key.starts_with("weight-") || key.ends_with("-score") {
        (0.0, 100.0)
    } else {
        (0.0, f64::INFINITY)
    }
}

fn range_text(lo: f64, hi: f64) -> String {
    if hi.is_infinite() {
        format!("≥ {}", show(lo))
    } else {
        format!("{}–{}", show(lo), show(hi))
    }
}

fn parse_number(s: &str, integer: bool, key: &str, spec: &str) -> Result<f64> {
    let t = s.trim().replace('_', "");
    if integer {
        t.parse::<i64>().map(|v| v as f64).map_err(|_| {
            param_error(format!(
                "`{spec}`: `{s}` is not a whole number ({key} is an integer parameter)"
            ))
        })
    } else {
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(param_error(format!("`{spec}`: `{s}` is not a number"))),
        }
    }
}

/// Round away the float noise of `from + i * step`.
fn tidy(v: f64) -> f64 {
    let r = (v * 1e9).round() / 1e9;
    if r == 0.0 { 0.0 } else { r }
}

/// Parse `NAME=FROM..TO[:STEP]` or `NAME=V1,V2,…` for `rule`, against the
/// parameters of the rules file in use (`base`). Without a step, integers
/// step by 1 and decimals in ten steps. The base value is added when it lies
/// inside the range but off the steps, so the table always has it.
pub fn parse_axis(spec: &str, rule: &dyn Rule, base: &toml::Table) -> Result<Axis> {
    let code = rule.code();
    let Some((name, range)) = spec.split_once('=') else {
        return Err(param_error(format!(
            "`{spec}`: expected NAME=FROM..TO[:STEP] or NAME=V1,V2,… \
             (e.g. tender-threshold=50000..150000:10000)"
        )));
    };
    let key = name.trim().replace('_', "-");
    let defaults = rule.default_params();
    let numeric: Vec<&str> = defaults
        .iter()
        .filter(|(_, v)| v.is_integer() || v.is_float())
        .map(|(k, _)| k.as_str())
        .collect();
    let Some(shipped_v) = defaults.get(&key) else {
        return Err(param_error(format!(
            "{code} has no parameter `{key}`; numeric parameters: {}",
            numeric.join(", ")
        )));
    };
    let integer = match shipped_v {
        toml::Value::Integer(_) => true,
        toml::Value::Float(_) => false,
        other => {
            let kind = match other {
                toml::Value::Array(_) => "a list",
                toml::Value::Boolean(_) => "true/false",
                toml::Value::String(_) => "text",
                _ => "a table",
            };
            return Err(param_error(format!(
                "{code} {key} is {kind}, not a number: it cannot be swept \
                 (edit it in a rules file instead); numeric parameters: {}",
                numeric.join(", ")
            )));
        }
    };
    let as_f64 = |v: &toml::Value| {
        v.as_integer()
            .map(|i| i as f64)
            .or_else(|| v.as_float())
            .unwrap_or(0.0)
    };
    let shipped = as_f64(shipped_v);
    let base_v = base.get(&key).map(as_f64).unwrap_or(shipped);
    let mut values = axis_values(range.trim(), integer, &key, spec, base_v)?;
    values.sort_by(f64::total_cmp);
    values.dedup();
    let (lo, hi) = valid_range(&key);
    if let Some(bad) = values.iter().find(|v| **v < lo || **v > hi) {
        return Err(param_error(format!(
            "{code} {key} = {} is outside its valid range ({})",
            show(*bad),
            range_text(lo, hi)
        )));
    }
    let axis = Axis {
        key,
        integer,
        values,
        base: base_v,
        shipped,
    };
    // The rule's own check (types; e.g. a count cannot be negative).
    for v in &axis.values {
        let mut t = base.clone();
        t.insert(axis.key.clone(), axis.value(*v));
        rule.validate(&t).map_err(|e| {
            param_error(format!(
                "{code} {} = {} is not valid: {e}",
                axis.key,
                show(*v)
            ))
        })?;
    }
    Ok(axis)
}

/// The values of `FROM..TO[:STEP]` or `V1,V2,…`, unsorted; the base value
/// added when it lies inside a range.
fn axis_values(range: &str, integer: bool, key: &str, spec: &str, base_v: f64) -> Result<Vec<f64>> {
    let mut values: Vec<f64> = Vec::new();
    if let Some((from, rest)) = range.split_once("..") {
        let (to, step) = match rest.split_once(':') {
            Some((t, s)) => (t, Some(s)),
            None => (rest, None),
        };
        let from = parse_number(from, integer, key, spec)?;
        let to = parse_number(to, integer, key, spec)?;
        if to < from {
            return Err(param_error(format!(
                "`{spec}`: the range runs backwards ({} > {})",
                show(from),
                show(to)
            )));
        }
        let step = match step {
            Some(s) => parse_number(s, integer, key, spec)?,
            None if integer => 1.0,
            None if to > from => (to - from) / 10.0,
            None => 1.0,
        };
        if step <= 0.0 {
            return Err(param_error(format!("`{spec}`: the step must be above 0")));
        }
        let n = ((to - from) / step + 1e-9).floor() as usize + 1;
        if n > MAX_POINTS {
            return Err(param_error(format!(
                "`{spec}`: {n} values; at most {MAX_POINTS} (use a larger step)"
            )));
        }
        values.extend((0..n).map(|i| tidy(from + i as f64 * step)));
        if base_v > from && base_v < to {
            values.push(base_v);
        }
    } else {
        for part in range.split(',').filter(|p| !p.trim().is_empty()) {
            values.push(parse_number(part, integer, key, spec)?);
        }
        if values.is_empty() {
            return Err(param_error(format!("`{spec}`: no values")));
        }
    }
    Ok(values)
}

/// The base config with the chosen values (for `--write`).
pub fn config_with(
    base: &RulesConfig,
    code: &str,
    axes: &[Axis],
    values: &[f64],
) -> Result<RulesConfig> {
    let mut cfg = base.clone();
    for (a, v) in axes.iter().zip(values) {
        let (lo, hi) = valid_range(&a.key);
        if *v < lo || *v > hi || (a.integer && v.fract() != 0.0) {
            return Err(Error::config(
                Path::new("--choose"),
                format!(
                    "{code} {} = {} is outside its valid range ({}{})",
                    a.key,
                    show(*v),
                    range_text(lo, hi),
                    if a.integer { ", whole numbers" } else { "" }
                ),
            ));
        }
        cfg = cfg.with_param(code, &a.key, a.value(*v))?;
    }
    Ok(cfg)
}

/// Parse `--choose` (one value per axis, comma-separated).
pub fn parse_choice(text: &str, axes: &[Axis]) -> Result<Vec<f64>> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if parts.len() != axes.len() {
        return Err(Error::config(
            Path::new("--choose"),
            format!(
                "`{text}`: give {} value(s), one per --param, comma-separated",
                axes.len()
            ),
        ));
    }
    parts
        .iter()
        .zip(axes)
        .map(|(p, a)| {
            parse_number(p, a.integer, &a.key, text).map_err(|_| {
                Error::config(
                    Path::new("--choose"),
                    format!("`{p}` is not a value of {}", a.key),
                )
            })
        })
        .collect()
}

pub(super) fn grid(axes: &[Axis]) -> Vec<Vec<f64>> {
    let mut out: Vec<Vec<f64>> = vec![vec![]];
    for a in axes {
        out = out
            .into_iter()
            .flat_map(|p| {
                a.values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push(*v);
                    q
                })
            })
            .collect();
    }
    out
}
