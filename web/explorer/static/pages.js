// The explorer's pages. Each page is `async (ctx, ...params) => Node`; `ctx.onCleanup(fn)`
// registers what to stop when the page is left (sockets, timers).

import { GqlError, query, request, subscribe } from "./gql.js";
import {
  ago, code, coins, errorBox, fields, h, link, msgSummary, notFound, short, status, table, tableRow, time,
} from "./dom.js";

const HOME_BLOCKS = 10;
const POLL_MS = 4000;
const BLOCK_FIELDS = "height hash time numTxs proposerAddress";


/** Consensus address (hex) → moniker, from `validators(height)`; {} when staking data is unavailable. */
function monikers(validators) {
  const m = {};
  for (const v of validators || []) if (v && v.staking) m[v.address] = v.staking.moniker;
  return m;
}

function validatorLabel(address, names) {
  if (!address) return h("span", { class: "muted" }, "—");
  const name = names[address];
  return h("span", { class: "validator", title: address },
    name ? [h("span", { class: "moniker" }, name), " "] : null,
    code(name ? short(address) : address, { class: "addr" }));
}

export const blockLink = (height) => link(`/block/${height}`, String(height));
export const txLink = (hash, full = false) => link(`/tx/${hash}`, full ? hash : short(hash, 10, 8), { title: hash, class: "mono" });
const accountLink = (addr) => link(`/account/${addr}`, addr, { class: "mono" });
/** The validator page's path; `height` (optional) keeps the page at that height. */
const validatorPath = (op, height) => `/validator/${op}${height === null || height === undefined ? "" : `?height=${height}`}`;

/**
 * A "More" button under a keyset-paged table: `show(page)` adds a page's rows, `next(cursor)`
 * fetches the page after `cursor`; the button hides on the last page and errors stay under it.
 */
export function pager(id, label, first, show, next) {
  const more = h("button", { type: "button", id }, label);
  const moreError = h("div", { "aria-live": "polite" });
  let page = first;
  const add = (p) => {
    page = p;
    show(p);
    more.hidden = !p.pageInfo.hasNextPage;
  };
  add(first);
  more.addEventListener("click", async () => {
    more.disabled = true;
    moreError.replaceChildren();
    try {
      add(await next(page.pageInfo.endCursor));
    } catch (e) {
      moreError.replaceChildren(errorBox(e instanceof GqlError ? e : new GqlError(String(e))));
    } finally {
      more.disabled = false;
    }
  });
  return { more, moreError };
}

export function section(title, ...content) {
  const id = "h-" + title.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  return h("section", { "aria-labelledby": id }, h("h2", { id }, title), ...content);
}

export const scroll = (el) => h("div", { class: "scroll" }, el);
export const thead = (cols) => h("thead", {}, h("tr", {}, cols.map(([c, k]) => h("th", { scope: "col", dataset: { col: k } }, c))));

// ---------------------------------------------------------------- home

const BLOCK_COLUMNS = [["Height", "height"], ["Hash", "hash"], ["Time", "time"], ["Txs", "txs"], ["Proposer", "proposer"]];

function blockRow(b, names) {
  return tableRow(BLOCK_COLUMNS, [
    blockLink(b.height),
    link(`/block/${b.height}`, short(b.hash, 10, 8), { title: b.hash, class: "mono", tabindex: "-1" }),
    [time(b.time), " ", h("span", { class: "muted ago", dataset: { t: b.time } }, ago(b.time))],
    String(b.numTxs),
    validatorLabel(b.proposerAddress, names),
  ], { dataset: { height: b.height, hash: b.hash } });
}

