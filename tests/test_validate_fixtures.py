"""The validator on tiny (valid) and on one fixture per defect: whole lists, exact.

Fixtures: tests/fixtures/tiny/ and the overlays in tests/fixtures/bad/ (built by
tests/fixtures/make_bad.py). Each expectation is the complete list of
(file, row, field, code, severity); BASELINE is what tiny itself yields (warnings only).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from generator.validate import validate_package

FIXTURES = Path(__file__).parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
from make_bad import BAD, TINY, defects, materialize  # noqa: E402

AS_OF = dt.date(2026, 11, 20)

BASELINE = [
    ("groups.csv", 3, "", "group-mix", "warning"),  # g02 has no official deputy
    ("mandates.csv", 4, "", "report-overdue", "warning"),  # m03 d02 city official, year 2
    ("mandates.csv", 9, "", "report-overdue", "warning"),  # m08 d07 county other, years 3-4
    ("mandates.csv", 10, "", "report-overdue", "warning"),  # m09 d07 township re-elected, year 1
]

EXPECTED = {
    "activity-organiser": BASELINE
    + [
        ("activities.csv", 7, "group_id", "activity-organiser", "error"),
    ],
    "attendance-not-member": BASELINE
    + [
        ("attendance.csv", 26, "deputy_id", "attendance-not-member", "error"),
    ],
    "bad-date": BASELINE
    + [
        ("mandates.csv", 7, "start_date", "bad-date", "error"),
    ],
    "blank-column": BASELINE
    + [
        ("plans.csv", 1, "", "blank-column", "error"),
    ],
    "blank-row": BASELINE
    + [
        ("contacts.csv", 4, "", "blank-row", "error"),
    ],
    "body-missing": BASELINE
    + [
        ("reports.csv", 4, "body", "body-missing", "error"),
    ],
    # deputies' photos (issue 14): d01 is on line 2 of deputies.csv
    "photo-missing": BASELINE
    + [
        ("deputies.csv", 2, "image", "photo-missing", "error"),
    ],
    "photo-not-image": BASELINE
    + [
        ("deputies.csv", 2, "image", "photo-not-image", "error"),
    ],
    "photo-too-large": BASELINE
    + [
        ("deputies.csv", 2, "image", "photo-too-large", "error"),
    ],
    # out of the package: the descriptor's pattern refuses it, and it is never looked up
    "photo-path-escape": BASELINE
    + [
        ("deputies.csv", 2, "image", "pattern-mismatch", "error"),
    ],
    "body-not-utf8": BASELINE
    + [
        ("reports/r02.md", 1, "", "body-encoding", "error"),
    ],
    "body-parts-missing": BASELINE
    + [
        ("reports/r03.md", 0, "", "body-parts-missing", "warning"),
    ],
    "report-skeleton": BASELINE
    + [
        ("reports.csv", 3, "venue", "report-venue-missing", "error"),
        ("reports/r02.md", 1, "", "report-part-empty", "error"),
        ("reports/r02.md", 3, "", "report-prompt-left", "error"),
    ],
    "report-too-short": BASELINE
    + [
        ("reports/r04.md", 0, "", "report-too-short", "error"),
    ],
    "body-raw-html": BASELINE
    + [
        ("reports/r01.md", 28, "", "body-raw-html", "error"),
        ("reports/r01.md", 30, "", "body-raw-html", "error"),
    ],
    "body-unsafe-link": BASELINE
    + [
        ("reports/r04.md", 28, "", "body-unsafe-link", "error"),
        ("reports/r04.md", 30, "", "body-unsafe-link", "error"),
        ("reports/r04.md", 32, "", "body-unsafe-link", "error"),
        ("reports/r04.md", 34, "", "body-unsafe-link", "error"),
    ],
    "bom-csv": BASELINE + [],
    "constituency-mismatch": BASELINE
    + [
        ("mandates.csv", 13, "constituency_id", "constituency-mismatch", "error"),
    ],
    "date-outside-term": BASELINE
    + [
        ("mandates.csv", 9, "start_date", "mandate-outside-term", "error"),
    ],
    "dates-out-of-order": BASELINE
    + [
        ("group_members.csv", 7, "end_date", "dates-out-of-order", "error"),
    ],
    "descriptor-bad-pattern": BASELINE
    + [
        ("stations.csv", 0, "", "table-error", "error"),
    ],
    "descriptor-bad-type": [
        ("datapackage.yaml", 0, "", "descriptor-invalid", "error"),
    ],
    "descriptor-malformed": [
        ("datapackage.yaml", 0, "", "descriptor-invalid", "error"),
    ],
    "descriptor-missing": [
        ("datapackage.yaml", 0, "", "descriptor-missing", "error"),
    ],
    "descriptor-python-tag": [
        ("datapackage.yaml", 0, "", "descriptor-invalid", "error"),
    ],
    "duplicate-column": BASELINE
    + [
        ("plans.csv", 1, "summary", "duplicate-column", "error"),
    ],
    "duplicate-id": BASELINE
    + [
        ("deputies.csv", 12, "id", "duplicate-id", "error"),
    ],
    "duplicate-key": BASELINE
    + [
        ("plans.csv", 5, "group_id,year", "duplicate-key", "error"),
    ],
    "duplicate-mandate": BASELINE
    + [
        ("mandates.csv", 14, "deputy_id", "duplicate-mandate", "error"),
    ],
    "empty-file": BASELINE
    + [
        ("plans.csv", 0, "", "empty-file", "error"),
    ],
    "enum": BASELINE
    + [
        ("deputies.csv", 4, "gender", "not-in-enum", "error"),
    ],
    "evaluation-exceeds-attendees": BASELINE
    + [
        ("reports.csv", 3, "attendees", "evaluation-exceeds-attendees", "error"),
    ],
    "extra-column": BASELINE
    + [
        ("areas.csv", 1, "nickname", "extra-column", "error"),
    ],
    "file-missing": BASELINE
    + [
        ("contacts.csv", 0, "", "file-missing", "error"),
    ],
    "foreign-key": BASELINE
    + [
        ("suggestion_cosigners.csv", 6, "deputy_id", "foreign-key", "error"),
    ],
    "gb18030-csv": BASELINE
    + [
        ("deputies.csv", 2, "", "file-encoding", "error"),
    ],
    "group-roles": BASELINE
    + [
        ("groups.csv", 2, "", "group-roles", "error"),
    ],
    "long-row": BASELINE
    + [
        ("contacts.csv", 5, "", "extra-cell", "error"),
    ],
    "meeting-share-low": BASELINE
    + [
        ("congresses.csv", 4, "", "meeting-share-low", "warning"),
    ],
    "missing-column": BASELINE
    + [
        ("deputies.csv", 1, "occupation", "missing-column", "error"),
    ],
    "multiline-cell": BASELINE
    + [
        ("activities.csv", 5, "kind", "not-in-enum", "error"),
    ],
    "out-of-range": BASELINE
    + [
        ("congresses.csv", 5, "term", "out-of-range", "error"),
    ],
    "pattern": BASELINE
    + [
        ("stations.csv", 3, "office_phone", "pattern-mismatch", "error"),
    ],
    "possible-private-data": BASELINE
    + [
        ("activities.csv", 2, "summary", "possible-private-data", "warning"),
        ("deputies.csv", 6, "biography", "possible-private-data", "warning"),
        ("reports/r02.md", 28, "", "possible-private-data", "warning"),
    ],
    "private-type-error": BASELINE
    + [
        ("deputies.csv", 2, "personal_phone", "type-error", "error"),
        ("deputies.csv", 3, "personal_phone", "type-error", "error"),
        ("deputies.csv", 4, "personal_phone", "type-error", "error"),
        ("deputies.csv", 5, "personal_phone", "type-error", "error"),
        ("deputies.csv", 6, "personal_phone", "type-error", "error"),
        ("deputies.csv", 7, "personal_phone", "type-error", "error"),
        ("deputies.csv", 8, "personal_phone", "type-error", "error"),
        ("deputies.csv", 9, "personal_phone", "type-error", "error"),
        ("deputies.csv", 10, "personal_phone", "type-error", "error"),
        ("deputies.csv", 11, "personal_phone", "type-error", "error"),
    ],
    "report-audience": BASELINE
    + [
        ("reports.csv", 3, "audience", "report-audience", "error"),
    ],
    "report-deputy-mismatch": BASELINE
    + [
        ("reports.csv", 4, "deputy_id", "report-deputy-mismatch", "error"),
    ],
    "report-duplicate": BASELINE
    + [
        ("reports.csv", 7, "term_year", "report-duplicate", "error"),
    ],
    "report-mode": BASELINE
    + [
        ("reports.csv", 5, "mode", "report-mode", "error"),
    ],
    "report-off-schedule": BASELINE
    + [
        ("reports.csv", 5, "term_year", "report-off-schedule", "warning"),
    ],
    "report-outside-mandate": BASELINE
    + [
        ("reports.csv", 5, "date", "report-outside-mandate", "error"),
    ],
    "report-term-year": BASELINE
    + [
        ("reports.csv", 4, "term_year", "report-term-year", "error"),
    ],
    "report-window": BASELINE
    + [
        ("reports.csv", 5, "date", "report-window", "error"),
    ],
    "required": BASELINE
    + [
        ("areas.csv", 4, "name", "required", "error"),
    ],
    "resource-missing": BASELINE
    + [
        ("datapackage.yaml", 0, "", "resource-missing", "error"),
    ],
    "response-missing": BASELINE
    + [
        ("suggestions.csv", 2, "response", "response-missing", "warning"),
    ],
    # sg02 is in progress (no response yet): a satisfaction is too early
    "satisfaction-before-response": BASELINE
    + [
        ("suggestions.csv", 3, "satisfaction", "satisfaction-before-response", "warning"),
    ],
    # sg04: 很满意 is none of satisfied / basically_satisfied / dissatisfied
    "satisfaction-enum": BASELINE
    + [
        ("suggestions.csv", 5, "satisfaction", "not-in-enum", "error"),
    ],
    "rules-malformed": [
        ("rules.yaml", 0, "", "rules-invalid", "error"),
    ],
    "rules-python-tag": [
        ("rules.yaml", 0, "", "rules-invalid", "error"),
    ],
    "short-row": BASELINE
    + [
        ("contacts.csv", 5, "problems_resolved", "missing-cell", "error"),
    ],
    "type-error": BASELINE
    + [
        ("contacts.csv", 6, "voters_visited", "type-error", "error"),
    ],
    "unsafe-id": BASELINE
    + [
        ("areas.csv", 6, "id", "unsafe-id", "error"),
        ("areas.csv", 7, "id", "unsafe-id", "error"),
        ("areas.csv", 8, "id", "unsafe-id", "error"),
    ],
    # the path rule (issue 17)
    "reserved-id": BASELINE
    + [
        ("areas.csv", 6, "id", "reserved-id", "error"),  # index
        ("areas.csv", 7, "id", "reserved-id", "error"),  # 2022
        ("areas.csv", 8, "id", "reserved-id", "error"),  # List (any case)
    ],
    "unsafe-name": [  # ../../plans: nothing else is checked, and the table "plans" is missing
        ("datapackage.yaml", 0, "", "resource-missing", "error"),
        ("datapackage.yaml", 0, "resources[10].name", "unsafe-name", "error"),
    ],
    "unsafe-path": [  # ../plans.csv: frictionless refuses it too
        ("datapackage.yaml", 0, "", "descriptor-invalid", "error"),
        ("datapackage.yaml", 0, "resources[10].path", "unsafe-path", "error"),
    ],
    "unsafe-link": BASELINE
    + [
        ("datapackage.yaml", 0, "licenses[0].path", "unsafe-link", "error"),
    ],
    "unsafe-body-path": BASELINE
    + [
        ("reports.csv", 3, "body", "unsafe-path", "error"),
    ],
    "control-character": BASELINE
    + [
        ("deputies.csv", 4, "occupation", "control-character", "error"),
    ],
    "link-outside": BASELINE  # contacts.csv and reports/r02.md link out of the package
    + [
        ("contacts.csv", 0, "", "link-outside", "error"),
        ("reports.csv", 3, "body", "body-missing", "error"),  # body_checks: the link leads nowhere
        ("reports.csv", 3, "body", "link-outside", "error"),
    ],
}


def flat(problems):
    return sorted((p.file, p.row, p.field, p.code, p.severity) for p in problems)


def test_tiny_is_valid_with_only_the_known_warnings():
    assert flat(validate_package(TINY, AS_OF)) == sorted(BASELINE)


def test_every_fixture_has_an_expectation():
    assert sorted(EXPECTED) == sorted(defects())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_fixture(name, tmp_path):
    root = materialize(name, tmp_path / "pkg")
    assert flat(validate_package(root, AS_OF)) == sorted(EXPECTED[name])


def test_committed_overlays_match_the_builder():
    """tests/fixtures/bad/ is what make_bad.py writes (rerun it after changing tiny)."""
    for name, files in defects().items():
        for rel, content in files.items():
            want = content if isinstance(content, bytes) else content.encode("utf-8")
            assert (BAD / name / rel).read_bytes() == want, f"{name}/{rel} is stale: rerun make_bad.py"


def test_yaml_tags_are_never_executed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("rules-python-tag", "descriptor-python-tag"):
        root = materialize(name, tmp_path / name)
        validate_package(root, AS_OF)
        assert not (tmp_path / "pwned.txt").exists()
        assert not (root / "pwned.txt").exists()


def test_parallel_and_serial_give_the_same_problems(tmp_path):
    root = materialize("multiline-cell", tmp_path / "pkg")
    assert validate_package(root, AS_OF, workers=2) == validate_package(root, AS_OF, workers=1)


def test_missing_folder_is_a_located_problem(tmp_path):
    assert flat(validate_package(tmp_path / "nope", AS_OF)) == [
        ("datapackage.yaml", 0, "", "descriptor-missing", "error")
    ]


def test_satisfaction_problems_say_what_to_fix(tmp_path):
    """The two satisfaction defects, whole Problems: the value and the status named."""
    from generator.validate.codes import CODES

    early = [p for p in validate_package(materialize("satisfaction-before-response", tmp_path / "a"), AS_OF)]
    early = [p for p in early if p.file == "suggestions.csv"]
    c = CODES["satisfaction-before-response"]
    assert [(p.row, p.field, p.code, p.message_zh, p.message_en, p.hint_zh, p.hint_en) for p in early] == [
        (
            3,
            "satisfaction",
            "satisfaction-before-response",
            "办理状态为办理中，尚未答复，却已填写满意度“不满意”",
            "the status is in progress, not yet answered, but a satisfaction (dissatisfied) is filled in",
            c.hint_zh,
            c.hint_en,
        )
    ]
    bad = [p for p in validate_package(materialize("satisfaction-enum", tmp_path / "b"), AS_OF)]
    bad = [p for p in bad if p.file == "suggestions.csv"]
    assert [(p.row, p.field, p.code, p.severity) for p in bad] == [(5, "satisfaction", "not-in-enum", "error")]
    assert "很满意" in bad[0].message_zh
    assert "satisfied, basically_satisfied, dissatisfied" in bad[0].message_en
