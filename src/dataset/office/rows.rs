//! Rows below a form's header that are not data: blank rows, the header
//! printed again on a new page, a row numbering the columns (`栏次`: 1, 2,
//! 3 …), 小计/合计/总计/共计 rows (the label in any cell: `合　计（421人）`,
//! `3月小计`, `XX村小计`), and footers (`制表人：…`, `审核人：…`, notes).
//!
//! Only rows that failed to type are asked about (see the module above).

use std::sync::LazyLock;

use regex::Regex;

use super::fold;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NonData {
    Blank,
    HeaderRepeat,
    ColumnNumbers,
    /// `小计`: sums the rows since the last subtotal or total.
    Subtotal,
    /// `合计`, `总计`, `共计`: sums the rows since the last total.
    Total,
    /// `累计`, `本年累计`: a running figure, not checked.
    Running,
    /// `本页小计`, `本页合计`: sums the rows of its printed page (since the
    /// last page total or repeated header), apart from the village 小计.
    Page,
    Footer,
}

/// A whole cell that is a total's label: an optional period or place in
/// front, the word, an optional bracketed count or unit after.
static TOTAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:本页|本月|本年|本期|当月|全年|总)?(?:\d{4}年)?(?:\d{1,2}月份?)?(?:[\p{Han}A-Za-z0-9]{1,12}?(?:村|居|社区|组|街道|镇|乡|队|委会))?(?:第?\d{1,3}页)?(小计|合计|总计|共计|累计)(?:[(（][^()（）]{0,24}[)）])?[:：]?$",
    )
    .expect("total regex")
});

/// A cell that opens a footer line: who made, checked or signed the form,
/// when, a phone, or a note.
static FOOTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:制表人?|填表人?|填报人?|审核人?|复核人?|审批人?|负责人|单位负责人|主管领导|分管领导|财务负责人|会计|出纳|经办人|制表日期|填报日期|填表日期|报送日期|打印日期|打印时间|联系电话|备注|注|说明|填表说明)\d?[:：、]",
    )
    .expect("footer regex")
});

/// Classifies rows that failed to type, in file order (a note line after a
/// footer is part of the footer).
pub struct RowClassifier {
    header: Vec<String>,
    width: usize,
    after_footer: bool,
}

impl RowClassifier {
    pub fn new(headers: &[String]) -> RowClassifier {
        RowClassifier {
            header: headers.iter().map(|h| fold(h)).collect(),
            width: headers.iter().filter(|h| !h.trim().is_empty()).count(),
            after_footer: false,
        }
    }

    /// What a row is, if it is not data; `cells` in the file's column order.
    /// Rows must be given in file order.
    pub fn classify(&mut self, cells: &[&str]) -> Option<NonData> {
        let folded: Vec<String> = cells.iter().map(|c| fold(c)).collect();
        let filled: Vec<&String> = folded.iter().filter(|c| !c.is_empty()).collect();
        if filled.is_empty() {
            return Some(NonData::Blank);
        }
        if let Some(k) = folded.iter().find_map(|c| total_label(c)) {
            return Some(k);
        }
        if FOOTER.is_match(filled[0]) {
            self.after_footer = true;
            return Some(NonData::Footer);
        }
        // A note line after the footer: one or two cells of a wide table.
        if self.after_footer && filled.len() <= 2 && self.width >= 4 {
            return Some(NonData::Footer);
        }
        let same = folded
            .iter()
            .zip(&self.header)
            .filter(|(c, h)| !c.is_empty() && c == h)
            .count();
        if same >= 2 && same * 2 >= filled.len() {
            return Some(NonData::HeaderRepeat);
        }
        if column_numbers(&filled) {
            return Some(NonData::ColumnNumbers);
        }
        None
    }
}

/// The kind of total a folded cell labels, if it is one.
fn total_label(cell: &str) -> Option<NonData> {
    if !cell.contains('计') {
        return None;
    }
    let c = TOTAL.captures(cell)?;
    Some(match &c[1] {
        "累计" => NonData::Running,
        _ if cell.starts_with("本页") => NonData::Page,
        "小计" => NonData::Subtotal,
        _ => NonData::Total,
    })
}

/// A row numbering the columns: 甲, 乙 … then 1, 2, 3 … in order.
fn column_numbers(filled: &[&String]) -> bool {
    if filled.len() < 3 {
        return false;
    }
    let mut next = None;
    let mut numbers = 0;
    for c in filled {
        if matches!(c.as_str(), "甲" | "乙" | "丙" | "丁") {
            continue;
        }
        let Ok(n) = c.parse::<u32>() else {
            return false;
        };
        if next.is_some_and(|x| x != n) || n > 200 {
            return false;
        }
        next = Some(n + 1);
        numbers += 1;
    }
    numbers >= 3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(headers: &[&str], cells: &[&str]) -> Option<NonData> {
        let h: Vec<String> = headers.iter().map(|s| s.to_string()).collect();
        RowClassifier::new(&h).classify(cells)
    }

    const H: [&str; 5] = ["序号", "村代码", "姓名", "身份证号", "金额"];

    #[test]
    fn totals_are_recognised_wherever_the_label_is() {
        for label in [
            "合计",
            "合　计（421人）",
            "3月小计",
            "王家坡村小计",
            "总  计",
            "共计：",
            "本页小计",
            "2025年3月小计",
        ] {
            let k = classify(&H, &["", label, "", "", "1200.00"]);
            assert!(
                matches!(k, Some(NonData::Total | NonData::Subtotal | NonData::Page)),
                "{label}: {k:?}"
            );
        }
        assert_eq!(
            classify(&H, &["", "", "本年累计", "", "9"]),
            Some(NonData::Running)
        );
        assert_eq!(
            classify(&H, &["本页小计", "", "", "", "9"]),
            Some(NonData::Page)
        );
    }

    #[test]
    fn names_and_summaries_that_mention_counting_are_data() {
        for cell in [
            "计生办",
            "会计",
            "设计费",
            "合计支付工程款及材料费用共三笔款项",
        ] {
            assert_eq!(
                classify(&H, &["1", "370112001001", cell, "", "5"]),
                None,
                "{cell}"
            );
        }
    }

    #[test]
    fn footers_blank_rows_repeated_headers_and_column_numbers() {
        assert_eq!(
            classify(&H, &["制表人：张三", "", "审核人：李四", "", ""]),
            Some(NonData::Footer)
        );
        assert_eq!(
            classify(&H, &["", " ", "\u{3000}", "", ""]),
            Some(NonData::Blank)
        );
        assert_eq!(
            classify(&H, &["序号", "村代码", "姓　名", "身份证号", "金额"]),
            Some(NonData::HeaderRepeat)
        );
        assert_eq!(
            classify(&H, &["甲", "1", "2", "3", "4"]),
            Some(NonData::ColumnNumbers)
        );
        assert_eq!(classify(&H, &["1", "370112001001", "张三", "", "2"]), None);
    }

    #[test]
    fn a_note_after_the_footer_is_footer_but_not_before() {
        let h: Vec<String> = H.iter().map(|s| s.to_string()).collect();
        let mut c = RowClassifier::new(&h);
        assert_eq!(c.classify(&["1. 本表金额以元为单位", "", "", "", ""]), None);
        assert_eq!(
            c.classify(&["制表日期：2025年12月31日", "", "", "", ""]),
            Some(NonData::Footer)
        );
        assert_eq!(
            c.classify(&["1. 本表金额以元为单位", "", "", "", ""]),
            Some(NonData::Footer)
        );
    }
}
