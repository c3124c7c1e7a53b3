//! Name and place data for the synthetic villages: surnames weighted by how
//! common they are in Shandong, given names, the common full names that
//! recur everywhere (张伟, 王芳 …), homophone pairs, company name parts.

use pinyin::ToPinyin;
use rand::Rng;

/// (surname, weight). The top five dominate clan villages.
pub const SURNAMES: &[(&str, u32)] = &[
    ("王", 90),
    ("张", 80),
    ("李", 80),
    ("刘", 60),
    ("陈", 30),
    ("杨", 30),
    ("赵", 30),
    ("孙", 30),
    ("马", 25),
    ("周", 20),
    ("吴", 15),
    ("徐", 20),
    ("朱", 15),
    ("胡", 12),
    ("高", 20),
    ("郭", 15),
    ("何", 8),
    ("林", 8),
    ("罗", 6),
    ("梁", 10),
    ("宋", 12),
    ("郑", 10),
    ("谢", 6),
    ("韩", 12),
    ("唐", 6),
    ("冯", 8),
    ("于", 15),
    ("董", 10),
    ("程", 8),
    ("曹", 10),
    ("袁", 6),
    ("邓", 5),
    ("许", 8),
    ("傅", 4),
    ("沈", 4),
    ("曾", 3),
    ("彭", 4),
    ("吕", 8),
    ("苏", 6),
    ("卢", 5),
    ("蒋", 4),
    ("蔡", 4),
    ("贾", 6),
    ("丁", 6),
    ("魏", 8),
    ("薛", 5),
    ("叶", 3),
    ("阎", 4),
    ("潘", 4),
    ("杜", 6),
    ("戴", 3),
    ("夏", 4),
    ("钟", 3),
    ("田", 8),
    ("任", 6),
    ("姜", 8),
    ("范", 5),
    ("方", 4),
    ("石", 5),
    ("姚", 4),
    ("谭", 3),
    ("廖", 2),
    ("邹", 3),
    ("熊", 2),
    ("金", 3),
    ("陆", 3),
    ("郝", 5),
    ("孔", 5),
    ("白", 4),
    ("崔", 6),
    ("康", 4),
    ("毛", 3),
    ("邱", 3),
    ("秦", 4),
    ("江", 3),
    ("史", 4),
    ("顾", 2),
    ("侯", 4),
    ("邵", 3),
    ("孟", 5),
    ("龙", 2),
    ("万", 3),
    ("段", 4),
    ("牛", 4),
    ("尹", 3),
    ("黎", 1),
    ("易", 2),
    ("常", 3),
    ("武", 4),
    ("乔", 3),
    ("贺", 3),
    ("赖", 1),
    ("庞", 2),
    ("樊", 2),
    ("兰", 2),
    ("殷", 2),
    ("褚", 1),
    ("桑", 1),
    ("商", 1),
    ("公孙", 1),
];

/// Given-name characters. Deliberately excludes every character that is
/// part of a homophone pair below, so that a homophone only ever appears
/// where it was planted.
const MALE_CHARS: &[&str] = &[
    "国", "建", "志", "德", "春", "文", "玉", "福", "元", "庆", "宝", "立", "海", "长", "金", "增",
    "兴", "树", "广", "东", "光", "新", "成", "平", "忠", "振", "家", "昌", "洪", "学", "良", "祥",
    "富", "顺", "胜", "贵", "吉", "林", "利", "清", "士", "宏", "世", "守", "传", "和", "安", "山",
    "义", "道", "云", "培", "继", "庚", "连", "泽", "同", "来", "殿", "朝", "太", "保", "万", "兆",
    "秀", "进", "全", "双", "占", "凤", "会", "喜", "波", "浩", "宇", "鹏", "博", "晨", "俊", "凯",
    "然", "瑞", "泉", "辉", "亮", "涛", "超", "磊", "岩", "松",
];
const FEMALE_CHARS: &[&str] = &[
    "秀", "玉", "桂", "兰", "英", "淑", "珍", "凤", "云", "荣", "翠", "花", "美", "春", "香", "芝",
    "琴", "素", "爱", "彩", "月", "金", "雪", "霞", "冬", "梅", "娟", "红", "慧", "芹", "婷", "蕾",
    "倩", "雯", "璐", "悦", "佳", "欣", "怡", "颖", "雅", "琳", "晓", "丹", "妍", "萍", "艳", "燕",
    "菊", "清", "宁", "曼", "薇", "蓉", "秋", "叶", "彤", "瑶", "璇", "萌",
];

/// Homophone pairs with the same toned pinyin (张伟/张玮). The first of each
/// pair is used for real names, the second only by a planted homophone.
pub const HOMOPHONES: &[(&str, &str)] = &[
    ("伟", "玮"),
    ("芳", "方"),
    ("丽", "莉"),
    ("明", "鸣"),
    ("军", "君"),
    ("杰", "洁"),
    ("峰", "锋"),
    ("刚", "钢"),
    ("勇", "永"),
    ("斌", "彬"),
    ("静", "婧"),
    ("敏", "闽"),
];

/// Full names so common that they recur in every street (as different people).
pub const COMMON_FULL_NAMES: &[(&str, bool)] = &[
    ("张伟", true),
    ("王伟", true),
    ("王芳", false),
    ("李娜", false),
    ("李伟", true),
    ("王静", false),
    ("张敏", false),
    ("李静", false),
    ("张丽", false),
    ("王丽", false),
    ("刘伟", true),
    ("王刚", true),
    ("李军", true),
    ("张勇", true),
    ("王磊", true),
    ("李明", true),
    ("刘芳", false),
    ("张杰", true),
];

