//! `report.html`: the scan's findings as one self-contained page for
//! officers: no network (a Content-Security-Policy forbids it), all CSS and
//! JS inline. A ranked table with filters by village, category, severity,
//! this run's mark and free text; counts per village and per category; a
//! bar chart of findings by category (inline SVG drawn by the page); each
//! finding's evidence expandable.
//!
//! Data goes in as JSON inside `<script type="application/json">` with `<`,
//! `>` and `&` escaped as `\u003c`…, and the page builds every cell with
//! `textContent`: a name like `<script>alert(1)</script>` shows as text.
//! Opened as `report.html#selftest`, the page drives its own filters and
//! writes what it saw into `<pre id="wq-selftest">` (the browser test reads
//! it with `chromium --dump-dom`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_json::json;

use crate::error::{Error, Result};
use crate::finding::{Category, Outbound};

/// How the case store sees one finding (absent when the scan ran without a store).
#[derive(Debug, Clone, Serialize)]
pub struct RowTriage {
    pub case_id: String,
    /// `new`, `recurring`, `reopened`.
    pub mark: String,
    /// `new`, `open`, `confirmed`, `dismissed`, `rectified`.
    pub status: String,
    /// A dismissed or rectified case seen again with unchanged facts.
    pub hidden: bool,
}

/// An open case this run no longer finds in the data.
#[derive(Debug, Clone, Serialize)]
pub struct GoneCase {
    pub case_id: String,
    pub rule: String,
    pub category: Category,
    pub severity: String,
    pub score: u8,
    pub village_code: String,
    pub subject_id: String,
    pub amount: String,
    pub message: String,
    pub status: String,
    pub gone_since_run: Option<i64>,
}

pub struct ReportInput<'a> {
    /// In queue order, already masked under `--mask-pii`.
    pub findings: &'a Outbound<'a>,
    /// By `finding_id`.
    pub triage: Option<&'a BTreeMap<String, RowTriage>>,
    pub gone: &'a [GoneCase],
    /// `run.json`.
    pub manifest: &'a serde_json::Value,
    pub mask_pii: bool,
    pub run_id: Option<i64>,
}

/// JSON that is safe inside a `<script>` element: nothing in it can close
/// the element or start a comment, whatever the data holds.
pub fn script_safe_json(v: &serde_json::Value) -> String {
    let s = serde_json::to_string(v).unwrap_or_else(|_| "null".into());
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One finding as the page reads it. Keys in alphabetical order, as they
/// were when the payload was built as a `serde_json::Value`; serialised
/// straight from the finding, without a copy of its evidence.
#[derive(Serialize)]
struct Row<'a> {
    amount: String,
    case: &'a str,
    cat: Category,
    evidence: &'a serde_json::value::RawValue,
    hidden: bool,
    id: &'a str,
    mark: &'a str,
    message: &'a str,
    related: &'a [String],
    rule: &'a str,
    score: u8,
    sev: crate::finding::Severity,
    status: &'a str,
    subject: &'a str,
    village: &'a str,
}

/// The findings, written as a JSON array one row at a time.
struct Rows<'a, 'b>(&'b ReportInput<'a>);

impl Serialize for Rows<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let input = self.0;
        let mut seq = s.serialize_seq(Some(input.findings.len()))?;
        for (f, evidence) in input.findings.iter() {
            let t = input.triage.and_then(|m| m.get(&f.finding_id));
            seq.serialize_element(&Row {
                amount: f.amount_yuan(),
                case: t.map(|t| t.case_id.as_str()).unwrap_or(""),
                cat: f.category,
                evidence,
                hidden: t.is_some_and(|t| t.hidden),
                id: &f.finding_id,
                mark: t.map(|t| t.mark.as_str()).unwrap_or(""),
                message: &f.message,
                related: &f.related_ids,
                rule: &f.rule,
                score: f.score,
                sev: f.severity,
                status: t.map(|t| t.status.as_str()).unwrap_or(""),
                subject: &f.subject_id,
                village: &f.village_code,
            })?;
        }
        seq.end()
    }
}

