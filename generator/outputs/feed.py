"""feed.xml: an Atom feed of the newest published duty reports.

Titles and summaries are plain text (report Markdown is rendered, sanitised and reduced to
text; ElementTree escapes it), never HTML from a report. Ids and dates come from the data, so
the feed is byte-identical for the same data. Links are relative to the feed's own address
(the site root), so the feed works from any host or sub-path.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

from ..model import Report
from ..pages import PageDoc, SiteContext, urls
from ..sanitize import html_to_text, markdown_to_safe_html, package_path

FEED = "feed.xml"
ENTRIES = 50
SUMMARY_CHARS = 160
ATOM = "http://www.w3.org/2005/Atom"
TZ = "+08:00"  # dates in the data are China dates
MODE_ZH = {"oral": "口头报告", "meeting": "选民会议报告", "written": "书面报告"}
# characters XML 1.0 cannot carry, even escaped
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _stamp(d) -> str:
    return f"{d.isoformat()}T00:00:00{TZ}"


def _id(package_name: str, kind: str, key: str) -> str:
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"deputy-site:{package_name}:{kind}:{key}"))


def newest_reports(site: SiteContext, n: int = ENTRIES) -> list[Report]:
    pub = [r for r in site.ds.reports if r.published and r.date]
    return sorted(pub, key=lambda r: (r.date, r.id), reverse=True)[:n]


def summary(site: SiteContext, r: Report) -> str:
    path = package_path(site.ds.root, r.body)  # never a file outside the package (absolute, "..")
    try:
        body = path.read_text(encoding="utf-8-sig") if path else ""
    except (OSError, UnicodeDecodeError):
        body = ""
    text = html_to_text(markdown_to_safe_html(body)) if body else ""
    return text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS].rstrip() + "…"


def title(site: SiteContext, r: Report) -> str:
    d = site.ds.deputy.get(r.deputy_id)
    name = d.name if d else r.deputy_id
    m = site.ds.mandate.get(r.mandate_id)
    c = site.ds.congress.get(m.congress_id) if m else None
    where = f"（{c.name}）" if c else ""
    return (
        f"{name}代表报告履职情况{where}：{r.date.year}年{r.date.month}月{r.date.day}日，{MODE_ZH.get(r.mode, r.mode)}"
    )


def feed_bytes(site: SiteContext) -> bytes:
    ds = site.ds
    pkg_name = str(ds.package.raw.get("name") or "deputy-site")
    reports = newest_reports(site)
    ET.register_namespace("", ATOM)

    def sub(parent, tag, text=None, **attrs):
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: v for k, v in attrs.items()})
        if text is not None:
            el.text = clean(text)
        return el

    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "zh-CN"})
    sub(feed, "id", _id(pkg_name, "feed", "reports"))
    sub(feed, "title", "人大代表报告履职情况：最新发布")
    sub(
        feed,
        "subtitle",
        f"最新发布的{ENTRIES}份代表报告履职情况" + (f"（{ds.rules.locality}）" if ds.rules.locality else ""),
    )
    sub(feed, "updated", _stamp(reports[0].date if reports else site.as_of))
    sub(feed, "link", rel="self", type="application/atom+xml", href=FEED)
    sub(feed, "link", rel="alternate", type="text/html", href="reports/")
    author = sub(feed, "author")
    sub(author, "name", ds.rules.locality or "人大代表履职公开")
    sub(feed, "generator", "deputy-site")
    for r in reports:
        e = sub(feed, "entry")
        sub(e, "id", _id(pkg_name, "report", r.id))
        sub(e, "title", title(site, r), type="text")
        sub(e, "updated", _stamp(r.date))
        sub(e, "published", _stamp(r.date))
        sub(e, "link", rel="alternate", type="text/html", href=urls.report(r.id))
        d = ds.deputy.get(r.deputy_id)
        a = sub(e, "author")
        sub(a, "name", d.name if d else r.deputy_id)
        s = summary(site, r)
        if s:
            sub(e, "summary", s, type="text")
    ET.indent(feed, space="  ")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def write(site: SiteContext, pages: list[PageDoc], out_dir: Path) -> list[str]:
    (Path(out_dir) / FEED).write_bytes(feed_bytes(site))
    return [FEED]
