"""Query logic between the schema and storage: resolvers and one DataLoader per record kind.

Installed as ``cometgraph.resolvers`` (setuptools package-dir); importing it under its folder's
own name would load every module a second time beside the real ones.
"""

if __name__ != "cometgraph.resolvers":
    raise ImportError(f"import cometgraph.resolvers, not {__name__}: this folder is installed as cometgraph.resolvers")
