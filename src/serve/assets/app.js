// weiquan serve: the pages. Every value from the server goes into the DOM
// as text (textContent), never as markup; the CSP forbids inline script.
'use strict';

const S = { me: null, meta: null, selected: new Map() };

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'on') for (const [ev, f] of Object.entries(v)) e.addEventListener(ev, f);
    else if (k === 'className') e.className = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const k of kids.flat(Infinity)) if (k !== null && k !== undefined) e.append(k instanceof Node ? k : String(k));
  return e;
}
const $ = (sel) => document.querySelector(sel);

async function api(method, url, body) {
  const h = { 'Accept': 'application/json' };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  if (method !== 'GET' && S.me) h['X-CSRF-Token'] = S.me.csrf;
  const r = await fetch(url, { method, headers: h, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  try { data = await r.json(); } catch (_) { data = null; }
  if (r.status === 401 && url !== '/api/login') { showLogin(); }
  return { status: r.status, data };
}

function label(list, code) {
  const x = (S.meta && S.meta[list] || []).find((i) => i.code === code);
  return x ? x.label : (code || '');
}
const yuan = (n) => (n === null || n === undefined) ? '' :
  Number(n).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function showLogin() {
  S.me = null;
  $('#top').hidden = true;
  $('#main').replaceChildren();
  $('#login').hidden = false;
  $('#login-user').focus();
}

async function start() {
  $('#login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await api('POST', '/api/login',
      { user: $('#login-user').value, password: $('#login-password').value });
    if (r.status !== 200) {
      $('#login-error').textContent = (r.data && r.data.error) || ('登录失败（' + r.status + '）');
      return;
    }
    $('#login-password').value = '';
    $('#login-error').textContent = '';
    await enter();
  });
  $('#logout').addEventListener('click', async () => {
    await api('POST', '/api/logout', {});
    showLogin();
  });
  window.addEventListener('hashchange', route);
  await enter();
}

async function enter() {
  const me = await api('GET', '/api/me');
  if (me.status !== 200) { showLogin(); return; }
  S.me = me.data;
  const meta = await api('GET', '/api/meta');
  S.meta = meta.data;
  $('#login').hidden = true;
  $('#top').hidden = false;
  $('#who').textContent = S.me.user + '（' + S.me.role_label + '）';
  $('#nav-users').hidden = !S.me.is_admin;
  await route();
}

async function route() {
  if (!S.me) return;
  const h = location.hash || '#/queue';
  const [path, query] = h.slice(1).split('?');
  for (const a of document.querySelectorAll('header nav a')) {
    a.classList.toggle('active', path.startsWith(a.getAttribute('href').slice(1)));
  }
  const main = $('#main');
  if (path.startsWith('/case/')) return showCase(decodeURIComponent(path.slice(6)), main);
  if (path === '/runs') return showRuns(main);
  if (path === '/users' && S.me.is_admin) return showUsers(main);
  return showQueue(new URLSearchParams(query || ''), main);
}

// ---- the queue -------------------------------------------------------

function select(id, name, choices, value, first) {
  const s = el('select', { id, name });
  s.append(el('option', { value: '', text: first }));
  for (const c of choices) s.append(el('option', { value: c.code, text: c.label }));
  s.value = value || '';
  return s;
}

const FILTERS = ['status', 'village', 'category', 'rule', 'severity', 'mark', 'assignee', 'q', 'sort'];

