// Copyright 2026 ShadowHound contributors. SPDX-License-Identifier: Apache-2.0
// The ShadowHound dashboard page: plain JavaScript, no build step, nothing from the internet.
// Everything shown comes from the server as data and is written with textContent (never
// innerHTML), so an operator who types <script> sees the text.
'use strict';

(() => {
  const TOKEN_KEY = 'shadowhound.dashboard.token';
  const STREAM_IDLE_MS = 25000; // the server pings every 10 s; silence longer means a dead link
  const $ = (id) => document.getElementById(id);

  const view = {
    current: null, history: [], home: null, pose: null, speed: 0, cmd: null,
    trail: [], trailFrom: 0, diagnostics: new Map(), metrics: [], metricSeq: 0,
    llm: {}, gpu: [], limits: {}, photos: [], staleAfterS: 5, config: null, agents: null,
  };
  let token = sessionToken();
  let streamAbort = null;
  let retryMs = 500;

  // ---- small DOM helpers --------------------------------------------------------------
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function fmt(value, digits) {
    return (typeof value === 'number' && isFinite(value)) ? value.toFixed(digits) : 'n/a';
  }
  function clock(epochS) {
    return new Date(epochS * 1000).toLocaleTimeString([], {hour12: false});
  }
  function notice(text, isError) {
    const box = $('notice');
    box.textContent = text || '';
    box.hidden = !text;
    box.classList.toggle('error', !!isError);
  }
  function sessionToken() {
    // A link may carry #token=...: fragments never reach the server or its logs.
    const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
    if (match) {
      const value = decodeURIComponent(match[1]);
      localStorage.setItem(TOKEN_KEY, value);
      history.replaceState(null, '', window.location.pathname + window.location.search);
      return value;
    }
    return localStorage.getItem(TOKEN_KEY) || '';
  }
  function headers(json) {
    const h = {};
    if (json) h['Content-Type'] = 'application/json';
    if (token) h.Authorization = 'Bearer ' + token;
    return h;
  }
  function setConn(state, text) {
    const c = $('conn');
    c.dataset.state = state;
    c.textContent = text;
  }

  // ---- writes ---------------------------------------------------------------------------
  async function post(path, body) {
    let res;
    try {
      res = await fetch(path, {method: 'POST', headers: headers(true), cache: 'no-store',
                               body: JSON.stringify(body || {})});
    } catch (err) {
      notice('Not sent: the dashboard cannot be reached (' + err.message + ')', true);
      return null;
    }
    let data = {};
    try { data = await res.json(); } catch (err) { data = {}; }
    if (res.status === 401) { askToken(); notice('Refused: ' + (data.error || 'token needed'), true); return null; }
    if (!res.ok) { notice('Refused: ' + (data.error || res.statusText), true); return null; }
    if (data.agents === 0) notice('Sent, but no mission_agent is listening on mission_command', true);
    else notice('');
    return data;
  }
  function sendMission(text) {
    text = text.trim();
    if (!text) return;
    const max = (view.config && view.config.max_mission_chars) || 2000;
    if (text.length > max) { notice('Mission text is longer than ' + max + ' characters', true); return; }
    post('/api/mission', {text: text, planner: $('planner').value});
  }
  function stopRobot() {
    post('/api/stop', {});
  }

  // ---- token --------------------------------------------------------------------------
  function askToken() {
    $('token-form').hidden = false;
    setConn('token', 'token needed');
    $('token-input').focus();
  }

  // ---- the event stream (Server-Sent Events read through fetch, so the token stays in a header)
  async function connect() {
    if (streamAbort) streamAbort.abort();
    const abort = new AbortController();
    streamAbort = abort;
    setConn(retryMs > 500 ? 'lost' : 'connecting', retryMs > 500 ? 'connection lost — reconnecting…' : 'connecting…');
    let idleTimer = null;
    const kick = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => abort.abort(), STREAM_IDLE_MS);
    };
    try {
      const res = await fetch('/api/events', {headers: headers(false), cache: 'no-store', signal: abort.signal});
      if (res.status === 401) { askToken(); return; }
      if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
      $('token-form').hidden = true;
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      kick();
      for (;;) {
        const {value, done} = await reader.read();
        if (done) break;
        kick();
        buffer += decoder.decode(value, {stream: true});
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          dispatch(block);
        }
      }
    } catch (err) {
      // aborted by the watchdog, a dropped link or a server restart: fall through and retry
    } finally {
      clearTimeout(idleTimer);
    }
    if (streamAbort !== abort) return; // a newer connection took over
    setConn('lost', 'connection lost — reconnecting…');
    retryMs = Math.min(retryMs * 2, 5000);
    setTimeout(connect, retryMs);
  }

  function dispatch(block) {
    let kind = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) kind = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trim());
    }
    if (!data.length) return;
    let payload;
    try { payload = JSON.parse(data.join('\n')); } catch (err) { return; }
    const handler = HANDLERS[kind];
    if (handler) handler(payload);
  }

  const HANDLERS = {
    snapshot(s) {
      retryMs = 500;
      setConn('live', 'live');
      view.config = s.config;
      view.agents = s.agents;
      view.staleAfterS = s.stale_after_s || 5;
      view.trail = s.trail || [];
      view.trailFrom = s.trail_from || 0;
      view.diagnostics = new Map();
      view.metrics = [];
      view.metricSeq = 0;
      applyMissions(s);
      applyPose({pose: s.pose, speed_mps: s.speed_mps});
      if (s.cmd) applyCmd(s.cmd);
      for (const row of s.diagnostics || []) putRow(row);
      renderHealth();
      for (const m of s.metrics || []) putMetric(m);
      view.llm = s.llm || {};
      view.gpu = s.gpu || [];
      view.limits = s.limits || {};
      view.photos = s.photos || [];
      if (s.frame) applyFrame(s.frame);
      renderConfig();
      renderPhotos();
      renderGpu();
      scheduleDraw();
      if (s.agents === 0) notice('No mission_agent is listening on mission_command yet', true);
    },
    missions(m) { applyMissions(m); scheduleDraw(); },
    pose(p) {
      const pts = p.trail || [];
      const end = view.trailFrom + view.trail.length;
      if (p.trail_from > end) { connect(); return; } // a gap: start again from a snapshot
      view.trail.push(...pts.slice(end - p.trail_from));
      if (view.trail.length > 5000) {
        const drop = view.trail.length - 5000;
        view.trail.splice(0, drop);
        view.trailFrom += drop;
      }
      applyPose(p);
      scheduleDraw();
    },
    cmd: applyCmd,
    diagnostics(d) { for (const row of d.rows) putRow(row); renderHealth(); },
    metric(m) { putMetric(m); scheduleDraw(); },
    llm(l) { view.llm = l; },
    gpu(g) { view.gpu.push(g); if (view.gpu.length > 300) view.gpu.shift(); renderGpu(); },
    limits(l) { view.limits = l; renderConfig(); scheduleDraw(); },
    photos(p) { view.photos = p.photos; renderPhotos(); },
    frame: applyFrame,
  };

  // ---- missions ---------------------------------------------------------------------------
  function applyMissions(m) {
    view.current = m.current || null;
    view.history = m.history || [];
    if (m.home) view.home = m.home;
    renderCurrent();
    renderHistory();
    renderAnswer();
  }

  function renderCurrent() {
    const cur = view.current;
    const state = $('cur-state');
    if (!cur) { state.textContent = 'no mission yet'; state.dataset.state = ''; return; }
    state.textContent = cur.state + (cur.dry_run ? ' (dry run)' : '');
    state.dataset.id = cur.id;
    state.dataset.state = cur.state;
    state.dataset.reason = cur.reason || '';
    state.title = cur.reason ? 'reason: ' + cur.reason : '';
    $('cur-text').textContent = cur.text;
    $('cur-planner').textContent = cur.planner ? 'planner: ' + cur.planner : '';
    $('cur-time').textContent = cur.seconds ? cur.seconds.toFixed(1) + ' s' : '';
    const plan = $('cur-plan');
    plan.replaceChildren();
    const actions = (cur.plan && Array.isArray(cur.plan.actions)) ? cur.plan.actions : [];
    const summaries = Array.isArray(cur.summaries) ? cur.summaries : [];
    actions.forEach((action, i) => {
      // the agent's own one-line summary of each step (the dashboard passes it on)
      const li = el('li', '', typeof summaries[i] === 'string' ? summaries[i] : JSON.stringify(action));
      if (cur.step === i && !['succeeded', 'failed', 'cancelled', 'rejected'].includes(cur.state)) li.className = 'active';
      else if (cur.step !== null && i < cur.step) li.className = 'done';
      plan.appendChild(li);
    });
    const msgs = $('cur-messages');
    msgs.replaceChildren(...(cur.messages || []).map((text) => el('li', '', text)));
  }

  function renderHistory() {
    const body = $('history').tBodies[0];
    body.replaceChildren(...view.history.map((m) => {
      const tr = el('tr');
      tr.appendChild(el('td', 'muted', clock(m.updated)));
      tr.appendChild(el('td', '', m.text));
      const outcome = el('td');
      const badge = el('span', 'state', m.state);
      badge.dataset.state = m.state;
      badge.dataset.reason = m.reason || '';
      if (m.reason) badge.title = 'reason: ' + m.reason;
      outcome.appendChild(badge);
      tr.appendChild(outcome);
      tr.appendChild(el('td', 'muted', fmt(m.seconds, 1)));
      tr.title = (m.messages || []).slice(-1)[0] || '';
      return tr;
    }));
  }

  function renderConfig() {
    const box = $('test-plan');
    const texts = (view.config && view.config.test_plan) || [];
    if (box.childElementCount !== texts.length) {
      box.replaceChildren(...texts.map((text) => {
        const b = el('button', '', text);
        b.type = 'button';
        b.dataset.text = text;
        b.addEventListener('click', () => sendMission(text));
        return b;
      }));
    }
    if (view.config) $('mission-input').maxLength = view.config.max_mission_chars;
    const r = view.limits.geofence_radius_m;
    $('fence').textContent = (typeof r === 'number') ? r + ' m (' + view.limits.source + ')' : '';
  }

  // ---- pose, trail, map ---------------------------------------------------------------------
  function applyPose(p) {
    view.pose = p.pose || view.pose;
    view.speed = p.speed_mps || 0;
    $('speed').textContent = fmt(view.speed, 2) + ' m/s';
    if (view.pose) {
      $('pose').textContent = '(' + fmt(view.pose.x, 2) + ', ' + fmt(view.pose.y, 2) + ') ' + fmt(view.pose.yaw * 180 / Math.PI, 0) + '°';
      const map = $('map');
      map.dataset.x = view.pose.x;
      map.dataset.y = view.pose.y;
      const last = view.trail[view.trail.length - 1];
      if (last) { map.dataset.trailX = last[0]; map.dataset.trailY = last[1]; }
    }
  }

  function applyCmd(c) {
    view.cmd = c;
    const cmd = $('cmd');
    cmd.dataset.zero = c.zero ? 'true' : 'false';
    cmd.textContent = c.zero ? 'zero (stopped)' : fmt(c.linear_mps, 2) + ' m/s ' + fmt(c.angular_dps, 0) + '°/s';
  }

  let drawPending = false;
  function scheduleDraw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => { drawPending = false; drawMap(); drawTps(); });
  }

  function fitCanvas(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const h = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return [ctx, canvas.clientWidth, canvas.clientHeight];
  }

  function drawMap() {
    const canvas = $('map');
    const [ctx, w, h] = fitCanvas(canvas);
    ctx.clearRect(0, 0, w, h);
    const targets = (view.current && view.current.targets) || [];
    const pts = view.trail.slice();
    if (view.pose) pts.push([view.pose.x, view.pose.y]);
    if (view.home) pts.push([view.home.x, view.home.y]);
    for (const t of targets) pts.push([t.x, t.y]);
    const r = view.limits.geofence_radius_m;
    const fenceCentre = view.home || {x: 0, y: 0};
    if ($('zoom').dataset.fit === 'fence' && typeof r === 'number' && r > 0) {
      pts.push([fenceCentre.x - r, fenceCentre.y - r], [fenceCentre.x + r, fenceCentre.y + r]);
    }
    if (!pts.length) pts.push([0, 0]);
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (const [x, y] of pts) { minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y); }
    const span = Math.max(4, maxX - minX + 1.5, maxY - minY + 1.5);
    const cx = (minX + maxX) / 2, cy = (minY + maxY) / 2;
    const scale = Math.min(w, h) / span;
    const sx = (x) => w / 2 + (x - cx) * scale;
    const sy = (y) => h / 2 - (y - cy) * scale;

    // 1 m grid and the odom axes
    ctx.lineWidth = 1;
    ctx.strokeStyle = '#e5e7eb';
    ctx.beginPath();
    for (let gx = Math.floor(cx - span); gx <= cx + span; gx++) { ctx.moveTo(sx(gx), 0); ctx.lineTo(sx(gx), h); }
    for (let gy = Math.floor(cy - span); gy <= cy + span; gy++) { ctx.moveTo(0, sy(gy)); ctx.lineTo(w, sy(gy)); }
    ctx.stroke();
    ctx.strokeStyle = '#9ca3af';
    ctx.beginPath();
    ctx.moveTo(sx(0), 0); ctx.lineTo(sx(0), h); ctx.moveTo(0, sy(0)); ctx.lineTo(w, sy(0));
    ctx.stroke();
    ctx.fillStyle = '#6b7280';
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillText('1 m grid · x →  y ↑ (odom)', 6, h - 6);

    // geofence around home (or the odom origin before the agent reports home)
    if (typeof r === 'number' && r > 0) {
      const c = fenceCentre;
      ctx.strokeStyle = '#dc2626';
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.arc(sx(c.x), sy(c.y), r * scale, 0, 2 * Math.PI);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    // trail
    if (view.trail.length > 1) {
      ctx.strokeStyle = '#2563eb';
      ctx.lineWidth = 2;
      ctx.beginPath();
      view.trail.forEach(([x, y], i) => (i ? ctx.lineTo(sx(x), sy(y)) : ctx.moveTo(sx(x), sy(y))));
      if (view.pose) ctx.lineTo(sx(view.pose.x), sy(view.pose.y)); // the trail ends at the robot
      ctx.stroke();
    }
    // home and targets
    if (view.home) {
      ctx.fillStyle = '#16a34a';
      ctx.fillRect(sx(view.home.x) - 5, sy(view.home.y) - 5, 10, 10);
    }
    ctx.strokeStyle = '#d97706';
    ctx.lineWidth = 2;
    for (const t of targets) {
      const x = sx(t.x), y = sy(t.y);
      ctx.beginPath();
      ctx.moveTo(x - 6, y - 6); ctx.lineTo(x + 6, y + 6); ctx.moveTo(x + 6, y - 6); ctx.lineTo(x - 6, y + 6);
      ctx.stroke();
    }
    // the robot with its heading
    if (view.pose) {
      const x = sx(view.pose.x), y = sy(view.pose.y), yaw = view.pose.yaw;
      ctx.save();
      ctx.translate(x, y);
      ctx.rotate(-yaw);
      ctx.fillStyle = '#111827';
      ctx.beginPath();
      ctx.moveTo(14, 0); ctx.lineTo(-8, 8); ctx.lineTo(-4, 0); ctx.lineTo(-8, -8);
      ctx.closePath();
      ctx.fill();
      ctx.restore();
    }
  }

  // ---- health ---------------------------------------------------------------------------------
  function putRow(row) {
    const seen = performance.now() - (row.age_s || 0) * 1000;
    const old = view.diagnostics.get(row.name);
    view.diagnostics.set(row.name, {row: row, seen: seen, open: old ? old.open : false});
  }

  function renderHealth() {
    const box = $('health');
    const names = Array.from(view.diagnostics.keys()).sort();
    if (!names.length) return;
    const now = performance.now();
    box.replaceChildren(...names.map((name) => {
      const entry = view.diagnostics.get(name);
      const row = entry.row;
      const stale = now - entry.seen > view.staleAfterS * 1000;
      const level = stale ? 'STALE' : (row.reported || row.level);
      const div = el('div', 'row');
      div.dataset.level = level;
      div.dataset.name = name;
      div.tabIndex = 0;
      div.appendChild(el('span', 'lvl', level));
      div.appendChild(el('span', 'name', name));
      div.appendChild(el('span', 'msg', stale ? 'not refreshed for ' + Math.round((now - entry.seen) / 1000) + ' s — ' + row.message : row.message));
      if (entry.open) {
        const table = el('table');
        const values = Object.entries(row.values || {});
        if (row.hardware_id) values.unshift(['hardware_id', row.hardware_id]);
        for (const [k, v] of values) {
          const tr = el('tr');
          tr.appendChild(el('td', 'muted', k));
          tr.appendChild(el('td', '', v));
          table.appendChild(tr);
        }
        div.appendChild(table);
      }
      const toggle = () => { entry.open = !entry.open; renderHealth(); };
      div.addEventListener('click', toggle);
      div.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(); } });
      return div;
    }));
  }

  // ---- LLM speed and GPU -----------------------------------------------------------------------
  function putMetric(m) {
    if (m.seq <= view.metricSeq) return;
    view.metricSeq = m.seq;
    view.metrics.push(m);
    if (view.metrics.length > 300) view.metrics.shift();
    const last = view.metrics[view.metrics.length - 1];
    $('tps-now').textContent = last && last.tokens_per_s !== null ? fmt(last.tokens_per_s, 1) + ' tok/s (' + last.model + ')' : '';
  }

  function drawTps() {
    const [ctx, w, h] = fitCanvas($('tps'));
    ctx.clearRect(0, 0, w, h);
    const pts = view.metrics.filter((m) => typeof m.tokens_per_s === 'number');
    const base = view.llm.baseline_tokens_per_s, roof = view.llm.roofline_tokens_per_s;
    ctx.fillStyle = '#6b7280';
    ctx.font = '11px system-ui, sans-serif';
    if (!pts.length) { ctx.fillText('no LLM calls yet (llm_metrics)', 8, h / 2); return; }
    const top = Math.max(1, ...pts.map((m) => m.tokens_per_s), base || 0, roof || 0) * 1.15;
    const left = 30, right = w - 6, bottom = h - 14;
    const px = (i) => left + (pts.length === 1 ? (right - left) / 2 : i * (right - left) / (pts.length - 1));
    const py = (v) => bottom - (v / top) * (bottom - 6);
    ctx.fillText(fmt(top, 0), 2, 12);
    ctx.fillText('0', 2, bottom);
    const hline = (v, color, dash) => {
      if (typeof v !== 'number') return;
      ctx.strokeStyle = color; ctx.setLineDash(dash); ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.moveTo(left, py(v)); ctx.lineTo(right, py(v)); ctx.stroke();
      ctx.setLineDash([]);
    };
    hline(base, '#16a34a', [6, 4]);
    hline(roof, '#9333ea', [2, 3]);
    ctx.strokeStyle = '#2563eb';
    ctx.lineWidth = 2;
    ctx.beginPath();
    pts.forEach((m, i) => (i ? ctx.lineTo(px(i), py(m.tokens_per_s)) : ctx.moveTo(px(i), py(m.tokens_per_s))));
    ctx.stroke();
    ctx.fillStyle = '#2563eb';
    pts.forEach((m, i) => { ctx.beginPath(); ctx.arc(px(i), py(m.tokens_per_s), 2.5, 0, 2 * Math.PI); ctx.fill(); });
  }

  function renderGpu() {
    const last = view.gpu[view.gpu.length - 1];
    if (last) {
      const used = last.mem_used_mib, total = last.mem_total_mib;
      $('gpu-mem').textContent = (typeof used === 'number') ? fmt(used / 1024, 1) + (typeof total === 'number' ? ' / ' + fmt(total / 1024, 1) : '') + ' GiB' : 'n/a';
      $('gpu-mem-bar').style.width = (typeof used === 'number' && total) ? Math.min(100, 100 * used / total) + '%' : '0';
      $('gpu-temp').textContent = (typeof last.temp_c === 'number') ? fmt(last.temp_c, 0) + ' °C' : 'n/a';
    }
    const [ctx, w, h] = fitCanvas($('gpu-chart'));
    ctx.clearRect(0, 0, w, h);
    const series = (key, top, color) => {
      const pts = view.gpu.map((g) => g[key]);
      if (!pts.some((v) => typeof v === 'number')) return;
      ctx.strokeStyle = color; ctx.lineWidth = 1.5; ctx.beginPath();
      let started = false;
      pts.forEach((v, i) => {
        if (typeof v !== 'number') return;
        const x = pts.length > 1 ? i * w / (pts.length - 1) : w / 2, y = h - 4 - (Math.min(v, top) / top) * (h - 8);
        if (started) ctx.lineTo(x, y); else { ctx.moveTo(x, y); started = true; }
      });
      ctx.stroke();
    };
    const total = last && last.mem_total_mib ? last.mem_total_mib : null;
    if (total) series('mem_used_mib', total, '#1d4ed8');
    series('temp_c', 100, '#dc2626');
    ctx.fillStyle = '#6b7280';
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillText('memory (blue, of total) · temperature (red, of 100 °C)', 4, 12);
  }

  // ---- camera and photos -----------------------------------------------------------------------
  // Beside the frame: what the vision model answered to the newest mission with a look.
  function renderAnswer() {
    const withAnswer = [view.current, ...view.history].find((m) => m && m.answer);
    const box = $('camera-answer');
    box.hidden = !withAnswer;
    if (!withAnswer) return;
    $('answer-question').textContent = '“' + withAnswer.text + '” (' + withAnswer.state + ')';
    $('answer-text').textContent = withAnswer.answer;
  }

  function applyFrame(f) {
    // Only data: URLs built by the dashboard itself (JPEG, base64); anything else is ignored.
    if (typeof f.src !== 'string' || !f.src.startsWith('data:image/jpeg;base64,')) return;
    $('camera').src = f.src;
    $('camera').dataset.time = f.time;
    $('camera-age').textContent = f.width + '×' + f.height + ' at ' + clock(f.time);
  }

  const photoUrls = new Map();
  async function photoUrl(name) {
    if (photoUrls.has(name)) return photoUrls.get(name);
    const res = await fetch('/api/photos/' + encodeURIComponent(name), {headers: headers(false), cache: 'no-store'});
    if (!res.ok) throw new Error('HTTP ' + res.status);
    const url = URL.createObjectURL(await res.blob());
    photoUrls.set(name, url);
    return url;
  }

  function renderPhotos() {
    const box = $('photos');
    if (!view.photos.length) return;
    box.replaceChildren(...view.photos.slice().reverse().map((p) => {
      const fig = el('figure');
      const img = el('img');
      img.alt = p.name;
      fig.appendChild(img);
      fig.appendChild(el('figcaption', '', p.name + ' · ' + clock(p.stamp)));
      photoUrl(p.name).then((url) => { img.src = url; }).catch(() => {
        fig.lastChild.textContent = p.name + ' (not on the dashboard\'s machine)';
      });
      return fig;
    }));
  }

  // ---- wiring ----------------------------------------------------------------------------------
  $('mission-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('mission-input');
    sendMission(input.value);
    input.value = '';
  });
  $('stop').addEventListener('click', stopRobot);
  $('zoom').addEventListener('click', () => {
    const zoom = $('zoom');
    zoom.dataset.fit = zoom.dataset.fit === 'trail' ? 'fence' : 'trail';
    zoom.textContent = 'fit: ' + (zoom.dataset.fit === 'trail' ? 'trail' : 'geofence');
    scheduleDraw();
  });
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    token = $('token-input').value.trim();
    if (token) localStorage.setItem(TOKEN_KEY, token); else localStorage.removeItem(TOKEN_KEY);
    $('token-input').value = '';
    $('token-form').hidden = true;
    notice('');
    retryMs = 500;
    connect();
  });
  window.addEventListener('resize', scheduleDraw);
  setInterval(() => { if (view.diagnostics.size) renderHealth(); }, 1000);
  connect();
})();