export async function home(ctx) {
  const [main, vals] = await Promise.all([
    query(`{ status { chainId latestHeight earliestHeight latestBlockTime nodeVersion }
             blocks(first: ${HOME_BLOCKS}) { nodes { ${BLOCK_FIELDS} } } }`),
    request("{ validators { address staking { moniker } } }").catch(() => ({ data: null })),
  ]);
  const names = monikers(vals.data && vals.data.validators);
  const st = main.status;
  ctx.title = `${st.chainId} — cometgraph explorer`;

  const latest = h("span", { id: "latest-height" }, String(st.latestHeight));
  const latestTime = h("span", { id: "latest-time" }, time(st.latestBlockTime));
  const mode = h("span", { id: "live", class: "live", dataset: { mode: "connecting" }, role: "status" }, "connecting…");
  const tbody = h("tbody");
  const shown = new Map(); // height → row
  let top = 0;

  const add = (blocks, fresh) => {
    for (const b of blocks) {
      if (!b || shown.has(b.height)) continue;
      const row = blockRow(b, names);
      if (fresh) row.classList.add("new");
      const after = [...tbody.children].find((r) => Number(r.dataset.height) < b.height);
      tbody.insertBefore(row, after || null);
      shown.set(b.height, row);
      if (b.height > top) {
        top = b.height;
        latest.textContent = String(b.height);
        latestTime.replaceChildren(time(b.time));
      }
    }
    while (tbody.children.length > HOME_BLOCKS) {
      const last = tbody.lastElementChild;
      shown.delete(Number(last.dataset.height));
      last.remove();
    }
  };
  add(main.blocks.nodes, false);

  const catchUp = async () => {
    const d = await query(`{ blocks(first: ${HOME_BLOCKS}) { nodes { ${BLOCK_FIELDS} } } }`);
    add(d.blocks.nodes.slice().reverse(), true);
  };

  // Live: graphql-transport-ws `newBlocks`; if the socket fails, poll instead.
  let timer = null;
  const setMode = (m, text) => { mode.dataset.mode = m; mode.textContent = text; };
  const poll = () => {
    setMode("polling", `polling every ${POLL_MS / 1000} s`);
    const tick = async () => {
      try {
        await catchUp();
        mode.classList.remove("stale");
      } catch {
        mode.classList.add("stale");
      }
      timer = setTimeout(tick, POLL_MS);
    };
    timer = setTimeout(tick, POLL_MS);
  };
  const close = subscribe(`subscription { newBlocks { ${BLOCK_FIELDS} } }`, {}, {
    onOpen: () => { setMode("websocket", "live"); catchUp().catch(() => {}); },
    onNext: (data) => {
      const list = [].concat(data.newBlocks || []);
      if (list.length && top && list[0].height > top + 1) catchUp().catch(() => {});
      add(list, true);
    },
    onFail: () => poll(),
  });
  const agoTimer = setInterval(() => {
    for (const el of tbody.querySelectorAll(".ago")) el.textContent = ago(el.dataset.t);
  }, 10000);
  ctx.onCleanup(() => { close(); clearTimeout(timer); clearInterval(agoTimer); });

  return h("div", {},
    h("h1", {}, "Chain ", h("span", { id: "chain-id" }, st.chainId)),
    fields([
      ["Chain ID", st.chainId, "chain-id"],
      ["Latest height", latest, "latest-height"],
      ["Latest block time", latestTime, "latest-time"],
      ["Earliest height", String(st.earliestHeight), "earliest-height"],
      ["Node version", st.nodeVersion, "node-version"],
    ]),
    h("section", { "aria-labelledby": "latest-blocks" },
      h("h2", { id: "latest-blocks" }, "Latest blocks ", mode),
      scroll(h("table", { id: "blocks" }, thead(BLOCK_COLUMNS), tbody)),
      h("p", {}, link("/blocks", "All blocks →"))));
}

// ---------------------------------------------------------------- blocks

export async function blocks(ctx) {
  const params = new URLSearchParams(location.search);
  const to = params.get("to");
  const [d, vals] = await Promise.all([
    query(`query($to: Int) { status { latestHeight earliestHeight }
      blocks(first: 20, maxHeight: $to) { nodes { ${BLOCK_FIELDS} } pageInfo { hasNextPage } } }`,
    { to: to === null ? null : Number(to) }),
    request("{ validators { address staking { moniker } } }").catch(() => ({ data: null })),
  ]);
  const names = monikers(vals.data && vals.data.validators);
  const nodes = d.blocks.nodes;
  ctx.title = "Blocks — cometgraph explorer";
  const nav = h("nav", { class: "pager", "aria-label": "Pages" },
    nodes.length && nodes[0].height < d.status.latestHeight
      ? link(`/blocks?to=${Math.min(nodes[0].height + 20, d.status.latestHeight)}`, "← Newer") : null,
    " ",
    d.blocks.pageInfo.hasNextPage && nodes.length
      ? link(`/blocks?to=${nodes[nodes.length - 1].height - 1}`, "Older →", { rel: "next" }) : null);
  return h("div", {},
    h("h1", {}, "Blocks"),
    nodes.length ? scroll(h("table", { id: "blocks" }, thead(BLOCK_COLUMNS), h("tbody", {}, nodes.map((b) => blockRow(b, names)))))
      : h("p", {}, "No blocks in this range."),
    nav);
}

