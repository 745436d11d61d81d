// Devices: every registered device with last seen, RSSI/SNR, battery and its last decoded values.

import { ApiError, RADIO_METRICS, field, isBattery, list, query, toMillis } from './api.js';
import { append, errorBox, fill, fmtAgo, fmtNum, fmtTime, h, note, section, startPage, table } from './ui.js';

startPage(async (main) => {
  const status = h('div');
  const holder = h('div', { id: 'devices-table' }, h('p', { class: 'muted' }, 'Loading…'));
  const filter = h('input', { type: 'search', id: 'device-filter', placeholder: 'Filter by EUI, name or application' });
  append(main, h('h1', null, 'Devices'), status, section('Devices', filter, holder));

  let devices;
  try {
    devices = (await list('/api/devices')).items;
  } catch (e) {
    fill(holder, errorBox(e, 'Device list'));
    return;
  }

  // Last uplink per device (radio data) and the last value of every metric in the last day.
  const uplinks = new Map();
  const values = new Map();
  const [u, v] = await Promise.allSettled([
    query('SELECT u.dev_eui AS dev_eui, u.time + 0 AS last_ms, u.rssi AS rssi, u.snr AS snr, u.f_cnt AS f_cnt, u.dr AS dr, c.n AS uplinks ' +
      'FROM uplinks u JOIN (SELECT max(id) AS id, count(*) AS n FROM uplinks GROUP BY dev_eui) c ON c.id = u.id'),
    query("SELECT device, metric, last(value, time) AS value FROM telemetry WHERE time > now() - interval '1 day' GROUP BY device, metric"),
  ]);
  if (u.status === 'fulfilled') {
    for (const r of u.value.rows) uplinks.set(String(r.dev_eui).toLowerCase(), r);
  } else {
    append(status, errorBox(u.reason, 'Last uplinks (POST /api/query)'));
  }
  if (v.status === 'fulfilled') {
    for (const r of v.value.rows) {
      const key = String(r.device).toLowerCase();
      if (!values.has(key)) values.set(key, []);
      values.get(key).push(r);
    }
  } else if (!(u.status === 'rejected' && u.reason instanceof ApiError && u.reason.status === v.reason?.status)) {
    append(status, errorBox(v.reason, 'Last values (POST /api/query)'));
  }

  const rows = devices.map((d) => {
    const eui = String(field(d, 'devEUI', 'devEui', 'dev_eui') ?? '').toLowerCase();
    const up = uplinks.get(eui);
    const vals = (values.get(eui) ?? []).filter((r) => !RADIO_METRICS.has(r.metric));
    const battery = vals.find((r) => isBattery(r.metric));
    return {
      eui,
      name: field(d, 'name') ?? '',
      app: field(d, 'applicationID', 'applicationId', 'application_id') ?? '',
      disabled: Boolean(field(d, 'disabled', 'isDisabled')),
      last: up ? toMillis(up.last_ms) : null,
      up,
      battery,
      vals,
    };
  }).sort((a, b) => (b.last ?? -1) - (a.last ?? -1));

  const render = () => {
    const q = filter.value.trim().toLowerCase();
    const shown = q ? rows.filter((r) => `${r.eui} ${r.name} ${r.app}`.toLowerCase().includes(q)) : rows;
    fill(holder, table([
      { label: 'DevEUI', cell: (r) => h('a', { href: `device.html?devEui=${encodeURIComponent(r.eui)}`, class: 'mono' }, r.eui) },
      { label: 'Name', cell: (r) => r.name || '—' },
      { label: 'Application', cell: (r) => r.app },
      { label: 'Last seen', cell: (r) => h('span', { title: fmtTime(r.last), class: r.last && Date.now() - r.last < 15 * 60000 ? 'ok' : 'muted' }, fmtAgo(r.last)) },
      { label: 'RSSI (dBm)', class: 'num', cell: (r) => fmtNum(r.up?.rssi) },
      { label: 'SNR (dB)', class: 'num', cell: (r) => fmtNum(r.up?.snr, 1) },
      { label: 'Uplinks stored', class: 'num', cell: (r) => fmtNum(r.up?.uplinks) },
      { label: 'Battery', class: 'num', cell: (r) => (r.battery ? fmtNum(r.battery.value) : '—') },
      { label: 'Last decoded values', cell: (r) => decoded(r.vals) },
    ], shown, { id: 'devices', empty: q ? 'No device matches.' : 'No devices registered.' }));
  };
  filter.addEventListener('input', render);
  render();
  if (!uplinks.size && u.status === 'fulfilled') append(status, note('No uplinks received yet.'));
});

function decoded(vals) {
  if (!vals.length) return h('span', { class: 'muted' }, '—');
  return h('span', { class: 'kv' }, vals.slice(0, 8).map((r) => h('span', { class: 'pair' }, h('b', null, r.metric), ' ', fmtNum(r.value, 3))),
    vals.length > 8 ? ` +${vals.length - 8} more` : '');
}
