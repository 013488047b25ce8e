// The operator console: every figure and action goes through the runtime's HTTP API with the caller's role, so the
// API's role rules are the console's. No framework; text always enters the page through textContent.
"use strict";

const apiBase = document.querySelector('meta[name="api-base"]').content;
const query = new URLSearchParams(location.search);
const functionKey = query.get("code");
const $ = id => document.getElementById(id);
const state = { exceptions: [], selected: null };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "onclick") node.addEventListener("click", value);
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
  return node;
}

function say(message, isError) {
  const status = $("status");
  status.textContent = message;
  status.className = isError ? "error" : "";
}

function role() { return $("role").value; }

async function api(method, path, body) {
  const headers = { "Accept": "application/json", "X-RetailFunctions-Role": role() };
  const user = $("user").value.trim();
  if (user) headers["X-RetailFunctions-User"] = user;
  if (functionKey) headers["x-functions-key"] = functionKey;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(apiBase + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let data = text;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON: an archived XML payload */ }
  if (!response.ok) {
    const reason = data && data.detail ? data.detail : `${response.status} ${response.statusText}`;
    const error = new Error(`${method} ${path}: ${reason}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

const when = iso => iso ? new Date(iso).toISOString().replace("T", " ").slice(0, 19) + " UTC" : "";
const badge = value => el("span", { class: `badge ${value}` }, value);
const keysText = keys => Object.entries(keys || {}).map(([k, v]) => `${k}=${v}`).join(" ");

function table(caption, headings, rows, empty) {
  if (rows.length === 0) return el("p", { class: "empty" }, empty);
  return el("table", {},
    el("caption", {}, caption),
    el("thead", {}, el("tr", {}, headings.map(h => el("th", { scope: "col" }, h)))),
    el("tbody", {}, rows));
}

function refusal(target, error) {
  target.replaceChildren(el("p", { class: "empty" }, error.status === 403 ? `Not for this role: ${error.message}` : error.message));
}

// Queues and backpressure (GET /health).
async function loadHealth() {
  const target = $("health-body");
  try {
    const health = await fetch(apiBase + "/health").then(r => r.json());
    const limits = health.backpressure;
    target.replaceChildren(
      el("p", {}, "Status: ", badge(health.status === "healthy" ? "ok" : "failed"), ` ${health.status}. The edges answer 503 beyond `,
        `${limits.maxQueueDepth} messages or ${limits.maxQueueAgeSeconds} s of age on a queue `,
        `(Retry-After ${limits.retryAfterSeconds} s).`),
      table("Queue depths", ["Queue", "Depth", "Oldest message (s)", "Backpressure"],
        health.queues.map(q => el("tr", {},
          el("td", {}, q.queue), el("td", { class: "num" }, q.depth),
          el("td", { class: "num" }, q.oldestAgeSeconds == null ? "" : Math.round(q.oldestAgeSeconds)),
          el("td", {}, q.overloaded ? badge("overloaded") : "none"))), "No queues reported yet."));
  } catch (error) { refusal(target, error); }
}

// Exceptions, per owner (GET /exceptions), with the detail, the archived payload and the lifecycle actions.
const ownersByRole = {
  "operator": ["inventory", "finance", "crm", "ops"], "inventory-manager": ["inventory"], "store-manager": ["inventory"],
  "finance": ["finance"], "crm": ["crm"],
};

function fillOwners() {
  const owners = ownersByRole[role()] || [];
  const select = $("owner");
  const kept = select.value;
  select.replaceChildren(el("option", { value: "" }, owners.length > 1 ? "all of mine" : owners[0] || "none"),
    ...(owners.length > 1 ? owners.map(o => el("option", { value: o }, o)) : []));
  if (owners.includes(kept)) select.value = kept;
}

async function loadExceptions() {
  const target = $("exception-list");
  const params = new URLSearchParams({ max: "500" });
  if ($("owner").value) params.set("owner", $("owner").value);
  if ($("exception-status").value) params.set("status", $("exception-status").value);
  try {
    state.exceptions = await api("GET", `/exceptions?${params}`);
    target.replaceChildren(table(`${state.exceptions.length} exception(s), newest first`,
      ["Raised", "Owner", "Reason", "Business keys", "Detail", "Status", ""],
      state.exceptions.map(x => el("tr", { class: state.selected === x.id ? "selected" : null, "data-id": x.id },
        el("td", {}, when(x.raisedAt)), el("td", {}, x.owner), el("td", {}, x.reason),
        el("td", { class: "keys" }, keysText(x.businessKeys)), el("td", {}, x.detail), el("td", {}, badge(x.status)),
        el("td", {}, el("button", { type: "button", class: "secondary", "aria-label": `Open ${x.reason} exception ${x.id}`,
          onclick: () => showException(x.owner, x.id) }, "Open")))),
      "No exceptions here."));
    if (state.selected && !state.exceptions.some(x => x.id === state.selected)) $("exception-detail").hidden = true;
  } catch (error) { refusal(target, error); }
}

function showException(owner, id) {
  const x = state.exceptions.find(e => e.owner === owner && e.id === id);
  if (!x) return;
  state.selected = id;
  const panel = $("exception-detail");
  const note = el("textarea", { id: "exception-note", name: "note" });
  const payload = el("div", {});
  // A web-store delivery is archived as raw-archive/shopify/{shop}/{day}/{webhook id}.json: replayable through /replay/raw.
  const reference = x.payloadReference || "";
  const archived = reference.startsWith("raw-archive/shopify/") ? reference.slice("raw-archive/".length) : null;
  const move = action => async () => {
    try {
      const moved = await api("POST", `/exceptions/${encodeURIComponent(owner)}/${encodeURIComponent(id)}/${action}`,
        { by: $("user").value.trim() || null, note: note.value.trim() || null });
      say(`Exception ${id} is ${moved.status}.`);
      await loadExceptions();
      const found = state.exceptions.find(e => e.id === id);
      if (found) showException(owner, id); else panel.replaceChildren(el("p", {}, `Exception ${id} is ${moved.status}.`));
    } catch (error) { say(error.message, true); }
  };
  panel.replaceChildren(el("div", { class: "panel" },
    el("h3", { id: "exception-detail-title" }, `${x.reason} (${x.owner})`),
    el("dl", {},
      el("dt", {}, "Id"), el("dd", { class: "keys" }, x.id),
      el("dt", {}, "Status"), el("dd", { id: "exception-detail-status" }, x.status),
      el("dt", {}, "Raised"), el("dd", {}, when(x.raisedAt)),
      el("dt", {}, "Detail"), el("dd", {}, x.detail),
      el("dt", {}, "Business keys"), el("dd", { class: "keys" }, keysText(x.businessKeys)),
      el("dt", {}, "Source message"), el("dd", { class: "keys" }, x.sourceMessageId),
      el("dt", {}, "Archived payload"), el("dd", { class: "keys" }, x.payloadReference || "none")),
    table("History", ["When", "By", "Action", "Note"], (x.history || []).map(h =>
      el("tr", {}, el("td", {}, when(h.at)), el("td", {}, h.by), el("td", {}, h.action), el("td", {}, h.note || ""))),
      "No one has acted on it yet."),
    el("div", { class: "actions" },
      x.payloadReference ? el("button", { type: "button", class: "secondary", onclick: async () => {
        try {
          const body = await api("GET", `/exceptions/${encodeURIComponent(owner)}/${encodeURIComponent(id)}/payload`);
          const text = typeof body === "string" ? body : JSON.stringify(body, null, 2);
          const shown = text.length > 20000 ? text.slice(0, 20000) + "\n[...]" : text;
          payload.replaceChildren(el("pre", { "aria-label": "Archived payload" }, shown));
        } catch (error) { say(error.message, true); }
      } }, "Show archived payload") : null,
      archived ? el("button", { type: "button", class: "secondary", onclick: async () => {
        try {
          const result = await api("POST", "/replay/raw", { shop: archived.split("/")[1], blobs: [archived] });
          say(`Replayed ${result.replayed} archived delivery(ies) through the pipeline.`);
        } catch (error) { say(error.message, true); }
      } }, "Replay archived webhook") : null),
    payload,
    x.status === "resolved" ? el("p", {}, "Resolved: nothing more to do.") : el("div", { class: "actions" },
      el("div", {}, el("label", { for: "exception-note" }, "Note for the audit trail"), el("br"), note),
      x.status === "open" ? el("button", { type: "button", onclick: move("acknowledge") }, "Acknowledge") : null,
      el("button", { type: "button", onclick: move("resolve") }, "Resolve"))));
  panel.hidden = false;
  panel.focus();
}

// Dead letters with replay (GET /deadletters, POST /deadletters/replay).
async function loadDeadLetters() {
  const target = $("deadletter-list");
  try {
    const letters = await api("GET", "/deadletters?max=200");
    target.replaceChildren(table(`${letters.length} dead letter(s)`,
      ["Dead-lettered", "Queue", "Reason", "Attempts", "Business keys", "Replayed", ""],
      letters.map(d => el("tr", { "data-id": d.id },
        el("td", {}, when(d.deadLetteredAt)), el("td", {}, d.queue), el("td", {}, d.reason), el("td", { class: "num" }, d.attemptCount),
        el("td", { class: "keys" }, keysText(d.envelope && d.envelope.keys)),
        el("td", {}, d.replayedAt ? `${when(d.replayedAt)} (${d.replayCount}x)` : "no"),
        el("td", {}, el("button", { type: "button", class: "secondary", "aria-label": `Replay dead letter ${d.id}`, onclick: async () => {
          try {
            const result = await api("POST", "/deadletters/replay", { ids: [d.id], force: !!d.replayedAt });
            say(`Replay: ${JSON.stringify(result)}`);
            await loadDeadLetters();
          } catch (error) { say(error.message, true); }
        } }, "Replay")))), "No dead letters."));
  } catch (error) { refusal(target, error); }
}

// POS batches of a day, and one batch's transactions (GET /pos/batches, /pos/batches/{id}).
async function loadBatches() {
  const target = $("batch-list");
  try {
    const batches = await api("GET", `/pos/batches?day=${encodeURIComponent($("batch-day").value)}`);
    target.replaceChildren(table(`${batches.length} batch(es) received on ${$("batch-day").value}`,
      ["Received", "Store", "Format", "Status", "Transactions", "Applied", "Exceptions", "Malformed", "Recorded", ""],
      batches.map(b => el("tr", { "data-id": b.batchId },
        el("td", {}, when(b.receivedAt)), el("td", {}, b.store || ""), el("td", {}, b.format), el("td", {}, badge(b.status)),
        el("td", { class: "num" }, `${b.processedThrough}/${b.declaredTransactions}`), el("td", { class: "num" }, b.applied),
        el("td", { class: "num" }, b.exceptions), el("td", { class: "num" }, b.malformed), el("td", { class: "num" }, b.recorded),
        el("td", {}, el("button", { type: "button", class: "secondary", "aria-label": `Open batch ${b.batchId}`,
          onclick: () => showBatch(b.batchId) }, "Open")))),
      "No batches that day."));
  } catch (error) { refusal(target, error); }
}

async function showBatch(batchId) {
  const panel = $("batch-detail");
  try {
    const { batch, transactions } = await api("GET", `/pos/batches/${encodeURIComponent(batchId)}?take=1000`);
    panel.replaceChildren(el("div", { class: "panel" },
      el("h3", {}, `Batch ${batch.batchId}`),
      batch.failure ? el("p", {}, `Failure: ${batch.failure}`) : null,
      table("Transactions", ["Position", "Receipt", "Kind", "Status", "Reason", "Movements applied", "Already applied"],
        transactions.map(t => el("tr", {},
          el("td", { class: "num" }, t.position), el("td", {}, t.receipt || ""), el("td", {}, t.kind), el("td", {}, badge(t.status)),
          el("td", {}, t.reason || ""), el("td", { class: "num" }, t.movementsApplied),
          el("td", { class: "num" }, t.movementsAlreadyApplied))),
        "No transaction processed yet.")));
    panel.hidden = false;
    panel.focus();
  } catch (error) { say(error.message, true); }
}

// The last report of each reconciled day, and its differences (GET /reconciliation, /reconciliation/{day}).
async function loadReconciliation() {
  const target = $("reconciliation-list");
  try {
    const days = await api("GET", "/reconciliation?max=31");
    target.replaceChildren(table("Reconciled business days, latest first", ["Business day", "Last run", ""],
      days.map(d => el("tr", { "data-id": d.businessDay }, el("td", {}, d.businessDay), el("td", {}, when(d.ranAt)),
        el("td", {}, el("button", { type: "button", class: "secondary", "aria-label": `Open the report of ${d.businessDay}`,
          onclick: () => showReport(d.businessDay) }, "Open")))),
      "No day reconciled yet."));
  } catch (error) { refusal(target, error); }
}

async function showReport(day) {
  const panel = $("reconciliation-detail");
  try {
    const { differenceCount, differences, text } = await api("GET", `/reconciliation/${encodeURIComponent(day)}?max=500`);
    panel.replaceChildren(el("div", { class: "panel" },
      el("h3", {}, `Reconciliation of ${day}`),
      el("pre", { "aria-label": "Report summary" }, text),
      table(`${differenceCount} difference(s)${differenceCount > differences.length ? `, first ${differences.length} shown` : ""}`,
        ["Area", "Store", "Key", "Cause", "Amount", "Expected", "Actual", "Owner", "Detail"],
        differences.map(d => el("tr", {},
          el("td", {}, d.area), el("td", {}, d.store), el("td", { class: "keys" }, d.key), el("td", {}, d.cause),
          el("td", { class: "num" }, `${d.amount} ${d.unit}`), el("td", { class: "num" }, d.expected ?? ""),
          el("td", { class: "num" }, d.actual ?? ""),
          el("td", {}, d.owner), el("td", {}, d.detail))), "No differences.")));
    panel.hidden = false;
    panel.focus();
  } catch (error) { say(error.message, true); }
}

async function refresh() {
  say("Loading...");
  fillOwners();
  await Promise.all([loadHealth(), loadExceptions(), loadDeadLetters(), loadBatches(), loadReconciliation()]);
  say(`Up to date at ${when(new Date().toISOString())} as ${role()}.`);
}

$("role").value = ownersByRole[query.get("role")] ? query.get("role") : "operator";
$("user").value = query.get("user") || "";
$("batch-day").value = query.get("day") || new Date().toISOString().slice(0, 10);
$("identity").addEventListener("submit", event => { event.preventDefault(); refresh(); });
$("role").addEventListener("change", refresh);
$("owner").addEventListener("change", loadExceptions);
$("exception-status").addEventListener("change", loadExceptions);
$("batch-day").addEventListener("change", loadBatches);
refresh();
