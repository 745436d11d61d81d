// Live frames: the server's event stream (uplinks, joins, acks, status, logs) as it happens.

import { field, normalEUI } from './api.js';
import { openStream } from './stream.js';
import { append, errorBox, fill, fmtNum, fmtTime, h, section, startPage, unavailableBox } from './ui.js';

const TYPES = ['up', 'join', 'ack', 'txack', 'status', 'log', 'location', 'integration'];
const KEEP = 200;

startPage(async (main) => {
  const app = h('input', { type: 'text', id: 'filter-app', placeholder: 'application id (all)' });
  const dev = h('input', { type: 'text', id: 'filter-dev', placeholder: 'DevEUI (all)' });
  const boxes = TYPES.map((t) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: t, checked: t !== 'log' }), t));
  const state = h('span', { id: 'stream-state', class: 'muted' }, 'connecting…');
  const body = h('tbody', { id: 'frames' });
  const frames = h('table', { class: 'grid' },
    h('thead', null, h('tr', null, ['Time', 'Type', 'Device', 'FCnt', 'FPort', 'RSSI', 'SNR', 'Gateway', 'Data'].map((c) => h('th', null, c)))), body);
  const messages = h('div', { id: 'stream-messages' });
  let paused = false;
  const pause = h('button', { type: 'button', onclick: () => { paused = !paused; fill(pause, paused ? 'Resume' : 'Pause'); } }, 'Pause');
  const clear = h('button', { type: 'button', onclick: () => body.replaceChildren() }, 'Clear');
  const apply = h('button', { type: 'button', onclick: () => connect() }, 'Apply filters');
  append(main, h('h1', null, 'Live frames'),
    section('Stream', h('div', { class: 'toolbar' }, app, dev, boxes, apply, pause, clear, h('span', { class: 'spacer' }), state), messages, frames));

  let stream = null;
  function connect() {
    stream?.close();
    fill(messages);
    const devEui = dev.value.trim() ? normalEUI(dev.value) : '';
    if (devEui === null) { fill(messages, errorBox(new Error('A DevEUI is 16 hex digits.'))); return; }
    const types = boxes.map((b) => b.firstChild).filter((c) => c.checked).map((c) => c.value).join(',');
    fill(state, 'connecting…');
    stream = openStream({ applicationId: app.value.trim(), devEui, types }, {
      onOpen: () => { fill(state, 'connected'); state.className = 'ok'; },
      onUnavailable: () => { fill(state, 'not available'); fill(messages, unavailableBox('The live stream', 'GET /api/stream')); },
      onError: (e) => { fill(state, 'error'); state.className = 'bad'; fill(messages, errorBox(e, 'Live stream')); },
      onEvent: (type, data) => { if (!paused) addFrame(type, data); },
    });
  }

  function addFrame(type, data) {
    const d = data && typeof data === 'object' ? data : {};
    const info = d.deviceInfo ?? {};
    const rx = Array.isArray(d.rxInfo) && d.rxInfo.length ? d.rxInfo[0] : {};
    const payload = d.object !== undefined ? JSON.stringify(d.object) : (d.data ?? (typeof data === 'string' ? data : field(d, 'description', 'code') ?? ''));
    const time = Date.parse(d.time ?? '') || Date.now();
    const row = h('tr', { class: `frame-${type}` },
      h('td', null, fmtTime(time)), h('td', null, type),
      h('td', { class: 'mono' }, info.devEui ?? info.deviceName ?? '—'),
      h('td', { class: 'num' }, d.fCnt ?? '—'), h('td', { class: 'num' }, d.fPort ?? '—'),
      h('td', { class: 'num' }, fmtNum(rx.rssi)), h('td', { class: 'num' }, fmtNum(rx.snr, 1)),
      h('td', { class: 'mono' }, rx.gatewayId ?? '—'),
      h('td', { class: 'payload' }, String(payload).slice(0, 300)));
    body.prepend(row);
    while (body.children.length > KEEP) body.lastElementChild.remove();
  }

  connect();
});
