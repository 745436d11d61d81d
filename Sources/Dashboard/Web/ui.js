// DOM helpers and the page frame (navigation, login guard, messages). Everything shown is built
// with createElement and textContent: no HTML is ever parsed from data.

import { ApiError, clearKey, getKey } from './api.js';

/** Pages of the navigation: file, label. */
export const PAGES = [
  ['index.html', 'Overview'],
  ['devices.html', 'Devices'],
  ['gateways.html', 'Gateways'],
  ['live.html', 'Live frames'],
  ['query.html', 'Query'],
  ['alerts.html', 'Rules & alerts'],
];

/** Only our own page names (with an optional query string) may be a link or a redirect target. */
export function safePage(target) {
  const s = String(target ?? '');
  return /^[a-z]+\.html(\?[A-Za-z0-9=&%._-]*)?$/.test(s) ? s : 'index.html';
}

function safeHref(value) {
  const s = String(value);
  if (/^https:\/\/www\.openstreetmap\.org\//.test(s)) return s;
  if (/^(blob:)/.test(s)) return s;
  if (/^vendor\/[A-Za-z0-9._+-]+(\/[A-Za-z0-9._+-]+)*$/.test(s) && !s.includes('..')) return s;
  return safePage(s) === s || s.startsWith('#') ? s : '#';
}

/**
 * h('a', {href: 'devices.html', class: 'x', onclick: fn}, 'text', child, ...): an element.
 * Children that are not Nodes become text nodes. Attribute values are set with setAttribute.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = String(v);
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = String(v);
    else if (k === 'checked' || k === 'disabled' || k === 'selected') el[k] = Boolean(v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'href') el.setAttribute('href', safeHref(v));
    else if (/^[a-z][a-z0-9-]*$/.test(k) && !k.startsWith('on')) el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, ...children);
  return el;
}

export function append(el, ...children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, ...children);
}

/** A message box for an error (ApiError or other); 401 offers the login page. */
export function errorBox(error, what) {
  const text = error instanceof ApiError ? error.explain() : String(error && error.message ? error.message : error);
  const box = h('div', { class: 'message error', role: 'alert' }, what ? `${what}: ` : '', text);
  if (error instanceof ApiError && error.status === 401) {
    append(box, ' ', h('a', { href: `login.html?next=${encodeURIComponent(currentPage())}` }, 'Log in'));
  }
  return box;
}

/** A box saying a part of the API is not on this server. */
export function unavailableBox(what, route) {
  return h('div', { class: 'message notice', dataset: { unavailable: '1' } },
    `${what}: not available on this server (${route} answered 404). This part appears once the server has that API.`);
}

export function note(text) {
  return h('div', { class: 'message notice' }, text);
}

export function currentPage() {
  const file = location.pathname.split('/').pop() || 'index.html';
  return safePage(file + location.search);
}

/**
 * Starts a page: sends the user to the login page without a key, draws the navigation, then calls
 * render(main). Errors thrown by render are shown in the page.
 */
export async function startPage(render) {
  if (!getKey()) {
    location.replace(`login.html?next=${encodeURIComponent(currentPage())}`);
    return;
  }
  const here = location.pathname.split('/').pop() || 'index.html';
  const nav = h('nav', { class: 'nav' },
    h('a', { class: 'brand', href: 'index.html' }, 'Lorikeet'),
    PAGES.map(([file, label]) => h('a', { href: file, class: file === here ? 'active' : '' }, label)),
    h('span', { class: 'spacer' }),
    h('button', {
      type: 'button', class: 'link', id: 'logout',
      onclick: () => { clearKey(); location.replace('login.html'); },
    }, 'Log out'));
  fill(document.getElementById('top'), nav);
  const main = document.getElementById('main');
  main.replaceChildren();
  try {
    await render(main);
  } catch (e) {
    append(main, errorBox(e));
  }
  document.body.dataset.ready = '1';
}

// Formatting.

export function fmtTime(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function fmtAgo(ms, now = Date.now()) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return 'never';
  const s = Math.round((now - ms) / 1000);
  if (s < 0) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function fmtNum(v, digits = 2) {
  if (v === null || v === undefined || v === '') return '—';
  const n = Number(v);
  if (!Number.isFinite(n)) return String(v);
  return Number.isInteger(n) ? String(n) : n.toFixed(digits).replace(/\.?0+$/, '');
}

/** A table: columns [{label, cell(row) → string|Node, class?}], rows. */
export function table(columns, rows, { id, empty = 'Nothing yet.' } = {}) {
  const t = h('table', { class: 'grid', id });
  append(t, h('thead', null, h('tr', null, columns.map((c) => h('th', { class: c.class }, c.label)))));
  const body = h('tbody');
  if (!rows.length) {
    append(body, h('tr', null, h('td', { colspan: String(columns.length), class: 'muted' }, empty)));
  }
  for (const r of rows) {
    append(body, h('tr', null, columns.map((c) => h('td', { class: c.class }, c.cell(r)))));
  }
  append(t, body);
  return t;
}

/** A titled section. */
export function section(title, ...children) {
  return h('section', { class: 'panel' }, h('h2', null, title), children);
}
