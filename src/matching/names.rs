//! Chinese personal names: one normal form, pinyin keys for homophones,
//! surnames, and how common a name is (issue 4).
//!
//! Two spellings of one name (`张　伟`, `張偉`, `张 伟`) have one normal form;
//! homophones (张伟/张玮) share a pinyin key, which is a *signal*, never
//! equality. A match on a name is worth what the name is rare: [`NameFrequency`]
//! counts distinct persons per name in the dataset, and [`is_common_name`]
//! knows the names that are common nationwide, so that a small export still
//! does not take 张伟 for a rare name.

use polars::prelude::{PlHashMap, PlHashSet};
use std::borrow::Cow;

use pinyin::ToPinyin;

use crate::text::clean_name;

/// The normal form of a name: spaces (U+3000 too) removed, full-width folded
/// to half-width, Latin letters upper-cased, middle dots unified (all by
/// [`clean_name`]), traditional characters converted to simplified.
pub fn normalize(name: &str) -> String {
    let cleaned = clean_name(name);
    // fast2s only touches traditional characters: most names need no pass.
    if needs_simplify(&cleaned) {
        fast2s::convert(&cleaned)
    } else {
        cleaned
    }
}

/// Characters used in CJK personal names (basic and extension A blocks).
fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// Words that make a name an organisation's, not a person's, anywhere in it.
const ORG_WORDS: [&str; 16] = [
    "公司",
    "合作社",
    "委员会",
    "村委",
    "居委",
    "中心",
    "银行",
    "集团",
    "协会",
    "学校",
    "医院",
    "工程",
    "有限",
    "经营",
    "商行",
    "门市",
];
/// Characters that end an organisation's short name (供电所, 李家店).
const ORG_ENDINGS: [char; 10] = ['厂', '店', '站', '所', '局', '院', '部', '队', '社', '处'];

/// Looks like a person's name: 2–4 Han characters, or a minority name with
/// a middle dot (`阿依古丽·买买提`), and no organisation marker.
pub fn is_person_name(name: &str) -> bool {
    let n = name.chars().count();
    // The shape first: it rejects most organisations without a search.
    let shape = if name.contains('·') {
        (3..=20).contains(&n) && name.chars().all(|c| is_han(c) || c == '·')
    } else {
        (2..=4).contains(&n) && name.chars().all(is_han)
    };
    if !shape {
        return false;
    }
    if n >= 3
        && name
            .chars()
            .last()
            .is_some_and(|c| ORG_ENDINGS.contains(&c))
    {
        return false;
    }
    !ORG_WORDS.iter().any(|m| name.contains(m))
}

/// A cheap, allocation-free key that every spelling and every homophone of
/// a name share: its length in characters and the toneless reading of its
/// last character (traditional and simplified characters read alike;
/// surname readings never apply to the last character of a full name).
/// `None` when the last character has no reading.
pub fn loose_key(name: &str) -> Option<(usize, &'static str)> {
    let last = name.chars().last()?;
    let p = last.to_pinyin()?;
    Some((name.chars().count(), p.plain()))
}

/// Two-character surnames, longest match first.
const COMPOUND_SURNAMES: [&str; 40] = [
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "钟离", "端木", "申屠", "澹台", "太史", "单于", "南宫", "西门", "百里",
    "呼延", "万俟", "闻人", "赫连", "拓跋", "独孤", "司空", "东郭", "第五", "公冶", "羊舌", "淳于",
    "濮阳", "仲孙", "乐正", "左丘",
];

/// The surname of a normalised name: a compound surname when the name starts
/// with one and is longer than it, else the first character.
pub fn surname(name: &str) -> &str {
    if name.contains('·') {
        // Minority names have no surname in the Han sense: the whole name.
        return name;
    }
    for s in COMPOUND_SURNAMES {
        if name.len() > s.len() && name.starts_with(s) {
            return s;
        }
    }
    match name.char_indices().nth(1) {
        Some((i, _)) => &name[..i],
        None => name,
    }
}

