"""The Starlette application: GraphQL over HTTP and WebSocket, GraphiQL, explorer, health, metrics.

Installed as ``cometgraph.web`` (setuptools package-dir); importing it under its folder's
own name would load every module a second time beside the real ones.
"""

if __name__ != "cometgraph.web":
    raise ImportError(f"import cometgraph.web, not {__name__}: this folder is installed as cometgraph.web")
