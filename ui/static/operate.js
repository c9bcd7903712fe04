// Operating the robot: the map, automation controls, joystick, e-stop,
// plots, the drivers panel and the module editor. Loaded after app.js and
// fed every event-stream snapshot through renderOperate.
'use strict';

const jsonHeaders = { 'Content-Type': 'application/json', ...authHeaders };
let last = null; // the latest snapshot

async function postJSON(path, body) {
  const r = await fetch(path, { method: 'POST', headers: jsonHeaders, body: body === undefined ? '' : JSON.stringify(body) });
  const out = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(out.error || r.statusText);
  return out;
}

function operateMessage(text) { $('operate-result').textContent = text || ''; }

// ---- automation -----------------------------------------------------------
$('play').addEventListener('click', async () => {
  const a = last && last.operate && last.operate.automation;
  try {
    if (a && a.state === 'paused') await postJSON('/api/automation/resume');
    else await postJSON('/api/automation/start', a && a.name ? { name: a.name } : {});
    operateMessage('');
  } catch (e) { operateMessage(e.message); }
});
$('pause').addEventListener('click', () => postJSON('/api/automation/pause', { reason: 'paused from the dashboard' })
  .then(() => operateMessage(''), (e) => operateMessage(e.message)));
$('stop').addEventListener('click', () => postJSON('/api/automation/stop').then(() => operateMessage(''), (e) => operateMessage(e.message)));

// ---- e-stop ---------------------------------------------------------------
$('estop').addEventListener('click', async () => {
  const active = $('estop').getAttribute('aria-pressed') !== 'true';
  try {
    const r = await postJSON('/api/estop', { active });
    showEStop(r.active);
  } catch (e) { operateMessage(e.message); }
});
function showEStop(active) {
  const b = $('estop');
  b.setAttribute('aria-pressed', active ? 'true' : 'false');
  b.textContent = active ? 'RELEASE E-STOP' : 'E-STOP';
}

