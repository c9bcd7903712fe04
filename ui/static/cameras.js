// Cameras on the dashboard: a tile per camera (live MJPEG stream, status,
// the newest detections drawn over the image) and, on the map, each
// calibrated camera's footprint and the detections on the ground.
// GET /api/cameras is polled; the stream is an <img> (?token= in its URL:
// an <img> sends no header). Needs app.js (token, $, fmt, fill) and the
// map's #camera-layer; operate.js fits the map to cameraMapPoints().
'use strict';

const cameraState = { cameras: [], worldPoints: [] };
const cameraTiles = new Map(); // id → {section, img, overlay, dl, badge}
const camSvgNS = 'http://www.w3.org/2000/svg';

// cameraMapPoints are the map points the cameras add, for fitting the view.
function cameraMapPoints() {
  const pts = [];
  for (const c of cameraState.cameras) for (const [x, y] of c.footprint || []) pts.push({ x, y });
  for (const w of cameraState.worldPoints) pts.push({ x: w.x, y: w.y });
  return pts;
}

function cameraTile(c) {
  let t = cameraTiles.get(c.id);
  if (t) return t;
  const section = document.createElement('section');
  section.className = 'card camera-tile';
  section.dataset.camera = c.id;
  const h2 = document.createElement('h2');
  const name = document.createElement('span'); name.textContent = c.id;
  const badge = document.createElement('span'); badge.className = 'badge';
  h2.append(name, ' ', badge);
  const view = document.createElement('div'); view.className = 'camera-view';
  const img = document.createElement('img');
  img.alt = 'camera ' + c.id; img.className = 'camera-image';
  img.src = withToken('/api/cameras/' + encodeURIComponent(c.id) + '/stream');
  const overlay = document.createElementNS(camSvgNS, 'svg');
  overlay.setAttribute('class', 'camera-overlay'); overlay.setAttribute('preserveAspectRatio', 'none');
  overlay.setAttribute('aria-label', 'detections of ' + c.id);
  view.append(img, overlay);
  const dl = document.createElement('dl');
  const bar = document.createElement('div'); bar.className = 'buttons';
  const rec = document.createElement('button'); rec.type = 'button'; rec.textContent = '● Record';
  const result = document.createElement('span'); result.setAttribute('role', 'status'); result.className = 'camera-result';
  rec.addEventListener('click', async () => {
    const r = await fetch('/api/cameras/' + encodeURIComponent(c.id) + '/record', { method: 'POST', headers: authHeaders });
    const body = await r.json().catch(() => ({}));
    result.textContent = r.ok ? 'saved ' + body.name : (body.error || r.statusText);
    result.className = 'camera-result ' + (r.ok ? 'ok' : 'error');
  });
  bar.append(rec, result);
  section.append(h2, view, dl, bar);
  $('camera-tiles').append(section);
  t = { section, img, overlay, dl, badge };
  cameraTiles.set(c.id, t);
  return t;
}

function renderCameraTile(c) {
  const t = cameraTile(c);
  t.badge.textContent = c.connected ? fmt(c.fps, 1) + ' fps' : 'disconnected';
  t.badge.className = 'badge ' + (c.connected ? 'running' : 'failed');
  const rows = [
    ['source', c.source],
    ['size', c.width ? c.width + ' × ' + c.height : '–'],
    ['frames / dropped', c.frames + ' / ' + c.dropped, c.dropped ? 'yes' : ''],
    ['skipped by slow viewers', String(c.consumer_dropped)],
    ['calibrated', c.calibrated ? 'yes' : (c.calibration_error || 'no'), c.calibrated ? 'good' : 'bad'],
    ['recorded', (c.recording && c.recording.images) + ' images'],
  ];
  if (c.detector) rows.push(['detector', c.detector.detector + ', ' + c.detector.runs + ' runs' + (c.detector.failures ? ', ' + c.detector.failures + ' failed' : ''),
    c.detector.last_error ? 'bad' : '']);
  if (c.error) rows.push(['error', c.error, 'bad']);
  fill(t.dl, rows);
  // Detections over the image, in its own pixels.
  const d = c.detections;
  const w = (d && d.width) || c.width || 1, h = (d && d.height) || c.height || 1;
  t.overlay.setAttribute('viewBox', `0 0 ${w} ${h}`);
  const r = Math.max(w, h) / 80;
  t.overlay.replaceChildren(...((d && d.detections) || []).flatMap((det) => {
    const shape = document.createElementNS(camSvgNS, det.w || det.h ? 'rect' : 'circle');
    if (det.w || det.h) {
      shape.setAttribute('x', det.x); shape.setAttribute('y', det.y); shape.setAttribute('width', det.w); shape.setAttribute('height', det.h);
    } else {
      shape.setAttribute('cx', det.x); shape.setAttribute('cy', det.y); shape.setAttribute('r', r);
    }
    shape.setAttribute('class', 'detection'); shape.setAttribute('stroke-width', r / 3);
    const label = document.createElementNS(camSvgNS, 'text');
    label.setAttribute('class', 'detection-label'); label.setAttribute('x', det.x + r * 1.3); label.setAttribute('y', det.y - r * 1.3);
    label.setAttribute('font-size', r * 1.6); label.textContent = det.category + ' ' + fmt(det.confidence * 100, 0) + '%';
    return [shape, label];
  }));
}

// renderCameraMap draws the footprints and the detections on the ground
// into the map (world frame; SVG y points down, as operate.js draws).
function renderCameraMap() {
  const layer = $('camera-layer');
  if (!layer) return;
  const polys = cameraState.cameras.filter((c) => (c.footprint || []).length >= 3).map((c) => {
    const p = document.createElementNS(camSvgNS, 'polygon');
    p.setAttribute('class', 'camera-footprint'); p.dataset.camera = c.id;
    p.setAttribute('points', c.footprint.map(([x, y]) => x.toFixed(3) + ',' + (-y).toFixed(3)).join(' '));
    return p;
  });
  const dots = cameraState.worldPoints.map((w) => {
    const c = document.createElementNS(camSvgNS, 'circle');
    c.setAttribute('class', 'ground-detection'); c.setAttribute('r', '0.03');
    c.setAttribute('cx', w.x.toFixed(3)); c.setAttribute('cy', (-w.y).toFixed(3));
    const title = document.createElementNS(camSvgNS, 'title'); title.textContent = w.category + ' (' + w.camera + ')';
    c.append(title);
    return c;
  });
  layer.replaceChildren(...polys, ...dots);
}

async function pollCameras() {
  try {
    const r = await fetch('/api/cameras', { headers: authHeaders });
    if (r.ok) {
      const s = await r.json();
      cameraState.cameras = s.cameras || [];
      // The newest few hundred are enough for the map.
      cameraState.worldPoints = (s.world_points || []).slice(-500);
      $('cameras-card').hidden = cameraState.cameras.length === 0;
      for (const c of cameraState.cameras) renderCameraTile(c);
      renderCameraMap();
    }
  } catch (e) { /* offline: the next poll tries again */ }
  setTimeout(pollCameras, 1000);
}
pollCameras();
