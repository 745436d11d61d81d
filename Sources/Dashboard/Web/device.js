// One device: registry record, last uplink, last decoded values, and a chart of every metric over a
// chosen range (raw points for short ranges, time_bucket averages for long ones).

import { ApiError, RADIO_METRICS, field, normalEUI, query, request, sqlString, toMillis } from './api.js';
import { lineChart } from './charts.js';
import { append, errorBox, fill, fmtAgo, fmtNum, fmtTime, h, note, section, startPage } from './ui.js';

const RANGES = [['1h', 3600e3], ['6h', 6 * 3600e3], ['24h', 86400e3], ['7d', 7 * 86400e3], ['30d', 30 * 86400e3]];
/** Up to this many points per metric in the range, raw points; beyond, MAX_POINTS bucket averages. */
const RAW_POINTS = 2000;
const MAX_POINTS = 500;

/** A `datetime-local` input value for a time in ms (local time). */
function localInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

startPage(async (main) => {
  const eui = normalEUI(new URLSearchParams(location.search).get('devEui'));
  if (!eui) {
    append(main, h('h1', null, 'Device'), errorBox(new Error('No valid devEui in the address (16 hex digits).')));
    return;
  }
  // The store keys series by the DevEUI as the server wrote it; ask for both cases.
  const devices = `(${sqlString(eui)}, ${sqlString(eui.toUpperCase())})`;
  const info = h('div', { id: 'device-info' }, h('p', { class: 'muted' }, 'Loading…'));
  const lastValues = h('div', { id: 'last-values' }, h('p', { class: 'muted' }, 'Loading…'));
  const charts = h('div', { id: 'charts', class: 'charts' });
  const chartStatus = h('div', { id: 'chart-status' });
  const from = h('input', { type: 'datetime-local', id: 'range-from' });
  const to = h('input', { type: 'datetime-local', id: 'range-to' });
  const buttons = RANGES.map(([label, ms]) => h('button', {
    type: 'button', class: 'range', dataset: { range: label },
    onclick: () => { setRange(Date.now() - ms, Date.now()); draw(); },
  }, label));
  const apply = h('button', { type: 'button', id: 'range-apply', onclick: () => draw() }, 'Show');
  append(main,
    h('h1', null, 'Device ', h('span', { class: 'mono' }, eui)),
    section('Device', info),
    section('Last decoded values', lastValues),
    section('Metrics', h('div', { class: 'toolbar' }, buttons, h('span', { class: 'spacer' }), 'from ', from, ' to ', to, apply), chartStatus, charts));

  function setRange(a, b) {
    from.value = localInput(a);
    to.value = localInput(b);
  }
  setRange(Date.now() - 86400e3, Date.now() + 60e3);

  // Registry record and last uplink (either may be refused to a scoped key; the charts still work).
  (async () => {
    const parts = [];
    try {
      const d = await request(`/api/devices/${encodeURIComponent(eui)}`);
      parts.push(['Name', field(d, 'name') || '—'], ['Application', field(d, 'applicationID', 'applicationId') ?? '—'],
        ['Device profile', field(d, 'deviceProfileID', 'deviceProfileId') ?? '—'], ['Disabled', field(d, 'disabled') ? 'yes' : 'no']);
    } catch (e) {
      parts.push(['Registry', e instanceof ApiError ? e.explain() : String(e)]);
    }
    try {
      const { rows } = await query(`SELECT time + 0 AS last_ms, f_cnt, f_port, dr, frequency, rssi, snr, gateway_count FROM uplinks ` +
        `WHERE dev_eui IN ${devices} ORDER BY id DESC LIMIT 1`);
      const r = rows[0];
      if (r) {
        const t = toMillis(r.last_ms);
        parts.push(['Last seen', `${fmtTime(t)} (${fmtAgo(t)})`], ['RSSI / SNR', `${fmtNum(r.rssi)} dBm / ${fmtNum(r.snr, 1)} dB`],
          ['FCnt / FPort', `${r.f_cnt} / ${r.f_port ?? '—'}`], ['DR / frequency', `${r.dr} / ${fmtNum(r.frequency / 1e6, 3)} MHz`],
          ['Gateways', String(r.gateway_count)]);
      } else {
        parts.push(['Last seen', 'never']);
      }
    } catch (e) {
      parts.push(['Last uplink', e instanceof ApiError ? e.explain() : String(e)]);
    }
    fill(info, h('dl', { class: 'facts' }, parts.map(([k, v]) => [h('dt', null, k), h('dd', null, v)])));
  })();

  (async () => {
    try {
      const { rows } = await query(`SELECT metric, last(value, time) AS value, max(time) AS at FROM telemetry ` +
        `WHERE device IN ${devices} AND time > now() - interval '30 days' GROUP BY metric ORDER BY metric`);
      const decoded = rows.filter((r) => !RADIO_METRICS.has(r.metric));
      if (!decoded.length) {
        fill(lastValues, note('No decoded values in the last 30 days (does the device profile have a codec?).'));
        return;
      }
      fill(lastValues,
        h('pre', { class: 'json', id: 'last-object' }, JSON.stringify(Object.fromEntries(decoded.map((r) => [r.metric, r.value])), null, 2)),
        h('p', { class: 'muted' }, `Numeric fields of the decoded object as stored (nested names dotted), newest ${fmtAgo(toMillis(decoded[0].at))}.`));
    } catch (e) {
      fill(lastValues, errorBox(e));
    }
  })();

  let drawing = 0;
  async function draw() {
    const ticket = ++drawing;
    const a = Date.parse(from.value);
    const b = Date.parse(to.value);
    if (!Number.isFinite(a) || !Number.isFinite(b) || b <= a) {
      fill(chartStatus, errorBox(new Error('Choose a range whose end is after its start.')));
      return;
    }
    fill(chartStatus, h('p', { class: 'muted' }, 'Loading…'));
    const span = b - a;
    const where = `device IN ${devices} AND time >= ${a} AND time <= ${b}`;
    // Raw points while there are few (exact values, one per uplink); averages per bucket beyond.
    let raw = true;
    try {
      const counts = (await query(`SELECT metric, count(*) AS n FROM telemetry WHERE ${where} GROUP BY metric`)).rows;
      raw = counts.every((r) => Number(r.n) <= RAW_POINTS);
    } catch (e) {
      if (ticket === drawing) fill(chartStatus, errorBox(e, 'Metrics'));
      return;
    }
    let sql;
    if (raw) {
      sql = `SELECT time + 0 AS t, metric, value FROM telemetry WHERE ${where} ORDER BY metric, t`;
    } else {
      const width = Math.max(1000, Math.ceil(span / MAX_POINTS / 1000) * 1000);
      sql = `SELECT time_bucket(${width}, time) + 0 AS t, metric, avg(value) AS value FROM telemetry WHERE ${where} GROUP BY metric, t ORDER BY metric, t`;
    }
    let rows;
    try {
      rows = (await query(sql)).rows;
    } catch (e) {
      if (ticket === drawing) fill(chartStatus, errorBox(e, 'Metrics'));
      return;
    }
    if (ticket !== drawing) return;
    const byMetric = new Map();
    for (const r of rows) {
      const x = toMillis(r.t);
      const y = Number(r.value);
      if (x === null || !Number.isFinite(y)) continue;
      if (!byMetric.has(r.metric)) byMetric.set(r.metric, []);
      byMetric.get(r.metric).push({ x, y });
    }
    charts.replaceChildren();
    for (const name of Object.keys(window.lorikeetCharts ?? {})) {
      if (name.startsWith('metric:')) { window.lorikeetCharts[name].destroy(); delete window.lorikeetCharts[name]; }
    }
    fill(chartStatus, h('p', { class: 'muted', id: 'chart-summary' },
      `${byMetric.size} metric${byMetric.size === 1 ? '' : 's'}, ${rows.length} point${rows.length === 1 ? '' : 's'} ` +
      `${raw ? '(raw)' : '(averaged per bucket)'} from ${fmtTime(a)} to ${fmtTime(b)}.`));
    if (!byMetric.size) {
      append(chartStatus, note('No points in this range.'));
      return;
    }
    // Decoded fields first, radio metadata after.
    const names = [...byMetric.keys()].sort((x, y) => (RADIO_METRICS.has(x) - RADIO_METRICS.has(y)) || x.localeCompare(y));
    for (const name of names) {
      const box = h('div', { class: 'chart-cell', dataset: { metric: name } });
      append(charts, h('div', { class: 'chart-card' }, h('h3', null, name), box));
      await lineChart(box, `metric:${name}`, [{ label: name, points: byMetric.get(name) }], { height: 200 });
    }
    charts.dataset.drawn = String(names.length);
  }
  await draw();
});