/// The page's data: `findings`, `gone`, `labels`, `meta` (in that order,
/// as a `serde_json::Value` would sort them).
#[derive(Serialize)]
struct Payload<'a, 'b> {
    findings: Rows<'a, 'b>,
    gone: serde_json::Value,
    labels: serde_json::Value,
    meta: serde_json::Value,
}

fn payload<'a, 'b>(input: &'b ReportInput<'a>) -> Payload<'a, 'b> {
    let categories: serde_json::Map<String, serde_json::Value> = Category::ALL
        .iter()
        .map(|c| (c.as_str().to_string(), json!(c.label_zh())))
        .collect();
    let m = input.manifest;
    let skipped: Vec<serde_json::Value> = m["rules"]
        .as_array()
        .map(|rules| {
            rules
                .iter()
                .filter(|r| r["run"]["status"] == "skipped")
                .map(|r| json!({"code": r["code"], "reason": r["run"]["reason"]}))
                .collect()
        })
        .unwrap_or_default();
    Payload {
        findings: Rows(input),
        gone: json!(input.gone),
        labels: json!({
            "category": categories,
            "severity": {"high": "高", "medium": "中", "low": "低"},
            "mark": {"new": "新增", "recurring": "复现", "reopened": "重开", "gone": "消失"},
            "status": {"new": "新线索", "open": "处理中", "confirmed": "已查实",
                        "dismissed": "已排除", "rectified": "已整改"},
        }),
        meta: json!({
            "tool": "weiquan",
            "version": env!("CARGO_PKG_VERSION"),
            "generated": chrono::Local::now().format("%Y-%m-%d %H:%M").to_string(),
            "dataset": m["dataset"],
            "rows": m["rows"],
            "run_id": input.run_id,
            "store": input.triage.is_some(),
            "mask_pii": input.mask_pii,
            "skipped": skipped,
        }),
    }
}

/// Write JSON bytes so that nothing in them can close the `<script>`
/// element or start a comment (as [`script_safe_json`]).
fn write_script_safe(w: &mut impl std::io::Write, json: &[u8]) -> std::io::Result<()> {
    let mut from = 0;
    let mut i = 0;
    while i < json.len() {
        let esc: Option<(&[u8], usize)> = match json[i] {
            b'<' => Some((b"\\u003c", 1)),
            b'>' => Some((b"\\u003e", 1)),
            b'&' => Some((b"\\u0026", 1)),
            // U+2028 and U+2029 in UTF-8.
            0xE2 if json.get(i + 1) == Some(&0x80) && json.get(i + 2) == Some(&0xA8) => {
                Some((b"\\u2028", 3))
            }
            0xE2 if json.get(i + 1) == Some(&0x80) && json.get(i + 2) == Some(&0xA9) => {
                Some((b"\\u2029", 3))
            }
            _ => None,
        };
        match esc {
            Some((e, n)) => {
                w.write_all(&json[from..i])?;
                w.write_all(e)?;
                i += n;
                from = i;
            }
            None => i += 1,
        }
    }
    w.write_all(&json[from..])
}

/// The page, written to `w`: the data serialised once, escaped on the way
/// out, never held as a `Value` or copied into the template.
fn write_page(w: &mut impl std::io::Write, input: &ReportInput<'_>) -> std::io::Result<()> {
    let mut data = Vec::new();
    serde_json::to_writer(&mut data, &payload(input)).map_err(std::io::Error::other)?;
    let dataset = input.manifest["dataset"].as_str().unwrap_or_default();
    let name = Path::new(dataset)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(dataset);
    let title = escape_html(name);
    let (head, tail) = TEMPLATE
        .split_once("__WQ_DATA__")
        .expect("the template has a data slot");
    w.write_all(head.replace("__WQ_TITLE__", &title).as_bytes())?;
    write_script_safe(w, &data)?;
    w.write_all(tail.replace("__WQ_TITLE__", &title).as_bytes())
}

