"""feed.xml: an Atom feed of the newest published duty reports; and deputies/<id>/feed.xml, one
feed per deputy (issue 14): their published reports, the suggestions they led or co-signed,
and the changes of their report status (the term year a report falls due, overdue, reported,
mandate ended), each dated by the data, up to the as-of date.

Titles and summaries are plain text (report Markdown is rendered, sanitised and reduced to
text; ElementTree escapes it), never HTML from a report. Ids and dates come from the data, so
the feed is byte-identical for the same data. Links are relative to the feed's own address
(the site root), so the feed works from any host or sub-path.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from .. import schedule
from ..model import Deputy, Report
from ..pages import PageDoc, SiteContext, urls
from ..pages.common import LEVEL_DEPUTY_ZH, SUGGESTION_STATUS_ZH
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


def _sub(parent, tag, text=None, **attrs):
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", dict(attrs.items()))
    if text is not None:
        el.text = clean(text)
    return el


def _t(text: str) -> str:
    """Element text: characters XML cannot carry dropped, &, < and > escaped."""
    return escape(clean(text))


def _a(value: str) -> str:
    """An attribute value with its quotes."""
    return quoteattr(clean(value))


def _date_zh(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def status_changes(site: SiteContext, d: Deputy) -> list[tuple]:
    """(date, key, title) of each change of a mandate's report status up to the as-of date, as
    schedule.mandate_status sees it: elected; the first scheduled term year begins (due);
    reported; the last scheduled year ends without a report (overdue); the mandate ends."""
    ds, as_of = site.ds, site.as_of
    out = []
    for m in ds.mandates_of.get(d.id, ()):
        c = ds.congress.get(m.congress_id)
        if c is None:
            continue
        who = f"{c.name}代表"
        if m.start_date <= as_of:
            out.append((m.start_date, f"{m.id}:start", f"当选{who}"))
        st = schedule.mandate_status(ds, m, as_of)
        first = st.reports[0].date if st.reports else None
        if st.scheduled_years:
            due = schedule.term_year_bounds(c, min(st.scheduled_years))[0]
            last = schedule.term_year_bounds(c, max(st.scheduled_years))[1]
            ended = m.end_date is not None and m.end_date <= last
            if due <= as_of and (first is None or first > due) and not (ended and m.end_date < due):
                out.append(
                    (
                        due,
                        f"{m.id}:due",
                        f"报告状态：{who}进入应报告年度（第{min(st.scheduled_years)}年），应向选民或选举单位报告履职",
                    )
                )
            if first is not None and first <= as_of:
                out.append((first, f"{m.id}:reported", f"报告状态：{who}已报告履职"))
            overdue = last + dt.timedelta(days=1)
            if overdue <= as_of and (first is None or first > last) and not ended:
                out.append((overdue, f"{m.id}:overdue", f"报告状态：{who}逾期未报告"))
        if m.end_date and m.end_date <= as_of:
            out.append((m.end_date, f"{m.id}:end", f"{who}资格终止"))
    return out


def deputy_feed_bytes(site: SiteContext, d: Deputy) -> bytes:
    """deputies/<id>/feed.xml. Links are relative to the feed's own address."""
    ds = site.ds
    pkg_name = str(ds.package.raw.get("name") or "deputy-site")
    here = urls.deputy_feed(d.id)

    entries = []  # (date, kind, key, title, link, summary)
    for r in ds.reports_of.get(d.id, ()):
        if r.published and r.date:
            # no summary: rendering every body again would cost more than all the feeds (the
            # site-wide feed has them); the title names the date and the kind of report
            entries.append((r.date, "report", r.id, title(site, r), urls.report(r.id), ""))
    led = {s.id for s in ds.suggestions_led.get(d.id, ())}
    signed = [x.suggestion_id for x in ds.cosigned_by.get(d.id, ())]
    for sid in sorted(led | set(signed)):
        s = ds.suggestion.get(sid)
        if s is None:
            continue
        role = "领衔提出" if sid in led else "联名提出"
        state = SUGGESTION_STATUS_ZH.get(s.status, s.status)
        entries.append((s.date, "suggestion", s.id, f"{role}：{s.title}", urls.suggestion(s.id), f"办理状态：{state}"))
    for day, key, text in status_changes(site, d):
        entries.append((day, "status", key, text, "#m-" + key.split(":")[0], ""))
    entries.sort(key=lambda e: (e[0], e[1], e[2]), reverse=True)

    levels = "、".join(
        dict.fromkeys(
            LEVEL_DEPUTY_ZH.get(c.level, "")
            for m in ds.mandates_of.get(d.id, ())
            if (c := ds.congress.get(m.congress_id))
        )
    )
    # Written as text, not through ElementTree: one feed per deputy (130,000 at province
    # scale), and serialising element trees took 5x as long. Every value passes _t/_a.
    subtitle = f"{d.name}（{levels or '人大代表'}）：报告履职情况、议案建议和报告状态的变化，截至{_date_zh(site.as_of)}"
    root = urls.rel(here, "")  # "../.."
    page = urls.rel(here, urls.deputy(d.id))  # "./": the feed sits in the page's folder
    out = [
        "<?xml version='1.0' encoding='utf-8'?>",
        f'<feed xmlns="{ATOM}" xml:lang="zh-CN">',
        f"  <id>{_id(pkg_name, 'deputy-feed', d.id)}</id>",
        f"  <title>{_t(d.name + '代表的履职动态')}</title>",
        f"  <subtitle>{_t(subtitle)}</subtitle>",
        f"  <updated>{_stamp(max((e[0] for e in entries), default=site.as_of))}</updated>",
        '  <link rel="self" type="application/atom+xml" href="feed.xml" />',
        '  <link rel="alternate" type="text/html" href="./" />',
        f"  <author>\n    <name>{_t(d.name)}</name>\n  </author>",
        "  <generator>deputy-site</generator>",
    ]
    for day, kind, key, text, url, summ in entries:
        stamp = _stamp(day)
        # a status change points at the mandate on the deputy's page
        link = page + url if url.startswith("#") else f"{root}/{url}"
        out += [
            "  <entry>",
            f"    <id>{_id(pkg_name, kind, key)}</id>",
            f'    <title type="text">{_t(text)}</title>',
            f"    <updated>{stamp}</updated>",
            f"    <published>{stamp}</published>",
            f'    <link rel="alternate" type="text/html" href={_a(link)} />',
        ]
        if summ:
            out.append(f'    <summary type="text">{_t(summ)}</summary>')
        out.append("  </entry>")
    out.append("</feed>\n")
    return "\n".join(out).encode("utf-8")


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
