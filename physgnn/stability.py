r"""The code form of ACMP analysed on its own terms: its linear operator and spectrum, the stability regions of the
explicit solvers, the largest stable β (or step), and a bound on the features.

**The field.** Every "code form" field of the package (the book's ``ACMP(form="code")``, the official
:class:`~physgnn.dynamics.official.OfficialACMPField`, GRAND's :class:`~physgnn.dynamics.official.NormalisedDiffusion`)
is, per channel c,

.. math::  \dot x = \alpha_c\,(M x - x) + \delta_c\, x \odot (1 - x \odot x),

with a fixed N×N matrix M (:func:`coupling_matrix`): :math:`M_{ij} = 1/d_i - \beta` on the edges for the book's
variant, :math:`M = \tilde A\tilde D^{-1} - \beta P` (self-loops included) for the official code. Its graph part is
linear, :math:`J = \alpha_c(M - I)` (:func:`linear_operator`); M is not symmetric, so the spectrum of J is complex
(:func:`spectrum`). At a star with a hub of degree d and the book's couplings the symmetric mode gives
:math:`\alpha(-1 \pm \sqrt{(1-\beta d)(1-\beta)})`: for βd > 1 a damped oscillation, not growth. The double well adds
:math:`\delta_c(1 - 3x^2)` on the diagonal (+δ at 0, −2δ in the wells); with δ ≪ α (the official start) it shifts
the spectrum by little and is left out of the step rule.

**Stability of a step.** A Runge–Kutta step of size τ maps :math:`\dot x = \lambda x` to
:math:`x \mapsto R(\tau\lambda)x`, R the method's stability polynomial (:func:`stability_polynomial`, read off its
Butcher tableau as :math:`R(z) = 1 + \sum_k (b^\top A^{k-1}\mathbf 1) z^k`): Euler 1 + z; every 4-stage
4th-order method (torchdiffeq's ``rk4`` is the 3/8 rule) :math:`\sum_{k\le 4} z^k/k!`; dopri5's 5th-order solution
:math:`\sum_{k\le 5} z^k/k! + z^6/600`. A linear mode that decays (Re λ < 0) is followed without blow-up while
:math:`|R(\tau\lambda)| \le 1`: :func:`max_stable_step`, and from it :func:`stable_beta`.

**A feature bound** (:func:`feature_bound`). Let :math:`r = \max_i \sum_j |M_{ij}|` (the largest absolute row sum,
diagonal included), :math:`m_c(t) = \max_i |x_{ic}(t)|` and :math:`c_c = \alpha_c (r - 1) + \delta_c`. Then for all
t ≥ 0

.. math::  m_c(t) \le \max\Big(m_c(0),\ \sqrt{\max(0,\ c_c/\delta_c)}\Big) = \max\Big(m_c(0),\ \sqrt{\max\big(0,\ 1 + \alpha_c(r-1)/\delta_c\big)}\Big).

*Proof.* Fix c and drop it. Take t and a node i with :math:`|x_i(t)| = m(t) = m`, say :math:`x_i = m > 0` (the
case :math:`x_i = -m` is the mirror image). Then :math:`|\sum_j M_{ij}x_j| \le \sum_j |M_{ij}|\,m \le r m`, so
:math:`\dot x_i \le \alpha(r m - m) + \delta m(1 - m^2) = m(c - \delta m^2)`. The maximum of finitely many
:math:`C^1` functions has an upper right Dini derivative equal to the largest derivative among the maximisers, so
:math:`D^+ m \le m(c - \delta m^2)`, which is negative whenever :math:`m > \sqrt{c/\delta}` (c > 0) or m > 0
(c ≤ 0). Hence m cannot rise above :math:`\max(m(0), \sqrt{\max(0, c/\delta)})`: at the first time it would exceed
that level it would have to increase from a value where :math:`D^+ m < 0`. ∎

The double well confines what the signed coupling pushes out: without it (δ = 0) the same argument gives only
:math:`m(t) \le m(0)e^{\alpha(r-1)t}`. For the book's couplings :math:`r = \max_i |1 - \beta d_i|` when
:math:`\beta d_i \ge 1` (a hub of degree 1/β or more pushes), so the bound grows like :math:`\sqrt{\alpha\beta d_{\max}/\delta}`;
for the official ones even β = 0 has r = max_i Σ_j 1/d̃_j > 1 at a node with many low-degree neighbours.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
import torch

from . import _checks
from .dynamics.fields import GraphField
from .dynamics.official import _LinearFlow, OfficialACMPField

__all__ = ["METHODS", "coupling_matrix", "linear_operator", "spectrum", "stability_polynomial", "stability_function",
           "max_stable_step", "stable_beta", "feature_bound"]

#: The explicit methods analysed here (torchdiffeq names).
METHODS = ("euler", "midpoint", "rk4", "dopri5")


# -- the operator --------------------------------------------------------------------------------------------------
def coupling_matrix(field) -> sp.csr_matrix:
    r"""M of a code-form field as a float64 scipy CSR matrix [N, N]: :math:`\dot x = \alpha(Mx - x) + \ldots`.

    ``field``: a :class:`~physgnn.dynamics.fields.GraphField` with ``form="code"`` (M = its couplings minus β on the
    edges) or a field of :mod:`physgnn.dynamics.official`. The paper form has no such M (its diagonal is
    :math:`-\sum_j M_{ij}`); it raises a ValueError."""
    if isinstance(field, _LinearFlow):
        g = field.graph
        values = field.values64.detach().cpu().numpy()
        return sp.csr_matrix((values, g.col.cpu().numpy(), g.crow.cpu().numpy()), shape=(g.num_nodes, g.num_nodes))
    if isinstance(field, GraphField):
        if field.form != "code":
            raise ValueError("coupling_matrix: the paper form is not α(Mx − x); pass a field with form='code'")
        with torch.no_grad():
            values = field.operator(torch.float64).cpu().numpy()  # S = M − I on the pattern with a diagonal
        g = field.pattern
        s = sp.csr_matrix((values, g.col.cpu().numpy(), g.crow.cpu().numpy()), shape=(g.num_nodes, g.num_nodes))
        return (s + sp.identity(g.num_nodes, format="csr")).tocsr()
    raise ValueError(f"coupling_matrix: expected a GraphField (form='code') or an official-code field, got {type(field).__name__}")


def linear_operator(field, channel: int = 0) -> sp.csr_matrix:
    r"""The graph part's matrix :math:`J = \alpha_c (M - I)` [N, N] (float64 CSR) of channel ``channel``."""
    m = coupling_matrix(field)
    if isinstance(channel, bool) or not isinstance(channel, int) or not 0 <= channel < field.channels:
        raise ValueError(f"linear_operator: channel must be an integer in [0, {field.channels}), got {channel!r}")
    alpha = float(field.alpha.detach()[channel])
    return (alpha * (m - sp.identity(m.shape[0], format="csr"))).tocsr()