/// The whole page.
pub fn render(input: &ReportInput<'_>) -> String {
    let mut page = Vec::new();
    // Writing into memory cannot fail; the page is UTF-8 throughout.
    let _ = write_page(&mut page, input);
    String::from_utf8(page).unwrap_or_default()
}

pub fn write_report(path: &Path, input: &ReportInput<'_>) -> Result<()> {
    let f = super::create_private(path)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    write_page(&mut w, input).map_err(|e| Error::output(path, e))?;
    std::io::Write::flush(&mut w).map_err(|e| Error::output(path, e))
}

const TEMPLATE: &str = r##"<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>小微权力监督线索 · __WQ_TITLE__</title>
<style>
:root { --b:#d0d7e2; --bg:#f6f8fb; --hi:#c0392b; --me:#d68910; --lo:#5d6d7e; --ac:#1f4e8c; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 14px/1.5 "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif; color: #1c2833; background: var(--bg); }
header { background: var(--ac); color: #fff; padding: 14px 24px; }
header h1 { margin: 0; font-size: 20px; }
header .sub { opacity: .85; font-size: 13px; }
.badge { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 12px; background: #fff3; margin-left: 6px; }
main { padding: 16px 24px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin-bottom: 14px; }
.card { background: #fff; border: 1px solid var(--b); border-radius: 6px; padding: 8px 14px; min-width: 96px; }
.card b { display: block; font-size: 20px; }
.card span { font-size: 12px; color: #566573; }
.filters { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; background: #fff; border: 1px solid var(--b); border-radius: 6px; padding: 10px 12px; margin-bottom: 14px; }
.filters label { font-size: 13px; color: #34495e; }
.filters select, .filters input[type=search] { font: inherit; padding: 3px 6px; border: 1px solid var(--b); border-radius: 4px; }
.filters input[type=search] { width: 220px; }
button { font: inherit; padding: 3px 10px; border: 1px solid var(--b); border-radius: 4px; background: #fff; cursor: pointer; }
button:hover { background: #eef3fa; }
.panels { display: grid; grid-template-columns: minmax(320px, 1.3fr) minmax(240px, 1fr) minmax(240px, 1fr); gap: 14px; margin-bottom: 14px; }
.panel { background: #fff; border: 1px solid var(--b); border-radius: 6px; padding: 10px 12px; max-height: 360px; overflow: auto; }
.panel h2 { font-size: 15px; margin: 0 0 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #e5e8ef; padding: 5px 6px; text-align: left; vertical-align: top; }
th { background: #eef2f8; position: sticky; top: 0; font-weight: 600; white-space: nowrap; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.list { background: #fff; border: 1px solid var(--b); border-radius: 6px; overflow: auto; }
tr.wq-row { cursor: pointer; }
tr.wq-row:hover { background: #f3f7fd; }
tr.wq-row.open { background: #e8f0fb; }
tr.wq-detail td { background: #fbfcfe; }
pre { margin: 0; white-space: pre-wrap; word-break: break-all; font: 12px/1.45 Consolas, "Courier New", monospace; }
.sev { display: inline-block; min-width: 22px; text-align: center; border-radius: 3px; color: #fff; font-size: 12px; padding: 0 4px; }
.sev-high { background: var(--hi); } .sev-medium { background: var(--me); } .sev-low { background: var(--lo); }
.mark-new, .mark-reopened { color: var(--hi); font-weight: 600; }
.muted { color: #7f8c8d; font-size: 12px; }
.link { color: var(--ac); cursor: pointer; text-decoration: underline; }
.more { margin: 10px; }
svg text { font-size: 12px; fill: #1c2833; }
@media print { .filters, .more { display: none; } .panel { max-height: none; } }
</style>
</head>
<body>
<header>
  <h1>小微权力监督线索报告 <span class="badge" id="wq-mask" hidden>已脱敏</span></h1>
  <div class="sub" id="wq-sub"></div>
</header>
<main>
  <noscript><p>本报告需要启用 JavaScript 才能显示。</p></noscript>
  <div class="cards" id="wq-cards"></div>
  <div class="filters">
    <label>村居 <select id="wq-village"><option value="">全部</option></select></label>
    <label>类别 <select id="wq-category"><option value="">全部</option></select></label>
    <label>严重程度 <select id="wq-severity"><option value="">全部</option></select></label>
    <label id="wq-mark-label">本次 <select id="wq-mark"><option value="">全部</option></select></label>
    <label>搜索 <input type="search" id="wq-search" placeholder="姓名、证件号、凭证号、描述…"></label>
    <label id="wq-hidden-label"><input type="checkbox" id="wq-hidden"> 显示已排除/已整改（事实未变）</label>
    <button type="button" id="wq-reset">重置</button>
    <span class="muted" id="wq-count" data-n="0"></span>
  </div>
  <div class="panels">
    <div class="panel"><h2>按类别</h2><div id="wq-chart"></div></div>
    <div class="panel"><h2>类别统计</h2><table id="wq-by-category"><thead><tr><th>类别</th><th>线索</th><th>高</th><th>金额（元）</th></tr></thead><tbody></tbody></table></div>
    <div class="panel"><h2>村居统计</h2><table id="wq-by-village"><thead><tr><th>村居代码</th><th>线索</th><th>高</th><th>金额（元）</th></tr></thead><tbody></tbody></table></div>
  </div>
  <div class="list">
    <table id="wq-table">
      <thead><tr><th>#</th><th>分值</th><th>严重程度</th><th>类别</th><th>规则</th><th>村居代码</th><th>对象</th><th>金额（元）</th><th>问题描述</th><th class="wq-store">本次</th><th class="wq-store">处理状态</th><th class="wq-store">线索编号</th></tr></thead>
      <tbody id="wq-body"></tbody>
    </table>
    <button type="button" class="more" id="wq-more" hidden>显示更多</button>
  </div>
  <div class="list" id="wq-gone-box" hidden style="margin-top:14px">
    <div class="panel" style="border:0;max-height:none"><h2>本次未再出现的线索（消失）</h2>
    <p class="muted">以下线索在案件库中仍未办结，但本次扫描未在数据中发现：可能已整改，也可能数据被调整，请核实后销号。</p>
    <table id="wq-gone"><thead><tr><th>线索编号</th><th>分值</th><th>严重程度</th><th>类别</th><th>规则</th><th>村居代码</th><th>对象</th><th>金额（元）</th><th>问题描述</th><th>处理状态</th></tr></thead><tbody></tbody></table></div>
  </div>
  <p class="muted" id="wq-foot"></p>
</main>
<script type="application/json" id="wq-data">__WQ_DATA__</script>
<script>
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('wq-data').textContent);
  var L = D.labels, F = D.findings, M = D.meta;
  var PAGE = 200;
  var state = { village: '', category: '', severity: '', mark: '', q: '', hidden: false, limit: PAGE };
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function td(text, cls) { return el('td', text, cls); }
  function catLabel(c) { return L.category[c] || c; }
  function fenOf(f) { var n = Number(f.amount); return isFinite(n) ? Math.round(n * 100) : 0; }
  function yuan(fen) {
    var neg = fen < 0; fen = Math.abs(fen);
    var s = String(Math.floor(fen / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    var c = String(fen % 100); if (c.length < 2) c = '0' + c;
    return (neg ? '-' : '') + s + '.' + c;
  }
  function uniq(a) { var s = {}; var out = []; a.forEach(function (x) { if (!s[x]) { s[x] = 1; out.push(x); } }); return out; }
  F.forEach(function (f) {
    f._fen = fenOf(f);
    f._text = [f.message, f.subject, (f.related || []).join(' '), f.village, f.rule, f.case, f.id, catLabel(f.cat)].join('\n').toLowerCase();
  });

  function matches(f) {
    if (!state.hidden && f.hidden) return false;
    if (state.village && f.village !== state.village) return false;
    if (state.category && f.cat !== state.category) return false;
    if (state.severity && f.sev !== state.severity) return false;
    if (state.mark && f.mark !== state.mark) return false;
    if (state.q && f._text.indexOf(state.q) < 0) return false;
    return true;
  }

  function fillSelect(id, values, label) {
    var s = $(id);
    values.forEach(function (v) { var o = el('option', label(v)); o.value = v; s.appendChild(o); });
  }

  function severityBadge(sev) { return el('span', L.severity[sev] || sev, 'sev sev-' + sev); }

  function header() {
    $('wq-sub').textContent = '数据：' + (M.dataset || '') + ' · 生成：' + M.generated + (M.run_id ? ' · 第' + M.run_id + '次扫描' : '') + ' · weiquan ' + M.version;
    $('wq-mask').hidden = !M.mask_pii;
    var cards = $('wq-cards');
    var visible = F.filter(function (f) { return !f.hidden; });
    function card(n, label) { var c = el('div', null, 'card'); c.appendChild(el('b', n)); c.appendChild(el('span', label)); cards.appendChild(c); }
    card(visible.length, '线索');
    ['high', 'medium', 'low'].forEach(function (s) { card(visible.filter(function (f) { return f.sev === s; }).length, L.severity[s] + '风险'); });
    card(yuan(visible.reduce(function (a, f) { return a + f._fen; }, 0)), '涉及金额（元）');
    if (M.store) {
      ['new', 'reopened', 'recurring'].forEach(function (m) { card(visible.filter(function (f) { return f.mark === m; }).length, L.mark[m]); });
      card(F.length - visible.length, '已排除/已整改（隐藏）');
      card(D.gone.length, '消失');
    }
    var foot = '本报告为单一离线文件，不连接网络。';
    if (M.skipped.length) foot += ' 未运行的规则：' + M.skipped.map(function (s) { return s.code + '（' + s.reason + '）'; }).join('；');
    $('wq-foot').textContent = foot;
  }

  function drawChart(rows) {
    var box = $('wq-chart');
    while (box.firstChild) box.removeChild(box.firstChild);
    var NS = 'http://www.w3.org/2000/svg';
    var bar = 20, gap = 6, left = 120, width = 420;
    var max = rows.reduce(function (a, r) { return Math.max(a, r.n); }, 1);
    var svg = document.createElementNS(NS, 'svg');
    var h = Math.max(1, rows.length) * (bar + gap) + gap;
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + h);
    svg.setAttribute('width', '100%');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', '按类别的线索数');
    rows.forEach(function (r, i) {
      var y = gap + i * (bar + gap);
      var t = document.createElementNS(NS, 'text');
      t.setAttribute('x', left - 6); t.setAttribute('y', y + bar * 0.7); t.setAttribute('text-anchor', 'end');
      t.textContent = catLabel(r.key);
      var w = Math.max(2, (width - left - 50) * r.n / max);
      var rect = document.createElementNS(NS, 'rect');
      rect.setAttribute('x', left); rect.setAttribute('y', y); rect.setAttribute('width', w); rect.setAttribute('height', bar);
      rect.setAttribute('fill', '#1f4e8c'); rect.setAttribute('class', 'wq-bar'); rect.setAttribute('data-category', r.key);
      var n = document.createElementNS(NS, 'text');
      n.setAttribute('x', left + w + 4); n.setAttribute('y', y + bar * 0.7);
      n.textContent = String(r.n);
      var title = document.createElementNS(NS, 'title');
      title.textContent = catLabel(r.key) + '：' + r.n;
      rect.appendChild(title);
      svg.appendChild(t); svg.appendChild(rect); svg.appendChild(n);
    });
    box.appendChild(svg);
  }

  function countBy(list, key) {
    var m = {};
    list.forEach(function (f) {
      var k = f[key];
      var r = m[k] || (m[k] = { key: k, n: 0, high: 0, fen: 0 });
      r.n += 1; if (f.sev === 'high') r.high += 1; r.fen += f._fen;
    });
    return Object.keys(m).map(function (k) { return m[k]; })
      .sort(function (a, b) { return b.n - a.n || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0); });
  }

  function fillCounts(id, rows, label, onPick) {
    var body = $(id).tBodies[0];
    while (body.firstChild) body.removeChild(body.firstChild);
    rows.forEach(function (r) {
      var tr = el('tr');
      var name = td(label(r.key), 'link');
      name.addEventListener('click', function () { onPick(r.key); });
      tr.appendChild(name); tr.appendChild(td(r.n, 'num')); tr.appendChild(td(r.high, 'num')); tr.appendChild(td(yuan(r.fen), 'num'));
      body.appendChild(tr);
    });
  }

  function detailRow(f) {
    var tr = el('tr', null, 'wq-detail');
    var cell = el('td'); cell.colSpan = 12;
    cell.appendChild(el('div', '线索指纹 ' + f.id + (f.case ? ' · 线索编号 ' + f.case : ''), 'muted'));
    if (f.related && f.related.length) cell.appendChild(el('div', '关联：' + f.related.join('；')));
    cell.appendChild(el('div', '证据：', 'muted'));
    cell.appendChild(el('pre', JSON.stringify(f.evidence, null, 2), 'wq-evidence'));
    tr.appendChild(cell);
    return tr;
  }

  function row(f, i) {
    var tr = el('tr', null, 'wq-row');
    tr.appendChild(td(i + 1, 'num'));
    tr.appendChild(td(f.score, 'num'));
    var s = td(); s.appendChild(severityBadge(f.sev)); tr.appendChild(s);
    tr.appendChild(td(catLabel(f.cat)));
    tr.appendChild(td(f.rule));
    tr.appendChild(td(f.village));
    tr.appendChild(td(f.subject));
    tr.appendChild(td(f.amount, 'num'));
    tr.appendChild(td(f.message, 'wq-message'));
    if (M.store) {
      tr.appendChild(td(L.mark[f.mark] || '', 'mark-' + f.mark));
      tr.appendChild(td(L.status[f.status] || ''));
      tr.appendChild(td(f.case, 'muted'));
    }
    tr.addEventListener('click', function () {
      var next = tr.nextSibling;
      if (next && next.className === 'wq-detail') { next.parentNode.removeChild(next); tr.classList.remove('open'); }
      else { tr.parentNode.insertBefore(detailRow(f), next); tr.classList.add('open'); }
    });
    return tr;
  }

  function render() {
    var list = F.filter(matches);
    var c = $('wq-count');
    c.dataset.n = String(list.length);
    c.textContent = '共 ' + list.length + ' 条' + (list.length > state.limit ? '，显示前 ' + state.limit + ' 条' : '');
    var body = $('wq-body');
    while (body.firstChild) body.removeChild(body.firstChild);
    var frag = document.createDocumentFragment();
    list.slice(0, state.limit).forEach(function (f, i) { frag.appendChild(row(f, i)); });
    body.appendChild(frag);
    $('wq-more').hidden = list.length <= state.limit;
    var cats = countBy(list, 'cat');
    drawChart(cats);
    fillCounts('wq-by-category', cats, catLabel, function (k) { setFilter('wq-category', k); });
    fillCounts('wq-by-village', countBy(list, 'village'), function (k) { return k; }, function (k) { setFilter('wq-village', k); });
    return list;
  }

  function setFilter(id, value) { var s = $(id); s.value = value; s.dispatchEvent(new Event('change')); }

  function gone() {
    if (!D.gone.length) return;
    $('wq-gone-box').hidden = false;
    var body = $('wq-gone').tBodies[0];
    D.gone.forEach(function (g) {
      var tr = el('tr');
      tr.appendChild(td(g.case_id, 'muted'));
      tr.appendChild(td(g.score, 'num'));
      var s = td(); s.appendChild(severityBadge(g.severity)); tr.appendChild(s);
      tr.appendChild(td(catLabel(g.category)));
      tr.appendChild(td(g.rule));
      tr.appendChild(td(g.village_code));
      tr.appendChild(td(g.subject_id));
      tr.appendChild(td(g.amount, 'num'));
      tr.appendChild(td(g.message));
      tr.appendChild(td(L.status[g.status] || g.status));
      body.appendChild(tr);
    });
  }

  function setup() {
    header();
    fillSelect('wq-village', uniq(F.map(function (f) { return f.village; })).sort(), function (v) { return v; });
    fillSelect('wq-category', Object.keys(L.category).filter(function (c) { return F.some(function (f) { return f.cat === c; }); }), catLabel);
    fillSelect('wq-severity', ['high', 'medium', 'low'], function (s) { return L.severity[s]; });
    if (M.store) {
      fillSelect('wq-mark', ['new', 'reopened', 'recurring'], function (m) { return L.mark[m]; });
    } else {
      $('wq-mark-label').hidden = true;
      $('wq-hidden-label').hidden = true;
      Array.prototype.forEach.call(document.querySelectorAll('th.wq-store'), function (th) { th.hidden = true; });
    }
    var bind = function (id, key) {
      $(id).addEventListener('change', function () { state[key] = $(id).value; state.limit = PAGE; render(); });
    };
    bind('wq-village', 'village'); bind('wq-category', 'category'); bind('wq-severity', 'severity'); bind('wq-mark', 'mark');
    $('wq-search').addEventListener('input', function () { state.q = $('wq-search').value.trim().toLowerCase(); state.limit = PAGE; render(); });
    $('wq-hidden').addEventListener('change', function () { state.hidden = $('wq-hidden').checked; render(); });
    $('wq-more').addEventListener('click', function () { state.limit += PAGE; render(); });
    $('wq-reset').addEventListener('click', function () {
      ['wq-village', 'wq-category', 'wq-severity', 'wq-mark'].forEach(function (id) { $(id).value = ''; });
      $('wq-search').value = ''; $('wq-hidden').checked = false;
      state = { village: '', category: '', severity: '', mark: '', q: '', hidden: false, limit: PAGE };
      render();
    });
    gone();
    render();
  }

  // Drives the page through its own controls and reports what it saw.
  function selftest() {
    var checks = [], seen = { village: {}, category: {}, severity: {}, mark: {} };
    function check(name, got, want) { checks.push({ name: name, got: got, want: want, ok: got === want }); }
    function shown() { return Number($('wq-count').dataset.n); }
    function rows() { return $('wq-body').querySelectorAll('tr.wq-row').length; }
    function reset() { $('wq-reset').click(); }
    var base = F.filter(function (f) { return !f.hidden; });
    reset();
    check('all', shown(), base.length);
    check('rows rendered', rows(), Math.min(base.length, PAGE));
    check('bars', document.querySelectorAll('#wq-chart rect.wq-bar').length, uniq(base.map(function (f) { return f.cat; })).length);
    [['wq-village', 'village', 'village'], ['wq-category', 'category', 'cat'], ['wq-severity', 'severity', 'sev'], ['wq-mark', 'mark', 'mark']].forEach(function (d) {
      Array.prototype.forEach.call($(d[0]).options, function (o) {
        if (!o.value) return;
        reset(); setFilter(d[0], o.value);
        var want = base.filter(function (f) { return f[d[2]] === o.value; }).length;
        seen[d[1]][o.value] = shown();
        check(d[1] + ' ' + o.value, shown(), want);
        if (d[1] === 'category') check('bars for ' + o.value, document.querySelectorAll('#wq-chart rect.wq-bar').length, want ? 1 : 0);
      });
    });
    if (base.length) {
      var v = base[0].village, c = base[0].cat;
      reset(); setFilter('wq-village', v); setFilter('wq-category', c);
      check('village and category', shown(), base.filter(function (f) { return f.village === v && f.cat === c; }).length);
      var q = base[base.length - 1].subject;
      reset(); $('wq-search').value = q; $('wq-search').dispatchEvent(new Event('input'));
      seen.search = { q: q, n: shown() };
      check('search', shown(), base.filter(function (f) { return f._text.indexOf(q.trim().toLowerCase()) >= 0; }).length);
      reset();
      var first = $('wq-body').querySelector('tr.wq-row');
      first.click();
      var ev = $('wq-body').querySelector('pre.wq-evidence');
      check('evidence expands', !!ev && ev.textContent === JSON.stringify(base[0].evidence, null, 2), true);
      first.click();
      check('evidence collapses', $('wq-body').querySelectorAll('pre.wq-evidence').length, 0);
    }
    if (M.store) {
      reset(); $('wq-hidden').checked = true; $('wq-hidden').dispatchEvent(new Event('change'));
      check('show hidden', shown(), F.length);
    }
    reset();
    check('mask badge', getComputedStyle($('wq-mask')).display !== 'none', !!M.mask_pii);
    check('no injected scripts', document.scripts.length, 2);
    check('no injected images', document.images.length, 0);
    var out = el('pre', JSON.stringify({ ok: checks.every(function (c) { return c.ok; }), checks: checks, seen: seen, total: F.length }));
    out.id = 'wq-selftest';
    document.body.appendChild(out);
  }

  setup();
  if (location.hash === '#selftest') selftest();
})();
</script>
</body>
</html>
"##;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_cannot_close_the_script_element() {
        let v = json!({"name": "</script><script>alert(1)</script>", "c": "<!--", "amp": "a&b"});
        let s = script_safe_json(&v);
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn streamed_escaping_matches_script_safe_json() {
        let v = json!({
            "a": "</script><!-- & \u{2028}\u{2029} 张三 \u{2027}\u{202a} €",
            "b": ["<", ">", "&", "\u{2028}"],
        });
        let mut out = Vec::new();
        write_script_safe(&mut out, serde_json::to_string(&v).unwrap().as_bytes()).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), script_safe_json(&v));
    }

    #[test]
    fn the_page_is_the_data_in_the_template() {
        let mut f = crate::finding::Finding::new(
            "CSH001",
            Category::CashPayment,
            crate::finding::Severity::High,
            "V1",
            "</script>",
        );
        f.finding_id = "f1".into();
        f.amount_fen = 12_345;
        f.evidence = json!({"row": 3, "note": "a&b"});
        let manifest = json!({"dataset": "/data/<街道>", "rows": 10, "rules": []});
        let page = render(&ReportInput {
            findings: &Outbound::new(std::slice::from_ref(&f)),
            triage: None,
            gone: &[],
            manifest: &manifest,
            mask_pii: false,
            run_id: None,
        });
        assert!(page.contains("<title>小微权力监督线索 · &lt;街道&gt;</title>"));
        let start = page.find(r#"id="wq-data">"#).unwrap() + r#"id="wq-data">"#.len();
        let end = start + page[start..].find("</script>").unwrap();
        let data: serde_json::Value = serde_json::from_str(&page[start..end]).unwrap();
        assert_eq!(data["findings"][0]["subject"], "</script>");
        assert_eq!(data["findings"][0]["amount"], "123.45");
        assert_eq!(data["findings"][0]["evidence"]["note"], "a&b");
        assert_eq!(data["meta"]["rows"], 10);
        // Keys in the order the page has always had them (alphabetical).
        assert!(
            page[start..].starts_with(r#"{"findings":[{"amount":"123.45","case":"","cat":"#),
            "{}",
            &page[start..start + 80]
        );
        assert!(!page.contains("__WQ_"));
    }

    #[test]
    fn titles_are_escaped() {
        assert_eq!(
            escape_html("<a href=\"x\">"),
            "&lt;a href=&quot;x&quot;&gt;"
        );
    }
}
