"""Facet files of paginated lists: the data filters.js needs to filter a whole list, not only
the page on screen (issue 14).

A list split into pages (an area's deputies, a year's reports or suggestions) gets one JSON
file, written by generator/outputs/filters.py at `urls.facets(list url)` and fetched only
when a reader first touches a filter. It holds, per row in list order, the few cells needed to
draw the row and the filter tokens, nothing else:

    {"v": 1, "unit": "人", "pages": 14, "keys": ["level", "area", …],
     "badges": {code: [icon, label]}, "rows": [[cells, tokens], …]}

- `cells`: one entry per table column; a string is text, a list holds parts: a string (text),
  [text, url] (a link; url from the site root, made relative by the script) or {"b": code}
  (a report-status badge from `badges`).
- `tokens`: one string per key, space-separated values, the same values the rows of a
  one-page list carry in their data-<key> attributes.

Values people wrote stay plain strings here; the script puts them into the page as text,
never as HTML, and the file itself is written with sanitize.json_for_html.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .. import schedule
from .common import STATUS_ICON

FORMAT = 1


def link(text: str, url: str) -> list[str]:
    return [text, url]


def badges(codes: Iterable[str]) -> list:
    return [{"b": code} for code in codes]


def payload(unit: str, pages: int, keys: Sequence[str], rows: Sequence[tuple[list, Sequence[str]]]) -> dict:
    """The facet file of one list: `rows` as (cells, tokens per key)."""
    used = {p["b"] for cells, _t in rows for c in cells if isinstance(c, list) for p in c if isinstance(p, dict)}
    return {
        "v": FORMAT,
        "unit": unit,
        "pages": pages,
        "keys": list(keys),
        "badges": {code: [STATUS_ICON[code], schedule.STATUS_ZH[code]] for code in sorted(used)},
        "rows": [[cells, list(tokens)] for cells, tokens in rows],
    }


def tokens(*values: Iterable[str]) -> list[str]:
    return [" ".join(v) for v in values]


# A township filter with more choices than this is left out (the list pages of a province hold
# thousands of townships: 180 KB a page; the area pages list a township's deputies instead).
MAX_TOWNSHIP_OPTIONS = 200


def township_options(c, present: Iterable[str]) -> list[tuple[str, str]]:
    """(id, label) of the townships in `present`, in the finder's order; a name two townships
    share (in different counties) gets its county's name after it. None at all above
    MAX_TOWNSHIP_OPTIONS (the form would outweigh the list)."""
    keep = set(present)
    if len(keep) > MAX_TOWNSHIP_OPTIONS:
        return []
    towns = [a for a in c.townships() if a.id in keep]
    seen: dict[str, int] = {}
    for a in towns:
        seen[a.name] = seen.get(a.name, 0) + 1
    out = []
    for a in towns:
        parent = c.ds.area.get(a.parent_id or "")
        label = f"{a.name}（{parent.name}）" if seen[a.name] > 1 and parent else a.name
        out.append((a.id, label))
    return out
