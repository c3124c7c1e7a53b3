//! Text columns with few distinct values kept as dictionary codes (polars
//! categoricals): a 4-byte code a cell instead of a 16-byte view plus the
//! text of every string over 12 bytes. At 2,000 villages these columns
//! take ≈ 300 MB as text. Rules read them through
//! [`Text`], which serves both forms (the rules' typed views hold one), so a frame
//! built elsewhere (tests, the tuner) may keep them as plain text.
//!
//! A plain CSV (`plain`) codes these columns as it types them, with a
//! dictionary per piece merged into polars' global one afterwards; every
//! other source is typed as text and cast here (`encode`).

use polars::prelude::*;

use super::schema::TableKind;

/// The encoded columns: each repeats a few values over millions of rows,
/// and few rules read it.
pub const ENCODED: &[(TableKind, &str)] = &[
    (TableKind::Households, "address"),
    (TableKind::Households, "relation_to_head"),
    (TableKind::Subsidies, "program"),
    (TableKind::Subsidies, "batch_no"),
    (TableKind::Subsidies, "unit"),
    (TableKind::Ledger, "direction"),
    (TableKind::Ledger, "summary"),
    (TableKind::Ledger, "voucher_no"),
    (TableKind::Ledger, "category"),
    (TableKind::Ledger, "payment_method"),
    // Mostly blank: a blank cell is a code too, not a 16-byte view.
    (TableKind::Ledger, "contract_no"),
    (TableKind::Ledger, "decision_no"),
];

/// Whether column `name` of table `kind` is kept as dictionary codes.
pub fn is_encoded(kind: TableKind, name: &str) -> bool {
    ENCODED.iter().any(|&(t, n)| t == kind && n == name)
}

/// Replace the table's encoded columns by their dictionary form. (One
/// column after the other: casting them at once on two threads measured
/// no faster, the values going into one shared dictionary.)
pub fn encode(kind: TableKind, frame: &mut DataFrame) -> PolarsResult<()> {
    let dtype = DataType::from_categories(Categories::global());
    for (_, name) in ENCODED.iter().filter(|(t, _)| *t == kind) {
        let Ok(col) = frame.column(name) else {
            continue;
        };
        if col.dtype() != &DataType::String {
            continue;
        }
        let coded = col.cast(&dtype)?;
        frame.replace(name, coded)?;
    }
    Ok(())
}

/// A text column as rules read it: plain strings, or dictionary codes.
#[derive(Clone, Copy)]
pub enum Text<'a> {
    Plain(&'a StringChunked),
    Coded(&'a UInt32Chunked, &'a CategoricalMapping),
}

impl<'a> Text<'a> {
    /// The column `name` of `df`, in either form.
    pub fn of(df: &'a DataFrame, name: &str) -> PolarsResult<Text<'a>> {
        let col = df.column(name)?;
        match col.dtype() {
            DataType::Categorical(..) => {
                let cat = col.cat32()?;
                Ok(Text::Coded(cat.physical(), cat.get_mapping().as_ref()))
            }
            _ => Ok(Text::Plain(col.str()?)),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Text::Plain(c) => c.len(),
            Text::Coded(c, _) => c.len(),
        }
    }

    pub fn null_count(&self) -> usize {
        match self {
            Text::Plain(c) => c.null_count(),
            Text::Coded(c, _) => c.null_count(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    pub fn get(&self, i: usize) -> Option<&'a str> {
        match *self {
            Text::Plain(c) => c.get(i),
            Text::Coded(c, m) => c.get(i).and_then(|k| m.cat_to_str(k)),
        }
    }

    /// Row `i`'s dictionary code, when the column is coded and the cell
    /// not null: equal codes, equal text (a memo per value may key on it).
    #[inline]
    pub fn code(&self, i: usize) -> Option<u32> {
        match *self {
            Text::Plain(_) => None,
            Text::Coded(c, _) => c.get(i),
        }
    }

    /// The cells of rows `start..start + len`, in order.
    pub fn range(&self, start: usize, len: usize) -> impl Iterator<Item = Option<&'a str>> + 'a {
        let t = *self;
        (start..start + len).map(move |i| t.get(i))
    }

    /// Every cell in row order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = Option<&'a str>> + 'a> {
        match *self {
            Text::Plain(c) => Box::new(c.iter()),
            Text::Coded(c, m) => Box::new(c.iter().map(move |k| k.and_then(|k| m.cat_to_str(k)))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_encoded_column_reads_as_the_text_it_was() {
        let values = [
            Some("管理费用"),
            None,
            Some("PZ-2025-01-001"),
            Some("管理费用"),
            Some(""),
        ];
        let mut df = DataFrame::new(
            values.len(),
            vec![
                Column::new("voucher_no".into(), values),
                Column::new("counterparty".into(), values),
            ],
        )
        .unwrap();
        encode(TableKind::Ledger, &mut df).unwrap();
        assert!(matches!(
            df.column("voucher_no").unwrap().dtype(),
            DataType::Categorical(..)
        ));
        // A column not in the list stays text.
        assert_eq!(
            df.column("counterparty").unwrap().dtype(),
            &DataType::String
        );
        for name in ["voucher_no", "counterparty"] {
            let t = Text::of(&df, name).unwrap();
            assert_eq!(t.len(), values.len());
            let got: Vec<Option<&str>> = (0..t.len()).map(|i| t.get(i)).collect();
            assert_eq!(got, values, "{name}");
            assert_eq!(t.iter().collect::<Vec<_>>(), values, "{name}");
            assert_eq!(t.range(1, 3).collect::<Vec<_>>(), values[1..4], "{name}");
        }
    }
}
