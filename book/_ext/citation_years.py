"""Tell apart two papers that would be cited alike: [Platonov et al., 2023a] and [Platonov et al., 2023b].

sphinxcontrib-bibtex's author-year style prints the first author's surname ("et al." from three authors on) and the
``year`` field, and has no rule for two different papers that come out the same. This extension, once the
bibliography files are parsed, groups the entries by that visible citation (surnames as the style shows them, and
year) and, where a group holds more than one paper, appends a, b, ... to the year in the order the bibliography
lists them, as author-year styles do. The letter is part of the year everywhere the year is printed: in the citation and in the bibliography.
"""

from __future__ import annotations

from collections import defaultdict
from string import ascii_lowercase

ORIGINAL = "physgnn_original_year"


def visible_authors(entry) -> tuple:
    """The surnames an author-year citation shows: one, two, or the first followed by "et al."."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = tuple(" ".join(p.last_names) for p in people)
    return names if len(names) <= 2 else (names[0], "et al.")


def bibliography_order(entry) -> tuple:
    """Where the bibliography (pybtex's author-year-title sort) puts an entry: every author, surname first, then
    the title. The letters follow it, so 2023a is listed before 2023b."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = tuple(" ".join(p.last_names + p.first_names + p.middle_names).lower() for p in people)
    return names, str(entry.fields.get("title", "")).lower()


def suffix_years(entries) -> dict:
    """{key: year with its letter} for every entry whose author-year citation collides with another's."""
    groups = defaultdict(list)
    for key, entry in entries.items():
        year = entry.fields.get(ORIGINAL, entry.fields.get("year", ""))
        groups[(visible_authors(entry), year)].append(key)
    out = {}
    for (_, year), keys in groups.items():
        if len(keys) > 1 and year:
            keys.sort(key=lambda k: bibliography_order(entries[k]) + (k,))
            for letter, key in zip(ascii_lowercase, keys):
                out[key] = f"{year}{letter}"
    return out


def _disambiguate(app):
    domain = app.env.get_domain("cite")
    entries = domain.bibdata.data.entries
    for key, entry in entries.items():  # a cached parse keeps the letters of the last build: start again
        if ORIGINAL in entry.fields:
            entry.fields["year"] = entry.fields[ORIGINAL]
    for key, year in suffix_years(entries).items():
        entries[key].fields[ORIGINAL] = entries[key].fields["year"]
        entries[key].fields["year"] = year


def setup(app):
    app.setup_extension("sphinxcontrib.bibtex")
    # after sphinxcontrib-bibtex's own builder-inited handler has parsed the .bib files
    app.connect("builder-inited", _disambiguate, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
