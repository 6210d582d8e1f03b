"""The GraphQL schema: Strawberry types, thin and declarative; no I/O.

Installed as ``cometgraph.schema`` (setuptools package-dir); importing it under its folder's
own name would load every module a second time beside the real ones.
"""

if __name__ != "cometgraph.schema":
    raise ImportError(f"import cometgraph.schema, not {__name__}: this folder is installed as cometgraph.schema")
