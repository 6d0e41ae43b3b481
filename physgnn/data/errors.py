"""The two ways loading a benchmark can fail: its files are missing, or they are there but wrong."""

from __future__ import annotations

__all__ = ["DatasetNotAvailableError", "DatasetDamagedError", "DataRepairedWarning"]


class DatasetNotAvailableError(FileNotFoundError):
    """The raw files of a dataset are neither on disk, nor in the mirror, nor downloadable."""


class DatasetDamagedError(ValueError):
    """A dataset's files exist but cannot be trusted: a checksum or an expected shape does not match, a file
    cannot be read, or a path is a symlink. The message names the dataset, the file and the fix."""


class DataRepairedWarning(UserWarning):
    """A damaged or untrusted file in the writable data folder was replaced (from the mirror, or by re-processing)."""
