"""Static full-text search index that understands Chinese without a word segmenter.

Text is normalised (NFKC, lower case, middle dots removed) and cut into *segments* (runs of
letters and digits); every segment yields its character bigrams, so a query typed without
spaces matches across word boundaries exactly as the page text reads. Short fields (title,
person, places) also yield unigrams, for one-character queries such as a surname.

The index is sharded by a hash of the term so a visitor downloads a tiny manifest, the few
shards the query's terms live in, and small chunks of result metadata and excerpt text.
docs/search.md documents the file format; theme/assets/js/search.js is the reader, and the
two must agree on `normalize`, `segments` and `fnv1a` (tests/test_search_quality.py runs the
JS against indexes built here).
"""

from __future__ import annotations

import hashlib
import json
import marshal
import math
import operator
import re
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

FORMAT_VERSION = 1

# Field bits of a posting (see docs/search.md).
F_TITLE, F_PERSON, F_PLACES, F_TEXT, F_START, F_END = 1, 2, 4, 8, 16, 32
# a term that begins / ends a segment of a places entry (a whole place name matched)
F_PSTART, F_PEND = 64, 128

# Page kinds in doc-id order; the reader derives a page's kind from its id range.
KINDS = ("deputy", "area", "station", "group", "suggestion", "report", "page")

# Middle dots people type inside minority names (买买提·艾力); dropped so every spelling matches.
_DOTS = dict.fromkeys(map(ord, "\u00b7\u2022\u30fb\u2027\uff65\u2219\u22c5"), None)
# A segment: a run of letters and digits (Python's \w minus "_"; JS uses [\p{L}\p{N}]).
_SEG = re.compile(r"[^\W_]+")

# Size knobs. Shard count grows with the index so every shard stays about SHARD_TARGET bytes.
SHARD_TARGET = 24_000  # raw bytes per posting shard
MIN_SHARDS = 8
SPILL_POSTINGS = 3_000_000  # postings held in memory before spilling to disk
PARTITIONS = 64  # spill files (and the shard count is then a multiple of this)
POSTING_CAP = 2_000  # postings kept for a very common term (highest impact first)
META_CHUNK = 64  # docs per metadata chunk
TEXT_CHUNK_TARGET = 8_000  # raw UTF-8 bytes per excerpt-text chunk
TEXT_CAP = 3_000  # characters of body text kept per page for excerpts and phrase checks


def normalize(s: str) -> str:
    return unicodedata.normalize("NFKC", s).lower().translate(_DOTS)


def segments(s: str) -> list[str]:
    return _SEG.findall(normalize(s))


def bigrams(seg: str) -> list[str]:
    return [seg[i : i + 2] for i in range(len(seg) - 1)]


def fnv1a(term: str) -> int:
    h = 0x811C9DC5
    for b in term.encode("utf-8"):
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def shard_of(term: str, n_shards: int) -> int:
    return fnv1a(term) % n_shards


def _varint(out: bytearray, n: int) -> None:
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


@dataclass(frozen=True)
class Doc:
    """One searchable page (from a PageDoc's SearchEntry)."""

    kind: str
    title: str
    url: str  # site-root-relative directory URL, e.g. "deputies/d01/"
    person: str = ""
    date: str = ""
    text: str = ""
    places: tuple[str, ...] = ()


def doc_terms(doc: Doc) -> dict[str, list[int]]:
    """term → [field bits, body term frequency] for one document."""
    terms: dict[str, list[int]] = {}

    def add(term: str, bits: int, tf: int = 0) -> None:
        e = terms.get(term)
        if e is None:
            terms[term] = [bits, tf]
        else:
            e[0] |= bits
            e[1] += tf

    def short_field(value: str, bit: int, edges: bool, seg_edges: int = 0) -> None:
        """`edges`: mark the field's first/last term (F_START/F_END); `seg_edges`: the bits
        (F_PSTART|F_PEND) marking every segment's first/last term."""
        segs = segments(value)
        for si, seg in enumerate(segs):
            first, last = edges and si == 0, edges and si == len(segs) - 1
            grams = bigrams(seg) or [seg]
            n = len(grams)
            for gi, g in enumerate(grams):
                bits = bit
                if gi == 0:
                    bits |= (F_START if first else 0) | (seg_edges & F_PSTART)
                if gi == n - 1:
                    bits |= (F_END if last else 0) | (seg_edges & F_PEND)
                add(g, bits)
            if n > 1 or len(seg) > 1:
                for ci, ch in enumerate(seg):
                    add(ch, bit | (F_START if first and ci == 0 else 0) | (F_END if last and ci == len(seg) - 1 else 0))

    short_field(doc.title, F_TITLE, True)
    if doc.person:
        short_field(doc.person, F_PERSON, False)
    for p in doc.places:
        short_field(p, F_PLACES, False, F_PSTART | F_PEND)
    body: Counter = Counter()
    for seg in segments(doc.text):
        body.update(map(operator.add, seg, seg[1:]))  # the bigrams, counted at C speed
    for g, tf in body.items():
        e = terms.get(g)
        if e is None:
            terms[g] = [F_TEXT, tf]
        else:
            e[0] |= F_TEXT
            e[1] += tf
    return terms


