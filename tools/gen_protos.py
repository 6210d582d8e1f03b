"""Regenerate storage/proto/*_pb2.py from the project's own .proto files.

    python tools/gen_protos.py            # rewrite the generated modules
    python tools/gen_protos.py --check    # exit 1 if they are stale

The .proto files import each other as "cometgraph/storage/proto/<file>.proto", so
protoc emits ``from cometgraph.storage.proto import x_pb2`` — the installed name
of the ``storage/`` folder. Needs grpcio-tools (in the ``test`` extra).
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "storage" / "proto"
PACKAGE_PATH = Path("cometgraph/storage/proto")


def generate(out_dir: Path) -> list[Path]:
    import grpc_tools
    from grpc_tools import protoc

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        (src / PACKAGE_PATH).mkdir(parents=True)
        protos = sorted(PROTO_DIR.glob("*.proto"))
        for p in protos:
            shutil.copy(p, src / PACKAGE_PATH / p.name)
        gen = Path(tmp) / "gen"
        gen.mkdir()
        include = Path(grpc_tools.__file__).parent / "_proto"
        args = ["protoc", f"-I{src}", f"-I{include}", f"--python_out={gen}"]
        args += [str(PACKAGE_PATH / p.name) for p in protos]
        # protoc resolves relative file names against the -I roots
        import os

        cwd = os.getcwd()
        os.chdir(src)
        try:
            rc = protoc.main(args)
        finally:
            os.chdir(cwd)
        if rc != 0:
            raise SystemExit(f"protoc failed with {rc}")
        written = []
        for f in sorted((gen / PACKAGE_PATH).glob("*_pb2.py")):
            target = out_dir / f.name
            shutil.copy(f, target)
            written.append(target)
        return written


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only report whether the committed files are fresh")
    ns = ap.parse_args()
    if not ns.check:
        for f in generate(PROTO_DIR):
            print(f"wrote {f.relative_to(ROOT)}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        fresh = generate(Path(tmp))
        stale = [f.name for f in fresh if not (PROTO_DIR / f.name).exists() or not filecmp.cmp(f, PROTO_DIR / f.name, shallow=False)]
        names = {f.name for f in fresh}
        extra = [p.name for p in PROTO_DIR.glob("*_pb2.py") if p.name not in names]
    if stale or extra:
        print("stale generated modules:", ", ".join(stale + extra))
        return 1
    print("generated modules are fresh")
    return 0


if __name__ == "__main__":
    sys.exit(main())
