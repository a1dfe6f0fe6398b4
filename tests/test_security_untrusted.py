"""Untrusted descriptors and ids (issue 17): one path rule for every value from the data.

- the validator refuses, with a stable code and its place, a resource name or path, an id, a
  body or photo path that would leave its folder or name a page of the site itself, and a
  licence link that is not http(s) or relative;
- the build refuses the same values again before it writes anything (validation skipped):
  a GeneratorError with a clear message, never a traceback, nothing outside the output;
- what the validator accepts builds (the differential test at the end).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
from pathlib import Path

import pytest
from attacks.attack_package import load_payloads, make_attack_package

from generator.descriptor import DescriptorError, read_package
from generator.errors import GeneratorError
from generator.options import Options
from generator.outputs import open_data
from generator.pipeline import build
from generator.sanitize import name_problem, relpath_problem, safe_link
from generator.validate import validate_package

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"
AS_OF = dt.date(2026, 11, 20)

# tests/attacks/payloads.yaml names these cases too (route "descriptor" / "id")
UNSAFE_NAMES = ["../../../x", "x/../../y", "../deputies", "/tmp/abs", "a b", "x\\y", "", ".."]


def _copy(tmp_path: Path) -> Path:
    pkg = tmp_path / "pkg" / "data"
    shutil.copytree(TINY, pkg)
    return pkg


def _errors(pkg: Path) -> list[tuple]:
    return sorted((p.file, p.row, p.field, p.code) for p in validate_package(pkg, AS_OF) if p.severity == "error")


def _descriptor(pkg: Path, old: str, new: str) -> None:
    p = pkg / "datapackage.yaml"
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


def _replace_id(pkg: Path, old: str, new: str) -> None:
    pat = re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(old)}(?![A-Za-z0-9_-])")
    for p in pkg.glob("*.csv"):
        p.write_text(pat.sub(lambda _m: new, p.read_text(encoding="utf-8")), encoding="utf-8")
    body = pkg / "reports" / f"{old}.md"
    if body.is_file():  # reports/r01.md became reports/<new>.md in reports.csv
        body.rename(pkg / "reports" / f"{new}.md")
    photo = pkg / "photos" / f"{old}.jpg"
    if photo.is_file():  # photos/d01.jpg became photos/<new>.jpg in deputies.csv
        photo.rename(pkg / "photos" / f"{new}.jpg")


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# -- the rule itself ----------------------------------------------------------------------


def test_name_rule():
    for ok in ["d01", "a-town", "R_2022", "x" * 64, "deputies"]:
        assert name_problem(ok) is None, ok
    for bad in UNSAFE_NAMES[:-2] + ["..", ".hidden", "d01\x00", "ｄ０１", "x" * 65, "a/b"]:
        assert name_problem(bad) in ("unsafe", "empty"), bad
    for reserved in ["index", "INDEX", "list", "2022", "0001", "levels", "kind", "area", "all", "activities"]:
        assert name_problem(reserved) == "reserved", reserved


def test_relpath_rule():
    assert relpath_problem("reports/r01.md", (".md",)) is None
    assert relpath_problem("photos/d01.jpg") is None
    for bad in ["../x.md", "reports/../../x.md", "/etc/passwd", "reports//x.md", "./x.md", "a\\b.md", "C:x.md"]:
        assert relpath_problem(bad) == "unsafe", bad
    assert relpath_problem("photos/d01.jpg", (".md",)) == "unsafe"
    assert relpath_problem("") == "empty"


def test_link_rule():
    for ok in ["https://creativecommons.org/licenses/by/4.0/", "http://example.org", "LICENSE.txt", "#licence"]:
        assert safe_link(ok) == ok
    for bad in [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:x",
        "//evil.example/x",
        "/etc/passwd",
        "../../x",
        'https://x.org/"onmouseover="alert(1)',
        "file:///etc/passwd",
        None,
        42,
    ]:
        assert safe_link(bad) == "", bad


# -- item 1: resource names and paths -------------------------------------------------------


@pytest.mark.parametrize("bad", UNSAFE_NAMES)
def test_validator_refuses_unsafe_resource_names(tmp_path, bad):
    pkg = _copy(tmp_path)
    _descriptor(pkg, "  - name: plans\n", f"  - name: {bad!r}\n".replace("'", '"') if bad else '  - name: ""\n')
    got = _errors(pkg)
    assert ("datapackage.yaml", 0, "resources[10].name", "unsafe-name") in got
    # the only other problems: the table "plans" is missing, frictionless' own name check
    assert {c for *_, c in got} <= {"unsafe-name", "resource-missing", "descriptor-invalid"}


@pytest.mark.parametrize("bad", ["../plans.csv", "x/../../plans.csv", "/tmp/plans.csv", "plans.csv/..", "a b.csv"])
def test_validator_refuses_unsafe_resource_paths(tmp_path, bad):
    pkg = _copy(tmp_path)
    _descriptor(pkg, "    path: plans.csv\n", f'    path: "{bad}"\n')
    got = _errors(pkg)
    assert ("datapackage.yaml", 0, "resources[10].path", "unsafe-path") in got
    assert {c for *_, c in got} <= {"unsafe-path", "descriptor-invalid"}


@pytest.mark.parametrize("bad", ["../../../x", "x/../../y", "../deputies", "/tmp/abs"])
def test_unvalidated_build_refuses_unsafe_resource_names(tmp_path, bad):
    """The build's own check: a GeneratorError before anything is written, nothing outside."""
    pkg = _copy(tmp_path)
    _descriptor(pkg, "  - name: deputies\n", f'  - name: "{bad}"\n')
    before = _tree(tmp_path)
    out = tmp_path / "out" / "site"
    with pytest.raises(DescriptorError, match=r"resources\[4\]\.name is refused"):
        build(Options(data_dir=pkg, out=out, validate=False))
    assert _tree(tmp_path) == before  # the package untouched (data/deputies.csv above all), no x.csv


