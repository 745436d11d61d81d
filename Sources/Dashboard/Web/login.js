// The login page: checks the key against the API, keeps it in sessionStorage, goes back to the page
// that sent the user here.

import { ApiError, request, setKey } from './api.js';
import { fill, h, safePage } from './ui.js';

const form = document.getElementById('login-form');
const input = document.getElementById('api-key');
const message = document.getElementById('login-message');

function say(kind, text) {
  fill(message, h('div', { class: `message ${kind}` }, text));
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const key = input.value.trim();
  if (!key) return say('error', 'Enter an API key.');
  say('notice', 'Checking the key…');
  let scoped = false;
  try {
    // Any authenticated route tells a good key from a bad one: 401 is a bad key, 403 a good key
    // whose role does not cover device lists (it may still cover other pages).
    await request('/api/devices?limit=1&offset=0', { headers: { Authorization: `Bearer ${key}` } });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return say('error', 'The server refused this key (401). Check it and try again.');
    if (e instanceof ApiError && e.status === 403) scoped = true;
    else if (e instanceof ApiError && e.status === 0) return say('error', e.message);
    else if (!(e instanceof ApiError)) return say('error', String(e));
  }
  setKey(key);
  if (scoped) sessionStorage.setItem('lorikeet.scoped', '1');
  else sessionStorage.removeItem('lorikeet.scoped');
  const next = new URLSearchParams(location.search).get('next');
  location.replace(safePage(next || 'index.html'));
});

input.focus();