def impact(bits: int, tf: int) -> float:
    """Same weights as the reader's `fieldWeight` (search.js): name/title > person > places > body."""
    w = 10.0 if bits & F_TITLE else 7.0 if bits & F_PERSON else 5.0 if bits & F_PLACES else 0.0
    if bits & F_TEXT:
        w += 1.0 + 0.5 * math.log(max(tf, 1))
    return w


def _kind_rank(kind: str) -> int:
    return KINDS.index(kind) if kind in KINDS else len(KINDS) - 1


def order_docs(docs: Iterable[Doc]) -> list[Doc]:
    """Doc ids follow KINDS order (then URL), so ids are stable and a kind is an id range."""
    return sorted(docs, key=lambda d: (_kind_rank(d.kind), d.url))


def _encode_term(term: str, lst: list) -> bytes:
    """One term's directory entry and posting block (format in docs/search.md)."""
    df = len(lst)
    truncated = 0
    if df > POSTING_CAP:
        # keep the highest-impact postings; ties by doc id so the output is deterministic
        lst = sorted(lst, key=lambda p: (-impact(p[1], p[2]), p[0]))[:POSTING_CAP]
        lst.sort()
        truncated = 1
    body = bytearray()
    put = body.append
    prev = 0
    for doc, bits, tf in lst:
        delta = doc - prev
        if delta < 0x80:  # most deltas and frequencies fit one byte: skip the call
            put(delta)
        else:
            _varint(body, delta)
        prev = doc
        put(bits)
        if bits & F_TEXT:
            if tf < 0x80:
                put(tf)
            else:
                _varint(body, tf)
    tb = term.encode("utf-8")
    head = bytearray()
    _varint(head, len(tb))
    head += tb
    _varint(head, df)
    head.append(truncated)
    _varint(head, len(lst))
    _varint(head, len(body))
    return bytes(head + body)


class _Spill:
    """Postings on disk in PARTITIONS files by term hash (append-only, in doc order)."""

    def __init__(self) -> None:
        self.dir = tempfile.TemporaryDirectory(prefix="search-spill-")
        self.files = [open(Path(self.dir.name) / f"p{i}", "wb") for i in range(PARTITIONS)]

    def add(self, postings: dict[str, list]) -> None:
        parts: list[list] = [[] for _ in range(PARTITIONS)]
        for term, lst in postings.items():
            parts[fnv1a(term) % PARTITIONS].append((term, lst))
        for f, items in zip(self.files, parts):
            if items:
                marshal.dump(items, f)

    def _records(self, path: Path):
        with open(path, "rb") as f:
            while True:
                try:
                    yield from marshal.load(f)
                except EOFError:
                    return

    def encode(self) -> int:
        """Merge each partition's lists per term and encode them; total bytes."""
        for f in self.files:
            f.close()
        total = 0
        for i in range(PARTITIONS):
            src = Path(self.dir.name) / f"p{i}"
            merged: dict[str, list] = {}
            for term, lst in self._records(src):
                merged.setdefault(term, []).extend(lst)
            blocks = [(term, _encode_term(term, lst)) for term, lst in merged.items()]
            del merged
            total += sum(len(b) for _t, b in blocks)
            with open(Path(self.dir.name) / f"b{i}", "wb") as f:
                marshal.dump(blocks, f)
            src.unlink()
        return total

    def blocks(self, part: int) -> list[tuple[str, bytes]]:
        with open(Path(self.dir.name) / f"b{part}", "rb") as f:
            return marshal.load(f)

    def close(self) -> None:
        self.dir.cleanup()


