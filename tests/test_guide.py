"""The staff guide works when copied: code blocks render as blocks (also inside list items),
every `make` target it names exists, and no command needs an activated virtualenv
(`python -m generator …` fails on a fresh machine; `make …` or `.venv/bin/python` works)."""

from __future__ import annotations

import re
from pathlib import Path

import markdown

ROOT = Path(__file__).resolve().parent.parent
GUIDE = sorted((ROOT / "content" / "guide").glob("*.md"))
MKDOCS_DEFAULT = ["toc", "tables", "fenced_code"]  # mkdocs.yml adds no markdown_extensions


def test_code_blocks_render_as_blocks():
    for page in GUIDE:
        html = markdown.markdown(page.read_text(encoding="utf-8"), extensions=MKDOCS_DEFAULT)
        inline = [c for c in re.findall(r"<code>(.*?)</code>", html, re.S) if "\n" in c and "<pre>" not in c]
        broken = [c for c in inline if f"<pre><code>{c}</code></pre>" not in html]
        assert broken == [], page.name
    html = markdown.markdown((ROOT / "content/guide/index.md").read_text(encoding="utf-8"), extensions=MKDOCS_DEFAULT)
    assert "<pre><code>sudo apt update\nsudo apt install -y python3 python3-venv make git\n</code></pre>" in html


def test_commands_work_on_a_fresh_machine():
    targets = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M))
    named = set()
    for page in GUIDE:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"(?:^\s*|`)make ([a-z][a-z-]*)", text, re.M):
            assert target in targets, (page.name, target)
            named.add(target)
        assert not re.search(r"(?<![/\w])python -m generator", text), page.name
    assert {"validate", "import", "export", "new-report", "import-report", "site", "serve"} <= named
