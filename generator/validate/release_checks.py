"""`validate --release`: nothing of the demo goes live. Fails while a placeholder remains:
the example.org site address (canonical links, sitemap, feed, print header), the 虚构/演示 footer
or description in mkdocs.yml, the about page's demo paragraph, and a data package still marked
fictional or titled 虚构/演示 (the locality shown on every page).

Reads mkdocs.yml and the pages folder it names (docs_dir) line by line, without YAML tags
(mkdocs.yml may hold !!python/name tags, which are never loaded here), and the descriptor.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..descriptor import find_descriptor
from ..problems import Problem
from .codes import problem

PLACEHOLDER_HOSTS = re.compile(r"(?:^|[/.@])(?:example\.(?:org|com|net)|localhost|127\.0\.0\.1)(?:[:/]|$)", re.I)
DEMO_WORDS = re.compile(r"虚构|演示|示例数据|fictional|\bdemo\b", re.I)
_KEY = re.compile(r"^(site_url|site_description|site_name|copyright|docs_dir)\s*:\s*(.*?)\s*$")


def _text(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    except OSError:
        return []


def config_problems(config: Path) -> tuple[list[Problem], str]:
    """Placeholders in mkdocs.yml, and its docs_dir."""
    out: list[Problem] = []
    docs_dir = "docs"
    for no, line in enumerate(_text(config), 1):
        m = _KEY.match(line)
        if not m:
            continue
        key, value = m.group(1), m.group(2).strip("'\"")
        if key == "docs_dir":
            docs_dir = value or docs_dir
        elif key == "site_url" and (not value or PLACEHOLDER_HOSTS.search(value)):
            out.append(
                problem(
                    "release-placeholder",
                    config.name,
                    no,
                    key,
                    what_zh="网站地址仍是示例地址",
                    what_en="the site address is still the example one",
                )
            )
        elif key != "site_url" and DEMO_WORDS.search(value):
            out.append(
                problem(
                    "release-placeholder",
                    config.name,
                    no,
                    key,
                    what_zh="仍写着“虚构/演示”",
                    what_en="still says fictional/demo",
                )
            )
    return out, docs_dir


def release_problems(data_dir: Path, config: Path) -> list[Problem]:
    """Every demo placeholder left in the site's configuration, pages and data package."""
    out, docs_dir = config_problems(config)
    about = config.parent / docs_dir / "about.md"
    for no, line in enumerate(_text(about), 1):
        if DEMO_WORDS.search(line):
            rel = f"{docs_dir}/about.md"
            out.append(
                problem(
                    "release-placeholder",
                    rel,
                    no,
                    "",
                    what_zh="关于页面仍有演示说明",
                    what_en="the about page still describes the demo",
                )
            )
    desc = find_descriptor(data_dir) if data_dir.is_dir() else None
    if desc is not None:
        for no, line in enumerate(_text(desc), 1):
            s = line.strip()
            if re.match(r"^x-fictional\s*:\s*true\b", s, re.I):
                out.append(
                    problem(
                        "release-placeholder",
                        desc.name,
                        no,
                        "x-fictional",
                        what_zh="数据包仍标记为虚构数据",
                        what_en="the package is still marked fictional",
                    )
                )
            elif (
                not line.startswith((" ", "\t", "-"))
                and re.match(r"^(title|description)\s*:", s)
                and DEMO_WORDS.search(s)
            ):
                key = s.split(":", 1)[0]
                out.append(
                    problem(
                        "release-placeholder",
                        desc.name,
                        no,
                        key,
                        what_zh="数据包名称或说明仍写着“虚构/演示”",
                        what_en="the package's title or description still says fictional/demo",
                    )
                )
            elif (
                line.startswith("  ")
                and not line.startswith("   ")
                and no > 1
                and DEMO_WORDS.search(s)
                and _in_top_description(_text(desc), no)
            ):
                out.append(
                    problem(
                        "release-placeholder",
                        desc.name,
                        no,
                        "description",
                        what_zh="数据包说明仍写着“虚构/演示”",
                        what_en="the package's description still says fictional/demo",
                    )
                )
    return out


def _in_top_description(lines: list[str], no: int) -> bool:
    """Line `no` continues the top-level `description:` (a folded block)."""
    for i in range(no - 2, -1, -1):
        line = lines[i]
        if line and not line.startswith(" "):
            return line.startswith("description:")
    return False
