"""Popolo JSON export: `data/popolo.json` in the site.

One file with persons, organizations (congresses, deputy groups, liaison stations),
memberships (mandates, group and station memberships), posts (constituencies), areas and
events (activities, and duty reports given at a meeting). It validates against the Popolo
1.0.1 JSON schemas (tests/popolo_schemas/). Rules:

- ids of persons, posts and areas are the package's own ids; organizations, memberships and
  events come from several tables, so their ids carry the table ("congress/ct18",
  "mandate/m01", "activity/a01") and an identifier with scheme "data-package:<table>" maps
  them back to the CSV row;
- a person's image is the photo's URL relative to popolo.json (the open data publishes
  photos beside it as data/photos/…), given only when the file exists;
- empty values are left out rather than written as null; fields Popolo has no name for
  (ethnicity, level, seats, …) are extra properties, which Popolo allows;
- only published reports appear; drafts never do. Private fields are not in the model, so
  they cannot appear; the test also checks the file for the fixture's private values;
- output is deterministic: every list sorted by id, keys sorted, no timestamps except as_of.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from ..pages import Published, SiteContext, urls

OUTPUT_PATH = urls.POPOLO
POPOLO_VERSION = "1.0.1"

GROUP_ROLE_ZH = {"leader": "组长", "deputy_leader": "副组长", "liaison": "联系的主任会议成员", "member": "成员"}
REPORT_EVENT_MODES = ("oral", "meeting")  # a written report is not an event


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    """Drop None, "" and empty lists, so the file holds only what is known."""
    return {k: v for k, v in d.items() if v is not None and v != "" and v != []}


def _date(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _ident(table: str, key: str) -> list[dict[str, str]]:
    return [{"scheme": f"data-package:{table}", "identifier": key}]


_PHOTO = re.compile(r"^photos/[A-Za-z0-9_-]{1,64}\.(?:jpg|png|webp)$")


def _image(root: Path, image: str | None) -> str | None:
    """The photo as a URL relative to this file: the open data publishes photos beside it
    (data/photos/…), and only photos that exist are published."""
    if image and _PHOTO.match(image) and (root / image).is_file():
        return image
    return None


def _sections(site: SiteContext) -> dict[str, list[tuple[str, Callable[[Any], dict[str, Any]], Any]]]:
    """Each list of the export as (id, make, record) triples, sorted by id (stably, so records
    with the same id keep their table order): `make(record)` gives the object. Objects are made
    one at a time when written, never all at once (at province scale the file is ~600 MB)."""
    ds = site.ds

    def person(d) -> dict[str, Any]:
        return _clean(
            {
                "id": d.id,
                "name": d.name,
                "gender": d.gender,
                "image": _image(ds.root, d.image),
                "biography": d.biography,
                "ethnicity": d.ethnicity,
                "party": d.party,
                "occupation": d.occupation,
            }
        )

    def congress(c) -> dict[str, Any]:
        return _clean(
            {
                "id": f"congress/{c.id}",
                "name": c.name,
                "classification": "congress",
                "area_id": c.area_id,
                "founding_date": _date(c.start_date),
                "dissolution_date": _date(c.end_date),
                "identifiers": _ident("congresses", c.id),
                "jurisdiction": c.jurisdiction,
                "level": c.level,
                "term": c.term,
            }
        )

    def group(g) -> dict[str, Any]:
        return _clean(
            {
                "id": f"group/{g.id}",
                "name": g.name,
                "classification": "deputy_group",
                "parent_id": f"congress/{g.congress_id}" if g.congress_id in ds.congress else None,
                "area_id": g.area_id,
                "founding_date": _date(g.founding_date),
                "identifiers": _ident("groups", g.id),
                "kind": g.kind,
            }
        )

    def station(s) -> dict[str, Any]:
        contacts = []
        if s.address:
            contacts.append({"type": "address", "label": "地址", "value": s.address})
        if s.office_phone:
            contacts.append({"type": "voice", "label": "办公电话", "value": s.office_phone})
        return _clean(
            {
                "id": f"station/{s.id}",
                "name": s.name,
                "classification": "liaison_station",
                "area_id": s.area_id,
                "founding_date": _date(s.founding_date),
                "contact_details": contacts,
                "identifiers": _ident("stations", s.id),
                "opening_hours": s.opening_hours,
            }
        )

    def mandate(m) -> dict[str, Any]:
        return _clean(
            {
                "id": f"mandate/{m.id}",
                "person_id": m.deputy_id,
                "organization_id": f"congress/{m.congress_id}",
                "post_id": m.constituency_id,
                "role": "deputy",
                "label": "代表",
                "start_date": _date(m.start_date),
                "end_date": _date(m.end_date),
                "identifiers": _ident("mandates", m.id),
                "re_elected": m.re_elected,
                "official": m.official,
                "post_title": m.post_title,
                "end_reason": m.end_reason,
            }
        )

    def group_member(gm) -> dict[str, Any]:
        return _clean(
            {
                "id": f"group_member/{gm.group_id}/{gm.deputy_id}",
                "person_id": gm.deputy_id,
                "organization_id": f"group/{gm.group_id}",
                "role": gm.role,
                "label": GROUP_ROLE_ZH.get(gm.role, gm.role),
                "start_date": _date(gm.start_date),
                "end_date": _date(gm.end_date),
            }
        )

    def station_member(sm) -> dict[str, Any]:
        return _clean(
            {
                "id": f"station_member/{sm.station_id}/{sm.deputy_id}",
                "person_id": sm.deputy_id,
                "organization_id": f"station/{sm.station_id}",
                "role": "member",
                "label": "进站代表",
                "start_date": _date(sm.start_date),
                "end_date": _date(sm.end_date),
            }
        )

    def post(k) -> dict[str, Any]:
        areas = sorted(ca.area_id for ca in ds.areas_of_constituency.get(k.id, []))
        return _clean(
            {
                "id": k.id,
                "label": k.name,
                "role": "代表",
                "organization_id": f"congress/{k.congress_id}",
                "area_id": areas[0] if len(areas) == 1 else None,
                "area_ids": areas,
                "kind": k.kind,
                "seats": k.seats,
            }
        )

    def area(a) -> dict[str, Any]:
        return _clean({"id": a.id, "name": a.name, "classification": a.classification, "parent_id": a.parent_id})

    def attendee(pid: str) -> dict[str, str]:
        d = ds.deputy.get(pid)
        return _clean({"id": pid, "name": d.name if d else None})

    def activity(a) -> dict[str, Any]:
        org = f"group/{a.group_id}" if a.group_id else f"station/{a.station_id}" if a.station_id else None
        present = sorted(x.deputy_id for x in ds.attendance_at.get(a.id, []) if x.status == "present")
        return _clean(
            {
                "id": f"activity/{a.id}",
                "name": a.title,
                "description": a.summary,
                "start_date": _date(a.date),
                "location": a.location,
                "classification": a.kind,
                "organization_id": org,
                "attendees": [attendee(p) for p in present],
                "identifiers": [{"scheme": "data-package:activities", "identifier": a.id}],
                "people_received": a.people_received,
            }
        )

    def report(r) -> dict[str, Any]:
        m = ds.mandate.get(r.mandate_id)
        d = ds.deputy.get(r.deputy_id)
        return _clean(
            {
                "id": f"report/{r.id}",
                "name": f"{d.name if d else r.deputy_id}报告履职情况",
                "start_date": _date(r.date),
                "location": r.venue,
                "classification": "duty_report",
                "organization_id": f"congress/{m.congress_id}" if m else None,
                "attendees": [attendee(r.deputy_id)],
                "identifiers": [{"scheme": "data-package:reports", "identifier": r.id}],
                "mode": r.mode,
                "audience": r.audience,
                "term_year": r.term_year,
                "attendance_count": r.attendees,
                "eval_satisfied": r.eval_satisfied,
                "eval_basic": r.eval_basic,
                "eval_unsatisfied": r.eval_unsatisfied,
            }
        )

    def by_id(*kinds) -> list:
        """kinds: (id of a record as its object has it, make, records)."""
        rows = [(ident(x), make, x) for ident, make, xs in kinds for x in xs]
        rows.sort(key=lambda t: t[0])
        return rows

    own = lambda x: x.id  # noqa: E731
    events = [r for r in ds.published_reports() if r.mode in REPORT_EVENT_MODES]
    return {
        "persons": by_id((own, person, ds.deputies)),
        "organizations": by_id(
            (lambda c: f"congress/{c.id}", congress, ds.congresses),
            (lambda g: f"group/{g.id}", group, ds.groups),
            (lambda s: f"station/{s.id}", station, ds.stations),
        ),
        "memberships": by_id(
            (lambda m: f"mandate/{m.id}", mandate, ds.mandates),
            (lambda gm: f"group_member/{gm.group_id}/{gm.deputy_id}", group_member, ds.group_members),
            (lambda sm: f"station_member/{sm.station_id}/{sm.deputy_id}", station_member, ds.station_members),
        ),
        "posts": by_id((own, post, ds.constituencies)),
        "areas": by_id((own, area, ds.areas)),
        "events": by_id(
            (lambda a: f"activity/{a.id}", activity, ds.activities), (lambda r: f"report/{r.id}", report, events)
        ),
    }


def _meta(site: SiteContext) -> dict[str, Any]:
    ds = site.ds
    return {
        "popolo_version": POPOLO_VERSION,
        "as_of": site.as_of.isoformat(),
        "source": str(ds.package.raw.get("title", "")),
        "license": [str(x.get("name", "")) for x in ds.package.raw.get("licenses", []) if isinstance(x, dict)],
    }


def build(site: SiteContext) -> dict[str, Any]:
    """The whole export as one object (tests; the build streams it with `stream`)."""
    out: dict[str, Any] = {"meta": _meta(site)}
    for name, rows in _sections(site).items():
        out[name] = [make(x) for _id, make, x in rows]
    return out


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def stream(site: SiteContext, fh: BinaryIO) -> int:
    """Write exactly `dumps(build(site))`, UTF-8, into `fh`, one object at a time (the JSON
    encoder is compositional: the top-level keys in sorted order, each list item encoded with
    the same options). Returns the number of bytes written."""
    enc = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    sections = _sections(site)
    values: dict[str, Any] = {"meta": _meta(site), **sections}
    size = 0
    parts: list[str] = []
    pending = 0

    def put(s: str) -> None:
        nonlocal size, pending
        parts.append(s)
        pending += len(s)
        if pending >= 1 << 20:
            flush()

    def flush() -> None:
        nonlocal size, pending
        data = "".join(parts).encode("utf-8")
        fh.write(data)
        size += len(data)
        parts.clear()
        pending = 0

    put("{")
    for i, key in enumerate(sorted(values)):
        put(("," if i else "") + enc.encode(key) + ":")
        if key in sections:
            put("[")
            for j, (_id, make, x) in enumerate(sections[key]):
                put(("," if j else "") + enc.encode(make(x)))
            put("]")
        else:
            put(enc.encode(values[key]))
    put("}\n")
    flush()
    return size


def stage(site: SiteContext, folder: Path) -> Published:
    """Stream the export into `folder` (the pipeline's staging folder, before the pages: the
    open-data page shows its size); the pipeline puts it at OUTPUT_PATH in the site."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / Path(OUTPUT_PATH).name, "xb") as fh:
        return Published(stream(site, fh), "")
