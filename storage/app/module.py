"""Plumbing every SDK module reader shares: its store's IAVL tree at a version, full keys
for error messages, and the version's key layout, told by the keys about once per chain."""

from __future__ import annotations

from typing import Any

from ..errors import CometgraphError, UnknownFormat
from .iavl import IAVLTree
from .store import AppStore


def length_prefixed(tree: IAVLTree, *prefixes: bytes, width: int = 20) -> bool | None:
    """Whether addresses in keys under the first of ``prefixes`` holding a key carry a length
    byte (SDK ≥ 0.43); None with no key to look at.

    Before 0.43 addresses were a fixed 20 bytes with no length byte, so such a key is exactly
    ``len(prefix) + width`` long (``width``: the address and whatever follows it); with the
    length byte a 20- or 32-byte address makes it one or thirteen bytes longer.
    """
    for prefix in prefixes:
        for key, _ in tree.iterate_prefix(prefix):
            return len(key) != len(prefix) + width
    return None


class OneWay:
    """A format fact an upgrade turned on once and for good (SDK 0.43's store migration gave
    every address in a key its length byte): seen at one version, it holds at every later one;
    seen absent, at every earlier one.

    So a reader looks at key bytes about twice per chain instead of once per version asked (a
    look walks the tree down to a key: ~3.6 ms a version on the bench chain, where an
    explorer asks for heights all over the chain). Only facts read from real keys are learnt.
    """

    def __init__(self) -> None:
        self.since: int | None = None  # lowest version seen with the fact
        self.before: int | None = None  # highest version seen without it

    def known(self, version: int) -> bool | None:
        since, before = self.since, self.before
        if since is not None and version >= since:
            return True
        if before is not None and version <= before:
            return False
        return None

    def learn(self, version: int, fact: bool) -> None:
        # racing threads may lose an update: only a later probe, never a wrong answer
        if fact:
            if self.since is None or version < self.since:
                self.since = version
        elif self.before is None or version > self.before:
            self.before = version


# ---------------------------------------------------------------- keys


class ModuleReader:
    """Base of the module readers (staking, slashing, distribution …).

    Subclasses name their store, how to tell whether a version's keys carry length-prefixed
    addresses (``_probe``) and the key layout that follows (``_layout``).
    """

    def __init__(self, app: AppStore, store: str) -> None:
        self.app = app
        self.store = store
        self._prefixed = OneWay()

    def _probe(self, tree: IAVLTree) -> bool | None:
        """Whether this tree's keys carry length-prefixed addresses (None: no key tells)."""
        raise NotImplementedError

    def _layout(self, prefixed: bool) -> Any:
        return prefixed

    def _open(self, version: int) -> tuple[IAVLTree, Any]:
        if self.app.is_amino(version):
            raise UnknownFormat(f"the {self.store} store of SDK ≤0.39 (amino) is not read by this version of cometgraph")
        tree = self.app.tree(self.store, version)
        prefixed = self._prefixed.known(version)
        if prefixed is None:
            prefixed = self._learn(tree, version)
        return tree, self._layout(prefixed)

    def _learn(self, tree: IAVLTree, version: int) -> bool:
        """Probe ``tree``; then the far end of the chain the answer says nothing about (the
        earliest version after a length byte, the latest after none): where it agrees, every
        version between is settled, so a chain on one layout is probed twice in all."""
        probed = self._probe(tree)
        if probed is None:
            return True  # no key to tell: the current layout
        self._prefixed.learn(version, probed)
        far = self.app.earliest_version() if probed else self.app.latest_version()
        if self._prefixed.known(far) is None:
            try:
                other = self._probe(self.app.tree(self.store, far))
            except CometgraphError:
                other = None  # no such store or tree there: each version is probed when asked
            if other is not None:
                self._prefixed.learn(far, other)
        return probed

    def _key(self, key: bytes) -> bytes:
        """The key as application.db holds it, for error messages."""
        return b"s/k:" + self.store.encode() + b"/" + key
