// Plots of the last 5 minutes, with axes. A page starts with what the robot
// kept (GET /api/telemetry/recent: a sample a second), so it is not empty
// after every load, and adds a point for every event-stream snapshot
// (renderPlots, called from operate.js). Loaded after operate.js.
'use strict';

const plotWindow = 5 * 60 * 1000;
const plotSeries = {
  jitter: { id: 'jitter-plot', key: 'jitter_p99_us', unit: 'µs', data: [] },
  battery: { id: 'battery-plot', key: 'battery_percentage', unit: '%', data: [] },
};

// The battery as the robot's sampler finds it (ui/telemetry.go): the driver
// named battery, else the first of type battery.
function batteryOf(drivers) {
  const names = Object.keys(drivers || {}).sort();
  const b = drivers && drivers.battery && typeof drivers.battery === 'object' ? drivers.battery
    : names.map((n) => drivers[n]).find((d) => d && d.type === 'battery');
  return b && typeof b.percentage === 'number' ? b.percentage : null;
}

async function loadTelemetry() {
  let body;
  try {
    const r = await fetch('/api/telemetry/recent', { headers: authHeaders });
    if (!r.ok) return;
    body = await r.json();
  } catch (e) { return; } // the live points still come
  const offset = Date.now() - body.now; // the robot's clock to this page's
  for (const s of Object.values(plotSeries)) {
    const first = s.data.length ? s.data[0].t : Infinity;
    const kept = (body.series[s.key] || []).map((p) => ({ t: p.t + offset, v: p.v })).filter((p) => p.t < first);
    s.data = kept.concat(s.data);
  }
  if (plotSeries.battery.data.length) $('battery-card').hidden = false;
  drawPlots();
}

// niceTicks covers lo..hi with 3 to 6 round steps (1, 2 or 5 × 10^n).
function niceTicks(lo, hi) {
  if (!(hi > lo)) { const m = Math.abs(lo) * 0.05 || 1; lo -= m; hi += m; }
  const raw = (hi - lo) / 4, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw);
  const ticks = [];
  for (let v = Math.floor(lo / step) * step; v < hi + step * 0.999; v += step) ticks.push(+v.toPrecision(12));
  return ticks;
}

function svgEl(name, attrs, text) {
  const e = document.createElementNS(svgNS, name); // svgNS: operate.js
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

// drawPlot draws one series in the plot's own pixels (its viewBox follows
// its size, so text is never stretched): values on the left axis, minutes
// before now along the bottom.
function drawPlot(s, now) {
  const svg = $(s.id);
  while (s.data.length && s.data[0].t < now - plotWindow) s.data.shift();
  const W = svg.clientWidth || 300, H = svg.clientHeight || 130;
  const L = 54, R = 10, T = 8, B = 20;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const vs = s.data.map((d) => d.v);
  const ticks = vs.length ? niceTicks(Math.min(...vs), Math.max(...vs)) : [0, 1];
  const lo = ticks[0], hi = ticks[ticks.length - 1];
  const x = (t) => L + (W - L - R) * (t - (now - plotWindow)) / plotWindow;
  const y = (v) => H - B - (H - B - T) * (v - lo) / (hi - lo);
  const els = [];
  for (const v of ticks) {
    els.push(svgEl('line', { class: 'grid', x1: L, x2: W - R, y1: y(v), y2: y(v) }),
      svgEl('text', { class: 'y-label', x: L - 4, y: y(v) + 3, 'text-anchor': 'end' }, (+v.toPrecision(6)) + ' ' + s.unit));
  }
  for (let m = 5; m >= 0; m--) {
    const tx = x(now - m * 60000);
    els.push(svgEl('line', { class: 'axis', x1: tx, x2: tx, y1: H - B, y2: H - B + 4 }),
      svgEl('text', { class: 'x-label', x: tx, y: H - 5, 'text-anchor': m === 0 ? 'end' : m === 5 ? 'start' : 'middle' },
        m === 0 ? 'now' : '−' + m)); // minutes: the card's heading says so
  }
  els.push(svgEl('line', { class: 'axis', x1: L, x2: L, y1: T, y2: H - B }),
    svgEl('line', { class: 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }),
    svgEl('polyline', { class: 'series', points: s.data.map((d) => x(d.t).toFixed(1) + ',' + y(d.v).toFixed(1)).join(' ') }));
  svg.replaceChildren(...els);
  return vs.length ? [Math.min(...vs), Math.max(...vs)] : null;
}

function drawPlots() {
  const now = Date.now();
  const range = drawPlot(plotSeries.jitter, now);
  $('jitter-range').textContent = range ? `${fmt(range[0], 0)} – ${fmt(range[1], 0)} µs` : '';
  if (!$('battery-card').hidden) drawPlot(plotSeries.battery, now);
}

function renderPlots(s) {
  const now = Date.now();
  plotSeries.jitter.data.push({ t: now, v: s.status.control.jitter_p99_us });
  const hw = s.status.hardware || {};
  const pct = batteryOf(hw.drivers);
  if (pct !== null) {
    $('battery-card').hidden = false;
    $('battery-value').textContent = fmt(pct, 0) + ' %';
    plotSeries.battery.data.push({ t: now, v: pct });
  }
  drawPlots();
}

window.addEventListener('resize', drawPlots);
loadTelemetry();
