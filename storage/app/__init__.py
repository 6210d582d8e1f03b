"""application.db: the root multistore (``store.AppStore``) and its IAVL trees (``iavl.IAVLTree``)."""

from .iavl import IAVLTree, NodeCache
from .store import AppStore, CommitID

__all__ = ["AppStore", "CommitID", "IAVLTree", "NodeCache"]
