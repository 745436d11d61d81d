// Rules, detectors and alerts (the rules helper's routes). Alerts can be acknowledged and resolved,
// rules created, edited, enabled, disabled and deleted, detectors created, edited and deleted
// (forms in editors.js). A part the server does not have (404) says so; a part the key's role may
// not touch (403) says that.

import { ApiError, field, list, request, toMillis } from './api.js';
import { deleteButton, detectorForm, ruleForm } from './editors.js';
import { append, errorBox, fill, fmtAgo, fmtNum, fmtTime, h, section, startPage, table, unavailableBox } from './ui.js';

startPage(async (main) => {
  const alertsBox = h('div', { id: 'alerts' });
  const rulesBox = h('div', { id: 'rules' });
  const detectorsBox = h('div', { id: 'detectors' });
  const state = h('select', { id: 'alert-state' },
    [['firing', 'firing'], ['acknowledged', 'acknowledged'], ['resolved', 'resolved'], ['', 'all']].map(([v, l]) => h('option', { value: v }, l)));
  const device = h('input', { type: 'text', id: 'alert-device', placeholder: 'DevEUI (all)' });
  const refresh = h('button', { type: 'button', onclick: () => loadAlerts() }, 'Refresh');
  const actionStatus = h('div', { id: 'action-status', role: 'status' });
  const rules = ruleForm({ onSaved: async (name) => { fill(actionStatus, h('div', { class: 'message ok' }, `Saved rule ${name}`)); await loadRules(); } });
  const detectors = detectorForm({ onSaved: async (id) => { fill(actionStatus, h('div', { class: 'message ok' }, `Saved detector ${id}`)); await loadDetectors(); } });
  const newRule = h('button', { type: 'button', id: 'new-rule', onclick: () => rules.open(null) }, 'New rule');
  const newDetector = h('button', { type: 'button', id: 'new-detector', onclick: () => detectors.open(null) }, 'New detector');
  append(main, h('h1', null, 'Rules & alerts'), actionStatus,
    section('Alerts', h('div', { class: 'toolbar' }, 'State ', state, device, refresh), alertsBox),
    section('Rules', h('div', { class: 'toolbar' }, newRule), rules.element, rulesBox),
    section('Detectors', h('div', { class: 'toolbar' }, newDetector), detectors.element, detectorsBox));
  state.addEventListener('change', () => loadAlerts());

  async function act(path, done, method = 'POST') {
    try {
      await request(path, { method });
      fill(actionStatus, h('div', { class: 'message ok' }, `Done: ${method} ${path}`));
      await done();
    } catch (e) {
      fill(actionStatus, errorBox(e, `${method} ${path}`));
      if (method === 'DELETE') await done(); // redraw the row's Delete button
    }
  }

  /** Opens a form with the server's current definition (GET path), or says why not. */
  async function edit(form, path) {
    try {
      form.open(await request(path));
    } catch (e) {
      fill(actionStatus, errorBox(e, `GET ${path}`));
    }
  }

  async function loadAlerts() {
    fill(alertsBox, h('p', { class: 'muted' }, 'Loading…'));
    const params = {};
    if (state.value) params.state = state.value;
    if (device.value.trim()) params.deviceEui = device.value.trim();
    try {
      const { items } = await list('/api/alerts', params);
      fill(alertsBox, table([
        { label: 'Fired', cell: (a) => h('span', { title: fmtTime(toMillis(field(a, 'firedAt', 'fired_at'))) }, fmtAgo(toMillis(field(a, 'firedAt', 'fired_at')))) },
        { label: 'Device', cell: (a) => h('span', { class: 'mono' }, field(a, 'device', 'deviceEui', 'devEui') ?? '—') },
        { label: 'Detector', cell: (a) => `${field(a, 'detectorID', 'detectorId') ?? '—'} (${field(a, 'detectorType') ?? '?'})` },
        { label: 'Severity', cell: (a) => field(a, 'severity') ?? '—' },
        { label: 'State', cell: (a) => h('span', { class: `state-${field(a, 'state')}` }, field(a, 'state') ?? '—') },
        { label: 'Message', cell: (a) => field(a, 'message') ?? '' },
        { label: 'Value', class: 'num', cell: (a) => fmtNum(field(a, 'value'), 3) },
        { label: 'Fires', class: 'num', cell: (a) => fmtNum(field(a, 'fireCount')) },
        {
          label: '', cell: (a) => {
            const id = encodeURIComponent(String(field(a, 'id') ?? ''));
            const s = field(a, 'state');
            return [
              s === 'firing' ? h('button', { type: 'button', class: 'ack', onclick: () => act(`/api/alerts/${id}/acknowledge`, loadAlerts) }, 'Acknowledge') : null,
              s !== 'resolved' ? h('button', { type: 'button', class: 'resolve', onclick: () => act(`/api/alerts/${id}/resolve`, loadAlerts) }, 'Resolve') : null,
            ];
          },
        },
      ], items, { id: 'alerts-table', empty: state.value ? `No ${state.value} alerts.` : 'No alerts.' }));
    } catch (e) {
      fill(alertsBox, e instanceof ApiError && e.notAvailable ? unavailableBox('Alerts', 'GET /api/alerts') : errorBox(e, 'Alerts'));
    }
  }

  async function loadRules() {
    fill(rulesBox, h('p', { class: 'muted' }, 'Loading…'));
    try {
      const { items } = await list('/api/rules');
      fill(rulesBox, table([
        { label: 'Name', cell: (r) => h('b', null, field(r, 'name') ?? '—') },
        { label: 'SQL', cell: (r) => h('code', { class: 'sql' }, field(r, 'sql', 'query') ?? '') },
        { label: 'Actions', cell: (r) => summary(field(r, 'actions')) },
        { label: 'Enabled', cell: (r) => (field(r, 'enabled') === false ? h('span', { class: 'bad' }, 'no') : h('span', { class: 'ok' }, 'yes')) },
        {
          label: '', cell: (r) => {
            const name = encodeURIComponent(String(field(r, 'name') ?? ''));
            return [
              field(r, 'enabled') === false
                ? h('button', { type: 'button', onclick: () => act(`/api/rules/${name}/enable`, loadRules) }, 'Enable')
                : h('button', { type: 'button', onclick: () => act(`/api/rules/${name}/disable`, loadRules) }, 'Disable'),
              ' ',
              h('button', { type: 'button', class: 'edit', onclick: () => edit(rules, `/api/rules/${name}`) }, 'Edit'),
              ' ',
              deleteButton(String(field(r, 'name') ?? ''), () => act(`/api/rules/${name}`, loadRules, 'DELETE')),
            ];
          },
        },
      ], items, { id: 'rules-table', empty: 'No rules.' }));
    } catch (e) {
      fill(rulesBox, e instanceof ApiError && e.notAvailable ? unavailableBox('Rules', 'GET /api/rules') : errorBox(e, 'Rules'));
    }
  }

  async function loadDetectors() {
    fill(detectorsBox, h('p', { class: 'muted' }, 'Loading…'));
    try {
      const { items } = await list('/api/detectors');
      fill(detectorsBox, table([
        { label: 'Id', cell: (d) => h('b', null, field(d, 'id') ?? '—') },
        { label: 'Type', cell: (d) => field(d, 'type', 'kind') ?? '—' },
        { label: 'Definition', cell: (d) => h('code', { class: 'json' }, JSON.stringify(d)) },
        {
          label: '', cell: (d) => {
            const id = encodeURIComponent(String(field(d, 'id') ?? ''));
            return [
              h('button', { type: 'button', class: 'edit', onclick: () => edit(detectors, `/api/detectors/${id}`) }, 'Edit'),
              ' ',
              deleteButton(String(field(d, 'id') ?? ''), () => act(`/api/detectors/${id}`, loadDetectors, 'DELETE')),
            ];
          },
        },
      ], items, { id: 'detectors-table', empty: 'No detectors.' }));
    } catch (e) {
      fill(detectorsBox, e instanceof ApiError && e.notAvailable ? unavailableBox('Detectors', 'GET /api/detectors') : errorBox(e, 'Detectors'));
    }
  }

  await Promise.all([loadAlerts(), loadRules(), loadDetectors()]);
});

function summary(actions) {
  if (!Array.isArray(actions)) return actions ? JSON.stringify(actions) : '—';
  return actions.map((a) => (a && typeof a === 'object' ? (a.type ?? Object.keys(a)[0] ?? '?') : String(a))).join(', ');
}
