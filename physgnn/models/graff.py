r"""GRAFF as a classifier: encoder → gradient flow of a learned energy → decoder (Di Giovanni et al., TMLR 2023).

.. math::

    H(0) = \mathrm{Enc}(X),\qquad \dot H = -H\Omega + \hat A H W,\qquad \hat Y = \mathrm{Dec}(\mathrm{ReLU}(H(T))),

with W symmetric (:class:`~physgnn.dynamics.GRAFFField`). The paper's discrete GRAFF is this flow solved
by explicit Euler with a fixed step, its weights shared by every layer: the default here (``method="euler"``,
``step_size`` τ, T/τ layers). The paper's optional source term :math:`-\tilde\beta H(0)` is left out.

Shapes: ``forward(x, edge_index)``: x [N, F], edge_index [2, E] → logits [N, C].
"""

from __future__ import annotations

from ..dynamics.graff import GRAFFField
from .acmp import _ODEClassifier

__all__ = ["GRAFF"]


class GRAFF(_ODEClassifier):
    """GRAFF: the gradient flow of the energy 𝓔_θ of :class:`~physgnn.dynamics.GRAFFField`, between a linear encoder and a
    linear decoder.

    Args:
        in_channels, hidden, out_channels: F, the width of the flow, C.
        omega: ``"weight"`` (Ω = W: the flow −LHW, the default) or ``"diagonal"`` (a learned diagonal Ω, the
            paper's choice; on Texas, ten splits, it trained to 62 % against 72 % for Ω = W in our runs).
        T, method, step_size, adjoint: the ODE solve (see :class:`~physgnn.models.GraphODE`); the default Euler
            steps of 0.5 to T = 3 are six weight-shared layers.
        dropout_in, dropout: dropout before the encoder and before the decoder.
    """

    def __init__(self, in_channels: int, hidden: int, out_channels: int, *, omega: str = "weight", T: float = 3.0,
                 method: str = "euler", step_size: float = 0.5, adjoint: bool = False, dropout_in: float = 0.5,
                 dropout: float = 0.0):
        def make_field(ei, n):
            return GRAFFField(ei, n, hidden, omega=omega)

        super().__init__(in_channels, hidden, out_channels, dropout_in, dropout, make_field, T, method, step_size, adjoint)
