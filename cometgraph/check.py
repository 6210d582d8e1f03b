"""``cometgraph check``: which databases and formats a node home holds, its height ranges,
and anything that cannot be read — before serving it."""

from __future__ import annotations

from cometgraph.storage.chain import View
from cometgraph.storage.errors import CometgraphError
from cometgraph.storage.kv import first


def _probe(report: dict, key: str, fn) -> None:
    try:
        report[key] = fn()
    except CometgraphError as exc:
        report.setdefault("problems", []).append(f"{key}: {exc}")
    except Exception as exc:  # noqa: BLE001 - a report, not a crash
        report.setdefault("problems", []).append(f"{key}: unexpected {type(exc).__name__}: {exc}")


def report(view: View, data_dir) -> dict:
    snap = view.snapshot
    out: dict = {"data_dir": str(data_dir), "databases": {}}
    for name in ("blockstore", "state", "tx_index", "application", "evidence"):
        present = (data_dir / f"{name}.db").is_dir()
        status = "missing"
        if name in snap.broken:
            status = f"cannot open: {snap.broken[name]}"
        elif snap.db(name) is not None:
            status = "ok"
        elif present:
            status = "present (not read)"
        out["databases"][name] = status
    blocks, state = view.blocks, view.state
    _probe(out, "blocks", lambda: {"base": blocks.base(), "height": blocks.height(), "key_layout": type(blocks.layout).__name__.strip("_").lower()})

    def chain():
        st = state.load_state()
        meta = blocks.load_block_meta(view.latest_height) if view.latest_height else None
        return {
            "chain_id": meta.header.chain_id if meta else (st.chain_id if st else None),
            "latest_height": view.latest_height,
            "earliest_height": view.earliest_height,
            "latest_block_hash": meta.block_id.hash.hex().upper() if meta else None,
            "node_version": st.software if st else None,
            "block_protocol": meta.header.version_block if meta else None,
        }

    _probe(out, "chain", chain)

    def results():
        r = state.load_block_results(view.latest_height) if view.latest_height else None
        return {"abci_results_layout": r.layout if r else "none kept"}

    _probe(out, "state", results)

    def txindex():
        txs = view.txs
        if not getattr(txs, "enabled", False):
            return {"enabled": False}
        k = first(k for k in txs.kv.iterate(prefix=b"tx.height/", include_value=False))
        return {"enabled": True, "event_sequence_keys": bool(k and b"$es$" in k), "event_keys": len(txs.event_keys())}

    _probe(out, "tx_index", txindex)
    app = view.readers.app
    if app is not None:

        def application():
            latest = app.latest_version()
            info = app.commit_info(latest)
            db = app.kv
            kinds = set()
            for store in list(info)[:50]:
                p = b"s/k:" + store.encode() + b"/"
                if first(db.iterate(prefix=p + b"s", include_value=False)) is not None:
                    kinds.add("iavl-v1")
                if first(db.iterate(prefix=p + b"r", include_value=False)) is not None:
                    kinds.add("iavl-legacy")
            return {
                "latest_version": latest,
                "earliest_version": app.earliest_version(),
                "stores": sorted(info),
                "iavl_formats": sorted(kinds),
                "bech32_prefixes": vars(view.readers.prefixes) if view.readers.prefixes else None,
            }

        _probe(out, "application", application)
    return out