def build(docs: Sequence[Doc], out_dir: Path, prefix: str = "search/idx") -> list[str]:
    """Write the index for `docs` under out_dir/prefix; return the relative paths written."""
    docs = order_docs(docs)
    root = out_dir / prefix
    (root / "s").mkdir(parents=True, exist_ok=True)
    (root / "m").mkdir(parents=True, exist_ok=True)
    (root / "t").mkdir(parents=True, exist_ok=True)
    written: list[str] = []

    # 1. postings: term → list of (doc, bits, tf), docs visited in id order so lists are sorted.
    # Above SPILL_POSTINGS they are spilled to PARTITIONS temporary files by term hash, so a
    # province-scale build holds one partition at a time (see docs/search.md).
    postings: dict[str, list] = {}
    held = 0
    spill: _Spill | None = None
    get = postings.get
    for i, d in enumerate(docs):
        terms = doc_terms(d)
        for term, (bits, tf) in terms.items():
            lst = get(term)
            if lst is None:
                postings[term] = lst = []
            lst.append((i, bits, tf if tf < 255 else 255))
        held += len(terms)
        if held > SPILL_POSTINGS:
            spill = spill or _Spill()
            spill.add(postings)
            postings, held = {}, 0
            get = postings.get

    shard_digests: dict[int, bytes] = {}

    def write_shard(s: int, items: list[tuple[str, bytes]]) -> None:
        out = bytearray()
        _varint(out, len(items))
        for _term, block in sorted(items):
            out += block
        data = bytes(out)
        shard_digests[s] = hashlib.sha256(data).digest()
        (root / "s" / f"{s}.bin").write_bytes(data)
        written.append(f"{prefix}/s/{s}.bin")

    # 2. encode each term's block once, then decide the shard count from the total size.
    if spill is None:
        blocks = {term: _encode_term(term, lst) for term, lst in postings.items()}
        del postings
        total = sum(len(b) for b in blocks.values())
        n_shards = max(MIN_SHARDS, math.ceil(total / SHARD_TARGET))
        by_shard: list[list[tuple[str, bytes]]] = [[] for _ in range(n_shards)]
        for term, block in blocks.items():
            by_shard[shard_of(term, n_shards)].append((term, block))
        for s, items in enumerate(by_shard):
            write_shard(s, items)
    else:
        spill.add(postings)
        del postings
        total = spill.encode()
        # a multiple of PARTITIONS, so every shard's terms live in one partition
        n_shards = PARTITIONS * math.ceil(max(MIN_SHARDS, math.ceil(total / SHARD_TARGET)) / PARTITIONS)
        for part in range(PARTITIONS):
            by_shard_p: dict[int, list[tuple[str, bytes]]] = {s: [] for s in range(part, n_shards, PARTITIONS)}
            for term, block in spill.blocks(part):
                by_shard_p[shard_of(term, n_shards)].append((term, block))
            for s, items in by_shard_p.items():
                write_shard(s, items)
        spill.close()
    digest = hashlib.sha256()
    for s in range(n_shards):
        digest.update(shard_digests[s])

    # 3. excerpt text chunks (grouped by size) and metadata chunks (fixed docs per chunk).
    text_chunks: list[dict[str, str]] = [{}]
    size = 0
    text_of: list[tuple[int, int]] = []  # (chunk, truncated?)
    for i, d in enumerate(docs):
        body = d.text[:TEXT_CAP]
        full = "\n".join([*d.places, body]) if d.places else body
        n = len(full.encode("utf-8"))
        if size and size + n > TEXT_CHUNK_TARGET:
            text_chunks.append({})
            size = 0
        text_chunks[-1][str(i)] = full
        size += n
        text_of.append((len(text_chunks) - 1, int(len(d.text) > TEXT_CAP)))
    for c, chunk in enumerate(text_chunks):
        data = _json(chunk)
        digest.update(data)
        (root / "t" / f"{c}.json").write_bytes(data)
        written.append(f"{prefix}/t/{c}.json")
    for c in range(max(1, math.ceil(len(docs) / META_CHUNK))):
        rows = []
        for i in range(c * META_CHUNK, min(len(docs), (c + 1) * META_CHUNK)):
            d = docs[i]
            rows.append([d.kind, d.title, d.person, d.date, d.url, text_of[i][0], text_of[i][1]])
        data = _json(rows)
        digest.update(data)
        (root / "m" / f"{c}.json").write_bytes(data)
        written.append(f"{prefix}/m/{c}.json")

    kinds = {}
    for i, d in enumerate(docs):
        k = d.kind if d.kind in KINDS else "page"
        lo, hi = kinds.get(k, (i, i))
        kinds[k] = (min(lo, i), max(hi, i) + 1)
    manifest = {
        "format": FORMAT_VERSION,
        "version": digest.hexdigest()[:12],
        "docs": len(docs),
        "shards": n_shards,
        "meta_chunk": META_CHUNK,
        "cap": POSTING_CAP,
        "kinds": {k: list(v) for k, v in sorted(kinds.items(), key=lambda kv: kv[1])},
    }
    (root / "manifest.json").write_bytes(_json(manifest))
    written.append(f"{prefix}/manifest.json")
    return sorted(written)


def _json(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=isinstance(obj, dict)).encode("utf-8")


def read_shard(data: bytes) -> dict[str, tuple[int, bool, list[tuple[int, int, int]]]]:
    """Decode a shard: term → (df, truncated, [(doc, bits, tf)…]). For tests and tools; the
    site reads shards with search.js `parseShard`."""
    pos = 0

    def vi() -> int:
        nonlocal pos
        n = shift = 0
        while True:
            b = data[pos]
            pos += 1
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return n

    out = {}
    for _ in range(vi()):
        ln = vi()
        term = data[pos : pos + ln].decode("utf-8")
        pos += ln
        df = vi()
        truncated = data[pos] == 1
        pos += 1
        n = vi()
        vi()  # block length
        doc = 0
        posts = []
        for _ in range(n):
            doc += vi()
            bits = data[pos]
            pos += 1
            tf = vi() if bits & F_TEXT else 0
            posts.append((doc, bits, tf))
        out[term] = (df, truncated, posts)
    return out
