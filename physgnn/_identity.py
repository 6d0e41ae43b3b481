"""Cache keys that cannot go stale: a tensor's identity (a weak reference) plus its in-place version counter.

A key built from ``tensor.data_ptr()`` is not an identity: when a tensor is freed, the allocator hands its memory
to the next tensor of the same size, which then has the same address, and a cache keyed on it serves the old
tensor's derived data (a sparse copy of the features, a normalised adjacency) for the new one. A weak reference
compares the objects themselves and dies with the old tensor, and ``tensor._version`` (shared by all views of a
storage, bumped by every in-place operation through torch) catches edits in place.

What it cannot see: writes that bypass torch's version counter, such as editing ``tensor.numpy()`` in place or
assigning through ``tensor.data``. Caches built on it are for inputs that are rebuilt or edited through torch.
Inference-mode tensors have no version counter; :meth:`TensorKey.of` returns ``None`` for them (do not cache).
"""

from __future__ import annotations

import weakref

import torch

__all__ = ["TensorKey"]


class TensorKey:
    """The identity and version of some tensors, plus any hashable ``extra`` (shape, dtype, device...).

    ``TensorKey.of(a, b, extra=(...))`` makes one; ``key.matches(a, b, extra=(...))`` is true only for the very
    same tensor objects, unedited since, with an equal ``extra``.
    """

    __slots__ = ("_refs", "_versions", "_extra")

    def __init__(self, refs, versions, extra):
        self._refs, self._versions, self._extra = refs, versions, extra

    @classmethod
    def of(cls, *tensors: torch.Tensor, extra=()) -> "TensorKey | None":
        if any(t.is_inference() for t in tensors):
            return None
        return cls(tuple(weakref.ref(t) for t in tensors), tuple(t._version for t in tensors), tuple(extra))

    def matches(self, *tensors: torch.Tensor, extra=()) -> bool:
        if len(tensors) != len(self._refs) or self._extra != tuple(extra):
            return False
        for ref, version, t in zip(self._refs, self._versions, tensors):
            if ref() is not t or t.is_inference() or t._version != version:
                return False
        return True


def matches(key: "TensorKey | None", *tensors: torch.Tensor, extra=()) -> bool:
    """``key.matches(...)``, false for no key."""
    return key is not None and key.matches(*tensors, extra=extra)
