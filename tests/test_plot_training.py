"""Chapter 7's training curves: one column per graph, loss on a log scale, validation accuracy with the selected
epoch marked, and the bad input rejected."""

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from physgnn import plot as pplot  # noqa: E402


def _run(n=20, best=12):
    val = np.minimum(np.linspace(0.2, 0.9, n), 0.9 - 0.01 * np.abs(np.arange(n) - best))
    return SimpleNamespace(history={"loss": np.geomspace(2, 0.1, n), "val": val}, best_epoch=best, val=val[best])


def test_training_curves_one_column_per_graph_with_the_selected_epoch_marked():
    runs = {"Texas, split 0": {"gcn": _run(), "mlp": _run(best=5)}, "Cora, split 0": {"gcn": _run(30, 29)}}
    fig = pplot.training_curves(runs, labels={"gcn": "GCN", "mlp": "MLP"})
    (loss_tx, loss_cora), (val_tx, val_cora) = np.array(fig.axes).reshape(2, 2)
    assert loss_tx.get_title() == "Texas, split 0" and loss_cora.get_title() == "Cora, split 0"
    assert loss_tx.get_yscale() == "log" and val_tx.get_ylim() == (0, 1)
    assert [ln.get_label() for ln in loss_tx.lines] == ["GCN", "MLP"]
    assert to_rgba(loss_tx.lines[0].get_color()) == to_rgba(pplot.color("gcn"))
    dot = val_tx.lines[1]  # the GCN's curve, then its dot
    assert list(dot.get_xdata()) == [13] and dot.get_ydata()[0] == pytest.approx(_run().val), "epochs count from 1"
    assert len(val_cora.lines[0].get_xdata()) == 30
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["GCN", "MLP"]
    plt.close(fig)


@pytest.mark.parametrize(
    "run, match",
    [
        (SimpleNamespace(history={"loss": [1.0]}, best_epoch=0, val=0.5), "needs history"),
        (SimpleNamespace(history={"loss": [1.0, 0.5], "val": [0.5]}, best_epoch=0, val=0.5), "one value per epoch"),
        (SimpleNamespace(**{**vars(_run()), "best_epoch": 25}), "best_epoch 25 outside"),
    ],
)
def test_training_curves_rejects_bad_runs(run, match):
    with pytest.raises(ValueError, match=match):
        pplot.training_curves({"Texas": {"gcn": run}})
    plt.close("all")
    with pytest.raises(ValueError, match="at least one"):
        pplot.training_curves({})


def test_training_curves_name_models_as_the_book_does_by_default():
    from physgnn.plot_training import MODEL_LABELS

    fig = pplot.training_curves({"Texas": {"acmp": _run(), "grand": _run(), "gcnii": _run()}})
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["ACMP-GCN", "GRAND (diffusion)", "GCNII"]
    plt.close(fig)
    assert set(MODEL_LABELS) <= set(pplot.COLORS) | {"acmp-gcn", "acmp-gat"}, "every named model has a colour"
