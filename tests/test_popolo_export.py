"""The Popolo export: valid against the Popolo 1.0.1 schemas (local copies), with the fields
and date formats they require, deterministic, no drafts and no private values."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft3Validator
from referencing import Registry
from referencing.jsonschema import DRAFT3

from generator.model import load_dataset
from generator.outputs import popolo
from generator.pages import SiteContext

HERE = Path(__file__).parent
TINY = HERE / "fixtures" / "tiny"
SCHEMAS = HERE / "popolo_schemas"
BASE = "http://www.popoloproject.com/schemas/"
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
AS_OF = dt.date(2026, 6, 1)


def _registry() -> Registry:
    res = [
        (BASE + p.name, DRAFT3.create_resource(json.loads(p.read_text(encoding="utf-8"))))
        for p in SCHEMAS.glob("*.json")
    ]
    return Registry().with_resources(res)


def _validator(kind: str) -> Draft3Validator:
    schema = json.loads((SCHEMAS / f"{kind}.json").read_text(encoding="utf-8"))
    return Draft3Validator(schema, registry=_registry())


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    site = SiteContext(load_dataset(TINY), AS_OF)
    out = tmp_path_factory.mktemp("site")
    staged = popolo.stage(site, out)
    text = (out / "popolo.json").read_text(encoding="utf-8")
    assert staged.size == len(text.encode("utf-8"))
    return text, json.loads(text)


COLLECTIONS = {
    "persons": "person",
    "organizations": "organization",
    "memberships": "membership",
    "posts": "post",
    "areas": "area",
    "events": "event",
}


def test_every_object_validates_against_its_popolo_schema(export):
    _, data = export
    for key, kind in COLLECTIONS.items():
        v = _validator(kind)
        assert data[key], key
        for obj in data[key]:
            errors = [e.message for e in v.iter_errors(obj)]
            assert errors == [], (key, obj["id"], errors)


def test_schema_rejects_a_bad_date_so_the_check_is_real():
    v = _validator("membership")
    assert not v.is_valid({"id": "x", "start_date": "2024/01/01"})
    assert v.is_valid({"id": "x", "start_date": "2024-01-01"})
    assert not _validator("organization").is_valid({"contact_details": [{"type": "voice"}]})


def test_required_fields_and_dates(export):
    _, data = export
    assert set(data) == {"meta", "persons", "organizations", "memberships", "posts", "areas", "events"}
    for key in COLLECTIONS:
        ids = [o["id"] for o in data[key]]
        assert ids == sorted(ids) and len(set(ids)) == len(ids), key
    for p in data["persons"]:
        assert p["name"] and p["gender"] in ("male", "female")
    for m in data["memberships"]:
        assert m["person_id"] and m["organization_id"] and m["role"]
        for k in ("start_date", "end_date"):
            assert k not in m or DATE.match(m[k])
    orgs = {o["id"] for o in data["organizations"]}
    persons = {p["id"] for p in data["persons"]}
    posts = {p["id"] for p in data["posts"]}
    areas = {a["id"] for a in data["areas"]}
    for m in data["memberships"]:
        assert m["organization_id"] in orgs and m["person_id"] in persons
        assert "post_id" not in m or m["post_id"] in posts
    for o in data["organizations"]:
        for k in ("founding_date", "dissolution_date"):
            assert k not in o or DATE.match(o[k])
        assert "area_id" not in o or o["area_id"] in areas
        for c in o.get("contact_details", []):
            assert c["type"] and c["value"]
    for e in data["events"]:
        assert e["name"] and DATE.match(e["start_date"]) and e["organization_id"] in orgs
        assert all(a["id"] in persons for a in e.get("attendees", []))
    for a in data["areas"]:
        assert "parent_id" not in a or a["parent_id"] in areas


def test_contents_of_the_tiny_fixture(export):
    _, data = export
    classes = sorted({(o["id"].split("/")[0], o["classification"]) for o in data["organizations"]})
    assert classes == [("congress", "congress"), ("group", "deputy_group"), ("station", "liaison_station")]
    m01 = next(m for m in data["memberships"] if m["id"] == "mandate/m01")
    assert m01 == {
        "id": "mandate/m01",
        "person_id": "d01",
        "organization_id": "congress/cn14",
        "post_id": "k-cn-1",
        "role": "deputy",
        "label": "代表",
        "start_date": "2023-03-05",
        "official": False,
        "re_elected": False,
        "identifiers": [{"identifier": "m01", "scheme": "data-package:mandates"}],
    }
    roles = sorted(m["role"] for m in data["memberships"] if m["id"].startswith("group_member/g01/"))
    assert roles == ["deputy_leader", "leader", "liaison", "member", "member", "member", "member"]
    # published reports given at a meeting are events; the draft r05 and written r03 are not
    report_events = [e["id"] for e in data["events"] if e["classification"] == "duty_report"]
    assert report_events == ["report/r01", "report/r02", "report/r04"]
    a01 = next(e for e in data["events"] if e["id"] == "activity/a01")
    assert a01["organization_id"] == "group/g01" and a01["start_date"] == "2025-04-10"
    assert "d04" not in [a["id"] for a in a01["attendees"]]  # excused is not attended


def test_no_private_values_and_deterministic(export):
    text, _ = export
    assert "XPRIV" not in text
    for word in ("id_card_number", "personal_phone", "home_address"):
        assert word not in text
    again = popolo.dumps(popolo.build(SiteContext(load_dataset(TINY), AS_OF)))
    assert again == text


def test_person_image_only_when_the_photo_exists(tmp_path):
    import shutil

    d = tmp_path / "data"
    shutil.copytree(TINY, d)
    (d / "photos" / "d01.jpg").write_bytes(b"\xff\xd8\xff")  # tiny's d01 has this photo path
    text = (d / "deputies.csv").read_text(encoding="utf-8")
    assert "虚构农业合作社理事长,photos/d01.jpg," in text
    text = text.replace("虚构县副县长,,", "虚构县副县长,photos/missing.jpg,", 1)
    (d / "deputies.csv").write_text(text, encoding="utf-8")
    data = popolo.build(SiteContext(load_dataset(d), AS_OF))
    images = {p["id"]: p.get("image") for p in data["persons"] if p["id"] in ("d01", "d02")}
    assert images == {"d01": "photos/d01.jpg", "d02": None}
    v = _validator("person")
    assert all(v.is_valid(p) for p in data["persons"])
