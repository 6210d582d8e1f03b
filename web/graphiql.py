"""GraphiQL from cometgraph itself, so it works on a host without the internet.

Strawberry's GraphiQL page loads React and GraphiQL from unpkg.com. ``tools/fetch_graphiql.py``
(run by the build, see setup.py) puts those exact files, byte for byte (their ``integrity``
hashes still hold), with their licenses under ``web/graphiql/NAME@VERSION/``, mirroring
unpkg's paths. Here the page's unpkg URLs are pointed at ``/graphiql/...`` for every file that
is present; a build that could not fetch them keeps the CDN, and startup says so.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from strawberry.http.ides import get_graphql_ide_html

log = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parent / "graphiql"
CDN = "https://unpkg.com/"
PREFIX = "/graphiql/"
_CDN_URL = re.compile(r'(?<=["\'])' + re.escape(CDN) + r'([^"\']+)(?=["\'])')


class GraphiQLPage:
    """Strawberry's GraphiQL page with each CDN file it has locally served from ``PREFIX``."""

    def __init__(self, assets: Path = ASSETS, template: str | None = None) -> None:
        self.assets = assets
        template = get_graphql_ide_html("graphiql") if template is None else template
        self.local: list[str] = []
        self.remote: list[str] = []
        self.html = _CDN_URL.sub(self._point, template)

    def _point(self, match: re.Match) -> str:
        path = match.group(1)
        if (self.assets / path).is_file():
            self.local.append(path)
            return PREFIX + path
        self.remote.append(path)
        return match.group(0)

    def report(self) -> None:
        """Say at startup where a browser will load GraphiQL from."""
        if self.remote:
            log.warning(
                "GraphiQL's assets are not installed (%s missing; the build runs tools/fetch_graphiql.py): "
                "GraphiQL in a browser loads them from %s and needs the internet",
                ", ".join(self.remote),
                CDN,
            )
        else:
            log.info("GraphiQL's assets are served from %s (%d files, no CDN)", PREFIX, len(self.local))

    def routes(self) -> list[Mount]:
        if not self.local:
            return []
        return [Mount(PREFIX.rstrip("/"), app=StaticFiles(directory=self.assets), name="graphiql-assets")]
