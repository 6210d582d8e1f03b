"""Plumbing every SDK module reader shares: its store's IAVL tree at a version, full keys
for error messages, and the version's key layout detected once and cached."""

from __future__ import annotations

from typing import Any

from ..errors import UnknownFormat
from ..lru import LRU
from .iavl import IAVLTree
from .store import AppStore


def length_prefixed(tree: IAVLTree, prefix: bytes) -> bool:
    """Whether addresses in keys under ``prefix`` carry a length byte (SDK ≥ 0.43).

    Before 0.43 addresses were a fixed 20 bytes with no length byte, so such a key is
    exactly ``len(prefix) + 20`` long; with the length byte a 20- or 32-byte address makes
    it ``len(prefix) + 21`` / ``+ 33``. With no key to look at, the current layout is assumed.
    """
    for key, _ in tree.iterate_prefix(prefix):
        return len(key) != len(prefix) + 20
    return True


# ---------------------------------------------------------------- keys


class ModuleReader:
    """Base of the module readers (staking, slashing, distribution …).

    Subclasses name their store and say how to detect a version's key layout
    (``_detect``); a version never changes, so the answer is cached per version.
    """

    def __init__(self, app: AppStore, store: str) -> None:
        self.app = app
        self.store = store
        #: a version's key layout never changes: detected once per version
        self._layouts: LRU[Any] = LRU(256)

    def _detect(self, tree: IAVLTree) -> Any:
        raise NotImplementedError

    def _open(self, version: int) -> tuple[IAVLTree, Any]:
        if self.app.is_amino(version):
            raise UnknownFormat(f"the {self.store} store of SDK ≤0.39 (amino) is not read by this version of cometgraph")
        tree = self.app.tree(self.store, version)
        layout = self._layouts.get(version)
        if layout is None:
            layout = self._detect(tree)
            self._layouts.put(version, layout)
        return tree, layout

    def _key(self, key: bytes) -> bytes:
        """The key as application.db holds it, for error messages."""
        return b"s/k:" + self.store.encode() + b"/" + key
