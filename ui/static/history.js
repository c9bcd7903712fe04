// A module's history on the dashboard: the kept versions
// (GET /api/modules/{key}/history), a line diff between two of them, and
// point-in-time restore (POST /api/modules/{key}/restore). Plain JS, no
// build step; uses $ and authHeaders from app.js.
'use strict';

(() => {
  const sel = $('history-module'), rows = $('history-rows'), diffEl = $('history-diff'), result = $('history-result');
  const enc = encodeURIComponent;

  function say(text, isError) {
    result.textContent = text;
    result.className = isError ? 'error' : 'ok';
  }

  async function getJSON(url) {
    const r = await fetch(url, { headers: authHeaders });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(body.error || r.statusText);
    return body;
  }

  async function loadModules() {
    const mods = await getJSON('/api/modules');
    const keep = sel.value;
    sel.replaceChildren(...mods.map((m) => new Option(m.key, m.key)));
    if (keep) sel.value = keep;
  }

  function radio(name, value, checked) {
    const r = document.createElement('input');
    r.type = 'radio'; r.name = name; r.value = value; r.checked = checked;
    r.setAttribute('aria-label', (name === 'history-a' ? 'compare from ' : 'compare to ') + 'version ' + value);
    r.addEventListener('change', showDiff);
    return r;
  }

  // load lists the versions of the chosen module, newest first, with the
  // two newest chosen for the diff.
  async function load() {
    const key = sel.value;
    if (!key) return;
    let body;
    try {
      body = await getJSON('/api/modules/' + enc(key) + '/history');
    } catch (e) {
      rows.replaceChildren(); diffEl.replaceChildren(); say(e.message, true); return;
    }
    const vs = body.versions.slice().reverse();
    rows.replaceChildren(...vs.map((v, i) => {
      const tr = document.createElement('tr');
      tr.dataset.version = v.version;
      const cells = [radio('history-a', v.version, i === 1 || vs.length === 1), radio('history-b', v.version, i === 0),
        String(v.version), when(v.saved_at), v.size + ' B', v.sha256.slice(0, 12)];
      for (const c of cells) {
        const td = document.createElement('td');
        if (typeof c === 'string') td.textContent = c; else td.append(c);
        tr.append(td);
      }
      const btn = document.createElement('button');
      btn.type = 'button'; btn.textContent = 'Restore'; btn.className = 'history-restore';
      btn.addEventListener('click', () => restore(key, v.version));
      const td = document.createElement('td'); td.append(btn); tr.append(td);
      return tr;
    }));
    say(vs.length + ' versions of ' + key, false);
    await showDiff();
  }

  const chosen = (name) => { const r = document.querySelector('input[name="' + name + '"]:checked'); return r ? r.value : null; };

  async function showDiff() {
    const key = sel.value, a = chosen('history-a'), b = chosen('history-b');
    if (!key || !a || !b) { diffEl.replaceChildren(); return; }
    try {
      const [va, vb] = await Promise.all([a, b].map((n) => getJSON('/api/modules/' + enc(key) + '/history/' + n)));
      renderDiff(lineDiff(JSON.stringify(va.data, null, 2).split('\n'), JSON.stringify(vb.data, null, 2).split('\n')), a, b);
    } catch (e) {
      say(e.message, true);
    }
  }

  // lineDiff is a longest-common-subsequence diff of two line lists:
  // [' ', line] kept, ['-', line] only in a, ['+', line] only in b.
  function lineDiff(a, b) {
    const n = a.length, m = b.length;
    const lcs = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    const out = [];
    let i = 0, j = 0;
    while (i < n && j < m) {
      if (a[i] === b[j]) { out.push([' ', a[i]]); i++; j++; }
      else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push(['-', a[i++]]);
      else out.push(['+', b[j++]]);
    }
    while (i < n) out.push(['-', a[i++]]);
    while (j < m) out.push(['+', b[j++]]);
    return out;
  }

  function renderDiff(lines, a, b) {
    const head = document.createElement('div');
    head.className = 'diff-head';
    const changed = lines.filter(([op]) => op !== ' ').length;
    head.textContent = 'version ' + a + ' → version ' + b + ': ' + (changed ? changed + ' lines differ' : 'same data');
    diffEl.replaceChildren(head, ...lines.map(([op, text]) => {
      const div = document.createElement('div');
      div.className = op === '-' ? 'del' : op === '+' ? 'add' : 'same';
      div.textContent = op + ' ' + text;
      return div;
    }));
  }

  async function restore(key, version) {
    if (!confirm('Restore ' + key + ' to version ' + version + '? The current state stays in the history.')) return;
    const r = await fetch('/api/modules/' + enc(key) + '/restore', {
      method: 'POST', headers: { 'Content-Type': 'application/json', ...authHeaders }, body: JSON.stringify({ version }),
    });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) { say('Restore refused: ' + (body.error || r.statusText), true); return; }
    await load();
    say('Restored ' + key + ' version ' + body.restored.version + ' as version ' + body.version.version + '.', false);
  }

  sel.addEventListener('change', load);
  $('history-load').addEventListener('click', load);
  loadModules().then(load).catch((e) => say(e.message, true));
})();
