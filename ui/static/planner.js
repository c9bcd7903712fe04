// The path planner on the map: obstacles and areas (the module
// path_planner) drawn, added, moved and deleted; a click sends the robot
// after showing the path it would take (POST /api/goto with preview), and
// the planned path is drawn from the answer. Loaded
// after operate.js, which calls renderPlanner with every snapshot and asks
// plannerFitPoints what the map must show.
'use strict';

const planner = {
  map: { obstacles: {}, areas: {} }, // the module's data, as last received
  mode: 'view', // view | goto | obstacle | area
  preview: null, // the path to the clicked goal, planned but not driven
  draft: [], // points of the shape being drawn
  goal: null, // the clicked goal, until sent
  selected: null, // {kind: 'obstacles'|'areas', id}
  drag: null, // {start: point, moved: bool, pointerId}
  path: null, // GET /api/path
  pathFetched: 0,
  gotoState: '', // the automation goto's state as last seen
  saving: false,
  run: undefined, // the robot's run (status.started_at) the snapshots come from
  puts: 0, // the PUT count of this page's last saved map (PUT /api/modules answers "puts")
};

// ---- layers and toolbar, created here so index.html needs only the script ---
(function setUpPlanner() {
  const svg = $('map');
  const layer = (id, before) => {
    const g = document.createElementNS(svgNS, 'g');
    g.id = id;
    svg.insertBefore(g, before);
    return g;
  };
  // Under the path, the trail and the robot; over the grid.
  const after = $('path');
  layer('planner-areas', after);
  layer('planner-obstacles', after);
  const planned = document.createElementNS(svgNS, 'polyline');
  planned.id = 'planned-path';
  planned.setAttribute('class', 'planned-path');
  svg.insertBefore(planned, after);
  layer('planner-draft', $('robot'));

  const bar = document.createElement('div');
  bar.id = 'planner-tools';
  bar.className = 'planner-tools';
  bar.setAttribute('role', 'toolbar');
  bar.setAttribute('aria-label', 'map tools');
  const button = (id, text, title) => Object.assign(document.createElement('button'), { id, type: 'button', textContent: text, title });
  bar.append(
    button('tool-goto', 'Go to', 'click the map where the robot should go'),
    button('tool-obstacle', '+ Obstacle', 'click the corners of an obstacle, then Finish'),
    button('tool-area', '+ Area', 'click the corners of an accessible area, then Finish'),
    button('tool-finish', 'Finish', 'save the shape being drawn'),
    button('tool-send', 'Send robot', 'plan a path to the goal and drive it'),
    button('tool-delete', 'Delete', 'delete the selected obstacle or area'),
    button('tool-cancel', 'Cancel', 'leave the tool'),
  );
  const result = Object.assign(document.createElement('p'), { id: 'planner-result', className: 'hint' });
  result.setAttribute('role', 'status');
  svg.after(bar, result);

  $('tool-goto').addEventListener('click', () => setMode('goto'));
  $('tool-obstacle').addEventListener('click', () => setMode('obstacle'));
  $('tool-area').addEventListener('click', () => setMode('area'));
  $('tool-cancel').addEventListener('click', () => setMode('view'));
  $('tool-finish').addEventListener('click', finishShape);
  $('tool-send').addEventListener('click', sendRobot);
  $('tool-delete').addEventListener('click', deleteSelected);
  svg.addEventListener('pointerdown', onPointerDown);
  svg.addEventListener('pointermove', onPointerMove);
  svg.addEventListener('pointerup', onPointerUp);
  svg.addEventListener('pointercancel', () => { planner.drag = null; drawPlanner(); });
  setMode('view');
})();

function plannerMessage(text) { $('planner-result').textContent = text || ''; }

