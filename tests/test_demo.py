"""The fictional demo data generator (`python -m generator demo`) and the committed data/."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections import Counter
from pathlib import Path

import pytest

from generator.cli import main
from generator.staff import demo

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 11, 20)


def digest(folder: Path) -> dict[str, str]:
    """relative path → sha256 of every file the generator writes (README and others excluded)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_file() and (p.suffix in (".csv", ".yaml") or rel.startswith("reports/")):
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def rows(folder: Path, table: str) -> list[dict]:
    with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    assert main(["demo", "--scale", "tiny", "--seed", "1", "--out", str(out)]) == 0
    return out


def test_same_seed_is_byte_identical_and_another_seed_differs(tiny, tmp_path):
    again = tmp_path / "again"
    demo.generate("tiny", 1, again)
    assert digest(again) == digest(tiny)
    other = tmp_path / "other"
    demo.generate("tiny", 2, other)
    a, b = digest(tiny), digest(other)
    assert a["datapackage.yaml"] == b["datapackage.yaml"]
    assert a["deputies.csv"] != b["deputies.csv"]


def test_tiny_counts(tiny):
    counts = {t: len(rows(tiny, t)) for t in TABLES}
    assert counts == TINY_COUNTS
    assert sorted(p.name for p in (tiny / "reports").iterdir()) == [
        f"r{i:04d}.md" for i in range(1, TINY_COUNTS["reports"] + 1)
    ]


TABLES = [
    "areas",
    "congresses",
    "constituencies",
    "constituency_areas",
    "deputies",
    "mandates",
    "stations",
    "station_members",
    "groups",
    "group_members",
    "plans",
    "activities",
    "attendance",
    "reports",
    "suggestions",
    "suggestion_cosigners",
    "contacts",
]
TINY_COUNTS = {
    "areas": 10,
    "congresses": 6,
    "constituencies": 15,
    "constituency_areas": 15,
    "deputies": 20,
    "mandates": 23,
    "stations": 3,
    "station_members": 26,
    "groups": 3,
    "group_members": 23,
    "plans": 12,
    "activities": 77,
    "attendance": 384,
    "reports": 19,
    "suggestions": 8,
    "suggestion_cosigners": 17,
    "contacts": 94,
}


def test_tiny_has_every_case_the_site_shows(tiny):
    mandates = rows(tiny, "mandates")
    assert Counter(m["congress_id"].split("-")[0][:3] for m in mandates) == Counter(
        {"npc": 1, "pro": 1, "cit": 2, "cty": 6, "twn": 13}
    )
    assert [m["end_reason"] for m in mandates if m["end_date"]] == ["resigned"]
    reports = rows(tiny, "reports")
    assert {r["state"] for r in reports} == {"draft", "published"}
    assert {r["mode"] for r in reports} == {"oral", "meeting", "written"}
    assert {s["status"] for s in rows(tiny, "suggestions")} == {
        "submitted",
        "in_progress",
        "resolved",
        "planned",
        "explained",
    }
    assert {a["status"] for a in rows(tiny, "attendance")} == {"present", "excused", "absent"}
    assert Counter(g["kind"] for g in rows(tiny, "groups")) == {"five_level_joint": 1, "single_level": 2}
    deputies = rows(tiny, "deputies")
    assert sum("·" in d["name"] for d in deputies) == 1


def test_private_values_are_obviously_fake(tiny, county_demo):
    deputies = rows(county_demo, "deputies") + rows(tiny, "deputies")
    ids = [d["id_card_number"] for d in deputies if d["id_card_number"]]
    phones = [d["personal_phone"] for d in deputies if d["personal_phone"]]
    assert len(ids) == len(phones) > 300
    assert all(len(i) == 18 and i.startswith("000000") for i in ids)
    assert all(len(p) == 11 and p.startswith("1990000") for p in phones)
    # station phones are public office lines whose local number starts with 0, so they cannot be dialled
    assert all(s["office_phone"].split("-")[1].startswith("0") for s in rows(county_demo, "stations"))


def test_descriptor_is_the_source_plus_the_data_date():
    src = (demo.SOURCE_DATA / "datapackage.yaml").read_text(encoding="utf-8")
    out = demo.descriptor_text(src)
    assert out == demo.descriptor_text(out)  # idempotent: regenerating in place changes nothing
    base = [ln for ln in src.splitlines() if not ln.startswith("x-data-date:")]
    assert [ln for ln in out.splitlines() if not ln.startswith("x-data-date:")] == base
    assert 'x-data-date: "2026-11-20"' in out.splitlines()


# That the committed data/ equals a fresh county run is `make check-demo` (part of `make test`):
# the tests never read the checkout's data/, which an adopter replaces with their own.


