// The rosys dashboard: state from GET /api/events (server-sent events),
// changes through the JSON API. No libraries, no build step: robots are
// often offline.
'use strict';

const token = (() => {
  const m = location.hash.match(/token=([^&]+)/);
  if (m) sessionStorage.setItem('rosys-token', decodeURIComponent(m[1]));
  return sessionStorage.getItem('rosys-token') || '';
})();
const authHeaders = token ? { Authorization: 'Bearer ' + token } : {};
const withToken = (url) => token ? url + (url.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token) : url;

const $ = (id) => document.getElementById(id);
const fmt = (v, digits = 1) => (typeof v === 'number' ? v.toFixed(digits) : '–');
const when = (t) => (t && !t.startsWith('0001') ? new Date(t).toLocaleString() : '–');

function fill(dl, rows) {
  dl.replaceChildren(...rows.flatMap(([k, v, cls]) => {
    const dt = document.createElement('dt'); dt.textContent = k;
    const dd = document.createElement('dd'); dd.textContent = v; if (cls) dd.className = cls;
    return [dt, dd];
  }));
}

let dragging = false;
const slider = $('model-slider');
slider.addEventListener('pointerdown', () => { dragging = true; });
window.addEventListener('pointerup', () => { dragging = false; });

// A change is "in flight" from the input event until its PUT answered:
// meanwhile server updates must not move the slider back, or the user's
// value would be lost (updates arrive several times a second).
let pending = null, inFlight = 0;
slider.addEventListener('input', () => {
  const value = Number(slider.value); // captured now, not when the timer fires
  $('model-value').textContent = fmt(value, 2);
  if (pending !== null) clearTimeout(pending); // replaces the armed change
  else inFlight++;
  pending = setTimeout(() => {
    pending = null;
    queueModel(value).finally(() => { inFlight--; });
  }, 80);
});

// One PUT at a time, the newest value replacing one not sent yet: PUTs on
// parallel connections can land in any order, which left the robot at an
// older value than the slider shows (a slow link or a loaded robot).
let putBusy = null, putNext = null;
function queueModel(value) {
  putNext = { value };
  if (!putBusy) putBusy = (async () => {
    while (putNext) {
      const v = putNext.value;
      putNext = null;
      await putModel(v).catch((e) => showResult(e.message, true));
    }
    putBusy = null;
  })();
  return putBusy;
}

// modelPuts is the PUT count of the slider's last change (the answer's
// "puts"): a snapshot with a lower count was taken before it and must not
// move the slider back. It starts again with each run of the robot.
let modelPuts = 0, modelRun;
async function putModel(value) {
  const r = await fetch('/api/modules/model', {
    method: 'PUT', headers: { 'Content-Type': 'application/json', ...authHeaders }, body: JSON.stringify({ value }),
  });
  const out = await r.json().catch(() => ({}));
  if (!r.ok) showResult(out.error || r.statusText, true);
  else if (typeof out.puts === 'number') modelPuts = out.puts;
}

function showResult(text, isError) {
  const el = $('import-result');
  el.textContent = text;
  el.className = isError ? 'error' : 'ok';
}

$('export').href = withToken('/api/export');
$('import-button').addEventListener('click', async () => {
  const file = $('import-file').files[0];
  if (!file) { showResult('Choose an archive (.tar.gz) or a RoSys export.json first.', true); return; }
  const r = await fetch('/api/import', { method: 'POST', headers: authHeaders, body: file });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) { showResult('Import refused: ' + (body.error || r.statusText), true); return; }
  let msg = 'Imported ' + (body.imported || []).join(', ') + '.';
  if (body.unknown && body.unknown.length) msg += ' Not on this robot (kept on disk): ' + body.unknown.join(', ') + '.';
  showResult(msg, false);
});

