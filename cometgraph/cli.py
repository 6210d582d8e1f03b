"""The ``cometgraph`` command."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from .factory import open_chain, tune_gc
from .logs import export as export_logging
from .logs import uvicorn_log_config
from .settings import Settings, add_flags, from_args


def settings_from(ns: argparse.Namespace) -> Settings:
    """The command's flags, then ``COMETGRAPH_*`` in the environment, then the defaults."""
    return from_args(ns)


def limits_from(ns: argparse.Namespace):
    """The schema's limits from the flags, then the environment, then the defaults."""
    return settings_from(ns).limits()


def cmd_serve(ns: argparse.Namespace) -> int:
    settings = settings_from(ns)
    if settings.workers > 1:
        return serve_workers(settings, ns)
    import uvicorn

    from cometgraph.web.app import create_app

    from .workers import check_port

    limits = settings.limits()
    check_port(settings.host, settings.port)  # before opening the chain: a taken port is one line, exit 2
    chain, refresh = open_chain(settings)
    app = create_app(chain, refresh=refresh, limits=limits, cors_origins=settings.cors_origins)
    tune_gc()
    announce(settings)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=ns.log_level, log_config=uvicorn_log_config(ns.log_format))
    return 0


def serve_workers(settings: Settings, ns: argparse.Namespace) -> int:
    """The supervisor imports neither the app nor GraphQL (measured: 50 MB with them, docs/benchmarks.md):
    the workers are spawned fresh and build everything themselves."""
    from cometgraph.storage.snapshot import find_data_dir

    from . import factory, workers

    if not settings.uses_sample:  # the workers would each fail the same way: say it once, here
        find_data_dir(settings.home, settings.data_dir)
    config_env = factory.export(settings)
    export_logging(ns.log_level, ns.log_format)
    if workers.supports_reuse_port():  # each worker its own socket: connections spread evenly
        announce(settings)
        return workers.Supervisor(settings.workers, settings.host, settings.port, config_env, log_level=ns.log_level).run()
    import uvicorn

    workers.check_port(settings.host, settings.port)
    announce(settings)
    metrics_dir = workers.make_metrics_dir()  # uvicorn's own workers (one shared socket) sum their metrics too
    try:
        uvicorn.run(
            "cometgraph.factory:app",
            factory=True,
            workers=settings.workers,
            host=settings.host,
            port=settings.port,
            log_level=ns.log_level,
            log_config=uvicorn_log_config(ns.log_format),
        )
    finally:
        workers.remove_metrics_dir(metrics_dir)
    return 0


def announce(settings: Settings) -> None:
    """One line with every URL an operator opens, whatever the log format."""
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    base = f"http://{host}:{settings.port}"
    ide = "GraphiQL off (--no-introspection)" if settings.no_introspection else f"GraphiQL at {base}/graphql (in a browser)"
    logging.getLogger("cometgraph").info("serving GraphQL at %s/graphql, %s, explorer at %s/", base, ide, base)


def cmd_check(ns: argparse.Namespace) -> int:
    """Report databases, formats, height ranges and problems; exit 1 when something can't be read."""
    from cometgraph.storage.integrity import check_report

    settings = settings_from(ns)
    chain, _ = open_chain(settings)
    try:
        with chain.view() as v:
            out = check_report(v, chain.data_dir)
    finally:
        chain.close()
    print(json.dumps(out, indent=2))
    return 1 if out.get("problems") or any(s.startswith("cannot") for s in out["databases"].values()) else 0


def cmd_verify(ns: argparse.Namespace) -> int:
    """Recompute every height's hashes from the stored bytes; exit 1 on a mismatch."""
    from cometgraph.storage.integrity import verify_readers

    from .progress import reporter

    settings = settings_from(ns)
    chain, _ = open_chain(settings)
    progress = reporter(sys.stderr, as_json=ns.json)
    try:
        with chain.view() as v:
            report = verify_readers(v.readers, ns.from_height, ns.to_height, progress=progress)
    finally:
        progress.close()
        chain.close()
    print(json.dumps(report.to_dict()) if ns.json else format_report(report))
    return 0 if report.ok else 1


def format_report(r) -> str:
    """A summary for people: what was checked, what could not be and why, the first mismatch."""
    enc = ", ".join(f"{k} ×{v}" for k, v in sorted(r.encodings.items()))
    lines = [f"chain {r.chain_id or '?'}: heights {r.from_height}..{r.to_height} ({r.heights} blocks; {enc or 'none'})"]
    skipped: dict[str, list[tuple[str, int]]] = {}
    for (name, reason), n in r.unchecked.items():
        skipped.setdefault(name, []).append((reason, n))
    from cometgraph.storage.integrity import CHECKS

    for name in CHECKS:
        line = f"  {name:<22}{r.passed[name]:>8} ok"
        for reason, n in skipped.get(name, []):
            line += f"; {n} unchecked: {reason}"
        lines.append(line)
    if r.ok:
        lines.append(f"OK: every check that could run matched ({r.seconds:.1f} s)")
    else:
        lines.append(f"first mismatch: {r.first_mismatch}")
        lines.append(f"FAILED: {r.mismatch_count} mismatch(es) ({r.seconds:.1f} s)")
    return "\n".join(lines)


def cmd_schema(ns: argparse.Namespace) -> int:
    from cometgraph.schema.root import build_schema

    print(build_schema().as_str())
    return 0


def build_parser() -> argparse.ArgumentParser:
    from importlib.metadata import version

    ap = argparse.ArgumentParser(prog="cometgraph", description="GraphQL over a CometBFT / Cosmos SDK node's databases")
    ap.add_argument("--version", action="version", version=f"cometgraph {version('cometgraph')}")
    sub = ap.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve GraphQL (and GraphiQL) over HTTP")
    add_flags(serve, "serve", {"limits": serve.add_argument_group("limits (README: Limits)")})
    serve.set_defaults(func=cmd_serve)
    check = sub.add_parser("check", help="open a snapshot and print where the chain stands")
    add_flags(check, "check")
    check.set_defaults(func=cmd_check)
    verify = sub.add_parser("verify", help="recompute every stored height's hashes and report the first mismatch")
    add_flags(verify, "verify")
    verify.add_argument("--from", dest="from_height", type=int, help="first height (default: the store's base)")
    verify.add_argument("--to", dest="to_height", type=int, help="last height (default: the store's top)")
    verify.add_argument("--json", action="store_true", help="the report as one JSON object on stdout; progress as JSON lines on stderr")
    verify.set_defaults(func=cmd_verify)
    schema = sub.add_parser("schema", help="print the GraphQL schema (SDL)")
    add_flags(schema, "schema")
    schema.set_defaults(func=cmd_schema)
    return ap


def configure_logging(level: str | None = None, fmt: str | None = None) -> tuple[str, str]:
    """Our own loggers (one JSON line per operation, snapshots, workers) and, for JSON, uvicorn's
    to stderr. Worker processes start fresh and call this too (the choice is in the environment)."""
    from .logs import configure

    return configure(level, fmt)


def main(argv: list[str] | None = None) -> int:
    ns = build_parser().parse_args(argv)
    try:
        ns.log_level, ns.log_format = configure_logging(ns.log_level, ns.log_format)
        return ns.func(ns)
    except Exception as exc:  # noqa: BLE001 - a clear line, not a traceback, for operator errors
        from cometgraph.storage.errors import CometgraphError

        from .workers import CannotListen

        if isinstance(exc, (CometgraphError, CannotListen)):
            print(f"cometgraph: {exc.strerror if isinstance(exc, CannotListen) else exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
