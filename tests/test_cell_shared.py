"""The pieces of the stacked solve: the shared-operator field against an independent dense computation and
autograd, and the one-pass validation loss against cross_entropy per member."""

import pytest
import torch

from physgnn.cell import stack_models
from physgnn.cell.fit import _build, _masked_cross_entropy
from physgnn.cell.shared import shared_field
from physgnn.models import ACMP


def _dense_field(x, s, alpha, delta, members):
    """Member by member, with a dense S: (S H_k) ⊙ α_k + δ_k ⊙ H_k (1 − H_k²)."""
    n, d = x.size(0), alpha.size(1)
    out = []
    for k in range(members):
        h = x[:, k * d:(k + 1) * d]
        out.append((s @ h) * alpha[k] + delta[k] * h * (1 - h * h))
    return torch.cat(out, 1)


def test_shared_field_against_dense_members_and_its_gradient():
    g = torch.Generator().manual_seed(1)
    n, k, d = 9, 3, 4
    dense = torch.rand(n, n, generator=g, dtype=torch.float64) * (torch.rand(n, n, generator=g) < 0.4)
    dense -= torch.eye(n, dtype=torch.float64)
    s, st = dense.to_sparse_csr(), dense.t().contiguous().to_sparse_csr()
    x = torch.randn(n, k * d, generator=g, dtype=torch.float64, requires_grad=True)
    alpha = torch.rand(k, d, generator=g, dtype=torch.float64, requires_grad=True)
    delta = torch.rand(k, d, generator=g, dtype=torch.float64, requires_grad=True)
    assert torch.allclose(shared_field(x, s, st, k, alpha, delta), _dense_field(x, dense, alpha, delta, k), atol=1e-14)
    assert torch.autograd.gradcheck(lambda x, a, b: shared_field(x, s, st, k, a, b), (x, alpha, delta))
    assert torch.autograd.gradcheck(lambda x, a: shared_field(x, s, st, k, a, None), (x, alpha))
    with torch.no_grad():  # the path without autograd gives the same numbers
        assert torch.equal(shared_field(x, s, st, k, alpha, delta), shared_field(x.detach(), s, st, k, alpha.detach(), delta.detach()))


def test_shared_layout_where_members_share_the_operator():
    """Fixed couplings and β: the node-major shared layout; a learned β: the block layout. Both give each
    member exactly its own model's logits (to rounding) and never mix members."""
    g = torch.Generator().manual_seed(2)
    n = 30
    ei = torch.randint(0, n, (2, 90), generator=g)
    ei = torch.cat([ei, ei.flip(0)], 1)
    x = torch.randn(n, 12, generator=g, dtype=torch.float64)
    for learn, shared in ((False, True), (True, False)):
        make = lambda: ACMP(12, 8, 3, coupling="rw", beta=0.3, learn_beta=learn, T=0.5, step_size=0.1).double()  # noqa: E731
        models, gens = _build(make, [0, 1, 2])
        alone = [m.eval()(x, ei) for m in models]
        stacked = stack_models(models, gens).double().eval()
        out = stacked(x, ei)
        assert stacked.field.shared is shared
        for k in range(3):
            assert torch.allclose(out[k], alone[k], rtol=0, atol=1e-12)


def test_masked_cross_entropy_is_cross_entropy_per_member():
    g = torch.Generator().manual_seed(3)
    logits = torch.randn(4, 20, 5, generator=g, dtype=torch.float64)
    logits[2, 0] = float("inf")  # a non-finite logit outside member 2's mask leaves its loss alone
    y = torch.randint(0, 5, (20,), generator=g)
    mask = torch.rand(4, 20, generator=g) < 0.4
    mask[2, 0] = False
    ours = _masked_cross_entropy(logits, y, mask)
    for k in range(4):
        assert abs(ours[k] - torch.nn.functional.cross_entropy(logits[k][mask[k]], y[mask[k]])) < 1e-14


@pytest.mark.parametrize("couplings", ["official", "book"])
def test_stacked_official_field_is_each_members_field(couplings):
    """The stacked official field, with −I folded into the diagonal of S (created where the book couplings have
    none), gives every member its own OfficialACMPField, value and gradient, in float64."""
    from physgnn.cell.official import _StackedOfficialField
    from physgnn.dynamics import OfficialACMPField

    g = torch.Generator().manual_seed(4)
    n, k, d = 25, 3, 4
    ei = torch.randint(0, n, (2, 70), generator=g)
    ei = torch.cat([ei, torch.tensor([[0, 1], [0, 1]])], 1)  # two nodes with their own self-loop
    fields = [OfficialACMPField(ei, n, d, beta=0.3, delta=0.4, couplings=couplings).double() for _ in range(k)]
    with torch.no_grad():
        for f in fields:
            f._raw_alpha.copy_(torch.randn(d, generator=g))
            f._raw_delta.copy_(torch.randn(d, generator=g))
    stacked = _StackedOfficialField(fields, k).double()
    stacked.bind(ei, n)
    x = torch.randn(n, k * d, generator=g, dtype=torch.float64, requires_grad=True)
    stacked.prepare(x.dtype)
    out = stacked(torch.tensor(0.0), x)
    want = torch.cat([f(torch.tensor(0.0), x[:, i * d:(i + 1) * d]) for i, f in enumerate(fields)], 1)
    assert torch.allclose(out, want, rtol=0, atol=1e-12)
    w = torch.randn(n, k * d, generator=g, dtype=torch.float64)
    grads = torch.autograd.grad((out * w).sum(), [x, stacked.raw_alpha, stacked.raw_delta])
    x2 = x.detach().requires_grad_()
    want = torch.cat([f(torch.tensor(0.0), x2[:, i * d:(i + 1) * d]) for i, f in enumerate(fields)], 1)
    ref = torch.autograd.grad((want * w).sum(), [x2] + [f._raw_alpha for f in fields] + [f._raw_delta for f in fields])
    assert torch.allclose(grads[0], ref[0], rtol=0, atol=1e-12)
    assert torch.allclose(grads[1], torch.stack(ref[1:1 + k]), rtol=0, atol=1e-12)
    assert torch.allclose(grads[2], torch.stack(ref[1 + k:]), rtol=0, atol=1e-12)
