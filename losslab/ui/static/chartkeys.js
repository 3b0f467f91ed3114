// losslab's chart keyboard explorer (st.components.v2, no build step, nothing fetched): a
// focusable strip under a Plotly chart. Left/Right move a cursor along a curve, Up/Down switch
// curves, Home/End/PageUp/PageDown jump; the value under the cursor goes to the view's one polite
// live region; S (or the button) plays the curve as pitch. Every sentence comes from Python
// (the catalogue, ko/en). The same live region carries the run's throttled progress sentences.

// view id (the Python key) -> the instance's state: kept across data updates and across a remount
// (Streamlit mounts a component afresh when its place on the page changes), so the cursor stays
// and a sentence already said is not said again.
const STATES = new Map();
const SVG = "http://www.w3.org/2000/svg";

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
}

function fmtX(x, lang) {
  return Math.round(x).toLocaleString(lang === "ko" ? "ko-KR" : "en-US");
}

function fmtY(y) {
  if (y === null || y === undefined || !isFinite(y)) return null;
  const a = Math.abs(y);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return y.toExponential(2);
  return String(Number(y.toPrecision(3)));
}

function build(root, state) {
  // one explorer per mount point: a box left by an earlier identity goes
  root.querySelectorAll(".ck").forEach((old) => old.remove());
  const box = document.createElement("div");
  box.className = "ck";
  box.innerHTML = `
    <div class="ck-plot" tabindex="0" role="application" data-testid="chartkeys-explorer">
      <svg class="ck-svg" aria-hidden="true" focusable="false"></svg>
    </div>
    <div class="ck-row">
      <button type="button" class="ck-play" data-testid="chartkeys-play"></button>
      <span class="ck-help" id="ck-help"></span>
    </div>
    <div class="ck-live" aria-live="polite" aria-atomic="true" data-testid="chartkeys-live"></div>`;
  root.appendChild(box);
  state.box = box;
  state.plot = box.querySelector(".ck-plot");
  state.svg = box.querySelector(".ck-svg");
  state.play = box.querySelector(".ck-play");
  state.help = box.querySelector(".ck-help");
  state.live = box.querySelector(".ck-live");
  state.plot.setAttribute("aria-describedby", "ck-help");
  state.plot.addEventListener("keydown", (e) => onKey(state, e));
  state.plot.addEventListener("focus", () => {
    if (state.pi === null) toEnd(state);
    state.focused = true;
    draw(state);
    say(state, pointText(state));
  });
  state.plot.addEventListener("blur", () => {
    state.focused = false;
    draw(state);
    const c = curve(state);
    // Python keeps the cursor, so a full rerun (a language switch, a new run) finds it where it was
    if (c && state.pi !== null && state.setStateValue) {
      state.setStateValue("cursor", { curve: state.ci, x: c.x[state.pi] });
    }
  });
  state.play.addEventListener("click", () => (state.playing ? stopSound(state) : playSound(state)));
  if (window.ResizeObserver) new ResizeObserver(() => draw(state)).observe(state.plot);
}

function curve(state) {
  const cs = state.data.curves || [];
  return cs.length ? cs[Math.min(state.ci, cs.length - 1)] : null;
}

function toEnd(state) {
  const c = curve(state);
  state.pi = c ? c.x.length - 1 : null;
}

function nearest(xs, x) {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (Math.abs(xs[i] - x) < Math.abs(xs[best] - x)) best = i;
  return best;
}

function pointText(state) {
  const d = state.data, T = d.text, c = curve(state);
  if (!c || state.pi === null) return T.empty;
  const y = fmtY(c.y[state.pi]);
  return fill(T.point, {
    x_name: d.x_name, x: fmtX(c.x[state.pi], d.lang), name: c.name,
    y: y === null ? T.no_value : y, unit: y === null || !d.unit ? "" : " " + d.unit,
  });
}

function say(state, text) {
  // the same text twice is not re-read by screen readers: a no-break space toggles at its end
  const now = state.live.textContent;
  state.live.textContent = now.replace(/\u00a0$/, "") === text && !now.endsWith("\u00a0") ? text + "\u00a0" : text;
}

