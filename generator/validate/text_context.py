"""What the text output of `validate` needs besides the problems: the order of the files
(root causes first), the names of the records ids refer to, and the titles of the codes.

Read straight from the package's files, tolerantly: a file the validator found broken simply
contributes nothing. Never raises for bad data.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from ..descriptor import DescriptorError, Package, find_descriptor, read_package
from ..rules import RULES_FILE
from .codes import CODES

# Tables whose records are named in messages (their ids rarely collide with other words).
NAMED_TABLES = ("deputies", "constituencies", "stations", "groups", "congresses")
MAX_NAMES = 200_000
_CTRL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def package_or_none(root: Path) -> Package | None:
    """The package's descriptor, or None when there is none or it cannot be read."""
    if not root.is_dir() or find_descriptor(root) is None:
        return None
    try:
        return read_package(root)
    except (DescriptorError, OSError, ValueError):
        return None


def file_order(pkg: Package | None) -> dict[str, int]:
    """file → rank: the descriptor and rules first, then each table after every table it
    refers to (areas before constituencies before mandates …), then report bodies."""
    order: dict[str, int] = {"": 0, "datapackage.yaml": 0, "datapackage.json": 0, RULES_FILE: 1}
    if pkg is None:
        return order
    refs: dict[str, set[str]] = {}
    for name, t in pkg.tables.items():
        targets = set()
        for fk in t.foreign_keys:
            ref = fk.get("reference") if isinstance(fk, dict) else None
            if isinstance(ref, dict):
                target = ref.get("resource") or name
                if target != name and target in pkg.tables:
                    targets.add(target)
        refs[name] = targets
    depth: dict[str, int] = {}

    def d(name: str, seen: frozenset = frozenset()) -> int:
        if name in depth:
            return depth[name]
        if name in seen:  # a cycle in the descriptor: the validator reports it elsewhere
            return 0
        depth[name] = v = 1 + max((d(t, seen | {name}) for t in refs.get(name, ())), default=-1)
        return v

    for name in sorted(pkg.tables, key=lambda n: (d(n), n)):
        order[pkg.tables[name].path] = len(order)
    return order


def id_names(root: Path, pkg: Package | None) -> dict[str, str]:
    """id → name for the records of NAMED_TABLES; ids found in two tables are left out."""
    if pkg is None:
        return {}
    found: dict[str, str] = {}
    twice: set[str] = set()
    for name in NAMED_TABLES:
        t = pkg.tables.get(name)
        if t is None or "id" not in t.field_names or "name" not in t.field_names:
            continue
        try:
            with open(root / t.path, encoding="utf-8-sig", newline="", errors="replace") as fh:
                for row in csv.DictReader(fh):
                    i, n = (row.get("id") or "").strip(), (row.get("name") or "").strip()
                    if not i or not n:
                        continue
                    if i in found and found[i] != n:
                        twice.add(i)
                    found[i] = _CTRL.sub("", n)[:30]
                    if len(found) > MAX_NAMES:
                        return {}
        except (OSError, csv.Error):
            continue
    return {i: n for i, n in found.items() if i not in twice}


def text_options(root: Path | str) -> dict:
    """Keyword arguments of problems.to_text for the package at `root`."""
    root = Path(root)
    pkg = package_or_none(root)
    return {
        "order": file_order(pkg),
        "names": id_names(root, pkg),
        "titles": {c.code: (c.title_zh, c.title_en) for c in CODES.values()},
    }