async function showQueue(params, main) {
  const page = Math.max(1, parseInt(params.get('page') || '1', 10) || 1);
  const perPage = 50;
  const m = S.meta;
  const statusChoices = m.statuses.concat([{ code: 'all', label: '全部状态' }]);
  const form = el('form', { className: 'filters', id: 'filters' },
    el('label', {}, '状态', select('f-status', 'status', statusChoices, params.get('status'), '待处理（默认）')),
    el('label', {}, '村（居）', select('f-village', 'village', m.villages.map((v) => ({ code: v, label: v })), params.get('village'), '全部')),
    el('label', {}, '类别', select('f-category', 'category', m.categories, params.get('category'), '全部')),
    el('label', {}, '规则', select('f-rule', 'rule', m.rules.map((r) => ({ code: r.code, label: r.code + ' ' + r.label })), params.get('rule'), '全部')),
    el('label', {}, '严重程度', select('f-severity', 'severity', m.severities, params.get('severity'), '全部')),
    el('label', {}, '本次扫描', select('f-mark', 'mark', m.marks, params.get('mark'), '全部')),
    el('label', {}, '承办人', select('f-assignee', 'assignee', m.assignees.map((a) => ({ code: a, label: a })), params.get('assignee'), '全部')),
    el('label', {}, '关键词', el('input', { id: 'f-q', name: 'q', value: params.get('q') || '', placeholder: '问题描述、对象、编号、备注' })),
    el('label', {}, '排序', select('f-sort', 'sort', [
      { code: 'amount', label: '金额' }, { code: 'deadline', label: '期限' },
      { code: 'updated', label: '最近修改' }, { code: 'village', label: '村（居）' }], params.get('sort'), '分值（默认）')),
    el('button', { type: 'submit', id: 'f-apply', text: '筛选' }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    for (const k of FILTERS) {
      const v = form.elements[k].value.trim();
      if (v) p.set(k, v);
    }
    location.hash = '#/queue?' + p.toString();
  });
  const q = new URLSearchParams();
  for (const k of FILTERS) if (params.get(k)) q.set(k, params.get(k));
  const exportLink = el('a', { href: '/api/export.xlsx?' + q.toString(), id: 'export', text: '导出当前筛选为 Excel' });
  q.set('page', page); q.set('per_page', perPage);
  const r = await api('GET', '/api/cases?' + q.toString());
  if (r.status !== 200) {
    main.replaceChildren(form, el('p', { className: 'error', id: 'queue-error', text: (r.data && r.data.error) || ('出错：' + r.status) }));
    return;
  }
  const { total, cases } = r.data;
  const pages = Math.max(1, Math.ceil(total / perPage));
  const edit = S.me.can_edit;
  S.selected.clear();
  const head = el('tr', {}, edit ? el('th', {}, el('input', { type: 'checkbox', id: 'select-all', 'aria-label': '全选' })) : null,
    ['线索编号', '规则', '类别', '严重程度', '分值', '村（居）', '对象', '金额（元）', '状态', '承办人', '期限', '问题描述'].map((t) => el('th', { text: t })));
  const body = el('tbody');
  for (const c of cases) {
    const box = edit ? el('input', { type: 'checkbox', className: 'pick', 'aria-label': '选择' }) : null;
    if (box) box.addEventListener('change', () => { box.checked ? S.selected.set(c.case_id, c.version) : S.selected.delete(c.case_id); });
    body.append(el('tr', { 'data-id': c.case_id },
      edit ? el('td', {}, box) : null,
      el('td', {}, el('a', { href: '#/case/' + encodeURIComponent(c.case_id), className: 'case-link', text: c.case_id })),
      el('td', { text: c.rule }), el('td', { text: label('categories', c.category) }),
      el('td', { className: 'sev-' + c.severity, text: label('severities', c.severity) }),
      el('td', { className: 'num', text: c.score }), el('td', { text: c.village_code }),
      el('td', { className: 'subject', text: c.subject_id }), el('td', { className: 'num', text: yuan(c.amount) }),
      el('td', { className: 'status', text: label('statuses', c.status) }), el('td', { className: 'assignee', text: c.assignee }),
      el('td', { text: c.deadline || '' }), el('td', { className: 'message', text: c.message })));
  }
  const table = el('table', { id: 'queue-table' }, el('thead', {}, head), body);
  const go = (n) => { const p = new URLSearchParams(params); p.set('page', n); location.hash = '#/queue?' + p.toString(); };
  const pager = el('div', { className: 'pager' },
    el('button', { type: 'button', className: 'plain', id: 'page-prev', disabled: page <= 1, text: '上一页', on: { click: () => go(page - 1) } }),
    el('span', { id: 'queue-total', 'data-total': total, text: '第 ' + page + ' / ' + pages + ' 页，共 ' + total + ' 条' }),
    el('button', { type: 'button', className: 'plain', id: 'page-next', disabled: page >= pages, text: '下一页', on: { click: () => go(page + 1) } }),
    exportLink);
  main.replaceChildren(form, edit ? bulkBar() : null, pager, el('div', { className: 'scroll' }, table));
  const all = $('#select-all');
  if (all) all.addEventListener('change', () => {
    for (const b of document.querySelectorAll('input.pick')) { b.checked = all.checked; b.dispatchEvent(new Event('change')); }
  });
}