function setMode(mode) {
  planner.mode = mode;
  planner.draft = [];
  planner.goal = null;
  planner.preview = null;
  if (mode !== 'view') planner.selected = null;
  for (const [id, on] of [['tool-goto', mode === 'goto'], ['tool-obstacle', mode === 'obstacle'], ['tool-area', mode === 'area']]) {
    $(id).setAttribute('aria-pressed', on ? 'true' : 'false');
  }
  plannerMessage({
    view: 'Tap an obstacle or area to select it, drag it to move it.',
    goto: 'Tap where the robot should go, then Send robot.',
    obstacle: 'Tap the obstacle\'s corners, then Finish.',
    area: 'Tap the area\'s corners, then Finish.',
  }[mode]);
  updateTools();
  drawPlanner();
}

function updateTools() {
  const drawing = planner.mode === 'obstacle' || planner.mode === 'area';
  $('tool-finish').hidden = !drawing;
  $('tool-finish').disabled = planner.draft.length < 3;
  $('tool-send').hidden = planner.mode !== 'goto';
  $('tool-send').disabled = !planner.goal || !planner.preview;
  $('tool-delete').hidden = !planner.selected;
  $('tool-cancel').hidden = planner.mode === 'view' && !planner.selected;
  $('map').classList.toggle('planning', planner.mode !== 'view' || !!planner.selected);
}

// mapPoint is the map position (metres, y north) of a pointer event.
function mapPoint(e) {
  const svg = $('map');
  const m = svg.getScreenCTM();
  if (!m) return null;
  const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse());
  return { x: +p.x.toFixed(3), y: +(-p.y).toFixed(3) };
}

// shapeAt names the obstacle (first) or area under the event's target.
function shapeAt(e) {
  const el = e.target.closest && e.target.closest('[data-shape-id]');
  return el ? { kind: el.dataset.kind, id: el.dataset.shapeId } : null;
}

function onPointerDown(e) {
  const p = mapPoint(e);
  if (!p) return;
  if (planner.mode === 'goto') {
    planner.goal = p;
    previewGoal(p);
  } else if (planner.mode === 'obstacle' || planner.mode === 'area') {
    planner.draft.push(p);
  } else {
    planner.selected = shapeAt(e);
    if (planner.selected) {
      planner.drag = { start: p, last: p, moved: false, pointerId: e.pointerId };
      $('map').setPointerCapture(e.pointerId);
      plannerMessage(`${planner.selected.kind === 'obstacles' ? 'obstacle' : 'area'} '${planner.selected.id}': drag to move, or Delete.`);
    } else setMode('view');
  }
  e.preventDefault();
  updateTools();
  drawPlanner();
}

function onPointerMove(e) {
  const d = planner.drag;
  if (!d || e.pointerId !== d.pointerId) return;
  const p = mapPoint(e);
  if (!p) return;
  if (Math.hypot(p.x - d.start.x, p.y - d.start.y) > 0.02) d.moved = true;
  d.last = p;
  drawPlanner();
}

async function onPointerUp(e) {
  const d = planner.drag;
  if (!d || e.pointerId !== d.pointerId) return;
  planner.drag = null;
  const p = mapPoint(e) || d.last;
  if (!d.moved || !planner.selected) { drawPlanner(); return; }
  const { kind, id } = planner.selected;
  const next = copyMap();
  const shape = next[kind][id];
  if (!shape) return;
  const dx = p.x - d.start.x, dy = p.y - d.start.y;
  shape.outline = shape.outline.map((q) => ({ x: +(q.x + dx).toFixed(3), y: +(q.y + dy).toFixed(3) }));
  await saveMap(next, `moved '${id}' by ${fmt(Math.hypot(dx, dy), 2)} m`);
}

function copyMap() {
  return JSON.parse(JSON.stringify({ obstacles: planner.map.obstacles || {}, areas: planner.map.areas || {} }));
}

function freeID(kind, prefix) {
  const taken = planner.map[kind] || {};
  for (let i = 1; ; i++) if (!taken[prefix + i]) return prefix + i;
}

