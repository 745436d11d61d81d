// Create / edit / delete forms for rules and detectors on the Rules & alerts page, over the rules
// routes of the HTTP API (POST /api/rules, PUT and DELETE /api/rules/{name}; POST /api/detectors,
// DELETE /api/detectors/{id}). Rule SQL is edited in CodeMirror when Debian's libjs-codemirror is
// installed. The server is the validator: its {"error", "message"} answer is shown as it is (a SQL
// syntax error names line:column, and the cursor goes there). Built with createElement/textContent.

import { ApiError, request } from './api.js';
import { editorOver } from './codeeditor.js';
import { append, fill, h } from './ui.js';

const RULE_TEMPLATE = {
  sql: "SELECT devEui, object.temperature AS temperature\nFROM 'application/+/device/+/event/up'\nWHERE object.temperature > 30",
  actions: '[\n  {"republish": {"topic": "alerts/${devEui}/warm", "qos": 1}}\n]',
};

/** Example bodies of each detector kind (docs/events.md). */
export const DETECTOR_TEMPLATES = {
  threshold: { id: 'too-warm', name: 'Too warm', scope: {}, severity: 'warning', enabled: true,
    threshold: { metric: 'temperature', direction: 'above', threshold: 30, durationSeconds: 300, hysteresis: 1 } },
  absence: { id: 'silent', name: 'Device silent', scope: {}, severity: 'warning', enabled: true,
    absence: { timeoutSeconds: 3600 } },
  rateOfChange: { id: 'battery-drain', name: 'Battery draining', scope: {}, severity: 'info', enabled: true,
    rateOfChange: { metric: 'battery', windowSeconds: 86400, per: 'hour', direction: 'below', threshold: -0.5 } },
  anomaly: { id: 'odd-humidity', name: 'Unusual humidity', scope: {}, severity: 'info', enabled: true,
    anomaly: { metric: 'humidity', method: 'mad', windowSize: 60, threshold: 3.5 } },
  stateMachine: { id: 'door', name: 'Door open too long', scope: {}, severity: 'critical', enabled: true,
    stateMachine: { inputs: ['door'], initialState: 'closed', states: [
      { name: 'closed', transitions: [{ to: 'open', when: 'door == 1' }] },
      { name: 'open', onEnter: [{ setTimer: { name: 'open_too_long', seconds: 300 } }], onExit: [{ clearTimer: { name: 'open_too_long' } }],
        transitions: [{ to: 'closed', when: 'door == 0' }, { to: 'alarm', when: 'timeout("open_too_long")' }] },
      { name: 'alarm', onEnter: [{ alert: { message: 'door open for 5 minutes', severity: 'critical' } }],
        transitions: [{ to: 'closed', when: 'door == 0', actions: [{ resolve: { message: 'door closed' } }] }] },
    ] } },
};

/** line:column in a server message ("… at 1:26 …", "line 2, column 5"), or null. */
export function positionIn(message) {
  const text = String(message ?? '');
  let m = text.match(/line (\d+),? column (\d+)/i);
  if (!m) m = text.match(/\b(\d+):(\d+)\b/);
  return m ? { line: Number(m[1]), column: Number(m[2]) } : null;
}

/**
 * The server's refusal, clearly: what was tried, the status, the stable code and the message
 * (multi-line messages such as a caret under the SQL keep their layout).
 */
export function apiErrorDetail(error, what, id) {
  const box = h('div', { class: 'message error form-error', role: 'alert', id });
  if (error instanceof ApiError && error.status !== 0 && error.status !== 401 && error.status !== 403) {
    append(box, h('div', null, `${what}: the server answered ${error.status} `, h('code', { class: 'error-code' }, error.code)),
      error.message ? h('pre', { class: 'error-message' }, error.message) : null);
  } else {
    append(box, `${what}: `, error instanceof ApiError ? error.explain() : String(error && error.message ? error.message : error));
  }
  return box;
}

function labelled(text, control, hint) {
  return h('label', { class: 'form-row' }, h('span', { class: 'form-label' }, text), control, hint ? h('span', { class: 'muted hint' }, hint) : null);
}

