"""Public fields that look like personal data (issue 5): a mobile number, an 18-digit ID card
number, or an email address that is not an office one. A warning, never printing the value.

Private fields are not in the model at all (generator/model.py drops them while reading), so
only public values are scanned. Identifiers, references, enums and patterned fields cannot
hold free text and are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..model import TABLE_CLASSES, Dataset
from ..problems import Problem
from ..rules import Rules
from .codes import EMAIL_RE, ID_RE, PHONE_RE, problem

_SUSPECT = re.compile(r"\d{11}|@")

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
    if not _SUSPECT.search(value):
        return []
    kinds = []
    if PHONE_RE.search(value):
        kinds.append("phone")
    if ID_RE.search(value):
        kinds.append("id")
    if any(not _office(m.group(1), rules) for m in EMAIL_RE.finditer(value)):
        kinds.append("email")
    return kinds


def _describe(kinds: list[str]) -> dict:
    return {"what_zh": "、".join(WHAT[k][0] for k in kinds), "what_en": " or ".join(WHAT[k][1] for k in kinds)}


def scan_text(relpath: str, text: str, rules: Rules, label: str) -> Iterator[Problem]:
    """Line by line, for Markdown bodies."""
    if not _SUSPECT.search(text):
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


CHECKS = (public_fields,)