// ---------------------------------------------------------------- block

const BLOCK_QUERY = `
  height hash time chainId proposerAddress numTxs size appHash versionBlock versionApp
  lastBlockHash lastCommitHash dataHash validatorsHash nextValidatorsHash consensusHash lastResultsHash evidenceHash
  txs { hash index code codespace messages { typeUrl } }
  lastCommit { height round blockHash signatures { blockIdFlag validatorAddress timestamp } }`;

const FLAGS = { BLOCK_ID_FLAG_COMMIT: "Commit", BLOCK_ID_FLAG_NIL: "Nil", BLOCK_ID_FLAG_ABSENT: "Absent" };

export async function block(ctx, param) {
  const byHeight = /^\d+$/.test(param);
  const d = await query(
    byHeight ? `query($v: Int!) { status { latestHeight } block(height: $v) { ${BLOCK_QUERY} } }`
      : `query($v: String!) { status { latestHeight } block(hash: $v) { ${BLOCK_QUERY} } }`,
    { v: byHeight ? Number(param) : param });
  const b = d.block;
  if (!b) return notFound(byHeight ? "Block at height" : "Block with hash", param);
  ctx.title = `Block ${b.height} — cometgraph explorer`;

  // Proposer and signer monikers: the set at this height and at the committed one (best effort).
  if (b.lastCommit && b.lastCommit.height < 1) b.lastCommit = null; // the first block's is empty
  const prev = b.lastCommit ? b.lastCommit.height : null;
  const vq = await request(`query($h: Int!, $p: Int!, $withPrev: Boolean!) {
      at: validators(height: $h) { address votingPower staking { moniker } }
      prev: validators(height: $p) @include(if: $withPrev) { address staking { moniker } } }`,
  { h: b.height, p: prev || 1, withPrev: !!prev }).catch(() => ({ data: null }));
  const vd = vq.data || {};
  const names = { ...monikers(vd.prev), ...monikers(vd.at) };
  const prevNames = { ...monikers(vd.at), ...monikers(vd.prev) };

  const txCols = [["#", "index"], ["Hash", "hash"], ["Status", "status"], ["Messages", "messages"]];
  const sigCols = [["Validator", "validator"], ["Vote", "flag"], ["Timestamp", "timestamp"]];
  return h("div", {},
    h("nav", { class: "pager", "aria-label": "Neighbouring blocks" },
      b.height > 1 ? link(`/block/${b.height - 1}`, "← Previous", { rel: "prev" }) : null, " ",
      b.height < d.status.latestHeight ? link(`/block/${b.height + 1}`, "Next →", { rel: "next" }) : null),
    h("h1", {}, "Block ", h("span", { id: "block-height" }, String(b.height))),
    fields([
      ["Hash", code(b.hash, { class: "wrap" }), "hash"],
      ["Time", time(b.time), "time"],
      ["Chain ID", b.chainId, "chain-id"],
      ["Proposer", validatorLabel(b.proposerAddress, names), "proposer"],
      ["Transactions", String(b.numTxs), "num-txs"],
      ["Validator set", link(`/validators?height=${b.height}`, `${(vd.at || []).length || "the"} validator${(vd.at || []).length === 1 ? "" : "s"} at this height`), "validator-set"],
      ["Size", `${b.size} bytes`, "size"],
      ["Previous block", b.lastBlockHash ? link(`/block/${b.height - 1}`, b.lastBlockHash, { class: "mono wrap" }) : null, "last-block-hash"],
      ["App hash", code(b.appHash, { class: "wrap" }), "app-hash"],
      ["Data hash", code(b.dataHash, { class: "wrap" }), "data-hash"],
      ["Validators hash", code(b.validatorsHash, { class: "wrap" }), "validators-hash"],
      ["Next validators hash", code(b.nextValidatorsHash, { class: "wrap" }), "next-validators-hash"],
      ["Consensus hash", code(b.consensusHash, { class: "wrap" }), "consensus-hash"],
      ["Last results hash", code(b.lastResultsHash, { class: "wrap" }), "last-results-hash"],
      ["Last commit hash", code(b.lastCommitHash, { class: "wrap" }), "last-commit-hash"],
      ["Evidence hash", code(b.evidenceHash, { class: "wrap" }), "evidence-hash"],
      ["Version", `block ${b.versionBlock}, app ${b.versionApp}`, "version"],
    ]),
    section("Transactions",
      b.txs.length
        ? scroll(table(null, txCols, b.txs.map((t) => [String(t.index), txLink(t.hash), status(t.code, t.codespace), msgSummary(t.messages)]), { id: "txs" }))
        : h("p", { class: "muted" }, "No transactions in this block.")),
    section("Commit signatures",
      b.lastCommit
        ? [h("p", {}, "The commit of block ", blockLink(b.lastCommit.height), ` (round ${b.lastCommit.round}) carried in this block.`),
          scroll(table(null, sigCols, b.lastCommit.signatures.map((s) => [
            validatorLabel(s.validatorAddress, prevNames),
            h("span", { dataset: { flag: s.blockIdFlag } }, FLAGS[s.blockIdFlag] || s.blockIdFlag),
            s.blockIdFlag === "BLOCK_ID_FLAG_ABSENT" ? "—" : time(s.timestamp),
          ]), { id: "signatures" }))]
        : h("p", { class: "muted" }, "The first block carries no commit.")));
}