def test_stage_refuses_unsafe_names_and_paths_itself(tmp_path):
    """open_data.stage checks every name and path before the first write, whoever calls it."""
    pkg = _copy(tmp_path)
    _descriptor(pkg, "  - name: deputies\n", '  - name: "../../../escaped"\n')
    package = read_package(pkg, strict=False)
    folder = tmp_path / "work" / "staged" / "data"
    with pytest.raises(open_data.UnsafeDataPath, match="cannot be a file name"):
        open_data.stage(package, pkg, AS_OF, folder)
    assert not (tmp_path / "work").exists()
    assert not list(tmp_path.rglob("escaped*"))

    pkg2 = _copy(tmp_path / "two")
    _descriptor(pkg2, "    path: plans.csv\n", '    path: "../../outside.csv"\n')
    (tmp_path / "two" / "outside.csv").write_text("id\nSECRET\n", encoding="utf-8")
    with pytest.raises(open_data.UnsafeDataPath, match="not a .csv file inside the package"):
        open_data.stage(read_package(pkg2, strict=False), pkg2, AS_OF, folder)
    assert not (tmp_path / "work").exists()


def test_stage_never_reads_a_symlinked_table_outside_the_package(tmp_path):
    pkg = _copy(tmp_path)
    secret = tmp_path / "passwd.csv"
    secret.write_text("id,group_id,year,themes,summary\nTOP-SECRET,g01,2025,x,y\n", encoding="utf-8")
    (pkg / "plans.csv").unlink()
    (pkg / "plans.csv").symlink_to(secret)
    with pytest.raises(open_data.UnsafeDataPath):
        open_data.stage(read_package(pkg), pkg, AS_OF, tmp_path / "staged")


# -- items 1, 2 and 4: ids that name a page of the site ---------------------------------------

ID_ROWS = {
    "d01": ("deputies.csv", 2),
    "s01": ("stations.csv", 2),
    "g01": ("groups.csv", 2),
    "r01": ("reports.csv", 2),
    "sg01": ("suggestions.csv", 2),
    "a-town": ("areas.csv", 3),
    "cy09": ("congresses.csv", 3),
}
RESERVED_CASES = [(v, i) for v in ["index", "list", "2022", "Index", "levels", "all"] for i in ID_ROWS]


@pytest.mark.parametrize("value, old", RESERVED_CASES)
def test_validator_refuses_reserved_ids(tmp_path, value, old):
    pkg = _copy(tmp_path)
    _replace_id(pkg, old, value)
    file, row = ID_ROWS[old]
    assert _errors(pkg) == [(file, row, "id", "reserved-id")]


