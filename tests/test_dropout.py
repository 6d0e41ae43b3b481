"""input_dropout draws only for non-zeros but must behave like standard dropout."""

import pytest
import torch

from physgnn.models.dropout import input_dropout


def test_sparse_input_dropout_keeps_zeros_and_scales_kept_entries():
    torch.manual_seed(0)
    x = (torch.rand(1000, 500) < 0.02).float() * torch.rand(1000, 500)
    out = input_dropout(x, 0.5, True)
    assert out.layout == torch.sparse_csr
    out = out.to_dense()
    assert (out[x == 0] == 0).all()
    kept = out[x != 0] != 0
    assert torch.allclose(out[x != 0][kept], 2 * x[x != 0][kept])
    assert abs(kept.float().mean().item() - 0.5) < 0.03  # ~10,000 non-zeros: 3 standard errors is 0.015
    assert torch.allclose(out.mean(), x.mean(), rtol=0.05)  # unbiased
    assert torch.equal(input_dropout(x, 0.5, False).to_dense(), x)  # eval: the same features, as CSR


def test_sparse_path_gives_the_same_linear_layer_and_gradients():
    torch.manual_seed(0)
    x = (torch.rand(800, 400) < 0.05).float()
    lin = torch.nn.Linear(400, 16)
    dense = lin(x)
    dense.pow(2).sum().backward()
    g = lin.weight.grad.clone()
    lin.zero_grad()
    sparse = lin(input_dropout(x, 0.5, False))
    sparse.pow(2).sum().backward()
    assert torch.allclose(dense, sparse, atol=1e-5) and torch.allclose(g, lin.weight.grad, atol=1e-3)


def test_dense_inputs_and_bad_p():
    x = torch.rand(400, 300)
    assert input_dropout(x, 0.5, False) is x
    out = input_dropout(x, 0.3, True)
    assert abs((out == 0).float().mean().item() - 0.3) < 0.01
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        input_dropout(x, 1.0, True)