// ---------------------------------------------------------------- tx

export async function tx(ctx, param) {
  const d = await query(`query($h: String!) { tx(hash: $h) {
      hash height index code codespace log gasWanted gasUsed memo timeoutHeight signers
      fee { amount { denom amount metadata { symbol display exponent } } gasLimit payer granter }
      block { time }
      messages { typeUrl json }
      events { type attributes { key value } } } }`, { h: param });
  const t = d.tx;
  if (!t) return notFound("Transaction", param);
  ctx.title = `Tx ${short(t.hash)} — cometgraph explorer`;
  return h("div", {},
    h("h1", {}, "Transaction"),
    fields([
      ["Hash", code(t.hash, { class: "wrap", id: "tx-hash" }), "hash"],
      ["Status", status(t.code, t.codespace), "status"],
      ["Block", [blockLink(t.height), ` (index ${t.index})`], "height"],
      ["Time", time(t.block.time), "time"],
      ["Fee", coins(t.fee.amount), "fee"],
      ["Gas limit", t.fee.gasLimit, "gas-limit"],
      ["Gas used / wanted", [h("span", { id: "gas-used" }, t.gasUsed), " / ", h("span", { id: "gas-wanted" }, t.gasWanted)], "gas"],
      ["Memo", t.memo ? h("span", { id: "memo", class: "memo" }, t.memo) : null, "memo"],
      ["Signers", t.signers.length ? h("ul", { class: "plain" }, t.signers.map((s) => h("li", {}, accountLink(s)))) : null, "signers"],
      t.fee.payer ? ["Fee payer", accountLink(t.fee.payer), "payer"] : null,
      t.fee.granter ? ["Fee granter", accountLink(t.fee.granter), "granter"] : null,
      t.timeoutHeight !== "0" ? ["Timeout height", t.timeoutHeight, "timeout-height"] : null,
      t.code !== 0 ? ["Log", h("pre", { class: "log" }, t.log), "log"] : null,
    ]),
    section(`Messages (${t.messages.length})`,
      h("ol", { class: "messages", id: "messages" }, t.messages.map((m) =>
        h("li", {}, h("h3", {}, code(m.typeUrl)), h("pre", { class: "json" }, JSON.stringify(m.json, null, 2)))))),
    section(`Events (${t.events.length})`,
      h("div", { id: "events" }, t.events.map((e) =>
        h("details", { class: "event" },
          h("summary", {}, code(e.type)),
          scroll(table(null, [["Key", "key"], ["Value", "value"]], e.attributes.map((a) => [a.key, h("span", { class: "wrap" }, a.value)]))))))));
}

