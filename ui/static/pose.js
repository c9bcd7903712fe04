// Setting the robot's pose on the map: press "Set pose", press on the map
// where the robot is, drag toward where it faces, let go. The pose goes to
// POST /api/pose; the map shows the robot there with the next snapshot.
// Pointer events: mouse, pen and touch alike (a phone too). Loaded after
// operate.js (postJSON, trail).
'use strict';

(() => {
  const map = $('map'), button = $('set-pose'), result = $('pose-result');
  const svgNS = 'http://www.w3.org/2000/svg';
  // The arrow drawn while dragging, in map units (metres; SVG y down).
  const ghost = document.createElementNS(svgNS, 'g');
  ghost.setAttribute('id', 'pose-ghost');
  ghost.setAttribute('visibility', 'hidden');
  const shaft = document.createElementNS(svgNS, 'line');
  shaft.setAttribute('class', 'pose-ghost');
  const dot = document.createElementNS(svgNS, 'circle');
  dot.setAttribute('class', 'pose-ghost'); dot.setAttribute('r', '0.06');
  ghost.append(shaft, dot);
  map.append(ghost);

  let active = false, drag = null;
  function setActive(on) {
    active = on;
    button.setAttribute('aria-pressed', on ? 'true' : 'false');
    map.classList.toggle('setting-pose', on);
    if (on) result.textContent = 'press where the robot is, drag toward where it faces, let go';
    if (!on) { drag = null; ghost.setAttribute('visibility', 'hidden'); }
  }
  button.addEventListener('click', () => setActive(!active));
  document.addEventListener('keydown', (e) => { if (active && e.key === 'Escape') { setActive(false); result.textContent = ''; } });

  // toMap converts a pointer's client position with the transform the
  // drag began with: the map refits itself as snapshots come.
  const toMap = (m, e) => {
    const p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m);
    return { x: p.x, y: -p.y };
  };
  map.addEventListener('pointerdown', (e) => {
    if (!active || (e.pointerType === 'mouse' && e.button !== 0)) return;
    const ctm = map.getScreenCTM();
    if (!ctm) return;
    e.preventDefault();
    map.setPointerCapture(e.pointerId);
    const m = ctm.inverse();
    drag = { id: e.pointerId, m, start: toMap(m, e), end: null, x0: e.clientX, y0: e.clientY };
    draw();
  });
  map.addEventListener('pointermove', (e) => {
    if (!drag || e.pointerId !== drag.id) return;
    e.preventDefault();
    drag.end = Math.hypot(e.clientX - drag.x0, e.clientY - drag.y0) >= 8 ? toMap(drag.m, e) : null;
    draw();
  });
  map.addEventListener('pointercancel', () => setActive(false));
  map.addEventListener('pointerup', async (e) => {
    if (!drag || e.pointerId !== drag.id) return;
    e.preventDefault();
    const d = drag;
    if (Math.hypot(e.clientX - d.x0, e.clientY - d.y0) >= 8) d.end = toMap(d.m, e);
    // A press without a drag keeps the heading the robot has.
    const pose = last && last.operate && last.operate.driving && last.operate.driving.pose;
    const yaw = d.end ? Math.atan2(d.end.y - d.start.y, d.end.x - d.start.x) : (pose ? pose.yaw : 0);
    setActive(false);
    const want = { x: round(d.start.x, 3), y: round(d.start.y, 3), yaw: round(yaw, 4) };
    try {
      const got = await postJSON('/api/pose', want);
      trail.length = 0; // the old trail is in the old frame
      result.textContent = `pose set: x ${fmt(got.x, 2)} m, y ${fmt(got.y, 2)} m, yaw ${fmt(got.yaw * 180 / Math.PI, 0)}°`;
    } catch (err) { result.textContent = 'pose not set: ' + err.message; }
  });

  function draw() {
    const s = drag.start, e = drag.end;
    dot.setAttribute('cx', s.x); dot.setAttribute('cy', -s.y);
    shaft.setAttribute('x1', s.x); shaft.setAttribute('y1', -s.y);
    shaft.setAttribute('x2', e ? e.x : s.x); shaft.setAttribute('y2', e ? -e.y : -s.y);
    ghost.setAttribute('visibility', 'visible');
  }
  const round = (v, n) => Math.round(v * 10 ** n) / 10 ** n;
})();
