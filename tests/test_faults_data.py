"""Fault injection for physgnn.data: every damaged, planted or misconfigured case fails loudly or is repaired.

Each test works on copies of the offline mirror in ``tmp_path`` (Texas, Cornell, Wisconsin and the filtered npz);
the real mirror is only read. Two layers are tested separately:

* the checksum manifest (a damaged file is caught before PyG reads it), and
* the structural checks after loading, reached by pretending the dataset is not in the manifest (as for a
  download): each damage must then be caught by the shape it breaks.

Before these checks existed, 14 of the cases here loaded silently (wrong shapes, lost edges, out-of-range ids,
NaN features, a damaged cache kept, ``PHYSGNN_OFFLINE=2`` read as online, planted pickles executed, writes
into the mirror, symlinks followed).
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from physgnn.data import DataRepairedWarning, DatasetDamagedError, DatasetNotAvailableError, load
from physgnn.data import benchmarks, manifest, processed
from physgnn.data.specs import DATASETS, processed_dir, raw_files
from physgnn.utils import offline

REPO = Path(__file__).resolve().parents[1]
FEATURES = "WebKB/texas/raw/out1_node_feature_label.txt"
EDGES = "WebKB/texas/raw/out1_graph_edges.txt"
SPLIT3 = "WebKB/texas/raw/texas_split_0.6_0.2_3.npz"
PROCESSED = "WebKB/texas/processed"


@pytest.fixture
def mirror_copy(tmp_path, mirror):
    """A writable copy of the parts of the mirror these tests use."""
    out = tmp_path / "mirror"
    for sub in ("WebKB/texas", "WebKB/cornell", "WebKB/wisconsin", "Filtered"):
        shutil.copytree(mirror / sub, out / sub)
    for p in out.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    return out


@pytest.fixture
def env(tmp_path, mirror_copy, monkeypatch):
    """PHYSGNN_DATA -> tmp_path/root, PHYSGNN_DATA_MIRROR -> the writable mirror copy, offline."""
    root = tmp_path / "root"
    monkeypatch.setenv("PHYSGNN_DATA", str(root))
    monkeypatch.setenv("PHYSGNN_DATA_MIRROR", str(mirror_copy))
    monkeypatch.setenv("PHYSGNN_OFFLINE", "1")
    return root


def unlisted(monkeypatch):
    """Take every dataset out of the checksum manifest, so only the structural checks can catch damage."""
    monkeypatch.setattr(manifest, "expected", lambda name: {})


# --- damage, applied to a raw folder's file ------------------------------------------------------------------


def cut(path: Path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def empty(path: Path) -> None:
    path.write_bytes(b"")


def set_last_edge(path: Path, a: int, b: int) -> None:
    lines = path.read_text().splitlines(keepends=True)
    lines[-1] = f"{a}\t{b}\n"
    path.write_text("".join(lines))


def append_edge(path: Path, a: int, b: int) -> None:
    path.write_text(path.read_text() + f"{a}\t{b}\n")


def nan_feature(path: Path) -> None:
    lines = path.read_text().splitlines(keepends=True)
    node, feats, label = lines[1].split("\t")
    lines[1] = "\t".join([node, "nan," + feats.split(",", 1)[1], label])
    path.write_text("".join(lines))


def rewrite_split(path: Path, change) -> None:
    with np.load(path) as z:
        masks = {k: z[k].copy() for k in z.files}
    change(masks)
    with open(path, "wb") as f:  # np.savez on an open file keeps the exact name
        np.savez(f, **masks)


def empty_train(masks):
    masks["train_mask"][:] = False


def overlap(masks):
    masks["test_mask"] |= masks["train_mask"]


DAMAGE = {
    "cut feature file": (FEATURES, cut, r"x has shape \[91, 1703\], expected \[183, 1703\]"),
    "cut edge file": (EDGES, cut, r"edge_index has shape \[2, 165\], expected \[2, 325\]"),
    "empty feature file": (FEATURES, empty, r"x has shape \[0\], expected \[183, 1703\]"),
    "edge id 9999": (EDGES, lambda p: set_last_edge(p, 5, 9999), r"edge ids range over 0\.\.9999, outside the node ids 0\.\.182"),
    "edge id 9999 added": (EDGES, lambda p: append_edge(p, 0, 9999), r"edge_index has shape \[2, 326\]"),
    "edge id -3": (EDGES, lambda p: set_last_edge(p, -3, 5), r"edge_index has shape \[2, 324\]"),
    "NaN feature": (FEATURES, nan_feature, r"x has NaN or infinite entries in 1 row"),
    "cut split file": (SPLIT3, cut, r"texas_split_0\.6_0\.2_3\.npz is damaged \(not a readable npz"),
    "empty train mask": (SPLIT3, lambda p: rewrite_split(p, empty_train), r"split 3 has an empty train_mask"),
    "overlapping masks": (SPLIT3, lambda p: rewrite_split(p, overlap), r"split 3 puts \d+ node\(s\) in more than one"),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_damaged_mirror_file_is_caught_by_the_manifest_and_not_copied(env, mirror_copy, case):
    rel, damage, _ = DAMAGE[case]
    damage(mirror_copy / rel)
    with pytest.raises(DatasetDamagedError) as err:
        load("texas")
    msg = str(err.value)
    assert "'texas'" in msg and str(mirror_copy / rel) in msg and "restore it from upstream" in msg
    assert not (env / rel).exists()  # the damaged copy never reaches the data folder


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_damaged_file_outside_the_manifest_is_caught_by_its_shape(env, mirror_copy, monkeypatch, case):
    rel, damage, pattern = DAMAGE[case]
    unlisted(monkeypatch)
    damage(mirror_copy / rel)
    with pytest.raises(DatasetDamagedError, match=pattern) as err:
        load("texas")
    msg = str(err.value)
    assert "'texas'" in msg and Path(rel).name in msg and f"delete {env / 'WebKB/texas/raw'}" in msg
    assert not (env / PROCESSED).exists()  # nothing built from the bad file is kept for next time


def test_undamaged_copies_load_with_the_published_shape(env):
    data = load("texas", undirected=False)
    assert tuple(data.x.shape) == (183, 1703) and data.edge_index.size(1) == 325 and tuple(data.train_mask.shape) == (183, 10)


# --- a damaged copy in the data folder is replaced from the mirror -------------------------------------------


@pytest.mark.parametrize("damage", [cut, empty, nan_feature], ids=["cut", "empty", "nan"])
def test_damaged_cache_copy_is_replaced_from_the_mirror(env, damage):
    good = load("texas", undirected=False)
    damage(env / FEATURES)
    with pytest.warns(DataRepairedWarning, match=r"replaced damaged raw file.*out1_node_feature_label\.txt.*Deleted .*processed"):
        again = load("texas", undirected=False)
    assert torch.equal(again.x, good.x) and torch.equal(again.edge_index, good.edge_index)
    assert manifest.sha256(env / FEATURES) == manifest.expected("texas")["out1_node_feature_label.txt"][1]
    stamp = json.loads((env / PROCESSED / processed.STAMP).read_text())
    assert stamp["raw"]["out1_node_feature_label.txt"] == manifest.expected("texas")["out1_node_feature_label.txt"][1]


def test_damaged_cache_copy_without_a_mirror_names_the_file_and_the_fix(env, monkeypatch):
    load("texas")
    cut(env / EDGES)
    monkeypatch.delenv("PHYSGNN_DATA_MIRROR")
    with pytest.raises(DatasetDamagedError, match=r"out1_graph_edges\.txt is damaged \(it has 1,086 bytes, the manifest says 2,172\)") as err:
        load("texas")
    assert f"delete {env / 'WebKB/texas/raw'}" in str(err.value)


def test_damaged_cache_and_damaged_mirror_names_both(env, mirror_copy):
    load("texas")
    cut(env / EDGES)
    cut(mirror_copy / EDGES, 0.3)
    with pytest.raises(DatasetDamagedError) as err:
        load("texas")
    msg = str(err.value)
    assert str(env / EDGES) in msg and str(mirror_copy / EDGES) in msg and "restore" in msg


# --- PHYSGNN_OFFLINE -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [("1", True), ("TRUE", True), ("yes", True), ("On", True), ("0", False), ("false", False), ("No", False), ("off", False), ("", False), (" 1 ", True)])
def test_offline_accepts_the_documented_values(monkeypatch, value, expected):
    monkeypatch.setenv("PHYSGNN_OFFLINE", value)
    assert offline() is expected


@pytest.mark.parametrize("value", ["2", "maybe", "tru", "-1", "offline"])
def test_offline_refuses_anything_else_even_when_the_files_are_there(env, monkeypatch, value):
    monkeypatch.setenv("PHYSGNN_OFFLINE", value)
    with pytest.raises(ValueError, match=rf"PHYSGNN_OFFLINE must be one of 1/0/true/false/yes/no/on/off .*got '{value}'"):
        offline()
    with pytest.raises(ValueError, match="PHYSGNN_OFFLINE"):
        load("texas")


def test_offline_with_a_partly_filled_raw_folder_lists_the_missing_files(env, mirror_copy, monkeypatch):
    """No download is tried (the test's network guard would raise otherwise): the missing files are listed."""
    load("texas")
    for name in ("texas_split_0.6_0.2_3.npz", "texas_split_0.6_0.2_7.npz"):
        (env / "WebKB/texas/raw" / name).unlink()
        (mirror_copy / "WebKB/texas/raw" / name).unlink()
    with pytest.raises(DatasetNotAvailableError) as err:
        load("texas")
    msg = str(err.value)
    assert "2 of its 12 raw files" in msg and "texas_split_0.6_0.2_3.npz" in msg and "texas_split_0.6_0.2_7.npz" in msg
    assert "downloads are off" in msg and "URLError" not in msg


# --- planted pickles never run -------------------------------------------------------------------------------


class Planted:
    """Unpickling this creates the file ``marker`` (a stand-in for arbitrary code)."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("victim", ["data.pt", "pre_transform.pt", "pre_filter.pt"])
@pytest.mark.parametrize("forge_stamp", [False, True], ids=["stamp-kept", "stamp-forged"])
def test_planted_processed_file_is_never_unpickled(env, tmp_path, victim, forge_stamp):
    good = load("texas")
    marker = tmp_path / "code-ran"
    folder = env / PROCESSED
    torch.save(Planted(marker), folder / victim)
    if forge_stamp:  # an attacker who can plant a file can also rewrite the stamp to match it
        stamp = json.loads((folder / processed.STAMP).read_text())
        stamp["processed"][victim] = manifest.sha256(folder / victim)
        (folder / processed.STAMP).write_text(json.dumps(stamp))
    with pytest.warns(DataRepairedWarning, match=rf"{victim} cannot be loaded safely"):
        again = load("texas")
    assert not marker.exists()
    assert torch.equal(again.x, good.x)
    assert torch.load(folder / victim, weights_only=True) is not None  # rebuilt by PyG


def test_planted_processed_folder_before_the_first_load_never_runs(env, tmp_path):
    marker = tmp_path / "code-ran"
    folder = env / PROCESSED
    folder.mkdir(parents=True)
    for victim in ("data.pt", "pre_transform.pt", "pre_filter.pt"):
        torch.save(Planted(marker), folder / victim)
    with pytest.warns(DataRepairedWarning, match="cannot be loaded safely"):
        data = load("texas", undirected=False)
    assert not marker.exists() and data.num_nodes == 183


def test_processed_file_changed_after_processing_is_rebuilt(env):
    """A safe-to-load but different data.pt (e.g. from another PyG run) is not trusted: its hash is not ours."""
    good = load("cornell", undirected=False)
    other = env / "WebKB/wisconsin/processed/data.pt"
    load("wisconsin")
    shutil.copyfile(other, env / "WebKB/cornell/processed/data.pt")
    with pytest.warns(DataRepairedWarning, match="differ from the ones physgnn recorded"):
        again = load("cornell", undirected=False)
    assert torch.equal(again.edge_index, good.edge_index)


def test_processed_folder_without_a_stamp_is_rebuilt_quietly(env, recwarn):
    load("texas")
    (env / PROCESSED / processed.STAMP).unlink()
    load("texas")
    assert not [w for w in recwarn if issubclass(w.category, DataRepairedWarning)]
    assert (env / PROCESSED / processed.STAMP).is_file()


# --- one process at a time per dataset ----------------------------------------------------------------------


@pytest.mark.skipif(not Path("/proc/locks").is_file(), reason="needs Linux's /proc/locks to see a blocked lock")
def test_a_second_process_waits_for_the_dataset_lock(env):
    """``reproduce --jobs 2`` and parallel notebooks load one dataset at once: while one process holds the lock,
    another touches nothing (it would otherwise delete the folder the first is still writing), then loads."""
    import fcntl

    lock = env / ".locks" / "texas.lock"
    lock.parent.mkdir(parents=True)
    with open(lock, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        child = subprocess.Popen([sys.executable, "-c", "from physgnn.data import load; print(load('texas').num_nodes)"],
                                 cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        inode = f":{lock.stat().st_ino} "
        for _ in range(1200):  # wait (up to 2 min on a busy machine) until the child is queued on our lock
            if any(line.split()[1] == "->" and f" {child.pid} " in line and inode in line for line in Path("/proc/locks").read_text().splitlines()):
                break
            assert child.poll() is None, child.communicate()
            time.sleep(0.1)
        else:
            pytest.fail("the child never waited for the dataset lock")
        assert not (env / "WebKB").exists()  # blocked before copying anything
        fcntl.flock(held, fcntl.LOCK_UN)
    out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err
    assert out.split() == ["183"] and (env / PROCESSED / processed.STAMP).is_file()


# --- the mirror is never written, symlinks are refused -------------------------------------------------------


def listing(folder: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(folder)), p.stat().st_size if p.is_file() else -1) for p in folder.rglob("*"))


@pytest.mark.parametrize("inside", ["", "cache", "WebKB"])
def test_data_root_in_the_mirror_is_refused(env, mirror_copy, monkeypatch, inside):
    before = listing(mirror_copy)
    monkeypatch.setenv("PHYSGNN_DATA", str(mirror_copy / inside))
    with pytest.raises(ValueError, match="inside the read-only mirror PHYSGNN_DATA_MIRROR.*Fix: set PHYSGNN_DATA"):
        load("texas")
    with pytest.raises(ValueError, match="inside the read-only mirror"):
        load("texas", root=mirror_copy / inside)
    assert listing(mirror_copy) == before


def test_mirror_is_unchanged_by_a_normal_load(env, mirror_copy):
    before = listing(mirror_copy)
    load("texas")
    load("chameleon-filtered")
    assert listing(mirror_copy) == before


def _link_file(path: Path, target: Path) -> None:
    path.unlink()
    path.symlink_to(target)


def _link_folder(path: Path, target: Path) -> None:
    shutil.rmtree(path)
    path.symlink_to(target, target_is_directory=True)


def test_symlinked_file_in_the_mirror_is_refused(env, mirror_copy):
    _link_file(mirror_copy / EDGES, mirror_copy / "WebKB/cornell/raw/out1_graph_edges.txt")
    with pytest.raises(DatasetDamagedError, match=r"out1_graph_edges\.txt in the data mirror .* is a symlink"):
        load("texas")


def test_symlinked_folder_in_the_mirror_is_refused(env, mirror_copy):
    _link_folder(mirror_copy / "WebKB/texas", mirror_copy / "WebKB/cornell")
    with pytest.raises(DatasetDamagedError, match=r"WebKB/texas in the data mirror .* is a symlink"):
        load("texas")


def test_symlinked_file_in_the_data_folder_is_refused(env, mirror_copy):
    load("texas")
    _link_file(env / EDGES, mirror_copy / "WebKB/cornell/raw/out1_graph_edges.txt")
    with pytest.raises(DatasetDamagedError, match=r"out1_graph_edges\.txt in the data folder .* is a symlink.*Fix: delete the link"):
        load("texas")


def test_symlinked_raw_folder_in_the_data_folder_is_refused(env, mirror_copy):
    load("cornell")
    (env / "WebKB/texas").mkdir(parents=True)
    (env / "WebKB/texas/raw").symlink_to(env / "WebKB/cornell/raw", target_is_directory=True)
    with pytest.raises(DatasetDamagedError, match=r"WebKB/texas/raw in the data folder .* is a symlink"):
        load("texas")


# --- damaged npz files name the file -------------------------------------------------------------------------


def test_damaged_filtered_npz_in_the_mirror_names_the_file(env, mirror_copy):
    cut(mirror_copy / "Filtered/raw/chameleon_filtered.npz")
    with pytest.raises(DatasetDamagedError, match=r"chameleon_filtered\.npz is damaged"):
        load("chameleon-filtered")


@pytest.mark.parametrize("damage", ["cut", "missing key"])
def test_damaged_filtered_npz_outside_the_manifest_names_the_file(env, mirror_copy, monkeypatch, damage):
    unlisted(monkeypatch)
    path = mirror_copy / "Filtered/raw/squirrel_filtered.npz"
    if damage == "cut":
        cut(path)
        pattern = r"squirrel_filtered\.npz is damaged \(not a readable npz"
    else:
        with np.load(path) as z:
            arrays = {k: z[k] for k in z.files if k != "edges"}
        with open(path, "wb") as f:
            np.savez(f, **arrays)
        pattern = r"'squirrel-filtered': cannot read .*squirrel_filtered\.npz \(KeyError.*edges"
    with pytest.raises(DatasetDamagedError, match=pattern):
        load("squirrel-filtered")


# --- PyG's processing chatter --------------------------------------------------------------------------------


def test_processing_chatter_is_silenced(env, monkeypatch, capfd):
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)  # PyG is silent under pytest; make it talk
    load("wisconsin")
    out, err = capfd.readouterr()
    assert (env / "WebKB/wisconsin/processed/data.pt").is_file()  # it did process
    assert "Processing" not in out + err and "Done!" not in out + err


def test_pyg_output_filter_keeps_real_messages():
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        with pytest.raises(RuntimeError, match="boom"):
            with benchmarks._pyg_output():
                print("Processing...", file=sys.stderr)
                print("Downloading https://example.org/x.npz", file=sys.stderr)
                print("UserWarning: something real", file=sys.stderr)
                print("Done!", file=sys.stderr)
                raise RuntimeError("boom")
    assert out.getvalue() == "Downloading https://example.org/x.npz\n"
    assert err.getvalue() == "UserWarning: something real\n"


# --- the manifest itself -------------------------------------------------------------------------------------


def test_manifest_lists_every_raw_file_of_every_offline_dataset(mirror):
    for name, spec in DATASETS.items():
        listed = manifest.expected(name)
        if not spec.offline:
            assert listed == {}
            continue
        assert sorted(listed) == sorted(raw_files(spec)), name
        if spec.kind != "filtered":  # the filtered npz share one folder
            assert sorted(raw_files(spec)) == sorted(p.name for p in (mirror / spec.raw_dir).iterdir()), name
            assert processed_dir(spec).endswith("/processed")


def test_manifest_matches_the_mirror(mirror, capsys):
    assert manifest.main([str(mirror), "--check"]) == 0
    assert "matches" in capsys.readouterr().out


def test_manifest_check_reports_a_damaged_mirror(mirror_copy, monkeypatch, capsys):
    listed = manifest._read()
    monkeypatch.setattr(manifest, "DATASETS", {"texas": DATASETS["texas"], "cornell": DATASETS["cornell"]})
    monkeypatch.setattr(manifest, "_read", lambda: {k: listed[k] for k in ("texas", "cornell")})
    assert manifest.main([str(mirror_copy), "--check"]) == 0
    cut(mirror_copy / EDGES)
    assert manifest.main([str(mirror_copy), "--check"]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "differs from manifest.json: texas/out1_graph_edges.txt"
