"""The naive way, for comparison: plain mkdocs-material with every page a Markdown file.

`python -m bench.naive DATA PROJECT` writes a plain mkdocs project: one Markdown file per page
our generator makes (the page title as a heading, the same body as an HTML block, so both
builds publish the same content), the home and section index pages in the nav and every other
page out of it, Material's theme in Chinese and Material's built-in search plugin with
`lang: zh` (which segments Chinese with jieba when jieba is installed — it is, pinned in the
test extra). The benchmark then times `mkdocs build` of that project; writing the Markdown
files is not counted (a naive project keeps them as its source).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import yaml

MKDOCS_YML = {
    "site_name": "人大代表履职公开（naive）",
    "site_url": "https://deputies.example.org/",
    "use_directory_urls": True,
    "theme": {"name": "material", "language": "zh", "font": False},
    "plugins": [{"search": {"lang": "zh"}}],
    # every generated page outside the nav is expected: do not list them in the log
    "not_in_nav": "/*\n",
}


def write_project(data_dir: Path, project: Path) -> int:
    from generator.pipeline import pages
    from generator.site_adapter import in_nav

    _site, docs = pages(data_dir, validate=False)
    if project.exists():
        shutil.rmtree(project)
    docs_dir = project / "docs"
    nav = []
    for doc in docs:
        p = docs_dir / doc.path
        p.parent.mkdir(parents=True, exist_ok=True)
        title = doc.title.replace("\n", " ")
        heading = "" if "<h1" in doc.html else f"# {title}\n\n"
        p.write_text(f"{heading}<div>\n{doc.html}\n</div>\n", encoding="utf-8")
        if in_nav(doc.path):
            nav.append({title: doc.path})
    cfg = dict(
        MKDOCS_YML, nav=sorted(nav, key=lambda d: (next(iter(d.values())) != "index.md", next(iter(d.values()))))
    )
    (project / "mkdocs.yml").write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return len(docs)


if __name__ == "__main__":
    n = write_project(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"naive project: {n} Markdown pages in {sys.argv[2]}")