async function finishShape() {
  if (planner.draft.length < 3) return;
  const next = copyMap();
  const kind = planner.mode === 'area' ? 'areas' : 'obstacles';
  const id = freeID(kind, kind === 'areas' ? 'area-' : 'obstacle-');
  const outline = planner.draft.map((p) => ({ x: p.x, y: p.y }));
  next[kind][id] = kind === 'areas' ? { id, type: null, color: 'green', closed: true, outline } : { id, outline };
  const what = `added ${kind === 'areas' ? 'area' : 'obstacle'} '${id}'`;
  if (await saveMap(next, what)) {
    setMode('view');
    plannerMessage(what);
  }
}

async function deleteSelected() {
  if (!planner.selected) return;
  const { kind, id } = planner.selected;
  const next = copyMap();
  delete next[kind][id];
  planner.selected = null;
  await saveMap(next, `deleted '${id}'`);
  updateTools();
}

// saveMap sends the whole module (the API takes a module whole).
async function saveMap(next, what) {
  planner.saving = true;
  try {
    const r = await fetch('/api/modules/path_planner', { method: 'PUT', headers: jsonHeaders, body: JSON.stringify(next) });
    const out = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(out.error || r.statusText);
    planner.map = out.data || next;
    if (typeof out.puts === 'number') planner.puts = out.puts;
    plannerMessage(what);
    return true;
  } catch (e) {
    plannerMessage(e.message);
    return false;
  } finally {
    planner.saving = false;
    drawPlanner();
  }
}

// previewGoal plans to g without moving the robot and draws the path, so
// the operator sees where it would go before sending it.
async function previewGoal(g) {
  planner.preview = null;
  plannerMessage(`goal x ${fmt(g.x, 2)} m, y ${fmt(g.y, 2)} m: planning…`);
  try {
    const r = await fetch('/api/goto', { method: 'POST', headers: jsonHeaders, body: JSON.stringify({ x: g.x, y: g.y, preview: true }) });
    const out = await r.json().catch(() => ({}));
    if (planner.goal !== g) return; // another tap since
    if (!r.ok) throw new Error(out.reason ? 'no path: ' + out.reason : (out.error || r.statusText));
    planner.preview = out;
    plannerMessage(`goal x ${fmt(g.x, 2)} m, y ${fmt(g.y, 2)} m: ${fmt(out.length, 2)} m to drive. Send robot to go.`);
  } catch (e) {
    if (planner.goal === g) plannerMessage(e.message);
  }
  updateTools();
  drawPlanner();
}

async function sendRobot() {
  const g = planner.goal;
  if (!g) return;
  $('tool-send').disabled = true;
  try {
    await steerSettled(); // operate.js: a late joystick command would pause the goto
    const r = await fetch('/api/goto', { method: 'POST', headers: jsonHeaders, body: JSON.stringify({ x: g.x, y: g.y }) });
    const out = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(out.reason ? 'no path: ' + out.reason : (out.error || r.statusText));
    planner.path = out;
    planner.pathFetched = Date.now();
    setMode('view');
    plannerMessage(`path planned: ${fmt(out.length, 2)} m in ${out.segments.length} segment(s); driving.`);
  } catch (e) {
    plannerMessage(e.message);
    updateTools();
  }
}

async function fetchPath() {
  planner.pathFetched = Date.now();
  try {
    const r = await fetch('/api/path', { headers: authHeaders });
    if (r.ok) planner.path = await r.json();
  } catch (e) { /* the next snapshot tries again */ }
  drawPlanner();
}

// ---- drawing ------------------------------------------------------------------
function polygon(points, cls, kind, id) {
  const e = document.createElementNS(svgNS, 'polygon');
  e.setAttribute('points', points.map(pt).join(' '));
  e.setAttribute('class', cls);
  if (id !== undefined) { e.dataset.kind = kind; e.dataset.shapeId = id; }
  return e;
}

