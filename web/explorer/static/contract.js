// The contract page: info and code history, the cw20 token (with its holders) or cw721
// collection view, a browser of the contract's own storage, and the txs that touched it.

import { query } from "./gql.js";
import { code, errorBox, fields, h, link, msgSummary, notFound, short, status, tableRow } from "./dom.js";
import { blockLink, pager, scroll, section, thead, txLink, TX_COLUMNS } from "./pages.js";

const PER = 20;
const CONTRACT_TXS = `txs(first: $first, after: $after) { nodes { hash height code codespace messages { typeUrl } } pageInfo { hasNextPage endCursor } }`;
const HOLDERS = `holders(first: $first, after: $after) { nodes { address amount } pageInfo { hasNextPage endCursor } }`;
const TOKENS = `tokens(first: $first, after: $after) { nodes { tokenId owner tokenUri } pageInfo { hasNextPage endCursor } }`;
const STATE = `state(prefix: $prefix, first: $first, after: $after) { nodes { key keyText valueJson value } pageInfo { hasNextPage endCursor } }`;

const accountLink = (addr) => (addr ? link(`/account/${addr}`, addr, { class: "mono" }) : null);

/** A keyset-paged table under its own "More" button; `fetch(after)` returns a connection. */
function pagedTable(id, columns, first, row, fetch, empty) {
  const tbody = h("tbody");
  const { more, moreError } = pager(`more-${id}`, "More", first, (p) => p.nodes.forEach((n) => tbody.append(row(n))), fetch);
  return [scroll(h("table", { id }, thead(columns), tbody)), first.nodes.length ? null : h("p", { class: "muted" }, empty), more, moreError];
}

function stateBrowser(address) {
  const cols = [["Key (hex)", "key"], ["Key (text)", "key-text"], ["Value", "value"]];
  const row = (e) => tableRow(cols, [code(e.key, { class: "wrap" }), e.keyText === null ? "—" : e.keyText,
    code(e.valueJson === null ? e.value : JSON.stringify(e.valueJson), { class: "wrap" })], { dataset: { key: e.key } });
  const box = h("div", { id: "state-box" });
  const load = async (prefix) => {
    const vars = { a: address, prefix: prefix || null, first: PER, after: null };
    const q = `query($a: String!, $prefix: String, $first: Int!, $after: String) { contract(address: $a) { ${STATE} } }`;
    try {
      const first = (await query(q, vars)).contract.state;
      box.replaceChildren(...pagedTable("state", cols, first, row,
        async (after) => (await query(q, { ...vars, after })).contract.state, "No entries."));
    } catch (e) {
      box.replaceChildren(errorBox(e, "The state could not be read"));
    }
  };
  const input = h("input", { id: "state-prefix", name: "prefix", type: "search", spellcheck: "false", placeholder: "Key prefix (text), e.g. token_info" });
  const form = h("form", { id: "state-filter", role: "search", onsubmit: (ev) => { ev.preventDefault(); load(input.value); } },
    h("label", { for: "state-prefix", class: "visually-hidden" }, "Key prefix"), input, h("button", { type: "submit" }, "Filter"));
  load("");
  return [form, box];
}

export async function contract(ctx, param) {
  const d = await query(`query($a: String!, $first: Int!, $after: String) { contract(address: $a) {
      address codeId creator admin label createdHeight ibcPortId
      history { operation codeId updatedHeight msg }
      cw20 { name symbol decimals totalSupply minter cap ${HOLDERS} }
      cw721 { name symbol numTokens ${TOKENS} }
      ${CONTRACT_TXS} } }`, { a: param, first: PER, after: null });
  const c = d.contract;
  if (!c) return notFound("The contract", param);
  ctx.title = `Contract ${c.label || short(c.address, 10, 6)} — cometgraph explorer`;
  const again = (inner) => async (after) => (await query(`query($a: String!, $first: Int!, $after: String) { contract(address: $a) { ${inner} } }`,
    { a: c.address, first: PER, after })).contract;

  const histCols = [["Operation", "operation"], ["Code", "code-id"], ["Height", "height"], ["Message", "msg"]];
  const parts = [
    h("h1", {}, "Contract"),
    fields([
      ["Address", code(c.address, { class: "wrap", id: "address" }), "address"],
      ["Label", c.label, "label"],
      ["Code", String(c.codeId), "code-id"],
      ["Creator", accountLink(c.creator), "creator"],
      ["Admin", accountLink(c.admin) || "none", "admin"],
      ["Created at", blockLink(c.createdHeight), "created-height"],
    ]),
    section("Code history", scroll(h("table", { id: "history" }, thead(histCols), h("tbody", {}, c.history.map((e) =>
      tableRow(histCols, [e.operation.replace("CONTRACT_CODE_HISTORY_OPERATION_TYPE_", "").toLowerCase(), String(e.codeId),
        blockLink(e.updatedHeight), code(JSON.stringify(e.msg), { class: "wrap" })])))))),
  ];
  if (c.cw20) {
    const t = c.cw20;
    const holderCols = [["Holder", "address"], ["Balance", "amount"]];
    parts.push(section("CW20 token", fields([
      ["Name", t.name, "token-name"], ["Symbol", t.symbol, "token-symbol"], ["Decimals", String(t.decimals), "token-decimals"],
      ["Total supply", t.totalSupply, "token-supply"], ["Minter", accountLink(t.minter) || "none", "token-minter"], ["Cap", t.cap || "none", "token-cap"],
    ], { id: "cw20" })));
    parts.push(section("Holders", ...pagedTable("holders", holderCols, t.holders,
      (n) => tableRow(holderCols, [accountLink(n.address), n.amount], { dataset: { address: n.address } }),
      async (after) => (await again(`cw20 { ${HOLDERS} }`)(after)).cw20.holders, "No holders.")));
  }
  if (c.cw721) {
    const t = c.cw721;
    const tokenCols = [["Token", "token-id"], ["Owner", "owner"], ["URI", "uri"]];
    parts.push(section("CW721 collection", fields([
      ["Name", t.name, "collection-name"], ["Symbol", t.symbol, "collection-symbol"], ["Tokens", String(t.numTokens), "collection-tokens"],
    ], { id: "cw721" })));
    parts.push(section("Tokens", ...pagedTable("nfts", tokenCols, t.tokens,
      (n) => tableRow(tokenCols, [n.tokenId, accountLink(n.owner), n.tokenUri || "—"], { dataset: { tokenId: n.tokenId } }),
      async (after) => (await again(`cw721 { ${TOKENS} }`)(after)).cw721.tokens, "No tokens.")));
  }
  parts.push(section("State", ...stateBrowser(c.address)));
  parts.push(section("Transactions", ...pagedTable("contract-txs", TX_COLUMNS, c.txs,
    (t) => tableRow(TX_COLUMNS, [txLink(t.hash), blockLink(t.height), status(t.code, t.codespace), msgSummary(t.messages)], { dataset: { hash: t.hash } }),
    async (after) => (await again(CONTRACT_TXS)(after)).txs, "No transactions.")));
  return h("div", {}, ...parts);
}
