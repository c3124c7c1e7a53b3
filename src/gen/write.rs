//! Rendering the truth as export files. `clean`: canonical names and
//! headers, UTF-8 CSV, ISO dates, plain amounts. `messy`: what real exports
//! look like (data contract §3): Chinese file names and headers, a GBK
//! ledger, an xlsx subsidy roll with date and number cells, every date and
//! amount form mixed, padded names, lower-case `x`, numeric village codes.
//!
//! Villages are rendered in parallel, a chunk at a time, and appended in
//! village order: the bytes do not depend on the thread count.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::model::*;
use crate::dataset::normalize::fen_to_yuan_string;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Clean,
    Messy,
}

/// One cell, typed so that each style can render it its own way.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    /// A voucher, contract, batch or decision number.
    Code(String),
    /// A bank account or phone number.
    Digits(String),
    Name(String),
    Id(String),
    Village(String),
    Date(NaiveDate),
    OptDate(Option<NaiveDate>),
    Period(u32),
    Amount(i64),
    Number(Option<f64>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Cadres,
    Relatives,
    Households,
    Ledger,
    Contracts,
    Subsidies,
    Hires,
    Publicity,
    Decisions,
    Deaths,
}

pub const TABLES: [Table; 10] = [
    Table::Cadres,
    Table::Relatives,
    Table::Households,
    Table::Ledger,
    Table::Contracts,
    Table::Subsidies,
    Table::Hires,
    Table::Publicity,
    Table::Decisions,
    Table::Deaths,
];

impl Table {
    pub fn canonical(self) -> &'static str {
        match self {
            Table::Cadres => "cadres",
            Table::Relatives => "relatives",
            Table::Households => "households",
            Table::Ledger => "ledger",
            Table::Contracts => "contracts",
            Table::Subsidies => "subsidies",
            Table::Hires => "hires",
            Table::Publicity => "publicity",
            Table::Decisions => "decisions",
            Table::Deaths => "deaths",
        }
    }
    pub fn chinese(self) -> &'static str {
        match self {
            Table::Cadres => "村干部名册",
            Table::Relatives => "近亲属备案",
            Table::Households => "户籍人口",
            Table::Ledger => "集体资金收支明细",
            Table::Contracts => "工程项目合同",
            Table::Subsidies => "补贴救助发放花名册",
            Table::Hires => "村级用工",
            Table::Publicity => "公示记录",
            Table::Decisions => "四议两公开决策记录",
            Table::Deaths => "死亡人员信息",
        }
    }
    /// (canonical header, messy header).
    fn columns(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Table::Cadres => &[
                ("village_code", "村居代码"),
                ("village_name", "村居名称"),
                ("name", "姓名"),
                ("id_number", "身份证号"),
                ("role", "职务"),
                ("phone", "联系电话"),
                ("bank_account", "银行账号"),
                ("household_id", "户号"),
                ("address", "住址"),
                ("term_start", "任职开始日期"),
                ("term_end", "任职结束日期"),
            ],
            Table::Relatives => &[
                ("cadre_id_number", "干部身份证号"),
                ("name", "姓名"),
                ("id_number", "身份证号"),
                ("relation", "与干部关系"),
                ("phone", "联系电话"),
                ("bank_account", "银行账号"),
            ],
            Table::Households => &[
                ("household_id", "户号"),
                ("village_code", "村居代码"),
                ("name", "姓名"),
                ("id_number", "公民身份号码"),
                ("relation_to_head", "与户主关系"),
                ("address", "家庭住址"),
            ],
            Table::Ledger => &[
                ("village_code", "村代码"),
                ("voucher_no", "凭证号"),
                ("date", "记账日期"),
                ("direction", "收支方向"),
                ("amount", "金额"),
                ("summary", "摘要"),
                ("category", "科目"),
                ("counterparty", "对方户名"),
                ("counterparty_id", "对方证件号码"),
                ("counterparty_account", "收款账号"),
                ("payment_method", "结算方式"),
                ("contract_no", "合同编号"),
                ("decision_no", "决议编号"),
            ],
            Table::Contracts => &[
                ("village_code", "村居代码"),
                ("contract_no", "合同编号"),
                ("project_name", "项目名称"),
                ("vendor", "承包方"),
                ("vendor_credit_code", "统一社会信用代码"),
                ("vendor_id_number", "承包人身份证号"),
                ("vendor_legal_rep", "法定代表人"),
                ("vendor_legal_rep_id", "法定代表人身份证号"),
                ("amount", "合同金额"),
                ("signed_date", "签订日期"),
                ("procurement", "发包方式"),
                ("decision_no", "决议编号"),
            ],
            Table::Subsidies => &[
                ("program", "补贴项目"),
                ("batch_no", "发放批次"),
                ("period", "发放期间"),
                ("village_code", "村居代码"),
                ("name", "姓名"),
                ("id_number", "身份证号码"),
                ("household_id", "户号"),
                ("bank_account", "银行卡号"),
                ("phone", "联系电话"),
                ("amount", "发放金额"),
                ("quantity", "数量"),
                ("unit", "单位"),
                ("approved_date", "审批日期"),
                ("paid_date", "发放日期"),
            ],
            Table::Hires => &[
                ("village_code", "村居代码"),
                ("batch_no", "招聘批次"),
                ("post", "岗位"),
                ("name", "姓名"),
                ("id_number", "身份证号"),
                ("bank_account", "银行账号"),
                ("phone", "手机号"),
                ("start_date", "上岗日期"),
                ("end_date", "离岗日期"),
                ("monthly_wage", "月工资"),
                ("hire_method", "聘用方式"),
            ],
            Table::Publicity => &[
                ("village_code", "村居代码"),
                ("ref_no", "公示事项编号"),
                ("kind", "公示类型"),
                ("start_date", "公示开始日期"),
                ("end_date", "公示结束日期"),
                ("channel", "公示方式"),
            ],
            Table::Decisions => &[
                ("village_code", "村居代码"),
                ("decision_no", "决议编号"),
                ("subject", "事项"),
                ("amount", "金额"),
                ("proposed_date", "提议日期"),
                ("consulted_date", "商议日期"),
                ("reviewed_date", "审议日期"),
                ("resolved_date", "决议日期"),
                ("resolution_published_date", "决议公开日期"),
                ("result_published_date", "结果公开日期"),
            ],
            Table::Deaths => &[
                ("id_number", "身份证号"),
                ("name", "姓名"),
                ("death_date", "死亡日期"),
            ],
        }
    }
}