/// The given name: what follows the surname.
pub fn given_name(name: &str) -> &str {
    &name[surname(name).len()..]
}

/// Readings of characters used as surnames that differ from their common
/// reading (单 shàn, 曾 zēng, 解 xiè …): (surname, toneless, toned).
const SURNAME_READINGS: [(&str, &str, &str); 22] = [
    ("单", "shan", "shàn"),
    ("曾", "zeng", "zēng"),
    ("解", "xie", "xiè"),
    ("仇", "qiu", "qiú"),
    ("朴", "piao", "piáo"),
    ("区", "ou", "ōu"),
    ("查", "zha", "zhā"),
    ("盖", "ge", "gě"),
    ("乐", "yue", "yuè"),
    ("覃", "qin", "qín"),
    ("缪", "miao", "miào"),
    ("召", "shao", "shào"),
    ("翟", "zhai", "zhái"),
    ("任", "ren", "rén"),
    ("华", "hua", "huà"),
    ("燕", "yan", "yān"),
    ("纪", "ji", "jǐ"),
    ("薄", "bo", "bó"),
    ("员", "yun", "yùn"),
    ("尉迟", "yu chi", "yù chí"),
    ("万俟", "mo qi", "mò qí"),
    ("长孙", "zhang sun", "zhǎng sūn"),
];

fn pinyin_with(name: &str, toned: bool) -> String {
    let sur = surname(name);
    let mut out = String::with_capacity(name.len() * 2);
    let mut push = |s: &str| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(s);
    };
    let rest = match SURNAME_READINGS.iter().find(|(s, _, _)| *s == sur) {
        Some((_, plain, tone)) => {
            push(if toned { tone } else { plain });
            &name[sur.len()..]
        }
        None => name,
    };
    let mut buf = [0u8; 4];
    for c in rest.chars() {
        match c.to_pinyin() {
            Some(p) => push(if toned { p.with_tone() } else { p.plain() }),
            // Characters without a reading (dots, Latin letters) stand for themselves.
            None => push(c.encode_utf8(&mut buf)),
        }
    }
    out
}

/// A name as the loader left it (spaces and full-width already folded by
/// `clean_name`) with traditional characters converted: the normal form of
/// [`normalize`] without repeating the cleaning.
pub fn simplify(cleaned: &str) -> Cow<'_, str> {
    if !needs_simplify(cleaned) {
        return Cow::Borrowed(cleaned);
    }
    let s = fast2s::convert(cleaned);
    if s == cleaned {
        Cow::Borrowed(cleaned)
    } else {
        Cow::Owned(s)
    }
}

/// Characters of the basic multilingual plane that `fast2s` may change
/// (one bit per code point): those it converts on their own, and those it
/// converts only next to certain neighbours. Every other character is left
/// as it is, so a name without any of them needs no conversion.
fn convertible() -> &'static [u64] {
    static BITS: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    BITS.get_or_init(|| {
        let mut bits = vec![0u64; 0x10000 / 64];
        let mut buf = [0u8; 4];
        // fast2s only looks at characters of three UTF-8 bytes.
        for cp in 0x800u32..0x10000 {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            let s: &str = c.encode_utf8(&mut buf);
            if fast2s::convert(s) != s {
                bits[cp as usize / 64] |= 1 << (cp % 64);
            }
        }
        // Converted only in certain words (fast2s's special cases).
        for c in ['藉', '著', '苧', '闔', '鍾', '讎', '畫'] {
            let cp = c as usize;
            bits[cp / 64] |= 1 << (cp % 64);
        }
        bits
    })
}

/// Whether [`simplify`] could change the name: it holds a traditional
/// character (a bitmap test per character, no allocation).
pub fn needs_simplify(s: &str) -> bool {
    if s.is_ascii() {
        return false;
    }
    let bits = convertible();
    s.chars().any(|c| {
        let cp = c as usize;
        cp < 0x10000 && bits[cp / 64] & (1 << (cp % 64)) != 0
    })
}

