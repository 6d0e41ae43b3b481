"""A simulated CUDA device for a machine without one: code runs on the CPU while it believes it is on ``cuda``,
and every operation where a host (CPU) tensor meets a device tensor is recorded.

How: a ``TorchFunctionMode`` sees every torch call. A device request for ``"cuda"`` (``.to("cuda")``,
``device="cuda"``, ``model.to("cuda")``) is served on the CPU, and the result counts as a *device* tensor.
*Host* tensors are those made on the host inside the mode: factories without a device or with ``"cpu"``,
``.cpu()``, ``.to("cpu")``, ``torch.tensor(...)`` and ``from_numpy``, and whatever is computed from host tensors
alone. Everything else (results of ops on device tensors, gradients from the autograd engine) is on the device.
``tensor.device`` and ``tensor.is_cuda`` answer accordingly, so code that builds a tensor ``device=x.device``
follows ``x`` as it would on a GPU. An op with a device tensor and a host tensor of one or more dimensions (0-d
host tensors are allowed, as on CUDA) is a *mix*; ``.numpy()`` on a device tensor is an error; ``.item()``,
``.tolist()``, ``bool()``, ``float()``, ``int()`` on a device tensor are *host synchronisations* and are counted.

What it cannot see: kernels that exist only on CUDA, CUDA's non-deterministic sums, memory, and ops that C++
runs without going through Python (the autograd engine's internals; their outputs count as device tensors,
which is what they are on a GPU). Build all inputs inside the mode: tensors made before it count as device ones.
"""

from __future__ import annotations

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_flatten, tree_map

TARGET = torch.device("cuda")
_SYNCS = {torch.Tensor.item, torch.Tensor.tolist, torch.Tensor.__bool__, torch.Tensor.__float__, torch.Tensor.__int__,
          torch.Tensor.__index__}
_TO_HOST = {torch.Tensor.cpu}
_TO_DEVICE = {torch.Tensor.cuda}
# np.asarray(t) (matplotlib, NumPy) reaches Tensor.numpy only inside __array__, where the mode no longer looks
_TO_NUMPY = {torch.Tensor.numpy, torch.Tensor.__array__}
# a host-to-device copy is legal on CUDA; Module.to swaps a parameter's data for its moved copy
_ALLOWED_MIX = (torch.Tensor.copy_, torch._has_compatible_shallow_copy_type, torch.Tensor.data.__set__)


def _is_target(spec) -> bool:
    if isinstance(spec, torch.device):
        return spec.type == "cuda"
    return isinstance(spec, str) and (spec == "cuda" or spec.startswith("cuda:"))


def _is_cpu(spec) -> bool:
    if isinstance(spec, torch.device):
        return spec.type == "cpu"
    return isinstance(spec, str) and spec == "cpu"


class SimulatedCUDA(TorchFunctionMode):
    def __init__(self, strict: bool = False):
        super().__init__()
        self._host = {}          # key -> tensor (strong references: no address is reused while the mode lives)
        self.mixes = []          # (op, shapes) where a host tensor met a device tensor
        self.strict = strict     # raise at the first mix (for a traceback)
        self.errors = []         # ops that fail on a real GPU (numpy of a device tensor)
        self.syncs = 0           # host synchronisations on device tensors

    # -- host bookkeeping ----------------------------------------------------------------------------------
    @staticmethod
    def _key(t: torch.Tensor):
        if t.layout != torch.strided or t.numel() == 0 or t.device.type != "cpu":
            return ("id", id(t))
        return ("ptr", t.untyped_storage().data_ptr())

    def is_host(self, t: torch.Tensor) -> bool:
        return self._key(t) in self._host

    def _mark_host(self, out):
        for t in tree_flatten(out)[0]:
            if isinstance(t, torch.Tensor):
                key = self._key(t)
                # hold the storage itself: a tensor whose data is swapped later (Module.to) would free it, and a
                # device tensor allocated at the same address would pass for a host one
                self._host[key] = t.untyped_storage() if key[0] == "ptr" else t

    # -- tensors made where the mode cannot see ------------------------------------------------------------------
    # torch.from_numpy, torch.frombuffer and torch.load (unpickled in C++) do not go through __torch_function__; on a
    # GPU machine what they return is on the host, so the mode wraps them while it is active and marks their output.
    _UNSEEN = ("from_numpy", "frombuffer", "load")

    def __enter__(self):
        self._real = {name: getattr(torch, name) for name in self._UNSEEN}
        for name, real in self._real.items():
            setattr(torch, name, self._marking(real))
        return super().__enter__()

    def __exit__(self, *exc):
        for name, real in self._real.items():
            setattr(torch, name, real)
        return super().__exit__(*exc)

    def _marking(self, real):
        def made_on_the_host(*args, **kwargs):
            out = real(*args, **kwargs)
            with torch._C.DisableTorchFunction():  # inside the mode, tensor.device would answer for the tensors
                self._mark_host(out)
            return out

        return made_on_the_host

    # -- the mode --------------------------------------------------------------------------------------------
    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func == torch.Tensor.device.__get__:
            return torch.device("cpu") if self.is_host(args[0]) else TARGET
        if func == torch.Tensor.is_cuda.__get__:
            return not self.is_host(args[0])
        if func is torch._C._nn._parse_to or func is torch.device:  # parsing a device: it must see "cuda" as it is
            return func(*args, **kwargs)
        to_target = to_host = False

        def swap(a):
            nonlocal to_target, to_host
            if _is_target(a):
                to_target = True
                return torch.device("cpu")
            if _is_cpu(a):
                to_host = True
            return a

        def walk(a):  # by hand: torch.utils._pytree keeps torch.device as a constant and would not visit it
            if isinstance(a, (list, tuple)) and not hasattr(a, "_fields"):
                return type(a)(walk(b) for b in a)
            if isinstance(a, dict):
                return {k: walk(v) for k, v in a.items()}
            return swap(a)

        args, kwargs = walk(args), walk(kwargs)
        if func in _TO_HOST:
            to_host = True
        if func in _TO_DEVICE:
            to_target, func, args = True, torch.Tensor.to, (args[0], torch.device("cpu"))
        inputs = [a for a in tree_flatten((args, kwargs))[0] if isinstance(a, torch.Tensor)]
        device_in = [t for t in inputs if not self.is_host(t)]
        host_in = [t for t in inputs if self.is_host(t) and t.dim() > 0]
        name = getattr(func, "__qualname__", getattr(func, "__name__", str(func)))
        if func in _SYNCS and device_in:
            self.syncs += 1
        if func in _TO_NUMPY and device_in:
            self.errors.append(f"{name} of a device tensor (call .cpu() first)")
        if device_in and host_in and not any(func == f for f in _ALLOWED_MIX) and not (to_host or to_target):
            self.mixes.append((name, [tuple(t.shape) for t in host_in], [tuple(t.shape) for t in device_in]))
            if self.strict:
                raise RuntimeError(f"host tensor met a device tensor in {name}: {self.mixes[-1]}")
        out = func(*args, **kwargs)
        if to_host or to_target:
            same = {self._key(t) for t in inputs}
            out = tree_map(lambda t: t.clone() if isinstance(t, torch.Tensor) and self._key(t) in same else t, out)
            if to_host and not to_target:
                self._mark_host(out)
        elif not device_in:
            self._mark_host(out)
        return out