@pytest.mark.slow
@pytest.mark.parametrize("value, old", [("index", "a-town"), ("index", "d01"), ("index", "r01"), ("list", "sg01")])
def test_unvalidated_build_refuses_reserved_ids(tmp_path, value, old):
    pkg = _copy(tmp_path)
    _replace_id(pkg, old, value)
    out = tmp_path / "out" / "site"
    with pytest.raises(GeneratorError):
        build(Options(data_dir=pkg, out=out, validate=False))
    assert not out.exists()


# -- item 3: links from the descriptor --------------------------------------------------------


@pytest.mark.parametrize("bad", ["javascript:alert(document.domain)", "data:text/html,<b>x</b>", "//evil.example/"])
def test_validator_refuses_unsafe_licence_links(tmp_path, bad):
    pkg = _copy(tmp_path)
    _descriptor(pkg, "path: https://creativecommons.org/licenses/by/4.0/", f'path: "{bad}"')
    assert _errors(pkg) == [("datapackage.yaml", 0, "licenses[0].path", "unsafe-link")]


# -- item 4: what the validator accepts builds ------------------------------------------------


def _mutations():
    """Red-team cases (issue 17): (name, function(pkg)). Each either fails validation or builds."""

    def desc(old, new):
        return lambda pkg: _descriptor(pkg, old, new)

    def rid(old, new):
        return lambda pkg: _replace_id(pkg, old, new)

    def cell(table, old, new):
        def f(pkg):
            p = pkg / f"{table}.csv"
            text = p.read_text(encoding="utf-8")
            assert old in text
            p.write_text(text.replace(old, new, 1), encoding="utf-8")

        return f

    cases = [
        ("name-dotdot", desc("  - name: deputies\n", '  - name: "../../../x"\n')),
        ("name-mid-dotdot", desc("  - name: plans\n", '  - name: "x/../../y"\n')),
        ("path-dotdot", desc("    path: plans.csv\n", '    path: "../plans.csv"\n')),
        ("licence-js", desc("path: https://creativecommons.org/licenses/by/4.0/", 'path: "javascript:alert(1)"')),
        ("licence-relative", desc("path: https://creativecommons.org/licenses/by/4.0/", "path: LICENSE.txt")),
        ("nul-cell", cell("deputies", "快递网点负责人", "快递\x00网点负责人")),
        ("formula-cell", cell("deputies", "快递网点负责人", " =HYPERLINK(1)")),
        ("fullwidth-formula", cell("deputies", "快递网点负责人", "＝1+1")),
    ]
    for old in ID_ROWS:
        for new in ("index", "list", "2022", "levels"):
            cases.append((f"id-{old}-{new}", rid(old, new)))
    return cases


MUTATIONS = _mutations()


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n, _ in MUTATIONS])
def test_valid_means_it_builds(tmp_path, name):
    pkg = _copy(tmp_path)
    dict(MUTATIONS)[name](pkg)
    errors = _errors(pkg)
    out = tmp_path / "out" / "site"
    if errors:
        # refused: the build refuses too (validation on), cleanly and with nothing written
        with pytest.raises(GeneratorError):
            build(Options(data_dir=pkg, out=out, as_of=AS_OF))
        assert not out.exists()
    else:
        build(Options(data_dir=pkg, out=out, as_of=AS_OF))
        assert (out / "index.html").is_file()


@pytest.mark.slow
def test_attack_corpus_in_fields_validates_or_builds(tmp_path):
    """The attack corpus in every free-text field (not the report bodies, which the validator
    rightly refuses): whatever the validator accepts builds."""
    pkg = tmp_path / "data"
    make_attack_package(TINY, pkg, [p for p in load_payloads() if not p.body])
    errors = _errors(pkg)
    if not errors:
        build(Options(data_dir=pkg, out=tmp_path / "site", as_of=AS_OF))
        assert (tmp_path / "site" / "index.html").is_file()
    else:  # only errors of the values themselves (e.g. too long), never of the build
        assert {c for *_, c in errors} <= {"out-of-range", "control-character", "pattern-mismatch"}


# -- item 2: no title reaches the theme's nav, tabs or breadcrumbs unescaped ----------------------


