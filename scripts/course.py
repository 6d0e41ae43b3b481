"""The teaching layer's command line: one subcommand per tool in scripts/course/.

    python scripts/course.py student   [--out _build/course] [--ref REF]   # make course: site pages, student and instructor packs
    python scripts/course.py instructor-pack PRIVATE [--ref REF]    # make instructor-pack PRIVATE=folder (outside the repo)
    python scripts/course.py slides    [--lectures 1 2 3 4] [--execute auto|always|never] [--reveal local|cdn]
                                       [--out _build/slides]       # make slides
    python scripts/course.py autograder [--out _build/course/instructor/autograder]   # Otter-Grader test zips
    python scripts/course.py grade SUBMISSIONS [--csv FILE]        # make grade SUBMISSIONS=folder

scripts/course/student.py, slides.py and grade.py say what each builds; scripts/course/myst.py turns MyST into plain
Markdown for the first two.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "course"))

import grade  # noqa: E402
import slides  # noqa: E402
import student  # noqa: E402
from paths import BUILD, PACKS  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_student = sub.add_parser("student", help="the site's student pages, the student pack and the instructor pack")
    p_student.add_argument("--out", type=Path, default=PACKS)
    ref_help = "git ref the packs install physgnn from (default: the tag v<release> at HEAD, else HEAD's commit)"
    p_student.add_argument("--ref", default=None, help=ref_help)
    p_private = sub.add_parser("instructor-pack", help="both packs and the autograders in a private folder outside the repo")
    p_private.add_argument("private", type=Path)
    p_private.add_argument("--ref", default=None, help=ref_help)
    p_slides = sub.add_parser("slides", help="one reveal.js deck per lecture from the executed chapters")
    p_slides.add_argument("--lectures", type=int, nargs="+", default=list(slides.LECTURES), choices=list(slides.LECTURES))
    p_slides.add_argument("--execute", choices=("auto", "always", "never"), default="auto",
                          help="auto: reuse an executed copy whose code matches, else run the chapter (default)")
    p_slides.add_argument("--reveal", choices=("local", "cdn"), default="local",
                          help="local: serve reveal.js and MathJax from the deck's folder (default); cdn: from the web")
    p_slides.add_argument("--out", type=Path, default=BUILD / "slides")
    p_auto = sub.add_parser("autograder", help="Otter-Grader tests and autograder zips for the graded problem sets")
    p_auto.add_argument("--out", type=Path, default=PACKS / "instructor" / "autograder")
    p_grade = sub.add_parser("grade", help="grade a folder of submitted notebooks with otter run; write a CSV")
    p_grade.add_argument("submissions", type=Path)
    p_grade.add_argument("--csv", type=Path, default=None, help="default: SUBMISSIONS/grades.csv")
    p_grade.add_argument("--autograder", type=Path, default=None, help="a folder of autograder-*.zip (default: build them)")
    args = parser.parse_args(argv)
    if args.command == "student":
        paths = student.build(args.out, args.ref)
    elif args.command == "instructor-pack":
        paths = student.private_folder(args.private, args.ref)
    elif args.command == "autograder":
        paths = grade.export(args.out)
    elif args.command == "grade":
        paths = [grade.grade(args.submissions, args.csv, args.autograder)]
    else:
        paths = slides.slides(args.lectures, args.out, args.execute, args.reveal)
    for path in paths:
        print(student.relative(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
