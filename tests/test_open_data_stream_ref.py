"""Reference for tests/test_open_data_stream.py: the open-data and Popolo code as it was
before the package was staged on disk (commit 6fdd8fe), which held every file, the zip and the
Popolo text in memory. Kept verbatim (minus the memo) so the tests can check that the staged
files are byte for byte what it produced. Not a test module: it holds no tests."""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from generator.outputs.open_data import _FORMULA_START, _SAFE_REL, DESCRIPTOR, _drop_sentences, _public_schema
from generator.outputs.popolo import (
    GROUP_ROLE_ZH,
    POPOLO_VERSION,
    REPORT_EVENT_MODES,
    _clean,
    _date,
    _ident,
    _image,
    dumps,
)
from generator.pages import SiteContext
from generator.sanitize import csv_cell, package_path


def _table(
    path: Path, header: list[str], text_fields: set[str], keep=None, collect: str | None = None
) -> tuple[bytes, int, list[str]]:
    """Read one raw CSV and write only the `header` columns (an allow-list), in file order.
    `keep(row_by_name)` filters rows. Returns the CSV bytes, the number of rows kept and the
    values of the `collect` column. Rows are streamed straight into the output, never held as
    a list: the attendance table has over five million rows at province scale."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")  # RFC 4180; quotes only where needed
    w.writerow(header)
    n = 0
    collected: list[str] = []
    col = header.index(collect) if collect in header else -1
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            raw_header = next(reader, [])
            pos: dict[str, int] = {}
            for i, name in enumerate(raw_header):
                pos.setdefault(name, i)
            idx = [pos.get(h, -1) for h in header]
            guard = [j for j, h in enumerate(header) if h in text_fields]
            width = len(raw_header)
            for raw in reader:
                if not raw:
                    continue
                if len(raw) < width:
                    raw = raw + [""] * (width - len(raw))
                out = [raw[i] if i >= 0 else "" for i in idx]
                for j in guard:
                    v = out[j]
                    if v and v[0] in _FORMULA_START:
                        out[j] = csv_cell(v)
                if keep is not None and not keep(dict(zip(header, out))):
                    continue
                w.writerow(out)
                n += 1
                if col >= 0:
                    collected.append(out[col].strip())
    except (OSError, UnicodeDecodeError, csv.Error):
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerow(header)
        n, collected = 0, []
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"), n, collected  # with a BOM, for Excel


def build_files(site: SiteContext) -> dict[str, bytes]:
    """Relative path (inside data/) → bytes, for every file of the published package except
    the zip."""
    ds = site.ds
    pkg = ds.package
    root = ds.root
    files: dict[str, bytes] = {}
    descriptor = copy.deepcopy(pkg.raw)
    resources = []
    raw_by_name = {str(r.get("name")): r for r in pkg.raw.get("resources", []) if isinstance(r, dict)}
    published_bodies: list[str] = []
    photos: list[str] = []
    for name, spec in pkg.tables.items():
        private = set(spec.private_fields)
        header = [f.name for f in spec.fields if not f.private]
        # Free text only: ids, enums and patterned fields cannot start with a formula sign in
        # validated data, and skipping them keeps million-row tables fast.
        fk_fields = {
            n
            for fk in spec.foreign_keys
            for n in ([fk.get("fields")] if isinstance(fk.get("fields"), str) else fk.get("fields") or [])
        }
        text_fields = {
            f.name
            for f in spec.fields
            if f.type == "string" and f.enum is None and "pattern" not in f.constraints and f.name not in fk_fields
        }
        keep = (lambda r: r.get("state", "").strip() == "published") if name == "reports" else None
        collect = {"reports": "body", "deputies": "image"}.get(name)
        data, n_rows, values = _table(root / spec.path, header, text_fields, keep, collect)
        if name == "reports":
            published_bodies = values
        elif name == "deputies":
            photos = values
        out_path = f"{name}.csv"
        files[out_path] = data
        res = copy.deepcopy(raw_by_name.get(name, {}))
        res["path"] = out_path
        res["schema"] = _public_schema(res.get("schema") or {}, private)
        if private and isinstance(res.get("description"), str):
            res["description"] = _drop_sentences(res["description"], private)
        res["bytes"] = len(data)
        res["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
        res["x-rows"] = n_rows
        resources.append(res)
    for rel in sorted(set(published_bodies) | set(photos)):
        if not rel or not _SAFE_REL.match(rel):
            continue
        p = package_path(root, rel)  # resolves symlinks: a link to a file outside is not copied
        if p is not None and p.is_file():
            files[rel] = p.read_bytes()
    descriptor["resources"] = resources
    descriptor["x-as-of"] = site.as_of.isoformat()
    descriptor["x-report-bodies"] = (
        "reports/<id>.md: Markdown bodies of the published reports (drafts are not published)"
    )
    files[DESCRIPTOR] = (
        json.dumps(descriptor, ensure_ascii=False, sort_keys=True, indent=2, default=str) + "\n"
    ).encode("utf-8")
    return files


def zip_bytes(site: SiteContext, files: dict[str, bytes]) -> bytes:
    """All files in one zip, entries sorted, every timestamp the as-of date at midnight."""
    stamp = (max(site.as_of.year, 1980), site.as_of.month, site.as_of.day, 0, 0, 0)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for rel in sorted(files):
            info = zipfile.ZipInfo(rel, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, files[rel], compresslevel=6)
    return buf.getvalue()


def build(site: SiteContext) -> dict[str, Any]:
    ds = site.ds
    persons = [
        _clean(
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
        for d in ds.deputies
    ]
    organizations = []
    for c in ds.congresses:
        organizations.append(
            _clean(
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
        )
    for g in ds.groups:
        organizations.append(
            _clean(
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
        )
    for s in ds.stations:
        contacts = []
        if s.address:
            contacts.append({"type": "address", "label": "地址", "value": s.address})
        if s.office_phone:
            contacts.append({"type": "voice", "label": "办公电话", "value": s.office_phone})
        organizations.append(
            _clean(
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
        )

    memberships = []
    for m in ds.mandates:
        memberships.append(
            _clean(
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
        )
    for gm in ds.group_members:
        memberships.append(
            _clean(
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
        )
    for sm in ds.station_members:
        memberships.append(
            _clean(
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
        )

    posts = []
    for k in ds.constituencies:
        areas = sorted(ca.area_id for ca in ds.areas_of_constituency.get(k.id, []))
        posts.append(
            _clean(
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
        )

    areas = [
        _clean({"id": a.id, "name": a.name, "classification": a.classification, "parent_id": a.parent_id})
        for a in ds.areas
    ]

    def attendee(pid: str) -> dict[str, str]:
        d = ds.deputy.get(pid)
        return _clean({"id": pid, "name": d.name if d else None})

    events = []
    for a in ds.activities:
        org = f"group/{a.group_id}" if a.group_id else f"station/{a.station_id}" if a.station_id else None
        present = sorted(x.deputy_id for x in ds.attendance_at.get(a.id, []) if x.status == "present")
        events.append(
            _clean(
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
        )
    for r in ds.published_reports():
        if r.mode not in REPORT_EVENT_MODES:
            continue
        m = ds.mandate.get(r.mandate_id)
        d = ds.deputy.get(r.deputy_id)
        events.append(
            _clean(
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
        )

    by_id = lambda rows: sorted(rows, key=lambda x: x["id"])  # noqa: E731
    return {
        "meta": {
            "popolo_version": POPOLO_VERSION,
            "as_of": site.as_of.isoformat(),
            "source": str(ds.package.raw.get("title", "")),
            "license": [str(x.get("name", "")) for x in ds.package.raw.get("licenses", []) if isinstance(x, dict)],
        },
        "persons": by_id(persons),
        "organizations": by_id(organizations),
        "memberships": by_id(memberships),
        "posts": by_id(posts),
        "areas": by_id(areas),
        "events": by_id(events),
    }


def popolo_json(site: SiteContext) -> str:
    return dumps(build(site))
