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
    // A steer command still on its way would pause what Play starts
    // ("manual steering"): let the joystick's last commands land first.
    await steerSettled();
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
    showEStop(r.active, r.changes);
  } catch (e) { operateMessage(e.message); }
});
// The state is heard in answers and in the event stream, in any order: the
// one with the higher count of presses and releases is the newer (a
// snapshot from before a release must not show the e-stop pressed again,
// which would make the next click a release).
// The count starts again when the robot restarts (run is the snapshot's
// started_at): a page that outlived a restart starts counting again, or it
// would ignore the new run's presses until they outnumbered the old run's.
let estopChanges = -1, estopRun = null;
function showEStop(active, changes, run) {
  if (typeof run === 'string' && run !== estopRun) {
    if (estopRun !== null) estopChanges = -1;
    estopRun = run;
  }
  if (typeof changes === 'number') {
    if (changes < estopChanges) return;
    estopChanges = changes;
  }
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
  postSteer({ linear: c.linear, angular: c.angular });
}
// Steer commands go one at a time, in order, the newest replacing one not
// sent yet: requests on parallel connections can arrive in any order, and
// a command to move arriving after the one that let go would drive on for
// another deadman (a slow link or a loaded robot does that).
let steerBusy = null, steerNext = null;
function postSteer(c) {
  steerNext = c;
  if (!steerBusy) steerBusy = (async () => {
    while (steerNext) {
      const body = steerNext;
      steerNext = null;
      try { await postJSON('/api/steer', body); operateMessage(''); } catch (e) { operateMessage(e.message); }
    }
    steerBusy = null;
  })();
  return steerBusy;
}
// steerSettled resolves once no steer command is queued or on its way.
function steerSettled() { return steerBusy || Promise.resolve(); }
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
    postSteer({ linear: 0, angular: 0 }); // letting go stops
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
let mapArgs = null; // the last drawn, for a redraw when the page is resized
window.addEventListener('resize', () => { if (mapArgs) renderMap(...mapArgs); });
function renderMap(pose, driver, waypoints) {
  mapArgs = [pose, driver, waypoints];
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
  const all = [pose, ...trail, ...path, ...waypoints,
    ...(typeof cameraMapPoints === 'function' ? cameraMapPoints() : []), // cameras.js
    ...(typeof plannerFitPoints === 'function' ? plannerFitPoints() : [])]; // planner.js
  let minX = Math.min(...all.map((p) => p.x)) - 0.5, maxX = Math.max(...all.map((p) => p.x)) + 0.5;
  let minY = Math.min(...all.map((p) => p.y)) - 0.5, maxY = Math.max(...all.map((p) => p.y)) + 0.5;
  let w = Math.max(3, maxX - minX), h = Math.max(3, maxY - minY);
  // The view takes the map's own proportions, so that all of it is the
  // view and the labels and scale bar sit at its edges.
  const svg = $('map'), pw = svg.clientWidth || 300, ph = svg.clientHeight || 300;
  if (w / h < pw / ph) w = h * pw / ph; else h = w * ph / pw;
  minX = (minX + maxX) / 2 - w / 2; maxY = (minY + maxY) / 2 + h / 2;
  svg.setAttribute('viewBox', `${minX.toFixed(3)} ${(-maxY).toFixed(3)} ${w.toFixed(3)} ${h.toFixed(3)}`);
  drawGrid(minX, -maxY, w, h, pw / w);
  $('pose-text').textContent = `x ${fmt(pose.x, 2)} m, y ${fmt(pose.y, 2)} m, yaw ${fmt(pose.yaw * 180 / Math.PI, 0)}°` +
    (driver && driver.active ? `, cross-track error ${fmt(driver.cross_track_error * 100, 1)} cm, ${fmt(driver.remaining, 2)} m to go` : '');
}
let gridKey = '';
// niceStep is the first of 1, 2, 5 × 10^n at least v.
function niceStep(v) {
  const mag = Math.pow(10, Math.floor(Math.log10(v)));
  return [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= v * 0.999);
}
const metres = (v) => (Math.abs(v) < 1 && v !== 0 ? +(v * 100).toFixed(0) + ' cm' : +v.toFixed(2) + ' m');
// drawGrid draws grid lines every round number of metres (at least 50 px
// apart), labels them along the left and bottom edges, names the axes and
// draws a scale bar; k is pixels per metre.
function drawGrid(x0, y0, w, h, k) {
  const key = [x0, y0, w, h, k].map((v) => v.toFixed(2)).join();
  if (key === gridKey) return;
  gridKey = key;
  const step = niceStep(50 / k), font = 11 / k, pad = 4 / k;
  const lines = [], labels = [];
  const text = (x, y, anchor, t) => {
    const e = document.createElementNS(svgNS, 'text');
    e.setAttribute('class', 'tick-label'); e.setAttribute('x', x.toFixed(3)); e.setAttribute('y', y.toFixed(3));
    e.setAttribute('font-size', font.toFixed(4)); e.setAttribute('text-anchor', anchor); e.textContent = t;
    return e;
  };
  for (let x = Math.ceil(x0 / step) * step; x <= x0 + w; x += step) {
    const v = +x.toPrecision(12);
    lines.push([v, y0, v, y0 + h, v === 0]);
    if (x > x0 + 3 * font && x < x0 + w - 2 * font) labels.push(text(v, y0 + h - pad, 'middle', metres(v)));
  }
  for (let y = Math.ceil(y0 / step) * step; y <= y0 + h; y += step) {
    const v = +y.toPrecision(12);
    lines.push([x0, v, x0 + w, v, v === 0]);
    if (y < y0 + h - 2 * font && y > y0 + 2.5 * font) labels.push(text(x0 + pad, v - pad, 'start', metres(-v || 0))); // SVG y is -north
  }
  labels.push(text(x0 + w - pad, y0 + h - pad - 1.3 * font, 'end', 'x (east) →'), text(x0 + pad, y0 + font + pad, 'start', '↑ y (north)'));
  $('grid').replaceChildren(...lines.map(([a, b, c, d, axis]) => {
    const l = document.createElementNS(svgNS, 'line');
    l.setAttribute('x1', a); l.setAttribute('y1', b); l.setAttribute('x2', c); l.setAttribute('y2', d);
    l.setAttribute('class', axis ? 'axis' : 'grid');
    return l;
  }));
  $('axis-labels').replaceChildren(...labels);
  // Scale bar: a round length near a fifth of the map's width, bottom right.
  const len = niceStep(w / 5) > w / 3 ? niceStep(w / 5) / 2 : niceStep(w / 5);
  const bx = x0 + w - 12 / k - len, by = y0 + h - 2.6 * font - pad, tick = 4 / k;
  const bar = $('scale-bar');
  bar.setAttribute('d', `M${bx} ${by - tick}V${by}H${bx + len}V${by - tick}`);
  bar.setAttribute('stroke-width', (2 / k).toFixed(4));
  bar.dataset.metres = String(len);
  const lab = $('scale-label');
  lab.setAttribute('x', (bx + len / 2).toFixed(3)); lab.setAttribute('y', (by - tick - pad / 2).toFixed(3));
  lab.setAttribute('font-size', font.toFixed(4)); lab.setAttribute('text-anchor', 'middle');
  lab.textContent = metres(len);
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
  if (typeof out.puts === 'number') editorPuts = out.puts;
  editorResult('Saved ' + key + '; backup requested.', true);
});
// editorPuts is the PUT count of the editor's last save (the answer's
// "puts"): a snapshot with a lower count was taken before it and must not
// put the older data back in the editor. It starts again with each run.
let editorPuts = 0, editorRun;
function renderEditor(modules, s) {
  if (s.status.started_at !== editorRun) { editorRun = s.status.started_at; editorPuts = 0; }
  if (typeof s.puts === 'number' && s.puts < editorPuts) return;
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
  if (op.soft_estop !== undefined && !document.hidden) showEStop(op.soft_estop, op.soft_estop_changes, s.status.started_at);
  const d = op.driving || {};
  const pose = d.pose || hw.pose;
  const wps = ((s.modules || {}).waypoints || {}).points || [];
  if (typeof renderPlanner === 'function') renderPlanner(s); // planner.js
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
  if (typeof renderPlots === 'function') renderPlots(s); // plots.js
  renderDrivers(hw.drivers || {});
  renderEditor(s.modules || {}, s);
}