/** Parses the text of a JSON field, or throws an Error naming the field. */
function parseJSON(text, fieldName) {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${fieldName} is not valid JSON: ${e.message}`);
  }
}

/**
 * The rule form: hidden until open(null) (new rule) or open(definition) (edit). onSaved(name) is
 * called after a successful save.
 */
export function ruleForm({ onSaved }) {
  const name = h('input', { type: 'text', id: 'rule-name', autocomplete: 'off', spellcheck: 'false', placeholder: 'too_warm' });
  const description = h('input', { type: 'text', id: 'rule-description', autocomplete: 'off' });
  const sql = h('textarea', { id: 'rule-sql', rows: '5', spellcheck: 'false' });
  const actions = h('textarea', { id: 'rule-actions', rows: '5', spellcheck: 'false' });
  const enabled = h('input', { type: 'checkbox', id: 'rule-enabled', checked: true });
  const save = h('button', { type: 'submit', id: 'rule-save', class: 'primary' }, 'Save rule');
  const cancel = h('button', { type: 'button', id: 'rule-cancel' }, 'Cancel');
  const title = h('h3', { id: 'rule-form-title' }, 'New rule');
  const errors = h('div', { id: 'rule-form-errors' });
  const form = h('form', { id: 'rule-form', class: 'editor-form', hidden: true, novalidate: true },
    title,
    labelled('Name', name, 'letters, digits and _ (1–128); the rule\'s identity, not editable later'),
    labelled('Description', description),
    h('div', { class: 'form-row' }, h('span', { class: 'form-label' }, 'SQL'), sql,
      h('span', { class: 'muted hint' }, "SELECT … FROM 'topic filter' [WHERE …] (AWS IoT SQL, docs/rules.md)")),
    h('div', { class: 'form-row' }, h('span', { class: 'form-label' }, 'Actions (JSON array)'), actions,
      h('span', { class: 'muted hint' }, 'each {"republish"|"storeTelemetry"|"webhook"|"downlink"|"alert": {…}}')),
    h('label', { class: 'check' }, enabled, 'Enabled'),
    errors,
    h('div', { class: 'toolbar' }, save, cancel));

  let sqlEditor = null;
  let actionsEditor = null;
  let editing = null; // the name being edited, or null for a new rule
  const ready = (async () => {
    sqlEditor = await editorOver(sql, 'text/x-sql');
    actionsEditor = await editorOver(actions, 'application/json');
  })();

  async function open(definition) {
    await ready;
    fill(errors);
    editing = definition ? String(definition.name ?? '') : null;
    form.hidden = false;
    title.textContent = editing === null ? 'New rule' : `Edit rule ${editing}`;
    name.value = editing ?? '';
    name.disabled = editing !== null;
    description.value = definition?.description ?? '';
    enabled.checked = definition ? definition.enabled !== false : true;
    sqlEditor.set(definition ? String(definition.sql ?? '') : RULE_TEMPLATE.sql);
    actionsEditor.set(definition ? JSON.stringify(definition.actions ?? [], null, 2) : RULE_TEMPLATE.actions);
    form.dataset.mode = editing === null ? 'create' : 'edit';
    (editing === null ? name : description).focus();
  }

  function close() {
    form.hidden = true;
    editing = null;
    fill(errors);
  }

  cancel.addEventListener('click', close);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    await ready;
    fill(errors);
    const ruleName = editing ?? name.value.trim();
    let body;
    try {
      body = { name: ruleName, sql: sqlEditor.get(), actions: parseJSON(actionsEditor.get().trim() || '[]', 'Actions'), enabled: enabled.checked };
      if (description.value.trim()) body.description = description.value.trim();
      if (!ruleName) throw new Error('Name is required');
    } catch (e) {
      fill(errors, apiErrorDetail(e, 'Not sent', 'rule-error'));
      return;
    }
    const path = editing === null ? '/api/rules' : `/api/rules/${encodeURIComponent(editing)}`;
    const method = editing === null ? 'POST' : 'PUT';
    save.disabled = true;
    try {
      await request(path, { method, body });
      close();
      await onSaved(ruleName);
    } catch (e) {
      fill(errors, apiErrorDetail(e, `${method} ${path}`, 'rule-error'));
      errors.scrollIntoView({ block: 'nearest' });
      const at = e instanceof ApiError && /sql/i.test(e.code) ? positionIn(e.message) : null;
      if (at) sqlEditor.focusAt(at.line, at.column);
    } finally {
      save.disabled = false;
    }
  });
  return { element: form, open, close };
}

/**
 * The detector form: the whole definition as JSON (a kind picker fills an example). The API has no
 * PUT for detectors: saving an edit deletes the old definition and creates the new one, and puts
 * the old one back if the server refuses the new one.
 */
export function detectorForm({ onSaved }) {
  const kind = h('select', { id: 'detector-kind' },
    h('option', { value: '' }, 'Example of a kind…'), Object.keys(DETECTOR_TEMPLATES).map((k) => h('option', { value: k }, k)));
  const text = h('textarea', { id: 'detector-json', rows: '12', spellcheck: 'false' });
  const save = h('button', { type: 'submit', id: 'detector-save', class: 'primary' }, 'Save detector');
  const cancel = h('button', { type: 'button', id: 'detector-cancel' }, 'Cancel');
  const title = h('h3', { id: 'detector-form-title' }, 'New detector');
  const errors = h('div', { id: 'detector-form-errors' });
  const form = h('form', { id: 'detector-form', class: 'editor-form', hidden: true, novalidate: true },
    title,
    h('div', { class: 'toolbar' }, kind),
    h('div', { class: 'form-row' }, h('span', { class: 'form-label' }, 'Definition (JSON)'), text,
      h('span', { class: 'muted hint' }, 'id, name, scope {application|deviceProfile|device}, severity, enabled and exactly one kind (docs/events.md)')),
    errors,
    h('div', { class: 'toolbar' }, save, cancel));

  let editor = null;
  let editing = null; // the definition being edited, or null
  const ready = (async () => { editor = await editorOver(text, 'application/json'); })();

  kind.addEventListener('change', async () => {
    await ready;
    const template = DETECTOR_TEMPLATES[kind.value];
    if (template) editor.set(JSON.stringify(editing ? { ...template, id: editing.id } : template, null, 2));
    kind.value = '';
  });

  async function open(definition) {
    await ready;
    fill(errors);
    editing = definition ?? null;
    form.hidden = false;
    form.dataset.mode = editing ? 'edit' : 'create';
    title.textContent = editing ? `Edit detector ${editing.id}` : 'New detector';
    editor.set(JSON.stringify(definition ?? DETECTOR_TEMPLATES.threshold, null, 2));
  }

  function close() {
    form.hidden = true;
    editing = null;
    fill(errors);
  }

  cancel.addEventListener('click', close);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    await ready;
    fill(errors);
    let body;
    try {
      body = parseJSON(editor.get(), 'The definition');
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('The definition must be a JSON object');
    } catch (e) {
      fill(errors, apiErrorDetail(e, 'Not sent', 'detector-error'));
      return;
    }
    save.disabled = true;
    const old = editing;
    try {
      if (old) await request(`/api/detectors/${encodeURIComponent(old.id)}`, { method: 'DELETE' });
      try {
        await request('/api/detectors', { method: 'POST', body });
      } catch (e) {
        if (old) {
          // Put the old definition back; say so if even that fails.
          try { await request('/api/detectors', { method: 'POST', body: old }); } catch (restore) {
            fill(errors, apiErrorDetail(e, 'POST /api/detectors', 'detector-error'),
              apiErrorDetail(restore, `Restoring ${old.id}`, 'detector-restore-error'));
            return;
          }
        }
        throw e;
      }
      close();
      await onSaved(String(body.id ?? ''));
    } catch (e) {
      if (!errors.firstChild) fill(errors, apiErrorDetail(e, old ? 'Saving the edit' : 'POST /api/detectors', 'detector-error'));
    } finally {
      save.disabled = false;
    }
  });
  return { element: form, open, close };
}

/**
 * A Delete button that asks once more in place ("Delete" → "Really delete?") before calling
 * remove(); no modal dialog.
 */
export function deleteButton(what, remove) {
  const button = h('button', { type: 'button', class: 'delete' }, 'Delete');
  let armed = false;
  let timer = null;
  button.addEventListener('click', async () => {
    if (!armed) {
      armed = true;
      button.textContent = `Really delete ${what}?`;
      button.classList.add('armed');
      timer = setTimeout(() => { armed = false; button.textContent = 'Delete'; button.classList.remove('armed'); }, 5000);
      return;
    }
    clearTimeout(timer);
    button.disabled = true;
    await remove();
  });
  return button;
}
