"""The data dictionary: generated from the descriptor, rules and code catalogue; the committed
docs/data-dictionary.md must match a fresh generation (run `make dictionary` to update)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from generator import dictionary
from generator.descriptor import read_package
from generator.model import load_dataset
from generator.pages import SiteContext
from generator.pages import dictionary as dictionary_page

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"


def test_committed_dictionary_is_current(county_demo):
    fresh = dictionary.generate(county_demo)
    committed = (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    assert committed == fresh, "docs/data-dictionary.md is stale: run `make dictionary` and commit it"


def test_every_table_field_and_code_is_documented(county_demo):
    text = dictionary.generate(county_demo)
    pkg = read_package(county_demo)
    for t in pkg.tables.values():
        assert f"### {dictionary.table_zh(t)} `{t.name}`" in text
        for f in t.fields:
            assert f"| `{f.name}` | {f.title} |" in text
    for c in dictionary.code_catalogue():
        assert f"| `{c['code']}` |" in text
    for code in dictionary.import_codes():
        assert f"| `{code['code']}` |" in text
    # private fields are marked in their own column
    for line in text.splitlines():
        if line.startswith(("| `id_card_number`", "| `personal_phone`", "| `home_address`")):
            assert "| 不公开 |" in line


def test_enum_meanings_and_popolo_mapping(county_demo):
    pkg = read_package(county_demo)
    assert dictionary.enum_labels(pkg.tables["deputies"].field("gender")) == {"male": "男", "female": "女"}
    assert dictionary.enum_labels(pkg.tables["congresses"].field("level")) == {
        "national": "全国",
        "provincial": "省",
        "city": "市",
        "county": "县",
        "township": "乡镇",
    }
    assert dictionary.enum_labels(pkg.tables["reports"].field("state")) == {
        "draft": "草稿（不发布）",
        "published": "已发布",
    }
    assert dictionary.enum_labels(pkg.tables["deputies"].field("name")) == {}
    assert (
        dictionary.popolo_mapping(pkg.tables["areas"].description)
        == "Popolo Area: id, name, classification, parent_id."
    )


def test_rules_section_follows_the_rules_file():
    text = dictionary.generate(TINY)
    assert "| `county` | `voters` | `meeting`, `written` | 10, 11, 12 |" in text
    assert "- 连任代表 `re_elected`: 第1年" in text
    assert "- 其他代表 `other`: 第3年、第4年" in text


def test_site_page():
    site = SiteContext(load_dataset(TINY), dt.date(2026, 6, 1))
    docs = list(dictionary_page.pages(site))
    assert [(d.path, d.url, d.title, d.template) for d in docs] == [
        ("data-dictionary.md", "data-dictionary/", "数据字典", "dictionary.html")
    ]
    html = docs[0].html
    assert "<table>" in html and "<h2>数据表 / Tables</h2>" in html
    assert "<code>deputies</code>" in html and "<code>id_card_number</code>" in html
    assert "<h1>" not in html and "<script" not in html
    assert (ROOT / "theme" / "dictionary.html").is_file()


def test_tables_and_fields_are_described_in_chinese_first(county_demo):
    pkg = read_package(county_demo)
    text = dictionary.generate(county_demo)
    for t in pkg.tables.values():
        zh = dictionary.TABLE_DESCRIPTION_ZH.get(t.name, "")
        assert re.search(r"[\u4e00-\u9fff]", zh), f"no Chinese description for table {t.name}"
        assert f"- 说明 description: {zh} / {t.description.strip()}" in text
        for f in t.fields:
            fzh = dictionary.FIELD_DESCRIPTION_ZH.get((t.name, f.name), "")
            assert re.search(r"[\u4e00-\u9fff]", fzh), f"no Chinese description for {t.name}.{f.name}"
            expected = f"{fzh} / {f.description}" if f.description else fzh
            assert dictionary.field_description(t, f) == expected
    # no description left for a table or field the descriptor does not have
    names = {(t.name, f.name) for t in pkg.tables.values() for f in t.fields}
    assert set(dictionary.FIELD_DESCRIPTION_ZH) <= names
    assert set(dictionary.TABLE_DESCRIPTION_ZH) <= set(pkg.tables)
    # a field row: title, then the Chinese description before the English one
    assert (
        "| `gender` | 性别 | 文本 string | 必填 |  |  | `male` 男；`female` 女 | 性别 / male=男, female=女 (Popolo Person.gender) |"
        in text
    )
    assert "### 代表 `deputies`\n\n- 文件 file: `deputies.csv`\n- 说明 description: 一位代表（一个人）" in text