/// Toneless pinyin of a normalised name, syllables separated by a space:
/// `张伟` and `张玮` → `zhang wei`. The key for homophone matching.
pub fn pinyin_key(name: &str) -> String {
    pinyin_with(name, false)
}

/// Pinyin with tone marks: `张伟` → `zhāng wěi`, `张薇` → `zhāng wēi`.
pub fn pinyin_toned(name: &str) -> String {
    pinyin_with(name, true)
}

/// Surnames that together cover about half of China's population.
const COMMON_SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗",
];

/// Given names that the national registry reports as the most frequent
/// (张伟, 王芳, 李娜, 王秀英 …): with a common surname, a name shared by
/// hundreds of thousands of people.
const COMMON_GIVEN_NAMES: [&str; 40] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "刚", "桂英", "秀兰", "燕", "华", "红", "玉兰", "建华", "建国",
    "桂兰", "玉珍", "英", "斌", "浩", "鹏", "辉", "俊", "婷", "丹", "建军",
];

/// A name common nationwide: a top-20 surname with one of the most frequent
/// given names. A match on it needs corroboration whatever the dataset says.
pub fn is_common_name(name: &str) -> bool {
    let sur = surname(name);
    COMMON_SURNAMES.contains(&sur) && COMMON_GIVEN_NAMES.contains(&given_name(name))
}

/// Distinct persons per name within groups (villages) and overall.
///
/// A person is counted by id number when one is known; rows without one
/// count as one person per group and name unless an id-bearing row of that
/// name exists (then they are probably that person).
#[derive(Debug, Default, Clone)]
pub struct NameFrequency {
    /// group → name → persons (nested so that a lookup borrows its keys).
    by_name: PlHashMap<String, PlHashMap<String, Persons>>,
    by_pinyin: PlHashMap<String, PlHashMap<String, Persons>>,
    overall: PlHashMap<String, Persons>,
}

#[derive(Debug, Default, Clone)]
struct Persons {
    ids: PlHashSet<String>,
    anonymous: bool,
}

impl Persons {
    fn add(&mut self, id: Option<&str>) {
        match id {
            Some(id) if !id.is_empty() => {
                if !self.ids.contains(id) {
                    self.ids.insert(id.to_string());
                }
            }
            _ => self.anonymous = true,
        }
    }
    fn count(&self) -> usize {
        self.ids.len().max(usize::from(self.anonymous))
    }
    fn count_where(&self, keep: impl Fn(&str) -> bool) -> usize {
        let kept = self.ids.iter().filter(|id| keep(id)).count();
        if self.ids.is_empty() {
            usize::from(self.anonymous)
        } else {
            kept
        }
    }
}

impl NameFrequency {
    pub fn new() -> NameFrequency {
        NameFrequency::default()
    }

    /// Count one occurrence of a (normalised) name in a group.
    pub fn add(&mut self, group: &str, name: &str, id: Option<&str>) {
        if name.is_empty() {
            return;
        }
        self.by_name
            .entry_ref(group)
            .or_default()
            .entry_ref(name)
            .or_default()
            .add(id);
        self.overall.entry_ref(name).or_default().add(id);
    }

    /// Count one occurrence under its pinyin key (only for the groups where
    /// homophones are looked at: computing pinyin has a cost).
    pub fn add_pinyin(&mut self, group: &str, name: &str, id: Option<&str>) {
        if name.is_empty() {
            return;
        }
        self.add_pinyin_key(group, &pinyin_key(name), id);
    }

    /// [`NameFrequency::add_pinyin`] for a name whose pinyin key is known.
    pub fn add_pinyin_key(&mut self, group: &str, key: &str, id: Option<&str>) {
        self.by_pinyin
            .entry_ref(group)
            .or_default()
            .entry_ref(key)
            .or_default()
            .add(id);
    }

    /// Distinct persons of this name in the group (0 if never seen).
    pub fn persons(&self, group: &str, name: &str) -> usize {
        self.by_name
            .get(group)
            .and_then(|m| m.get(name))
            .map_or(0, Persons::count)
    }