function editFields(prefix, withEmpty) {
  const status = select(prefix + '-status', 'status', S.meta.statuses, '', withEmpty ? '（不改）' : '');
  return {
    status,
    assignee: el('input', { id: prefix + '-assignee', name: 'assignee', list: 'assignees' }),
    deadline: el('input', { id: prefix + '-deadline', name: 'deadline', type: 'date' }),
    note: el('textarea', { id: prefix + '-note', name: 'note', rows: 2, cols: 40 }),
  };
}

function bulkBar() {
  const f = editFields('b', true);
  const msg = el('span', { id: 'bulk-result' });
  const apply = async () => {
    const body = { cases: [...S.selected].map(([id, version]) => ({ id, version })) };
    if (!body.cases.length) { msg.textContent = '请先勾选线索'; return; }
    if (f.status.value) body.status = f.status.value;
    if (f.assignee.value.trim()) body.assignee = f.assignee.value.trim();
    if (f.deadline.value) body.deadline = f.deadline.value;
    if (f.note.value.trim()) body.note = f.note.value.trim();
    const r = await api('POST', '/api/cases/bulk', body);
    if (r.status === 200) { msg.textContent = '已修改 ' + r.data.cases.length + ' 条线索'; msg.className = 'ok'; await route(); $('#bulk-result').textContent = msg.textContent; }
    else { msg.textContent = (r.data && r.data.error) || ('出错：' + r.status); msg.className = 'error'; }
  };
  return el('div', { className: 'bulk', id: 'bulk' }, el('strong', { text: '批量修改所选：' }),
    el('label', {}, '状态', f.status), el('label', {}, '承办人', f.assignee), el('label', {}, '期限', f.deadline),
    el('label', {}, '备注', f.note), el('button', { type: 'button', id: 'bulk-apply', text: '应用', on: { click: apply } }), msg,
    el('datalist', { id: 'assignees' }, S.meta.assignees.map((a) => el('option', { value: a }))));
}

// ---- one case --------------------------------------------------------

function facts(pairs) {
  return el('dl', { className: 'facts' }, pairs.map(([k, v, cls]) => [el('dt', { text: k }), el('dd', { className: cls, text: v })]));
}

async function showCase(id, main) {
  const r = await api('GET', '/api/cases/' + encodeURIComponent(id));
  if (r.status !== 200) {
    main.replaceChildren(el('p', { className: 'error', text: (r.data && r.data.error) || ('出错：' + r.status) }));
    return;
  }
  renderCase(r.data, main);
}