function drawPlanner() {
  const d = planner.drag;
  const shift = (kind, id, pts) => (d && d.moved && planner.selected && planner.selected.kind === kind && planner.selected.id === id
    ? pts.map((q) => ({ x: q.x + d.last.x - d.start.x, y: q.y + d.last.y - d.start.y })) : pts);
  const sel = (kind, id) => (planner.selected && planner.selected.kind === kind && planner.selected.id === id ? ' selected' : '');
  const areas = planner.map.areas || {}, obstacles = planner.map.obstacles || {};
  $('planner-areas').replaceChildren(...Object.keys(areas).sort().map((id) => {
    const a = areas[id];
    const e = polygon(shift('areas', id, a.outline || []), 'area' + sel('areas', id), 'areas', id);
    if (a.color && /^(#[0-9a-fA-F]{3,8}|[a-z]+)$/.test(a.color)) e.style.setProperty('--area-color', a.color);
    return e;
  }));
  $('planner-obstacles').replaceChildren(...Object.keys(obstacles).sort().map((id) =>
    polygon(shift('obstacles', id, obstacles[id].outline || []), 'obstacle' + sel('obstacles', id), 'obstacles', id)));
  const draft = [];
  if (planner.draft.length) {
    const line = document.createElementNS(svgNS, 'polyline');
    line.setAttribute('class', 'draft');
    line.setAttribute('points', planner.draft.map(pt).join(' '));
    draft.push(line, ...planner.draft.map((p) => {
      const c = document.createElementNS(svgNS, 'circle');
      c.setAttribute('class', 'draft-point'); c.setAttribute('r', '0.05'); c.setAttribute('cx', p.x); c.setAttribute('cy', -p.y);
      return c;
    }));
  }
  if (planner.goal) {
    const c = document.createElementNS(svgNS, 'circle');
    c.id = 'goal-marker';
    c.setAttribute('class', 'goal'); c.setAttribute('r', '0.1'); c.setAttribute('cx', planner.goal.x); c.setAttribute('cy', -planner.goal.y);
    draft.push(c);
  }
  $('planner-draft').replaceChildren(...draft);
  const preview = planner.mode === 'goto' && planner.goal && planner.preview;
  const path = preview || planner.path;
  const planned = $('planned-path');
  planned.setAttribute('points', path && path.points ? path.points.map(pt).join(' ') : '');
  planned.classList.toggle('done', !preview && !(path && path.active));
  planned.classList.toggle('preview', !!preview);
}

// plannerFitPoints is what the map must keep in view (operate.js).
function plannerFitPoints() {
  const out = [];
  for (const kind of ['areas', 'obstacles']) for (const s of Object.values(planner.map[kind] || {})) out.push(...(s.outline || []));
  if (planner.path && planner.path.points) out.push(...planner.path.points);
  if (planner.preview && planner.preview.points) out.push(...planner.preview.points);
  out.push(...planner.draft);
  if (planner.goal) out.push(planner.goal);
  return out;
}

function renderPlanner(s) {
  const m = (s.modules || {}).path_planner;
  // Not while a change is on its way or a shape is dragged, nor from a
  // snapshot taken before the last change this page saved (a lower count
  // of PUTs; it can arrive after the answer): the next edit, made on the
  // older map, would undo that change. The count starts again with a run.
  const run = s.status && s.status.started_at;
  if (run !== planner.run) { planner.run = run; planner.puts = 0; }
  const older = typeof s.puts === 'number' && s.puts < planner.puts;
  if (m && !planner.saving && !planner.drag && !older) planner.map = m;
  const a = (s.operate || {}).automation;
  const going = a && a.name === 'goto' && (a.state === 'running' || a.state === 'paused');
  // Say how a goto this page watched ended.
  const gotoState = a && a.name === 'goto' ? a.state : '';
  if (planner.gotoState && planner.gotoState !== gotoState && planner.mode === 'view') {
    if (gotoState === 'completed') plannerMessage('arrived.');
    else if (gotoState === 'failed') plannerMessage('goto failed: ' + (a.reason || ''));
    else if (gotoState === 'paused') plannerMessage('goto paused: ' + (a.reason || ''));
  }
  planner.gotoState = gotoState;
  // The path may change (a replan) while going: fetched at most once a second.
  if ((going || (planner.path && planner.path.active)) && Date.now() - planner.pathFetched > 1000) fetchPath();
  drawPlanner();
}
