"""physgnn.tables: captioned, numbered tables; long ones folded; malformed tables refused."""

import pytest

from physgnn.tables import count_cells, table

ROWS = ["| dataset | accuracy |", "|---|---:|", "| Texas | 80.1 |", "| Cora | 87.0 |"]


def test_a_table_gets_its_number_and_caption_above_it():
    md = table(ROWS, "7.2", "Test accuracy over ten splits.").data
    head, rest = md.split("\n\n", 1)
    assert head == "**Table 7.2.** Test accuracy over ten splits."
    assert rest.strip().split("\n") == ROWS
    assert "<details" not in md


def test_a_folded_table_keeps_its_caption_visible_and_counts_its_rows():
    md = table("\n".join(ROWS), "8.1", "Every run.", fold=True).data
    assert md.startswith("**Table 8.1.** Every run.")
    summary = md[md.index("<summary>"): md.index("</summary>")]
    assert "2 rows" in summary
    # the rows sit between the summary and the end of the fold, with blank lines so that Markdown parses them
    inner = md[md.index("</summary>"): md.index("</details>")]
    assert "\n\n| dataset | accuracy |" in inner and inner.rstrip().endswith("| Cora | 87.0 |")


def test_escaped_pipes_are_not_cell_borders():
    assert count_cells(r"| a \| b | c |") == 2


@pytest.mark.parametrize(
    "rows, number, caption, match",
    [
        (ROWS, "2", "x", "number must look like"),
        (ROWS, "7.2", " ", "caption must be"),
        (ROWS[:1] + ROWS[2:], "7.2", "x", "header row and a separator"),
        (ROWS + ["| Cornell | 70 | extra |"], "7.2", "x", r"rows \[4\] do not"),
        (ROWS[:2] + ["Texas | 80 |"], "7.2", "x", "start and end with"),
    ],
)
def test_malformed_tables_are_refused(rows, number, caption, match):
    with pytest.raises(ValueError, match=match):
        table(rows, number, caption)
