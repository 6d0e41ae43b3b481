"""physgnn.stability: the code form's operator and spectrum, the solvers' stability polynomials, the β rule, the bound."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torchdiffeq import odeint
from torchdiffeq._impl.dopri5 import _DORMAND_PRINCE_SHAMPINE_TABLEAU
from torchdiffeq._impl.rk_common import _runge_kutta_step

from physgnn import stability as st
from physgnn.dynamics import ACMPField, OfficialACMPField


def star(d, extra=0, seed=1):
    """A hub (node 0) joined to d leaves, plus ``extra`` random edges among the leaves; undirected."""
    ei = torch.stack([torch.arange(1, d + 1), torch.zeros(d, dtype=torch.long)])
    if extra:
        g = torch.Generator().manual_seed(seed)
        more = torch.randint(1, d + 1, (2, extra), generator=g)
        ei = torch.cat([ei, more[:, more[0] != more[1]]], 1)
    return torch.cat([ei, ei.flip(0)], 1)


def test_polynomials_from_the_tableaux():
    assert np.allclose(st.stability_polynomial("euler"), [1, 1])
    assert np.allclose(st.stability_polynomial("rk4"), [1, 1, 1 / 2, 1 / 6, 1 / 24])
    # dopri5's 5th-order solution: the Taylor terms to z^5, then z^6/600
    assert np.allclose(st.stability_polynomial("dopri5"), [1, 1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 600], atol=1e-14)


@pytest.mark.parametrize("lam", [-1.0 + 0.0j, -0.4 + 2.0j, -2.5 - 0.7j])
@pytest.mark.parametrize("method", ["euler", "midpoint", "rk4"])
def test_one_fixed_step_of_torchdiffeq_multiplies_by_r(method, lam):
    h = 0.7
    y0 = torch.tensor([1.0 + 0.5j], dtype=torch.complex128)
    y1 = odeint(lambda t, y: lam * y, y0, torch.tensor([0.0, h], dtype=torch.float64), method=method,
                options={"step_size": h})[-1]
    assert abs(complex(y1[0]) - st.stability_function(method)(h * lam) * complex(y0[0])) < 1e-12


@pytest.mark.parametrize("lam", [-1.0 + 0.0j, -0.4 + 2.0j, -2.5 - 0.7j])
def test_one_dopri5_step_multiplies_by_r(lam):
    # huge tolerances: the first step (of size h) is accepted, and the solution at t = h is that step's
    h = 0.7
    y0 = torch.tensor([1.0 + 0.5j], dtype=torch.complex128)
    y1 = odeint(lambda t, y: lam * y, y0, torch.tensor([0.0, h], dtype=torch.float64), method="dopri5", rtol=1e9,
                atol=1e9, options={"first_step": h})[-1]
    assert abs(complex(y1[0]) - st.stability_function("dopri5")(h * lam) * complex(y0[0])) < 1e-12
    # the same step straight from torchdiffeq's tableau routine
    t0, dt = torch.tensor(0.0, dtype=torch.float64), torch.tensor(h, dtype=torch.float64)
    func = lambda t, y, perturb=None: lam * y  # noqa: E731
    y1 = _runge_kutta_step(func, y0, func(t0, y0), t0, dt, t0 + dt, _DORMAND_PRINCE_SHAMPINE_TABLEAU)[0]
    assert abs(complex(y1[0]) - st.stability_function("dopri5")(h * lam) * complex(y0[0])) < 1e-12


def test_max_stable_step_known_values_and_rejects():
    assert math.isclose(st.max_stable_step([-1.0], "euler"), 2.0, rel_tol=1e-9)
    assert math.isclose(st.max_stable_step([-1.0], "rk4"), 2.785293563, rel_tol=1e-8)
    assert math.isclose(st.max_stable_step([-1e-15 + 1j], "rk4"), 2 * math.sqrt(2), rel_tol=1e-6)
    tau = st.max_stable_step([-1.0, -0.3 + 3j, -4.0 + 1j], "rk4")
    r = st.stability_function("rk4")
    assert all(abs(r(tau * l)) <= 1 + 1e-9 for l in (-1.0, -0.3 + 3j, -4.0 + 1j))
    assert max(abs(r(1.01 * tau * l)) for l in (-1.0, -0.3 + 3j, -4.0 + 1j)) > 1  # the largest such τ
    assert st.max_stable_step([0.5, 0.0], "rk4") == math.inf  # growing and zero modes are not the solver's to damp


@pytest.mark.parametrize("beta", [0.02, 0.3])
def test_star_spectrum_of_the_book_code_form(beta):
    d, alpha = 20, 0.5
    f = OfficialACMPField(star(d), d + 1, 1, beta=beta, alpha=alpha, couplings="book")
    lam = st.spectrum(st.linear_operator(f))
    root = np.sqrt(complex((1 - beta * d) * (1 - beta)))
    want = np.array([alpha * (-1 + root), alpha * (-1 - root)] + [-alpha] * (d - 1))
    assert np.allclose(np.sort_complex(np.round(lam, 9)), np.sort_complex(np.round(want, 9)), atol=1e-9)
    # the book's own field class gives the same operator
    g = ACMPField(star(d), d + 1, 1, beta=beta, coupling="rw", form="code", alpha=1.0)
    assert abs(st.coupling_matrix(g) - st.coupling_matrix(f)).max() < 1e-6


def test_stable_beta_is_stable_and_largest():
    ei, n = star(40, extra=60), 41
    res = st.stable_beta(ei, n, method="rk4", step_size=0.5, alpha=1.0, couplings="book", safety=1.0, tol=1e-4)
    assert 0 < res["beta"] < 1 and res["max_step"] >= 0.5
    assert math.isclose(res["beta_max_degree"], res["beta"] * res["max_degree"])
    f = OfficialACMPField(ei, n, 1, beta=res["beta"] + 2e-3, alpha=0.5, couplings="book")
    lam = 2 * st.spectrum(st.linear_operator(f))  # α = 1
    assert st.max_stable_step(lam, "rk4") < 0.5  # a slightly larger β is not stable


def test_feature_bound_holds_to_t100_on_a_hub():
    d, n = 30, 31
    ei = star(d, extra=40)
    torch.manual_seed(0)
    x0 = torch.rand(n, 4, dtype=torch.float64) * 2 - 1
    exceeded_box = False
    for couplings, beta in (("official", 0.0), ("official", 0.3), ("book", 0.3), ("book", 0.1)):
        f = OfficialACMPField(ei, n, 4, beta=beta, couplings=couplings).double()
        with torch.no_grad():
            f._raw_alpha.copy_(torch.logit(torch.tensor([0.2, 0.5, 0.8, 0.95])))
            f._raw_delta.copy_(torch.logit(torch.tensor([0.05, 0.2, 0.5, 0.9])))
            xs = odeint(f, x0, torch.linspace(0, 100, 401, dtype=torch.float64), method="rk4", options={"step_size": 0.02})
        reached = xs.abs().amax((0, 1))
        assert bool((reached <= st.feature_bound(f, x0) + 1e-9).all()), (couplings, beta)
        exceeded_box |= bool((reached > 1.2).any())
    # the code form leaves the box [−1, 1] that bounds the paper form: the r-term of the bound is needed
    assert exceeded_box


def test_bad_input():
    ei = star(5)
    with pytest.raises(ValueError, match="paper form"):
        st.coupling_matrix(ACMPField(ei, 6, 2, form="paper"))
    with pytest.raises(ValueError, match="allowed: 'euler'"):
        st.stability_polynomial("rk45")
    with pytest.raises(ValueError, match="must be square"):
        st.spectrum(np.ones((3, 4)))
    with pytest.raises(ValueError, match="channel must be"):
        st.linear_operator(OfficialACMPField(ei, 6, 2), channel=2)
    with pytest.raises(ValueError, match="even β = 0 is unstable"):
        st.stable_beta(ei, 6, method="euler", step_size=5.0)
    with pytest.raises(ValueError, match="x0 must have shape"):
        st.feature_bound(OfficialACMPField(ei, 6, 2), torch.zeros(6, 3))


def test_stable_beta_with_the_well_is_smaller_and_scales_with_the_hub():
    """The well's stiffness at the feature bound (δ given) only shrinks the stable β; on a bigger hub it shrinks more."""
    out = {}
    for d in (20, 80):
        ei, n = star(d, extra=2 * d), d + 1
        lin = st.stable_beta(ei, n, method="rk4", step_size=0.5, couplings="book", tol=1e-4)
        well = st.stable_beta(ei, n, method="rk4", step_size=0.5, couplings="book", delta=1.0, tol=1e-4)
        assert well["beta"] <= lin["beta"] and well["bound"] >= 1.0
        out[d] = well["beta"]
    assert out[80] < out[20]