fn t(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

/// The rows one village contributes to a table.
pub fn rows(w: &World, v: &Village, table: Table) -> Vec<Vec<Cell>> {
    let mut out = vec![];
    let vc = || Cell::Village(v.code.clone());
    match table {
        Table::Cadres => {
            for c in &v.cadres {
                let p = v.person(c.person);
                let (hid, addr) = p
                    .household
                    .map(|h| {
                        let h = &v.households[h as usize];
                        (h.hid.clone(), h.address.clone())
                    })
                    .unwrap_or_default();
                out.push(vec![
                    vc(),
                    t(&v.name),
                    Cell::Name(p.name.clone()),
                    Cell::Id(p.written_id()),
                    t(c.role),
                    Cell::Digits(p.phone.clone()),
                    Cell::Digits(p.account.clone()),
                    t(hid),
                    t(addr),
                    Cell::Date(c.term_start),
                    Cell::OptDate(None),
                ]);
            }
        }
        Table::Relatives => {
            for d in &v.declared {
                let c = v.person(v.cadres[d.cadre as usize].person);
                let p = v.person(d.person);
                out.push(vec![
                    Cell::Id(c.written_id()),
                    Cell::Name(p.name.clone()),
                    Cell::Id(if d.with_id {
                        p.written_id()
                    } else {
                        String::new()
                    }),
                    t(d.relation),
                    Cell::Digits(if d.with_phone {
                        p.phone.clone()
                    } else {
                        String::new()
                    }),
                    Cell::Digits(if d.with_account {
                        p.account.clone()
                    } else {
                        String::new()
                    }),
                ]);
            }
        }
        Table::Households => {
            for h in &v.households {
                for (m, rel) in &h.members {
                    let p = v.person(*m);
                    let id = v
                        .household_id_override
                        .iter()
                        .find(|o| o.0 == *m)
                        .map(|o| o.1.clone())
                        .unwrap_or_else(|| p.written_id());
                    out.push(vec![
                        t(&h.hid),
                        vc(),
                        Cell::Name(p.name.clone()),
                        Cell::Id(id),
                        t(*rel),
                        t(&h.address),
                    ]);
                }
            }
        }
        Table::Ledger => {
            for l in &v.ledger {
                out.push(vec![
                    vc(),
                    Cell::Code(l.voucher.clone()),
                    Cell::Date(l.date),
                    t(if l.income { "收入" } else { "支出" }),
                    Cell::Amount(l.amount),
                    t(&l.summary),
                    t(l.category),
                    Cell::Name(l.counterparty.clone()),
                    Cell::Id(l.cp_id.clone()),
                    Cell::Digits(l.account.clone()),
                    t(l.method),
                    Cell::Code(l.contract_no.clone()),
                    Cell::Code(l.decision_no.clone()),
                ]);
            }
        }
        Table::Contracts => {
            for c in &v.contracts {
                let (credit, vid, rep, rep_id) = match c.vendor {
                    Vendor::Company(i) => {
                        let co = &v.companies[i as usize];
                        (
                            if c.with_credit {
                                co.credit.clone()
                            } else {
                                String::new()
                            },
                            String::new(),
                            co.rep_name.clone(),
                            co.rep_id.clone(),
                        )
                    }
                    Vendor::Person(p) => (
                        String::new(),
                        if c.with_vendor_id {
                            w.person(p).written_id()
                        } else {
                            String::new()
                        },
                        String::new(),
                        String::new(),
                    ),
                };
                out.push(vec![
                    vc(),
                    Cell::Code(c.no.clone()),
                    t(&c.project),
                    Cell::Name(c.vendor_name.clone()),
                    t(credit),
                    Cell::Id(vid),
                    Cell::Name(rep),
                    Cell::Id(rep_id),
                    Cell::Amount(c.amount),
                    Cell::Date(c.signed),
                    t(c.procurement),
                    Cell::Code(c.decision_no.clone()),
                ]);
            }
        }
        Table::Subsidies => {
            for r in &v.subsidies {
                let b = &v.batches[r.batch as usize];
                out.push(vec![
                    t(b.program.name()),
                    Cell::Code(b.no.clone()),
                    Cell::Period(b.month),
                    vc(),
                    Cell::Name(r.name.clone()),
                    Cell::Id(r.id.clone()),
                    t(&r.household_id),
                    Cell::Digits(r.account.clone()),
                    Cell::Digits(r.phone.clone()),
                    Cell::Amount(r.amount),
                    Cell::Number(r.quantity),
                    t(match b.program {
                        Program::Gengdi => "亩",
                        Program::Nongji => "台",
                        _ => "",
                    }),
                    Cell::OptDate(r.approved),
                    Cell::Date(r.paid),
                ]);
            }
        }
        Table::Hires => {
            for h in &v.hires {
                out.push(vec![
                    vc(),
                    Cell::Code(h.batch_no.clone()),
                    t(h.post),
                    Cell::Name(h.name.clone()),
                    Cell::Id(h.id.clone()),
                    Cell::Digits(h.account.clone()),
                    Cell::Digits(h.phone.clone()),
                    Cell::Date(h.start),
                    Cell::OptDate(h.end),
                    Cell::Amount(h.wage),
                    t(h.method),
                ]);
            }
        }
        Table::Publicity => {
            for p in &v.publicity {
                out.push(vec![
                    vc(),
                    Cell::Code(p.ref_no.clone()),
                    t(&p.kind),
                    Cell::Date(p.start),
                    Cell::Date(p.end),
                    t(p.channel),
                ]);
            }
        }
        Table::Decisions => {
            for d in &v.decisions {
                out.push(vec![
                    vc(),
                    Cell::Code(d.no.clone()),
                    t(&d.subject),
                    match d.amount {
                        Some(a) => Cell::Amount(a),
                        None => t(""),
                    },
                    Cell::Date(d.proposed),
                    Cell::Date(d.consulted),
                    Cell::Date(d.reviewed),
                    Cell::Date(d.resolved),
                    Cell::OptDate(d.res_published),
                    Cell::OptDate(d.result_published),
                ]);
            }
        }
        Table::Deaths => {
            for p in &v.persons {
                if let Some(d) = p.death {
                    out.push(vec![
                        Cell::Id(p.written_id()),
                        Cell::Name(p.name.clone()),
                        Cell::Date(d),
                    ]);
                }
            }
        }
    }
    out
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' | '.' | ',' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect()
}

fn grouped(fen: i64) -> String {
    let s = fen_to_yuan_string(fen);
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let mut g = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            g.push(',');
        }
        g.push(c);
    }
    format!("{g}.{frac}")
}