@pytest.mark.slow
def test_hand_written_titles_are_escaped_in_nav_and_tabs(tmp_path):
    """A hand-written page (content/) whose front matter holds markup: Material prints nav and
    tab titles unescaped; theme/partials/{nav,tabs,path}-item.html escape them."""
    import yaml

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "evil").mkdir()
    (content / "evil" / "index.md").write_text(
        "---\ntitle: <img src=x onerror=alert(1)>zqnav\nsubtitle: <b>zqsub</b>\n---\n\n# 页面\n\n正文。\n",
        encoding="utf-8",
    )
    cfg = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    cfg["docs_dir"] = str(content)
    cfg["theme"]["custom_dir"] = str(ROOT / "theme")
    cfg["watch"] = [str(ROOT / w) for w in cfg.get("watch") or []]
    config = tmp_path / "mkdocs.yml"
    config.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "site"
    build(Options(data_dir=TINY, out=out, as_of=AS_OF, config_file=config))
    pages = [p for p in out.rglob("*.html")]
    texts = {p: p.read_text(encoding="utf-8") for p in pages}
    reached = [p for p, t in texts.items() if "zqnav" in t]
    assert len(reached) > 10  # the title is in the nav and tabs of (nearly) every page
    for p, t in texts.items():
        assert "<img src=x" not in t, p
        assert "<b>zqsub" not in t, p


def test_no_record_page_poses_as_a_section_page():
    from generator.pages import PageDoc, UnsafePagePath, checked
    from generator.site_adapter import in_nav

    for path in ["areas/index.md", "deputies/x/index.md", "stations/area/index.md"]:
        with pytest.raises(UnsafePagePath, match="reserved for the site's own pages"):
            checked(PageDoc(path=path, title="<script>", template="", html=""))
        assert not in_nav(path)
    assert in_nav("deputies/index.md") and in_nav("index.md")


# -- item 3: descriptor links on the pages ------------------------------------------------------


def test_licence_pages_never_link_an_unsafe_path(tmp_path):
    """Behind the validator: the open-data and methodology pages drop such a link."""
    from generator.model import load_dataset
    from generator.pages import SiteContext, methodology
    from generator.pages.common import licence_links

    pkg = _copy(tmp_path)
    _descriptor(
        pkg,
        "title: Creative Commons Attribution 4.0\n    path: https://creativecommons.org/licenses/by/4.0/",
        'title: "<img src=x onerror=alert(1)>"\n    path: "javascript:alert(1)"',
    )
    package = read_package(pkg, strict=False)
    assert licence_links(package.raw) == [{"name": "<img src=x onerror=alert(1)>", "path": ""}]
    assert licence_links({"licenses": [{"name": "x", "path": "https://a.example/l"}, "junk"]}) == [
        {"name": "x", "path": "https://a.example/l"}
    ]
    site = SiteContext(ds=load_dataset(pkg, package=package), as_of=AS_OF)
    html = "".join(d.html for d in methodology.pages(site))
    assert "javascript:" not in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


# -- item 5: the formula guard ---------------------------------------------------------------

GUARDED = [" =HYPERLINK(1)", "\n=1+1", "\t=1", "\r\n@SUM(1)", "＝1+1", "＋1", "－1", "＠SUM(A1)", "\u3000＝1", "  -x"]
UNGUARDED = ["-3", "+4.5", "abc", " abc", "快递网点负责人", "", "1-2"]


def test_csv_cell_guards_blanks_and_fullwidth_signs():
    from generator.sanitize import csv_cell

    for v in GUARDED:
        assert csv_cell(v) == "'" + v, repr(v)
    for v in UNGUARDED:
        assert csv_cell(v) == v, repr(v)


def test_open_data_csv_guards_every_formula_form(tmp_path):
    import csv
    import io

    pkg = _copy(tmp_path)
    p = pkg / "deputies.csv"
    rows = list(csv.reader(io.StringIO(p.read_text(encoding="utf-8"))))
    col = rows[0].index("occupation")
    for i, v in enumerate(GUARDED, 1):
        rows[i][col] = v
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    p.write_text(buf.getvalue(), encoding="utf-8")
    folder = tmp_path / "staged"
    open_data.stage(read_package(pkg), pkg, AS_OF, folder)
    with (folder / "deputies.csv").open(encoding="utf-8", newline="") as fh:
        published = list(csv.reader(fh))
    got = [r[published[0].index("occupation")] for r in published[1 : len(GUARDED) + 1]]
    assert got == ["'" + v for v in GUARDED]


# -- item 7: the privacy check sees every published field, in the usual spellings ---------------

