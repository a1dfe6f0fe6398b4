"""Scan every file of an output folder for given strings (private values, attack markers).

Looks inside what a reader could download: plain files of any type, `.gz` files (decompressed),
and `.zip` members (and `.gz` inside a zip). Each needle is also searched in the encodings a
writer may have applied: JSON `\\uXXXX` escapes (lower and upper case hex), HTML character
references and entities, percent-encoding, UTF-16. A value that is private must be absent in
all of them.

    python tests/leakscan.py SITE_DIR NEEDLE [NEEDLE …]   # exit 1 and list hits if any
"""

from __future__ import annotations

import gzip
import html
import io
import json
import re
import sys
import urllib.parse
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Hit:
    path: str  # relative to the scanned folder; "a.zip!member.csv" for archive members
    needle: str
    form: str  # which encoding matched ("utf-8", "json-escape", …)
    offset: int


def variants(needle: str) -> dict[str, bytes]:
    """The byte forms a string may take in published files."""
    out: dict[str, bytes] = {"utf-8": needle.encode("utf-8")}
    j = json.dumps(needle, ensure_ascii=True)[1:-1]
    out["json-escape"] = j.encode("ascii")
    out["json-escape-upper"] = _upper_hex_escapes(j).encode("ascii")
    out["html-escape"] = html.escape(needle, quote=True).encode("utf-8")
    out["html-charref-hex"] = "".join(f"&#x{ord(c):x};" if ord(c) > 127 else c for c in needle).encode("ascii")
    out["html-charref-dec"] = "".join(f"&#{ord(c)};" if ord(c) > 127 else c for c in needle).encode("ascii")
    out["percent"] = urllib.parse.quote(needle, safe="").encode("ascii")
    out["percent-plus"] = urllib.parse.quote_plus(needle).encode("ascii")
    out["utf-16-le"] = needle.encode("utf-16-le")
    out["utf-16-be"] = needle.encode("utf-16-be")
    # drop forms identical to another (ASCII needles are the same in most encodings)
    seen: dict[bytes, str] = {}
    for form, b in out.items():
        seen.setdefault(b, form)
    return {form: b for b, form in seen.items()}


def _upper_hex_escapes(s: str) -> str:
    out, i = [], 0
    while i < len(s):
        if s.startswith("\\u", i) and i + 6 <= len(s):
            out.append("\\u" + s[i + 2 : i + 6].upper())
            i += 6
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


MAX_INFLATE = 512 * 1024 * 1024  # a bomb in our own output would be a bug; do not hang on it


def _gunzip(data: bytes) -> bytes | None:
    try:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = d.decompress(data, MAX_INFLATE)
        # concatenated gzip members
        while d.unused_data and len(out) < MAX_INFLATE:
            rest = d.unused_data
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out += d.decompress(rest, MAX_INFLATE - len(out))
        return out
    except zlib.error:
        try:
            return gzip.decompress(data)
        except (OSError, EOFError):
            return None


def iter_contents(name: str, data: bytes, depth: int = 0) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) for a file and everything inside it (gz, zip), recursively."""
    yield name, data
    if depth > 3:
        return
    if data[:2] == b"\x1f\x8b":
        inner = _gunzip(data)
        if inner is not None:
            yield from iter_contents(name + "!gunzip", inner, depth + 1)
    if data[:4] == b"PK\x03\x04" or (name.lower().endswith(".zip") and data[:2] == b"PK"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for info in z.infolist():
                    if info.is_dir():
                        continue
                    yield from iter_contents(f"{name}!{info.filename}", z.read(info), depth + 1)
        except (zipfile.BadZipFile, OSError, NotImplementedError):
            pass


def iter_files(root: Path) -> Iterator[tuple[str, bytes]]:
    root = Path(root)
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.is_symlink():
            yield from iter_contents(p.relative_to(root).as_posix(), p.read_bytes())


_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _decoded_views(data: bytes) -> dict[str, str]:
    """Text views with escapes undone, for mixes the byte variants cannot foresee
    (some characters as entities, some not)."""
    try:
        t = data.decode("utf-8")
    except UnicodeDecodeError:
        return {}
    views = {}
    if "&" in t:
        views["html-unescaped"] = html.unescape(t)
    if "\\u" in t:
        views["json-unescaped"] = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), t)
    if "%" in t:
        views["percent-unquoted"] = urllib.parse.unquote(t)
    return views


def scan_bytes(name: str, data: bytes, needles: Iterable[str]) -> list[Hit]:
    hits: list[Hit] = []
    views = None
    for needle in needles:
        found = False
        for form, b in variants(needle).items():
            i = data.find(b)
            if i >= 0:
                hits.append(Hit(name, needle, form, i))
                found = True
        if not found:
            if views is None:
                views = _decoded_views(data)
            for form, t in views.items():
                i = t.find(needle)
                if i >= 0:
                    hits.append(Hit(name, needle, form, i))
                    break
    return hits


def scan(root: Path, needles: Iterable[str]) -> list[Hit]:
    """Every place any needle occurs under `root` (sorted). Empty list: no leak."""
    needles = [n for n in needles if n]
    hits: list[Hit] = []
    for name, data in iter_files(root):
        hits.extend(scan_bytes(name, data, needles))
    return sorted(hits)


def scan_text(text: str, needles: Iterable[str]) -> list[Hit]:
    """Same check for captured output (stdout/stderr/logs)."""
    return sorted(scan_bytes("<text>", text.encode("utf-8", "surrogatepass"), [n for n in needles if n]))


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    hits = scan(Path(argv[0]), argv[1:])
    for h in hits:
        print(f"{h.path}: {h.form} @{h.offset}: {h.needle!r}")
    print(f"{len(hits)} hits", file=sys.stderr)
    return 1 if hits else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
