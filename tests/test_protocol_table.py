"""The β rule of the benchmark table (physgnn.protocols.table.STABLE_BETA) against the stability analysis it comes from.

Each β* is recomputed here from the graph and physgnn.stability, for two of the larger graphs; a wrong entry (one
that rk4 steps of 0.5 cannot follow, or one far below what they can) must fail."""

import math

import numpy as np
import pytest
import scipy.sparse as sp

from physgnn.data import load
from physgnn.protocols.table import BETA_FRACTIONS, LARGE, STABLE_BETA, settings_grid
from physgnn.stability import _base, max_stable_step, spectrum, stable_beta


@pytest.mark.parametrize("dataset", ["chameleon", "squirrel-filtered"])
def test_stable_beta_entries_are_the_stability_limit(dataset):
    data = load(dataset)
    limit = stable_beta(data.edge_index, data.num_nodes, method="rk4", step_size=0.5, alpha=1.0, couplings="book",
                        delta=None, tol=1e-5)["beta"]
    # rounded down to three significant digits: at most 1 % below the limit, never above it (ARPACK noise aside)
    assert limit * 0.99 <= STABLE_BETA[dataset] <= limit * 1.002


def _max_step(dataset, beta):
    data = load(dataset)
    m0, p = _base(data.edge_index, data.num_nodes, "book")
    lam = spectrum(m0 - beta * p - sp.identity(data.num_nodes, format="csr"), k=24, dense_limit=1500)
    return max_stable_step(lam, "rk4")


def test_every_searched_beta_is_followed_by_the_solver_and_a_larger_one_is_not():
    dataset = "chameleon"
    grid = [s["beta"] for s in settings_grid("acmp-gcn", dataset)]
    assert grid == [round(c * STABLE_BETA[dataset], 6) for c in BETA_FRACTIONS]
    for beta in grid:  # the safety margin 0.9 holds for every searched β
        assert _max_step(dataset, beta) * 0.9 >= 0.5
    # the wrong answer this rule replaces would be caught: twice β* is beyond rk4's reach at steps of 0.5
    assert _max_step(dataset, 2 * STABLE_BETA[dataset]) < 0.5


def test_repulsion_is_on_in_every_searched_setting():
    """β·(mean degree) of the largest searched β is at least 0.4 on every larger graph (the old rule left it ≤ 0.04)."""
    for dataset in LARGE:
        data = load(dataset)
        ei = data.edge_index[:, data.edge_index[0] != data.edge_index[1]]
        mean_degree = ei.shape[1] / data.num_nodes
        assert max(s["beta"] for s in settings_grid("acmp-gcn", dataset)) * mean_degree >= 0.4, dataset
        assert math.isfinite(STABLE_BETA[dataset]) and STABLE_BETA[dataset] > 0
    assert np.all(np.diff(BETA_FRACTIONS) > 0)