PERSONAL = {
    "phone": ["138 1234 5678", "138-1234-5678", "+8613812345678", "+86 138 1234 5678", "１３８１２３４５６７８"],
    "id": ["110101 19900101 1234", "110101-1990-0101-123X", "110101900101123", "１１０１０１１９９００１０１１２３４"],
}
NOT_PERSONAL = ["0730-1234567", "2021-06-01 至 2026-12-31", "共 12345678901234567890 元", "第1 2 3 4 5项"]


def _warnings(pkg: Path) -> list[tuple]:
    return sorted(
        (p.file, p.row, p.field, p.code)
        for p in validate_package(pkg, AS_OF)
        if p.code == "possible-private-data" and p.file != "reports/r02.md"
    )


def _set_cell(pkg: Path, table: str, row: int, column: str, value: str) -> None:
    import csv
    import io

    p = pkg / f"{table}.csv"
    rows = list(csv.reader(io.StringIO(p.read_text(encoding="utf-8"), newline="")))
    if column not in rows[0]:
        rows[0].append(column)
        for r in rows[1:]:
            r.append("")
    rows[row - 1][rows[0].index(column)] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    p.write_text(buf.getvalue(), encoding="utf-8")


@pytest.mark.parametrize("kind, value", [(k, v) for k, vs in PERSONAL.items() for v in vs])
def test_usual_spellings_of_phone_and_id_numbers_are_recognised(tmp_path, kind, value):
    from generator.validate.codes import show_value
    from generator.validate.privacy_checks import classify

    rules = type("R", (), {"office_email_domains": ("gov.cn",)})()
    assert classify(f"联系：{value}。", rules) == [kind]
    assert show_value(value) == "（已隐藏 hidden）"
    pkg = _copy(tmp_path)
    _set_cell(pkg, "deputies", 4, "biography", f"联系方式 {value}")
    assert _warnings(pkg) == [("deputies.csv", 4, "biography", "possible-private-data")]


def test_ordinary_numbers_are_not_personal():
    from generator.validate.privacy_checks import classify

    rules = type("R", (), {"office_email_domains": ("gov.cn",)})()
    for v in NOT_PERSONAL:
        assert classify(v, rules) == [], v


def test_a_field_made_public_is_scanned(tmp_path):
    """`private: true` removed: the model does not know the field, open data publishes it."""
    pkg = _copy(tmp_path)
    _descriptor(
        pkg,
        "{name: personal_phone, title: 个人电话（不公开）, type: string, private: true,",
        "{name: personal_phone, title: 个人电话（不公开）, type: string,",
    )
    _set_cell(pkg, "deputies", 3, "personal_phone", "139-8765-4321")
    assert _warnings(pkg) == [("deputies.csv", 3, "personal_phone", "possible-private-data")]


def test_a_new_public_column_is_scanned(tmp_path):
    pkg = _copy(tmp_path)
    _descriptor(
        pkg,
        "        - {name: biography, title: 简介, type: string, constraints: {maxLength: 2000}}\n",
        "        - {name: biography, title: 简介, type: string, constraints: {maxLength: 2000}}\n"
        "        - {name: contact_phone, title: 联系电话, type: string}\n",
    )
    _set_cell(pkg, "deputies", 5, "contact_phone", "+86 138 1234 5678")
    assert _warnings(pkg) == [("deputies.csv", 5, "contact_phone", "possible-private-data")]


@pytest.mark.parametrize("cell", ["a" * 200_000, "a" * 200_000 + "@", ("x" * 999 + "@") * 200, "1 " * 100_000])
def test_privacy_patterns_are_linear(cell):
    import time

    from generator.validate.codes import show_value
    from generator.validate.privacy_checks import classify

    rules = type("R", (), {"office_email_domains": ("gov.cn",)})()
    t = time.perf_counter()
    classify(cell, rules)
    show_value(cell)
    assert time.perf_counter() - t < 2.0  # was 30 s for the first (quadratic e-mail pattern)


# -- item 6: bounded work for any YAML and any date ---------------------------------------------