// ---- joystick -------------------------------------------------------------
// While held, the page sends the command every 100 ms; the robot's deadman
// (500 ms) stops it if the page stops sending (tab closed, network gone).
const joy = $('joystick'), knob = $('knob');
const steer = { x: 0, y: 0, pointer: false, keys: new Set(), timer: null };
function limits() {
  const p = last && last.modules && last.modules.driving_parameters;
  return { lin: (p && p.linear_speed_limit) || 0.3, ang: (p && p.angular_speed_limit) || 1 };
}
function command() {
  const l = limits();
  let x = steer.x, y = steer.y;
  if (!steer.pointer && steer.keys.size) {
    const k = steer.keys;
    y = (k.has('up') ? 1 : 0) - (k.has('down') ? 1 : 0);
    x = (k.has('right') ? 1 : 0) - (k.has('left') ? 1 : 0);
  }
  // Up is forwards; left turns left (positive angular).
  return { linear: +(y * l.lin).toFixed(3), angular: +(-x * l.ang).toFixed(3), x, y };
}
function sendSteer() {
  const c = command();
  placeKnob(c.x, c.y);
  postJSON('/api/steer', { linear: c.linear, angular: c.angular }).then(() => operateMessage(''), (e) => operateMessage(e.message));
}
function holding() { return steer.pointer || steer.keys.size > 0; }
function update() {
  if (holding() && !steer.timer) {
    joy.classList.add('active');
    sendSteer();
    steer.timer = setInterval(sendSteer, 100);
  } else if (holding()) {
    sendSteer();
  } else if (steer.timer) {
    clearInterval(steer.timer);
    steer.timer = null;
    joy.classList.remove('active');
    steer.x = steer.y = 0;
    placeKnob(0, 0);
    postJSON('/api/steer', { linear: 0, angular: 0 }).catch((e) => operateMessage(e.message)); // letting go stops
  }
}
function placeKnob(x, y) {
  knob.style.left = (65 + x * 65) + 'px';
  knob.style.top = (65 - y * 65) + 'px';
}
function fromPointer(ev) {
  const r = joy.getBoundingClientRect();
  let x = (ev.clientX - r.left - r.width / 2) / (r.width / 2), y = -(ev.clientY - r.top - r.height / 2) / (r.height / 2);
  const n = Math.hypot(x, y);
  if (n > 1) { x /= n; y /= n; }
  steer.x = x; steer.y = y;
}
joy.addEventListener('pointerdown', (ev) => { if (stopped()) return; joy.setPointerCapture(ev.pointerId); steer.pointer = true; fromPointer(ev); joy.focus(); update(); });
joy.addEventListener('pointermove', (ev) => { if (steer.pointer) { fromPointer(ev); placeKnob(steer.x, steer.y); } });
const release = () => { if (steer.pointer) { steer.pointer = false; update(); } };
joy.addEventListener('pointerup', release);
joy.addEventListener('pointercancel', release);
joy.addEventListener('lostpointercapture', release);
const keyMap = { ArrowUp: 'up', KeyW: 'up', ArrowDown: 'down', KeyS: 'down', ArrowLeft: 'left', KeyA: 'left', ArrowRight: 'right', KeyD: 'right' };
function typing(ev) { const t = ev.target; return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT'); }
window.addEventListener('keydown', (ev) => {
  const k = keyMap[ev.code];
  if (!k || typing(ev) || stopped()) return;
  ev.preventDefault();
  if (!steer.keys.has(k)) { steer.keys.add(k); update(); }
});
window.addEventListener('keyup', (ev) => {
  const k = keyMap[ev.code];
  if (!k || !steer.keys.has(k)) return;
  steer.keys.delete(k);
  update();
});
window.addEventListener('blur', () => { steer.keys.clear(); steer.pointer = false; update(); });

// ---- active stops -------------------------------------------------------------
// While any stop is active (e-stops, bumpers, the soft e-stop, the motor
// controller's refusals; status.stops) the robot refuses to move: Play and
// the joystick are disabled and the page says why, instead of sending
// commands the robot answers with 409.
let activeStops = [];
function stopped() { return activeStops.length > 0; }
function renderStops(list) {
  activeStops = list || [];
  const p = $('stops');
  p.hidden = !stopped();
  p.textContent = stopped() ? 'Stopped by ' + activeStops.join(', ') + '. Play and the joystick work again once ' +
    (activeStops.length > 1 ? 'these clear.' : 'it clears.') : '';
  joy.setAttribute('aria-disabled', stopped() ? 'true' : 'false');
  joy.title = stopped() ? p.textContent : '';
  joy.style.opacity = stopped() ? '0.4' : '';
  if (stopped() && holding()) { steer.keys.clear(); steer.pointer = false; update(); }
}

// ---- map ------------------------------------------------------------------
const svgNS = 'http://www.w3.org/2000/svg';
const trail = [];
const pt = (p) => p.x.toFixed(3) + ',' + (-p.y).toFixed(3); // SVG y points down
function renderMap(pose, driver, waypoints) {
  const lastT = trail[trail.length - 1];
  if (!lastT || Math.hypot(lastT.x - pose.x, lastT.y - pose.y) > 0.01) {
    trail.push({ x: pose.x, y: pose.y });
    if (trail.length > 3000) trail.shift();
  }
  $('trail').setAttribute('points', trail.map(pt).join(' '));
  $('robot').setAttribute('transform', `translate(${pose.x.toFixed(3)} ${(-pose.y).toFixed(3)}) rotate(${(-pose.yaw * 180 / Math.PI).toFixed(1)})`);
  const path = (driver && driver.path) || [];
  $('path').setAttribute('points', path.map(pt).join(' '));
  const carrot = $('carrot');
  if (driver && driver.carrot) {
    carrot.setAttribute('cx', driver.carrot.x.toFixed(3)); carrot.setAttribute('cy', (-driver.carrot.y).toFixed(3));
    carrot.setAttribute('visibility', 'visible');
  } else carrot.setAttribute('visibility', 'hidden');
  const wp = $('waypoints');
  wp.replaceChildren(...waypoints.flatMap((w, i) => {
    const c = document.createElementNS(svgNS, 'circle');
    c.setAttribute('class', 'waypoint'); c.setAttribute('r', '0.06'); c.setAttribute('cx', w.x); c.setAttribute('cy', -w.y);
    const t = document.createElementNS(svgNS, 'text');
    t.setAttribute('class', 'waypoint-label'); t.setAttribute('x', w.x + 0.08); t.setAttribute('y', -w.y - 0.08); t.textContent = String(i + 1);
    return [c, t];
  }));
  // Fit everything, at least 3 m across.
  const all = [pose, ...trail, ...path, ...waypoints];
  let minX = Math.min(...all.map((p) => p.x)) - 0.5, maxX = Math.max(...all.map((p) => p.x)) + 0.5;
  let minY = Math.min(...all.map((p) => p.y)) - 0.5, maxY = Math.max(...all.map((p) => p.y)) + 0.5;
  const w = Math.max(3, maxX - minX), h = Math.max(3, maxY - minY);
  minX = (minX + maxX) / 2 - w / 2; maxY = (minY + maxY) / 2 + h / 2;
  $('map').setAttribute('viewBox', `${minX.toFixed(2)} ${(-maxY).toFixed(2)} ${w.toFixed(2)} ${h.toFixed(2)}`);
  drawGrid(minX, -maxY, w, h);
  $('pose-text').textContent = `x ${fmt(pose.x, 2)} m, y ${fmt(pose.y, 2)} m, yaw ${fmt(pose.yaw * 180 / Math.PI, 0)}°` +
    (driver && driver.active ? `, cross-track error ${fmt(driver.cross_track_error * 100, 1)} cm, ${fmt(driver.remaining, 2)} m to go` : '');
}
let gridKey = '';
function drawGrid(x0, y0, w, h) {
  const key = [x0, y0, w, h].map((v) => v.toFixed(1)).join();
  if (key === gridKey) return;
  gridKey = key;
  const lines = [];
  for (let x = Math.ceil(x0); x <= x0 + w; x++) lines.push([x, y0, x, y0 + h, x === 0]);
  for (let y = Math.ceil(y0); y <= y0 + h; y++) lines.push([x0, y, x0 + w, y, y === 0]);
  $('grid').replaceChildren(...lines.map(([a, b, c, d, axis]) => {
    const l = document.createElementNS(svgNS, 'line');
    l.setAttribute('x1', a); l.setAttribute('y1', b); l.setAttribute('x2', c); l.setAttribute('y2', d);
    l.setAttribute('class', axis ? 'axis' : 'grid');
    return l;
  }));
}

// ---- plots ----------------------------------------------------------------
const plotWindow = 5 * 60 * 1000;
const series = { jitter: [], battery: [] };
function plot(id, data) {
  const now = Date.now();
  while (data.length && data[0].t < now - plotWindow) data.shift();
  if (!data.length) return [0, 0];
  const vs = data.map((d) => d.v);
  const lo = Math.min(...vs), hi = Math.max(...vs), span = hi - lo || 1;
  $(id).querySelector('polyline').setAttribute('points', data.map((d) =>
    (300 * (d.t - (now - plotWindow)) / plotWindow).toFixed(1) + ',' + (78 - 76 * (d.v - lo) / span).toFixed(1)).join(' '));
  return [lo, hi];
}

// ---- drivers panel: whatever status.hardware.drivers holds -----------------
function flatten(v, prefix, out) {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) flatten(x, prefix ? prefix + '.' + k : k, out);
  } else out.push([prefix, Array.isArray(v) ? JSON.stringify(v) : String(v)]);
  return out;
}
let driversKey = '';
function renderDrivers(drivers) {
  const key = JSON.stringify(drivers || {});
  if (key === driversKey) return;
  driversKey = key;
  const names = Object.keys(drivers || {});
  if (!names.length) { $('drivers').replaceChildren(Object.assign(document.createElement('p'), { className: 'hint', textContent: 'no drivers report' })); return; }
  $('drivers').replaceChildren(...names.map((name) => {
    const t = document.createElement('table');
    t.dataset.driver = name;
    const cap = document.createElement('caption'); cap.textContent = name; t.append(cap);
    for (const [k, v] of flatten(drivers[name], '', [])) {
      const tr = document.createElement('tr');
      const a = document.createElement('td'); a.textContent = k || 'value';
      const b = document.createElement('td'); b.textContent = v;
      tr.append(a, b); t.append(tr);
    }
    return t;
  }));
}

