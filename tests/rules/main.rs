//! The rules' tests, in one binary: every rule on every fixture case
//! (`fixtures`), the clean fixture, the generated catalogue (`catalog`),
//! the layering of `src/rules/` (`layering`), and per-family behaviour tests.

#[path = "../common/mod.rs"]
mod common;

mod basic;
mod catalog;
mod fixtures;
mod kinship;
mod layering;
mod money;
mod people;
mod publicity;
