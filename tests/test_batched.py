"""fit_cell: every member of a stacked cell trains exactly as its separate run (physgnn.train.fit)."""

import pytest
import torch
from torch_geometric.data import Data
from torch_geometric.utils import to_undirected

from physgnn.cell import fit_cell, stack_models
from physgnn.cell.dropout import dropout, sparse_input_values
from physgnn.cell.fit import _build
from physgnn.data import select_split
from physgnn.models import ACMP, GAT, GCN, GCNII, GRAND, MLP, OfficialACMP
from physgnn.models.dropout import _as_csr, input_dropout
from physgnn.train import fit


def _graph(n=40, f=30, c=3, splits=4, seed=0, sparse=False, dtype=torch.float64):
    """A random graph with class-dependent features and ``splits`` random train/val/test masks [N, S]."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, c, (n,), generator=g)
    ei = to_undirected(torch.randint(0, n, (2, 3 * n), generator=g))
    ei = ei[:, ei[0] != ei[1]]
    if sparse:  # >= 100,000 entries, a few % non-zero: the models' CSR input path
        x = (torch.rand(n, f, generator=g) < 0.03).to(dtype)
    else:
        x = torch.randn(n, f, generator=g, dtype=dtype) + torch.nn.functional.one_hot(y, f).to(dtype)
    masks = torch.zeros(3, n, splits, dtype=torch.bool)
    for s in range(splits):
        part = torch.randperm(n, generator=g) % 5  # 2/5 train, 1/5 val, 2/5 test
        masks[0, :, s], masks[1, :, s], masks[2, :, s] = part < 2, part == 2, part > 2
    return Data(x=x, y=y, edge_index=ei, train_mask=masks[0], val_mask=masks[1], test_mask=masks[2])


def _separate(make_model, data, members, **kw):
    out = []
    for split, seed in members:
        torch.manual_seed(seed)
        out.append(fit(make_model(), select_split(data, split), progress=False, **kw))
    return out


def _assert_same(cell, separate, loss_tol):
    for c, s in zip(cell, separate):
        assert (c.test, c.val, c.train, c.best_epoch, c.epochs_run) == (s.test, s.val, s.train, s.best_epoch, s.epochs_run)
        for key in ("train", "val", "test"):
            assert c.history[key] == s.history[key]
        assert torch.allclose(torch.tensor(c.history["loss"]), torch.tensor(s.history["loss"]), rtol=0, atol=loss_tol)


MEMBERS = [(0, 0), (1, 0), (3, 7), (2, 11)]

# float64: the members differ from their separate runs only in the order of sums inside batched products, so
# after a few epochs their training losses agree to ~1e-14; 1e-10 leaves room and still rejects any wrong mask,
# gradient or parameter (those change the loss at the 1e-3 level)
MODELS64 = {
    "acmp-rw-code": lambda f, c: ACMP(f, 16, c, coupling="rw", beta=0.3, form="code", T=0.5, step_size=0.1, dropout_in=0.5, dropout=0.2),
    "acmp-gcn-paper": lambda f, c: ACMP(f, 16, c, coupling="gcn", beta=0.3, form="paper", T=0.5, step_size=0.25, method="midpoint"),
    "acmp-attention-learned-beta": lambda f, c: ACMP(f, 16, c, coupling="attention", beta=0.3, learn_beta=True, T=0.3, step_size=0.1, dropout=0.3),
    "grand": lambda f, c: GRAND(f, 16, c, T=0.5, step_size=0.1, method="euler"),
    "gcn-3-layers": lambda f, c: GCN(f, 16, c, num_layers=3, dropout=0.4),
    "gcnii": lambda f, c: GCNII(f, 16, c, num_layers=4, dropout=0.3, alpha=0.2),
    "mlp": lambda f, c: MLP(f, 16, c, num_layers=3, dropout=0.5),
    # the official ACMP code's model, with every option the Chapter 7 ablation switches
    "official": lambda f, c: OfficialACMP(f, 16, c, T=1.2, step_size=0.1),
    "official-beta-tanh": lambda f, c: OfficialACMP(f, 16, c, beta=0.3, tanh=True, T=1.2, step_size=0.1, dropout=0.3),
    "official-delta-on": lambda f, c: OfficialACMP(f, 16, c, beta=0.2, delta=0.5, T=1.0, step_size=0.25, method="midpoint"),
    "official-book-couplings": lambda f, c: OfficialACMP(f, 16, c, beta=0.3, couplings="book", T=1.0, step_size=0.1),
    "official-no-well": lambda f, c: OfficialACMP(f, 16, c, beta=0.3, delta=None, T=1.0, step_size=0.2, method="euler"),
}


@pytest.mark.parametrize("name", sorted(MODELS64))
def test_members_equal_their_separate_runs_in_float64(name):
    data = _graph()
    make = lambda: MODELS64[name](data.num_features, 3).double()  # noqa: E731
    kw = dict(epochs=6, lr=0.02, weight_decay=5e-4, patience=50)
    _assert_same(fit_cell(make, data, MEMBERS, progress=False, **kw), _separate(make, data, MEMBERS, **kw), loss_tol=1e-10)


@pytest.mark.parametrize("model", [ACMP, GCN, MLP])
def test_sparse_features_take_the_same_csr_path(model):
    data = _graph(n=200, f=600, sparse=True)
    assert _as_csr(data.x) is not None  # the separate models treat these features as sparse
    make = lambda: model(600, 8, 3, **({"T": 0.3} if model is ACMP else {})).double()  # noqa: E731
    kw = dict(epochs=4, lr=0.02)
    members = [(0, 1), (2, 2)]
    _assert_same(fit_cell(make, data, members, progress=False, **kw), _separate(make, data, members, **kw), loss_tol=1e-10)


def test_float32_texas_matches_to_rounding(data_env):
    from physgnn.data import load

    data = load("texas")
    members = [(0, 0), (4, 4), (9, 2)]
    kw = dict(epochs=8, lr=0.01, weight_decay=5e-4)
    for make in (lambda: ACMP(data.num_features, 32, 5, coupling="rw", beta=0.25, T=1.0, step_size=0.1),
                 lambda: GCN(data.num_features, 32, 5, dropout=0.5)):
        # float32: sums in another order differ by a few ulps (~1e-7 relative) per product; over eight epochs the
        # training losses (~1.6) agree to ~1e-6, and the scores, which count argmaxes, exactly
        _assert_same(fit_cell(make, data, members, progress=False, **kw), _separate(make, data, members, **kw), loss_tol=1e-5)


def test_float32_texas_official_configuration_matches(data_env):
    """The official configuration itself (T = 12.8, 16 channels, rk4 steps of 0.1) with repulsion, on Texas."""
    from physgnn.data import load

    data = load("texas")
    members = [(0, 0), (9, 2)]
    kw = dict(epochs=4, lr=0.01, weight_decay=5e-4)
    make = lambda: OfficialACMP(data.num_features, 16, 5, beta=0.25)  # noqa: E731
    _assert_same(fit_cell(make, data, members, progress=False, **kw), _separate(make, data, members, **kw), loss_tol=1e-5)


EARLY = {
    "gcn": lambda: GCN(30, 8, 3, dropout=0.5),
    "acmp-rw": lambda: ACMP(30, 8, 3, coupling="rw", T=0.3, dropout=0.2),
    "acmp-attention-learned-beta": lambda: ACMP(30, 8, 3, coupling="attention", learn_beta=True, T=0.2),
    "gcnii": lambda: GCNII(30, 8, 3, num_layers=2),
    "official-tanh": lambda: OfficialACMP(30, 8, 3, beta=0.3, tanh=True, T=0.6, step_size=0.1),
    "official-book-no-well": lambda: OfficialACMP(30, 8, 3, beta=0.3, couplings="book", delta=None, T=0.6, step_size=0.1),
}


@pytest.mark.parametrize("name", sorted(EARLY))
def test_members_stop_early_on_their_own_epochs(name, monkeypatch):
    """Members stop on their own epochs, and the batch drops them as they stop (each drop keeps the others exact)."""
    import physgnn.cell.fit as cell_fit

    drops = []
    real = cell_fit._shrink
    monkeypatch.setattr(cell_fit, "_shrink", lambda model, opt, keep: (drops.append(len(keep)), real(model, opt, keep)))
    data = _graph(n=60, splits=6, seed=3)
    make = lambda: EARLY[name]().double()  # noqa: E731
    members = [(s, s) for s in range(6)]
    kw = dict(epochs=60, lr=0.05, patience=4)
    cell = fit_cell(make, data, members, progress=False, **kw)
    _assert_same(cell, _separate(make, data, members, **kw), loss_tol=1e-10)
    stops = {r.epochs_run for r in cell}
    assert len(stops) > 1 and max(stops) < 60  # different stop epochs, all before the budget
    assert drops and min(drops) >= 1  # the batch shrank while members were still training
    assert all(len(r.history["val"]) == r.epochs_run for r in cell)


def test_chunks_and_member_order_change_nothing():
    data = _graph()
    make = lambda: ACMP(data.num_features, 8, 3, T=0.3).double()  # noqa: E731
    kw = dict(epochs=4, lr=0.02)
    whole = fit_cell(make, data, MEMBERS, progress=False, **kw)
    chunked = fit_cell(make, data, MEMBERS, chunk=3, progress=False, **kw)
    reverse = fit_cell(make, data, MEMBERS[::-1], progress=False, **kw)[::-1]
    for a, b, c in zip(whole, chunked, reverse):  # other batch shapes sum in another order: ~1e-16 apart
        assert a.history["val"] == b.history["val"] == c.history["val"] and a.test == b.test == c.test
        assert torch.allclose(torch.tensor(a.history["loss"]), torch.tensor(b.history["loss"]), rtol=0, atol=1e-12)
        assert torch.allclose(torch.tensor(a.history["loss"]), torch.tensor(c.history["loss"]), rtol=0, atol=1e-12)


def test_members_do_not_see_each_other():
    """Changing member 1's parameters changes member 1's logits only (no mixing through the stacked graph)."""
    data = _graph()
    for make in (lambda: ACMP(30, 8, 3, coupling="attention", T=0.3), lambda: GCNII(30, 8, 3, num_layers=3), lambda: GCN(30, 8, 3),
                 lambda: OfficialACMP(30, 8, 3, beta=0.3, delta=0.5, T=0.6)):
        models, gens = _build(make, [0, 1, 2])
        stacked = stack_models(models, gens).double().eval()
        before = stacked(data.x, data.edge_index)
        with torch.no_grad():
            for p in stacked.parameters():
                p[1].mul_(-3.0).add_(0.5)
        after = stacked(data.x, data.edge_index)
        assert torch.equal(before[0], after[0]) and torch.equal(before[2], after[2])
        assert not torch.allclose(before[1], after[1])


def test_dropout_masks_are_the_separate_runs_masks_bit_for_bit():
    torch.manual_seed(5)
    h = torch.randn(3, 50, 20)
    states = [torch.Generator().manual_seed(k).get_state() for k in range(3)]
    gens = [torch.Generator() for _ in range(3)]
    for g, s in zip(gens, states):
        g.set_state(s)
    stacked = dropout(h, 0.4, True, gens)
    x = (torch.rand(400, 300) < 0.05).float()
    values = sparse_input_values(_as_csr(x), 0.3, True, gens)
    for k in range(3):
        torch.set_rng_state(states[k])
        assert torch.equal(stacked[k], torch.nn.functional.dropout(h[k], 0.4, True))
        assert torch.equal(values[k], input_dropout(x, 0.3, True).values())
    assert dropout(h, 0.4, False, gens) is h


def test_fit_cell_leaves_the_global_generator_alone():
    data = _graph()
    torch.manual_seed(123)
    state = torch.get_rng_state()
    fit_cell(lambda: MLP(30, 8, 3), data.clone().apply(lambda t: t.float() if t.is_floating_point() else t), [(0, 0)], epochs=2, progress=False)
    assert torch.equal(torch.get_rng_state(), state)


def test_bad_input():
    data = _graph().apply(lambda t: t.float() if t.is_floating_point() else t)
    make = lambda: GCN(30, 8, 3)  # noqa: E731
    bad_members = {"members is empty": [], "pair of integers": [(0,)], "does not exist": [(4, 0)], "repeat": [(0, 0), (0, 0)],
                   "list of \\(split, seed\\)": 5}
    for message, members in bad_members.items():
        with pytest.raises(ValueError, match=message):
            fit_cell(make, data, members, progress=False)
    with pytest.raises(ValueError, match="cannot be stacked"):
        fit_cell(lambda: GAT(30, 8, 3), data, [(0, 0)], progress=False)
    for change in (dict(tanh=True), dict(delta=None), dict(couplings="book"), dict(beta=0.1)):  # one cell = one configuration
        other = iter([{}, change])
        with pytest.raises(ValueError, match="must build the same (OfficialACMP )?configuration"):
            fit_cell(lambda: OfficialACMP(30, 8, 3, **next(other)), data, [(0, 0), (1, 1)], progress=False)
    with pytest.raises(ValueError, match="dopri5"):
        fit_cell(lambda: OfficialACMP(30, 8, 3, method="dopri5"), data, [(0, 0)], progress=False)
    with pytest.raises(ValueError, match="adjoint"):
        fit_cell(lambda: OfficialACMP(30, 8, 3, adjoint=True), data, [(0, 0)], progress=False)
    with pytest.raises(ValueError, match="dopri5"):
        fit_cell(lambda: ACMP(30, 8, 3, method="dopri5"), data, [(0, 0)], progress=False)
    with pytest.raises(ValueError, match="adjoint"):
        fit_cell(lambda: ACMP(30, 8, 3, adjoint=True), data, [(0, 0)], progress=False)
    with pytest.raises(ValueError, match="pairnorm"):
        fit_cell(lambda: GCN(30, 8, 3, pairnorm=True), data, [(0, 0)], progress=False)
    widths = iter([8, 16])
    with pytest.raises(ValueError, match="same configuration"):
        fit_cell(lambda: GCN(30, next(widths), 3), data, [(0, 0), (1, 1)], progress=False)
    with pytest.raises(ValueError, match="torch.nn.Module"):
        fit_cell(lambda: "gcn", data, [(0, 0)], progress=False)
    for kw, message in ((dict(epochs=0), "epochs"), (dict(patience=1.5), "patience"), (dict(chunk=0), "chunk"), (dict(lr=0), "lr"),
                        (dict(metric="f1"), "metric")):
        with pytest.raises(ValueError, match=message):
            fit_cell(make, data, [(0, 0)], progress=False, **kw)
    for make_one in (lambda: ACMP(30, 8, 3), lambda: GCN(30, 8, 3), lambda: MLP(30, 8, 3), lambda: GCNII(30, 8, 3, num_layers=2),
                     lambda: OfficialACMP(30, 8, 3)):
        stacked = stack_models(*_build(make_one, [0, 1]))
        with pytest.raises(ValueError, match=r"x must have shape \[N, 30\]"):
            stacked(data.x[:, :20], data.edge_index)
        with pytest.raises(ValueError, match="floating point"):
            stacked(data.x.long(), data.edge_index)
    with pytest.raises(ValueError, match="'y'"):
        fit_cell(make, Data(x=data.x, edge_index=data.edge_index), [(0, 0)], progress=False)


def _same_or_both_nan(a, b):
    return a == b or (a != a and b != b)


@pytest.mark.parametrize("scale", [0.3, 0.7])
def test_diverging_members_are_flagged_as_fit_flags_them(scale):
    """A member whose solve blows up (a strong double well on large encoded features) scores NaN on that epoch,
    is never chosen and is flagged, exactly as in fit; the members that stay finite are untouched by it."""
    data = _graph()
    data.x = data.x * scale  # 0.3: two members diverge at later epochs; 0.7: one member never has a finite epoch
    make = lambda: OfficialACMP(30, 8, 3, delta=0.9, T=1.0, step_size=0.25).double()  # noqa: E731
    members = [(0, 0), (1, 1), (2, 2), (3, 3)]
    kw = dict(epochs=12, lr=0.05)
    with pytest.warns(RuntimeWarning, match="non-finite"):
        cell = fit_cell(make, data, members, progress=False, **kw)
    with pytest.warns(RuntimeWarning, match="non-finite"):
        separate = _separate(make, data, members, **kw)
    assert any(r.diverged for r in separate) and (scale > 0.5 or not all(r.diverged for r in separate))
    for c, s in zip(cell, separate):
        assert (c.diverged_at, c.diverged_epochs, c.best_epoch, c.epochs_run) == (s.diverged_at, s.diverged_epochs, s.best_epoch, s.epochs_run)
        for a, b in [(c.test, s.test), (c.val, s.val), (c.train, s.train)] + list(zip(c.history["val"], s.history["val"])):
            assert _same_or_both_nan(a, b)
    if scale > 0.5:
        assert any(r.best_epoch == -1 and r.test != r.test for r in cell)  # never finite: no best epoch, NaN scores


def test_the_equality_check_has_teeth():
    """A member trained under another seed (other initial weights and masks) fails the comparison."""
    data = _graph()
    make = lambda: MLP(30, 8, 3).double()  # noqa: E731
    kw = dict(epochs=3, lr=0.02)
    wrong = fit_cell(make, data, [(0, 1)], progress=False, **kw)
    with pytest.raises(AssertionError):
        _assert_same(wrong, _separate(make, data, [(0, 0)], **kw), loss_tol=1e-10)


def test_roc_auc_members_equal_their_separate_runs():
    data = _graph(n=50, c=2)
    make = lambda: GCN(30, 8, 2, dropout=0.3).double()  # noqa: E731
    kw = dict(epochs=5, lr=0.02, metric="roc_auc")
    cell = fit_cell(make, data, MEMBERS, progress=False, **kw)
    assert all(r.metric == "roc_auc" for r in cell)
    _assert_same(cell, _separate(make, data, MEMBERS, **kw), loss_tol=1e-10)