function onKey(state, e) {
  const cs = state.data.curves || [];
  const c = curve(state);
  if (e.key === "Escape") { stopSound(state); return; }
  if (e.key === "s" || e.key === "S") { e.preventDefault(); state.playing ? stopSound(state) : playSound(state); return; }
  if (!c) return;
  const last = c.x.length - 1;
  let pi = state.pi === null ? last : state.pi, prefix = "";
  const jump = Math.max(1, Math.round(c.x.length / 10));
  switch (e.key) {
    case "ArrowRight": pi = Math.min(last, pi + 1); break;
    case "ArrowLeft": pi = Math.max(0, pi - 1); break;
    case "PageUp": pi = Math.min(last, pi + jump); break;
    case "PageDown": pi = Math.max(0, pi - jump); break;
    case "Home": pi = 0; prefix = state.data.text.start + ": "; break;
    case "End": pi = last; prefix = state.data.text.end + ": "; break;
    case "ArrowUp": case "ArrowDown": {
      if (cs.length < 2) { e.preventDefault(); say(state, pointText(state)); return; }
      const x = c.x[pi];
      state.ci = (state.ci + (e.key === "ArrowUp" ? 1 : cs.length - 1)) % cs.length;
      const n = curve(state);
      pi = nearest(n.x, x);
      prefix = fill(state.data.text.curve, { name: n.name, i: state.ci + 1, n: cs.length }) + ", ";
      break;
    }
    default: return;
  }
  e.preventDefault();
  state.pi = pi;
  draw(state);
  say(state, prefix + pointText(state));
}

function scaleY(state) {
  const log = state.data.log;
  const vals = [];
  for (const c of state.data.curves || []) for (const y of c.y) if (y !== null && (!log || y > 0)) vals.push(log ? Math.log10(y) : y);
  let lo = Math.min(...vals), hi = Math.max(...vals);
  if (!vals.length) { lo = 0; hi = 1; }
  if (hi === lo) { hi = lo + 1; }
  return (y) => (y === null || (log && y <= 0) ? null : ((log ? Math.log10(y) : y) - lo) / (hi - lo));
}

function draw(state) {
  const svg = state.svg, cs = state.data.curves || [];
  const w = Math.max(120, state.plot.clientWidth || 600), h = 96, pad = 8;
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.setAttribute("width", w);
  svg.setAttribute("height", h);
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  let x0 = Infinity, x1 = -Infinity;
  for (const c of cs) for (const x of c.x) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); }
  if (x1 <= x0) x1 = x0 + 1;
  const sx = (x) => pad + ((x - x0) / (x1 - x0)) * (w - 2 * pad);
  const norm = scaleY(state);
  const sy = (y) => { const v = norm(y); return v === null ? null : h - pad - v * (h - 2 * pad); };
  cs.forEach((c, i) => {
    let d = "", pen = false;
    c.x.forEach((x, j) => {
      const y = sy(c.y[j]);
      if (y === null) { pen = false; return; }
      d += (pen ? "L" : "M") + sx(x).toFixed(1) + " " + y.toFixed(1);
      pen = true;
    });
    const p = document.createElementNS(SVG, "path");
    p.setAttribute("d", d);
    p.setAttribute("class", "ck-line" + (i === state.ci ? " ck-current" : ""));
    p.setAttribute("stroke", (state.data.colors || [])[i % 7] || "#0072B2");
    svg.appendChild(p);
  });
  const c = curve(state);
  if (c && state.pi !== null) state.x = c.x[state.pi];
  if (c && state.pi !== null && (state.focused || state.playing)) {
    const x = sx(c.x[state.pi]), y = sy(c.y[state.pi]);
    const v = document.createElementNS(SVG, "line");
    v.setAttribute("x1", x); v.setAttribute("x2", x); v.setAttribute("y1", 0); v.setAttribute("y2", h);
    v.setAttribute("class", "ck-cursor");
    svg.appendChild(v);
    if (y !== null) {
      const dot = document.createElementNS(SVG, "circle");
      dot.setAttribute("cx", x); dot.setAttribute("cy", y); dot.setAttribute("r", 6);
      dot.setAttribute("class", "ck-dot");
      svg.appendChild(dot);
    }
  }
}