function renderCase(c, main, conflict) {
  const head = el('div', { className: 'card', id: 'case' },
    el('h2', { id: 'case-title', text: '线索 ' + c.case_id }),
    el('p', { id: 'case-message', text: c.message }),
    facts([['规则', c.rule + (c.rule_name ? ' ' + c.rule_name : '')], ['类别', label('categories', c.category)],
      ['严重程度', label('severities', c.severity)], ['分值', String(c.score)], ['村（居）', c.village_code],
      ['对象', c.subject_id, 'subject'], ['关联', (c.related_ids || []).join('；')], ['金额（元）', yuan(c.amount)],
      ['状态', label('statuses', c.status), 'case-status'], ['承办人', c.assignee, 'case-assignee'],
      ['期限', c.deadline || ''], ['备注', c.note || '', 'case-note'], ['版本', String(c.version), 'case-version'],
      ['最近一次扫描', label('marks', c.last_mark) + '（第 ' + c.last_seen_run + ' 次）']]));
  const parts = [el('p', {}, el('a', { href: '#/queue', text: '← 返回队列' })), head];
  if (conflict) parts.push(conflict);
  if (S.me.can_edit) parts.push(editForm(c, main));
  parts.push(evidenceCard(c), runsCard(c), historyCard(c));
  main.replaceChildren(...parts);
}

function editForm(c, main) {
  const f = editFields('e', false);
  f.status.value = c.status; f.assignee.value = c.assignee; f.deadline.value = c.deadline || ''; f.note.value = c.note || '';
  const msg = el('span', { id: 'e-result' });
  const save = async (version, mine) => {
    const body = mine || { status: f.status.value, assignee: f.assignee.value, deadline: f.deadline.value, note: f.note.value };
    const r = await api('PATCH', '/api/cases/' + encodeURIComponent(c.case_id), Object.assign({}, body, { version }));
    if (r.status === 200) { renderCase(r.data, main); $('#e-result').textContent = '已保存'; $('#e-result').className = 'ok'; return; }
    if (r.status === 409) { renderCase(r.data.current, main, conflictCard(r.data.current, body, main)); return; }
    msg.textContent = (r.data && r.data.error) || ('出错：' + r.status); msg.className = 'error';
  };
  return el('div', { className: 'edit', id: 'edit' }, el('strong', { text: '处置：' }),
    el('label', {}, '状态', f.status), el('label', {}, '承办人', f.assignee), el('label', {}, '期限', f.deadline),
    el('label', {}, '备注', f.note), el('button', { type: 'button', id: 'e-save', text: '保存', on: { click: () => save(c.version) } }), msg);
}

/// Another officer saved first: both versions side by side, and a choice.
function conflictCard(current, mine, main) {
  const rows = [['status', '状态', (v) => label('statuses', v)], ['assignee', '承办人', (v) => v || ''],
    ['deadline', '期限', (v) => v || ''], ['note', '备注', (v) => v || '']];
  const table = el('table', { id: 'conflict-table' }, el('tr', {}, el('th', { text: '字段' }), el('th', { text: '您的修改' }), el('th', { text: '当前内容（他人已保存）' })),
    rows.map(([k, name, show]) => el('tr', {}, el('td', { text: name }), el('td', { className: 'mine', text: show(mine[k]) }), el('td', { className: 'theirs', text: show(current[k]) }))));
  const again = async () => {
    const r = await api('PATCH', '/api/cases/' + encodeURIComponent(current.case_id), Object.assign({}, mine, { version: current.version }));
    if (r.status === 200) { renderCase(r.data, main); $('#e-result').textContent = '已保存'; }
    else if (r.status === 409) renderCase(r.data.current, main, conflictCard(r.data.current, mine, main));
  };
  return el('div', { className: 'card conflict', id: 'conflict' },
    el('h2', { text: '保存冲突：该线索已被他人修改' }),
    el('p', { text: '在您编辑期间，另一位干部（或新的扫描）已保存了这条线索。请对照后选择：' }), table,
    el('p', {}, el('button', { type: 'button', id: 'conflict-overwrite', text: '以我的修改为准再次保存', on: { click: again } }), ' ',
      el('button', { type: 'button', className: 'plain', id: 'conflict-discard', text: '放弃我的修改', on: { click: () => route() } })));
}