    /// Distinct persons of this name in the group whose id satisfies `keep`
    /// (e.g. an age that fits a declared relation); persons known without
    /// id count as one when no id is known at all.
    pub fn persons_where(&self, group: &str, name: &str, keep: impl Fn(&str) -> bool) -> usize {
        self.by_name
            .get(group)
            .and_then(|m| m.get(name))
            .map_or(0, |p| p.count_where(keep))
    }

    /// [`NameFrequency::pinyin_persons`] restricted like [`NameFrequency::persons_where`].
    pub fn pinyin_persons_where(
        &self,
        group: &str,
        key: &str,
        keep: impl Fn(&str) -> bool,
    ) -> usize {
        self.by_pinyin
            .get(group)
            .and_then(|m| m.get(key))
            .map_or(0, |p| p.count_where(keep))
    }

    /// Distinct persons of this name in every group.
    pub fn persons_overall(&self, name: &str) -> usize {
        self.overall.get(name).map_or(0, Persons::count)
    }

    /// Distinct persons in the group whose name has this pinyin key.
    pub fn pinyin_persons(&self, group: &str, key: &str) -> usize {
        self.by_pinyin
            .get(group)
            .and_then(|m| m.get(key))
            .map_or(0, Persons::count)
    }

    /// Whether the name is common: nationally (see [`is_common_name`]), or in
    /// this dataset, when outside `group` it is carried by at least
    /// `common_rate` persons per other group (0.2: one person in every five
    /// other villages). A single-village export has no "elsewhere" and
    /// relies on the national list.
    pub fn is_common(&self, group: &str, name: &str, common_rate: f64, groups: usize) -> bool {
        if is_common_name(name) {
            return true;
        }
        if groups < 2 || common_rate <= 0.0 {
            return false;
        }
        let elsewhere = self
            .persons_overall(name)
            .saturating_sub(self.persons(group, name));
        elsewhere as f64 / (groups - 1) as f64 >= common_rate
    }