def spectrum(matrix, k: int = 24, dense_limit: int = 6000) -> np.ndarray:
    """Eigenvalues (complex, [N] or [≤ 2k]) of a square matrix (scipy sparse, numpy or torch).

    Up to ``dense_limit`` nodes all of them (``numpy.linalg.eigvals``); above it the ``k`` of largest magnitude
    and the ``k`` of largest real part (ARPACK, ``scipy.sparse.linalg.eigs``), which hold the extremes that decide a
    step's stability and whether a mode grows."""
    if isinstance(matrix, torch.Tensor):
        matrix = matrix.detach().cpu().to_dense().numpy() if matrix.layout != torch.strided else matrix.detach().cpu().numpy()
    shape = matrix.shape
    if len(shape) != 2 or shape[0] != shape[1]:
        raise ValueError(f"spectrum: matrix must be square, got shape {tuple(shape)}")
    n = shape[0]
    if n <= dense_limit:
        dense = matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix, dtype=float)
        return np.linalg.eigvals(dense)
    a = sp.csr_matrix(matrix, dtype=float)
    kk = min(k, n - 2)
    big = spla.eigs(a, k=kk, which="LM", return_eigenvectors=False, tol=1e-8, maxiter=20 * n)
    right = spla.eigs(a, k=kk, which="LR", return_eigenvectors=False, tol=1e-8, maxiter=20 * n)
    return np.concatenate([big, right])


