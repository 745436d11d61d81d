// Gateways: status (heard recently), location, and traffic — the network's uplinks per minute from
// the uplinks table, and per gateway the frames of the live stream since the page was opened (the
// store keeps no per-gateway counts).

import { ApiError, field, list, query, toMillis } from './api.js';
import { lineChart } from './charts.js';
import { openStream } from './stream.js';
import { append, errorBox, fill, fmtAgo, fmtNum, fmtTime, h, note, section, startPage, table } from './ui.js';

const ONLINE_MS = 5 * 60 * 1000;

startPage(async (main) => {
  const holder = h('div', { id: 'gateways-table' }, h('p', { class: 'muted' }, 'Loading…'));
  const traffic = h('div', { id: 'traffic-chart' }, h('p', { class: 'muted' }, 'Loading…'));
  const streamNote = h('div', { id: 'stream-note' });
  append(main, h('h1', null, 'Gateways'), section('Gateways', holder, streamNote), section('Network traffic: uplinks per minute (last 6 hours)', traffic));

  let gateways = [];
  const heard = new Map();
  const render = () => {
    const now = Date.now();
    fill(holder, table([
      { label: 'Gateway EUI', cell: (g) => h('span', { class: 'mono' }, g.eui) },
      { label: 'Name', cell: (g) => g.name || '—' },
      { label: 'Status', cell: (g) => status(g, now) },
      { label: 'Last status report', cell: (g) => (g.seen === null ? h('span', { class: 'muted' }, 'none yet') : h('span', { title: fmtTime(g.seen) }, fmtAgo(g.seen))) },
      { label: 'Location', cell: (g) => location_(g.location) },
      { label: 'Frames (live, since opened)', class: 'num', cell: (g) => fmtNum(heard.get(g.eui) ?? 0) },
    ], gateways, { id: 'gateways', empty: 'No gateways registered (they register when they first send, or with `lorikeet gateway add`).' }));
  };

  try {
    gateways = (await list('/api/gateways')).items.map((g) => ({
      eui: String(field(g, 'gatewayEUI', 'gatewayEui', 'gatewayId', 'gateway_eui') ?? '').toLowerCase(),
      name: field(g, 'name') ?? '',
      seen: toMillis(field(g, 'lastSeenMillis', 'lastSeenAt', 'lastSeen', 'last_seen')),
      location: field(g, 'location'),
    }));
    render();
  } catch (e) {
    fill(holder, errorBox(e, 'Gateway list'));
  }

  (async () => {
    try {
      const { rows } = await query("SELECT time_bucket('1 minute', time) + 0 AS minute_ms, count(*) AS uplinks, avg(gateway_count) AS gateways " +
        "FROM uplinks WHERE time > now() - interval '6 hours' GROUP BY 1 ORDER BY 1");
      const byMinute = new Map(rows.map((r) => [toMillis(r.minute_ms), Number(r.uplinks)]));
      const now = Date.now();
      const points = [];
      for (let t = Math.floor((now - 6 * 3600e3) / 60000) * 60000 + 60000; t <= now; t += 60000) points.push({ x: t, y: byMinute.get(t) ?? 0 });
      if (!rows.length) fill(traffic, note('No uplinks in the last 6 hours.'));
      else await lineChart(traffic, 'gateway-traffic', [{ label: 'uplinks', points }], { height: 220 });
    } catch (e) {
      fill(traffic, errorBox(e, 'Traffic'));
    }
  })();

  // Count frames per gateway from the live stream (rxInfo[].gatewayId of each uplink).
  openStream({ types: 'up' }, {
    onEvent: (type, data) => {
      for (const rx of Array.isArray(data?.rxInfo) ? data.rxInfo : []) {
        const id = String(rx?.gatewayId ?? rx?.gatewayEui ?? '').toLowerCase();
        if (id) heard.set(id, (heard.get(id) ?? 0) + 1);
      }
      render();
    },
    onUnavailable: () => fill(streamNote, note('Per-gateway frame counts need the live stream (GET /api/stream), which this server does not have yet.')),
    onError: (e) => fill(streamNote, e instanceof ApiError && e.status === 403 ? note('This key may not read the live stream, so per-gateway frame counts stay at 0.') : errorBox(e, 'Live stream')),
  });
});

/** Online when a status report arrived in ONLINE_MS; a gateway that only forwards frames (no stat
 * messages) has no report time, which is not the same as being down. */
function status(g, now) {
  if (g.seen === null) return h('span', { class: 'muted' }, 'no status reports');
  return now - g.seen < ONLINE_MS ? h('span', { class: 'ok' }, 'online') : h('span', { class: 'bad' }, 'offline');
}

function location_(loc) {
  const lat = Number(field(loc, 'latitude', 'lat'));
  const lon = Number(field(loc, 'longitude', 'lon', 'lng'));
  if (!loc || !Number.isFinite(lat) || !Number.isFinite(lon)) return h('span', { class: 'muted' }, '—');
  const alt = Number(field(loc, 'altitude', 'alt'));
  const text = `${lat.toFixed(5)}, ${lon.toFixed(5)}${Number.isFinite(alt) ? `, ${fmtNum(alt, 0)} m` : ''}`;
  return h('a', { href: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=15/${lat}/${lon}`, rel: 'noopener noreferrer', target: '_blank' }, text);
}
