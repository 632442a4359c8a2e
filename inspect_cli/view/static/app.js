// The log viewer: a list of logs, a log's page, a sample's page. Plain DOM,
// no build step. Data comes from a source: the server's /api (see _server.py),
// polled through /api/events so that new logs and the samples of running
// evals appear by themselves; or, in a static bundle (<body data-bundle>),
// the bundle's data files, loaded as scripts when a page needs them (see
// log/_bundle.py).
"use strict";

const POLL_MS = 1000;
const HEADER_BATCH = 50;
const SAMPLE_ROWS = 500; // sample rows drawn before "show all"
// The list of logs draws the rows in the window and this many above and below
// it; empty rows of the same height stand for the others (laying out a
// thousand rows of a table holds the page for a second). Scrolling draws more.
const LIST_OVERSCAN = 40;
const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];

const state = {
  token: sessionStorage.getItem("inspect-view-token") || "",
  logDir: "",
  files: [],          // the listing, newest first
  headers: new Map(), // log name -> {key, header} (key: size + mtime when read)
  lastEvalTime: 0,
  view: null,         // the page shown: {kind, refresh(changedOnly)}
  summaries: null,    // {rel, list}: the sample summaries of the last log shown (for prev/next)
};

// ---------------------------------------------------------------- API

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(path) {
  const headers = state.token ? { Authorization: state.token } : {};
  const response = await fetch(path, { headers, cache: "no-store" });
  const text = await response.text();
  if (response.status === 401) {
    askForToken();
    throw new ApiError(401, "this viewer needs its authorization token");
  }
  const body = text ? parseJson(text) : null;
  if (!response.ok) throw new ApiError(response.status, (body && body.error) || response.statusText);
  return body;
}

// Logs may hold NaN and Infinity, which JSON.parse rejects: on failure, mark
// those bare literals (outside strings) and turn them back into numbers.
const NON_FINITE = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;
function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch (error) {
    const marked = text.replace(NON_FINITE, (m) => (m[0] === '"' ? m : `"\\u0000${m}"`));
    return JSON.parse(marked, (key, value) =>
      typeof value === "string" && value[0] === "\u0000" ? Number(value.slice(1)) : value);
  }
}

const enc = encodeURIComponent;
const logPath = (rel) => enc(rel);

function relName(name) {
  const prefix = state.logDir.replace(/\/$/, "") + "/";
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

// The live server's data.
const serverSource = {
  live: true,
  listing: () => api("/api/logs"),
  headers: (files) => api("/api/log-headers?" + files.map((f) => "file=" + enc(f.rel)).join("&")),
  header: (rel) => api(`/api/logs/${logPath(rel)}?header-only=0`),
  summaries: (rel) => api(`/api/log-summaries/${logPath(rel)}`),
  sample: (rel, id, epoch) => api(`/api/log-sample/${logPath(rel)}?id=${enc(id)}&epoch=${enc(epoch)}`),
  events: (since) => api("/api/events?" + new URLSearchParams({ last_eval_time: String(since) })),
  downloadButton: (rel) => h("button", { id: "download", class: "download", onclick: () => download(rel) }, "Download JSON"),
};

// A static bundle's data: each file is a script that calls inspectData(path,
// json, error); it is added to the page when first needed (pages opened from
// file:// may run scripts of their folder, but not fetch files).
function bundleSource(base) {
  const loads = new Map(); // path -> promise of its JSON text
  const waiting = new Map(); // path -> {resolve, reject}
  window.inspectData = (path, text, error) => {
    const handlers = waiting.get(path);
    if (!handlers) return;
    waiting.delete(path);
    if (error !== undefined) handlers.reject(new Error(error));
    else handlers.resolve(text);
  };
  function load(path) {
    if (!loads.has(path)) {
      loads.set(path, new Promise((resolve, reject) => {
        waiting.set(path, { resolve, reject });
        const script = h("script", { src: `${base}${path}.js` });
        const done = () => {
          script.remove();
          if (!waiting.delete(path)) return; // the data has arrived
          loads.delete(path);
          reject(new Error(`${path}: missing from the bundle`));
        };
        script.addEventListener("error", done);
        script.addEventListener("load", done);
        document.head.append(script);
      }));
    }
    return loads.get(path).then(parseJson);
  }
  const dataOf = (rel) => {
    const file = state.files.find((f) => f.rel === rel);
    if (!file) throw new Error(`${rel}: not a log in this bundle`);
    return file.data;
  };
  const summaries = async (rel) => load(`${dataOf(rel)}/summaries`);
  return {
    live: false,
    listing: () => load("listing"),
    header: async (rel) => load(`${dataOf(rel)}/header`),
    summaries,
    async sample(rel, id, epoch) {
      const list = await summaries(rel);
      const at = list.findIndex((s) => String(s.id) === String(id) && String(s.epoch) === String(epoch));
      if (at < 0) throw new Error(`sample ${id} (epoch ${epoch}) is not in ${rel}`);
      return load(`${dataOf(rel)}/samples/${at}`);
    },
    downloadButton: (rel) => h("a", { id: "download", class: "download", href: logsBase + rel.split("/").map(enc).join("/"), download: "" }, "Download log"),
  };
}

const bundleBase = document.body.dataset.bundle;
const logsBase = document.body.dataset.logs ?? "logs/"; // "": a viewer embedded in the log dir
const source = bundleBase === undefined ? serverSource : bundleSource(bundleBase);

async function loadListing() {
  const started = Date.now();
  const listing = await source.listing();
  state.lastEvalTime = started;
  state.logDir = listing.log_dir;
  state.files = listing.files.map((f) => ({ ...f, rel: f.rel || relName(f.name), key: `${f.size}:${f.mtime}` }));
  // A bundle's listing carries each log's header (what the list shows of it).
  for (const f of state.files) if (f.header) state.headers.set(f.name, { key: f.key, header: f.header });
  document.getElementById("log-dir").textContent = state.logDir;
  const live = new Set(state.files.map((f) => f.name));
  for (const name of [...state.headers.keys()]) if (!live.has(name)) state.headers.delete(name);
}

// Headers of listed logs not read yet (or changed since), in batches.
async function loadHeaders(onBatch) {
  const stale = state.files.filter((f) => (state.headers.get(f.name) || {}).key !== f.key);
  for (let i = 0; i < stale.length; i += HEADER_BATCH) {
    const batch = stale.slice(i, i + HEADER_BATCH);
    const headers = await source.headers(batch);
    batch.forEach((f, j) => state.headers.set(f.name, { key: f.key, header: headers[j] }));
    if (onBatch) onBatch();
  }
  return stale.length;
}

// ---------------------------------------------------------------- DOM helpers

function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  for (const child of children.flat()) if (child != null) node.append(child instanceof Node ? child : String(child));
  return node;
}