// Chinese headers for the evidence keys most rules use; others show as they are.
const KEY = { amount: '金额', name: '姓名', id_number: '身份证号', bank_account: '银行账号', date: '日期',
  paid_date: '发放日期', period: '所属期', program: '项目', village_code: '村居代码', summary: '摘要',
  payee: '收款人', vendor: '承包方', contract_no: '合同编号', decision_no: '决策编号', voucher_no: '凭证号',
  signed_date: '签订日期', project_name: '项目名称', relation: '关系', role: '职务', post: '岗位',
  batch_no: '批次号', payment_method: '支付方式', problem: '问题', column: '列', start_date: '开始日期',
  end_date: '结束日期', monthly_wage: '月工资', counterparty: '对方', source: '来源' };

/// The evidence as tables of the rows it cites: every object with a row
/// number, grouped by where it sits in the evidence, with its file.
function evidenceTables(ev, files, ruleTables) {
  const groups = new Map();
  const top = [];
  const isRowObj = (o) => typeof o.row === 'number' || typeof o.__row === 'number' ||
    (Array.isArray(o.rows) && o.rows.length > 0 && o.rows.every((n) => typeof n === 'number'));
  const walk = (v, path) => {
    if (Array.isArray(v)) { for (const x of v) walk(x, path); return; }
    if (!v || typeof v !== 'object') return;
    if (path && isRowObj(v)) {
      const flat = {};
      for (const [k, x] of Object.entries(v)) if (x === null || typeof x !== 'object' || (k === 'rows' && Array.isArray(x))) flat[k] = Array.isArray(x) ? x.join('、') : x;
      if (!groups.has(path)) groups.set(path, []);
      groups.get(path).push(flat);
    }
    for (const [k, x] of Object.entries(v)) {
      if (x && typeof x === 'object' && !(k === 'rows' && Array.isArray(x) && x.every((n) => typeof n === 'number'))) walk(x, path ? path + '.' + k : k);
      else if (!path && (x === null || typeof x !== 'object')) top.push([k, x === null ? '' : String(x)]);
    }
  };
  walk(ev, '');
  // A workbook row names its file and sheet itself; a CSV row its table.
  const fileOf = (r) => {
    if (r.file) return r.file + (r.sheet ? '（工作表“' + r.sheet + '”）' : '');
    const t = r.table || (ruleTables.length === 1 ? ruleTables[0] : null);
    const f = t && files[t];
    if (!f) return t ? t : '';
    return f.file;
  };
  const out = [];
  if (top.length) out.push(facts(top));
  for (const [path, rows] of groups) {
    const cols = [];
    for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
    const order = ['row', '__row', 'rows'].filter((k) => cols.includes(k)).concat(cols.filter((k) => !['row', '__row', 'rows', 'table', 'file', 'sheet'].includes(k)));
    out.push(el('h3', { text: path }), el('div', { className: 'scroll' }, el('table', { className: 'evidence' },
      el('tr', {}, el('th', { text: '文件' }), order.map((k) => el('th', { text: k === 'row' || k === '__row' || k === 'rows' ? '行号' : (KEY[k] || k) }))),
      rows.map((r) => el('tr', {}, el('td', { text: fileOf(r) }), order.map((k) => el('td', { text: r[k] === undefined || r[k] === null ? '' : String(r[k]) })))))));
  }
  return out;
}

function evidenceCard(c) {
  const card = el('div', { className: 'card', id: 'evidence' }, el('h2', { text: '证据（引用的原始数据行）' }));
  for (const f of c.evidence || []) {
    card.append(el('h3', { text: '发现 ' + f.finding_id + ' · 分值 ' + f.score }), el('p', { text: f.message }),
      ...evidenceTables(f.evidence, c.files || {}, c.rule_tables || []));
  }
  if (!(c.evidence || []).length) card.append(el('p', { className: 'muted', text: '最近一次扫描未包含该线索的明细。' }));
  return card;
}