// ---- module editor ----------------------------------------------------------
const select = $('module-select'), editor = $('module-json');
let editorDirty = false;
editor.addEventListener('input', () => { editorDirty = true; });
select.addEventListener('change', () => loadModule());
$('module-reload').addEventListener('click', () => loadModule());
function editorResult(text, ok) { const el = $('module-result'); el.textContent = text; el.className = ok ? 'ok' : 'error'; }
function loadModule() {
  const data = last && last.modules && last.modules[select.value];
  editor.value = data === undefined ? '' : JSON.stringify(data, null, 2);
  editorDirty = false;
  editorResult('', true);
}
$('module-save').addEventListener('click', async () => {
  const key = select.value;
  const r = await fetch('/api/modules/' + encodeURIComponent(key), { method: 'PUT', headers: jsonHeaders, body: editor.value });
  const out = await r.json().catch(() => ({}));
  if (!r.ok) { editorResult('Refused: ' + (out.error || r.statusText), false); return; }
  editorDirty = false;
  editorResult('Saved ' + key + '; backup requested.', true);
});
function renderEditor(modules) {
  const keys = Object.keys(modules || {}).sort();
  if (select.options.length !== keys.length || keys.some((k, i) => select.options[i].value !== k)) {
    const cur = select.value;
    select.replaceChildren(...keys.map((k) => Object.assign(document.createElement('option'), { value: k, textContent: k })));
    if (keys.includes(cur)) select.value = cur;
    if (!editorDirty) loadModule();
  }
  if (!editorDirty && document.activeElement !== editor) {
    const data = modules[select.value];
    if (data !== undefined) editor.value = JSON.stringify(data, null, 2);
  }
}