// ---------------------------------------------------------------- account

const ACCOUNT_TXS = `txs(first: $first, after: $after) { nodes { hash height code codespace messages { typeUrl } } pageInfo { hasNextPage endCursor } }`;
export const TX_COLUMNS = [["Hash", "hash"], ["Height", "height"], ["Status", "status"], ["Messages", "messages"]];

export async function account(ctx, param) {
  // page size of the tx history: ?first=N (1–100), default 10
  const per = Math.min(100, Math.max(1, Number(new URLSearchParams(location.search).get("first")) || 10));
  const d = await query(`query($a: String!, $first: Int!, $after: String) { account(address: $a) {
      address typeUrl accountNumber sequence moduleName pubKeyType
      balances { denom amount trace { path baseDenom } metadata { symbol display exponent } }
      delegations { validatorAddress shares balance { denom amount } validator { moniker } }
      unbondingDelegations { validatorAddress entries { creationHeight completionTime balance } }
      rewards { validatorAddress amount { denom amount } }
      rewardsTotal { denom amount }
      ${ACCOUNT_TXS} }
    contract(address: $a) { label } }`, { a: param, first: per, after: null });
  const a = d.account;
  if (!a) return notFound("The address", param);
  ctx.title = `Account ${short(a.address, 10, 6)} — cometgraph explorer`;

  const tbody = h("tbody");
  const { more, moreError } = pager("more-txs", "More transactions", a.txs,
    (p) => {
      for (const t of p.nodes) {
        tbody.append(tableRow(TX_COLUMNS, [txLink(t.hash), blockLink(t.height), status(t.code, t.codespace), msgSummary(t.messages)], { dataset: { hash: t.hash } }));
      }
    },
    async (after) => (await query(`query($a: String!, $first: Int!, $after: String) { account(address: $a) { ${ACCOUNT_TXS} } }`,
      { a: a.address, first: per, after })).account.txs);

  const delCols = [["Validator", "validator"], ["Shares", "shares"], ["Balance", "balance"]];
  const unbCols = [["Validator", "validator"], ["Created at", "creation-height"], ["Completes", "completion-time"], ["Balance", "balance"]];
  const rewardCols = [["Validator", "validator"], ["Pending reward", "reward"]];
  // Rewards accrue per delegation: the delegations name their validators (an unknown one shows its address only).
  const named = new Map(a.delegations.map((x) => [x.validatorAddress, x.validator]));
  const valName = (addr, v) => h("span", { title: addr }, v ? [h("span", { class: "moniker" }, v.moniker), " "] : null,
    link(validatorPath(addr), short(addr, 14, 6), { class: "mono" }));
  let rewards = h("p", { class: "muted", id: "no-rewards" }, "No pending rewards.");
  if (a.rewards.length) {
    rewards = table(null, rewardCols, a.rewards.map((r) => [valName(r.validatorAddress, named.get(r.validatorAddress)), coins(r.amount)]), { id: "rewards" });
    rewards.append(h("tfoot", {}, tableRow(rewardCols, [h("strong", {}, "Total"), coins(a.rewardsTotal)], { id: "rewards-total" })));
    rewards = scroll(rewards);
  }
  return h("div", {},
    h("h1", {}, "Account"),
    d.contract ? h("p", { id: "is-contract" }, "This address is a contract: ", link(`/contract/${a.address}`, d.contract.label || "its page")) : null,
    fields([
      ["Address", code(a.address, { class: "wrap", id: "address" }), "address"],
      ["Type", a.typeUrl ? code(a.typeUrl) : "no auth record", "type"],
      a.moduleName ? ["Module", a.moduleName, "module"] : null,
      ["Account number", a.accountNumber, "account-number"],
      ["Sequence", a.sequence, "sequence"],
      ["Public key type", a.pubKeyType ? code(a.pubKeyType) : "none (never signed)", "pubkey-type"],
    ]),
    section("Balances", h("div", { id: "balances" }, coins(a.balances))),
    section("Delegations", a.delegations.length
      ? scroll(table(null, delCols, a.delegations.map((x) => [valName(x.validatorAddress, x.validator), x.shares, coins([x.balance])]), { id: "delegations" }))
      : h("p", { class: "muted" }, "No delegations.")),
    section("Pending rewards", rewards),
    section("Unbonding", a.unbondingDelegations.length
      ? scroll(table(null, unbCols, a.unbondingDelegations.flatMap((u) => u.entries.map((e) =>
        [valName(u.validatorAddress, null), blockLink(e.creationHeight), time(e.completionTime), e.balance])), { id: "unbonding" }))
      : h("p", { class: "muted" }, "Nothing unbonding.")),
    section("Transactions",
      scroll(h("table", { id: "account-txs" }, thead(TX_COLUMNS), tbody)),
      a.txs.nodes.length ? null : h("p", { class: "muted" }, "No transactions."),
      more, moreError));
}

