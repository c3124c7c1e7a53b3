//! Project names compared across tables: a stem without phase markers, and
//! the similarity of two stems.

use std::sync::LazyLock;

use regex::Regex;

static PHASE_MARKERS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // 一期, 第二期, 3标段, 第一批, 二号, (一), 1#
        r"第?[0-9一二三四五六七八九十百零〇两]+(期|标段|标|段|批次|批|部分|号|#|次)",
        r"\([0-9一二三四五六七八九十]+\)",
        // 东段, 西侧, 南片, 北区, 上半段, 前段
        r"[东西南北中上下前后左右]+(半段|段|侧|片|区|线|部|头)",
        r"[A-Z](段|区|标|片)",
        r"(续建|延伸|补充|剩余|追加)",
        r"\(\)",
        r"[0-9]+$",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("phase marker pattern compiles"))
    .collect()
});

/// A project name without its phase markers: `村道硬化一期工程` and
/// `村道硬化二期工程` share the stem `村道硬化工程`.
pub fn project_stem(name: &str) -> String {
    let mut s = crate::dataset::normalize::clean_name(name);
    for re in PHASE_MARKERS.iter() {
        s = re.replace_all(&s, "").into_owned();
    }
    s
}

/// Normalised edit similarity of two stems (1 = identical); empty stems are
/// never similar.
pub fn stem_similarity(a: &str, b: &str) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    strsim::normalized_levenshtein(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phase_markers_are_stripped() {
        let a = project_stem("张家庄村道硬化一期工程");
        assert_eq!(a, project_stem("张家庄村道硬化二期工程"));
        assert_eq!(a, "张家庄村道硬化工程");
        assert_eq!(project_stem("排水沟东段"), project_stem("排水沟西段"));
        assert_eq!(project_stem("路灯安装（一）"), project_stem("路灯安装(二)"));
        assert_eq!(
            project_stem("广场铺装第一标段"),
            project_stem("广场铺装第2标段")
        );
        assert!(stem_similarity(&a, &project_stem("村委会办公楼维修")) < 0.5);
        assert_eq!(stem_similarity("", ""), 0.0);
    }
}
