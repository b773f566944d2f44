// The Breakwater dashboard's page script: no build step, no framework. It reads the instance's
// Server-Sent Events stream with fetch (EventSource cannot send the admin token as a header) and
// draws every update; text goes in with textContent only, never as HTML.
'use strict';

(() => {
  const POINTS = 300; // 5 minutes at one update a second, as the server keeps
  const RECONNECT_MS = 2000;
  const COLORS = ['#1565c0', '#c62828', '#2e7d32', '#6a1b9a', '#ef6c00', '#00838f', '#5d4037', '#455a64'];
  const EXPECTED = { 'force-open': 'FORCED_OPEN', disable: 'DISABLED', reset: 'CLOSED' };

  let token = null; // kept in memory only: a reload asks again
  let controlsOn = false;
  let stream = null; // AbortController of the running stream
  let degradationTimer = null;
  let pendingAction = null; // { name, expected }
  let confirmAction = null;
  const history = { t: [], failure: new Map(), slow: new Map() };
  let charts = null;
  let chartNames = '';

  const $ = (id) => document.getElementById(id);
  const authHeaders = () => (token === null ? {} : { authorization: `Bearer ${token}` });

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function stateBadge(node, state) {
    let badge = node.firstElementChild;
    if (badge === null) {
      badge = document.createElement('span');
      badge.className = 'state';
      node.appendChild(badge);
    }
    badge.dataset.state = state;
    setText(badge, state);
  }

  /** The row of `tbody` keyed `key`, made once and updated in place, so buttons survive updates. */
  function keyedRow(tbody, key, cells) {
    let row = tbody.querySelector(`tr[data-key="${CSS.escape(key)}"]`);
    if (row === null) {
      row = document.createElement('tr');
      row.dataset.key = key;
      tbody.appendChild(row);
    }
    while (row.cells.length < cells) row.insertCell();
    while (row.cells.length > cells) row.deleteCell(-1);
    return row;
  }

  function dropRowsExcept(tbody, keys) {
    for (const row of [...tbody.rows]) if (!keys.has(row.dataset.key)) row.remove();
  }

  function setLive(live, text) {
    const c = $('connection');
    c.dataset.live = live ? 'yes' : 'no';
    setText(c, text);
  }

  // ---- stream -------------------------------------------------------------------------------

  async function connect() {
    if (stream !== null) stream.abort();
    const controller = new AbortController();
    stream = controller;
    let response;
    try {
      response = await fetch('/dashboard/stream', { headers: authHeaders(), cache: 'no-store', signal: controller.signal });
    } catch {
      return reconnectLater(controller);
    }
    if (response.status === 401 || response.status === 404 || response.status === 429) {
      showLocked(response.status);
      return;
    }
    if (!response.ok || response.body === null) return reconnectLater(controller);
    $('locked').hidden = true;
    stopDegradationPolling();
    setLive(true, 'live');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch {
        break;
      }
      if (chunk.done) break;
      buffer += chunk.value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        handleFrame(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
    reconnectLater(controller);
  }

  function reconnectLater(controller) {
    if (stream !== controller || controller.signal.aborted) return; // replaced by a newer stream
    setLive(false, 'reconnecting');
    setTimeout(() => {
      if (stream === controller) void connect();
    }, RECONNECT_MS);
  }

  function handleFrame(frame) {
    let event = 'message';
    let data = '';
    for (const line of frame.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    if (data === '') return; // a heartbeat or the retry line
    const payload = JSON.parse(data);
    if (event === 'history') loadHistory(payload);
    else if (event === 'update') {
      addPoint(payload.t, payload.breakers);
      render(payload);
    }
  }

  // ---- without a token ----------------------------------------------------------------------

  function showLocked(status) {
    $('locked').hidden = false;
    setLive(false, status === 404 ? 'operator views off (no token configured)' : status === 429 ? 'too many token attempts: wait' : 'token needed');
    startDegradationPolling();
  }

  function startDegradationPolling() {
    if (degradationTimer !== null) return;
    const poll = async () => {
      try {
        const r = await fetch('/degradation', { cache: 'no-store' });
        if (r.ok) renderDegradation(await r.json());
      } catch {
        // the next poll tries again
      }
    };
    void poll();
    degradationTimer = setInterval(poll, 5000);
  }

  function stopDegradationPolling() {
    clearInterval(degradationTimer);
    degradationTimer = null;
  }

  async function unlock(event) {
    event.preventDefault();
    const given = $('token').value.trim();
    if (given === '') return;
    token = given;
    $('token').value = '';
    let status = 0;
    try {
      status = (await fetch('/dashboard/session', { headers: authHeaders(), cache: 'no-store' })).status;
    } catch {
      status = 0;
    }
    controlsOn = status === 204;
    if (!controlsOn) token = null;
    setText($('token-status'), controlsOn ? 'controls unlocked' : status === 401 ? 'token refused' : status === 404 ? 'no admin token configured' : status === 429 ? 'too many attempts: wait' : 'could not check the token');
    $('token-status').dataset.ok = controlsOn ? 'yes' : 'no';
    void connect();
  }

  // ---- drawing ------------------------------------------------------------------------------

  function renderDegradation(d) {
    const node = $('degradation');
    node.dataset.level = d.level;
    setText(node, d.degraded.length > 0 ? `${d.level}: ${d.degraded.join(', ')}` : d.level);
  }

  function render(u) {
    renderDegradation(u.degradation);
    setText($('served-by'), `stream from ${u.servedBy}`);
    const warnings = $('warnings');
    warnings.replaceChildren(...u.warnings.map((w) => Object.assign(document.createElement('li'), { textContent: w })));
    renderBreakers(u);
    renderInstances(u.instances);
    renderQueues(u.queues);
    setText($('pending-review'), u.pendingReview === null ? 'PENDING_REVIEW: unknown (Redis did not answer)' : `PENDING_REVIEW payments: ${u.pendingReview.count}, oldest ${Math.round(u.pendingReview.oldestAgeSeconds)} s`);
    redrawCharts();
  }

  function renderBreakers(u) {
    const live = u.instances.filter((i) => !i.stale).map((i) => i.instanceId);
    const head = ['breaker', 'fleet', ...u.instances.map((i) => (i.stale ? `${i.instanceId} (stale)` : i.instanceId)), 'failure', 'slow', ''];
    const thead = $('breakers').tHead;
    if (thead.textContent !== head.join('')) {
      const tr = document.createElement('tr');
      for (const h of head) tr.appendChild(Object.assign(document.createElement('th'), { textContent: h }));
      thead.replaceChildren(tr);
    }
    const tbody = $('breakers').tBodies[0];
    const columns = head.length;
    for (const b of u.breakers) {
      const row = keyedRow(tbody, b.name, columns);
      row.dataset.breaker = b.name;
      row.classList.toggle('disagree', !b.agree);
      setText(row.cells[0], b.name);
      row.cells[1].className = 'fleet';
      stateBadge(row.cells[1], b.fleetState);
      u.instances.forEach((i, n) => {
        const cell = row.cells[2 + n];
        cell.dataset.instance = i.instanceId;
        const seen = b.byInstance[i.instanceId];
        cell.classList.toggle('stale', i.stale);
        stateBadge(cell, seen === undefined ? 'UNKNOWN' : seen.state);
      });
      setText(row.cells[columns - 3], `${(b.failureRate * 100).toFixed(1)}%`);
      setText(row.cells[columns - 2], `${(b.slowCallRate * 100).toFixed(1)}%`);
      breakerControls(row.cells[columns - 1], b.name);
      if (pendingAction !== null && pendingAction.name === b.name && b.agree && b.fleetState === pendingAction.expected && live.every((id) => b.byInstance[id] !== undefined)) {
        setText($('action-result'), `${b.name}: ${b.fleetState} on all ${live.length} instances (fleet-wide)`);
        $('action-result').dataset.done = 'yes';
        pendingAction = null;
      }
    }
    dropRowsExcept(tbody, new Set(u.breakers.map((b) => b.name)));
  }

  function breakerControls(cell, name) {
    cell.className = 'controls';
    if (cell.childElementCount === 0) {
      for (const action of Object.keys(EXPECTED)) {
        const button = Object.assign(document.createElement('button'), { type: 'button', textContent: action });
        button.dataset.action = action;
        button.addEventListener('click', () => ask(`${action} ${name} on every instance?`, () => breakerAction(name, action)));
        cell.appendChild(button);
      }
    }
    cell.hidden = !controlsOn;
  }

  function renderInstances(instances) {
    const tbody = $('instances').tBodies[0];
    for (const i of instances) {
      const row = keyedRow(tbody, i.instanceId, 5);
      row.classList.toggle('stale', i.stale);
      setText(row.cells[0], `${i.instanceId}${i.self ? ' (this stream)' : ''}${i.stale ? ' — not reporting' : ''}`);
      setText(row.cells[1], i.mode === 'local' ? 'LOCAL (Redis unreachable)' : 'fleet');
      setText(row.cells[2], `${i.uptimeS} s (pid ${i.pid})`);
      setText(row.cells[3], String(i.restarts));
      setText(row.cells[4], i.bulkheads.map((b) => `${b.name} ${b.inFlight}/${b.queued}/${b.limit}${b.rejected > 0 ? `, ${b.rejected} rejected` : ''}`).join('; '));
    }
    dropRowsExcept(tbody, new Set(instances.map((i) => i.instanceId)));
  }

  function renderQueues(queues) {
    const tbody = $('queues').tBodies[0];
    if (queues === null) return; // keep the last numbers: Redis did not answer this time
    for (const q of queues) {
      const row = keyedRow(tbody, q.name, 7);
      row.dataset.queue = q.name;
      [q.name, q.waiting, q.active, q.delayed, q.failed, q.deadLetter].forEach((v, n) => setText(row.cells[n], String(v)));
      const cell = row.cells[6];
      if (cell.childElementCount === 0) {
        const button = Object.assign(document.createElement('button'), { type: 'button', textContent: 'replay dead letters' });
        button.dataset.action = 'replay';
        button.addEventListener('click', () => ask(`Replay every dead letter of ${q.name}?`, () => replay(q.name)));
        cell.appendChild(button);
      }
      cell.hidden = !controlsOn;
    }
    dropRowsExcept(tbody, new Set(queues.map((q) => q.name)));
  }

  // ---- operator actions ---------------------------------------------------------------------

  function ask(question, action) {
    setText($('confirm-text'), question);
    confirmAction = action;
    $('confirm').hidden = false;
  }

  function answer(yes) {
    const action = confirmAction;
    confirmAction = null;
    $('confirm').hidden = true;
    if (yes && action !== null) void action();
  }

  async function post(path) {
    const r = await fetch(path, { method: 'POST', headers: authHeaders(), cache: 'no-store' });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(`${r.status} ${body.error ?? ''} ${body.message ?? ''}`.trim());
    return body;
  }

  async function breakerAction(name, action) {
    const result = $('action-result');
    result.dataset.done = 'no';
    try {
      const view = await post(`/breakers/${encodeURIComponent(name)}/${action}`);
      pendingAction = { name, expected: EXPECTED[action] };
      setText(result, `${name}: ${view.state} (version ${view.version}) on ${view.instanceId}; waiting for every instance…`);
    } catch (error) {
      setText(result, `${action} ${name} failed: ${error.message}`);
    }
  }

  async function replay(queue) {
    try {
      const r = await post(`/queues/${encodeURIComponent(queue)}/dead-letter/replay`);
      setText($('action-result'), `${queue}: ${r.replayed} dead letter(s) put back in the queue (fleet-wide)`);
    } catch (error) {
      setText($('action-result'), `replay of ${queue} failed: ${error.message}`);
    }
  }

  // ---- charts (uPlot) -----------------------------------------------------------------------

  function loadHistory(points) {
    history.t = [];
    history.failure = new Map();
    history.slow = new Map();
    for (const p of points) addPoint(p.t, Object.keys(p.failureRate).map((name) => ({ name, failureRate: p.failureRate[name], slowCallRate: p.slowCallRate[name] })));
  }

  function addPoint(t, breakers) {
    history.t.push(t / 1000);
    const n = history.t.length;
    for (const b of breakers) {
      for (const [map, value] of [[history.failure, b.failureRate], [history.slow, b.slowCallRate]]) {
        if (!map.has(b.name)) map.set(b.name, new Array(n - 1).fill(null));
        map.get(b.name).push(value);
      }
    }
    for (const map of [history.failure, history.slow]) for (const values of map.values()) while (values.length < n) values.push(null);
    if (n > POINTS) {
      history.t.splice(0, n - POINTS);
      for (const map of [history.failure, history.slow]) for (const values of map.values()) values.splice(0, n - POINTS);
    }
  }

  function chart(target, names) {
    const opts = {
      width: Math.min(560, Math.max(320, window.innerWidth / 2 - 40)),
      height: 180,
      scales: { y: { range: [0, 1] } },
      axes: [{}, { values: (_, ticks) => ticks.map((v) => `${Math.round(v * 100)}%`) }],
      series: [{}, ...names.map((name, i) => ({ label: name, stroke: COLORS[i % COLORS.length], width: 1.5 }))],
    };
    target.replaceChildren();
    return new window.uPlot(opts, [[]], target);
  }

  function redrawCharts() {
    if (typeof window.uPlot !== 'function') return;
    const names = [...history.failure.keys()].sort();
    if (charts === null || chartNames !== names.join()) {
      chartNames = names.join();
      charts = { failure: chart($('chart-failure'), names), slow: chart($('chart-slow'), names), names };
    }
    charts.failure.setData([history.t, ...charts.names.map((n) => history.failure.get(n))]);
    charts.slow.setData([history.t, ...charts.names.map((n) => history.slow.get(n))]);
  }

  $('token-form').addEventListener('submit', (e) => void unlock(e));
  $('confirm-yes').addEventListener('click', () => answer(true));
  $('confirm-no').addEventListener('click', () => answer(false));
  void connect();
})();
