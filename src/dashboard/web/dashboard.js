// prescale's live dashboard: plain JavaScript over the daemon's /api/v1 routes, no
// libraries and no network beyond the daemon itself.
//
// Every refresh reads /api/v1/groups, each group's new history points
// (/api/v1/groups/{name}/history?since=...) and the new decisions
// (/api/v1/decisions?since=...), then redraws the overview, one chart per group
// and the decision log. It refreshes at the fastest group's interval (at least
// every 5 s, at most twice a second) and keeps going through errors.
'use strict';

(() => {
  // Okabe & Ito's colours, the same meanings as in `prescale plot`.
  const C = {
    load: '#000000',
    cpu: '#56b4e9',
    forecast: '#e69f00',
    band: 'rgba(230, 159, 0, 0.22)',
    anomaly: '#d55e00',
    span: 'rgba(213, 94, 0, 0.14)',
    ready: '#0072b2',
    desired: '#009e73',
    up: '#009e73',
    down: '#cc79a7',
    grid: '#e2e2e2',
    axis: '#8c8c8c',
    text: '#606060',
    background: '#ffffff',
  };
  const MAX_POINTS = 2000;  // per group, as the daemon keeps by default
  const MAX_DECISIONS = 200;
  const FONT = '12px "DejaVu Sans", system-ui, sans-serif';

  const state = {
    groups: new Map(),  // name -> {snapshot, points, since, card}
    decisions: [],      // newest first
    seen: new Set(),    // keys of the decisions already shown
    decisionsSince: 0,
  };

  const $ = (id) => document.getElementById(id);

  function el(tag, props, children) {
    const e = document.createElement(tag);
    Object.assign(e, props || {});
    for (const c of children || []) e.append(c);
    return e;
  }

  async function getJson(path) {
    const r = await fetch(path, {cache: 'no-store'});
    if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
    return r.json();
  }

  // ---- Formatting -----------------------------------------------------------

  function pad2(n) { return String(n).padStart(2, '0'); }

  function clock(t, seconds = true) {
    const d = new Date(t * 1000);
    const hm = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
    return seconds ? `${hm}:${pad2(d.getUTCSeconds())}` : hm;
  }

  function date(t) {
    const d = new Date(t * 1000);
    return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
  }

  function num(v, digits = 1) {
    if (v === null || v === undefined || !Number.isFinite(v)) return '–';
    const a = Math.abs(v);
    if (a >= 1e6) return (v / 1e6).toFixed(2) + 'M';
    if (a >= 1e4) return (v / 1e3).toFixed(1) + 'k';
    return v.toFixed(a >= 100 ? 0 : digits);
  }

  function ago(t) {
    const s = Math.max(0, Date.now() / 1000 - t);
    if (s < 60) return `${Math.round(s)} s ago`;
    if (s < 3600) return `${Math.round(s / 60)} min ago`;
    return `${(s / 3600).toFixed(1)} h ago`;
  }

  const ARROWS = {scale_up: '▲ up', scale_down: '▼ down', hold: 'hold'};

  function actionBadge(action) {
    return el('span', {className: `badge badge-${action}`, textContent: ARROWS[action] || action});
  }

  // The value a group's chart shows, in the unit its title names.
  function seriesOf(group) { return group.snapshot.series === 'cpu' ? 'cpu' : 'load'; }

  function value(p, series) {
    if (series === 'cpu') return p.cpu_utilization === null ? null : p.cpu_utilization * 100;
    return p.load_per_s;
  }

  function scaled(v, series) { return v === null ? null : (series === 'cpu' ? v * 100 : v); }

  // ---- Axes -----------------------------------------------------------------

  // Ticks at 1, 2, 2.5 or 5 times a power of ten (as the PNG charts do).
  function niceTicks(lo, hi, maxTicks, integer) {
    if (!(hi > lo)) hi = lo + 1;
    const raw = (hi - lo) / Math.max(1, maxTicks - 1);
    let mag = Math.pow(10, Math.floor(Math.log10(raw)));
    for (let i = 0; i < 40; i++) {
      const m = [1, 2, 2.5, 5][i % 4];
      if (i > 0 && i % 4 === 0) mag *= 10;
      const step = m * mag;
      if (step < raw * (1 - 1e-9) || (integer && (step < 1 || step % 1 !== 0))) continue;
      const first = Math.floor(lo / step + 1e-9) * step;
      const last = Math.ceil(hi / step - 1e-9) * step;
      if (Math.round((last - first) / step) + 1 > maxTicks) continue;
      const ticks = [];
      for (let v = first; v <= last + step / 2; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
      return {lo: first, hi: last, step, ticks};
    }
    return {lo, hi, step: hi - lo, ticks: [lo, hi]};
  }

  function tickLabel(v, step, max) {
    if (v === 0) return '0';
    const scale = max >= 1e6 ? 1e6 : max >= 1e4 ? 1e3 : 1;
    const suffix = scale === 1e6 ? 'M' : scale === 1e3 ? 'k' : '';
    const s = step / scale;
    let d = 0;
    while (d < 4 && Math.abs(s * 10 ** d - Math.round(s * 10 ** d)) > 1e-6) d++;
    return (v / scale).toFixed(d) + suffix;
  }

  const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800,
                      21600, 43200, 86400];

  // The finest round step whose labels fit side by side with a gap, keeping only
  // the labels that fit inside the canvas (`width`).
  function timeTicks(ctx, t0, t1, x0, x1, width) {
    const px = x1 - x0;
    for (const step of TIME_STEPS) {
      if ((t1 - t0) / step > px / 40 + 1) continue;
      const seconds = step < 60;
      const w = ctx.measureText(seconds ? '00:00:00' : '00:00').width;
      if ((px / (t1 - t0)) * step < w + 14) continue;
      const ticks = [];
      for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
        const x = x0 + (t - t0) / (t1 - t0) * px;
        if (x - w / 2 >= 2 && x + w / 2 <= width - 2) ticks.push(t);
      }
      return {ticks, seconds};
    }
    return {ticks: [], seconds: false};
  }

  // ---- Charts ---------------------------------------------------------------

  function setupCanvas(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return {ctx, w, h};
  }

  function pathOf(ctx, points, x, y, step) {
    ctx.beginPath();
    let open = false;
    let lastY = null;
    for (const [t, v] of points) {
      if (v === null || !Number.isFinite(v)) { open = false; continue; }
      if (!open) {
        ctx.moveTo(x(t), y(v));
        open = true;
      } else if (step) {
        ctx.lineTo(x(t), y(lastY));
        ctx.lineTo(x(t), y(v));
      } else {
        ctx.lineTo(x(t), y(v));
      }
      lastY = v;
    }
  }

  function stroke(ctx, color, width, dash) {
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.setLineDash(dash || []);
    ctx.lineJoin = 'round';
    ctx.stroke();
    ctx.setLineDash([]);
  }

  function triangle(ctx, x, y, up, size) {
    ctx.moveTo(x, up ? y - size : y + size);
    ctx.lineTo(x + size, up ? y + size * 0.7 : y - size * 0.7);
    ctx.lineTo(x - size, up ? y + size * 0.7 : y - size * 0.7);
    ctx.closePath();
  }

  // One panel's frame, grid and value labels; returns the value-to-pixel mapping.
  function panel(ctx, area, lo, hi, integer, tt, x) {
    const maxTicks = Math.max(2, Math.floor((area.y1 - area.y0) / 28) + 1);
    const axis = niceTicks(lo, hi, maxTicks, integer);
    const y = (v) => area.y1 - (v - axis.lo) / (axis.hi - axis.lo) * (area.y1 - area.y0);
    ctx.strokeStyle = C.grid;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const v of axis.ticks) {
      const gy = Math.round(y(v)) + 0.5;
      ctx.moveTo(area.x0, gy);
      ctx.lineTo(area.x1, gy);
    }
    for (const t of tt.ticks) {
      const gx = Math.round(x(t)) + 0.5;
      ctx.moveTo(gx, area.y0);
      ctx.lineTo(gx, area.y1);
    }
    ctx.stroke();
    ctx.fillStyle = C.text;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    const max = Math.max(Math.abs(axis.lo), Math.abs(axis.hi));
    for (const v of axis.ticks) ctx.fillText(tickLabel(v, axis.step, max), area.x0 - 6, y(v));
    ctx.strokeStyle = C.axis;
    ctx.beginPath();
    ctx.moveTo(area.x0 + 0.5, area.y0);
    ctx.lineTo(area.x0 + 0.5, area.y1 + 0.5);
    ctx.lineTo(area.x1, area.y1 + 0.5);
    ctx.stroke();
    return y;
  }

  function range(values, fromZero) {
    let lo = Infinity, hi = -Infinity;
    for (const v of values) {
      if (v === null || !Number.isFinite(v)) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    if (lo > hi) return [0, 1];
    if (fromZero && lo >= 0) lo = 0;
    return [lo, hi + (hi - lo) * 0.05];
  }

  function drawChart(group) {
    const canvas = group.card.canvas;
    const {ctx, w, h} = setupCanvas(canvas);
    ctx.fillStyle = C.background;
    ctx.fillRect(0, 0, w, h);
    ctx.font = FONT;
    const pts = group.points;
    canvas.dataset.points = String(pts.length);
    if (pts.length === 0) {
      ctx.fillStyle = C.text;
      ctx.textAlign = 'center';
      ctx.fillText('waiting for data', w / 2, h / 2);
      return;
    }
    const series = seriesOf(group);
    const step = group.snapshot.interval_s || 1;
    const t0 = pts[0].time, t1 = Math.max(pts[pts.length - 1].time + step, t0 + step);
    const left = 52, right = w - 10;
    const x = (t) => left + (t - t0) / (t1 - t0) * (right - left);
    const tt = timeTicks(ctx, t0, t1, left, right, w);
    const top = {x0: left, x1: right, y0: 8, y1: Math.round(h * 0.56)};
    const bottom = {x0: left, x1: right, y0: top.y1 + 18, y1: h - 26};

    // 1. The series panel: load (or CPU), the forecast drawn at the time it is for,
    // its band up to the peak upper bound, and anomalies.
    const vals = pts.map((p) => [p.time, value(p, series)]);
    const fc = pts.map((p) => [p.time + step, scaled(p.forecast, series)]);
    const up = pts.map((p) => [p.time + step, scaled(p.forecast_upper, series)]);
    const [lo, hi] = range([...vals, ...fc, ...up].map((p) => p[1]), true);
    const y = panel(ctx, top, lo, hi, false, tt, x);
    ctx.save();
    ctx.beginPath();
    ctx.rect(top.x0, top.y0 - 1, top.x1 - top.x0, top.y1 - top.y0 + 2);
    ctx.clip();
    ctx.fillStyle = C.span;
    for (const p of pts) {
      if (p.anomaly) ctx.fillRect(x(p.time - step / 2), top.y0, Math.max(2, x(step) - x(0)), top.y1 - top.y0);
    }
    ctx.fillStyle = C.band;
    ctx.beginPath();
    let run = [];
    const flush = () => {
      if (run.length > 1) {
        ctx.moveTo(x(run[0][0]), y(run[0][2]));
        for (const r of run) ctx.lineTo(x(r[0]), y(r[2]));
        for (let i = run.length - 1; i >= 0; i--) ctx.lineTo(x(run[i][0]), y(run[i][1]));
        ctx.closePath();
      }
      run = [];
    };
    for (let i = 0; i < fc.length; i++) {
      if (fc[i][1] === null || up[i][1] === null) { flush(); continue; }
      run.push([fc[i][0], Math.min(fc[i][1], up[i][1]), Math.max(fc[i][1], up[i][1])]);
    }
    flush();
    ctx.fill();
    pathOf(ctx, vals, x, y, false);
    stroke(ctx, series === 'cpu' ? C.cpu : C.load, 1.6);
    pathOf(ctx, fc, x, y, false);
    stroke(ctx, C.forecast, 1.8, [6, 4]);
    ctx.fillStyle = C.anomaly;
    ctx.strokeStyle = C.background;
    ctx.lineWidth = 1.5;
    for (const p of pts) {
      const v = value(p, series);
      if (!p.anomaly || v === null) continue;
      ctx.beginPath();
      ctx.arc(x(p.time), y(v), 4, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    }
    ctx.restore();

    // 2. The instances panel: ready, desired, and a triangle for each action.
    const ready = pts.map((p) => [p.time, p.ready]);
    const desired = pts.map((p) => [p.time, p.desired]);
    const [ilo, ihi] = range([...ready, ...desired].map((p) => p[1]), true);
    const yi = panel(ctx, bottom, ilo, Math.max(ihi, ilo + 1), true, tt, x);
    ctx.save();
    ctx.beginPath();
    ctx.rect(bottom.x0, bottom.y0 - 8, bottom.x1 - bottom.x0, bottom.y1 - bottom.y0 + 16);
    ctx.clip();
    pathOf(ctx, ready, x, yi, true);
    stroke(ctx, C.ready, 3);
    pathOf(ctx, desired, x, yi, true);
    stroke(ctx, C.desired, 1.6, [5, 3]);
    for (const dir of ['scale_up', 'scale_down']) {
      ctx.beginPath();
      for (const p of pts) {
        if (p.action === dir) triangle(ctx, x(p.time), yi(p.desired), dir === 'scale_up', 5);
      }
      ctx.fillStyle = dir === 'scale_up' ? C.up : C.down;
      ctx.fill();
    }
    ctx.restore();

    // 3. The time axis.
    ctx.fillStyle = C.text;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of tt.ticks) ctx.fillText(clock(t, tt.seconds), x(t), bottom.y1 + 6);
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    ctx.fillText('instances', bottom.x0 + 4, bottom.y0 - 4);

    group.card.view = {x, t0, t1, left, right, step, series};
  }

  function legendItem(cls, color, label) {
    const sw = el('i', {className: `swatch ${cls}`});
    if (cls === 'band' || cls === 'dot') sw.style.background = color;
    else if (!cls.startsWith('tri')) sw.style.borderTopColor = color;
    return el('span', {}, [sw, label]);
  }

  function makeCard(name) {
    const title = el('h3', {textContent: name});
    const sub = el('div', {className: 'sub muted'});
    const legend = el('div', {className: 'legend'});
    const canvas = el('canvas', {className: 'chart'});
    canvas.dataset.group = name;
    const card = el('div', {className: 'card'}, [title, sub, legend, canvas]);
    card.dataset.group = name;
    $('charts').append(card);
    const c = {root: card, sub, legend, canvas, legendKey: null};
    canvas.addEventListener('mousemove', (e) => hover(name, e));
    canvas.addEventListener('mouseleave', () => { $('tooltip').hidden = true; });
    return c;
  }

  // The legend names what the chart shows: no forecast for a policy without one.
  function updateLegend(group) {
    const series = seriesOf(group);
    const forecast = group.points.some((p) => p.forecast !== null);
    const anomaly = group.points.some((p) => p.anomaly);
    const key = `${series}|${forecast}|${anomaly}`;
    if (group.card.legendKey === key) return;
    group.card.legendKey = key;
    const items = [legendItem('', series === 'cpu' ? C.cpu : C.load,
                              series === 'cpu' ? 'CPU (%)' : 'load (units/s)')];
    if (forecast) {
      items.push(legendItem('dashed', C.forecast, 'forecast (next tick)'),
                 legendItem('band', C.band, 'band to the peak upper bound'));
    }
    if (anomaly) items.push(legendItem('dot', C.anomaly, 'anomaly'));
    items.push(legendItem('', C.ready, 'ready'), legendItem('dashed', C.desired, 'desired'),
               legendItem('tri-up', C.up, 'scale up'), legendItem('tri-down', C.down, 'scale down'));
    group.card.legend.replaceChildren(...items);
  }

  function hover(name, e) {
    const group = state.groups.get(name);
    const tip = $('tooltip');
    if (!group || !group.card.view || group.points.length === 0) return;
    const v = group.card.view;
    const rect = group.card.canvas.getBoundingClientRect();
    const px = e.clientX - rect.left;
    const t = v.t0 + (px - v.left) / (v.right - v.left) * (v.t1 - v.t0);
    let best = group.points[0];
    for (const p of group.points) if (Math.abs(p.time - t) < Math.abs(best.time - t)) best = p;
    const val = value(best, v.series);
    const unit = v.series === 'cpu' ? '%' : '/s';
    tip.textContent = `${clock(best.time)}  ${v.series} ${num(val)}${unit} · ready ${best.ready} · ` +
                      `desired ${best.desired} · ${best.reason}${best.anomaly ? ' · anomaly' : ''}`;
    tip.style.left = `${e.clientX + 12}px`;
    tip.style.top = `${e.clientY + 12}px`;
    tip.hidden = false;
  }

  // ---- Overview and log -----------------------------------------------------

  function lastAction(name) {
    return state.decisions.find((d) => d.group === name && d.action !== 'hold');
  }

  function renderGroups() {
    const rows = [];
    for (const [name, g] of state.groups) {
      const s = g.snapshot;
      const series = seriesOf(g);
      const now = el('td', {}, [el('span', {className: 'badge badge-hold', textContent: s.reason}),
                                ' ', s.message || '']);
      if (s.anomaly) now.append(' ', el('span', {className: 'badge badge-anomaly', textContent: 'anomaly'}));
      if (s.error) now.append(' ', el('span', {className: 'badge badge-error', textContent: s.error}));
      const last = lastAction(name);
      const lastCell = el('td');
      if (last) {
        lastCell.append(actionBadge(last.action), ` ${last.current} → ${last.desired} · ${last.reason} · ${ago(last.time)}`);
        lastCell.title = last.message;
      } else {
        lastCell.textContent = '–';
      }
      const load = series === 'cpu' ? `${num(s.cpu_utilization === null ? null : s.cpu_utilization * 100)} %`
                                    : `${num(s.load_per_s)} /s`;
      const fc = (v) => (v === null ? '–' : series === 'cpu' ? `${num(v * 100)} %` : `${num(v)} /s`);
      rows.push(el('tr', {}, [
        el('td', {textContent: name}),
        el('td', {textContent: s.policy + (s.dry_run ? ' (dry run)' : '')}),
        el('td', {className: 'num', textContent: String(s.ready)}),
        el('td', {className: 'num', textContent: String(s.current)}),
        el('td', {className: 'num', textContent: String(s.desired)}),
        el('td', {className: 'num', textContent: load}),
        el('td', {className: 'num', textContent: fc(s.forecast)}),
        el('td', {className: 'num', textContent: fc(s.forecast_upper)}),
        now,
        lastCell,
      ]));
    }
    $('groups').tBodies[0].replaceChildren(...rows);
    $('groups-empty').hidden = rows.length > 0;
  }

  function decisionRow(d, fresh) {
    const instances = d.action === 'hold' ? String(d.desired) : `${d.current} → ${d.desired}`;
    const why = el('td', {textContent: d.message});
    if (d.error) why.append(' ', el('span', {className: 'badge badge-error', textContent: d.error}));
    if (d.anomaly) why.append(' ', el('span', {className: 'badge badge-anomaly', textContent: 'anomaly'}));
    if (d.action !== 'hold' && !d.applied) why.append(' ', el('span', {className: 'badge badge-hold', textContent: 'not applied'}));
    const row = el('tr', {className: 'decision' + (fresh ? ' fresh' : '')}, [
      el('td', {className: 'time', textContent: `${date(d.time)} ${clock(d.time)}`}),
      el('td', {textContent: d.group}),
      el('td', {}, [actionBadge(d.action)]),
      el('td', {className: 'num', textContent: instances}),
      el('td', {textContent: d.reason}),
      why,
    ]);
    row.dataset.action = d.action;
    return row;
  }

  function addDecisions(list) {
    const fresh = [];
    for (const d of list) {  // newest first
      const key = `${d.time}|${d.group}`;
      if (state.seen.has(key)) continue;
      state.seen.add(key);
      fresh.push(d);
      state.decisionsSince = Math.max(state.decisionsSince, d.time);
    }
    if (fresh.length === 0) return;
    state.decisions = fresh.concat(state.decisions).sort((a, b) => b.time - a.time).slice(0, MAX_DECISIONS);
    const body = $('decisions').tBodies[0];
    const freshKeys = new Set(fresh.map((d) => `${d.time}|${d.group}`));
    body.replaceChildren(...state.decisions.map((d) => decisionRow(d, freshKeys.has(`${d.time}|${d.group}`))));
    $('decisions-empty').hidden = true;
    if (state.seen.size > 4 * MAX_DECISIONS) state.seen = new Set(state.decisions.map((d) => `${d.time}|${d.group}`));
  }

  // ---- The refresh loop -----------------------------------------------------

  function setStatus(ok, text) {
    const s = $('status');
    s.className = 'status ' + (ok ? 'status-ok' : 'status-bad');
    s.textContent = text;
  }

  async function refresh() {
    const snapshots = await getJson('/api/v1/groups');
    const names = new Set(snapshots.map((s) => s.name));
    for (const [name, g] of state.groups) {
      if (!names.has(name)) {
        g.card.root.remove();
        state.groups.delete(name);
      }
    }
    await Promise.all(snapshots.map(async (s) => {
      let g = state.groups.get(s.name);
      if (!g) {
        g = {snapshot: s, points: [], since: 0, card: makeCard(s.name)};
        state.groups.set(s.name, g);
      }
      g.snapshot = s;
      const url = `/api/v1/groups/${encodeURIComponent(s.name)}/history?since=${g.since}`;
      const fresh = await getJson(url);
      if (fresh.length > 0) {
        g.points.push(...fresh);
        g.since = fresh[fresh.length - 1].time;
        if (g.points.length > MAX_POINTS) g.points.splice(0, g.points.length - MAX_POINTS);
      }
    }));
    // A little before the newest seen: groups tick in parallel, so a decision can
    // arrive with an older time than one already shown (duplicates are dropped).
    const since = Math.max(0, state.decisionsSince - 30);
    addDecisions(await getJson(`/api/v1/decisions?since=${since}&limit=${MAX_DECISIONS}`));
    renderGroups();
    for (const g of state.groups.values()) {
      const s = g.snapshot;
      g.card.sub.textContent = `${s.policy} · ${s.source} → ${s.actuator}${s.dry_run ? ' (dry run)' : ''} · ` +
                               `every ${s.interval_s} s · limits ${s.min}–${s.max}`;
      updateLegend(g);
      drawChart(g);
    }
  }

  function intervalMs() {
    let fastest = 5;
    for (const g of state.groups.values()) fastest = Math.min(fastest, g.snapshot.interval_s || 5);
    return Math.max(500, fastest * 1000);
  }

  async function loop() {
    try {
      await refresh();
      setStatus(true, 'live');
      $('updated').textContent = `updated ${clock(Date.now() / 1000)} UTC`;
    } catch (e) {
      setStatus(false, 'disconnected, retrying');
      $('updated').textContent = String(e.message || e);
    }
    setTimeout(loop, intervalMs());
  }

  window.addEventListener('resize', () => { for (const g of state.groups.values()) drawChart(g); });
  loop();
})();
