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
    // The server blocks the source as marking it spam would: its domain, or for an address its
    // site's URL prefix (never the clients at that address).
    const result = await api("blocks", { method: "POST", body: JSON.stringify({ source, reason: "dashboard" }) });
    say(`blocked ${result.kind} ${result.value}; ${result.marked_spam ?? 0} marked as spam`);
    await refresh();
  } catch (error) {
    say(`${host}: ${error.message}`, true);
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

function render() {
  const text = $("text").value.trim().toLowerCase();
  const rows = shown.filter((m) => !text || [m.source, m.content?.author_name, m.content?.excerpt, m.content?.content_text, m.content?.title]
    .some((value) => (value || "").toLowerCase().includes(text)));
  const body = $("rows");
  body.replaceChildren();
  for (const mention of rows) {
    const row = document.createElement("tr");
    row.dataset.id = String(mention.id);
    const box = document.createElement("input");
    box.type = "checkbox";
    box.className = "pick";
    box.setAttribute("aria-label", `Select mention ${mention.id}`);
    box.addEventListener("change", count);
    let host = mention.source;
    try { host = new URL(mention.source).host; } catch {}
    const link = document.createElement("a");
    link.href = /^https?:/.test(mention.source) ? mention.source : "#";
    link.rel = "noopener noreferrer";
    link.textContent = host;
    const status = document.createElement("span");
    status.className = `status status-${mention.status}`;
    status.textContent = mention.status + (mention.reason ? ` (${mention.reason})` : "");
    const actions = document.createElement("div");
    actions.className = "actions";
    for (const action of ["approve", "reject", "spam", "delete", "restore"]) {
      if (allowedFrom[action].includes(mention.status)) actions.append(button(action, () => moderate(mention.id, action)));
    }
    if ((mention.spam_reasons || []).includes("copy-cluster")) actions.append(button("spam cluster", () => spamCluster(mention.id)));
    actions.append(button("block source", () => block(mention.source, host)));
    actions.append(button("history", () => history(mention.id, row)));
    const excerpt = cell(mention.content?.content_text || mention.content?.excerpt || mention.content?.title || "");
    excerpt.className = "excerpt";
    const statusCell = cell(status);
    if (mention.private) statusCell.append(tag("private", "A Private Webmention: never shown publicly"));
    if (mention.vouch) statusCell.append(tag("vouched", `Vouched for by ${mention.vouch}`));
    for (const reason of mention.spam_reasons || []) {
      const [text, title] = signalTags[reason] || [reason, "Held by a spam signal"];
      statusCell.append(tag(text, title));
    }
    // The spam score, with what spoke for spam, where it matters (docs/moderating.md#the-spam-score).
    if (mention.spam_score != null && (mention.spam_score >= 0.3 || (mention.spam_reasons || []).includes("spam-score"))) {
      const why = (mention.score_reasons || []).join(", ");
      statusCell.append(tag(`score ${mention.spam_score.toFixed(2)}${why ? ": " + why : ""}`,
        "The spam score learnt from your decisions (0 genuine, 1 spam) and what spoke for spam"));
    }
    const comments = mention.content?.children?.length || 0;
    if (comments) statusCell.append(tag(comments === 1 ? "1 comment" : `${comments} comments`, "Comments nested in the source"));
    row.append(cell(box), cell(link), cell(mention.content?.author_name || ""), cell(mention.content?.type || "-"), excerpt,
      cell(new Date(mention.received).toLocaleString()), statusCell, cell(actions));
    body.append(row);
  }
  if (rows.length === 0) {
    const row = document.createElement("tr");
    const empty = cell("No mentions here.");
    empty.colSpan = 8;
    empty.className = "muted";
    row.append(empty);
    body.append(row);
  }
  count();
}

function count() {
  $("selected").textContent = `${document.querySelectorAll("input.pick:checked").length} selected`;
}

async function refresh() {
  const query = new URLSearchParams({ status: $("status").value, limit: "200" });
  if ($("type").value) query.set("type", $("type").value);
  if ($("site").value.trim()) query.set("site", $("site").value.trim());
  shown = await api(`mentions?${query}`);
  render();
  await stats();
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

// Rejections per hour as stacked bars: refused while banned (bottom) and every other rejection.
function chart(hours) {
  const figure = document.createElement("figure");
  figure.className = "chart";
  figure.id = "rejections-chart";
  const total = hours.reduce((sum, h) => sum + h.rejected + h.banned, 0);
  const caption = document.createElement("figcaption");
  caption.textContent = `Rejections per hour, last 24 h: ${total} in all`;
  const width = 480, height = 120, axis = 16;
  const top = Math.max(1, ...hours.map((h) => h.rejected + h.banned));
  const slot = width / Math.max(1, hours.length);
  const image = svg("svg", { viewBox: `0 0 ${width} ${height + axis}`, role: "img", "aria-label": caption.textContent });
  image.append(svg("line", { x1: 0, y1: height, x2: width, y2: height, class: "axis" }));
  hours.forEach((h, index) => {
    const x = index * slot + 1;
    const group = svg("g", { class: "hour" });
    const time = new Date(h.hour);
    const label = `${String(time.getUTCHours()).padStart(2, "0")}:00 UTC`;
    group.append(svg("title", {}, `${label}: ${h.rejected} rejected, ${h.banned} refused while banned`));
    const bannedHeight = (h.banned / top) * height;
    const rejectedHeight = (h.rejected / top) * height;
    if (h.banned > 0) {
      group.append(svg("rect", { x, y: height - bannedHeight, width: slot - 2, height: bannedHeight, class: "banned" }));
    }
    if (h.rejected > 0) {
      group.append(svg("rect", {
        x, y: height - bannedHeight - rejectedHeight, width: slot - 2, height: rejectedHeight, class: "rejected" }));
    }
    if (index % 6 === 0) group.append(svg("text", { x, y: height + axis - 3, class: "tick" }, label.slice(0, 5)));
    image.append(group);
  });
  image.append(svg("text", { x: width, y: 10, class: "tick", "text-anchor": "end" }, `max ${top}/h`));
  const legend = document.createElement("p");
  legend.className = "legend muted";
  for (const [cls, text] of [["rejected", "rejected"], ["banned", "refused while banned"]]) {
    const key = document.createElement("span");
    key.className = `key ${cls}`;
    key.textContent = text;
    legend.append(key);
  }
  figure.append(caption, image, legend);
  return figure;
}

async function stats() {
  const s = await api("stats");
  $("stats").replaceChildren(chart(s.rejections_hourly || []), definitions("By status", s.by_status),
    definitions("Rejections, last 24 h", s.rejections_24h), definitions("Webhook deliveries", s.webhook_deliveries));
}

async function open() {
  try {
    await refresh();
    sessionStorage.setItem("linkback-admin-token", token);
    $("login").hidden = true;
    $("dashboard").hidden = false;
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

$("login").addEventListener("submit", (event) => {
  event.preventDefault();
  token = $("token").value.trim();
  open();
});
$("filters").addEventListener("submit", (event) => {
  event.preventDefault();
  refresh().catch((error) => say(error.message, true));
});
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
