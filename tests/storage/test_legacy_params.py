"""SDK 0.44 module params read from the x/params store (onomy-testnet1, the tm034 archive).

Before SDK 0.47 a module kept its params in the x/params store as amino JSON
(``<subspace>/<Key>``), not in its own store; the readers fall back to those records
(``sdkcodec.legacy_params``) and put them in the REST's shape. This archive is the only real
chain here old enough to hold them.

The oracle is the chain's own genesis doc (state.db): no block of this chain holds a tx, so
no proposal ever changed a param and every retained height must answer exactly the genesis
``app_state`` params. The genesis doc prints them as the 0.44 node's JSON does (durations as
``"600s"``, decimals with 18 places, uint32 params as numbers): the same representation the
readers give, so each module is compared field for field, as a whole dict (no field missing,
none extra). The only shape differences are spelled out where they are applied.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.legacy

#: the earliest retained version, a keep-every snapshot in the middle, the latest
HEIGHTS = (100, 5000, 10001)

#: each module's own params key (SDK ≥ 0.47): absent on this chain, so the readers must take
#: the x/params path these tests are about
OWN_PARAMS_KEY = {
    "acc": b"\x00",
    "bank": b"\x05",
    "staking": b"\x51",
    "slashing": b"\x00",
    "distribution": b"\x09",
    "gov": b"\x30",
    "mint": b"\x01",
    "transfer": b"params",
}

#: modules whose genesis ``params`` object is what ``ChainParams.params(module)`` answers unchanged
SAME_SHAPE = ("auth", "bank", "slashing", "distribution", "mint", "transfer")


@pytest.fixture(scope="module")
def app_state(tm034_view):
    return tm034_view.state.load_genesis()["app_state"]


@pytest.fixture(scope="module")
def modules(tm034_view):
    return tm034_view.readers.modules


def test_heights_are_retained_and_params_live_only_in_x_params(tm034_view):
    app = tm034_view.readers.app
    assert (app.earliest_version(), app.latest_version()) == (HEIGHTS[0], HEIGHTS[-1])
    for h in HEIGHTS:
        for store, key in OWN_PARAMS_KEY.items():
            assert app.tree(store, h).get(key) is None, (store, h)
        subspaces = {k.split(b"/")[0] for k, _ in app.tree("params", h).iterate_prefix(b"")}
        assert {b"auth", b"bank", b"staking", b"slashing", b"distribution", b"gov", b"mint", b"transfer"} <= subspaces


@pytest.mark.parametrize("h", HEIGHTS)
@pytest.mark.parametrize("module", SAME_SHAPE)
def test_params_are_the_genesis_params(modules, app_state, module, h):
    """auth, bank, slashing, distribution, mint, transfer: exactly the genesis ``params`` object
    (durations, decimals and uint64-as-text all already printed as the REST prints them)."""
    assert modules.params.params(module, h) == app_state[module]["params"]


@pytest.mark.parametrize("h", HEIGHTS)
def test_staking_params_are_the_genesis_params(modules, app_state, tm034_view, h):
    """Normalisation: ``min_commission_rate`` arrived in SDK 0.46; a 0.44 chain has no such
    param (no ``staking/MinCommissionRate`` record), and the reader answers it as zero, as
    the SDK's own 0.46 migration sets it. Every other field is the genesis one, as is."""
    assert tm034_view.readers.app.tree("params", h).get(b"staking/MinCommissionRate") is None
    want = dict(app_state["staking"]["params"], min_commission_rate="0.000000000000000000")
    assert modules.staking.params(h) == want
    assert modules.params.params("staking", h) == want


@pytest.mark.parametrize("h", HEIGHTS)
def test_gov_params_are_the_genesis_params(modules, app_state, h):
    """Normalisation: 0.44's genesis (and the x/params store) keep gov params in three objects,
    ``deposit_params``, ``voting_params`` and ``tally_params``; the reader answers one
    ``/cosmos/gov/v1/params`` object holding their fields, flat (and none of the fields v1
    added later). The fields themselves compare as they are: the store's nanosecond
    durations (``"172800000000000"``) must come out as the genesis ``"172800s"``."""
    gov = app_state["gov"]
    want = {**gov["deposit_params"], **gov["voting_params"], **gov["tally_params"]}
    assert modules.gov.params(h) == want
    assert modules.params.params("gov", h) == want


@pytest.mark.parametrize("h", HEIGHTS)
def test_gov_has_no_proposals(modules, app_state, tm034_view, h):
    """Genesis holds no proposal and starts ids at 1; the gov store's next-id key (0x03) still
    holds 1, so none was ever submitted."""
    gov = app_state["gov"]
    assert (gov["proposals"], gov["deposits"], gov["votes"], gov["starting_proposal_id"]) == ([], [], [], "1")
    assert tm034_view.readers.app.tree("gov", h).get(b"\x03") == (1).to_bytes(8, "big")
    assert list(modules.gov.iter_proposals(h)) == []
    for pid in (0, 1, 2, 2**64 - 1):
        assert modules.gov.proposal(pid, h) is None
    assert modules.gov.votes(1, h) == [] and modules.gov.deposits(1, h) == []
