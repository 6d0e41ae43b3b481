r"""ACMP and GRAND: encoder → graph neural ODE → decoder.

ACMP (Wang et al., ICLR 2023; book eq. :eq:`acmp`) integrates attraction, repulsion β and the Allen–Cahn
double well; GRAND (Chamberlain et al., ICML 2021) is its special case β = 0, δ = 0 with attention couplings:

.. math::

    H(0) = \mathrm{Enc}(X),\qquad \dot H = f_{\text{ACMP}}(H),\qquad \hat Y = \mathrm{Dec}(\mathrm{ReLU}(H(T))).

The encoder is dropout then a linear map to ``hidden`` channels; the decoder is dropout then a linear map
to the classes (as in the official code). ACMP's encoder ends in ``tanh``: the double well has its phases
at ±1, so the state starts inside the box where the maximum principle of Chapter 5 holds. A linear encoder
can start it at |h| ≫ 1, where the cubic force is stiff (rate ≈ 3δh²) and an explicit solver with step
0.1 diverges within a few steps. Couplings: ``"gcn"`` / ``"rw"`` (ACMP-GCN) or ``"attention"``
(ACMP-GAT, computed from H(0)).

Shapes: ``forward(x, edge_index)``: x [N, F], edge_index [2, E] → logits [N, C].
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .. import _checks
from .._identity import TensorKey, matches
from ..dynamics.fields import ACMPField, Diffusion
from ..dynamics.official import OFFICIAL_DELTA_LOGIT, OfficialACMPField
from .dropout import input_dropout
from .ode import GraphODE

__all__ = ["ACMP", "GRAND", "OfficialACMP"]


class _ODEClassifier(nn.Module):
    def __init__(self, in_channels, hidden, out_channels, dropout_in, dropout, make_field, T, method, step_size, adjoint):
        super().__init__()
        for name, v in (("in_channels", in_channels), ("hidden", hidden), ("out_channels", out_channels)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{type(self).__name__}: {name} must be a positive integer, got {v!r}")
        for name, p in (("dropout_in", dropout_in), ("dropout", dropout)):
            if not 0 <= p < 1:
                raise ValueError(f"{type(self).__name__}: {name} must be in [0, 1), got {p!r}")
        self.in_channels, self.hidden = in_channels, hidden
        self._make_field = make_field
        self.dropout_in, self.dropout = dropout_in, dropout
        self.encoder = nn.Linear(in_channels, hidden)
        self.decoder = nn.Linear(hidden, out_channels)
        # the field is bound to a graph on the first forward (and re-bound when the graph changes)
        self.ode = GraphODE(make_field(torch.zeros(2, 0, dtype=torch.long), 1), T=T, method=method, step_size=step_size, adjoint=adjoint)
        self._graph_key = None

    @property
    def field(self):
        return self.ode.field

    def _bind(self, edge_index: torch.Tensor, num_nodes: int) -> None:
        """Bind the field to ``edge_index`` unless it is bound to this very tensor, unedited (see physgnn._identity)."""
        extra = (num_nodes, edge_index.device)
        if not matches(self._graph_key, edge_index, extra=extra):
            self._graph_key = None
            self.field.set_graph(_checks.edges(edge_index, num_nodes, type(self).__name__), num_nodes)
            self.field.to(self.encoder.weight.device)
            self._graph_key = TensorKey.of(edge_index, extra=extra)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        x = input_dropout(x, self.dropout_in, self.training)
        return self.encoder(x)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        x = _checks.like_parameters(_checks.features(x, type(self).__name__), self, type(self).__name__)
        if x.dim() != 2 or x.size(1) != self.in_channels:
            raise ValueError(f"{type(self).__name__}: x must have shape [N, {self.in_channels}], got {tuple(x.shape)}")
        self._bind(edge_index, x.size(0))
        h = self.ode(self.encode(x))
        h = nn.functional.dropout(torch.relu(h), self.dropout, self.training)
        return self.decoder(h)

    def trajectory(self, x: torch.Tensor, edge_index: torch.Tensor, times: torch.Tensor) -> torch.Tensor:
        """Hidden states H(t) at ``times`` [K]: [K, N, hidden] (for energy-vs-time plots)."""
        x = _checks.like_parameters(_checks.features(x, type(self).__name__), self, type(self).__name__)
        self._bind(edge_index, x.size(0))
        return self.ode(self.encode(x), times)


class ACMP(_ODEClassifier):
    """Allen–Cahn message passing: the book's variant (for the official code's model see :meth:`official`).

    It differs from the official code (``ykiiiiii/ACMP``, ``src/``) in six ways, each for a reason:

    =====================  =========================================  ============================================
    part                   official code                              this class (and why)
    =====================  =========================================  ============================================
    encoder                linear ``m1`` (``GNN.py``)                 linear then ``tanh``: starts inside the
                                                                      wells' box [−1, 1], where the Chapter 5 bound
                                                                      holds and the cubic force is not stiff
    α, δ                   ``sigmoid(alpha_train)``, init 0 → 0.5;    softplus rates starting at ``alpha`` = 1 and
                           ``sigmoid(delta_train)``, init −10         ``delta`` = 1: the well acts from t = 0, as
                           (``run_GNN.py`` defaults, function file)   in the paper's equation
    couplings              Ã D̃⁻¹ with self-loops, column-stochastic   D⁻¹A without self-loops, row-stochastic
                           (``get_rw_adj(norm_dim=1)`` + ``spmm``)    (``coupling="rw"``): a_ij = 1/d_i as written
                                                                      in the paper
    β                      subtracted from every entry of Â,          subtracted on the edges only (self-loops
                           self-loops included; fixed, default 0.0    carry no force)
    T, width               T = 12.8, 16 channels                      T = 3, 64 channels (the book's budget)
    evaluation             rk4 to 3T, best validation step kept       the state at T (no test-time depth choice)
    =====================  =========================================  ============================================

    Args:
        in_channels, hidden, out_channels: F, d, C.
        coupling: ``"gcn"``, ``"rw"`` or ``"attention"``.
        beta: repulsion; ``learn_beta`` makes it a trained parameter.
        delta, alpha: initial per-channel Allen–Cahn strength and diffusion rate (learned, kept positive).
        form: ``"paper"`` (the equation) or ``"code"`` (the official implementation's field).
        T, method, step_size, adjoint: the ODE solve (see :class:`GraphODE`).
        dropout_in, dropout: dropout before the encoder and before the decoder.
    """

    def __init__(self, in_channels: int, hidden: int, out_channels: int, *, coupling: str = "rw", beta: float = 0.5, learn_beta: bool = False,
                 delta: float = 1.0, alpha: float = 1.0, form: str = "code", T: float = 3.0, method: str = "rk4", step_size: float = 0.1,
                 adjoint: bool = False, dropout_in: float = 0.5, dropout: float = 0.0):
        def make_field(ei, n):
            return ACMPField(ei, n, hidden, coupling=coupling, beta=beta, learn_beta=learn_beta, delta=delta, alpha=alpha, form=form)

        super().__init__(in_channels, hidden, out_channels, dropout_in, dropout, make_field, T, method, step_size, adjoint)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(super().encode(x))

    @classmethod
    def official(cls, in_channels: int, out_channels: int, *, beta: float = 0.0, hidden: int = 16) -> "OfficialACMP":
        """The official code's ACMP-GCN with its command-line defaults (see :class:`OfficialACMP`)."""
        return OfficialACMP(in_channels, hidden, out_channels, beta=beta)


class OfficialACMP(_ODEClassifier):
    r"""ACMP as the official code runs it (``python run_GNN.py`` with its defaults, ``--function ACMP
    --block constant --data_norm rw``).

    .. math::

        H(0) = W X,\qquad \dot H = \alpha \odot \big((\tilde A\tilde D^{-1} - \beta P)H - H\big)
        - \delta \odot (H \odot H - 1) \odot H,

    integrated by rk4 with step 0.1 to T = 12.8, 16 hidden channels, input dropout 0.5, no dropout before the
    decoder; :class:`~physgnn.dynamics.official.OfficialACMPField` is the field. The official evaluation also
    integrates to 3T at test time and keeps the step of best validation accuracy (``GNN_early.py``,
    ``early_stop_solver.py``); this class evaluates at T, like every model of the book.

    Args:
        in_channels, hidden, out_channels: F, d (official 16), C.
        beta: β (official default 0.0).
        tanh: a ``tanh`` after the encoder (off in the official code; the ablation switches it on).
        alpha, delta: initial α and δ in (0, 1) (official 0.5 and σ(−10)); ``delta=None``: no double well.
        couplings: ``"official"`` or ``"book"`` (see the field).
        T, method, step_size, adjoint, dropout_in, dropout: as in :class:`ACMP` (official 12.8, rk4, 0.1, False,
            0.5, 0.0).

    Shapes: ``forward(x, edge_index)``: x [N, F], edge_index [2, E] → logits [N, C].
    """

    def __init__(self, in_channels: int, hidden: int, out_channels: int, *, beta: float = 0.0, tanh: bool = False,
                 alpha: float = 0.5, delta: float | None = 1.0 / (1.0 + math.exp(-OFFICIAL_DELTA_LOGIT)),
                 couplings: str = "official", T: float = 12.8, method: str = "rk4", step_size: float = 0.1,
                 adjoint: bool = False, dropout_in: float = 0.5, dropout: float = 0.0):
        def make_field(ei, n):
            return OfficialACMPField(ei, n, hidden, beta=beta, alpha=alpha, delta=delta, couplings=couplings)

        super().__init__(in_channels, hidden, out_channels, dropout_in, dropout, make_field, T, method, step_size, adjoint)
        self.tanh = bool(tanh)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        h = super().encode(x)
        return torch.tanh(h) if self.tanh else h


class GRAND(_ODEClassifier):
    """Graph neural diffusion: attention couplings, no repulsion, no double well (β = 0, δ = 0)."""

    def __init__(self, in_channels: int, hidden: int, out_channels: int, *, coupling: str = "attention", alpha: float = 1.0, T: float = 3.0,
                 method: str = "rk4", step_size: float = 0.1, adjoint: bool = False, dropout_in: float = 0.5, dropout: float = 0.0):
        def make_field(ei, n):
            return Diffusion(ei, n, hidden, coupling=coupling, alpha=alpha)

        super().__init__(in_channels, hidden, out_channels, dropout_in, dropout, make_field, T, method, step_size, adjoint)