// ---- every snapshot ----------------------------------------------------------
function renderOperate(s) {
  last = s;
  const op = s.operate || {};
  const hw = s.status.hardware || {};
  const a = op.automation;
  renderStops(s.status.stops);
  if (a) {
    const st = $('automation-state'); st.textContent = a.state; st.className = 'badge ' + a.state;
    $('automation-name').textContent = a.name || (a.automations || [])[0] || '–';
    $('progress').value = a.progress || 0;
    $('automation-reason').textContent = (a.blocked ? 'blocked by ' + a.blocked + '. ' : '') + (a.reason ? 'last: ' + a.reason : '');
    $('play').disabled = a.state === 'running' || stopped();
    $('play').title = stopped() ? $('stops').textContent : 'start, or resume where it paused';
    $('pause').disabled = a.state !== 'running';
    $('stop').disabled = a.state !== 'running' && a.state !== 'paused';
  }
  if (op.soft_estop !== undefined && !document.hidden) showEStop(op.soft_estop);
  const d = op.driving || {};
  const pose = d.pose || hw.pose;
  const wps = ((s.modules || {}).waypoints || {}).points || [];
  if (pose) renderMap(pose, d.driver, wps);
  const arb = d.arbiter;
  const rows = [];
  if (arb) {
    rows.push(['wheels driven by', arb.source, arb.source === 'stop' ? 'bad' : ''],
      ['command', fmt(arb.linear, 2) + ' m/s, ' + fmt(arb.angular, 2) + ' rad/s']);
    for (const st of arb.stops || []) rows.push([st.name, st.active ? 'ACTIVE' : 'released', st.active ? 'bad' : 'good']);
  }
  if (op.steer) rows.push(['manual', op.steer.active ? fmt(op.steer.linear, 2) + ' m/s, ' + fmt(op.steer.angular, 2) + ' rad/s' : 'none']);
  fill($('drive'), rows);
  const now = Date.now();
  series.jitter.push({ t: now, v: s.status.control.jitter_p99_us });
  const [lo, hi] = plot('jitter-plot', series.jitter);
  $('jitter-range').textContent = `${fmt(lo, 0)} – ${fmt(hi, 0)} µs`;
  const drivers = hw.drivers || {};
  const battery = drivers.battery;
  if (battery && typeof battery.percentage === 'number') {
    $('battery-card').hidden = false;
    $('battery-value').textContent = fmt(battery.percentage, 0) + ' %';
    series.battery.push({ t: now, v: battery.percentage });
    plot('battery-plot', series.battery);
  }
  renderDrivers(drivers);
  renderEditor(s.modules || {});
}
