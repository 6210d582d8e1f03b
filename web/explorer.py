"""The block explorer: one static page (plain ES modules + CSS, no build step) over the public GraphQL API.

Every shareable path serves the same ``index.html``; the page's router reads the path.
"""

from __future__ import annotations

from pathlib import Path

from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

ROOT = Path(__file__).resolve().parent / "explorer"
INDEX = ROOT / "index.html"

# Paths a person can bookmark or share; the client-side router renders each one.
PAGES = (
    "/",
    "/blocks",
    "/validators",
    "/validator/{operator}",
    "/block/{height}",
    "/tx/{hash}",
    "/account/{address}",
    "/contract/{address}",
    "/proposals",
    "/proposal/{id}",
)


async def _index(request) -> Response:
    if not INDEX.is_file():  # an install without the explorer's files: the API still serves
        return PlainTextResponse("the explorer's files are not installed", status_code=404)
    # no-cache: revalidate (ETag) so a new deploy is picked up; the modules are revalidated the same way
    return FileResponse(INDEX, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})


class _Static(StaticFiles):
    def file_response(self, *args, **kwargs):
        response = super().file_response(*args, **kwargs)
        response.headers.setdefault("Cache-Control", "no-cache")
        return response


def explorer_routes() -> list[BaseRoute]:
    """Routes of the explorer: the pages (``GET``) and ``/static/…`` (the modules and the stylesheet)."""
    return [
        *(Route(path, _index, methods=["GET", "HEAD"], name=f"explorer:{path}") for path in PAGES),
        Mount("/static", app=_Static(directory=ROOT / "static", check_dir=False), name="explorer-static"),
    ]
