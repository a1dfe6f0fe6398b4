"""Put the attack corpus into a copy of a small valid data package.

Every free-text field that reaches a page gets every payload: a table with R rows gives row r
the payloads whose index ≡ r (mod R), joined by a space, so one build carries every
(payload, field) pair. Report bodies of published reports get the `body: true` payloads (the
front-matter one first, as it only works at the top). Each payload's "{tok}" becomes a token
unique to (payload, field), e.g. "zq07x12", so tests can prove where it landed.

    python tests/attacks/attack_package.py SRC_DIR DST_DIR   # writes the attacked copy

The validator refuses raw HTML and unsafe links in report bodies, so builds of this package
go through `generator.pipeline.build` with validate=False (defence in depth).
"""

from __future__ import annotations

import csv
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
PAYLOADS_FILE = HERE / "payloads.yaml"
PWNED_URL_PART = "127.0.0.1:9/pwned"

# (table, column) pairs that hold free text shown on the site. Ids, enums, dates, numbers and
# patterned fields are not here: the schema rejects anything but their own format.
FIELDS: tuple[tuple[str, str], ...] = (
    ("deputies", "name"),
    ("deputies", "ethnicity"),
    ("deputies", "party"),
    ("deputies", "occupation"),
    ("deputies", "biography"),
    ("mandates", "post_title"),
    ("areas", "name"),
    ("congresses", "name"),
    ("congresses", "jurisdiction"),
    ("constituencies", "name"),
    ("stations", "name"),
    ("stations", "address"),
    ("stations", "opening_hours"),
    ("groups", "name"),
    ("plans", "themes"),
    ("plans", "summary"),
    ("activities", "title"),
    ("activities", "summary"),
    ("activities", "location"),
    ("reports", "venue"),
    ("suggestions", "title"),
    ("suggestions", "topic"),
    ("suggestions", "body"),
    ("suggestions", "handling_unit"),
    ("suggestions", "response"),
)
BODY_FIELD = ("reports", "body")


@dataclass(frozen=True)
class Payload:
    index: int
    id: str
    route: str
    text: str
    body: bool = False

    def with_token(self, tok: str) -> str:
        return self.text.replace("{tok}", tok)


def load_payloads(path: Path = PAYLOADS_FILE) -> list[Payload]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Payload(index=i, id=p["id"], route=p["route"], text=p["text"], body=bool(p.get("body", False)))
        for i, p in enumerate(raw["payloads"])
    ]


def token(payload_index: int, field_index: int) -> str:
    # letters and digits only, so no escaping or tokenizer can change it
    return f"zq{payload_index:02d}x{field_index:02d}"


def field_index(table: str, column: str) -> int:
    if (table, column) == BODY_FIELD:
        return len(FIELDS)
    return FIELDS.index((table, column))


def _table_path(pkg_dir: Path, table: str) -> Path:
    return pkg_dir / f"{table}.csv"


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        r = csv.DictReader(fh)
        return list(r.fieldnames or []), list(r)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def make_attack_package(src: Path, dst: Path, payloads: list[Payload] | None = None) -> dict[str, tuple[str, str, str]]:
    """Copy `src` to `dst` and inject the payloads. Returns {token: (payload id, table, column)}
    for every token placed (only in rows that exist)."""
    payloads = payloads if payloads is not None else load_payloads()
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    placed: dict[str, tuple[str, str, str]] = {}
    by_table: dict[str, list[str]] = {}
    for table, column in FIELDS:
        by_table.setdefault(table, []).append(column)
    for table, columns in by_table.items():
        path = _table_path(dst, table)
        header, all_rows = _read(path)
        # drafts are never published: attack only rows that reach the site
        rows = [r for r in all_rows if table != "reports" or r.get("state") == "published"]
        if not rows:
            continue
        for column in columns:
            if column not in header:
                continue
            fi = field_index(table, column)
            for r, row in enumerate(rows):
                # formula payloads first: a spreadsheet only evaluates a cell's leading "="
                mine = sorted(
                    (p for p in payloads if p.index % len(rows) == r), key=lambda p: (p.route != "csv", p.index)
                )
                row[column] = " ".join(p.with_token(token(p.index, fi)) for p in mine)
                for p in mine:
                    placed[token(p.index, fi)] = (p.id, table, column)
        _write(path, header, all_rows)
    # report bodies: every published report gets every body payload
    header, rows = _read(_table_path(dst, "reports"))
    fi = field_index(*BODY_FIELD)
    body_payloads = sorted((p for p in payloads if p.body), key=lambda p: p.id != "front-matter")
    for row in rows:
        if row.get("state") != "published":
            continue
        body_path = (dst / row["body"]).resolve()
        assert body_path.is_relative_to(dst.resolve()), row["body"]
        parts = [p.with_token(token(p.index, fi)) for p in body_payloads]
        original = body_path.read_text(encoding="utf-8")
        body_path.write_text("\n\n".join(parts) + "\n\n" + original, encoding="utf-8")
        for p in body_payloads:
            placed[token(p.index, fi)] = (p.id, *BODY_FIELD)
    return placed


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        raise SystemExit(2)
    n = make_attack_package(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{len(n)} tokens placed in {sys.argv[2]}")


def build_attack_site(base: Path, src: Path | None = None):
    """Attack package under base/data, built (validation bypassed) into base/site.
    Returns (package dir, site dir, placed tokens, page docs)."""
    from generator.options import Options
    from generator.pipeline import build

    src = src or HERE.parent / "fixtures" / "tiny"
    pkg = base / "data"
    placed = make_attack_package(src, pkg)
    out = base / "site"
    result = build(Options(data_dir=pkg, out=out, validate=False))
    return pkg, out, placed, result.prepared.docs
