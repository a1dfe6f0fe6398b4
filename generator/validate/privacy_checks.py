"""Public fields that look like personal data (issue 5): a mobile number, an 18-digit ID card
number, or an email address that is not an office one. A warning, never printing the value.

Private fields are not in the model at all (generator/model.py drops them while reading), so
only public values are scanned. Identifiers, references, enums and patterned fields cannot
hold free text and are skipped.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import fields as dc_fields
from pathlib import Path

from ..model import TABLE_CLASSES, Dataset
from ..problems import Problem
from ..rules import Rules
from ..sanitize import package_path
from .codes import ID_RE, PHONE_RE, email_domains, fold, problem

# A cheap first look (after fold): a run of digits with spaces or dashes long enough for a
# mobile (11) or a 15-digit ID, or an "@".
_SUSPECT = re.compile(r"\d[\d -]{10}|@")

WHAT = {
    "phone": ("手机号码", "a mobile phone number"),
    "id": ("身份证号码", "an ID card number"),
    "email": ("个人电子邮箱", "a personal email address"),
}


def _office(domain: str, rules: Rules) -> bool:
    d = domain.lower().rstrip(".")
    return any(d == o or d.endswith("." + o) for o in getattr(rules, "office_email_domains", ("gov.cn",)))


def classify(value: str, rules: Rules) -> list[str]:
    """Kinds of personal data a public value seems to hold (empty when none)."""
    value = fold(value)
    if not _SUSPECT.search(value):
        return []
    kinds = []
    if PHONE_RE.search(value):
        kinds.append("phone")
    if ID_RE.search(value):
        kinds.append("id")
    if any(not _office(d, rules) for d in email_domains(value)):
        kinds.append("email")
    return kinds


def _describe(kinds: list[str]) -> dict:
    return {"what_zh": "、".join(WHAT[k][0] for k in kinds), "what_en": " or ".join(WHAT[k][1] for k in kinds)}


def scan_text(relpath: str, text: str, rules: Rules, label: str) -> Iterator[Problem]:
    """Line by line, for Markdown bodies."""
    if not _SUSPECT.search(fold(text)):
        return
    for no, line in enumerate(text.splitlines(), 1):
        kinds = classify(line, rules)
        if kinds:
            yield problem("possible-private-data", relpath, no, "", col=label, **_describe(kinds))


def free_text_fields(spec) -> list[str]:
    """Public fields that can hold free text (not ids, references, enums or patterned)."""
    refs = set(spec.primary_key)
    for fk in spec.foreign_keys:
        f = fk.get("fields") if isinstance(fk, dict) else None
        refs.update([f] if isinstance(f, str) else (f or []))
    return [
        f.name
        for f in spec.fields
        if not f.private
        and f.type == "string"
        and f.enum is None
        and "pattern" not in f.constraints
        and f.name not in refs
        and f.name != "id"
    ]


def record_problems(path: str, cand: list[str], r, line: int, rules: Rules) -> Iterator[Problem]:
    for fname in cand:
        v = getattr(r, fname, None)
        if isinstance(v, str) and v:
            kinds = classify(v, rules)
            if kinds:
                yield problem("possible-private-data", path, line, fname, col=fname, **_describe(kinds))


def public_fields(ds: Dataset, unreadable: set[str]) -> Iterator[Problem]:
    for name, spec in ds.package.tables.items():
        if name in unreadable or name not in TABLE_CLASSES:
            continue
        cand = free_text_fields(spec)
        if not cand:
            continue
        for r in getattr(ds, name):
            for fname in cand:
                v = getattr(r, fname, None)
                if isinstance(v, str) and v and classify(v, ds.rules):
                    yield from record_problems(spec.path, cand, r, ds.line(r), ds.rules)
                    break


def raw_fields(spec, cls) -> list[str]:
    """Published fields the model's records do not carry, or carry typed: a column the model
    does not know (a new public column, a field whose `private: true` was removed), numbers
    and patterned fields. Open data publishes every public field as it is in the file, so
    these are scanned there. Not ids and references (the path rule and the foreign keys bound
    them), enums, booleans or dates."""
    covered = set(free_text_fields(spec)) & ({f.name for f in dc_fields(cls)} if cls else set())
    refs = set(spec.primary_key) | {"id"}
    for fk in spec.foreign_keys:
        f = fk.get("fields") if isinstance(fk, dict) else None
        refs.update([f] if isinstance(f, str) else (f or []))
    return [
        f.name
        for f in spec.fields
        if not f.private
        and f.name not in covered
        and f.name not in refs
        and f.enum is None
        and f.type not in ("boolean", "date", "datetime", "year")
    ]


_SUSPECT_BYTES = re.compile(rb"[0-9][0-9 -]{10}|@|\xef\xbc[\x90-\x99\xa0]")  # ASCII runs, "@", fullwidth digits/＠


def _suspect_file(path: Path) -> bool:
    with path.open("rb") as fh:
        tail = b""
        while chunk := fh.read(1 << 22):
            if _SUSPECT_BYTES.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


def published_fields(ds: Dataset, unreadable: set[str]) -> Iterator[Problem]:
    """Every published field the model-based check (public_fields) does not see, read from
    the file itself: what open data publishes, whatever the model knows."""
    for name, spec in ds.package.tables.items():
        if name in unreadable:
            continue
        cols = raw_fields(spec, TABLE_CLASSES.get(name))
        path = package_path(ds.root, spec.path)
        if not cols or path is None or not path.is_file() or not _suspect_file(path):
            continue
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            try:
                header = next(reader, None) or []
                pos = [(c, header.index(c)) for c in cols if c in header]
                start = reader.line_num + 1
                for cells in reader:
                    line, start = start, reader.line_num + 1
                    for c, i in pos:
                        v = cells[i] if i < len(cells) else ""
                        kinds = classify(v, ds.rules) if v else []
                        if kinds:
                            yield problem("possible-private-data", spec.path, line, c, col=c, **_describe(kinds))
            except (csv.Error, UnicodeDecodeError):
                continue  # tier 1 reports it


CHECKS = (public_fields, published_fields)
