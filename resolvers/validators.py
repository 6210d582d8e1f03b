"""The CometBFT validator set at a height."""

from __future__ import annotations

from cometgraph.storage.errors import NotFound, Pruned
from cometgraph.storage.models import ValidatorSet

from .context import Context
from .inputs import check_height


async def validators(ctx: Context, height: int | None) -> ValidatorSet:
    view = ctx.pin()
    h = view.latest_height if height is None else check_height(height)
    if h > view.latest_height:
        raise NotFound(f"height {h} is above the latest height {view.latest_height}")
    if h < view.earliest_height:
        raise Pruned("validator set", h, view.earliest_height)
    vs = await ctx.loaders.validator_set.load(h)
    if vs is None:
        raise NotFound(f"no validator set is stored for height {h}")
    return vs


async def validator_set(ctx: Context, height: int) -> ValidatorSet | None:
    """The set state.db keeps for a height already known to exist (a block's, a commit's); None if not kept."""
    return await ctx.loaders.validator_set.load(height)
