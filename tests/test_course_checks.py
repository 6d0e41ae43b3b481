"""The auto-checks of the graded problem sets cannot be fooled, and every re-seeded instance is a valid one.

* Wrong answers: each probe replaces a worked solution by a tempting wrong answer *inside the executed instructor
  notebook*, runs the problem's auto-check again, and restores the solution. The check must raise AssertionError.
* Correct alternatives: equally correct forms of a solution (e.g. a form of 2.4's formula that autograd cannot
  differentiate at x0 = 0) must pass the same check.
* Variants: problem sets 1 and 2 build their graphs from a ``SEED``; for 200 seeds the instance cell must give what the
  problems assume (connected graphs, a fast enough mixing SBM, a balance point between problem 2.3's two values of
  beta, a growth rate that the fit over [5, 10] can read).

The three instructor notebooks run once each, in fast mode, two kernels at a time (about a minute on two cores).
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import io
import json
import math
import os
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
INSTRUCTOR = REPO / "book" / "course" / "instructor"

# (notebook, the check it targets, what the probe is, the replacement code, must the check reject it?)
PROBES = [
    ("ps1_diffusion.ipynb", "1.2", "mu_of returns 0.999 (any rate above the true one satisfies the bound)",
     "def mu_of(lam, zero=1e-9):\n    return 0.999", True),
    ("ps1_diffusion.ipynb", "1.2", "mu_of from the sorted eigenvalues of a connected graph (correct)",
     "def mu_of(lam, zero=1e-9):\n    return float(torch.max(torch.abs(1 - lam[1:])))", False),
    ("ps1_diffusion.ipynb", "1.3(d)", "energy_decay_rate from lam[1] (zero on a graph with several components)",
     "def energy_decay_rate(lam, zero=1e-9):\n    return 2 * float(lam[1])", True),
    ("ps1_diffusion.ipynb", "1.3(d)", "energy_decay_rate without the factor 2 (the rate of X, not of its energy)",
     "def energy_decay_rate(lam, zero=1e-9):\n    return float(lam[lam > zero].min())", True),
    ("ps1_diffusion.ipynb", "1.3(d)", "energy_decay_rate from the sorted eigenvalues after the zero ones (correct)",
     "def energy_decay_rate(lam, zero=1e-9):\n"
     "    lam = torch.sort(lam).values\n"
     "    return 2 * lam[int((lam < zero).sum())].item()", False),
    ("ps1_diffusion.ipynb", "1.8(a)", "node homophily averaged over edges (that is edge homophily)",
     "def node_homophily(edge_index, y):\n    return edge_homophily(edge_index, y)", True),
    ("ps1_diffusion.ipynb", "1.8(a)", "node homophily over the sources' outgoing edges instead of the targets' incoming ones",
     "def node_homophily(edge_index, y):\n"
     "    same = (y[edge_index[0]] == y[edge_index[1]]).double()\n"
     "    out_deg = torch.zeros(len(y), dtype=F64).index_add_(0, edge_index[0], torch.ones_like(same))\n"
     "    agree = torch.zeros(len(y), dtype=F64).index_add_(0, edge_index[0], same)\n"
     "    return (agree / out_deg.clamp(min=1)).mean().item()", True),
    ("ps1_diffusion.ipynb", "1.8(a)", "class-insensitive homophily without clipping the negative excesses at 0",
     "def class_insensitive_homophily(edge_index, y):\n"
     "    C, target = int(y.max()) + 1, y[edge_index[1]]\n"
     "    same = (y[edge_index[0]] == target).double()\n"
     "    h = torch.zeros(C, dtype=F64).index_add_(0, target, same) / torch.bincount(target, minlength=C)\n"
     "    return ((h - torch.bincount(y, minlength=C).double() / len(y)).sum() / (C - 1)).item()", True),
    ("ps1_diffusion.ipynb", "1.8(b)", "verdict against the fixed threshold 0.5 instead of the chance level",
     "def verdict(edge_index, y, margin=0.05):\n"
     "    h = edge_homophily(edge_index, y)\n"
     "    return 'homophilous' if h > 0.5 + margin else 'heterophilous' if h < 0.5 - margin else 'random'", True),
    ("ps1_diffusion.ipynb", "1.8(a)", "node homophily with a Python loop over the nodes that have a neighbour (correct)",
     "def node_homophily(edge_index, y):\n"
     "    labels, incoming = y.tolist(), {}\n"
     "    for j, i in edge_index.t().tolist():\n"
     "        incoming.setdefault(i, []).append(labels[j] == labels[i])\n"
     "    return sum(sum(same) / len(same) for same in incoming.values()) / len(incoming)", False),
    ("ps2_forces.ipynb", "2.2", "mu_max is the lower bound of the hub test",
     "def mu_max(beta):\n"
     "    return (beta * deg.double() - torch.zeros(N, dtype=F64).index_add_(0, ei[1], a)).max().item()", True),
    ("ps2_forces.ipynb", "2.2", "mu_max is the upper bound beta * lambda_max(L_1)",
     "def mu_max(beta):\n"
     "    A1 = torch.zeros(N, N, dtype=F64)\n"
     "    A1[ei[1], ei[0]] = 1.0\n"
     "    return beta * torch.linalg.eigvalsh(torch.diag(A1.sum(dim=1)) - A1)[-1].item()", True),
    ("ps2_forces.ipynb", "2.2", "beta_hub = 1, above the balance point but not the hub test's threshold",
     "beta_hub = 1.0", True),
    ("ps2_forces.ipynb", "2.2", "beta_hub just above beta_star",
     "beta_hub = beta_star + 0.01", True),
    ("ps2_forces.ipynb", "2.2", "beta_hub from the largest ratio instead of the smallest",
     "beta_hub = (torch.zeros(N, dtype=F64).index_add_(0, ei[1], a) / deg.double()).max().item()", True),
    ("ps2_forces.ipynb", "2.4", "sign(x0) / sqrt(1 + (1/x0² − 1) e^{−2t}) (correct; autograd gives NaN at x0 = 0)",
     "def double_well_solution(x0, t):\n"
     "    return torch.sign(x0) / torch.sqrt(1 + (1 / x0 ** 2 - 1) * torch.exp(-2 * t))", False),
    ("ps2_forces.ipynb", "2.4", "x0 / sqrt(x0² + (1 − x0²) e^{−2t}) (correct)",
     "def double_well_solution(x0, t):\n"
     "    return x0 / torch.sqrt(x0 ** 2 + (1 - x0 ** 2) * torch.exp(-2 * t))", False),
    ("ps2_forces.ipynb", "2.4", "the linearised solution x0 e^t",
     "def double_well_solution(x0, t):\n    return x0 * torch.exp(t)", True),
    ("ps3_neural_odes.ipynb", "3.3", "gradients ignores its adjoint flag (always backprop)",
     "def gradients(adjoint):\n"
     "    acmp_field.zero_grad()\n"
     "    x = h0.clone().requires_grad_(True)\n"
     "    loss_at_T(acmp_field, x, adjoint=False).backward()\n"
     "    return x.grad.clone(), acmp_field._raw_alpha.grad.clone(), acmp_field._raw_delta.grad.clone()", True),
    ("ps3_neural_odes.ipynb", "3.4", "select_by_validation selects on test accuracy",
     "def select_by_validation(table):\n"
     "    return max(table, key=lambda name: np.mean([test for _, test in table[name]]))", True),
]

PROBE_CELL = """
import json as _json
_check_source = {check!r}
_names = {names!r}
_saved = {{_n: globals()[_n] for _n in _names if _n in globals()}}
exec({code!r}, globals())
try:
    with __import__("contextlib").redirect_stdout(__import__("io").StringIO()):
        exec(_check_source, globals())
    _outcome = "passed"
