"""Reading a node's databases: snapshots, one reader per database, record decoders.

Installed as ``cometgraph.storage`` (setuptools package-dir); importing it under its folder's
own name would load every module a second time beside the real ones.
"""

if __name__ != "cometgraph.storage":
    raise ImportError(f"import cometgraph.storage, not {__name__}: this folder is installed as cometgraph.storage")
