"""The teaching layer's command line: one subcommand per tool in scripts/course/.

    python scripts/course.py student   [--out _build/course]      # make course: site pages, student and instructor packs
    python scripts/course.py slides    [--lectures 1 2 3 4] [--execute auto|always|never] [--reveal local|cdn]
                                       [--out _build/slides]       # make slides

scripts/course/student.py and scripts/course/slides.py say what each builds; scripts/course/myst.py turns MyST into
plain Markdown for both.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "course"))

import slides  # noqa: E402
import student  # noqa: E402
from paths import BUILD, PACKS  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_student = sub.add_parser("student", help="the site's student pages, the student pack and the instructor pack")
    p_student.add_argument("--out", type=Path, default=PACKS)
    p_slides = sub.add_parser("slides", help="one reveal.js deck per lecture from the executed chapters")
    p_slides.add_argument("--lectures", type=int, nargs="+", default=list(slides.LECTURES), choices=list(slides.LECTURES))
    p_slides.add_argument("--execute", choices=("auto", "always", "never"), default="auto",
                          help="auto: reuse an executed copy whose code matches, else run the chapter (default)")
    p_slides.add_argument("--reveal", choices=("local", "cdn"), default="local",
                          help="local: serve reveal.js and MathJax from the deck's folder (default); cdn: from the web")
    p_slides.add_argument("--out", type=Path, default=BUILD / "slides")
    args = parser.parse_args(argv)
    if args.command == "student":
        paths = student.build(args.out)
    else:
        paths = slides.slides(args.lectures, args.out, args.execute, args.reveal)
    for path in paths:
        print(student.relative(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