/// Excel's serial day number of a date.
fn excel_serial(d: NaiveDate) -> i64 {
    (d - ymd(1899, 12, 30)).num_days()
}

fn render_clean(c: &Cell) -> String {
    match c {
        Cell::Text(s)
        | Cell::Code(s)
        | Cell::Digits(s)
        | Cell::Name(s)
        | Cell::Id(s)
        | Cell::Village(s) => s.clone(),
        Cell::Date(d) => iso(*d),
        Cell::OptDate(d) => d.map(iso).unwrap_or_default(),
        Cell::Period(m) => format!("{YEAR}-{m:02}"),
        Cell::Amount(a) => fen_to_yuan_string(*a),
        Cell::Number(n) => n.map(|x| format!("{x:.1}")).unwrap_or_default(),
    }
}

fn messy_date(d: NaiveDate, rng: &mut ChaCha8Rng) -> String {
    match rng.random_range(0..12) {
        0..=3 => iso(d),
        4 | 5 => format!("{}/{}/{}", d.year(), d.month(), d.day()),
        6 => d.format("%Y.%m.%d").to_string(),
        7 => d.format("%Y%m%d").to_string(),
        8 | 9 => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        10 => excel_serial(d).to_string(),
        _ => format!("{} 00:00:00", iso(d)),
    }
}

