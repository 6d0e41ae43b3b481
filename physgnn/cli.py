"""The ``physgnn`` command (also ``python -m physgnn``).

    physgnn reproduce [options]         the benchmark runs behind Chapter 7's table (see --help)
    physgnn experiment NAME [options]   run a full-scale experiment behind a chapter's figure
    physgnn experiment --list           list them
    physgnn bench [options]             speed and memory figures (see physgnn.bench)
"""

from __future__ import annotations

import sys


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    cmd, rest = argv[0], argv[1:]
    if cmd == "bench":
        from .bench import main as bench

        return bench(rest)
    if cmd == "experiment":
        from . import experiments

        if not rest or rest[0] in ("--list", "-l", "-h", "--help"):
            print("usage: physgnn experiment NAME [options]   (NAME --help for its options)\nexperiments:")
            print("\n".join(f"  {name}" for name in experiments.names()))
            return 0
        try:
            module = experiments.get(rest[0])
        except ValueError as err:
            print(f"physgnn experiment: {err}", file=sys.stderr)
            return 2
        return module.main(rest[1:])
    if cmd == "reproduce":
        from .reproduce import main as reproduce

        return reproduce(rest)
    print(f"physgnn: unknown command {cmd!r}\n{__doc__}", file=sys.stderr)
    return 2
