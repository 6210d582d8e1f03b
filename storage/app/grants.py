"""x/authz grants and x/feegrant allowances read from their IAVL stores, as the node's REST
lists them (``/cosmos/authz/v1beta1/grants/{granter,grantee}/…``,
``/cosmos/feegrant/v1beta1/{allowances,issued}/…``).

Keys (SDK 0.50; ``lp(a)`` = 1-byte length + address):

* authz: ``0x01 lp(granter) lp(grantee) <msg type URL>`` → ``Grant{authorization, expiration}``
  (``0x02`` is the expiry queue);
* feegrant: ``0x00 lp(grantee) lp(granter)`` → ``Grant{granter, grantee, allowance}``
  (``0x01`` is the expiry queue).

By granter (authz) or by grantee (feegrant) a list is one prefix scan; the other way round
the REST scans the whole store and filters, and so does this reader. Expired records are
removed by the node's Begin/EndBlocker, so what is stored is what the REST lists.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..codec.registry import DescriptorRegistry, default_registry
from ..errors import CorruptRecord, InvalidInput
from ..models import Time
from ..prefixes import Prefixes
from .addresses import account_str, check_address
from .sdkcodec import AddressKeys, decode
from .store import AppStore

__all__ = ["AuthzGrant", "FeeAllowance", "GrantsReader", "MAX_GRANTS"]

AUTHZ_GRANT = b"\x01"
FEE_ALLOWANCE = b"\x00"
#: the most grants one answer lists
MAX_GRANTS = 1000
_KEYS = AddressKeys(True)


class TooManyGrants(InvalidInput):
    """A list (or the scan behind it) is longer than one answer may be."""

    code = "LIMIT_EXCEEDED"


@dataclass(frozen=True, slots=True)
class AuthzGrant:
    granter: str
    grantee: str
    msg_type_url: str
    #: the authorization as the REST prints it (``@type`` first)
    authorization: dict[str, Any]
    expiration: Time | None


@dataclass(frozen=True, slots=True)
class FeeAllowance:
    granter: str
    grantee: str
    #: the allowance as the REST prints it (``@type`` first)
    allowance: dict[str, Any]


class GrantsReader:
    """authz and feegrant at any retained version (SDK ≥ 0.43 key layout)."""

    def __init__(self, app: AppStore, prefixes: Prefixes, registry: DescriptorRegistry | None = None) -> None:
        self.app = app
        self.prefixes = prefixes
        self.registry = registry or default_registry()

    def _corrupt(self, store: str, key: bytes, why: str) -> CorruptRecord:
        return CorruptRecord(self.app.db, f"s/k:{store}/".encode() + key, why)

    def _scan(self, store: str, prefix: bytes, version: int) -> Iterator[tuple[bytes, bytes]]:
        tree = self.app.tree(store, version)
        for n, (key, raw) in enumerate(tree.iterate_prefix(prefix)):
            if n >= 200_000:
                raise TooManyGrants(f"more than 200000 {store} records to scan; ask by the other address")
            yield key, raw

    # -------------------------------------------------------------- authz
    def authz_grants(self, version: int, granter: bytes | None = None, grantee: bytes | None = None) -> list[AuthzGrant]:
        """Grants by key (granter, grantee, msg type): of a granter (one prefix scan), to a
        grantee (the whole store, filtered), or between the two."""
        prefix = AUTHZ_GRANT
        if granter is not None:
            prefix += _KEYS.addr(check_address(granter))
            if grantee is not None:
                prefix += _KEYS.addr(check_address(grantee))
        out: list[AuthzGrant] = []
        for key, raw in self._scan("authz", prefix, version):
            g = self._authz(key, raw)
            if grantee is not None and g[1] != bytes(grantee):
                continue
            out.append(g[0])
            if len(out) > MAX_GRANTS:
                raise TooManyGrants(f"more than {MAX_GRANTS} grants")
        return out

    def _authz(self, key: bytes, raw: bytes) -> tuple[AuthzGrant, bytes]:
        rest = key[1:]
        parts: list[bytes] = []
        for _ in range(2):
            if not rest or len(rest) < 1 + rest[0]:
                raise self._corrupt("authz", key, "the grant key does not hold two addresses")
            parts.append(rest[1 : 1 + rest[0]])
            rest = rest[1 + rest[0] :]
        m = decode("cosmos.authz.v1beta1.Grant", raw, self.app.db, b"s/k:authz/" + key)
        try:
            url = rest.decode()
        except UnicodeDecodeError:
            raise self._corrupt("authz", key, "the msg type in the key is not UTF-8") from None
        auth = self.registry.message_json(m.authorization.type_url, m.authorization.value) if m.HasField("authorization") else {}
        exp = Time(m.expiration.seconds, m.expiration.nanos) if m.HasField("expiration") else None
        granter, grantee = parts
        return AuthzGrant(account_str(granter, self.prefixes), account_str(grantee, self.prefixes), url, auth, exp), grantee

    # -------------------------------------------------------------- feegrant
    def fee_allowances(self, version: int, grantee: bytes | None = None, granter: bytes | None = None) -> list[FeeAllowance]:
        """Allowances by key (grantee, granter): to a grantee (one prefix scan), of a granter
        (the whole store, filtered), or between the two."""
        prefix = FEE_ALLOWANCE
        if grantee is not None:
            prefix += _KEYS.addr(check_address(grantee))
            if granter is not None:
                prefix += _KEYS.addr(check_address(granter))
        want = account_str(bytes(granter), self.prefixes) if granter is not None else None
        out: list[FeeAllowance] = []
        for key, raw in self._scan("feegrant", prefix, version):
            m = decode("cosmos.feegrant.v1beta1.Grant", raw, self.app.db, b"s/k:feegrant/" + key)
            if want is not None and m.granter != want:
                continue
            allowance = self.registry.message_json(m.allowance.type_url, m.allowance.value) if m.HasField("allowance") else {}
            out.append(FeeAllowance(granter=m.granter, grantee=m.grantee, allowance=allowance))
            if len(out) > MAX_GRANTS:
                raise TooManyGrants(f"more than {MAX_GRANTS} allowances")
        return out
