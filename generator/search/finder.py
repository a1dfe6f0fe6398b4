"""Find-your-deputy data: from a township, village or community to every deputy whose
constituency covers it, at every level.

How a place maps up the area tree: a constituency covers the areas listed for it in
constituency_areas *and everything below them*. So a deputy covers place P when one of the
constituency's areas is P or an ancestor of P (a city deputy elected by the county's electing
unit, whose area is the whole county, covers every village in it). When a township is picked,
deputies whose constituency covers only some villages or communities inside it are listed
separately as "部分覆盖" (covers part of it), with the places they cover.

Voters elect the township and county deputies themselves; the city, provincial and national
deputies are elected by the congress below (Electoral Law art. 3). Entries say which
(`direct`), so the page lists the directly elected first and folds the others.

Only mandates running on the as-of date are listed. A constituency with no areas (e.g. a
national electing unit recorded without one) covers nothing here.

Files (sharded per *unit*, so a visitor downloads only the part they pick; the index is
fetched only once someone types or picks, never with the page):
- finder/index.json: {"areas": [[name, kind, parent row or -1, unit file or "", place row in
  that file or -1]…], "version": a digest of every finder file}: every township, village and
  community and the areas above them, parents before children. A unit is a township, or a
  village/community with no township above it. The reader checks a kept copy of the index with
  the server and asks for unit files as <file>.json?v=<version>, so an index and its unit files
  always come from the same build, even in a browser that kept an older one.
- finder/<file>.json: {"name", "path", "stations": [[name, url, reception hours, office
  phone]…], "deputies": [entry…], "places": [[name, kind, [entry indexes covering it
  whole]]…], "part": [[entry index, [place names]]…]}; places[0] is the unit itself; an entry
  is {name, url, level, level_zh, direct, congress, constituency, electing_unit, status,
  status_zh, stations: [station indexes]}. Only public station fields (the office phone, never
  a deputy's own).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from ..model import LEVELS, Area, Dataset
from ..pages import SiteContext, urls
from ..pages.common import LEVEL_DEPUTY_ZH, is_current

PLACE_KINDS = ("township", "village", "community")
KIND_ZH = {"township": "乡镇（街道）", "village": "村", "community": "社区"}
# Nearest level first: a voter usually looks for their township and county deputies first.
LEVEL_ORDER = {lvl: i for i, lvl in enumerate(reversed(LEVELS))}
# The levels whose deputies voters elect themselves (Electoral Law art. 3); above them each
# congress elects the deputies of the next level up.
DIRECT_LEVELS = frozenset({"township", "county"})


def _unit_of(ds: Dataset, area: Area) -> Area:
    path = ds.area_path(area.id)
    for a in path:
        if a.classification == "township":
            return a
    return area


def _descendants(ds: Dataset, area_id: str) -> list[Area]:
    out: list[Area] = []
    stack = [area_id]
    seen = {area_id}
    while stack:
        for ch in sorted(ds.area_children.get(stack.pop(), ()), key=lambda a: a.id):
            if ch.id not in seen:
                seen.add(ch.id)
                out.append(ch)
                stack.append(ch.id)
    return out


def build_finder(site: SiteContext) -> tuple[dict, dict[str, dict]]:
    """(index, {file name: shard}) for the whole dataset."""
    where: dict[str, tuple[str, int]] = {}
    shards = dict(_shards(site, where))
    return {"areas": _index_rows(site.ds, where)}, shards


def _shards(site: SiteContext, where: dict[str, tuple[str, int]]) -> Iterator[tuple[str, dict]]:
    """(file name, shard) of each unit, one at a time (a province has thousands: written as
    they come, they are never all held at once); fills `where` (area id → (file, place row))."""
    ds, as_of = site.ds, site.as_of
    statuses = site.statuses
    # running mandates per constituency
    running: dict[str, list] = {}
    for m in ds.mandates:
        c = ds.congress.get(m.congress_id)
        if c is None or not is_current(m.start_date, m.end_date, as_of) or not (c.start_date <= as_of <= c.end_date):
            continue
        running.setdefault(m.constituency_id, []).append(m)
    # area id → mandates whose constituency lists that area
    direct: dict[str, list] = {}
    for ca in ds.constituency_areas:
        for m in running.get(ca.constituency_id, ()):
            direct.setdefault(ca.area_id, []).append(m)

    def covering(area_id: str) -> list:
        """Mandates covering the whole area: listed on it or on an ancestor."""
        out = []
        for a in ds.area_path(area_id):
            out.extend(direct.get(a.id, ()))
        return out

    units: dict[str, Area] = {}
    for a in sorted(ds.areas, key=lambda a: a.id):
        if a.classification not in PLACE_KINDS:
            continue
        u = _unit_of(ds, a)
        units[u.id] = u
    unit_list = sorted(units.values(), key=lambda u: ([x.name for x in ds.area_path(u.id)], u.id))
    for n, u in enumerate(unit_list):
        fname = f"u{n}"
        places = [u] + [a for a in _descendants(ds, u.id) if a.classification in PLACE_KINDS]
        entries: list[dict] = []
        entry_ix: dict[str, int] = {}
        stations: list[list[str]] = []
        station_ix: dict[str, int] = {}

        def station_ref(s, stations=stations, station_ix=station_ix) -> int:
            if s.id not in station_ix:
                station_ix[s.id] = len(stations)
                stations.append([s.name, urls.station(s.id), s.opening_hours or "", s.office_phone or ""])
            return station_ix[s.id]

        def ref(m, entries=entries, entry_ix=entry_ix, station_ref=station_ref) -> int:
            if m.id in entry_ix:
                return entry_ix[m.id]
            d = ds.deputy.get(m.deputy_id)
            c = ds.congress[m.congress_id]
            k = ds.constituency.get(m.constituency_id)
            st = statuses.get(m.id)
            its = []
            for sm in sorted(ds.stations_of.get(m.deputy_id, ()), key=lambda s: s.station_id):
                s = ds.station.get(sm.station_id)
                if s and is_current(sm.start_date, sm.end_date, as_of):
                    its.append(station_ref(s))
            entries.append(
                {
                    "name": d.name if d else m.deputy_id,
                    "url": urls.deputy(m.deputy_id),
                    "level": c.level,
                    "level_zh": LEVEL_DEPUTY_ZH.get(c.level, c.level),
                    "direct": c.level in DIRECT_LEVELS,
                    "congress": c.name,
                    "constituency": k.name if k else "",
                    "electing_unit": bool(k and k.kind == "electing_unit"),
                    "status": st.status if st else "",
                    "status_zh": st.status_zh if st else "",
                    "stations": its,
                }
            )
            entry_ix[m.id] = len(entries) - 1
            return entry_ix[m.id]

        def sort_key(m):
            c = ds.congress[m.congress_id]
            d = ds.deputy.get(m.deputy_id)
            return (LEVEL_ORDER.get(c.level, 99), d.name if d else "", m.id)

        place_rows = []
        whole_of_unit: set[str] = set()
        for j, p in enumerate(places):
            where[p.id] = (fname, j)
            ms = sorted({m.id: m for m in covering(p.id)}.values(), key=sort_key)
            if p is u:
                whole_of_unit = {m.id for m in ms}
            place_rows.append([p.name, p.classification, [ref(m) for m in ms]])
        # deputies covering only part of the unit
        part: dict[str, list[str]] = {}
        part_m = {}
        for p in places[1:]:
            for m in direct.get(p.id, ()):
                if m.id not in whole_of_unit:
                    part.setdefault(m.id, []).append(p.name)
                    part_m[m.id] = m
        part_rows = [
            [ref(part_m[mid]), names] for mid, names in sorted(part.items(), key=lambda kv: sort_key(part_m[kv[0]]))
        ]
        label = " / ".join(a.name for a in ds.area_path(u.id))
        yield (
            fname,
            {
                "name": u.name,
                "path": label,
                "stations": stations,
                "deputies": entries,
                "places": place_rows,
                "part": part_rows,
            },
        )


def _index_rows(ds: Dataset, where: dict[str, tuple[str, int]]) -> list[list]:
    """Every place of the finder and the areas above it, parents first (by path names), so the
    reader can match "禾溪县棠铺镇龙山村" along the path and list a county's townships."""
    keep: dict[str, Area] = {}
    for area_id in where:
        for a in ds.area_path(area_id):
            keep[a.id] = a
    order = sorted(
        keep.values(), key=lambda a: ([x.name for x in ds.area_path(a.id)], [x.id for x in ds.area_path(a.id)])
    )
    row_of = {a.id: i for i, a in enumerate(order)}
    rows = []
    for a in order:
        fname, j = where.get(a.id, ("", -1))
        rows.append([a.name, a.classification, row_of.get(a.parent_id or "", -1), fname, j])
    return rows


def write_finder(site: SiteContext, out_dir: Path, prefix: str = "finder") -> list[str]:
    root = out_dir / prefix
    root.mkdir(parents=True, exist_ok=True)
    written = []
    where: dict[str, tuple[str, int]] = {}
    digest = hashlib.sha256()
    for name, shard in _shards(site, where):
        data = _json(shard)
        digest.update(name.encode("utf-8") + b"\0" + data)
        (root / f"{name}.json").write_bytes(data)
        written.append(f"{prefix}/{name}.json")
    rows = _index_rows(site.ds, where)
    digest.update(_json(rows))
    (root / "index.json").write_bytes(_json({"areas": rows, "version": digest.hexdigest()[:12]}))
    written.append(f"{prefix}/index.json")
    return sorted(written)


def _json(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
