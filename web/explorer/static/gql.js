// GraphQL over HTTP (POST /graphql) and a minimal graphql-transport-ws client.

export const ENDPOINT = "/graphql";

/** A GraphQL or transport error: `message`, `code` (extensions.code or HTTP_nnn), `path`. */
export class GqlError extends Error {
  constructor(message, code, path) {
    super(message);
    this.name = "GqlError";
    this.code = code || "ERROR";
    this.path = path || null;
  }
  static from(err) {
    return new GqlError(err.message || String(err), err.extensions && err.extensions.code, err.path);
  }
}

/**
 * POST a query; returns `{data, errors}` with errors as GqlError (partial data is kept).
 * Network and HTTP failures throw a GqlError.
 */
export async function request(query, variables = {}) {
  let res;
  try {
    res = await fetch(ENDPOINT, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query, variables }),
    });
  } catch (e) {
    throw new GqlError(`network error: ${e.message}`, "NETWORK");
  }
  let body;
  try {
    body = await res.json();
  } catch {
    throw new GqlError(`HTTP ${res.status} ${res.statusText}`, `HTTP_${res.status}`);
  }
  return { data: body.data || null, errors: (body.errors || []).map(GqlError.from) };
}

/** Like request(), but any error throws (the first one). */
export async function query(q, variables = {}) {
  const { data, errors } = await request(q, variables);
  if (errors.length) throw errors[0];
  return data;
}

/**
 * Subscribe over graphql-transport-ws at /graphql.
 * `onNext(data)` gets each result's data; `onFail(error)` is called once if the socket
 * fails, the server refuses, or the stream ends (the caller falls back to polling).
 * Returns `close()`.
 */
export function subscribe(q, variables, { onNext, onFail, onOpen }) {
  const url = new URL(ENDPOINT, location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  let ws;
  let done = false;
  const fail = (err) => {
    if (done) return;
    done = true;
    try { ws.close(1000); } catch { /* already closed */ }
    onFail && onFail(err);
  };
  try {
    ws = new WebSocket(url, "graphql-transport-ws");
  } catch (e) {
    queueMicrotask(() => fail(new GqlError(e.message, "WEBSOCKET")));
    return () => { done = true; };
  }
  const ackTimer = setTimeout(() => fail(new GqlError("no connection_ack", "WEBSOCKET")), 5000);
  const send = (msg) => ws.send(JSON.stringify(msg));
  ws.onopen = () => send({ type: "connection_init", payload: {} });
  ws.onmessage = (ev) => {
    let msg;
    try { msg = JSON.parse(ev.data); } catch { return fail(new GqlError("bad message", "WEBSOCKET")); }
    switch (msg.type) {
      case "connection_ack":
        clearTimeout(ackTimer);
        send({ id: "1", type: "subscribe", payload: { query: q, variables } });
        onOpen && onOpen();
        break;
      case "ping":
        send({ type: "pong" });
        break;
      case "next":
        if (msg.payload && msg.payload.errors && msg.payload.errors.length) {
          fail(GqlError.from(msg.payload.errors[0]));
        } else if (msg.payload && msg.payload.data) {
          onNext(msg.payload.data);
        }
        break;
      case "error":
        fail(GqlError.from((msg.payload && msg.payload[0]) || { message: "subscription refused" }));
        break;
      case "complete":
        fail(new GqlError("subscription completed by the server", "WEBSOCKET"));
        break;
    }
  };
  ws.onerror = () => fail(new GqlError("websocket error", "WEBSOCKET"));
  ws.onclose = (ev) => {
    clearTimeout(ackTimer);
    fail(new GqlError(`websocket closed (${ev.code}${ev.reason ? ": " + ev.reason : ""})`, "WEBSOCKET"));
  };
  return () => {
    if (done) return;
    done = true;
    clearTimeout(ackTimer);
    try {
      if (ws.readyState === WebSocket.OPEN) send({ id: "1", type: "complete" });
      ws.close(1000);
    } catch { /* ignore */ }
  };
}