except AssertionError as _e:
    _outcome = "rejected: " + str(_e)
except Exception as _e:
    _outcome = f"error: {{type(_e).__name__}}: {{_e}}"
globals().update(_saved)
print("PROBE " + _json.dumps({{"key": {key!r}, "outcome": _outcome}}))
"""


def _defined(code: str) -> list[str]:
    names = []
    for node in ast.parse(code).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
    return names


def _with_probes(name: str):
    nb = nbformat.read(INSTRUCTOR / name, as_version=4)
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        for k, (nb_name, check, what, code, _) in enumerate(PROBES):
            if nb_name == name and cell.source.startswith(f"# Auto-check {check}"):
                source = PROBE_CELL.format(check=cell.source, names=_defined(code), code=code, key=k)
                cells.append(nbformat.v4.new_code_cell(textwrap.dedent(source)))
    nb.cells = cells
    return nb


@pytest.fixture(scope="module")
def outcomes(mirror):
    """{probe index: "passed" | "rejected: ..." | "error: ..."}, from the executed instructor notebooks."""
    names = sorted({p[0] for p in PROBES})
    notebooks = [_with_probes(n) for n in names]
    env = dict(os.environ, PHYSGNN_FAST="1", PHYSGNN_OFFLINE="1", OMP_NUM_THREADS="1",
               PHYSGNN_DATA_MIRROR=str(mirror), MPLBACKEND="Agg")

    async def run_all():
        gate = asyncio.Semaphore(2)

        async def run(nb):
            async with gate:
                await NotebookClient(nb, timeout=900, kernel_name="python3", allow_errors=True,
                                     resources={"metadata": {"path": str(INSTRUCTOR)}}).async_execute(env=env)

        await asyncio.gather(*(run(nb) for nb in notebooks))

    asyncio.run(run_all())
    found, errors = {}, []
    for name, nb in zip(names, notebooks):
        for i, cell in enumerate(nb.cells):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream" and "PROBE " in out.get("text", ""):
                    for line in out["text"].splitlines():
                        if line.startswith("PROBE "):
                            record = json.loads(line[6:])
                            found[record["key"]] = record["outcome"]
                elif out.get("output_type") == "error":
                    errors.append(f"{name}, cell {i}: {out['ename']}: {out['evalue'][:200]}")
    assert not errors, f"the instructor notebooks with probes must run without error: {errors}"
    return found


@pytest.mark.parametrize("k", range(len(PROBES)), ids=[f"{p[1]}: {p[2]}" for p in PROBES])
def test_check_rejects_wrong_answers_and_accepts_correct_forms(outcomes, k):
    name, check, what, code, reject = PROBES[k]
    assert k in outcomes, f"the probe for {check} did not run (no auto-check {check} in {name}?)"
    if reject:
        assert outcomes[k].startswith("rejected"), f"auto-check {check} must reject: {what}; got {outcomes[k]}"
    else:
        assert outcomes[k] == "passed", f"auto-check {check} must accept: {what}; got {outcomes[k]}"


# ---------------------------------------------------------------------------------------------------------------
# Re-seeded variants
# ---------------------------------------------------------------------------------------------------------------
SEEDS = range(200)


def _instance(name: str, prefix: str, seed: int) -> dict:
    """Run a problem set's import cell and its instance cell with SEED = seed; return the namespace."""
    cells = nbformat.read(INSTRUCTOR / name, as_version=4).cells
    imports = next(c.source for c in cells if c.source.startswith("# Imports"))
    instance = next(c.source for c in cells if c.source.startswith(prefix))
    assert instance.count("\nSEED = ") == 1, f"{name}: the instance cell sets SEED once"
    lines = [f"SEED = {seed}" if ln.startswith("SEED = ") else ln for ln in instance.splitlines()]
    namespace = {"torch": torch}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(imports, namespace)
        exec("\n".join(lines), namespace)
    return namespace