    /// What a match on `name` in `group` is worth, in (0, 1]: one over the
    /// number of persons in the group who carry it (and whose id passes
    /// `keep`), times `common_factor` when the name is common (see
    /// [`NameFrequency::is_common`]).
    pub fn rarity(
        &self,
        group: &str,
        name: &str,
        common_factor: f64,
        common_rate: f64,
        groups: usize,
        keep: impl Fn(&str) -> bool,
    ) -> f64 {
        let k = self.persons_where(group, name, keep).max(1) as f64;
        let c = if self.is_common(group, name, common_rate, groups) {
            common_factor
        } else {
            1.0
        };
        (c / k).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_share_one_normal_form() {
        assert_eq!(normalize("张　伟"), "张伟");
        assert_eq!(normalize(" 张 伟 "), "张伟");
        assert_eq!(normalize("張偉"), "张伟");
        assert_eq!(normalize("劉　德華"), "刘德华");
        assert_eq!(normalize("ＡＢＣ"), "ABC");
        assert_eq!(normalize("阿依古丽•买买提"), "阿依古丽·买买提");
        assert_eq!(normalize(""), "");
        assert_eq!(simplify("張偉"), "张伟");
        assert_eq!(loose_key("張偉"), loose_key("张玮"));
        assert_ne!(loose_key("张伟"), loose_key("张伟杰"));
        assert_eq!(loose_key("ABC"), None);
        assert!(matches!(simplify("张伟"), Cow::Borrowed(_)));
        assert!(needs_simplify("張伟"));
        assert!(!needs_simplify("张伟"));
        assert!(!needs_simplify("ABC"));
        // Converted only next to certain characters.
        assert!(needs_simplify("藉口"));
        assert_eq!(simplify("藉口"), fast2s::convert("藉口"));
    }

    #[test]
    fn homophones_share_a_key_but_not_equality() {
        assert_eq!(pinyin_key("张伟"), "zhang wei");
        assert_eq!(pinyin_key("张玮"), "zhang wei");
        assert_ne!(normalize("张伟"), normalize("张玮"));
        assert_eq!(pinyin_toned("张伟"), "zhāng wěi");
        assert_eq!(pinyin_toned("张薇"), "zhāng wēi");
        assert_eq!(pinyin_key("王芳"), pinyin_key("王方"));
        assert_ne!(pinyin_key("王芳"), pinyin_key("汪洋"));
    }

    #[test]
    fn surname_readings() {
        assert_eq!(pinyin_key("单明"), "shan ming");
        assert_eq!(pinyin_key("善明"), "shan ming");
        assert_eq!(pinyin_key("曾华"), "zeng hua");
        assert_eq!(pinyin_key("欧阳修"), "ou yang xiu");
    }

    #[test]
    fn surnames() {
        assert_eq!(surname("张伟"), "张");
        assert_eq!(given_name("张伟"), "伟");
        assert_eq!(surname("欧阳娜娜"), "欧阳");
        assert_eq!(surname("欧阳"), "欧");
        assert_eq!(surname("司马光"), "司马");
        assert_eq!(surname("李"), "李");
        assert_eq!(surname(""), "");
    }

    #[test]
    fn persons_and_organisations() {
        assert!(is_person_name("张伟"));
        assert!(is_person_name("欧阳娜娜"));
        assert!(is_person_name("阿依古丽·买买提"));
        assert!(!is_person_name("济南某某建筑工程有限公司"));
        assert!(!is_person_name("李家村股份经济合作社"));
        assert!(!is_person_name("张"));
        assert!(!is_person_name("ZHANGWEI"));
        assert!(!is_person_name("供电所"));
        assert!(is_person_name("王所"));
    }

    #[test]
    fn common_names() {
        assert!(is_common_name("张伟"));
        assert!(is_common_name("王秀英"));
        assert!(!is_common_name("张伟杰"));
        assert!(!is_common_name("诸葛伟"));
        assert!(!is_common_name("覃小燕"));
    }

    #[test]
    fn frequency_counts_distinct_persons() {
        let mut f = NameFrequency::new();
        f.add("V1", "李建设", Some("A"));
        f.add("V1", "李建设", Some("A"));
        f.add("V1", "李建设", Some("B"));
        f.add("V1", "李建设", None);
        f.add("V1", "李雪梅", None);
        f.add("V1", "李雪梅", None);
        f.add("V2", "李建设", Some("C"));
        assert_eq!(f.persons("V1", "李建设"), 2);
        assert_eq!(f.persons("V1", "李雪梅"), 1);
        assert_eq!(f.persons("V2", "李雪梅"), 0);
        assert_eq!(f.persons_overall("李建设"), 3);
        // Rare in the village, unknown nationally: full weight.
        assert_eq!(f.rarity("V1", "李雪梅", 0.5, 0.2, 2, |_| true), 1.0);
        // Two persons carry it in V1: half.
        assert_eq!(f.rarity("V1", "李建设", 0.5, 0.2, 1, |_| true), 0.5);
        // Elsewhere (V1) two persons carry it: one per other village ≥ 0.2.
        assert!(f.is_common("V2", "李建设", 0.2, 2));
        assert_eq!(f.rarity("V2", "李建设", 0.5, 0.2, 2, |_| true), 0.5);
        // ... but not when spread over 20 villages (2/19 < 0.2).
        assert_eq!(f.rarity("V2", "李建设", 0.5, 0.2, 20, |_| true), 1.0);
        // A single village has no elsewhere.
        assert!(!f.is_common("V1", "李建设", 0.2, 1));
        // Common nationally even when unique here.
        f.add("V1", "张伟", Some("D"));
        assert_eq!(f.rarity("V1", "张伟", 0.5, 0.2, 1, |_| true), 0.5);
        f.add_pinyin("V1", "王芳", Some("E"));
        f.add_pinyin("V1", "王方", Some("F"));
        assert_eq!(f.pinyin_persons("V1", "wang fang"), 2);
        // Only persons who could be the relative count.
        assert_eq!(f.persons_where("V1", "李建设", |id| id == "A"), 1);
        assert_eq!(f.persons_where("V1", "李雪梅", |_| false), 1);
    }
}
