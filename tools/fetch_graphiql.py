"""Fetch the files Strawberry's GraphiQL page loads, pinned, from the npm registry.

    python tools/fetch_graphiql.py [--dest web/graphiql] [--registry https://registry.npmjs.org]

They are a dependency, not the project's code: not committed, fetched at build time (setup.py
runs this) into ``web/graphiql/NAME@VERSION/PATH`` (unpkg's paths, so web/graphiql.py can point
the page's URLs here) with each package's LICENSE and package.json. Every file is checked
against the ``integrity`` hash the page itself carries; a file that is already there and
matches is not fetched again, so an offline rebuild works. Standard library only: it runs
inside pip's isolated build environment. Exit code 1 when something could not be fetched.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEST = ROOT / "web" / "graphiql"
#: npm's own setting when it is set (a mirror), like the npm client
REGISTRY = os.environ.get("npm_config_registry") or "https://registry.npmjs.org"

#: (package, version) → {path in the package: the page's integrity attribute}; exactly what
#: strawberry/static/graphiql.html loads (tests/web/test_graphiql.py checks they agree)
PINS: dict[tuple[str, str], dict[str, str]] = {
    ("react", "18.2.0"): {
        "umd/react.production.min.js": "sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8",
    },
    ("react-dom", "18.2.0"): {
        "umd/react-dom.production.min.js": "sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh",
    },
    ("js-cookie", "3.0.5"): {
        "dist/js.cookie.min.js": "sha384-/vxhYfM1LENRhdpZ8dwEsQn/X4VhpbEZSiU4m/FwR+PVpzar4fkEOw8FP9Y+OfQN",
    },
    ("graphiql", "3.8.3"): {
        "graphiql.min.css": "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
        "graphiql.min.js": "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    },
    ("@graphiql/plugin-explorer", "1.0.2"): {
        "dist/style.css": "sha384-5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi",
        "dist/index.umd.js": "sha384-2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9",
    },
}
#: shipped beside the files: the license text, and package.json (its "license" field is the
#: only license statement of a package without a LICENSE file, e.g. @graphiql/plugin-explorer)
LICENSE_FILES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "package.json")


class FetchError(RuntimeError):
    """A package could not be fetched or did not match its pins."""


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def tarball_url(registry: str, name: str, version: str) -> str:
    return f"{registry.rstrip('/')}/{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz"


def is_complete(folder: Path, files: dict[str, str]) -> bool:
    return all((folder / path).is_file() and sri((folder / path).read_bytes()) == want for path, want in files.items())


def extract(tgz: bytes, files: dict[str, str]) -> dict[str, bytes]:
    """The pinned files and the license files out of an npm tarball (``package/...``)."""
    wanted = {*files, *LICENSE_FILES}
    out: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as tar:
        for member in tar.getmembers():
            path = member.name.split("/", 1)[-1]
            if member.isfile() and path in wanted:
                out[path] = tar.extractfile(member).read()
    for path, want in files.items():
        if path not in out:
            raise FetchError(f"{path} is not in the package")
        if sri(out[path]) != want:
            raise FetchError(f"{path} does not match its integrity {want}")
    return out


def fetch_one(name: str, version: str, files: dict[str, str], dest: Path, registry: str, timeout: float) -> bool:
    """Put one package's files under ``dest/name@version``; False when they were already there."""
    folder = dest / f"{name}@{version}"
    if is_complete(folder, files):
        return False
    url = tarball_url(registry, name, version)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            tgz = r.read()
    except OSError as exc:
        raise FetchError(f"{name}@{version}: cannot download {url}: {exc}") from None
    try:
        content = extract(tgz, files)
    except (FetchError, tarfile.TarError) as exc:
        raise FetchError(f"{name}@{version}: {exc}") from None
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".fetch-", dir=folder.parent))
    try:
        for path, data in content.items():
            (tmp / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp / path).write_bytes(data)
        if folder.exists():
            shutil.rmtree(folder)
        os.rename(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return True


def fetch(dest: Path = DEST, registry: str = REGISTRY, timeout: float = 60.0) -> list[str]:
    """Fetch every pinned package that is missing; returns those fetched. Raises FetchError."""
    fetched = []
    for (name, version), files in PINS.items():
        if fetch_one(name, version, files, dest, registry, timeout):
            fetched.append(f"{name}@{version}")
    return fetched


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dest", type=Path, default=DEST)
    ap.add_argument("--registry", default=REGISTRY)
    ap.add_argument("--timeout", type=float, default=60.0)
    ns = ap.parse_args(argv)
    try:
        fetched = fetch(ns.dest, ns.registry, ns.timeout)
    except FetchError as exc:
        print(f"fetch_graphiql: {exc}", file=sys.stderr)
        return 1
    print(f"fetch_graphiql: {', '.join(fetched) if fetched else 'all present'} in {ns.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
