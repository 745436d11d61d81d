// Line charts with Chart.js from Debian's libjs-chart.js (served at /ui/vendor/chart.js/); without
// it, a table of the same points and a note saying what to install.

import { append, fmtNum, fmtTime, h, table } from './ui.js';

const CHART_URL = 'vendor/chart.js/chart.min.js';
const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];
let chartLoad = null;

/** Loads a classic script once (same origin, so the page's CSP allows it). */
export function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(s);
  });
}

/** Resolves to the Chart constructor, or null when the vendor file is missing. */
export function loadChartJS() {
  if (window.Chart) return Promise.resolve(window.Chart);
  if (!chartLoad) chartLoad = loadScript(CHART_URL).then(() => window.Chart ?? null, () => null);
  return chartLoad;
}

/** Every chart drawn by the dashboard, by name (the browser test reads their data through it). */
window.lorikeetCharts = window.lorikeetCharts || {};

/**
 * Draws a line chart into `container`.
 * series: [{label, points: [{x, y}]}]; xIsTime: x is epoch ms. Resolves to the Chart or null.
 */
export async function lineChart(container, name, series, { xIsTime = true, yLabel = '', height = 240 } = {}) {
  const Chart = await loadChartJS();
  container.replaceChildren();
  if (window.lorikeetCharts[name]) {
    window.lorikeetCharts[name].destroy();
    delete window.lorikeetCharts[name];
  }
  if (!Chart) {
    append(container, h('div', { class: 'message notice' },
      'Charts need Debian\'s libjs-chart.js (apt-get install libjs-chart.js, or make run / make test); showing the points as a table.'));
    const rows = [];
    for (const s of series) for (const p of s.points) rows.push({ s: s.label, x: p.x, y: p.y });
    append(container, table([
      { label: 'series', cell: (r) => r.s },
      { label: xIsTime ? 'time' : 'x', cell: (r) => (xIsTime ? fmtTime(r.x) : fmtNum(r.x)) },
      { label: 'value', cell: (r) => fmtNum(r.y, 4), class: 'num' },
    ], rows.slice(-500), { empty: 'No points in this range.' }));
    return null;
  }
  const box = h('div', { class: 'chart-box', style: `height:${height}px` });
  const canvas = h('canvas', { dataset: { chart: name } });
  append(box, canvas);
  append(container, box);
  const many = series.reduce((n, s) => n + s.points.length, 0) > 300;
  const chart = new Chart(canvas, {
    type: 'line',
    data: {
      datasets: series.map((s, i) => ({
        label: s.label,
        data: s.points,
        borderColor: PALETTE[i % PALETTE.length],
        backgroundColor: PALETTE[i % PALETTE.length],
        borderWidth: 1.5,
        pointRadius: many ? 0 : 2,
        tension: 0,
      })),
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      normalized: true,
      interaction: { mode: 'nearest', intersect: false },
      scales: {
        x: {
          type: 'linear',
          ticks: { maxTicksLimit: 8, callback: (v) => (xIsTime ? tickLabel(v) : v) },
        },
        y: { title: { display: Boolean(yLabel), text: yLabel } },
      },
      plugins: {
        legend: { display: series.length > 1 },
        tooltip: {
          callbacks: { title: (items) => (items.length ? (xIsTime ? fmtTime(items[0].parsed.x) : String(items[0].parsed.x)) : '') },
        },
      },
    },
  });
  window.lorikeetCharts[name] = chart;
  return chart;
}

function tickLabel(ms) {
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