// ---------------------------------------------------------------- validators

function percent(num, den) {
  if (!den) return "—";
  const bp = (num * 10000n) / den; // basis points, floored
  return `${bp / 100n}.${String(bp % 100n).padStart(2, "0")}%`;
}

const uptime = (u) => (u === null || u === undefined ? "—" : `${(u * 100).toFixed(2)}%`);

export async function validators(ctx) {
  const param = new URLSearchParams(location.search).get("height");
  const height = param === null ? null : Number(param);
  const { data, errors } = await request(`query($h: Int) { status { latestHeight }
      validators(height: $h) { address votingPower proposerPriority staking { moniker operatorAddress consensusAddress } }
      stakingValidators(height: $h) { operatorAddress consensusAddress moniker status jailed tokens commissionRate uptime(window: 100) } }`,
  { h: height });
  if (!data || !data.validators) throw errors[0] || new GqlError("no data", "INTERNAL");
  const at = height === null ? data.status.latestHeight : height;
  ctx.title = `Validators${height === null ? "" : ` at ${height}`} — cometgraph explorer`;
  const staking = data.stakingValidators || [];
  const byCons = new Map(staking.map((s) => [s.consensusAddress, s]));
  const total = data.validators.reduce((t, v) => t + BigInt(v.votingPower), 0n);
  const inSet = new Set();

  const setCols = [["Moniker", "moniker"], ["Operator", "operator"], ["Consensus address", "address"],
    ["Voting power", "power"], ["Share", "share"], ["Uptime (100 blocks)", "uptime"]];
  const setRows = data.validators.map((v) => {
    const s = v.staking && byCons.get(v.staking.consensusAddress);
    if (v.staking) inSet.add(v.staking.operatorAddress);
    return tableRow(setCols, [
      v.staking ? link(validatorPath(v.staking.operatorAddress, height), v.staking.moniker, { class: "moniker" }) : h("span", { class: "muted" }, "unknown"),
      v.staking ? code(v.staking.operatorAddress, { class: "wrap" }) : "—",
      code(v.address),
      v.votingPower,
      percent(BigInt(v.votingPower), total),
      s ? uptime(s.uptime) : "—",
    ], { id: v.staking ? v.staking.operatorAddress : v.address, dataset: { address: v.address, cons: v.staking && v.staking.consensusAddress } });
  });

  const others = staking.filter((s) => !inSet.has(s.operatorAddress));
  const otherCols = [["Moniker", "moniker"], ["Operator", "operator"], ["Status", "status"], ["Tokens", "tokens"], ["Uptime (100 blocks)", "uptime"]];
  const otherRows = others.map((s) => tableRow(otherCols, [
    link(validatorPath(s.operatorAddress, height), s.moniker, { class: "moniker" }), code(s.operatorAddress, { class: "wrap" }),
    [s.status.toLowerCase(), s.jailed ? h("span", { class: "badge fail" }, "jailed") : null].flatMap((x, i) => (i && x ? [" ", x] : [x])),
    s.tokens, uptime(s.uptime),
  ], { id: s.operatorAddress, dataset: { cons: s.consensusAddress } }));

  const page = h("div", {},
    h("h1", {}, "Validators"),
    h("p", {}, "The CometBFT validator set at height ", h("span", { id: "set-height" }, String(at)), ": ",
      `${data.validators.length} validator${data.validators.length === 1 ? "" : "s"}, total voting power `,
      h("span", { id: "total-power" }, String(total)), "."),
    errors.length ? errorBox(errors[0], "Staking data unavailable") : null,
    scroll(h("table", { id: "validator-set" }, thead(setCols), h("tbody", {}, setRows))),
    others.length ? section("Other staking validators",
      scroll(h("table", { id: "other-validators" }, thead(otherCols), h("tbody", {}, otherRows)))) : null);

  const want = decodeURIComponent(location.hash.slice(1));
  if (want) {
    const row = [...page.querySelectorAll("tr[id]")].find((r) => r.id.toLowerCase() === want.toLowerCase()
      || r.dataset.cons === want.toLowerCase() || r.dataset.address === want.toUpperCase());
    if (row) {
      row.classList.add("highlight");
      row.setAttribute("aria-current", "true");
      ctx.afterRender(() => row.scrollIntoView({ block: "center" }));
    } else {
      page.insertBefore(h("p", { class: "error", role: "alert" }, "No validator ", code(want), " at this height."), page.children[1]);
    }
  }
  return page;
}