function runsCard(c) {
  return el('div', { className: 'card', id: 'case-runs' }, el('h2', { text: '出现于以下扫描' }),
    el('table', {}, el('tr', {}, ['批次', '时间', '标记'].map((t) => el('th', { text: t }))),
      (c.runs || []).map((r) => el('tr', {}, el('td', { text: '第 ' + r.run_id + ' 次' }), el('td', { text: r.started_at }),
        el('td', { text: label('marks', r.mark) + (r.hidden ? '（已结案，未列入队列）' : '') })))));
}

const FIELD = { status: '状态', assignee: '承办人', deadline: '期限', note: '备注', facts: '事实', presence: '是否出现' };
const SOURCE = { scan: '扫描', cli: '命令行', xlsx: 'Excel 导入', web: '网页' };

function historyCard(c) {
  const show = (field, v) => field === 'status' ? label('statuses', v) : (v === null || v === undefined ? '' : v);
  return el('div', { className: 'card' }, el('h2', { text: '处置记录' }),
    el('table', { id: 'history' }, el('tr', {}, ['时间', '操作人', '来源', '字段', '原值', '新值', '说明'].map((t) => el('th', { text: t }))),
      (c.history || []).map((h) => el('tr', {}, el('td', { text: h.at }), el('td', { className: 'by', text: h.by }),
        el('td', { text: SOURCE[h.source] || h.source }), el('td', { className: 'field', text: FIELD[h.field] || h.field }),
        el('td', { text: show(h.field, h.old) }), el('td', { className: 'new', text: show(h.field, h.new) }), el('td', { text: h.reason })))));
}

// ---- runs ------------------------------------------------------------

async function showRuns(main) {
  const r = await api('GET', '/api/runs');
  if (r.status !== 200) { main.replaceChildren(el('p', { className: 'error', text: '出错：' + r.status })); return; }
  const { runs, series } = r.data;
  const table = el('table', { id: 'runs-table' }, el('tr', {}, ['批次', '开始时间', '数据集', '发现', '新增', '复现', '重开', '已结案未列入', '消失', '执行人'].map((t) => el('th', { text: t }))),
    runs.slice().reverse().map((x) => el('tr', {}, el('td', { text: x.run_id }), el('td', { text: x.started_at }), el('td', { text: x.dataset }),
      ['findings', 'new', 'recurring', 'reopened', 'hidden', 'gone'].map((k) => el('td', { className: 'num', text: x.counts[k] })), el('td', { text: x.by }))));
  const by = select('chart-by', 'by', [{ code: 'village', label: '按村（居）' }], 'category', '按类别');
  const holder = el('div', { id: 'chart' });
  const draw = () => holder.replaceChildren(chart(series, by.value || 'category'));
  by.addEventListener('change', draw);
  main.replaceChildren(el('div', { className: 'card' }, el('h2', { text: '各次扫描的待处理线索' }), el('label', {}, '分组', by), holder),
    el('div', { className: 'card' }, el('h2', { text: '扫描批次' }), el('div', { className: 'scroll' }, table)));
  draw();
}

