"""Shared fixtures. Every test runs with the network blocked: a hidden download fails loudly."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
MIRROR = Path(os.environ.get("PHYSGNN_DATA_MIRROR", REPO.parent / "shared" / "data"))

torch.set_num_threads(1)


class NetworkBlocked(OSError):
    pass


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any socket connection to a non-loopback address raises ``NetworkBlocked``."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and (host.startswith("127.") or host in ("localhost", "::1") or self.family == socket.AF_UNIX):
            return real_connect(self, address)
        raise NetworkBlocked(f"network access is blocked in tests (tried to connect to {address!r})")

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: (_ for _ in ()).throw(NetworkBlocked("network access is blocked in tests")))
    yield


@pytest.fixture(scope="session")
def mirror() -> Path:
    if not (MIRROR / "WebKB").is_dir():
        pytest.fail(f"the offline data mirror is missing at {MIRROR}; set PHYSGNN_DATA_MIRROR to the shared data folder")
    return MIRROR


@pytest.fixture(scope="session")
def data_env(tmp_path_factory, mirror):
    """A fresh writable data root fed from the read-only mirror, shared by the whole session."""
    root = tmp_path_factory.mktemp("data")
    mp = pytest.MonkeyPatch()
    mp.setenv("PHYSGNN_DATA", str(root))
    mp.setenv("PHYSGNN_DATA_MIRROR", str(mirror))
    mp.setenv("PHYSGNN_OFFLINE", "1")
    yield root
    mp.undo()
