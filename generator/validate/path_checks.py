"""Values from the data that become paths, whatever the descriptor's patterns say (issue 17).

Tier 1 checks ids and paths against the descriptor's own `pattern`s; a descriptor can drop or
loosen them. This check applies the one path rule (generator/sanitize.py: name_problem,
relpath_problem) to the same values from the loaded model, and reports only what tier 1 did
not: an id that would leave its folder (`unsafe-id`) or names a page of the site itself
(`reserved-id`: index, list, a year …), a report body or photo path that is not a plain
relative path inside the package (`unsafe-path`). The build refuses the same values again
before it writes (generator/pages `checked`, generator/outputs/open_data.py `stage`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from ..model import TABLE_CLASSES, Dataset
from ..problems import Problem
from ..sanitize import name_problem, package_path, relpath_problem
from .codes import problem, show_value

# (table, field) → the suffixes a path must end with
PATH_FIELDS = {
    ("reports", "body"): (".md",),
    ("deputies", "image"): (".jpg", ".jpeg", ".png", ".webp"),
}
_SUFFIX = {
    ".md": ("，且须是 .md 文件", ", and it must be a .md file"),
    ".jpg": ("，且须是 .jpg/.jpeg/.png/.webp 图片", ", and it must be a .jpg/.jpeg/.png/.webp image"),
}


def _pattern_rejects(spec, fname: str, value: str) -> bool:
    """Did tier 1 already refuse `value` (the field's descriptor pattern does not match it)?"""
    try:
        pattern = spec.field(fname).constraints.get("pattern")
    except KeyError:
        return False
    if not isinstance(pattern, str):
        return False
    try:
        return re.fullmatch(pattern, value) is None
    except re.error:
        return False  # tier 1 reports the broken pattern as a table error


def _leads_out(root, rel: str, dirs: dict[str, bool]) -> bool:
    """Does the existing file `rel` lie outside the package through a symbolic link (itself,
    or a linked folder)? One resolve per folder, one lstat per file."""
    parent = rel.rpartition("/")[0]
    if parent not in dirs:
        dirs[parent] = not parent or package_path(root, parent) is not None
    if not dirs[parent]:
        return os.path.lexists(root / rel)
    return os.path.islink(root / rel) and package_path(root, rel) is None


def paths_from_data(ds: Dataset, unreadable: set[str]) -> Iterator[Problem]:
    for name, spec in ds.package.tables.items():
        if name in unreadable or name not in TABLE_CLASSES:
            continue
        has_id = "id" in spec.field_names
        paths = [(f, s) for (t, f), s in PATH_FIELDS.items() if t == name and f in spec.field_names]
        if not has_id and not paths:
            continue
        dirs: dict[str, bool] = {}
        for r in getattr(ds, name):
            if has_id:
                v = getattr(r, "id", None)
                why = name_problem(v)
                if why == "empty" and not spec.field("id").required:  # required ones: tier 1
                    yield problem("required", spec.path, ds.line(r), "id", col="id", title=spec.field("id").title)
                elif why == "unsafe" and not _pattern_rejects(spec, "id", v):
                    yield problem("unsafe-id", spec.path, ds.line(r), "id", col="id", value=show_value(v))
                elif why == "reserved":
                    yield problem("reserved-id", spec.path, ds.line(r), "id", col="id", value=show_value(v))
            for fname, suffixes in paths:
                v = getattr(r, fname, None)
                if v is None:
                    continue
                if relpath_problem(v, suffixes) is None:
                    # a body or photo that is a link out of the package (or in a linked folder)
                    if _leads_out(ds.root, v, dirs):
                        yield problem("link-outside", spec.path, ds.line(r), fname, path=show_value(v))
                    continue
                if not _pattern_rejects(spec, fname, v):
                    zh, en = _SUFFIX[suffixes[0]]
                    yield problem(
                        "unsafe-path",
                        spec.path,
                        ds.line(r),
                        fname,
                        col=fname,
                        value=show_value(v),
                        suffix_zh=zh,
                        suffix_en=en,
                    )


CHECKS = (paths_from_data,)