/// Given-name characters that only common names and planted homophones
/// use: the first of each homophone pair.
fn homophone_first(rng: &mut impl Rng, male: bool) -> &'static str {
    let male_ok = ["伟", "明", "军", "杰", "峰", "刚", "勇", "斌"];
    let female_ok = ["芳", "丽", "静", "敏"];
    if male {
        male_ok[rng.random_range(0..male_ok.len())]
    } else {
        female_ok[rng.random_range(0..female_ok.len())]
    }
}

pub fn pick_surname(rng: &mut impl Rng) -> &'static str {
    let total: u32 = SURNAMES.iter().map(|s| s.1).sum();
    let mut x = rng.random_range(0..total);
    for (s, w) in SURNAMES {
        if x < *w {
            return s;
        }
        x -= w;
    }
    SURNAMES[0].0
}

/// A given name of one or two characters.
pub fn given_name(rng: &mut impl Rng, male: bool) -> String {
    let chars = if male { MALE_CHARS } else { FEMALE_CHARS };
    let roll = rng.random_range(0..100);
    let mut s = String::new();
    if roll < 12 {
        // A single homophone-capable character (伟, 芳 …): common names.
        s.push_str(homophone_first(rng, male));
    } else if roll < 30 {
        s.push_str(chars[rng.random_range(0..chars.len())]);
    } else {
        s.push_str(chars[rng.random_range(0..chars.len())]);
        if rng.random_range(0..100) < 15 {
            s.push_str(homophone_first(rng, male));
        } else {
            s.push_str(chars[rng.random_range(0..chars.len())]);
        }
    }
    s
}

/// Replace the first character of the given name that has a homophone with
/// its homophone: 张伟 → 张玮. `None` when no character has one.
pub fn homophone_of(name: &str) -> Option<String> {
    let mut out = String::new();
    let mut done = false;
    for (i, c) in name.chars().enumerate() {
        let s = c.to_string();
        if !done
            && i > 0
            && let Some((_, h)) = HOMOPHONES.iter().find(|(a, _)| *a == s)
        {
            out.push_str(h);
            done = true;
            continue;
        }
        out.push(c);
    }
    done.then_some(out)
}

/// Toneless pinyin of a name, syllables joined: 张伟 and 张玮 give `zhangwei`.
/// Characters without pinyin are kept as they are.
pub fn pinyin_key(name: &str) -> String {
    let mut out = String::new();
    for (c, p) in name.chars().zip(name.to_pinyin()) {
        match p {
            Some(p) => out.push_str(p.plain()),
            None => out.push(c),
        }
    }
    out
}

/// Village name parts.
const VILLAGE_A: &[&str] = &[
    "东", "西", "南", "北", "前", "后", "大", "小", "上", "下", "新", "老", "河", "山", "石", "柳",
    "杨", "桃", "枣", "梨",
];
const VILLAGE_B: &[&str] = &[
    "庄", "屯", "营", "店", "集", "铺", "洼", "岭", "峪", "沟", "河", "坡", "园", "寨", "楼",
];

pub fn village_name(rng: &mut impl Rng, clan: Option<&str>) -> String {
    let a = match clan {
        Some(s) => format!("{s}家"),
        None => VILLAGE_A[rng.random_range(0..VILLAGE_A.len())].to_string(),
    };
    let b = VILLAGE_B[rng.random_range(0..VILLAGE_B.len())];
    format!("{a}{b}村")
}

/// Company trade names (字号) and industries.
pub const TRADE_WORDS: &[&str] = &[
    "鑫", "宏", "泰", "华", "盛", "达", "恒", "源", "顺", "通", "利", "丰", "德", "信", "诚", "昌",
    "隆", "瑞", "祥", "鼎", "嘉", "润", "锦", "创", "腾", "远", "康", "正", "安", "中",
];
pub const INDUSTRIES: &[&str] = &[
    "建筑工程有限公司",
    "市政工程有限公司",
    "园林绿化工程有限公司",
    "建材有限公司",
    "环境卫生服务有限公司",
    "水电安装工程有限公司",
    "路桥工程有限公司",
    "电气设备有限公司",
    "劳务有限公司",
    "装饰工程有限公司",
];

/// Project names (with a hamlet or segment inserted).
pub const PROJECTS: &[&str] = &[
    "道路硬化工程",
    "排水沟清淤工程",
    "路灯安装工程",
    "村委会办公室维修",
    "文化广场建设",
    "自来水管网改造",
    "垃圾清运服务",
    "绿化提升工程",
    "护坡修建工程",
    "桥涵维修工程",
    "健身器材采购",
    "厕所改造工程",
    "党群服务中心装修",
    "农田灌溉渠修复",
    "围墙修缮工程",
];
pub const SEGMENTS: &[&str] = &["东段", "西段", "南段", "北段", "一期", "二期", "三期"];

/// Shops and utilities paid from the ledger without a contract.
pub const SHOPS: &[&str] = &[
    "便民超市",
    "五金建材店",
    "文具办公用品店",
    "农资门市部",
    "电器维修部",
    "印刷广告部",
    "餐饮店",
];
