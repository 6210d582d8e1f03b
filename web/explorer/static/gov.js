// Governance pages: the proposal list (by id, filterable by status) and a proposal with its
// tally bar (the node's tally at that height: computed while voting, final afterwards), votes,
// deposits and messages. Coins name their denoms (dom.js `coins`).

import { query } from "./gql.js";
import { code, coins, fields, h, link, notFound, tableRow, time } from "./dom.js";
import { pager, scroll, section, thead } from "./pages.js";

const PER = 20;
const COIN = "denom amount trace { path baseDenom } metadata { symbol display exponent }";
const STATUSES = ["DEPOSIT_PERIOD", "VOTING_PERIOD", "PASSED", "REJECTED", "FAILED"];
const LIST = `proposals(status: $status, first: $first, after: $after) {
  nodes { id title status votingEndTime expedited totalDeposit { ${COIN} } } pageInfo { hasNextPage endCursor } }`;
const VOTES = `votes(first: $first, after: $after) { nodes { voter metadata options { option weight } } pageInfo { hasNextPage endCursor } }`;
const DEPOSITS = `deposits(first: $first, after: $after) { nodes { depositor amount { ${COIN} } } pageInfo { hasNextPage endCursor } }`;

const accountLink = (addr) => link(`/account/${addr}`, addr, { class: "mono" });
const statusName = (s) => s.replace(/_/g, " ").toLowerCase();

export function proposalStatus(s) {
  const cls = s === "PASSED" ? "ok" : s === "REJECTED" || s === "FAILED" ? "fail" : "open";
  return h("span", { class: `badge ${cls}`, dataset: { status: s } }, statusName(s));
}

const LIST_COLUMNS = [["ID", "id"], ["Title", "title"], ["Status", "status"], ["Voting ends", "voting-end"], ["Deposit", "deposit"]];

function listRow(p) {
  return tableRow(LIST_COLUMNS, [
    link(`/proposal/${p.id}`, `#${p.id}`),
    [link(`/proposal/${p.id}`, p.title || "(untitled)"), p.expedited ? h("span", { class: "badge open expedited" }, "expedited") : null],
    proposalStatus(p.status),
    time(p.votingEndTime),
    coins(p.totalDeposit),
  ], { dataset: { id: p.id, status: p.status } });
}

export async function proposals(ctx) {
  const status = new URLSearchParams(location.search).get("status");
  const vars = { status: STATUSES.includes(status) ? status : null, first: PER, after: null };
  const q = `query($status: ProposalStatus, $first: Int!, $after: String) { ${LIST} }`;
  const first = (await query(q, vars)).proposals;
  ctx.title = "Governance — cometgraph explorer";
  const tbody = h("tbody");
  const { more, moreError } = pager("more-proposals", "More proposals", first, (p) => p.nodes.forEach((n) => tbody.append(listRow(n))),
    async (after) => (await query(q, { ...vars, after })).proposals);
  const filter = h("nav", { class: "filters", "aria-label": "Proposal status" },
    [null, ...STATUSES].map((s) => link(s ? `/proposals?status=${s}` : "/proposals", s ? statusName(s) : "all",
      { "aria-current": (vars.status || null) === s ? "page" : null, dataset: { filter: s || "all" } })));
  return h("div", {},
    h("h1", {}, "Governance proposals"),
    filter,
    scroll(h("table", { id: "proposals" }, thead(LIST_COLUMNS), tbody)),
    first.nodes.length ? null : h("p", { class: "muted", id: "no-proposals" }, "No proposals."),
    more, moreError);
}

/** A tally as a bar of four parts (yes, no, veto, abstain) in proportion to their power. */
export function tallyBar(t) {
  const parts = [["yes", "Yes", t.yes], ["no", "No", t.no], ["veto", "No with veto", t.noWithVeto], ["abstain", "Abstain", t.abstain]];
  const total = parts.reduce((s, [, , v]) => s + BigInt(v), 0n);
  const pct = (v) => (total === 0n ? 0 : Number((BigInt(v) * 10000n) / total) / 100);
  const label = total === 0n ? "No votes counted" : parts.map(([, name, v]) => `${name} ${pct(v).toFixed(2)}%`).join(", ");
  return h("div", { class: "tally", id: "tally" },
    h("div", { class: "tally-bar", role: "img", "aria-label": label, dataset: { total: String(total) } },
      parts.map(([key, name, v]) => h("span", { class: `tally-${key}`, style: `width: ${pct(v)}%`, title: `${name}: ${v}`, dataset: { option: key, power: v } }))),
    h("ul", { class: "tally-legend" }, parts.map(([key, name, v]) =>
      h("li", { dataset: { option: key } }, h("span", { class: `swatch tally-${key}` }), `${name}: `, h("span", { class: "power" }, v),
        total === 0n ? null : h("span", { class: "muted" }, ` (${pct(v).toFixed(2)}%)`)))));
}