function fmtNumber(value) {
  if (typeof value !== "number") return value === undefined || value === null ? "" : String(value);
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  return Math.abs(value) >= 1000 ? value.toFixed(0) : value.toPrecision(3).replace(/\.?0+$/, "");
}

function fmtValue(value) {
  if (typeof value === "number") return fmtNumber(value);
  if (value === undefined || value === null) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

// toLocaleString()'s format, with one formatter for all (each call of
// toLocaleString builds its own, which costs more than the rest of a row).
const DATE_TIME = new Intl.DateTimeFormat(undefined, {
  year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
});
const fmtDate = (date) => DATE_TIME.format(date);

function fmtTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : fmtDate(date);
}

function fmtDuration(start, end) {
  if (!start || !end) return "";
  const seconds = (new Date(end) - new Date(start)) / 1000;
  if (!Number.isFinite(seconds)) return "";
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${Math.round(seconds % 60)} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

// Text of a message's content: a string, or a list of content parts.
function contentText(content) {
  if (content === undefined || content === null) return "";
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return fmtValue(content);
  return content.map((part) => {
    if (typeof part === "string") return part;
    if (part.type === "text") return part.text;
    if (part.type === "reasoning") return `[reasoning] ${part.reasoning || part.summary || ""}`;
    if (part.type === "image") return "[image]";
    return `[${part.type}]`;
  }).join("\n");
}

function inputText(input) {
  if (typeof input === "string") return input;
  if (Array.isArray(input)) return input.map((m) => contentText(m.content)).join("\n");
  return fmtValue(input);
}

function targetText(target) {
  return Array.isArray(target) ? target.join(", ") : fmtValue(target);
}

const clip = (text, n = 160) => (text.length > n ? text.slice(0, n - 1) + "…" : text);
const statusBadge = (status) => h("span", { class: `badge status-${status}` }, status || "?");

function kv(pairs) {
  return h("dl", { class: "kv" }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== "")
    .map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

function jsonBlock(value) {
  return h("pre", {}, JSON.stringify(value, (k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v), 2));
}

function notice(message) {
  const box = document.getElementById("notice");
  box.hidden = !message;
  box.textContent = message || "";
}

function askForToken() {
  const form = document.getElementById("token-form");
  form.hidden = false;
  form.onsubmit = (event) => {
    event.preventDefault();
    state.token = document.getElementById("token-input").value.trim();
    sessionStorage.setItem("inspect-view-token", state.token);
    form.hidden = true;
    route();
  };
}

// ---------------------------------------------------------------- summaries of a header

function headline(header) {
  const score = header && header.results && header.results.scores && header.results.scores[0];
  if (!score || !score.metrics) return null;
  const [name, metric] = Object.entries(score.metrics)[0] || [];
  return metric ? { scorer: score.name, metric: name, value: metric.value } : null;
}

function sampleCounts(header) {
  const results = header && header.results;
  const total = results ? results.total_samples : header && header.eval && header.eval.dataset && header.eval.dataset.samples;
  const done = results ? results.completed_samples : undefined;
  if (total === undefined || total === null) return "";
  return done === undefined || done === null || done === total ? String(total) : `${done} / ${total}`;
}

// ---------------------------------------------------------------- the list of logs

function listPage(params) {
  const filters = {
    status: params.get("status") || "",
    task: params.get("task") || "",
    text: params.get("q") || "",
    sort: params.get("sort") || "-created", // a column's id; "-" first: descending
  };
  const statusSelect = h("select", { id: "status-filter" },
    ["", "success", "started", "error", "cancelled"].map((s) => h("option", { value: s }, s || "any")));
  statusSelect.value = filters.status;
  const taskSelect = h("select", { id: "task-filter" }, h("option", { value: "" }, "any"));
  const search = h("input", { type: "search", id: "text-filter", placeholder: "task, model or file", value: filters.text });
  const count = h("span", { class: "muted", id: "log-count" });
  const chart = h("div", { class: "chart", id: "metric-chart" });
  const body = h("tbody");
  const headRow = h("tr");
  const table = h("table", { id: "log-list" }, h("thead", {}, headRow), body);
  const drawHead = () => headRow.replaceChildren(...LIST_COLUMNS.map((column) => {
    const sorted = filters.sort.replace(/^-/, "") === column.id;
    const arrow = sorted ? (filters.sort.startsWith("-") ? " ▼" : " ▲") : "";
    return h("th", { class: "sortable", dataset: { column: column.id }, title: "Sort by " + column.label.toLowerCase(),
      onclick: () => {
        filters.sort = sorted ? (filters.sort.startsWith("-") ? column.id : "-" + column.id) : (column.descending ? "-" : "") + column.id;
        keepInHash();
        draw({ chart: false }); // the order of the rows does not change the chart
      } }, column.label + arrow);
  }));

  const keepInHash = () => {
    const query = new URLSearchParams();
    if (filters.status) query.set("status", filters.status);
    if (filters.task) query.set("task", filters.task);
    if (filters.text) query.set("q", filters.text);
    if (filters.sort !== "-created") query.set("sort", filters.sort);
    const hash = "#/" + (query.toString() ? "?" + query : "");
    if (location.hash !== hash) history.replaceState(null, "", hash);
  };
  statusSelect.addEventListener("change", () => { filters.status = statusSelect.value; keepInHash(); draw(); });
  taskSelect.addEventListener("change", () => { filters.task = taskSelect.value; keepInHash(); draw(); });
  search.addEventListener("input", () => { filters.text = search.value.trim().toLowerCase(); keepInHash(); draw(); });

  const app = document.getElementById("app");
  app.replaceChildren(
    h("h1", {}, "Logs"),
    chart,
    h("div", { class: "toolbar" },
      h("label", {}, "Status ", statusSelect), h("label", {}, "Task ", taskSelect), search, count),
    table);

  function rowsShown() {
    return sortFiles(state.files, filters.sort).filter((file) => {
      const header = (state.headers.get(file.name) || {}).header;
      const task = (header && header.eval && header.eval.task) || file.task;
      if (filters.status && (!header || header.status !== filters.status)) return false;
      if (filters.task && task !== filters.task) return false;
      if (filters.text) {
        const haystack = [task, header && header.eval && header.eval.model, file.rel].join(" ").toLowerCase();
        if (!haystack.includes(filters.text.toLowerCase())) return false;
      }
      return true;
    });
  }

  let shown = [];      // the rows, filtered and sorted
  let rowHeight = 0;   // of a drawn row (all have one line: see style.css)
  let drawn = [0, 0];  // the range of `shown` drawn

  // Draw the rows around the window (all of them, if there are few).
  function drawWindow(force) {
    const total = shown.length;
    let first = 0, count = 2 * LIST_OVERSCAN;
    if (rowHeight) {
      first = Math.max(0, Math.floor(-body.getBoundingClientRect().top / rowHeight));
      count = Math.ceil(window.innerHeight / rowHeight);
    }
    if (!force && first >= drawn[0] && Math.min(total, first + count) <= drawn[1]) return;
    const start = Math.max(0, Math.min(first, total - count) - LIST_OVERSCAN);
    const end = Math.min(total, first + count + LIST_OVERSCAN);
    const spacer = (rows) => (rows > 0 ? h("tr", { class: "spacer" }, h("td", { colspan: 7, style: `height:${rows * rowHeight}px` })) : null);
    body.replaceChildren(...[spacer(start), ...shown.slice(start, end).map(logRow)].filter(Boolean));
    if (!rowHeight && body.rows.length) rowHeight = body.rows[0].getBoundingClientRect().height;
    const below = spacer(total - end);
    if (below) body.append(below);
    drawn = [start, end];
  }

  function draw({ chart: withChart = true } = {}) {
    const tasks = [...new Set(state.files.map((f) => {
      const header = (state.headers.get(f.name) || {}).header;
      return (header && header.eval && header.eval.task) || f.task;
    }).filter(Boolean))].sort();
    // A task chosen before its logs are read (from the address) stays chosen.
    if (filters.task && !tasks.includes(filters.task)) tasks.push(filters.task);
    taskSelect.replaceChildren(h("option", { value: "" }, "any"), ...tasks.map((t) => h("option", { value: t }, t)));
    taskSelect.value = filters.task;

    drawHead();
    shown = rowsShown();
    count.textContent = `${shown.length} of ${state.files.length} logs`;
    drawWindow(true);
    if (!state.files.length) body.append(h("tr", {}, h("td", { colspan: 7, class: "muted" }, `No logs in ${state.logDir} yet.`)));
    if (withChart) chart.replaceChildren(...metricChart(shown));
  }

  return {
    kind: "list",
    scrolled: () => drawWindow(false),
    async refresh() {
      await loadListing();
      draw();
      await loadHeaders(draw); // each batch redraws (a bundle's listing has every header: none)
    },
  };
}

// The list's columns and what each sorts by (from the header, once read).
const LIST_COLUMNS = [
  { id: "task", label: "Task", key: (file, header) => (header && header.eval && header.eval.task) || file.task },
  { id: "model", label: "Model", key: (file, header) => header && header.eval && header.eval.model },
  { id: "status", label: "Status", key: (file, header) => header && (header.status || "unreadable") },
  { id: "created", label: "Created", descending: true, key: (file, header) => {
    // The file's time until the header is read.
    const created = header && header.eval && Date.parse(header.eval.created);
    return Number.isFinite(created) ? created : file.mtime || 0;
  } },
  { id: "samples", label: "Samples", descending: true, key: (file, header) => {
    const results = header && header.results;
    return results ? results.completed_samples : header && header.eval && header.eval.dataset && header.eval.dataset.samples;
  } },
  { id: "metric", label: "Headline metric", descending: true, key: (file, header) => {
    const best = headline(header);
    return best && typeof best.value === "number" && !Number.isNaN(best.value) ? best.value : undefined;
  } },
  { id: "file", label: "File", key: (file) => file.rel },
];

// Sorted by a column (`-id`: descending); logs without a value for it go last.
function sortFiles(files, sort) {
  const descending = sort.startsWith("-");
  const column = LIST_COLUMNS.find((c) => c.id === sort.replace(/^-/, "")) || LIST_COLUMNS[3];
  const keyed = files.map((file) => ({ file, key: column.key(file, (state.headers.get(file.name) || {}).header) }));
  const missing = (key) => key === undefined || key === null || key === "";
  keyed.sort((a, b) => {
    if (missing(a.key) || missing(b.key)) return missing(a.key) - missing(b.key);
    const order = typeof a.key === "number" && typeof b.key === "number" ? a.key - b.key : String(a.key).localeCompare(String(b.key));
    return descending ? -order : order;
  });
  return keyed.map((entry) => entry.file);
}

function logRow(file) {
  const entry = state.headers.get(file.name);
  const header = entry && entry.header;
  const href = "#/log/" + logPath(file.rel);
  const open = () => { location.hash = href; };
  if (header && header.read_error) {
    return h("tr", { class: "link", dataset: { log: file.rel }, onclick: open },
      h("td", {}, file.task || "?"), h("td", {}), h("td", {}, h("span", { class: "badge status-error", title: header.read_error }, "unreadable")),
      h("td", {}), h("td", {}), h("td", { class: "muted clip", title: header.read_error }, header.read_error), h("td", { class: "mono" }, file.rel));
  }
  const best = headline(header);
  return h("tr", { class: "link", dataset: { log: file.rel, status: header ? header.status : "" }, onclick: open },
    h("td", {}, h("a", { href }, (header && header.eval.task) || file.task)),
    h("td", {}, header ? header.eval.model : ""),
    h("td", {}, header ? statusBadge(header.status) : h("span", { class: "muted" }, "…")),
    h("td", {}, header ? fmtTime(header.eval.created) : ""),
    h("td", { class: "num" }, sampleCounts(header)),
    h("td", { class: "headline" }, best ? [h("span", { class: "muted" }, `${best.scorer}/${best.metric} `), fmtNumber(best.value)] : ""),
    h("td", { class: "mono muted clip", title: file.rel }, file.rel));
}

// Headline metric of each shown log over time, one colour per task.
function metricChart(files) {
  const points = [];
  for (const file of files) {
    const header = (state.headers.get(file.name) || {}).header;
    const best = headline(header);
    const time = header && header.eval && new Date(header.eval.created).getTime();
    if (best && typeof best.value === "number" && Number.isFinite(best.value) && Number.isFinite(time)) {
      points.push({ time, value: best.value, task: header.eval.task, label: `${header.eval.task} · ${header.eval.model} · ${best.scorer}/${best.metric} = ${fmtNumber(best.value)} · ${fmtTime(header.eval.created)}`, rel: file.rel });
    }
  }
  if (!points.length) return [];
  const width = 760, height = 170, left = 44, right = 12, top = 10, bottom = 26;
  const times = points.map((p) => p.time), values = points.map((p) => p.value);
  let [t0, t1] = [Math.min(...times), Math.max(...times)];
  let [v0, v1] = [Math.min(0, ...values), Math.max(...values)];
  if (t0 === t1) { t0 -= 60000; t1 += 60000; }
  if (v0 === v1) v1 = v0 + 1;
  const x = (t) => left + ((t - t0) / (t1 - t0)) * (width - left - right);
  const y = (v) => top + (1 - (v - v0) / (v1 - v0)) * (height - top - bottom);
  const tasks = [...new Set(points.map((p) => p.task))];
  const colour = (task) => PALETTE[tasks.indexOf(task) % PALETTE.length];
  const plot = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": "Headline metric by log over time" },
    svg("line", { class: "axis", x1: left, y1: y(v0), x2: width - right, y2: y(v0) }),
    svg("line", { class: "axis", x1: left, y1: top, x2: left, y2: height - bottom }),
    svg("text", { x: left - 6, y: y(v1) + 4, "text-anchor": "end" }, fmtNumber(v1)),
    svg("text", { x: left - 6, y: y(v0) + 4, "text-anchor": "end" }, fmtNumber(v0)),
    svg("text", { x: left, y: height - 8 }, fmtDate(new Date(t0))),
    svg("text", { x: width - right, y: height - 8, "text-anchor": "end" }, fmtDate(new Date(t1))),
    ...points.map((p) => {
      const dot = svg("circle", { cx: x(p.time), cy: y(p.value), r: 5, fill: colour(p.task), class: "point", "data-log": p.rel, style: "cursor:pointer" },
        svg("title", {}, p.label));
      dot.addEventListener("click", () => { location.hash = "#/log/" + logPath(p.rel); });
      return dot;
    }));
  const legend = h("div", { class: "legend" }, tasks.map((task) => h("span", {}, h("span", { class: "swatch", style: `background:${colour(task)}` }), task)));
  return [h("div", { class: "muted" }, "Headline metric by log over time"), plot, legend];
}

// ---------------------------------------------------------------- one log

function logPage(rel) {
  const file = () => state.files.find((f) => f.rel === rel);
  let shownKey = null;
  let summaries = [];
  let rowLimit = SAMPLE_ROWS;
  const filters = { text: "" };
  const app = document.getElementById("app");
  const top = h("div", { id: "log-view" });
  const samplesBody = h("tbody");
  const samplesCount = h("span", { class: "muted", id: "sample-count" });
  const distribution = h("div", { class: "chart", id: "score-chart" });
  const search = h("input", { type: "search", id: "sample-filter", placeholder: "id, input, target or answer" });
  search.addEventListener("input", () => { filters.text = search.value.trim().toLowerCase(); drawSamples(); });
  const samplesSection = h("section", { id: "samples" },
    h("h2", {}, "Samples ", samplesCount),
    distribution,
    h("div", { class: "toolbar" }, search),
    h("table", {},
      h("thead", {}, h("tr", {}, ["Id", "Epoch", "Input", "Target", "Answer", "Score", "Error"].map((c) => h("th", {}, c)))),
      samplesBody));
  app.replaceChildren(h("div", { class: "nav" }, h("a", { href: "#/" }, "← all logs")), top, samplesSection);

  function drawSamples() {
    const shown = summaries.filter((s) => {
      if (!filters.text) return true;
      const first = firstScore(s);
      return [s.id, inputText(s.input), targetText(s.target), first && first.answer].join(" ").toLowerCase().includes(filters.text);
    });
    samplesCount.textContent = `(${shown.length} of ${summaries.length})`;
    // Thousands of rows make the page slow to draw: the first ones, and a button for the rest.
    const more = shown.length > rowLimit
      ? h("tr", {}, h("td", { colspan: 7 }, h("button", { id: "more-samples", onclick: () => { rowLimit = Infinity; drawSamples(); } },
        `show all ${shown.length} samples`)))
      : null;
    samplesBody.replaceChildren(...shown.slice(0, rowLimit).map((s) => {
      const first = firstScore(s);
      const href = `#/log/${logPath(rel)}/sample/${enc(String(s.id))}/${s.epoch}`;
      const error = typeof s.error === "string" ? s.error : s.error && s.error.message;
      return h("tr", { class: "link", dataset: { sampleId: String(s.id), epoch: String(s.epoch) }, onclick: () => { location.hash = href; } },
        h("td", {}, h("a", { href }, String(s.id))),
        h("td", { class: "num" }, s.epoch),
        h("td", { class: "clip", title: clip(inputText(s.input), 2000) }, clip(inputText(s.input))),
        h("td", { class: "clip" }, clip(targetText(s.target), 80)),
        h("td", { class: "clip" }, first ? clip(fmtValue(first.answer), 80) : ""),
        h("td", { class: "score" }, first ? fmtValue(first.value) : ""),
        h("td", { class: "clip status-error", title: error || "" }, error ? clip(error, 80) : ""));
    }));
    if (more) samplesBody.append(more);
    distribution.replaceChildren(...scoreChart(summaries));
  }

  return {
    kind: "log",
    async refresh() {
      await loadListing();
      const entry = file();
      if (shownKey !== null && entry && entry.key === shownKey) return; // unchanged
      const header = await source.header(rel);
      summaries = await source.summaries(rel);
      state.summaries = { rel, list: summaries };
      shownKey = entry ? entry.key : null;
      top.replaceChildren(...logHeader(header, rel));
      drawSamples();
    },
  };
}

function firstScore(summary) {
  const scores = summary && summary.scores;
  if (!scores) return null;
  const first = Object.values(scores)[0];
  return first || null;
}

function logHeader(header, rel) {
  const spec = header.eval || {};
  const plan = header.plan || {};
  const stats = header.stats || {};
  const parts = [
    h("h1", {}, spec.task || rel, " ", statusBadge(header.status),
      source.downloadButton(rel)),
    kv([["Model", spec.model], ["Created", fmtTime(spec.created)], ["Log", h("span", { class: "mono" }, rel)],
      ["Duration", fmtDuration(stats.started_at, stats.completed_at)], ["Samples", sampleCounts(header)]]),
  ];
  if (header.error) {
    parts.push(h("h2", {}, "Error"), h("div", { class: "error-box", id: "log-error" },
      h("div", { class: "message" }, header.error.message),
      header.error.traceback ? h("pre", {}, header.error.traceback) : null));
  }
  const scores = (header.results && header.results.scores) || [];
  if (scores.length) {
    parts.push(h("h2", {}, "Results"), h("div", { class: "cards", id: "results" },
      scores.flatMap((score) => Object.entries(score.metrics || {}).map(([name, metric]) =>
        h("div", { class: "card" }, h("div", { class: "value" }, fmtNumber(metric.value)),
          h("div", { class: "label" }, `${score.name} · ${name}${score.reducer ? ` (${score.reducer})` : ""}`))))));
  }
  const usage = Object.entries(stats.model_usage || {});
  parts.push(h("h2", {}, "Stats"),
    kv([["Started", fmtTime(stats.started_at)], ["Completed", fmtTime(stats.completed_at)]]));
  if (usage.length) {
    const columns = ["input_tokens", "output_tokens", "total_tokens", "input_tokens_cache_read", "input_tokens_cache_write", "reasoning_tokens"];
    parts.push(h("table", { id: "usage" },
      h("thead", {}, h("tr", {}, h("th", {}, "Model"), columns.map((c) => h("th", {}, c.replace(/_/g, " "))))),
      h("tbody", {}, usage.map(([model, u]) => h("tr", {}, h("td", {}, model), columns.map((c) => h("td", { class: "num" }, fmtNumber(u[c]))))))));
  }
  const config = { ...(spec.config || {}), ...(plan.config || {}) };
  parts.push(h("h2", {}, "Eval"), kv([
    ["Task", spec.task], ["Task file", spec.task_file], ["Task version", spec.task_version],
    ["Task args", Object.keys(spec.task_args || {}).length ? jsonBlock(spec.task_args) : null],
    ["Model", spec.model], ["Model base URL", spec.model_base_url],
    ["Model args", Object.keys(spec.model_args || {}).length ? jsonBlock(spec.model_args) : null],
    ["Dataset", spec.dataset ? `${spec.dataset.name || ""} (${spec.dataset.samples ?? "?"} samples)` : null],
    ["Solvers", (plan.steps || []).map((s) => s.solver).join(" → ")],
    ["Config", Object.keys(config).length ? jsonBlock(config) : null],
    ["Run", spec.run_id], ["Task id", spec.task_id],
    ["Tags", (spec.tags || []).join(", ")],
    ["Revision", spec.revision ? `${spec.revision.origin || ""} ${spec.revision.commit || ""}` : null],
    ["Packages", spec.packages ? Object.entries(spec.packages).map(([k, v]) => `${k} ${v}`).join(", ") : null],
  ]));
  return parts;
}

// The whole log as a JSON file (fetched with the token, if any, then saved).
async function download(rel) {
  const headers = state.token ? { Authorization: state.token } : {};
  const response = await fetch(`/api/logs/${logPath(rel)}`, { headers });
  if (!response.ok) return notice(`download failed: ${response.status} ${response.statusText}`);
  const url = URL.createObjectURL(await response.blob());
  const link = h("a", { href: url, download: rel.split("/").pop().replace(/\.eval$/, ".json") });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// Distribution of the first scorer's values over the samples: a bar per value
// (or per bin, for many distinct numbers).
function scoreChart(summaries) {
  const values = summaries.map((s) => firstScore(s)).filter(Boolean).map((score) => score.value);
  if (!values.length) return [];
  const numeric = values.every((v) => typeof v === "number" && Number.isFinite(v));
  let bars;
  const distinct = [...new Set(values.map(fmtValue))];
  if (!numeric || distinct.length <= 12) {
    const counts = new Map();
    for (const v of values) counts.set(fmtValue(v), (counts.get(fmtValue(v)) || 0) + 1);
    bars = [...counts.entries()].sort((a, b) => (numeric ? Number(a[0]) - Number(b[0]) : a[0].localeCompare(b[0])))
      .map(([label, n]) => ({ label, n }));
  } else {
    const [lo, hi] = [Math.min(...values), Math.max(...values)];
    const bins = 10, size = (hi - lo) / bins;
    bars = Array.from({ length: bins }, (_, i) => ({ label: fmtNumber(lo + i * size), n: 0 }));
    for (const v of values) bars[Math.min(bins - 1, Math.floor((v - lo) / size))].n += 1;
  }
  const width = Math.max(240, bars.length * 56), height = 130, bottom = 22, top = 14;
  const most = Math.max(...bars.map((b) => b.n));
  const slot = width / bars.length;
  const plot = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": "Score distribution" },
    ...bars.flatMap((bar, i) => {
      const barHeight = ((height - top - bottom) * bar.n) / most;
      return [
        svg("rect", { x: i * slot + 6, y: height - bottom - barHeight, width: slot - 12, height: barHeight, fill: "#1f4e79", class: "bar" },
          svg("title", {}, `${bar.label}: ${bar.n}`)),
        svg("text", { x: i * slot + slot / 2, y: height - 6, "text-anchor": "middle" }, clip(bar.label, 10)),
        svg("text", { x: i * slot + slot / 2, y: height - bottom - barHeight - 3, "text-anchor": "middle" }, bar.n),
      ];
    }));
  const scorer = Object.keys(summaries.find((s) => s.scores) ? summaries.find((s) => s.scores).scores : {})[0] || "";
  return [h("div", { class: "muted" }, `Score distribution (${scorer})`), plot];
}

// ---------------------------------------------------------------- one sample

function samplePage(rel, id, epoch) {
  const app = document.getElementById("app");
  return {
    kind: "sample",
    async refresh(changedOnly) {
      if (changedOnly) return; // a finished sample does not change
      await loadListing();
      const sample = await source.sample(rel, id, epoch);
      app.replaceChildren(
        h("div", { class: "nav" }, h("a", { href: "#/log/" + logPath(rel) }, "← log"), h("a", { href: "#/" }, "all logs"),
          ...neighbours(rel, sample)),
        ...sampleView(sample));
    },
  };
}

// Links to the previous and next samples, when the log's summaries are at hand.
function neighbours(rel, sample) {
  if (!state.summaries || state.summaries.rel !== rel) return [];
  const list = state.summaries.list;
  const at = list.findIndex((s) => String(s.id) === String(sample.id) && s.epoch === sample.epoch);
  const link = (s, text, id) => h("a", { href: `#/log/${logPath(rel)}/sample/${enc(String(s.id))}/${s.epoch}`, id }, text);
  return [at > 0 ? link(list[at - 1], "← previous sample", "previous-sample") : null,
    at >= 0 && at < list.length - 1 ? link(list[at + 1], "next sample →", "next-sample") : null];
}

function sampleView(sample) {
  const parts = [h("h1", { id: "sample-title" }, `Sample ${sample.id}`, h("span", { class: "muted" }, ` · epoch ${sample.epoch}`))];
  parts.push(kv([["Target", targetText(sample.target)], ["Total time", sample.total_time != null ? `${fmtNumber(sample.total_time)} s` : null],
    ["Choices", sample.choices && sample.choices.length ? sample.choices.join(" | ") : null]]));
  if (sample.error) {
    parts.push(h("h2", {}, "Error"), h("div", { class: "error-box" },
      h("div", { class: "message" }, sample.error.message), sample.error.traceback ? h("pre", {}, sample.error.traceback) : null));
  }
  const scores = Object.entries(sample.scores || {});
  if (scores.length) {
    parts.push(h("h2", {}, "Scores"), h("table", { id: "sample-scores" },
      h("thead", {}, h("tr", {}, ["Scorer", "Value", "Answer", "Explanation"].map((c) => h("th", {}, c)))),
      h("tbody", {}, scores.map(([name, score]) => h("tr", {},
        h("td", {}, name), h("td", {}, fmtValue(score.value)), h("td", {}, fmtValue(score.answer)),
        h("td", { class: "text" }, fmtValue(score.explanation)))))));
  }
  const messages = sample.messages && sample.messages.length ? sample.messages
    : typeof sample.input === "string" ? [{ role: "user", content: sample.input }] : sample.input || [];
  parts.push(h("h2", {}, "Messages"), h("div", { id: "transcript" }, messages.map(messageView)));
  if (sample.output && sample.output.model) {
    parts.push(h("h2", {}, "Output"), kv([["Model", sample.output.model],
      ["Stop reason", sample.output.choices && sample.output.choices[0] && sample.output.choices[0].stop_reason],
      ["Usage", sample.output.usage ? `${fmtNumber(sample.output.usage.input_tokens)} in, ${fmtNumber(sample.output.usage.output_tokens)} out` : null]]));
  }
  if (sample.metadata && Object.keys(sample.metadata).length) parts.push(h("h2", {}, "Metadata"), jsonBlock(sample.metadata));
  if (sample.events && sample.events.length) parts.push(h("h2", {}, "Events"), eventsView(sample.events));
  return parts;
}

// The sample's events as a timeline: seconds since the first, nested by span.
function eventsView(events) {
  const start = Date.parse(events[0].timestamp);
  let depth = 0;
  const rows = [];
  for (const event of events) {
    if (event.event === "span_end") { depth = Math.max(0, depth - 1); continue; }
    const at = (Date.parse(event.timestamp) - start) / 1000;
    rows.push(h("tr", { dataset: { event: event.event } },
      h("td", { class: "num" }, Number.isFinite(at) ? at.toFixed(3) : ""),
      h("td", { style: `padding-left:${0.6 + depth * 1.2}rem` }, event.event === "span_begin" ? `▸ ${event.type || "span"}` : event.event),
      h("td", { class: "clip" }, clip(eventSummary(event), 200))));
    if (event.event === "span_begin") depth += 1;
  }
  return h("table", { id: "events" },
    h("thead", {}, h("tr", {}, ["Seconds", "Event", "Detail"].map((c) => h("th", {}, c)))),
    h("tbody", {}, rows));
}

function eventSummary(event) {
  switch (event.event) {
    case "span_begin": return event.name || "";
    case "model": {
      const choice = event.output && event.output.choices && event.output.choices[0];
      return `${event.model || ""}: ${choice ? contentText(choice.message.content) : ""}`;
    }
    case "score": return `${event.scorer || ""} ${fmtValue(event.score && event.score.value)}`;
    case "state": case "store": return `${(event.changes || []).length} changes`;
    case "tool": return `${event.function || ""}(${JSON.stringify(event.arguments || {})})`;
    case "error": return (event.error && event.error.message) || "";
    case "info": return fmtValue(event.data);
    case "logger": return (event.message && event.message.message) || "";
    default: return "";
  }
}

// A message's content: text, and images that the log embeds (data: URLs only;
// an image elsewhere is shown as its address, never fetched).
function contentNodes(content) {
  const parts = Array.isArray(content) ? content : [{ type: "text", text: contentText(content) }];
  return parts.map((part) => {
    if (part.type === "image" && typeof part.image === "string" && /^data:image\/(png|jpeg|gif|webp);/.test(part.image)) {
      return h("img", { class: "content-image", src: part.image, alt: "image" });
    }
    if (part.type === "image") return h("div", { class: "text muted" }, `[image ${clip(String(part.image || ""), 80)}]`);
    return h("div", { class: "text" }, typeof part === "string" ? part : contentText([part]));
  });
}

function messageView(message) {
  const calls = (message.tool_calls || []).map((call) =>
    h("pre", { class: "tool-call" }, `${call.function}(${JSON.stringify(call.arguments || {})})`));
  return h("div", { class: `message role-${message.role}` },
    h("div", { class: "role" }, message.role, message.role === "tool" && message.function ? ` · ${message.function}` : ""),
    contentNodes(message.content),
    calls,
    message.error ? h("div", { class: "status-error" }, fmtValue(message.error.message || message.error)) : null);
}

// ---------------------------------------------------------------- routing and live updates

async function show(view) {
  state.view = view;
  try {
    notice("");
    await view.refresh(false);
  } catch (error) {
    if (state.view === view && error.status !== 401) notice(error.message);
  }
}

function route() {
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, query] = hash.split("?");
  const parts = path.split("/").filter(Boolean);
  if (parts[0] === "log" && parts.length >= 2) {
    const rel = decodeURIComponent(parts[1]);
    if (parts[2] === "sample" && parts.length >= 5) {
      return show(samplePage(rel, decodeURIComponent(parts[3]), decodeURIComponent(parts[4])));
    }
    return show(logPage(rel));
  }
  return show(listPage(new URLSearchParams(query || "")));
}

let polling = false;
async function poll() {
  if (polling || !state.view || document.hidden) return; // a background tab catches up when shown
  polling = true;
  const live = document.getElementById("live");
  try {
    const events = await source.events(state.lastEvalTime);
    live.classList.remove("offline");
    if (events.includes("refresh-evals")) {
      const view = state.view;
      await view.refresh(true);
    }
  } catch (error) {
    live.classList.add("offline");
  } finally {
    polling = false;
  }
}

// The list of logs draws the rows that come into view.
let scrolling = false;
const scrolled = () => {
  if (scrolling) return;
  scrolling = true;
  requestAnimationFrame(() => {
    scrolling = false;
    if (state.view && state.view.scrolled) state.view.scrolled();
  });
};
window.addEventListener("scroll", scrolled, { passive: true });
window.addEventListener("resize", scrolled);

// Filters rewrite the hash with history.replaceState, which fires no hashchange.
window.addEventListener("hashchange", route);
route();
if (source.live) {
  document.addEventListener("visibilitychange", poll);
  setInterval(poll, POLL_MS);
} else {
  document.getElementById("live").hidden = true; // a bundle is a snapshot
}
