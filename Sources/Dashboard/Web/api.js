// The API client: the key from sessionStorage as a bearer token, errors of the HTTP API contract,
// lists that are either bare arrays (today) or pages {"items", "total", "limit", "offset"}, and SQL
// through POST /api/query.

const KEY = 'lorikeet.apiKey';

/** The API key of this browser tab, or null. Kept in sessionStorage only (gone with the tab). */
export function getKey() {
  return sessionStorage.getItem(KEY);
}

export function setKey(key) {
  sessionStorage.setItem(KEY, key);
}

export function clearKey() {
  sessionStorage.removeItem(KEY);
}

/** An answer other than 2xx, or no answer at all (status 0). */
export class ApiError extends Error {
  constructor(status, code, message, path) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.path = path;
  }

  /** The route does not exist on this server (an API part not installed, e.g. before a merge). */
  get notAvailable() {
    return this.status === 404 || this.status === 405 || this.status === 501;
  }

  /** What to tell the user. */
  explain() {
    if (this.status === 401) {
      return 'The server refused the API key (401). Log in again with a valid key.';
    }
    if (this.status === 403) {
      return `This API key's role may not do this (403 forbidden${this.message ? ': ' + this.message : ''}). ` +
        'Use an admin key, or an analyst or application key that covers it.';
    }
    if (this.status === 0) return this.message;
    return `${this.path}: ${this.status} ${this.code}${this.message ? ' — ' + this.message : ''}`;
  }
}

async function errorFrom(response, path) {
  let code = '';
  let message = '';
  try {
    const body = await response.json();
    if (body && typeof body.error === 'string') {
      // The contract: {"error": "<snake_case_code>", "message": "<human text>"}.
      code = body.error;
      message = typeof body.message === 'string' ? body.message : '';
    } else if (body && body.error && typeof body.error === 'object') {
      // Older routes: {"error": {"code": "...", "message": "..."}}.
      code = typeof body.error.code === 'string' ? body.error.code : '';
      message = typeof body.error.message === 'string' ? body.error.message : '';
    }
  } catch {
    // Not JSON (or empty): the status says enough.
  }
  return new ApiError(response.status, code || `http_${response.status}`, message || response.statusText || '', path);
}

/**
 * One API call. Resolves to the parsed JSON (or text, or null for an empty body); rejects with an
 * ApiError.
 */
export async function request(path, { method = 'GET', body, headers = {}, signal } = {}) {
  const h = { Accept: 'application/json', ...headers };
  const key = getKey();
  if (key) h.Authorization = `Bearer ${key}`;
  let payload;
  if (body !== undefined) {
    h['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, { method, headers: h, body: payload, signal, cache: 'no-store' });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network_error', `Cannot reach the server (${e && e.message ? e.message : e}).`, path);
  }
  if (!response.ok) throw await errorFrom(response, path);
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The items of a list answer: a bare array, or a page {"items": [...], "total": N}. */
export function pageOf(json) {
  if (Array.isArray(json)) return { items: json, total: json.length, paged: false };
  if (json && Array.isArray(json.items)) {
    const total = Number.isFinite(json.total) ? json.total : json.items.length;
    return { items: json.items, total, paged: true };
  }
  throw new ApiError(0, 'unexpected_answer', 'Expected a JSON array or {"items": [...]} from a list route.', '');
}

/**
 * Every item of a list route (pages of 1000 until `total`, at most `max` items), with filters as
 * query parameters. Resolves to {items, total}.
 */
export async function list(path, params = {}, { max = 10000 } = {}) {
  const items = [];
  let offset = 0;
  let total = 0;
  for (;;) {
    const q = new URLSearchParams({ ...params, limit: '1000', offset: String(offset) });
    const page = pageOf(await request(`${path}?${q}`));
    items.push(...page.items);
    total = page.total;
    if (!page.paged || page.items.length === 0 || items.length >= total || items.length >= max) break;
    offset += page.items.length;
  }
  return { items, total: Math.max(total, items.length) };
}

/** The total of a list route, asking for as few items as the server allows. */
export async function count(path, params = {}) {
  const q = new URLSearchParams({ ...params, limit: '1', offset: '0' });
  return pageOf(await request(`${path}?${q}`)).total;
}

/**
 * Runs SQL through POST /api/query. Resolves to {columns, rows}: rows are objects keyed by column
 * name, in the server's column order. Time columns arrive as RFC 3339 text (see toMillis).
 */
export async function query(sql, { signal } = {}) {
  const answer = await request('/api/query', { method: 'POST', body: { sql, format: 'json' }, signal });
  if (Array.isArray(answer)) {
    return { columns: answer.length ? Object.keys(answer[0]) : [], rows: answer };
  }
  if (answer && Array.isArray(answer.columns) && Array.isArray(answer.rows)) {
    // A {columns, rows: [[...]]} answer (should the API grow one): turn rows into objects.
    const rows = answer.rows.map((r) => Array.isArray(r) ? Object.fromEntries(answer.columns.map((c, i) => [c, r[i]])) : r);
    return { columns: answer.columns, rows };
  }
  throw new ApiError(0, 'unexpected_answer', 'POST /api/query did not answer a JSON array of rows.', '/api/query');
}

/** The same query as CSV text. */
export async function queryCSV(sql) {
  return request('/api/query', { method: 'POST', body: { sql, format: 'csv' }, headers: { Accept: 'text/csv' } });
}

/** A SQL string literal. */
export function sqlString(value) {
  return `'${String(value).replace(/'/g, "''")}'`;
}

/** A time from a query or an API record (epoch ms number, numeric text, or RFC 3339 text) in ms, or null. */
export function toMillis(value) {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') {
    if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

/** The first of several spellings of a field (the API may say devEUI, devEui or dev_eui). */
export function field(object, ...names) {
  if (!object || typeof object !== 'object') return undefined;
  for (const n of names) {
    if (object[n] !== undefined && object[n] !== null) return object[n];
  }
  return undefined;
}

/** Radio metadata the server stores beside the decoded fields (not part of the decoded object). */
export const RADIO_METRICS = new Set(['rssi', 'snr', 'frequency', 'dr', 'gateway_count']);

/** Whether a metric name looks like a battery level or voltage. */
export function isBattery(metric) {
  return /batt|(^|[._])bat($|[._])/i.test(String(metric));
}

/** A DevEUI as 16 lower-case hex digits, or null. */
export function normalEUI(text) {
  const s = String(text ?? '').trim().toLowerCase();
  return /^[0-9a-f]{16}$/.test(s) ? s : null;
}
