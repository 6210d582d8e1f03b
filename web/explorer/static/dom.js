// Tiny DOM helpers: elements are built from data, never from HTML strings (no injection).

/** h("a", {href: "/x", class: "c"}, "text", child, [more]) → element. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export const link = (href, text, attrs = {}) => h("a", { href, ...attrs }, text);
export const code = (text, attrs = {}) => h("code", attrs, text);

/** A hash or address, shortened for tables; the full value stays in `title` and the link. */
export function short(s, head = 8, tail = 6) {
  if (!s || s.length <= head + tail + 1) return s || "";
  return `${s.slice(0, head)}…${s.slice(-tail)}`;
}

/** <dl> of [term, value] pairs; a value may be a node, text or null (shown as —). */
export function fields(pairs, attrs = {}) {
  return h("dl", { class: "fields", ...attrs },
    pairs.filter(Boolean).map(([k, v, key]) => [
      h("dt", {}, k),
      h("dd", { dataset: { field: key || slug(k) } }, v === null || v === undefined || v === "" ? "—" : v),
    ]));
}

export const slug = (s) => String(s).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");

/** A table: `columns` is [[heading, key?]...]; `rows` are arrays of cells (node or text). */
export function table(caption, columns, rows, attrs = {}) {
  return h("table", attrs,
    caption ? h("caption", {}, caption) : null,
    h("thead", {}, h("tr", {}, columns.map(([c, key]) => h("th", { scope: "col", dataset: { col: key || slug(c) } }, c)))),
    h("tbody", {}, rows.map((r) => tableRow(columns, r))));
}

export function tableRow(columns, cells, attrs = {}) {
  return h("tr", attrs, cells.map((c, i) => h("td", { dataset: { col: columns[i][1] || slug(columns[i][0]) } }, c)));
}

/** `amount` base units shown in a unit of 10^exponent of them ("1234500", 6 → "1.2345"). */
export function displayAmount(amount, exponent) {
  const s = String(amount);
  const neg = s.startsWith("-");
  const [whole, frac = ""] = (neg ? s.slice(1) : s).split(".");
  if (!exponent) return s;
  const digits = whole.padStart(exponent + 1, "0");
  const int = digits.slice(0, -exponent);
  const dec = (digits.slice(-exponent) + frac).replace(/0+$/, "");
  return (neg ? "-" : "") + int.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (dec ? "." + dec : "");
}

/** What a coin's denom is called: its metadata's display unit, else its IBC trace's base denom. */
function coinName(c) {
  const m = c.metadata;
  const t = c.trace;
  const parts = [];
  if (m && (m.symbol || m.display)) parts.push(h("span", { class: "coin-display" }, `${displayAmount(c.amount, m.exponent)} ${m.symbol || m.display}`));
  if (t) parts.push(h("span", { class: "coin-trace", title: `${t.path}/${t.baseDenom}` }, `${t.baseDenom} via ${t.path}`));
  if (!parts.length) return null;
  return [" ", h("span", { class: "coin-name muted" }, "(", parts.map((x, i) => [i ? "; " : null, x]), ")")];
}

/** Coins as "amount denom" items, named by their metadata / IBC trace when the query asked; an empty list is "none". */
export function coins(list) {
  if (!list || !list.length) return h("span", { class: "muted" }, "none");
  return h("ul", { class: "coins" }, list.map((c) =>
    h("li", { dataset: { denom: c.denom } }, h("span", { class: "amount" }, c.amount), " ",
      h("span", { class: "denom", title: c.denom }, c.denom), coinName(c))));
}

export function status(code, codespace) {
  return code === 0
    ? h("span", { class: "badge ok", dataset: { code: "0" } }, "Success")
    : h("span", { class: "badge fail", dataset: { code: String(code) } }, `Failed (code ${code}${codespace ? ", " + codespace : ""})`);
}

/** Message type URLs, shortened to the message name, full URL in the title. */
export function msgSummary(messages) {
  return h("span", { class: "msgs" }, messages.map((m, i) => [
    i ? ", " : null,
    h("span", { class: "msg", title: m.typeUrl, dataset: { typeUrl: m.typeUrl } }, m.typeUrl.split(".").pop()),
  ]));
}

/** RFC 3339 time: kept exactly as the API prints it, with a relative hint. */
export function time(t) {
  if (!t) return "—";
  const ms = Date.parse(t);
  return h("time", { datetime: t, title: isNaN(ms) ? null : new Date(ms).toString() }, t);
}

export function ago(t) {
  const s = Math.round((Date.now() - Date.parse(t)) / 1000);
  if (isNaN(s)) return "";
  if (s < 0) return "just now";
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

/** An error box (role=alert) with the message and its code. */
export function errorBox(err, title = "Error") {
  return h("div", { class: "error", role: "alert" },
    h("strong", {}, title),
    h("p", {}, h("span", { class: "error-message" }, err.message), " ",
      h("code", { class: "error-code" }, err.code || "ERROR")));
}

export function notFound(what, detail) {
  return h("section", { class: "notfound", role: "alert" },
    h("h1", {}, "Not found"),
    h("p", {}, what, detail ? [" ", h("code", { class: "wrap" }, detail)] : null, " is not on this chain (yet)."),
    h("p", {}, link("/", "Back to the latest blocks")));
}