# -- the solvers -----------------------------------------------------------------------------------------------------
def _tableau(method: str):
    """(A [s, s], b [s]) in float64."""
    if method == "euler":
        return np.zeros((1, 1)), np.ones(1)
    if method == "midpoint":
        return np.array([[0.0, 0.0], [0.5, 0.0]]), np.array([0.0, 1.0])
    if method == "rk4":  # torchdiffeq's rk4 is the 3/8 rule (rk4_alt_step_func)
        a = np.array([[0, 0, 0, 0], [1 / 3, 0, 0, 0], [-1 / 3, 1, 0, 0], [1, -1, 1, 0]], dtype=float)
        return a, np.array([1 / 8, 3 / 8, 3 / 8, 1 / 8])
    from torchdiffeq._impl.dopri5 import _DORMAND_PRINCE_SHAMPINE_TABLEAU as tab

    s = len(tab.c_sol)
    a = np.zeros((s, s))
    for i, row in enumerate(tab.beta, start=1):
        a[i, : len(row)] = row.double().numpy()
    return a, tab.c_sol.double().numpy()


def stability_polynomial(method: str) -> np.ndarray:
    r"""Coefficients [1, c_1, …, c_s] (ascending powers) of :math:`R(z) = 1 + \sum_k (b^\top A^{k-1}\mathbf 1) z^k`,
    from the method's Butcher tableau (dopri5: torchdiffeq's own)."""
    _checks.choice(method, METHODS, "method", "stability_polynomial")
    a, b = _tableau(method)
    coeffs, v = [1.0], np.ones(len(b))
    for _ in range(len(b)):
        coeffs.append(float(b @ v))
        v = a @ v
    while len(coeffs) > 2 and abs(coeffs[-1]) < 1e-15:
        coeffs.pop()
    return np.array(coeffs)


def stability_function(method: str):
    """R as a function of complex z (numpy arrays broadcast)."""
    c = stability_polynomial(method)
    return lambda z: np.polynomial.polynomial.polyval(np.asarray(z, dtype=complex), c)


def _exit_step(lam: complex, coeffs: np.ndarray) -> float:
    """The smallest s > 0 with |R(sλ)| = 1 (the ray sλ leaves the stability region), ∞ if it never does."""
    q = coeffs * lam ** np.arange(len(coeffs))  # R(sλ) = Σ q_k s^k
    p = np.polynomial.polynomial.polymul(q, np.conj(q)).real  # |R(sλ)|², real coefficients
    p[0] -= 1.0
    roots = np.polynomial.polynomial.polyroots(p)
    scale = 1.0 / abs(lam)
    real = roots[(np.abs(roots.imag) <= 1e-7 * scale) & (roots.real > 1e-9 * scale)].real
    return float(real.min()) if real.size else math.inf


def max_stable_step(eigenvalues, method: str) -> float:
    r"""The largest τ with :math:`|R(\tau\lambda)| \le 1` for every eigenvalue λ with Re λ ≤ 0 (λ = 0 aside).

    Modes with Re λ > 0 grow in the ODE itself (repulsion; the double well confines them, see
    :func:`feature_bound`) and are left out: no step size makes a solver damp them."""
    _checks.choice(method, METHODS, "method", "max_stable_step")
    lam = np.asarray(eigenvalues, dtype=complex).ravel()
    lam = lam[(lam.real <= 1e-12 * max(1.0, float(np.abs(lam).max(initial=0.0)))) & (np.abs(lam) > 1e-12)]
    coeffs = stability_polynomial(method)
    return min((_exit_step(complex(x), coeffs) for x in np.unique(np.round(lam, 12))), default=math.inf)


def _base(edge_index, num_nodes, couplings):
    """(M at β = 0, the pattern P with ones) as scipy CSR matrices."""
    f0 = OfficialACMPField(edge_index, num_nodes, 1, beta=0.0, couplings=couplings)
    m0 = coupling_matrix(f0)
    p = m0.copy()
    p.data = np.ones_like(p.data)
    return m0, p