_BOMB = "x-bomb:\n  a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"  {chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


@pytest.mark.parametrize(
    "extra, why",
    [
        (_BOMB, "anchors and aliases"),
        ("x-self: &s [*s]\n", "anchors and aliases"),
        ("x-deep: " + "[" * 100_000 + "]" * 100_000 + "\n", "ScannerError"),  # libyaml refuses it first
        ("x-deep: " + "{a: " * 100_000 + "1" + "}" * 100_000 + "\n", "nested more than 64 levels"),
        ('x-data-date: "2200-01-01"\n', "x-data-date must be between 1980-01-01 and 2099-12-31"),
        ("x-data-date: 1900-01-01\n", "x-data-date must be between"),
    ],
)
def test_descriptor_yaml_is_bounded(tmp_path, extra, why):
    pkg = _copy(tmp_path)
    p = pkg / "datapackage.yaml"
    text = "".join(ln for ln in p.read_text(encoding="utf-8").splitlines(True) if not ln.startswith("x-data-date"))
    p.write_text(text + extra, encoding="utf-8")
    problems = validate_package(pkg, AS_OF)
    assert [(q.file, q.row, q.field, q.code) for q in problems] == [("datapackage.yaml", 0, "", "descriptor-invalid")]
    assert why in problems[0].message_en
    with pytest.raises(DescriptorError, match=why):
        build(Options(data_dir=pkg, out=tmp_path / "out" / "site", validate=False))
    assert not (tmp_path / "out" / "site").exists()


@pytest.mark.parametrize(
    "extra, why",
    [
        (_BOMB, "anchors and aliases"),
        ("x-self: &s [*s]\n", "anchors and aliases"),
        ("x-deep: " + "[" * 100_000 + "]" * 100_000 + "\n", "ScannerError"),  # libyaml refuses it first
    ],
)
def test_rules_yaml_is_bounded(tmp_path, extra, why):
    pkg = _copy(tmp_path)
    with (pkg / "rules.yaml").open("a", encoding="utf-8") as f:
        f.write("\n" + extra)
    problems = [q for q in validate_package(pkg, AS_OF) if q.severity == "error"]
    assert [(q.file, q.row, q.field, q.code) for q in problems] == [("rules.yaml", 0, "", "rules-invalid")]
    assert why in problems[0].message_en


def test_as_of_out_of_range_is_a_clear_error(capsys):
    from generator.cli import main
    from generator.options import BadDate

    with pytest.raises(BadDate, match="outside 1980-01-01..2099-12-31"):
        Options(as_of=dt.date(9999, 12, 31))
    for cmd in (["build", "--data", str(TINY)], ["validate", str(TINY)]):
        with pytest.raises(SystemExit) as e:
            main([*cmd, "--as-of", "9999-12-31"])
        assert e.value.code == 2
        assert "outside 1980-01-01..2099-12-31" in capsys.readouterr().err


def test_zip_timestamps_are_clamped(tmp_path):
    import zipfile

    pkg = _copy(tmp_path)
    files = open_data.stage(read_package(pkg), pkg, dt.date(2150, 1, 1), tmp_path / "staged")
    with zipfile.ZipFile(tmp_path / "staged" / open_data.ZIP_NAME) as z:
        assert {i.date_time[:3] for i in z.infolist()} == {(2107, 12, 31)}
    assert files


# -- item 8: symbolic links are followed only inside the package ---------------------------------


def test_a_table_linked_out_of_the_package_is_never_read(tmp_path):
    pkg = _copy(tmp_path)
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:TOP-SECRET:/root:/bin/bash\n", encoding="utf-8")
    (pkg / "plans.csv").unlink()
    (pkg / "plans.csv").symlink_to(secret)
    problems = validate_package(pkg, AS_OF)
    assert [(q.file, q.row, q.field, q.code) for q in problems if q.severity == "error"] == [
        ("plans.csv", 0, "", "link-outside")
    ]
    assert not any("TOP-SECRET" in q.message_en + q.message_zh for q in problems)


def test_a_linked_reports_folder_is_refused(tmp_path):
    pkg = _copy(tmp_path)
    outside = tmp_path / "elsewhere"
    shutil.move(pkg / "reports", outside)
    (pkg / "reports").symlink_to(outside)
    got = _errors(pkg)
    assert got and {c for *_, c in got} == {"link-outside"}
    assert {(f, fld) for f, _r, fld, _c in got} == {("reports.csv", "body")}


def test_links_inside_the_package_are_followed(tmp_path):
    pkg = _copy(tmp_path)
    (pkg / "tables").mkdir()
    shutil.move(pkg / "plans.csv", pkg / "tables" / "plans.csv")
    (pkg / "plans.csv").symlink_to(Path("tables") / "plans.csv")
    assert _errors(pkg) == []