function render(s) {
  const st = s.status;
  $('robot-name').textContent = st.name;
  document.title = st.name + ' · rosys';
  const state = $('state'); state.textContent = st.state; state.className = 'badge ' + st.state;
  const c = st.control;
  fill($('control'), [
    ['period', fmt(c.period_us / 1000, 1) + ' ms'],
    ['ticks', String(c.ticks)],
    ['jitter p50 / p99 / max', fmt(c.jitter_p50_us, 0) + ' / ' + fmt(c.jitter_p99_us, 0) + ' / ' + fmt(c.jitter_max_us, 0) + ' µs'],
    ['step p99', fmt(c.step_p99_us, 0) + ' µs'],
    ['overruns', String(c.overruns), c.overruns ? 'yes' : ''],
    ['real-time', c.realtime ? 'SCHED_FIFO' : (c.realtime_note || 'no')],
    ['process', st.process ? st.process.goroutines + ' goroutines, ' + fmt(st.process.rss_bytes / 1048576, 1) + ' MiB RSS' : '–'],
  ]);
  const hw = st.hardware || s.hardware;
  if (hw) {
    const rows = [
      ['e-stop', hw.estop_active ? 'ACTIVE' : 'released', hw.estop_active ? 'bad' : 'good'],
      ['velocity', fmt(hw.velocity.linear, 2) + ' m/s, ' + fmt(hw.velocity.angular, 2) + ' rad/s'],
      ['pose', 'x ' + fmt(hw.pose.x, 2) + ' m, y ' + fmt(hw.pose.y, 2) + ' m, yaw ' + fmt(hw.pose.yaw * 180 / Math.PI, 0) + '°'],
      ['automation', hw.automation],
    ];
    const lz = hw.drivers && hw.drivers.lizard;
    if (lz) rows.push(['controller', (lz.connected ? 'connected' : 'disconnected') + ', ' + (lz.ready ? 'ready' : 'not ready'), lz.ready ? 'good' : 'bad'],
      ['serial lines / bad', lz.lines + ' / ' + lz.bad_checksums]);
    else if (hw.simulated) rows.push(['controller', 'simulated']);
    const gn = hw.drivers && hw.drivers.gnss;
    if (gn) {
      rows.push(['GNSS', (gn.fix ? gn.quality.replace('_', ' ') : (gn.age_s == null ? 'no data' : gn.stale ? 'stale' : 'no fix')) + ', ' + gn.satellites +
        ' satellites, age ' + (gn.age_s == null ? '–' : fmt(gn.age_s, 1) + ' s'), gn.fix ? 'good' : 'bad'],
        ['GNSS position', gn.x == null ? '–' : 'x ' + fmt(gn.x, 2) + ' m, y ' + fmt(gn.y, 2) + ' m' +
          (gn.heading == null ? '' : ', heading ' + fmt((Math.round(gn.heading * 10) / 10) % 360, 1) + '° (' + gn.heading_source + ')')]);
      if (gn.last_error && !gn.connected) rows.push(['GNSS error', gn.last_error, 'bad']);
    }
    fill($('hardware'), rows);
  }
  const b = st.backup;
  const rows = [
    ['data directory', b.data_dir || '–'],
    ['backup cycle', b.interval_s > 0 ? fmt(b.interval_s, 0) + ' s' : 'immediate'],
    ['cycles / failures', b.cycles + ' / ' + b.failures, b.failures ? 'bad' : ''],
    ['pending modules', String(b.pending), b.pending ? 'yes' : ''],
  ];
  if (st.mirror) {
    const m = st.mirror;
    rows.push(['remote storage', m.snapshots],
      ['remote generation', String(m.generation)],
      ['upload backlog', m.pending && m.pending.length ? m.pending.length + ' modules, behind since ' + when(m.behind_since) : 'none',
        m.pending && m.pending.length ? 'yes' : 'good']);
    if (m.last_error) rows.push(['upload error', m.last_error + (m.blocked ? ' (blocked)' : ''), 'bad']);
  }
  const jr = hw && hw.drivers && hw.drivers.journal;
  if (jr) rows.push(['journal', jr.written + ' records, ' + jr.dropped + ' dropped', jr.dropped ? 'yes' : '']);
  if (st.schedule) {
    rows.push(['daily backup at', st.schedule.time + ' into ' + st.schedule.directory],
      ['last / next', when(st.schedule.last_backup) + ' / ' + when(st.schedule.next)]);
    if (st.schedule.last_error) rows.push(['schedule error', st.schedule.last_error, 'bad']);
  }
  fill($('backup'), rows);
  $('modules').replaceChildren(...(st.persistence || []).map((m) => {
    const tr = document.createElement('tr');
    const cells = [m.key, when(m.last_saved), String(m.schema_version), m.size + ' B', m.pending ? 'yes' : 'no', m.restored_from || '–',
      [m.last_error, m.restore_error, m.history_error && 'history: ' + m.history_error].filter(Boolean).join('; ')];
    cells.forEach((text, i) => {
      const td = document.createElement('td'); td.textContent = text;
      if (i === 4 && m.pending) td.className = 'yes';
      if (i === 6) td.className = 'problem';
      tr.append(td);
    });
    return tr;
  }));
  const model = (s.modules || {}).model;
  if (model && typeof model.value === 'number') {
    slider.disabled = false;
    if (st.started_at !== modelRun) { modelRun = st.started_at; modelPuts = 0; }
    const older = typeof s.puts === 'number' && s.puts < modelPuts;
    if (!dragging && inFlight === 0 && document.activeElement !== slider && !older) {
      slider.value = model.value;
      $('model-value').textContent = fmt(model.value, 2);
    }
  } else if (model && ['NaN', 'Infinity', '-Infinity'].includes(model.value)) {
    // JSON has no such numbers: the API sends them as these strings (README,
    // "Moving between RoSys and rosys-go"); shown as text, the slider can set a number.
    slider.disabled = false;
    if (!dragging && inFlight === 0) $('model-value').textContent = model.value;
  }
}

function connect() {
  const es = new EventSource(withToken('/api/events'));
  es.onopen = () => { $('conn').textContent = 'live'; };
  // An event carries only the modules whose data changed since the last
  // one (all in the first) and the keys of all: the rest is kept from
  // before, and a module no longer listed is dropped.
  let modules = {};
  es.onmessage = (e) => {
    const s = JSON.parse(e.data);
    const next = {};
    for (const k of s.module_keys || []) next[k] = k in (s.modules || {}) ? s.modules[k] : modules[k];
    s.modules = modules = next;
    render(s);
    if (typeof renderOperate === 'function') renderOperate(s); // operate.js
  };
  es.onerror = () => { $('conn').textContent = 'reconnecting…'; };
}
connect();
