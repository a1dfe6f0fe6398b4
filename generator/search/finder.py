"""Find-your-deputy data: from a township, village or community to every deputy whose
constituency covers it, at every level.

How a place maps up the area tree: a constituency covers the areas listed for it in
constituency_areas *and everything below them*. So a deputy covers place P when one of the
constituency's areas is P or an ancestor of P (a city deputy elected by the county's electing
unit, whose area is the whole county, covers every village in it). When a township is picked,
deputies whose constituency covers only some villages or communities inside it are listed
separately as "部分覆盖" (covers part of it), with the places they cover.

Only mandates running on the as-of date are listed. A constituency with no areas (e.g. a
national electing unit recorded without one) covers nothing here.

Files (sharded per *unit*, so a visitor downloads only the part they pick):
- finder/index.json: {"units": [[file, name, path label, [place names…]]…]}; a unit is a
  township, or a village/community that has no township above it.
- finder/<file>.json: {"name", "path", "deputies": [entry…], "places": [[name, kind, [entry
  indexes covering it whole]]…], "part": [[entry index, [place names]]…]}; places[0] is the
  unit itself; an entry is {name, url, level, level_zh, congress, constituency, electing_unit, status,
  status_zh, stations: [[name, url]…]}.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..model import LEVELS, Area, Dataset
from ..pages import SiteContext, urls
from ..pages.common import LEVEL_DEPUTY_ZH, is_current

PLACE_KINDS = ("township", "village", "community")
KIND_ZH = {"township": "乡镇（街道）", "village": "村", "community": "社区"}
# Nearest level first: a voter usually looks for their township and county deputies first.
LEVEL_ORDER = {lvl: i for i, lvl in enumerate(reversed(LEVELS))}


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
    index_rows = []
    shards: dict[str, dict] = {}
    unit_list = sorted(units.values(), key=lambda u: ([x.name for x in ds.area_path(u.id)], u.id))
    for n, u in enumerate(unit_list):
        places = [u] + [a for a in _descendants(ds, u.id) if a.classification in PLACE_KINDS]
        entries: list[dict] = []
        entry_ix: dict[str, int] = {}

        def ref(m, entries=entries, entry_ix=entry_ix) -> int:
            if m.id in entry_ix:
                return entry_ix[m.id]
            d = ds.deputy.get(m.deputy_id)
            c = ds.congress[m.congress_id]
            k = ds.constituency.get(m.constituency_id)
            st = statuses.get(m.id)
            stations = []
            for sm in sorted(ds.stations_of.get(m.deputy_id, ()), key=lambda s: s.station_id):
                s = ds.station.get(sm.station_id)
                if s and is_current(sm.start_date, sm.end_date, as_of):
                    stations.append([s.name, urls.station(s.id)])
            entries.append(
                {
                    "name": d.name if d else m.deputy_id,
                    "url": urls.deputy(m.deputy_id),
                    "level": c.level,
                    "level_zh": LEVEL_DEPUTY_ZH.get(c.level, c.level),
                    "congress": c.name,
                    "constituency": k.name if k else "",
                    "electing_unit": bool(k and k.kind == "electing_unit"),
                    "status": st.status if st else "",
                    "status_zh": st.status_zh if st else "",
                    "stations": stations,
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
        for p in places:
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
        fname = f"u{n}"
        shards[fname] = {"name": u.name, "path": label, "deputies": entries, "places": place_rows, "part": part_rows}
        index_rows.append([fname, u.name, label, [p.name for p in places[1:]]])
    return {"units": index_rows}, shards


def write_finder(site: SiteContext, out_dir: Path, prefix: str = "finder") -> list[str]:
    index, shards = build_finder(site)
    root = out_dir / prefix
    root.mkdir(parents=True, exist_ok=True)
    written = []
    (root / "index.json").write_bytes(_json(index))
    written.append(f"{prefix}/index.json")
    for name, shard in shards.items():
        (root / f"{name}.json").write_bytes(_json(shard))
        written.append(f"{prefix}/{name}.json")
    return sorted(written)


def _json(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
