"""physgnn.models.residual: shapes, gradients, one residual block against a dense hand computation, equivariance
under relabelling the nodes, and errors on bad arguments."""

import pytest
import torch

from physgnn.models import FAGCN, LINKX, ResGAT, ResGCN, ResNet, ResSAGE

# a path 0-1-2-3 plus the edge 1-3 and an isolated node 4, both directions
EDGES = torch.tensor([[0, 1, 1, 2, 2, 3, 1, 3], [1, 0, 2, 1, 3, 2, 3, 1]])
N, F, H, C = 5, 3, 8, 2

MAKERS = {
    "resnet": lambda: ResNet(F, H, C, num_layers=2),
    "resgcn": lambda: ResGCN(F, H, C, num_layers=2),
    "resgcn-sep": lambda: ResGCN(F, H, C, num_layers=2, separate=True),
    "ressage": lambda: ResSAGE(F, H, C, num_layers=2),
    "resgat": lambda: ResGAT(F, H, C, num_layers=2, heads=2),
    "resgat-sep": lambda: ResGAT(F, H, C, num_layers=2, heads=2, separate=True),
    "linkx": lambda: LINKX(F, H, C, num_nodes=N),
    "fagcn": lambda: FAGCN(F, H, C, num_layers=2),
}


@pytest.mark.parametrize("name", MAKERS)
def test_shapes_and_gradients(name):
    torch.manual_seed(0)
    model = MAKERS[name]()
    x = torch.randn(N, F)
    out = model(x, EDGES)
    assert out.shape == (N, C) and torch.isfinite(out).all()
    out.square().sum().backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert sum(float(g.abs().sum()) for g in grads) > 0


@pytest.mark.parametrize("name", [n for n in MAKERS if n != "linkx"])  # LINKX has one weight row per node id
def test_relabelling_the_nodes_permutes_the_output(name):
    torch.manual_seed(0)
    model = MAKERS[name]().eval()
    x = torch.randn(N, F)
    perm = torch.tensor([3, 0, 4, 1, 2])  # new node i is old node perm[i]
    inv = torch.argsort(perm)
    out = model(x, EDGES)
    out_perm = model(x[perm], inv[EDGES])
    assert torch.allclose(out_perm, out[perm], atol=1e-5)


def _dense_block_model(model, x, agg):
    """The whole one-block model by hand, in float64: input map, pre-norm residual block, output map."""
    d = lambda t: t.detach().double()  # noqa: E731
    gelu = torch.nn.functional.gelu

    def ln(h, norm):
        mu = h.mean(-1, keepdim=True)
        var = ((h - mu) ** 2).mean(-1, keepdim=True)
        return (h - mu) / torch.sqrt(var + norm.eps) * d(norm.weight) + d(norm.bias)

    h0 = gelu(x @ d(model.lin_in.weight).T + d(model.lin_in.bias))
    block = model.blocks[0]
    m = agg(ln(h0, block.norm))
    f = gelu(m @ d(block.ffn.lin1.weight).T + d(block.ffn.lin1.bias)) @ d(block.ffn.lin2.weight).T + d(block.ffn.lin2.bias)
    h1 = h0 + f
    return ln(h1, model.norm_out) @ d(model.lin_out.weight).T + d(model.lin_out.bias)


def _adjacency():
    A = torch.zeros(N, N, dtype=torch.float64)
    A[EDGES[1], EDGES[0]] = 1.0
    return A


@pytest.mark.parametrize("kind", ["gcn", "gcn-sep", "sage", "resnet"])
def test_one_block_equals_the_dense_hand_computation(kind):
    torch.manual_seed(1)
    model = {"gcn": lambda: ResGCN(F, H, C, num_layers=1), "gcn-sep": lambda: ResGCN(F, H, C, num_layers=1, separate=True),
             "sage": lambda: ResSAGE(F, H, C, num_layers=1), "resnet": lambda: ResNet(F, H, C, num_layers=1)}[kind]()
    with torch.no_grad():  # LayerNorm starts as the identity map; give it a scale and shift to test
        for norm in (model.blocks[0].norm, model.norm_out):
            norm.weight.uniform_(0.5, 1.5)
            norm.bias.uniform_(-0.5, 0.5)
    model.eval()
    x = torch.randn(N, F, dtype=torch.float64)
    A = _adjacency()
    deg = A.sum(1)
    if kind == "gcn":
        At = A + torch.eye(N, dtype=torch.float64)
        s = At.sum(1).rsqrt()
        agg = lambda z: (s[:, None] * At * s[None, :]) @ z  # noqa: E731
    elif kind == "gcn-sep":
        s = torch.where(deg > 0, deg.rsqrt(), torch.zeros_like(deg))
        agg = lambda z: torch.cat([z, (s[:, None] * A * s[None, :]) @ z], -1)  # noqa: E731
    elif kind == "sage":
        agg = lambda z: torch.cat([z, (A / deg.clamp(min=1)[:, None]) @ z], -1)  # noqa: E731
    else:
        agg = lambda z: z  # noqa: E731
    expected = _dense_block_model(model, x, agg)
    got = model(x.float(), EDGES).double()
    assert torch.allclose(got, expected, atol=1e-5)
    # the isolated node 4 gets nothing from neighbours: a ResNet on the same features agrees there
    if kind != "resnet" and kind != "gcn":
        assert torch.allclose(got[4], _dense_block_model(model, x, lambda z: torch.cat([z, 0 * z], -1))[4], atol=1e-5)


def test_resnet_ignores_the_graph_but_resgcn_does_not():
    torch.manual_seed(0)
    x = torch.randn(N, F)
    other = torch.tensor([[0, 4], [4, 0]])
    res, gcn = ResNet(F, H, C).eval(), ResGCN(F, H, C).eval()
    assert torch.equal(res(x, EDGES), res(x, other))
    assert not torch.allclose(gcn(x, EDGES), gcn(x, other))


def test_graph_operand_follows_an_edit_in_place():
    torch.manual_seed(0)
    model = ResGCN(F, H, C).eval()
    x, ei = torch.randn(N, F), EDGES.clone()
    before = model(x, ei)
    ei[0, 0], ei[1, 1] = 4, 4  # edges 0->1 and 1->0 become 4->1 and 1->4
    edited = model(x, ei)
    assert not torch.allclose(edited, before)
    assert torch.allclose(edited, model(x, ei.clone()))  # a new tensor: the operand is built afresh


@pytest.mark.parametrize("call, match", [
    (lambda: ResGCN(0, H, C), "in_channels"),
    (lambda: ResNet(F, H, C, num_layers=0), "num_layers"),
    (lambda: ResSAGE(F, H, C, dropout=1.0), "dropout"),
    (lambda: ResGAT(F, 10, C, heads=4), "multiple of heads"),
    (lambda: ResGCN(F, H, C, separate="yes"), "separate"),
    (lambda: ResNet(F, H, C, hidden_multiplier=0), "hidden_multiplier"),
    (lambda: ResGCN(F, H, C)(torch.randn(N, F + 1), EDGES), r"shape \[N, 3\]"),
    (lambda: ResGCN(F, H, C)(torch.randn(N, F), torch.tensor([[0], [7]])), "entries must lie"),
    (lambda: ResGCN(F, H, C)(torch.randn(N, F).long(), EDGES), "floating point"),
    (lambda: LINKX(F, H, C, num_nodes=N)(torch.randn(N + 1, F), EDGES), "num_nodes is fixed"),
    (lambda: LINKX(F, H, C, num_nodes=0), "num_nodes"),
    (lambda: FAGCN(F, H, C, eps=2.0), "eps"),
])
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