// ---------------------------------------------------------------- validator

/** A decimal rate ("0.100000000000000000") as a percentage, floored to 0.01 %. */
function ratePercent(rate) {
  const m = /^(\d+)(?:\.(\d*))?$/.exec(rate || "");
  if (!m) return "";
  return percent(BigInt(m[1]) * 10000n + BigInt(((m[2] || "") + "0000").slice(0, 4)), 10000n);
}

const STAKING_FIELDS = `operatorAddress consensusAddress moniker identity website securityContact details
  commissionRate commissionMaxRate commissionMaxChangeRate commissionUpdateTime
  tokens delegatorShares status jailed unbondingHeight unbondingTime minSelfDelegation uptime(window: 100)
  signingInfo { startHeight missedBlocksCounter jailedUntil tombstoned }
  commission { denom amount } outstandingRewards { denom amount }`;
const VALIDATOR_DELEGATIONS = `delegations(first: $first, after: $after) {
  edges { cursor node { delegatorAddress shares balance { denom amount } } } pageInfo { hasNextPage endCursor } }`;
const DELEGATOR_COLUMNS = [["#", "rank"], ["Delegator", "delegator"], ["Stake", "stake"], ["Share of tokens", "share"], ["Shares", "shares"]];

export async function validator(ctx, param) {
  const params = new URLSearchParams(location.search);
  const height = params.get("height") === null ? null : Number(params.get("height"));
  // page size of the delegators: ?first=N (1–100), default 20
  const per = Math.min(100, Math.max(1, Number(params.get("first")) || 20));
  const d = await query(`query($o: String!, $h: Int, $first: Int!, $after: String) { status { latestHeight }
      stakingValidator(operatorAddress: $o, height: $h) { ${STAKING_FIELDS} ${VALIDATOR_DELEGATIONS} } }`,
  { o: param, h: height, first: per, after: null });
  const v = d.stakingValidator;
  if (!v) return notFound(height === null ? "The validator" : `At height ${height}, the validator`, param);
  // Every page of delegators is read at the same height: cursors belong to one height, and the
  // ranking does not shift under the reader while new blocks arrive.
  const at = height === null ? d.status.latestHeight : height;
  ctx.title = `${v.moniker} — validator — cometgraph explorer`;

  const tokens = BigInt(v.tokens);
  const tbody = h("tbody");
  let rank = 0;
  const { more, moreError } = pager("more-delegators", "More delegators", v.delegations,
    (p) => {
      for (const { node: x } of p.edges) {
        rank += 1;
        tbody.append(tableRow(DELEGATOR_COLUMNS, [
          String(rank),
          accountLink(x.delegatorAddress),
          coins([x.balance]),
          percent(BigInt(x.balance.amount), tokens),
          h("span", { class: "mono" }, x.shares),
        ], { dataset: { delegator: x.delegatorAddress } }));
      }
    },
    async (after) => {
      const n = await query(`query($o: String!, $h: Int!, $first: Int!, $after: String) {
          stakingValidator(operatorAddress: $o, height: $h) { ${VALIDATOR_DELEGATIONS} } }`,
      { o: v.operatorAddress, h: at, first: per, after });
      if (!n.stakingValidator) throw new GqlError(`validator ${v.operatorAddress} is gone at height ${at}`, "NOT_FOUND");
      return n.stakingValidator.delegations;
    });

  const si = v.signingInfo;
  const website = /^https?:\/\//i.test(v.website || "")
    ? h("a", { href: v.website, rel: "noopener noreferrer nofollow", target: "_blank", class: "wrap" }, v.website) : v.website;
  const rate = (r, id) => [h("span", { class: "mono", id }, r), " ", h("span", { class: "muted" }, `(${ratePercent(r)})`)];
  return h("div", {},
    h("nav", { class: "pager", "aria-label": "Validators" },
      link(`/validators${height === null ? "" : `?height=${height}`}#${v.operatorAddress}`, "← All validators"), " "),
    h("h1", {}, "Validator ", h("span", { id: "validator-moniker", class: "moniker" }, v.moniker)),
    h("p", {}, "The staking module's record at height ", h("span", { id: "validator-height" }, String(at)),
      height === null ? " (the latest)." : [" (", link(validatorPath(v.operatorAddress), "latest"), ")."]),
    fields([
      ["Operator address", code(v.operatorAddress, { class: "wrap", id: "operator" }), "operator"],
      ["Consensus address", code(v.consensusAddress, { class: "wrap" }), "consensus-address"],
      ["Status", h("span", { dataset: { status: v.status } }, v.status.toLowerCase(),
        v.jailed ? [" ", h("span", { class: "badge fail", id: "jailed" }, "jailed")] : null), "status"],
      ["Tokens", h("span", { class: "mono" }, v.tokens), "tokens"],
      ["Delegator shares", h("span", { class: "mono" }, v.delegatorShares), "delegator-shares"],
      ["Commission rate", rate(v.commissionRate, "commission-rate"), "commission-rate"],
      ["Max commission rate", rate(v.commissionMaxRate, "commission-max-rate"), "commission-max-rate"],
      ["Max daily change", rate(v.commissionMaxChangeRate, "commission-max-change-rate"), "commission-max-change-rate"],
      ["Commission updated", time(v.commissionUpdateTime), "commission-update-time"],
      ["Accumulated commission", coins(v.commission), "commission"],
      ["Outstanding rewards", coins(v.outstandingRewards), "outstanding-rewards"],
      ["Min self delegation", h("span", { class: "mono" }, v.minSelfDelegation), "min-self-delegation"],
      ["Uptime (100 blocks)", uptime(v.uptime), "uptime"],
      si ? ["Missed blocks", String(si.missedBlocksCounter), "missed-blocks"] : null,
      si && v.jailed ? ["Jailed until", time(si.jailedUntil), "jailed-until"] : null,
      si && si.tombstoned ? ["Tombstoned", h("span", { class: "badge fail" }, "tombstoned"), "tombstoned"] : null,
      v.status !== "BONDED" && v.unbondingHeight ? ["Unbonding since", [blockLink(v.unbondingHeight), " until ", time(v.unbondingTime)], "unbonding"] : null,
      v.website ? ["Website", website, "website"] : null,
      v.identity ? ["Identity", v.identity, "identity"] : null,
      v.securityContact ? ["Security contact", v.securityContact, "security-contact"] : null,
      v.details ? ["Details", h("span", { class: "memo" }, v.details), "details"] : null,
    ]),
    section("Delegators",
      h("p", { class: "muted" }, "Largest stake first; ties by delegator address."),
      v.delegations.edges.length
        ? [scroll(h("table", { id: "delegators" }, thead(DELEGATOR_COLUMNS), tbody)), more, moreError]
        : h("p", { class: "muted", id: "no-delegators" }, "No delegators.")));
}