fn render_messy(c: &Cell, rng: &mut ChaCha8Rng, gbk: bool) -> String {
    match c {
        Cell::Text(s) => s.clone(),
        Cell::Code(s) => {
            if rng.random_range(0..20) == 0 {
                s.to_lowercase()
            } else {
                s.clone()
            }
        }
        Cell::Digits(s) => {
            if s.len() == 19 && rng.random_range(0..8) == 0 {
                // Accounts grouped by four, as printed on a passbook.
                s.as_bytes()
                    .chunks(4)
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect::<Vec<_>>()
                    .join(" ")
            } else {
                s.clone()
            }
        }
        Cell::Name(s) => {
            let n = s.chars().count();
            match rng.random_range(0..10) {
                0 | 1 if n == 2 => {
                    let mut it = s.chars();
                    let (a, b) = (it.next().unwrap_or(' '), it.next().unwrap_or(' '));
                    format!("{a}\u{3000}{b}")
                }
                2 if n == 2 => {
                    let mut it = s.chars();
                    let (a, b) = (it.next().unwrap_or(' '), it.next().unwrap_or(' '));
                    format!("{a} {b}")
                }
                3 => format!("{s} "),
                _ => s.clone(),
            }
        }
        Cell::Id(s) => {
            if s.len() == 18 && s.ends_with('X') && rng.random_bool(0.5) {
                format!("{}x", &s[..17])
            } else {
                s.clone()
            }
        }
        Cell::Village(s) => {
            if rng.random_range(0..8) == 0 {
                format!("{s}.0")
            } else {
                s.clone()
            }
        }
        Cell::Date(d) => messy_date(*d, rng),
        Cell::OptDate(d) => d.map(|d| messy_date(d, rng)).unwrap_or_default(),
        Cell::Period(m) => match rng.random_range(0..5) {
            0 | 1 => format!("{YEAR}-{m:02}"),
            2 => format!("{YEAR}年{m}月"),
            3 => format!("{YEAR}{m:02}"),
            _ => format!("{YEAR}/{m:02}"),
        },
        Cell::Amount(a) => {
            let yuan = if gbk { "￥" } else { "¥" };
            match rng.random_range(0..10) {
                0..=3 => fen_to_yuan_string(*a),
                4 | 5 => grouped(*a),
                6 => format!("{yuan}{}", grouped(*a)),
                7 => format!("{}元", fen_to_yuan_string(*a)),
                8 => full_width(&fen_to_yuan_string(*a)),
                _ => {
                    // A number cell exported without trailing zeros.
                    let s = fen_to_yuan_string(*a);
                    let s = s.trim_end_matches('0').trim_end_matches('.');
                    s.to_string()
                }
            }
        }
        Cell::Number(n) => n.map(|x| format!("{x}")).unwrap_or_default(),
    }
}