def stable_beta(edge_index: torch.Tensor, num_nodes: int, *, method: str = "rk4", step_size: float = 0.5,
                alpha: float = 1.0, couplings: str = "book", delta: float | None = None, start: float = 1.0,
                beta_max: float = 1.0, safety: float = 0.9, tol: float = 1e-3, k: int = 24,
                dense_limit: int = 1500) -> dict:
    r"""The largest β in [0, ``beta_max``] whose code-form field :math:`\alpha((M_0 - \beta P)x - x)` an explicit
    ``method`` with step ``step_size`` follows stably: every decaying eigenvalue λ of the graph part satisfies
    :math:`|R(\tau\lambda/\text{safety})| \le 1` (a margin for α and β moving during training).

    ``delta``: the double well's δ. Repulsion lets the features grow to the bound B of :func:`feature_bound`
    (here with :math:`m(0) \le` ``start``: 1 after a ``tanh`` encoder), where the well's Jacobian
    :math:`\delta(1 - 3x^2)` adds down to :math:`-\delta(3B^2 - 1)` on the diagonal. With ``delta`` given the
    spectrum is shifted by that amount before the test: an estimate (exact when every node sits at ±B), which makes
    the rule scale like 1/d_max once :math:`\beta d_{\max} \gg 1`, because :math:`B^2 \approx \alpha\beta d_{\max}/\delta`.
    Without it (``None``) only the graph part is tested, as for the official start δ = σ(−10) ≈ 0.

    Found by bisection on β to ``tol`` (stability is checked, not assumed monotone: the result is stable). Returns a
    dict: ``beta``, ``beta_mean_degree`` (β·mean degree), ``beta_max_degree`` (β·d_max), ``max_step`` (the largest
    stable τ at that β), ``growing`` (eigenvalues with Re λ > 0 among those computed), ``bound`` (B at that β),
    ``mean_degree``, ``max_degree``. Spectra are dense up to ``dense_limit`` nodes, else the 2k extreme eigenvalues
    (:func:`spectrum`).
    """
    where = "stable_beta"
    _checks.choice(method, METHODS, "method", where)
    step_size = _checks.positive(step_size, "step_size", where)
    alpha = _checks.positive(alpha, "alpha", where)
    beta_max = _checks.positive(beta_max, "beta_max", where)
    if not 0 < safety <= 1:
        raise ValueError(f"{where}: safety must lie in (0, 1], got {safety!r}")
    m0, p = _base(edge_index, num_nodes, couplings)
    eye = sp.identity(num_nodes, format="csr")

    if delta is not None:
        delta = _checks.positive(delta, "delta", where)
    start = _checks.positive(start, "start", where)

    def bound(beta):
        r = float(abs(m0 - beta * p).sum(axis=1).max())
        return start if delta is None else max(start, math.sqrt(max(0.0, 1 + alpha * (r - 1) / delta)))

    def eig(beta):
        lam = spectrum(alpha * (m0 - beta * p - eye), k=k, dense_limit=dense_limit)
        return lam if delta is None else lam - delta * (3 * bound(beta) ** 2 - 1)

    def ok(beta):
        return max_stable_step(eig(beta), method) * safety >= step_size

    if not ok(0.0):
        raise ValueError(f"{where}: even β = 0 is unstable with {method} steps of {step_size}; take smaller steps")
    lo, hi = 0.0, beta_max
    if ok(hi):
        lo = hi
    while hi - lo > tol and lo < beta_max:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    lam = eig(lo)
    ei = _checks.edges(edge_index, num_nodes, where)
    ei = ei[:, ei[0] != ei[1]]
    deg = torch.bincount(ei[1], minlength=num_nodes).double()
    return {"beta": lo, "beta_mean_degree": lo * float(deg.mean()), "beta_max_degree": lo * float(deg.max()),
            "max_step": max_stable_step(lam, method), "growing": int((lam.real > 1e-9).sum()), "bound": bound(lo),
            "mean_degree": float(deg.mean()), "max_degree": int(deg.max())}


# -- the bound ------------------------------------------------------------------------------------------------------
def feature_bound(field, x0: torch.Tensor) -> torch.Tensor:
    r"""The per-channel bound [d] on :math:`\max_i |x_{ic}(t)|`, t ≥ 0, of the module docstring's theorem:
    :math:`\max(m_c(0), \sqrt{\max(0, 1 + \alpha_c(r - 1)/\delta_c)})`, for the field's current α and δ
    (``inf`` for a channel without a double well whose r exceeds 1)."""
    m = coupling_matrix(field)
    x0 = _checks.features(x0, "feature_bound")
    if x0.dim() != 2 or x0.shape != (m.shape[0], field.channels):
        raise ValueError(f"feature_bound: x0 must have shape [{m.shape[0]}, {field.channels}], got {tuple(x0.shape)}")
    r = float(np.abs(m).sum(axis=1).max())
    alpha = field.alpha.detach().double().cpu()
    m0 = x0.detach().abs().amax(0).double().cpu()
    delta = getattr(field, "delta", None)
    if delta is None:
        return torch.where(torch.full_like(m0, r) <= 1, m0, torch.full_like(m0, math.inf))
    delta = delta.detach().double().cpu()
    return torch.maximum(m0, (1 + alpha * (r - 1) / delta).clamp(min=0).sqrt())
