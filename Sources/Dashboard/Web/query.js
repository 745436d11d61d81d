// Query console: SQL over telemetry(time, device, metric, value), uplinks, devices, gateways (and
// events) through POST /api/query; a results table and a line chart of the result.

import { queryCSV, query, toMillis } from './api.js';
import { lineChart } from './charts.js';
import { editorOver } from './codeeditor.js';
import { append, errorBox, fill, fmtNum, h, note, section, startPage, table } from './ui.js';

const EXAMPLES = [
  ['Uplinks per minute, last hour',
    "SELECT time_bucket('1 minute', time) AS bucket, count(*) AS uplinks\nFROM uplinks\nWHERE time > now() - interval '1 hour'\nGROUP BY bucket ORDER BY bucket"],
  ['Hourly average of every metric, last day',
    "SELECT time_bucket('1 hour', time) AS bucket, metric, avg(value) AS avg\nFROM telemetry\nWHERE time > now() - interval '1 day'\nGROUP BY bucket, metric ORDER BY bucket"],
  ['Last value of each series',
    "SELECT device, metric, last(value, time) AS value, max(time) AS last_time\nFROM telemetry\nWHERE time > now() - interval '7 days'\nGROUP BY device, metric ORDER BY device, metric"],
  ['Signal per device (last day)',
    "SELECT dev_eui, count(*) AS uplinks, avg(rssi) AS rssi, avg(snr) AS snr\nFROM uplinks\nWHERE time > now() - interval '1 day'\nGROUP BY dev_eui ORDER BY uplinks DESC"],
  ['Gateways', 'SELECT gateway_eui, name, latitude, longitude, last_seen FROM gateways'],
];
const MAX_ROWS_SHOWN = 1000;

startPage(async (main) => {
  const textarea = h('textarea', { id: 'sql', rows: '8', spellcheck: 'false' });
  textarea.value = new URLSearchParams(location.search).get('sql') ?? EXAMPLES[0][1];
  const examples = h('select', { id: 'examples' }, h('option', { value: '' }, 'Examples…'), EXAMPLES.map(([label], i) => h('option', { value: String(i) }, label)));
  const run = h('button', { type: 'button', id: 'run', class: 'primary' }, 'Run (Ctrl+Enter)');
  const csv = h('button', { type: 'button', id: 'csv' }, 'Download CSV');
  const editorNote = h('div', { id: 'editor-note' });
  const status = h('div', { id: 'result-status' });
  const results = h('div', { id: 'results' });
  const chart = h('div', { id: 'result-chart' });
  append(main, h('h1', null, 'Query console'),
    section('SQL', h('p', { class: 'muted' },
      'Tables: telemetry(time, device, metric, value), uplinks, devices, gateways. Functions: time_bucket(\'15 minutes\', time), ' +
      'first/last(value, time), now(), interval \'7 days\'. Read-only.'),
    editorNote, textarea, h('div', { class: 'toolbar' }, run, csv, examples)),
    section('Result', status, chart, results));

  const over = await editorOver(textarea, 'text/x-sqlite');
  const editor = over.codeMirror;
  if (!editor) {
    fill(editorNote, note('Plain text editor: install Debian\'s libjs-codemirror (apt-get install libjs-codemirror) for SQL highlighting.'));
  } else {
    editor.setOption('extraKeys', { 'Ctrl-Enter': () => execute(), 'Cmd-Enter': () => execute() });
  }
  const sql = () => (editor ? editor.getValue() : textarea.value).trim();
  textarea.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); execute(); } });
  examples.addEventListener('change', () => {
    const ex = EXAMPLES[Number(examples.value)];
    if (!ex) return;
    if (editor) editor.setValue(ex[1]); else textarea.value = ex[1];
    examples.value = '';
  });
  run.addEventListener('click', () => execute());
  csv.addEventListener('click', async () => {
    try {
      const text = await queryCSV(sql());
      const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
      const a = h('a', { href: url, download: 'lorikeet-query.csv' });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (e) {
      fill(status, errorBox(e, 'CSV'));
    }
  });

  let running = 0;
  async function execute() {
    const text = sql();
    if (!text) return;
    const ticket = ++running;
    run.disabled = true;
    fill(status, h('p', { class: 'muted' }, 'Running…'));
    const started = performance.now();
    try {
      const { columns, rows } = await query(text);
      if (ticket !== running) return;
      const ms = performance.now() - started;
      fill(status, h('p', { id: 'result-count', dataset: { rows: String(rows.length) } },
        `${rows.length} row${rows.length === 1 ? '' : 's'} in ${ms.toFixed(0)} ms` + (rows.length > MAX_ROWS_SHOWN ? ` (showing the first ${MAX_ROWS_SHOWN})` : '')));
      fill(results, table(columns.map((c) => ({ label: c, cell: (r) => cell(r[c]), class: typeof rows[0]?.[c] === 'number' ? 'num' : '' })),
        rows.slice(0, MAX_ROWS_SHOWN), { id: 'result-table', empty: 'No rows.' }));
      await chartOf(chart, columns, rows);
    } catch (e) {
      if (ticket !== running) return;
      fill(status, errorBox(e, 'Query'));
      fill(results);
      fill(chart);
    } finally {
      if (ticket === running) run.disabled = false;
    }
  }
  await execute();
});

function cell(v) {
  if (v === null || v === undefined) return h('span', { class: 'muted' }, 'NULL');
  if (typeof v === 'object') return JSON.stringify(v);
  return typeof v === 'number' ? fmtNum(v, 6) : String(v);
}

const TIME_NAME = /^(time|bucket|t|ts|timestamp|minute_ms|.*_time|.*_at|time_bucket\(.*)$/i;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/**
 * The result as a line chart: x is the first time column (by name or RFC 3339 values) or the row
 * number; every numeric column is a line, split by the first text column (e.g. device or metric).
 */
export function chartPlan(columns, rows) {
  const values = (c) => rows.map((r) => r[c]).filter((v) => v !== null && v !== undefined);
  const isTime = (c) => {
    const vs = values(c);
    return vs.length > 0 && (vs.every((v) => typeof v === 'string' && ISO.test(v)) || (TIME_NAME.test(c) && vs.every((v) => toMillis(v) !== null)));
  };
  const x = columns.find(isTime) ?? null;
  const numeric = columns.filter((c) => c !== x && values(c).length > 0 && values(c).every((v) => typeof v === 'number'));
  const group = columns.find((c) => c !== x && !numeric.includes(c) && values(c).every((v) => typeof v === 'string')) ?? null;
  return { x, numeric, group };
}

async function chartOf(container, columns, rows) {
  const { x, numeric, group } = chartPlan(columns, rows);
  if (!rows.length || !numeric.length) {
    fill(container, rows.length ? note('Nothing to chart: the result has no numeric column.') : '');
    return;
  }
  const series = new Map();
  rows.forEach((r, i) => {
    const xv = x ? toMillis(r[x]) : i + 1;
    if (xv === null) return;
    for (const c of numeric) {
      if (typeof r[c] !== 'number') continue;
      const label = group ? (numeric.length > 1 ? `${r[group]} ${c}` : String(r[group])) : c;
      if (!series.has(label)) {
        if (series.size >= 20) continue; // keep the chart readable
        series.set(label, []);
      }
      series.get(label).push({ x: xv, y: r[c] });
    }
  });
  const list = [...series].map(([label, points]) => ({ label, points: points.sort((a, b) => a.x - b.x) }));
  await lineChart(container, 'query-result', list, { xIsTime: Boolean(x), height: 280 });
}