function playSound(state) {
  const c = curve(state), Ctx = window.AudioContext || window.webkitAudioContext;
  if (!c) return;
  if (!Ctx) { say(state, state.data.text.no_audio); return; }
  stopSound(state);
  const ctx = state.audio || (state.audio = new Ctx());
  const norm = scaleY(state), n = Math.min(c.x.length, 80), seconds = 3.0, dt = seconds / n;
  const osc = ctx.createOscillator(), gain = ctx.createGain();
  osc.type = "triangle";
  osc.connect(gain); gain.connect(ctx.destination);
  const t0 = ctx.currentTime + 0.05;
  const steps = [];
  for (let k = 0; k < n; k++) {
    const j = Math.round((k * (c.x.length - 1)) / Math.max(1, n - 1));
    const v = norm(c.y[j]);
    steps.push(j);
    // pitch ∝ loss on the chart's own scale: two and a half octaves up from 220 Hz
    if (v === null) gain.gain.setValueAtTime(0, t0 + k * dt);
    else {
      gain.gain.setValueAtTime(0.15, t0 + k * dt);
      osc.frequency.setValueAtTime(220 * Math.pow(2, 2.5 * v), t0 + k * dt);
    }
  }
  gain.gain.setValueAtTime(0, t0 + seconds);
  osc.start(t0); osc.stop(t0 + seconds + 0.05);
  state.osc = osc;
  state.playing = true;
  state.play.textContent = state.data.text.stop;
  // the cursor follows the sound, for anyone watching
  state.timers = steps.map((j, k) => setTimeout(() => { state.pi = j; draw(state); }, 50 + k * dt * 1000));
  state.timers.push(setTimeout(() => stopSound(state), 100 + seconds * 1000));
}

function stopSound(state) {
  (state.timers || []).forEach(clearTimeout);
  state.timers = [];
  if (state.osc) { try { state.osc.stop(); } catch (err) { /* already stopped */ } state.osc = null; }
  state.playing = false;
  if (state.play) state.play.textContent = state.data.text.play;
  if (state.svg) draw(state);
}

export default function (component) {
  const { parentElement, data, setStateValue } = component;
  const id = (data && data.id) || "";
  let state = STATES.get(id);
  const first = !state;
  if (first) {
    state = { ci: 0, pi: null, focused: false, playing: false, seen: null };
    STATES.set(id, state);
  }
  state.data = data || { curves: [], text: {} };
  state.setStateValue = setStateValue;
  let fresh = false;
  if (!state.box || !state.box.isConnected || state.root !== parentElement) {
    if (state.box) state.box.remove();
    state.root = parentElement;
    build(parentElement, state);
    fresh = true;
  }
  const T = state.data.text;
  state.plot.setAttribute("aria-label", fill(T.label, { title: state.data.title }));
  state.help.textContent = T.help;
  if (!state.playing) state.play.textContent = T.play;
  const cs = state.data.curves || [];
  if (first && state.data.cursor && cs.length) {
    state.ci = Math.min(state.data.cursor.curve || 0, cs.length - 1);
    state.pi = nearest(cs[state.ci].x, state.data.cursor.x);
  } else if (state.pi !== null && state.x !== undefined && cs.length) {
    state.ci = Math.min(state.ci, cs.length - 1);
    state.pi = nearest(cs[state.ci].x, state.x);  // new points came in: the cursor stays on its step
  }
  draw(state);
  // The run's progress sentences: Python decides when (at most one every 5 s, the result once);
  // a view mounted on them says nothing until the next one.
  const said = state.data.said;
  if (said) {
    if (state.seen === null) state.seen = said.n;
    else if (said.n > state.seen) {
      state.seen = said.n;
      // a live region just put on the page is not yet watched by screen readers: speak a moment later
      if (fresh) setTimeout(() => say(state, said.text), 300); else say(state, said.text);
    }
  }
  return () => stopSound(state);
}