def _components(edge_index, n) -> int:
    from scipy.sparse.csgraph import connected_components
    from torch_geometric.utils import to_scipy_sparse_matrix

    return connected_components(to_scipy_sparse_matrix(edge_index, num_nodes=n), directed=False)[0]


def _sym_normalised_laplacian(edge_index, n):
    A = torch.zeros(n, n, dtype=torch.float64)
    A[edge_index[1], edge_index[0]] = 1.0
    d = A.sum(dim=1) + 1
    return torch.eye(n, dtype=torch.float64) - (A + torch.eye(n, dtype=torch.float64)) / torch.outer(d.sqrt(), d.sqrt())


def test_problem_set_1_variants_are_valid():
    """Every graph connected (1.2, 1.5), the SBM mixing fast enough that 600 steps reach the limits of 1.5, and its gap
    far from the ring's (1.3(d) reads the ring's mode on the union)."""
    for seed in SEEDS:
        ns = _instance("ps1_diffusion.ipynb", "# The graphs of this problem set", seed)
        for name, g in ns["GRAPHS"].items():
            assert _components(g.edge_index, g.num_nodes) == 1, f"seed {seed}: {name} is disconnected"
            assert ns["FEATURES"][name].shape[0] == g.num_nodes
        sbm = ns["sbm"]
        lam = torch.linalg.eigvalsh(_sym_normalised_laplacian(sbm.edge_index, sbm.num_nodes))
        mu = (1 - lam[1:]).abs().max().item()
        assert mu ** 600 < 1e-10, f"seed {seed}: the SBM mixes too slowly for problem 1.5 (μ = {mu:.4f})"
        # problem 1.3(d): the ring's gap (fixed) stays the slowest mode of the union, well apart from the SBM's
        assert lam[1].item() > 0.05, f"seed {seed}: the SBM's gap {lam[1]:.4f} comes near the ring's and the grid's"