# -- a chapter on the simulated device ------------------------------------------------------------------------------
def chapter_cells(path) -> list[tuple[int, str]]:
    """(index in the notebook, Python source) of every code cell of the notebook at ``path``, with IPython syntax
    (``%pip``, ``!cmd``) turned into calls of ``get_ipython()``, as the kernel would run them."""
    import json

    from IPython.core.inputtransformer2 import TransformerManager

    cells = json.loads(open(path, encoding="utf-8").read())["cells"]
    to_python = TransformerManager().transform_cell
    return [(i, to_python("".join(c["source"]))) for i, c in enumerate(cells) if c["cell_type"] == "code"]


class _NoShell:
    """``get_ipython()`` outside a kernel: a chapter cell that needs the shell (installing a package) fails loudly."""

    def __getattr__(self, name):
        raise RuntimeError(f"a chapter cell called get_ipython().{name}: the installed physgnn does not match the book")


def run_chapter(path, mode: SimulatedCUDA | None = None) -> tuple[SimulatedCUDA, dict[int, list]]:
    """Run every code cell of a chapter, in order and in one namespace, on the simulated CUDA device: the setup
    cell's ``DEVICE = device()`` answers ``cuda``, as on a GPU runtime. Returns the mode and ``{cell index: [mixes
    and errors of that cell]}`` for the cells where a host tensor met a device tensor or a device tensor went to
    NumPy. Figures are drawn with the Agg backend and thrown away; printed output is discarded.

    Run it with the chapter's environment (fast mode, offline data, a results folder). What it cannot see, besides
    what :class:`SimulatedCUDA` cannot: cells that use a device-specific feature outside torch (e.g. a CUDA
    memory query), and code paths a chapter takes only at full size or only without saved results. The mode keeps
    every host storage alive while it lives (so no address is reused), so a chapter that makes millions of
    tensors can run out of memory: Chapter 5's long float64 solves did at 8 GB (Chapters 1 and 9 ran clean in
    under two minutes).
    """
    import contextlib
    import io
    import os
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import physgnn.utils

    mode = mode or SimulatedCUDA()
    found: dict[int, list] = {}
    path = os.path.abspath(path)
    here = os.getcwd()
    real_device = physgnn.utils.device
    physgnn.utils.device = lambda prefer=None: TARGET if prefer is None else real_device(prefer)
    namespace = {"__name__": "__main__", "get_ipython": _NoShell}
    try:
        os.chdir(os.path.dirname(path))  # as the kernel: the notebook's folder
        with mode, warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            for index, source in chapter_cells(path):
                before = (len(mode.mixes), len(mode.errors))
                exec(compile(source, f"<{os.path.basename(path)} cell {index}>", "exec"), namespace)
                plt.close("all")
                new = mode.mixes[before[0]:] + mode.errors[before[1]:]
                if new:
                    found[index] = new
    finally:
        physgnn.utils.device = real_device
        os.chdir(here)
    return mode, found
