// Linkback's moderation dashboard: only the admin API, the token only in sessionStorage, every
// remote value inserted as text (the page runs under a Content-Security-Policy without inline script).

const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem("linkback-admin-token") || "";
let shown = [];

async function api(path, options = {}) {
  const response = await fetch(`admin/api/${path}`, {
    ...options,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...(options.headers || {}) },
  });
  const text = await response.text();
  const body = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = new Error(body?.error_description || `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

function cell(...children) {
  const td = document.createElement("td");
  td.append(...children);
  return td;
}

// A small label beside a mention's status, explained on hover.
function tag(text, title) {
  const span = document.createElement("span");
  span.className = "tag";
  span.textContent = text;
  span.title = title;
  return span;
}

function button(label, action) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.addEventListener("click", action);
  return b;
}

function say(text, isError = false) {
  $("message").textContent = text;
  $("message").className = isError ? "error" : "muted";
}

const allowedFrom = {
  approve: ["pending", "rejected", "spam"], reject: ["queued", "pending", "approved"],
  spam: ["queued", "pending", "approved", "rejected", "deleted"], delete: ["queued", "pending", "approved", "rejected", "spam"],
  restore: ["rejected", "spam", "deleted"],
};

async function moderate(id, action) {
  try {
    const mention = await api(`mentions/${id}/${action}`, { method: "POST", body: "{}" });
    say(`${id}: now ${mention.status}`);
    await refresh();
  } catch (error) {
    say(`${id}: ${error.message}`, true);
  }
}

async function block(source, host) {
  try {
    // Says first what it will hit: the host's stored mentions become spam, new ones are refused.
    const domain = host.replace(/:\d+$/, "");
    const stored = await api(`mentions?${new URLSearchParams({ status: "all", "source-domain": domain, limit: "1000" })}`).catch(() => null);
    const hit = stored ? stored.filter((m) => m.status !== "spam").length : null;
    const what = hit === null ? " and its stored mentions marked as spam."
      : hit ? ` and its ${hit} stored mention${hit === 1 ? "" : "s"} marked as spam.` : ".";
    if (!confirm(`Block ${domain}? New mentions from it will be refused${what}`)) return;
    // The server blocks the source as marking it spam would: its domain, or for an address its
    // site's URL prefix (never the clients at that address).
    const result = await api("blocks", { method: "POST", body: JSON.stringify({ source, reason: "dashboard" }) });
    say(`blocked ${result.kind} ${result.value}; ${result.marked_spam ?? 0} marked as spam`);
    await refresh();
  } catch (error) {
    say(`${host}: ${error.message}`, true);
  }
}

// The right to erasure: the author's URL when the mention has one, else the source's host.
// Asks the server what would go first (a dry run), and says it.
async function forget(mention, host) {
  const subject = mention.content?.author_url || host.replace(/:\d+$/, "");
  try {
    const planned = await api("forget", { method: "POST", body: JSON.stringify({ subject, dry_run: true }) });
    const count = planned.ids.length;
    if (!confirm(`Forget ${subject}? ${count} mention${count === 1 ? "" : "s"} will be erased (only a stub stays), `
      + "its name will leave the database, and new mentions from it will be refused.")) return;
    const result = await api("forget", { method: "POST", body: JSON.stringify({ subject }) });
    say(`forgot ${subject}: ${result.ids.length} erased`);
    await refresh();
  } catch (error) {
    say(`${subject}: ${error.message}`, true);
  }
}

// What the content signals found, in words (docs/moderating.md#copies-and-farms).
const signalTags = {
  "copy-of-target": ["copy of the post", "The source mostly reproduces the post it links to: a scraper's copy, held for you"],
  "copy-cluster": ["farm text", "The same text came from several domains within the window: held for you"],
  "spam-score": ["spam score", "The spam score learnt from your decisions reached spam.score.hold_at (or spam_at)"],
};

// Marks a mention's whole copy cluster as spam, after saying how many it is.
async function spamCluster(id) {
  try {
    const members = await api(`mentions/${id}/cluster`);
    const hosts = new Set(members.map((m) => { try { return new URL(m.source).host; } catch { return m.source; } }));
    if (!confirm(`Mark ${members.length} mentions from ${hosts.size} hosts as spam and block those hosts?`)) return;
    const result = await api("mentions/bulk", { method: "POST", body: JSON.stringify({ action: "spam", ids: members.map((m) => m.id) }) });
    say(`${result.changed.length} marked as spam` + (result.refused.length ? `, ${result.refused.length} refused` : ""));
    await refresh();
  } catch (error) {
    say(`${id}: ${error.message}`, true);
  }
}

async function history(id, row) {
  const mention = await api(`mentions/${id}`);
  const list = document.createElement("ol");
  list.className = "history";
  for (const event of mention.events || []) {
    const item = document.createElement("li");
    item.textContent = `${event.at} ${event.actor}: ${event.from ? event.from + " → " : ""}${event.to}${event.reason ? " (" + event.reason + ")" : ""}`;
    list.append(item);
  }
  const existing = row.querySelector("ol.history");
  if (existing) existing.remove(); else row.querySelector("td.excerpt").append(list);
}

const columns = ["", "Post", "Source", "Author", "Type", "Excerpt", "Received", "Status", "Actions"];
const pageSize = 100;
let status = "pending";
let current = -1;
let total = 0;

// A target as its path, with its host when the listed mentions span several sites.
function place(target, several) {
  try {
    const url = new URL(target);
    return several ? url.host + url.pathname : url.pathname;
  } catch {
    return target;
  }
}

function hostOf(url) {
  try { return new URL(url).host; } catch { return url; }
}

function render() {
  const text = $("text").value.trim().toLowerCase();
  const rows = shown.filter((m) => !text || [m.source, m.target, m.content?.author_name, m.content?.excerpt, m.content?.content_text, m.content?.title]
    .some((value) => (value || "").toLowerCase().includes(text)));
  const several = new Set(shown.map((m) => m.site)).size > 1;
  const body = $("rows");
  body.replaceChildren();
  for (const mention of rows) {
    const row = document.createElement("tr");
    row.dataset.id = String(mention.id);
    row.dataset.status = mention.status;
    const box = document.createElement("input");
    box.type = "checkbox";
    box.className = "pick";
    box.setAttribute("aria-label", `Select mention ${mention.id}`);
    box.addEventListener("change", count);
    const host = hostOf(mention.source);
    const link = document.createElement("a");
    link.href = /^https?:/.test(mention.source) ? mention.source : "#";
    link.rel = "noopener noreferrer";
    link.textContent = host;
    // Which post: a click shows only that post's mentions.
    const post = document.createElement("button");
    post.type = "button";
    post.className = "post";
    post.title = `Only mentions of ${mention.target}`;
    post.textContent = place(mention.target, several);
    post.addEventListener("click", () => {
      $("target").value = mention.target;
      reload();
    });
    const postCell = cell(post);
    if (mention.content?.title) {
      const title = document.createElement("div");
      title.className = "muted source-title";
      title.textContent = `“${mention.content.title}”`;
      postCell.append(title);
    }
    const statusText = document.createElement("span");
    statusText.className = `status status-${mention.status}`;
    statusText.textContent = mention.status + (mention.reason ? ` (${mention.reason})` : "");
    const actions = document.createElement("div");
    actions.className = "actions";
    for (const action of ["approve", "reject", "spam", "delete", "restore"]) {
      if (allowedFrom[action].includes(mention.status)) actions.append(button(action, () => moderate(mention.id, action)));
    }
    if ((mention.spam_reasons || []).includes("copy-cluster")) actions.append(button("spam cluster", () => spamCluster(mention.id)));
    actions.append(button("block source", () => block(mention.source, host)));
    if (mention.reason !== "forgotten") actions.append(button("forget", () => forget(mention, host)));
    actions.append(button("history", () => history(mention.id, row)));
    const excerpt = cell(mention.content?.content_text || mention.content?.excerpt || mention.content?.title || "");
    excerpt.className = "excerpt";
    const statusCell = cell(statusText);
    if (mention.private) statusCell.append(tag("private", "A Private Webmention: never shown publicly"));
    if (mention.vouch) statusCell.append(tag("vouched", `Vouched for by ${mention.vouch}`));
    if (mention.status === "pending" && mention.reason === "source-challenged") {
      statusCell.append(tag("bot challenge", "The source answered with a bot challenge (Cloudflare, Anubis…) instead of the page: "
        + "it could not be verified and is tried again; approve it if you know the page links here"));
    }
    for (const reason of mention.spam_reasons || []) {
      const [words, title] = signalTags[reason] || [reason, "Held by a spam signal"];
      statusCell.append(tag(words, title));
    }
    // The spam score, with what spoke for spam, where it matters (docs/moderating.md#the-spam-score).
    if (mention.spam_score != null && (mention.spam_score >= 0.3 || (mention.spam_reasons || []).includes("spam-score"))) {
      const why = (mention.score_reasons || []).join(", ");
      statusCell.append(tag(`score ${mention.spam_score.toFixed(2)}${why ? ": " + why : ""}`,
        "The spam score learnt from your decisions (0 genuine, 1 spam) and what spoke for spam"));
    }
    const comments = mention.content?.children?.length || 0;
    if (comments) statusCell.append(tag(comments === 1 ? "1 comment" : `${comments} comments`, "Comments nested in the source"));
    const cells = [cell(box), postCell, cell(link), cell(mention.content?.author_name || ""), cell(mention.content?.type || "-"), excerpt,
      cell(new Date(mention.received).toLocaleString()), statusCell, cell(actions)];
    // On a phone the rows become cards: each cell says what it is.
    cells.forEach((td, index) => { if (columns[index]) td.dataset.label = columns[index]; });
    row.append(...cells);
    row.addEventListener("click", (event) => {
      if (event.target.closest("button, a, input")) return;
      focusRow([...body.children].indexOf(row));
    });
    body.append(row);
  }
  if (rows.length === 0) {
    const row = document.createElement("tr");
    const empty = cell("No mentions here.");
    empty.colSpan = columns.length;
    empty.className = "muted";
    row.append(empty);
    body.append(row);
  }
  focusRow(Math.min(Math.max(current, 0), rows.length - 1), false);
  $("showing").textContent = `Showing ${shown.length} of ${Math.max(total, shown.length)}`;
  $("more").hidden = shown.length >= total;
  count();
}

function count() {
  $("selected").textContent = `${document.querySelectorAll("input.pick:checked").length} selected`;
}

// The keyboard's row: j/k move it, a/r/s act on it, x ticks it.
function focusRow(index, scroll = true) {
  const rows = [...document.querySelectorAll("#rows tr[data-id]")];
  rows.forEach((row) => row.classList.remove("current"));
  current = rows.length ? Math.min(Math.max(index, 0), rows.length - 1) : -1;
  if (current < 0) return;
  rows[current].classList.add("current");
  if (scroll) rows[current].scrollIntoView({ block: "nearest" });
}

document.addEventListener("keydown", (event) => {
  if ($("dashboard").hidden || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest && event.target.closest("input, select, textarea")) return;
  const rows = [...document.querySelectorAll("#rows tr[data-id]")];
  const row = rows[current];
  const act = { a: "approve", r: "reject", s: "spam" }[event.key];
  if (event.key === "j") focusRow(current + 1);
  else if (event.key === "k") focusRow(current - 1);
  else if (event.key === "x" && row) {
    const box = row.querySelector("input.pick");
    box.checked = !box.checked;
    count();
  } else if (act && row) {
    if (!allowedFrom[act].includes(row.dataset.status)) return say(`${row.dataset.id}: cannot ${act} a ${row.dataset.status} mention`, true);
    moderate(Number(row.dataset.id), act);
  } else return;
  event.preventDefault();
});

function query(offset) {
  const query = new URLSearchParams({ status, limit: String(pageSize), offset: String(offset) });
  if ($("type").value) query.set("type", $("type").value);
  if ($("site").value.trim()) query.set("site", $("site").value.trim());
  if ($("target").value.trim()) query.set("target", $("target").value.trim());
  return query;
}

// The listed pages again (after a change), then the counts and charts.
async function refresh() {
  const pages = Math.max(1, Math.ceil(shown.length / pageSize));
  let listed = [];
  for (let page = 0; page < pages; page++) {
    const batch = await api(`mentions?${query(page * pageSize)}`);
    listed = listed.concat(batch);
    if (batch.length < pageSize) break;
  }
  shown = listed;
  await stats();
  render();
}

async function reload() {
  shown = [];
  current = 0;
  await refresh().catch((error) => say(error.message, true));
}

async function more() {
  const batch = await api(`mentions?${query(shown.length)}`);
  shown = shown.concat(batch);
  render();
}

function tabs(byStatus) {
  const counts = { ...byStatus };
  const all = Object.values(counts).reduce((sum, n) => sum + n, 0);
  const nav = $("tabs");
  nav.replaceChildren();
  for (const name of ["pending", "approved", "queued", "rejected", "spam", "deleted", "all"]) {
    const n = name === "all" ? all : counts[name] || 0;
    const tab = button(`${name} ${n}`, () => { status = name; reload(); });
    tab.dataset.status = name;
    tab.setAttribute("aria-pressed", String(name === status));
    nav.append(tab);
  }
  const filtered = $("type").value || $("site").value.trim() || $("target").value.trim();
  total = filtered ? Infinity : (status === "all" ? all : counts[status] || 0);
}

function definitions(title, counts) {
  const box = document.createElement("div");
  const heading = document.createElement("h3");
  heading.textContent = title;
  const list = document.createElement("dl");
  const entries = Object.entries(counts || {}).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  for (const [key, value] of entries) {
    const dt = document.createElement("dt");
    dt.textContent = key;
    const dd = document.createElement("dd");
    dd.textContent = String(value);
    list.append(dt, dd);
  }
  if (entries.length === 0) {
    const none = document.createElement("dd");
    none.textContent = "none";
    list.append(none);
  }
  box.append(heading, list);
  return box;
}

const svgNS = "http://www.w3.org/2000/svg";

function svg(name, attributes, text) {
  const element = document.createElementNS(svgNS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

// Colours by place (s0…s6; s7 is "other"), `banned` always grey: classes, as the CSP wants.
function keys(series, fixed = []) {
  const totals = {};
  for (const period of series) for (const [key, n] of Object.entries(period.parts)) totals[key] = (totals[key] || 0) + n;
  const ranked = Object.keys(totals).filter((key) => !fixed.includes(key) && totals[key] > 0).sort((a, b) => totals[b] - totals[a] || a.localeCompare(b));
  const named = ranked.slice(0, 7);
  const colour = {};
  named.forEach((key, index) => { colour[key] = `s${index}`; });
  for (const key of ranked.slice(7)) colour[key] = "s7";
  for (const key of fixed) if (totals[key]) colour[key] = key;
  const legend = [...named, ...(ranked.length > 7 ? ["other"] : []), ...fixed.filter((key) => totals[key])];
  return { colour: (key) => colour[key] || "s7", legend: legend.map((key) => [key, key === "other" ? "s7" : colour[key]]) };
}

// A stacked bar chart: `series` is [{label, tick, title, parts: {key: n}}], oldest first. The
// largest total and 0 stand in a left gutter, ticks under the axis, the legend below the picture:
// no label is ever drawn over a bar.
function barChart({ id, caption, series, fixed = [], tickEvery = 6 }) {
  const figure = document.createElement("figure");
  figure.className = "chart";
  figure.id = id;
  const heading = document.createElement("figcaption");
  heading.textContent = caption;
  const width = 480, height = 120, axis = 16, gutter = 34;
  const totals = series.map((p) => Object.values(p.parts).reduce((sum, n) => sum + n, 0));
  const top = Math.max(1, ...totals);
  const slot = (width - gutter) / Math.max(1, series.length);
  const image = svg("svg", { viewBox: `0 0 ${width} ${height + axis}`, role: "img", "aria-label": caption });
  image.append(svg("line", { x1: gutter, y1: height, x2: width, y2: height, class: "axis" }));
  image.append(svg("text", { x: gutter - 4, y: 10, class: "tick", "text-anchor": "end" }, String(top)));
  image.append(svg("text", { x: gutter - 4, y: height, class: "tick", "text-anchor": "end" }, "0"));
  const { colour, legend } = keys(series, fixed);
  series.forEach((period, index) => {
    const x = gutter + index * slot + 1;
    const group = svg("g", { class: "hour" });
    group.append(svg("title", {}, period.title));
    let y = height;
    // The fixed keys (banned) at the bottom, then the others, most first.
    const parts = Object.entries(period.parts).filter(([, n]) => n > 0)
      .sort((a, b) => (fixed.includes(b[0]) - fixed.includes(a[0])) || b[1] - a[1]);
    for (const [key, n] of parts) {
      const h = (n / top) * height;
      y -= h;
      const rect = svg("rect", { x, y, width: Math.max(1, slot - 2), height: h, class: colour(key) });
      rect.append(svg("title", {}, `${period.label}: ${key} ${n}`));
      group.append(rect);
    }
    if (index % tickEvery === 0) group.append(svg("text", { x, y: height + axis - 3, class: "tick" }, period.tick));
    image.append(group);
  });
  const keyList = document.createElement("p");
  keyList.className = "legend muted";
  for (const [key, cls] of legend) {
    const item = document.createElement("span");
    item.className = `key ${cls}`;
    item.textContent = key;
    keyList.append(item);
  }
  figure.append(heading, image, keyList);
  return figure;
}

const hourLabel = (iso) => `${String(new Date(iso).getUTCHours()).padStart(2, "0")}:00 UTC`;
const dayLabel = (iso) => new Date(iso).toLocaleDateString(undefined, { day: "numeric", month: "short", timeZone: "UTC" });
let rejectionSpan = "day";

function rejectionsChart(s) {
  const week = rejectionSpan === "week";
  const periods = week ? s.rejections_daily || [] : s.rejections_hourly || [];
  const series = periods.map((p) => {
    const label = week ? dayLabel(p.hour) : hourLabel(p.hour);
    return { label, tick: week ? label : label.slice(0, 5), parts: p.reasons || { rejected: p.rejected, banned: p.banned },
      title: `${label}: ${p.rejected} rejected, ${p.banned} refused while banned` };
  });
  const all = periods.reduce((sum, p) => sum + p.rejected + p.banned, 0);
  const figure = barChart({
    id: "rejections-chart", caption: `Rejections per ${week ? "day, last 7 days" : "hour, last 24 h"}: ${all} in all`,
    series, fixed: ["banned"], tickEvery: week ? 1 : 6,
  });
  const toggle = button(week ? "Last 24 hours" : "Last 7 days", () => {
    rejectionSpan = week ? "day" : "week";
    figure.replaceWith(rejectionsChart(s));
  });
  toggle.className = "span";
  figure.querySelector("figcaption").append(" ", toggle);
  return figure;
}

function charts(s) {
  const hours = s.rejections_hourly || [];
  const bans = hours.reduce((sum, p) => sum + (p.bans_started || 0), 0);
  const days = s.mentions_daily || [];
  const mentions = days.reduce((sum, d) => sum + Object.values(d.types).reduce((a, n) => a + n, 0), 0);
  $("charts").replaceChildren(
    rejectionsChart(s),
    barChart({
      id: "bans-chart", caption: `Bans started per hour (the built-in ban), last 24 h: ${bans}`,
      series: hours.map((p) => ({ label: hourLabel(p.hour), tick: hourLabel(p.hour).slice(0, 5), parts: { bans: p.bans_started || 0 },
        title: `${hourLabel(p.hour)}: ${p.bans_started || 0} bans started` })),
    }),
    barChart({
      id: "mentions-chart", caption: `Mentions per day by type, last ${days.length} days: ${mentions} (approved and waiting ones only)`,
      series: days.map((d) => ({ label: dayLabel(d.day), tick: dayLabel(d.day), parts: d.types,
        title: `${dayLabel(d.day)}: ` + (Object.entries(d.types).map(([t, n]) => `${n} ${t}`).join(", ") || "none") })),
      tickEvery: 7,
    }));
}

async function stats() {
  const s = await api("stats");
  tabs(s.by_status);
  charts(s);
  $("stats").replaceChildren(definitions("By status", s.by_status), definitions("Rejections, last 24 h", s.rejections_24h),
    definitions("Webhook deliveries", s.webhook_deliveries), definitions("Notifications", s.notifications));
}

async function open() {
  try {
    shown = [];
    current = 0;
    await refresh();
    sessionStorage.setItem("linkback-admin-token", token);
    $("login").hidden = true;
    $("dashboard").hidden = false;
    $("logout").hidden = false;
    $("login-error").hidden = true;
  } catch (error) {
    $("login-error").textContent = error.status === 401
      ? "That token was not accepted. Check admin.token in Linkback's configuration."
      : error.status === 404 ? "The admin API is off: set admin.token in Linkback's configuration."
      : `Cannot reach the admin API: ${error.message}`;
    $("login-error").hidden = false;
    sessionStorage.removeItem("linkback-admin-token");
  }
}

// On a phone the filters fold away, so the first card is in sight.
if (window.matchMedia("(max-width: 48rem)").matches) $("filter-box").open = false;
$("login").addEventListener("submit", (event) => {
  event.preventDefault();
  token = $("token").value.trim();
  open();
});
$("logout").addEventListener("click", () => {
  sessionStorage.removeItem("linkback-admin-token");
  token = "";
  shown = [];
  $("rows").replaceChildren();
  $("token").value = "";
  $("dashboard").hidden = true;
  $("logout").hidden = true;
  $("login").hidden = false;
});
$("filters").addEventListener("submit", (event) => {
  event.preventDefault();
  reload();
});
$("more").addEventListener("click", () => more().catch((error) => say(error.message, true)));
$("text").addEventListener("input", render);
$("select-all").addEventListener("change", (event) => {
  for (const box of document.querySelectorAll("input.pick")) box.checked = event.target.checked;
  count();
});
for (const control of document.querySelectorAll("[data-bulk]")) {
  control.addEventListener("click", async () => {
    const ids = [...document.querySelectorAll("input.pick:checked")].map((box) => Number(box.closest("tr").dataset.id));
    if (ids.length === 0) return say("Select mentions first.");
    try {
      const result = await api("mentions/bulk", { method: "POST", body: JSON.stringify({ action: control.dataset.bulk, ids }) });
      say(`${result.changed.length} changed` + (result.refused.length ? `, ${result.refused.length} refused` : ""));
      await refresh();
    } catch (error) {
      say(error.message, true);
    }
  });
}
if (token) open();