fn csv_field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

/// Rows per table written, for the report.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub tables: Vec<(String, PathBuf, usize)>,
}

fn village_rng(seed: u64, v: u32, table: usize) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(super::mix(seed, u64::from(v), 100 + table as u64))
}

/// Write every table of the world into `dir`.
pub fn write_world(w: &World, dir: &Path, style: Style, seed: u64) -> Result<Written> {
    let mut written = Written::default();
    for (ti, table) in TABLES.iter().copied().enumerate() {
        let messy = style == Style::Messy;
        let name = if messy {
            table.chinese()
        } else {
            table.canonical()
        };
        let n_rows: usize;
        let path;
        if messy && table == Table::Subsidies {
            let total: usize = w.villages.iter().map(|v| v.subsidies.len()).sum();
            if total < 1_000_000 {
                path = dir.join(format!("{name}.xlsx"));
                n_rows = write_xlsx(w, table, &path, seed, ti)?;
                written
                    .tables
                    .push((table.canonical().into(), path, n_rows));
                continue;
            }
        }
        path = dir.join(format!("{name}.csv"));
        let gbk = messy && table == Table::Ledger;
        n_rows = write_csv(w, table, &path, style, seed, ti, gbk)?;
        written
            .tables
            .push((table.canonical().into(), path, n_rows));
    }
    Ok(written)
}

fn header_line(table: Table, style: Style) -> String {
    let mut line = String::new();
    if style == Style::Messy && matches!(table, Table::Subsidies | Table::Ledger) {
        line.push_str("序号,");
    }
    let heads: Vec<&str> = table
        .columns()
        .iter()
        .map(|(c, m)| if style == Style::Messy { *m } else { *c })
        .collect();
    line.push_str(&heads.join(","));
    if style == Style::Messy && table == Table::Hires {
        line.push_str(",备注");
    }
    line.push('\n');
    line
}