const VOTE_COLUMNS = [["Voter", "voter"], ["Vote", "options"], ["Metadata", "metadata"]];
const DEPOSIT_COLUMNS = [["Depositor", "depositor"], ["Amount", "amount"]];

const voteText = (options) => options.map((o) => {
  const name = statusName(o.option.replace("VOTE_OPTION_", ""));
  return Number(o.weight) === 1 ? name : `${name} ${(Number(o.weight) * 100).toFixed(1)}%`;
}).join(", ");

export async function proposal(ctx, param) {
  const params = new URLSearchParams(location.search);
  const height = params.get("height") === null ? null : Number(params.get("height"));
  if (!/^\d+$/.test(param)) return notFound("The proposal", param);
  const q = `query($id: Int!, $h: Int, $first: Int!, $after: String) { proposal(id: $id, height: $h) {
      id title summary metadata proposer status expedited failedReason submitTime depositEndTime votingStartTime votingEndTime
      totalDeposit { ${COIN} } tally { yes no abstain noWithVeto } messages { typeUrl json } ${VOTES} ${DEPOSITS} } }`;
  const vars = { id: Number(param), h: height, first: PER, after: null };
  const p = (await query(q, vars)).proposal;
  if (!p) return notFound("The proposal", `#${param}`);
  ctx.title = `Proposal #${p.id} — cometgraph explorer`;
  const again = (inner, pick) => async (after) => pick((await query(`query($id: Int!, $h: Int, $first: Int!, $after: String) { proposal(id: $id, height: $h) { ${inner} } }`,
    { ...vars, after })).proposal);

  const vbody = h("tbody");
  const votes = pager("more-votes", "More votes", p.votes, (pg) => pg.nodes.forEach((v) =>
    vbody.append(tableRow(VOTE_COLUMNS, [accountLink(v.voter), voteText(v.options), v.metadata || "—"], { dataset: { voter: v.voter } }))),
  again(VOTES, (x) => x.votes));
  const dbody = h("tbody");
  const deposits = pager("more-deposits", "More deposits", p.deposits, (pg) => pg.nodes.forEach((d) =>
    dbody.append(tableRow(DEPOSIT_COLUMNS, [accountLink(d.depositor), coins(d.amount)], { dataset: { depositor: d.depositor } }))),
  again(DEPOSITS, (x) => x.deposits));
  const voting = p.status === "VOTING_PERIOD";
  return h("div", {},
    h("h1", {}, `Proposal #${p.id}: `, h("span", { id: "proposal-title" }, p.title || "(untitled)")),
    fields([
      ["Status", [proposalStatus(p.status), p.expedited ? [" ", h("span", { class: "badge open expedited" }, "expedited")] : null], "status"],
      ["Proposer", p.proposer ? accountLink(p.proposer) : null, "proposer"],
      ["Submitted", time(p.submitTime), "submit-time"],
      ["Deposit ends", time(p.depositEndTime), "deposit-end-time"],
      ["Voting starts", time(p.votingStartTime), "voting-start-time"],
      ["Voting ends", time(p.votingEndTime), "voting-end-time"],
      ["Total deposit", coins(p.totalDeposit), "total-deposit"],
      p.metadata ? ["Metadata", code(p.metadata, { class: "wrap" }), "metadata"] : null,
      p.failedReason ? ["Failed because", p.failedReason, "failed-reason"] : null,
      height === null ? null : ["At height", String(height), "height"],
    ]),
    p.summary ? h("p", { id: "summary", class: "summary" }, p.summary) : null,
    section(voting ? "Tally so far" : "Tally",
      voting ? h("p", { class: "muted" }, "Computed as the node does while voting is open: validators' votes count for delegators who did not vote.") : null,
      tallyBar(p.tally)),
    section("Votes", scroll(h("table", { id: "votes" }, thead(VOTE_COLUMNS), vbody)),
      p.votes.nodes.length ? null : h("p", { class: "muted", id: "no-votes" }, voting ? "No votes yet." : "No votes stored (the node deletes them when voting ends)."),
      votes.more, votes.moreError),
    section("Deposits", scroll(h("table", { id: "deposits" }, thead(DEPOSIT_COLUMNS), dbody)),
      p.deposits.nodes.length ? null : h("p", { class: "muted", id: "no-deposits" }, "No deposits stored."),
      deposits.more, deposits.moreError),
    section(`Messages (${p.messages.length})`, h("ol", { class: "messages", id: "messages" }, p.messages.map((m) =>
      h("li", {}, h("h3", {}, code(m.typeUrl)), h("pre", { class: "json" }, JSON.stringify(m.json, null, 2)))))));
}