def test_county_demo_follows_the_bulletin(county_demo):
    deputies = rows(county_demo, "deputies")
    assert len(deputies) == 1335
    assert len(rows(county_demo, "stations")) == 51
    groups = rows(county_demo, "groups")
    assert Counter(g["kind"] for g in groups) == {"five_level_joint": 7, "single_level": 70, "thematic": 2}
    contacts = [c for c in rows(county_demo, "contacts") if c["year"] == "2023"]
    totals = [
        sum(int(c[k]) for c in contacts)
        for k in ("voters_visited", "people_received", "opinions_collected", "problems_resolved")
    ]
    assert totals == [23000, 2300, 723, 3251]
    activities = [a for a in rows(county_demo, "activities") if a["date"].startswith("2023")]
    assert sum(1 for a in activities if a["group_id"]) == 650
    assert sum(int(a["people_received"] or 0) for a in activities if a["station_id"]) == 2300
    # each person holds one or two mandates; every deputy works from one or two stations
    per_person = Counter(m["deputy_id"] for m in rows(county_demo, "mandates"))
    assert Counter(per_person.values()) == {1: 1266, 2: 69}
    per_station = Counter(s["deputy_id"] for s in rows(county_demo, "station_members"))
    assert set(per_station) == {d["id"] for d in deputies} and set(per_station.values()) == {1, 2}
    # every report body exists and has the five parts
    reports = rows(county_demo, "reports")
    bodies = sorted(p.name for p in (county_demo / "reports").glob("*.md"))
    assert bodies == sorted(Path(r["body"]).name for r in reports)
    text = (county_demo / reports[0]["body"]).read_text(encoding="utf-8")
    assert [ln for ln in text.splitlines() if ln.startswith("## ")] == [f"## {h}" for h in demo.T.HEADINGS]


def test_frictionless_accepts_the_tiny_package(tiny):
    from frictionless import validate

    report = validate(tiny / "datapackage.yaml")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type"])


def test_project_validator_finds_no_errors_only_the_intended_warnings(tiny):
    from generator.validate import validate_package

    problems = validate_package(tiny, as_of=AS_OF, workers=1)
    assert [p for p in problems if p.severity == "error"] == []
    assert Counter(p.code for p in problems) == TINY_WARNINGS


TINY_WARNINGS = {"group-mix": 1, "report-overdue": 2, "report-off-schedule": 2}


def test_scale_specs_give_the_intended_sizes():
    assert demo.COUNTY.persons == 1335
    assert demo.TINY.persons == 20
    cities, counties, spec, _ = demo.SCALES["city"]
    assert 14000 < cities * counties * spec.persons < 16000
    cities, counties, spec, _ = demo.SCALES["province"]
    assert 125000 < cities * counties * spec.persons < 135000


# --- a demo that reads as real (issue 14) --------------------------------------------------


def test_county_demo_titles_are_varied(county_demo):
    """No suggestion title is filed more than twice in the county (it was 16 times)."""
    titles = Counter(s["title"] for s in rows(county_demo, "suggestions"))
    assert max(titles.values()) <= 2
    assert len(titles) > 0.75 * sum(titles.values())
    # bodies and responses too: each was one sentence per topic (and status)
    for field in ("body", "response"):
        texts = Counter(s[field] for s in rows(county_demo, "suggestions") if s[field])
        assert max(texts.values()) <= 5, field


def test_county_demo_offices_fit_village_or_community(county_demo):
    """A 社区 has a residents' committee, a 村 a villagers' one; 村民 is nobody's office."""
    areas = rows(county_demo, "areas")
    villages = [a["name"] for a in areas if a["classification"] == "village"]
    communities = [a["name"] for a in areas if a["classification"] == "community"]
    assert villages and communities
    deputies = rows(county_demo, "deputies")
    for d in deputies:
        job = d["occupation"]
        assert not job.endswith("村民"), job
        assert f"现任{job}" not in d["biography"] or not job.endswith(("教师", "医生", "职工", "户")), d["biography"]
        for c in communities:
            if job.startswith(c):
                assert "村民委员会" not in job and "村委会" not in job and "乡村医生" not in job, job
        for v in villages:
            if job.startswith(v):
                assert "居民委员会" not in job, job
    jobs = {d["occupation"] for d in deputies}
    # both kinds of committee occur, so the checks above are not vacuous
    assert any(j.startswith(tuple(communities)) and "居民委员会主任" in j for j in jobs)
    assert any(j.startswith(tuple(villages)) and "村民委员会主任" in j for j in jobs)


def test_county_demo_places_township_before_village(county_demo):
    towns = {a["id"]: a["name"] for a in rows(county_demo, "areas") if a["classification"] == "township"}
    below = [(towns[a["parent_id"]], a["name"]) for a in rows(county_demo, "areas") if a["parent_id"] in towns]
    bodies = [s["body"] for s in rows(county_demo, "suggestions")]
    assert not any(f"{v}、{t}" in b for b in bodies for t, v in below)
    # every body names its place as 镇/乡 then 村/社区
    assert all(any(f"{t}{v}一带" in b for t, v in below) for b in bodies)


def test_county_demo_activity_and_report_texts_vary(county_demo):
    activities = rows(county_demo, "activities")
    station = Counter(a["summary"] for a in activities if a["station_id"])
    group = Counter(a["summary"] for a in activities if a["group_id"])
    # before: one text per kind (about 1,500 station activities shared a handful of texts)
    assert max(station.values()) <= 12 and len(station) > 0.8 * sum(station.values())
    assert max(group.values()) <= 50 and len(group) > 0.4 * sum(group.values())
    sections: Counter = Counter()
    reports = rows(county_demo, "reports")
    for r in reports:
        text = (county_demo / r["body"]).read_text(encoding="utf-8")
        sections.update(part for part in text.split("\n## ")[1:])
    # no part of a report is word for word the same in more than 1% of the reports
    assert max(sections.values()) <= len(reports) // 100


def test_county_demo_satisfaction_only_once_answered(county_demo):
    sugg = rows(county_demo, "suggestions")
    rated = [s for s in sugg if s["satisfaction"]]
    assert {s["satisfaction"] for s in rated} == {"satisfied", "basically_satisfied", "dissatisfied"}
    assert all(s["status"] in ("resolved", "planned", "explained") and s["response"] for s in rated)
