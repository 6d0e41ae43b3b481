"""physgnn.cell.compare.member_floor: the per-member work a stacked cell cannot share (issue 22's bound).

Only its contract is tested (a positive time; errors on bad input); what it measures is printed by
``python -m physgnn.bench --cell`` and never asserted, because timings are not deterministic."""

import math

import pytest
import torch

from physgnn.cell.compare import member_floor


def _features():
    g = torch.Generator().manual_seed(0)
    return (torch.rand(20, 30, generator=g) < 0.1).float()


def test_member_floor_is_a_positive_finite_time_per_member_epoch():
    t = member_floor(_features(), 4, members=2, epochs=1, repeat=1)
    assert isinstance(t, float) and math.isfinite(t) and t > 0


@pytest.mark.parametrize("kwargs, match", [
    (dict(p=1.0), "p must lie"),
    (dict(p=-0.1), "p must lie"),
    (dict(members=0), "positive"),
    (dict(epochs=0), "positive"),
])
def test_member_floor_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        member_floor(_features(), 4, **kwargs)


def test_member_floor_rejects_sparse_or_one_dimensional_features():
    with pytest.raises(ValueError, match="dense"):
        member_floor(_features().to_sparse(), 4)
    with pytest.raises(ValueError, match="dense"):
        member_floor(torch.ones(5), 4)


def test_member_floor_refuses_features_off_the_cpu():
    """Only the refusal is testable here: without a GPU, a meta tensor stands in for one that is not on the CPU."""
    with pytest.raises(ValueError, match="on the CPU"):
        member_floor(torch.empty(5, 4, device="meta"), 4)