const PALETTE = ['#8b1a1a', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#17becf', '#bcbd22', '#7f7f7f'];

/// A line per village or category (the 8 largest in the latest run) of
/// the cases in each run's queue. SVG made element by element.
function chart(series, by) {
  const NS = 'http://www.w3.org/2000/svg';
  const svgEl = (t, a, text) => { const e = document.createElementNS(NS, t); for (const [k, v] of Object.entries(a)) e.setAttribute(k, v); if (text !== undefined) e.textContent = text; return e; };
  const runs = series.runs || [];
  const data = Object.entries(series[by] || {}).sort((a, b) => b[1][b[1].length - 1] - a[1][a[1].length - 1]).slice(0, 8);
  if (!runs.length || !data.length) return el('p', { className: 'muted', text: '还没有扫描记录。' });
  const W = 760, H = 260, L = 48, B = 30, T = 10, R = 10;
  const max = Math.max(1, ...data.flatMap(([, v]) => v));
  const x = (i) => L + (runs.length === 1 ? (W - L - R) / 2 : i * (W - L - R) / (runs.length - 1));
  const y = (n) => T + (H - T - B) * (1 - n / max);
  const svg = svgEl('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, role: 'img', 'aria-label': '各次扫描的待处理线索数' });
  svg.append(svgEl('line', { x1: L, y1: y(0), x2: W - R, y2: y(0), stroke: '#999' }), svgEl('text', { x: 4, y: y(max) + 4, 'font-size': 11 }, String(max)),
    svgEl('text', { x: 4, y: y(0), 'font-size': 11 }, '0'));
  runs.forEach((r, i) => svg.append(svgEl('text', { x: x(i) - 8, y: H - 8, 'font-size': 11 }, '#' + r)));
  const legend = el('div', { className: 'legend' });
  data.forEach(([key, v], k) => {
    const color = PALETTE[k % PALETTE.length];
    svg.append(svgEl('polyline', { points: v.map((n, i) => x(i) + ',' + y(n)).join(' '), fill: 'none', stroke: color, 'stroke-width': 2 }));
    v.forEach((n, i) => svg.append(svgEl('circle', { cx: x(i), cy: y(n), r: 3, fill: color })));
    const sw = svgEl('svg', { width: 10, height: 10 }); sw.append(svgEl('rect', { width: 10, height: 10, fill: color }));
    legend.append(el('span', {}, sw, ' ' + (by === 'category' ? label('categories', key) : key) + '：' + v[v.length - 1]));
  });
  return el('div', {}, svg, legend);
}

// ---- users (admins) --------------------------------------------------

async function showUsers(main) {
  const r = await api('GET', '/api/users');
  if (r.status !== 200) { main.replaceChildren(el('p', { className: 'error', text: (r.data && r.data.error) || r.status })); return; }
  const ROLES = [{ code: 'viewer', label: '查阅（号码脱敏，不能修改）' }, { code: 'officer', label: '承办' }, { code: 'admin', label: '管理员' }];
  const msg = el('p', { id: 'users-result' });
  const name = el('input', { id: 'u-name' }), pass = el('input', { id: 'u-password', type: 'password', autocomplete: 'new-password' });
  const role = select('u-role', 'role', ROLES, 'officer', '');
  const add = async () => {
    const x = await api('POST', '/api/users', { name: name.value, role: role.value, password: pass.value });
    if (x.status === 201) await route(); else { msg.textContent = (x.data && x.data.error) || x.status; msg.className = 'error'; }
  };
  const del = async (n) => {
    if (!confirm('删除用户 ' + n + '？')) return;
    const x = await api('DELETE', '/api/users/' + encodeURIComponent(n));
    if (x.status === 204) await route(); else { msg.textContent = (x.data && x.data.error) || x.status; msg.className = 'error'; }
  };
  main.replaceChildren(el('div', { className: 'card' }, el('h2', { text: '用户' }),
    el('table', { id: 'users-table' }, el('tr', {}, ['用户名', '角色', '创建时间', ''].map((t) => el('th', { text: t }))),
      r.data.users.map((u) => el('tr', {}, el('td', { text: u.name }), el('td', { text: label('roles', u.role) || (ROLES.find((x) => x.code === u.role) || {}).label }),
        el('td', { text: u.created_at }), el('td', {}, el('button', { type: 'button', className: 'plain', text: '删除', on: { click: () => del(u.name) } })))))),
  el('div', { className: 'edit' }, el('strong', { text: '添加用户：' }), el('label', {}, '用户名', name), el('label', {}, '角色', role),
    el('label', {}, '密码（至少8位）', pass), el('button', { type: 'button', id: 'u-add', text: '添加', on: { click: add } })), msg);
}

document.addEventListener('DOMContentLoaded', start);
