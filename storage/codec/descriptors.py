"""Descriptor pools: protobuf types from operator ``FileDescriptorSet`` files and the built-in set.

See ``storage/proto/README.md``: operator-supplied files first, then cometgraph's built-in set
(SDK 0.50 core modules, ibc transfer, crypto keys) — all private pools, never protobuf's
default pool. A file that cannot be loaded raises :class:`DescriptorSetError` naming it.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Sequence
from functools import lru_cache

from google.protobuf import descriptor_pb2, descriptor_pool, unknown_fields
from google.protobuf.message import DecodeError

from ..errors import InvalidInput


class DescriptorSetError(InvalidInput):
    """An operator-supplied descriptor file that cannot be loaded (the message names it)."""


def type_name(type_url: str) -> str:
    return type_url.rsplit("/", 1)[-1]


_PROTOBUF_FILE = re.compile(r"google/protobuf/[a-z0-9_/]+\.proto")


def _protobuf_file(name: str) -> descriptor_pb2.FileDescriptorProto | None:
    """A ``google/protobuf/*.proto`` the protobuf runtime ships, or None.

    The default pool only holds the files whose ``_pb2`` module some code has imported, so
    import it first: otherwise a set relying on it loads or not depending on import order.
    """
    if not _PROTOBUF_FILE.fullmatch(name):
        return None
    try:
        importlib.import_module(name.removesuffix(".proto").replace("/", ".") + "_pb2")
        found = descriptor_pool.Default().FindFileByName(name)
    except (ImportError, KeyError):
        return None
    return descriptor_pb2.FileDescriptorProto.FromString(found.serialized_pb)


def _add_files(pool: descriptor_pool.DescriptorPool, files: Sequence[descriptor_pb2.FileDescriptorProto], source: str) -> None:
    """Add a set's files dependencies first; WKTs missing from the set come from protobuf."""
    by_name = {f.name: f for f in files}
    done: set[str] = set()

    def add(name: str, importer: str | None, chain: tuple[str, ...]) -> None:
        if not isinstance(name, str):  # proto2 strings that are not UTF-8 come back as bytes
            raise DescriptorSetError(f"descriptor set {source}: file name or import {name!r} is not valid UTF-8")
        if name in done:
            return
        if name in chain:
            raise DescriptorSetError(f"descriptor set {source}: import cycle through {name}")
        fdp = by_name.get(name)
        if fdp is None:
            if name.startswith("google/protobuf/"):
                fdp = _protobuf_file(name)
            if fdp is None:
                raise DescriptorSetError(
                    f"descriptor set {source}: {importer} imports {name}, which the set does not contain; "
                    "build it with its imports (`buf build -o FILE.binpb` includes them, protoc needs "
                    "--include_imports)"
                )
        for dep in fdp.dependency:
            add(dep, name, (*chain, name))
        try:
            pool.Add(fdp)
        except (TypeError, ValueError, KeyError) as exc:
            raise DescriptorSetError(f"descriptor set {source}: cannot load {name}: {exc}") from exc
        done.add(name)

    for f in files:
        add(f.name, None, ())


def load_descriptor_set(path: str | os.PathLike[str]) -> descriptor_pool.DescriptorPool:
    """A private pool holding one ``FileDescriptorSet`` file (binary protobuf)."""
    source = os.fspath(path)
    try:
        with open(source, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise DescriptorSetError(f"descriptor set {source}: cannot read: {exc.strerror or exc}") from exc
    hint = "expected a binary FileDescriptorSet, as written by `buf build -o FILE.binpb` or `protoc --descriptor_set_out=FILE --include_imports`"
    if data.lstrip()[:1] in (b"{", b"["):
        raise DescriptorSetError(f"descriptor set {source}: looks like JSON; {hint}")
    fds = descriptor_pb2.FileDescriptorSet()
    try:
        fds.ParseFromString(data)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise DescriptorSetError(f"descriptor set {source}: not a FileDescriptorSet ({exc}); {hint}") from exc
    if len(unknown_fields.UnknownFieldSet(fds)) or not fds.file or any(not f.name for f in fds.file):
        raise DescriptorSetError(f"descriptor set {source}: holds no proto files; {hint}")
    pool = descriptor_pool.DescriptorPool()
    _add_files(pool, list(fds.file), source)
    return pool


@lru_cache(maxsize=1)
def builtin_pool() -> descriptor_pool.DescriptorPool:
    from ..proto.sdk_descriptors import FILE_DESCRIPTOR_SET

    pool = descriptor_pool.DescriptorPool()
    _add_files(pool, list(descriptor_pb2.FileDescriptorSet.FromString(FILE_DESCRIPTOR_SET).file), "cometgraph built-in")
    return pool
