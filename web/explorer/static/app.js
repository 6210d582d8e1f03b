// Router (history.pushState; the server serves index.html at every page path) and search.

import { GqlError, query } from "./gql.js";
import { errorBox, h } from "./dom.js";
import * as pages from "./pages.js";
import { contract } from "./contract.js";
import * as gov from "./gov.js";

const ROUTES = [
  [/^\/$/, "home", pages.home],
  [/^\/blocks\/?$/, "blocks", pages.blocks],
  [/^\/block\/([^/]+)\/?$/, "block", pages.block],
  [/^\/tx\/([^/]+)\/?$/, "tx", pages.tx],
  [/^\/account\/([^/]+)\/?$/, "account", pages.account],
  [/^\/contract\/([^/]+)\/?$/, "contract", contract],
  [/^\/validators\/?$/, "validators", pages.validators],
  [/^\/validator\/([^/]+)\/?$/, "validator", pages.validator],
  [/^\/proposals\/?$/, "proposals", gov.proposals],
  [/^\/proposal\/([^/]+)\/?$/, "proposal", gov.proposal],
];

const main = document.getElementById("main");
const searchStatus = document.getElementById("search-status");
let current = null; // {cleanups: [], alive}

async function render(focus) {
  if (current) {
    current.alive = false;
    current.cleanups.forEach((f) => f());
  }
  const view = { cleanups: [], after: [], alive: true };
  current = view;
  const ctx = {
    title: "cometgraph explorer",
    onCleanup: (f) => (view.alive ? view.cleanups.push(f) : f()),
    afterRender: (f) => view.after.push(f),
  };
  main.setAttribute("aria-busy", "true");
  delete main.dataset.view; // set again once the page is rendered (tests and scripts wait for it)
  const path = location.pathname;
  let node;
  let name = "notfound";
  try {
    const match = ROUTES.map(([re, n, page]) => [path.match(re), n, page]).find(([m]) => m);
    if (!match) {
      node = h("section", { class: "notfound", role: "alert" }, h("h1", {}, "Not found"),
        h("p", {}, "There is no page at ", h("code", {}, path), "."));
    } else {
      const [m, n, page] = match;
      node = await page(ctx, ...m.slice(1).map(decodeURIComponent));
      name = node.classList.contains("notfound") ? "notfound" : n;
    }
  } catch (e) {
    name = "error";
    const err = e instanceof GqlError ? e : new GqlError(e.message || String(e), "CLIENT");
    if (!(e instanceof GqlError)) console.error(e);
    node = h("section", {}, h("h1", {}, "Something went wrong"), errorBox(err, "The query failed"));
    ctx.title = "Error — cometgraph explorer";
  }
  if (!view.alive) return;
  main.replaceChildren(node);
  main.removeAttribute("aria-busy");
  main.dataset.view = name;
  document.title = ctx.title;
  view.after.forEach((f) => f());
  if (focus) main.focus({ preventScroll: false });
}

export function navigate(url, replace = false) {
  const u = new URL(url, location.href);
  searchStatus.replaceChildren();
  searchStatus.className = "";
  if (u.href === location.href && !replace) return render(true);
  history[replace ? "replaceState" : "pushState"](null, "", u);
  window.scrollTo(0, 0);
  return render(true);
}

// Same-origin links go through the router (modifier clicks, downloads, new tabs keep their default).
document.addEventListener("click", (ev) => {
  const a = ev.target.closest("a[href]");
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  if (a.target || a.hasAttribute("download") || a.hasAttribute("data-external")) return;
  const u = new URL(a.href, location.href);
  if (u.origin !== location.origin) return;
  if (u.pathname === location.pathname && u.search === location.search && u.hash) return; // in-page anchor
  ev.preventDefault();
  navigate(u.href);
});
window.addEventListener("popstate", () => render(false));

// ---------------------------------------------------------------- search

const HEX64 = /^(0x)?[0-9a-f]{64}$/i;
const HEX40 = /^(0x)?[0-9a-f]{40}$/i;
const BECH32 = /^([a-z][a-z0-9]*)1[02-9ac-hj-np-z]{6,}$/;

/** Where a search input leads: a path, or throws a GqlError to show. */
export async function resolveSearch(input) {
  const q = input.trim();
  if (/^\d+$/.test(q)) return `/block/${Number(q)}`;
  if (HEX64.test(q)) {
    const hash = q.replace(/^0x/i, "").toUpperCase();
    const d = await query(`query($h: String!) { tx(hash: $h) { hash } block(hash: $h) { height } }`, { h: hash });
    if (d.tx) return `/tx/${d.tx.hash}`;
    if (d.block) return `/block/${d.block.height}`;
    throw new GqlError(`no transaction or block has the hash ${hash}`, "NOT_FOUND");
  }
  if (HEX40.test(q)) return `/validators#${q.replace(/^0x/i, "").toUpperCase()}`; // a consensus address
  const lower = q.toLowerCase();
  const m = BECH32.exec(lower);
  if (m && (q === lower || q === q.toUpperCase())) {
    if (/valoper$/.test(m[1])) return `/validator/${lower}`;
    if (/valcons$/.test(m[1])) return `/validators#${lower}`; // the set, with its row highlighted
    return `/account/${lower}`;
  }
  throw new GqlError("enter a block height, a block or tx hash (64 hex digits) or a bech32 address", "BAD_INPUT");
}

document.getElementById("search").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const input = ev.target.elements.q;
  searchStatus.replaceChildren("Searching…");
  searchStatus.className = "";
  try {
    const path = await resolveSearch(input.value);
    searchStatus.replaceChildren();
    input.value = "";
    await navigate(path);
  } catch (e) {
    const err = e instanceof GqlError ? e : new GqlError(String(e), "CLIENT");
    searchStatus.className = "error";
    searchStatus.replaceChildren(h("span", { class: "error-message" }, err.message), " ", h("code", { class: "error-code" }, err.code));
  }
});

render(false);