fn write_csv(
    w: &World,
    table: Table,
    path: &Path,
    style: Style,
    seed: u64,
    ti: usize,
    gbk: bool,
) -> Result<usize> {
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let encode = |s: &str| -> Result<Vec<u8>> {
        if gbk {
            let (bytes, _, had_errors) = encoding_rs::GBK.encode(s);
            if had_errors {
                return Err(Error::format(path, "a character has no GBK encoding"));
            }
            Ok(bytes.into_owned())
        } else {
            Ok(s.as_bytes().to_vec())
        }
    };
    out.write_all(&encode(&header_line(table, style))?)
        .map_err(|e| Error::io(path, e))?;
    let mut total = 0usize;
    let mut serial = 0usize;
    for chunk in w.villages.chunks(64) {
        let parts: Vec<(String, usize)> = chunk
            .par_iter()
            .map(|v| {
                let mut rng = village_rng(seed, v.index, ti);
                let rs = rows(w, v, table);
                let mut s = String::with_capacity(rs.len() * 120);
                for (k, r) in rs.iter().enumerate() {
                    if style == Style::Messy && matches!(table, Table::Subsidies | Table::Ledger) {
                        // Placeholder for the running row number, filled below.
                        s.push_str(&format!("\u{1}{k},"));
                    }
                    for (i, c) in r.iter().enumerate() {
                        if i > 0 {
                            s.push(',');
                        }
                        let cell = match style {
                            Style::Clean => render_clean(c),
                            Style::Messy => render_messy(c, &mut rng, gbk),
                        };
                        csv_field(&mut s, &cell);
                    }
                    if style == Style::Messy && table == Table::Hires {
                        s.push(',');
                    }
                    s.push('\n');
                }
                (s, rs.len())
            })
            .collect();
        for (s, n) in parts {
            let s = if s.contains('\u{1}') {
                // Running 序号 across villages.
                let mut fixed = String::with_capacity(s.len());
                for line in s.split_inclusive('\n') {
                    if let Some(rest) = line.strip_prefix('\u{1}') {
                        let (_, tail) = rest.split_once(',').unwrap_or(("", rest));
                        serial += 1;
                        fixed.push_str(&format!("{serial},{tail}"));
                    } else {
                        fixed.push_str(line);
                    }
                }
                fixed
            } else {
                s
            };
            out.write_all(&encode(&s)?)
                .map_err(|e| Error::io(path, e))?;
            total += n;
        }
    }
    out.flush().map_err(|e| Error::io(path, e))?;
    Ok(total)
}

fn write_xlsx(w: &World, table: Table, path: &Path, seed: u64, ti: usize) -> Result<usize> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let xe = |e: rust_xlsxwriter::XlsxError| Error::format(path, e);
    let mut wb = Workbook::new();
    // A fixed creation time: the same seed gives the same bytes.
    let created = ExcelDateTime::from_ymd(YEAR as u16 + 1, 1, 1).map_err(xe)?;
    wb.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created));
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    let ws = wb.add_worksheet();
    ws.set_name("发放花名册").map_err(xe)?;
    ws.write_string(0, 0, "序号").map_err(xe)?;
    for (i, (_, h)) in table.columns().iter().enumerate() {
        ws.write_string(0, (i + 1) as u16, *h).map_err(xe)?;
    }
    let mut row: u32 = 0;
    for v in &w.villages {
        let mut rng = village_rng(seed, v.index, ti);
        for r in rows(w, v, table) {
            row += 1;
            ws.write_number(row, 0, f64::from(row)).map_err(xe)?;
            for (i, c) in r.iter().enumerate() {
                let col = (i + 1) as u16;
                let date = match c {
                    Cell::Date(d) => Some(*d),
                    Cell::OptDate(d) => *d,
                    _ => None,
                };
                match c {
                    Cell::Village(s) if rng.random_bool(0.7) => {
                        let n: f64 = s.parse().unwrap_or(0.0);
                        ws.write_number(row, col, n).map_err(xe)?;
                    }
                    Cell::Amount(a) if rng.random_bool(0.6) => {
                        ws.write_number(row, col, *a as f64 / 100.0).map_err(xe)?;
                    }
                    Cell::Number(Some(x)) => {
                        ws.write_number(row, col, *x).map_err(xe)?;
                    }
                    Cell::Date(_) | Cell::OptDate(Some(_)) if rng.random_bool(0.6) => {
                        let d = date.unwrap_or(NaiveDate::MIN);
                        let dt = ExcelDateTime::from_ymd(
                            d.year() as u16,
                            d.month() as u8,
                            d.day() as u8,
                        )
                        .map_err(xe)?;
                        ws.write_datetime_with_format(row, col, &dt, &date_fmt)
                            .map_err(xe)?;
                    }
                    _ => {
                        let s = render_messy(c, &mut rng, false);
                        if !s.is_empty() {
                            ws.write_string(row, col, s).map_err(xe)?;
                        }
                    }
                }
            }
        }
    }
    wb.save(path).map_err(xe)?;
    Ok(row as usize)
}