def test_problem_set_1_homophily_variants_are_valid():
    """Problem 1.8's three five-class SBMs give the verdicts its check expects, at least 0.01 away from the margins
    (100 seeds: the graphs have 1000 nodes each)."""
    from torch_geometric.utils import homophily

    cells = nbformat.read(INSTRUCTOR / "ps1_diffusion.ipynb", as_version=4).cells
    imports = next(c.source for c in cells if c.source.startswith("# Imports"))
    graphs = next(c.source for c in cells if c.source.startswith("# The graphs of Problem 1.8"))
    expected = {0.9: "homophilous", 0.2: "random", 0.02: "heterophilous"}
    for seed in range(100):
        namespace = {"torch": torch, "SEED": seed}
        with contextlib.redirect_stdout(io.StringIO()):
            exec(imports, namespace)
            exec(graphs, namespace)
        for h, g in namespace["SBM5"].items():
            p = torch.bincount(g.y).double() / g.num_nodes
            excess = homophily(g.edge_index, g.y, method="edge") - (p ** 2).sum().item()
            assert abs(abs(excess) - 0.05) > 0.01, f"seed {seed}, knob {h}: excess {excess:.3f} too near the margin"
            got = "homophilous" if excess > 0.05 else "heterophilous" if excess < -0.05 else "random"
            assert got == expected[h], f"seed {seed}, knob {h}: {got}"


def test_problem_set_2_variants_are_valid():
    """A connected swarm; the balance point between 0.0625 and 0.375 (problem 2.3's two values, with a margin); the
    norm's growth over [5, 10] within 8 % of μmax (the check allows 10 %)."""
    for seed in SEEDS:
        ns = _instance("ps2_forces.ipynb", "# The swarm:", seed)
        ei, N, X0, a = ns["ei"], ns["N"], ns["X0"], ns["a"]
        assert _components(ei, N) == 1, f"seed {seed}: the swarm is disconnected"

        def S(beta):
            M = torch.zeros(N, N, dtype=torch.float64)
            M[ei[1], ei[0]] = a - beta
            return M - torch.diag(M.sum(dim=1))

        basis = torch.linalg.svd(torch.eye(N, dtype=torch.float64) - 1.0 / N)[0][:, : N - 1]
        rate = lambda beta: torch.linalg.eigvalsh(basis.T @ S(beta) @ basis)[-1].item()  # noqa: E731
        assert rate(0.0625 + 0.01) < 0 < rate(0.375 - 0.01), f"seed {seed}: balance point outside (0.07, 0.37)"
        lam, U = torch.linalg.eigh(S(0.375))
        t = np.linspace(5, 10, 21)
        norms = [(U @ (torch.exp(float(s) * lam)[:, None] * (U.T @ X0))).norm().item() for s in t]
        slope = np.polyfit(t, np.log(norms), 1)[0]
        assert abs(slope / lam[-1].item() - 1) < 0.08, f"seed {seed}: the fit reads {slope:.3f}, μmax = {lam[-1]:.3f}"
        assert math.isfinite(slope)
