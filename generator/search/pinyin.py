"""Pinyin keys for the names people look up by sound (docs/search.md "Pinyin"): deputies,
areas (townships, villages, communities) and liaison stations.

Each name gets its full pinyin without tones or spaces (廖学新 → liaoxuexin) and its
initials (lxx); a place name also without its suffix (棠铺镇 → tangpu, tp); a station gives
its place part (棠铺镇人大代表联络站 → 棠铺镇), whose search finds the station too. Characters with several
readings give every combination (长林村: changlincun and zhanglincun), at most MAX_COMBOS.
tables() groups the keys by their first two letters ({key: [names]}); the builder writes each
key's first MAX_ALTS names, and their terms' postings, into the pinyin shards (p/<n>.bin, see
generator/search _pinyin_blocks): search.js reads a Latin query's key there in its first round
and searches the names as alternatives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import islice, product

PREFIX = 2  # keys are grouped by their first two letters (manifest py: which Latin text may be a key)
MAX_COMBOS = 8  # readings combinations per name (polyphonic characters)
MAX_ALTS = 4  # names a query searches per key (search.js MAX_PINYIN): stored in the shards
MAX_NAMES = 12  # names kept per key (initials are ambiguous); places first, then people
# Place suffixes people leave out (tangpu for 棠铺镇); longest first.
PLACE_SUFFIXES = ("街道", "社区", "镇", "乡", "村", "县", "市", "区", "省")
STATION_SUFFIX = re.compile(r"(人大)?(代表)?(联络)?(中心)?(站|室|点)$")
_HAN = re.compile(r"^[\u3400-\u9fff]+$")


def _pypinyin():
    """pypinyin, imported when an index is built: its dictionaries take ~0.5 s to load, which
    nothing else that imports generator.search (the pipeline, validate, tests) should pay."""
    import pypinyin

    return pypinyin


def readings(name: str) -> list[list[str]]:
    """Every reading combination of `name` (Han characters only), at most MAX_COMBOS."""
    pp = _pypinyin()
    per_char = pp.pinyin(name, style=pp.Style.NORMAL, heteronym=True, errors="ignore")
    if len(per_char) != len(name):
        return []
    return [list(c) for c in islice(product(*per_char), MAX_COMBOS)]


def keys(name: str) -> set[str]:
    """Full pinyin and initials of every reading of `name`."""
    out = set()
    for r in readings(name):
        out.add("".join(r))
        out.add("".join(s[0] for s in r))
    return out


def place_keys(name: str) -> set[str]:
    out = keys(name)
    for suf in PLACE_SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            out |= keys(name[: -len(suf)])
            break
    return out


def tables(entries: Iterable[tuple[str, str]]) -> dict[str, dict[str, list[str]]]:
    """entries: (kind, name) with kind deputy | area | station → {first two letters: {key: [names]}}.
    Names per key: areas, then stations, then deputies, each in the order given; at most
    MAX_NAMES (a key of two or three initials can stand for many people)."""
    rank = {"area": 0, "station": 1, "deputy": 2}
    by_key: dict[str, list[tuple[int, int, str]]] = {}
    for i, (kind, name) in enumerate(entries):
        name = name.replace("·", "").replace("•", "").replace("・", "")
        if not _HAN.match(name):
            continue
        if kind == "deputy":
            ks = keys(name) if 2 <= len(name) <= 6 else set()
        elif kind == "area":
            ks = place_keys(name)
        else:  # a station: its place (searching 棠铺镇 finds 棠铺镇人大代表联络站 too)
            place = STATION_SUFFIX.sub("", name)
            if place == name or len(place) < 2:
                continue
            kind, name, ks = "area", place, place_keys(place)
        for k in ks:
            if len(k) >= 2:
                by_key.setdefault(k, []).append((rank[kind], i, name))
    out: dict[str, dict[str, list[str]]] = {}
    for k in sorted(by_key):
        names: list[str] = []
        for _r, _i, n in sorted(by_key[k]):
            if n not in names:
                names.append(n)
        out.setdefault(k[:PREFIX], {})[k] = names[:MAX_NAMES]
    return out


def common_chars() -> list[str]:
    """GB2312 level 1: the 3,755 most common characters, in GB2312 order."""
    out = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                out.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return out


def homophones(names: Iterable[str]) -> dict[str, str]:
    """{character: the characters of `names` that share one of its readings}, for the common
    characters and those of `names` (every reading of each; a character is not its own
    homophone): search.js ranks a name with one wrong character higher when the wrong one
    sounds the same (廖学欣 for 廖学新), and reads a two-character name only then (王墙 for 王强)."""
    pp = _pypinyin()

    def read(c: str) -> list[str]:
        return pp.pinyin(c, style=pp.Style.NORMAL, heteronym=True, errors="ignore")[0] if _HAN.match(c) else []

    own = sorted({c for n in names for c in n if _HAN.match(c)})
    by: dict[str, set[str]] = {}
    for c in own:
        for r in read(c):
            by.setdefault(r, set()).add(c)
    out = {}
    for c in sorted(set(common_chars()) | set(own)):
        same = set().union(*(by.get(r, set()) for r in read(c))) - {c}
        if same:
            out[c] = "".join(sorted(same))
    return out
