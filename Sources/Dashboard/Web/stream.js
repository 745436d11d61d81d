// The live stream (GET /api/stream, Server-Sent Events). EventSource cannot send an Authorization
// header, so the stream is read with fetch and parsed here: `event: <type>` and `data: <json>`
// lines, a blank line ends an event, lines starting with ':' are comments (the server's pings).

import { ApiError, getKey } from './api.js';

/** Splits SSE text into events; returns the unfinished remainder. */
export function parseSSE(buffer, emit) {
  const blocks = buffer.split(/\r?\n\r?\n/);
  const rest = blocks.pop();
  for (const block of blocks) {
    let type = 'message';
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      if (!line || line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const name = i < 0 ? line : line.slice(0, i);
      let value = i < 0 ? '' : line.slice(i + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (name === 'event') type = value;
      else if (name === 'data') data.push(value);
    }
    if (data.length) emit(type, data.join('\n'));
  }
  return rest;
}

/**
 * Opens the stream with filters {applicationId, devEui, types} and calls
 * onEvent(type, parsedJSON | text), onOpen(), onUnavailable() on 404, onError(ApiError|Error).
 * Reconnects after 3 s when the stream ends, except after 401/403/404 or close().
 */
export function openStream(filters, { onEvent, onOpen, onUnavailable, onError } = {}) {
  const controller = new AbortController();
  let closed = false;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filters ?? {})) if (v) params.set(k, v);
  const url = `/api/stream${params.toString() ? `?${params}` : ''}`;

  async function run() {
    while (!closed) {
      let response;
      try {
        response = await fetch(url, {
          headers: { Accept: 'text/event-stream', Authorization: `Bearer ${getKey() ?? ''}` },
          signal: controller.signal, cache: 'no-store',
        });
      } catch (e) {
        if (closed) return;
        onError?.(new ApiError(0, 'network_error', `Cannot reach the live stream (${e.message}).`, url));
        await pause(3000);
        continue;
      }
      if (response.status === 404) { onUnavailable?.(); return; }
      if (!response.ok || !response.body) {
        let message = '';
        try { const j = await response.json(); message = typeof j.message === 'string' ? j.message : j?.error?.message ?? ''; } catch { /* no body */ }
        onError?.(new ApiError(response.status, `http_${response.status}`, message, url));
        if (response.status === 401 || response.status === 403) return;
        await pause(3000);
        continue;
      }
      onOpen?.();
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          buffer = parseSSE(buffer, (type, data) => {
            let parsed = data;
            try { parsed = JSON.parse(data); } catch { /* keep text */ }
            onEvent?.(type, parsed);
          });
          if (buffer.length > 1 << 20) buffer = ''; // a runaway line: drop it rather than grow forever
        }
      } catch (e) {
        if (closed) return;
      }
      if (!closed) await pause(3000);
    }
  }

  function pause(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  run();
  return { close() { closed = true; controller.abort(); } };
}
