// Overview: devices (registered, online), uplinks per minute, gateways, open alerts.

import { ApiError, count, list, query, request, pageOf, field, toMillis } from './api.js';
import { lineChart } from './charts.js';
import { append, errorBox, fill, h, note, section, startPage } from './ui.js';

/** A device counts as online when it sent an uplink in this window. */
const ONLINE_MINUTES = 15;
/** A gateway counts as online when it was heard in this window (status every 30 s by default). */
const GATEWAY_ONLINE_MS = 5 * 60 * 1000;

function card(id, label) {
  const value = h('div', { class: 'value', id }, '…');
  const sub = h('div', { class: 'sub', id: `${id}-sub` });
  return { el: h('div', { class: 'card' }, h('div', { class: 'label' }, label), value, sub), value, sub };
}

function show(c, value, sub) {
  fill(c.value, String(value));
  c.value.dataset.loaded = '1';
  if (sub !== undefined) fill(c.sub, sub);
}

function fail(c, e) {
  fill(c.value, '—');
  c.value.dataset.loaded = 'error';
  fill(c.sub, e instanceof ApiError && e.notAvailable ? 'not available on this server' : errorBox(e));
}

startPage(async (main) => {
  const devices = card('stat-devices', 'Devices registered');
  const online = card('stat-online', `Devices online (${ONLINE_MINUTES} min)`);
  const uplinks = card('stat-uplinks', 'Uplinks, last hour');
  const gateways = card('stat-gateways', 'Gateways online / registered');
  const alerts = card('stat-alerts', 'Open alerts');
  const chartBox = h('div', { id: 'uplinks-chart' }, h('p', { class: 'muted' }, 'Loading…'));
  append(main,
    h('h1', null, 'Overview'),
    h('div', { class: 'cards' }, devices.el, online.el, uplinks.el, gateways.el, alerts.el),
    section('Uplinks per minute (last hour)', chartBox));

  const jobs = [
    (async () => {
      try {
        show(devices, await count('/api/devices'));
      } catch (e) { fail(devices, e); }
    })(),
    (async () => {
      try {
        const { rows } = await query(
          `SELECT count(DISTINCT dev_eui) AS online FROM uplinks WHERE time > now() - interval '${ONLINE_MINUTES} minutes'`);
        show(online, rows.length ? Number(rows[0].online) : 0);
      } catch (e) { fail(online, e); }
    })(),
    (async () => {
      try {
        const { rows } = await query(
          "SELECT time_bucket('1 minute', time) + 0 AS minute_ms, count(*) AS uplinks FROM uplinks " +
          "WHERE time > now() - interval '60 minutes' GROUP BY 1 ORDER BY 1");
        const now = Date.now();
        const first = Math.floor((now - 59 * 60000) / 60000) * 60000;
        const byMinute = new Map(rows.map((r) => [toMillis(r.minute_ms), Number(r.uplinks)]));
        const points = [];
        for (let t = first; t <= now; t += 60000) points.push({ x: t, y: byMinute.get(t) ?? 0 });
        const total = rows.reduce((n, r) => n + Number(r.uplinks), 0);
        const lastFive = points.slice(-5).reduce((n, p) => n + p.y, 0) / 5;
        show(uplinks, total, `${lastFive.toFixed(1)} per minute over the last 5 minutes`);
        await lineChart(chartBox, 'uplinks-per-minute', [{ label: 'uplinks', points }], { height: 220 });
      } catch (e) {
        fail(uplinks, e);
        fill(chartBox, errorBox(e, 'Uplinks per minute'));
      }
    })(),
    (async () => {
      try {
        const { items, total } = await list('/api/gateways');
        const now = Date.now();
        const up = items.filter((g) => {
          const seen = toMillis(field(g, 'lastSeenMillis', 'lastSeenAt', 'lastSeen', 'last_seen'));
          return seen !== null && now - seen < GATEWAY_ONLINE_MS;
        }).length;
        show(gateways, `${up} / ${total}`, 'online: a status report in the last 5 minutes');
      } catch (e) { fail(gateways, e); }
    })(),
    (async () => {
      try {
        const answer = await request('/api/alerts?state=firing&limit=1&offset=0');
        show(alerts, pageOf(answer).total, 'firing, not yet acknowledged');
      } catch (e) {
        if (e instanceof ApiError && e.notAvailable) {
          // No alerts API yet: the events table, if the server has one.
          try {
            const { rows } = await query("SELECT count(*) AS open FROM events WHERE state = 'firing'");
            show(alerts, rows.length ? Number(rows[0].open) : 0, 'firing (from the events table)');
            return;
          } catch {
            // Neither: say so.
          }
        }
        fail(alerts, e);
      }
    })(),
  ];
  await Promise.all(jobs);
  if (sessionStorage.getItem('lorikeet.scoped')) {
    main.prepend(note('This key has a limited role: parts the role does not cover say so.'));
  }
});
