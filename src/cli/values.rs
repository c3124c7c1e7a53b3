//! The enumerated flags as clap `ValueEnum`s, so that clap checks them and
//! lists them in `--help`. The spellings come from the library's own types
//! (`as_str`, and `label_zh` for statuses and marks): a flag accepts what
//! the store and the workbook accept, and a new category needs no edit here.

use clap::ValueEnum;
use clap::builder::PossibleValue;
use weiquan::finding::{Category, Severity};
use weiquan::triage::{Mark, Status};

/// A library enum offered as a flag value: `$all` lists its values in the
/// order `--help` shows them; `$value` names one (with its aliases).
macro_rules! value_enum {
    ($(#[$doc:meta])* $arg:ident($ty:ty), $all:expr, |$v:ident| $value:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $arg(pub $ty);

        impl ValueEnum for $arg {
            fn value_variants<'a>() -> &'a [Self] {
                const ALL: [$arg; $all.len()] = {
                    let all = $all;
                    let mut out = [$arg(all[0]); $all.len()];
                    let mut i = 1;
                    while i < out.len() {
                        out[i] = $arg(all[i]);
                        i += 1;
                    }
                    out
                };
                &ALL
            }

            fn to_possible_value(&self) -> Option<PossibleValue> {
                let $v = self.0;
                Some($value)
            }
        }
    };
}

value_enum!(
    /// `high`, `medium` or `low`.
    SeverityArg(Severity),
    [Severity::High, Severity::Medium, Severity::Low],
    |s| PossibleValue::new(s.as_str())
);

value_enum!(
    /// A category by its name in the data contract (`kinship`, …).
    CategoryArg(Category),
    Category::ALL,
    |c| PossibleValue::new(c.as_str())
);

value_enum!(
    /// A case status, in English or as officers write it (已排除).
    StatusArg(Status),
    Status::ALL,
    |s| PossibleValue::new(s.as_str()).alias(s.label_zh())
);

value_enum!(
    /// What the latest run saw of a case, in English or Chinese (重开).
    MarkArg(Mark),
    [Mark::New, Mark::Recurring, Mark::Reopened, Mark::Gone],
    |m| PossibleValue::new(m.as_str()).alias(m.label_zh())
);

/// `gen --style`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum StyleArg {
    Clean,
    Messy,
    /// Clean values laid out as street offices print their forms.
    Office,
    /// The office style with every form saved as CSV.
    OfficeCsv,
}

impl StyleArg {
    pub fn style(self) -> weiquan::r#gen::Style {
        match self {
            StyleArg::Clean => weiquan::r#gen::Style::Clean,
            StyleArg::Messy => weiquan::r#gen::Style::Messy,
            StyleArg::Office => weiquan::r#gen::Style::Office,
            StyleArg::OfficeCsv => weiquan::r#gen::Style::OfficeCsv,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every spelling the library's parsers accept (bar surrounding blanks)
    /// is a value of the flag, and the flag takes nothing else.
    #[test]
    fn flags_accept_what_the_library_parses() {
        fn check<T: ValueEnum>(parse: impl Fn(&str) -> bool, ignore_case: bool) {
            for v in T::value_variants() {
                let pv = v.to_possible_value().unwrap();
                for name in pv.get_name_and_aliases() {
                    assert!(parse(name), "{name}");
                    assert!(T::from_str(name, ignore_case).is_ok(), "{name}");
                    let upper = name.to_ascii_uppercase();
                    assert_eq!(
                        T::from_str(&upper, ignore_case).is_ok(),
                        parse(&upper),
                        "{upper}"
                    );
                }
            }
            for bad in ["", "x", "severe", "已完成", "new,open"] {
                assert!(!parse(bad) && T::from_str(bad, ignore_case).is_err());
            }
        }
        check::<SeverityArg>(|s| Severity::parse(s).is_some(), false);
        check::<CategoryArg>(|s| Category::parse(s).is_some(), false);
        check::<StatusArg>(|s| Status::parse(s).is_some(), true);
        check::<MarkArg>(|s| Mark::parse(s).is_some(), true);
        assert_eq!(SeverityArg::value_variants().len(), 3);
        assert_eq!(CategoryArg::value_variants().len(), Category::ALL.len());
        assert_eq!(StatusArg::value_variants().len(), Status::ALL.len());
        assert_eq!(MarkArg::value_variants().len(), 4);
    }
}
