"""Posters (扫码见代表): one printable A4 page per liaison station and per serving deputy, for
the station's wall. Each carries a QR code to the station's or the deputy's page on the public
site (its absolute address: mkdocs.yml's site_url + the page's URL), and the station's
address, reception hours and office phone.

The QR code is encoded by segno and drawn here as inline SVG (no image file, nothing from
another host); for big sites a worker encodes them ahead (SiteContext.qr_codes).
Posters are left out of the search index: they repeat the station and deputy pages word for
word, so a search would list every station and deputy twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import segno
from markupsafe import Markup, escape

from ..model import Station
from . import PageDoc, SiteContext, urls
from .common import core, is_current, render_section, tel_href
from .stations import NO_LEVEL, _by_level

# segno would try all eight masks and keep the best-scoring one (about 4 ms a code, 6 s at
# county scale for ~1,400 posters); every mask is a valid code that any reader decodes, so
# one fixed mask keeps the build fast (about 1 ms a code).
QR_MASK = 2
QR_ERROR = "m"  # 15 % of the code may be soiled or torn; segno raises it when the size allows
QR_BORDER = 4  # the quiet zone the standard asks for, in modules


def qr_code(target: str) -> segno.QRCode:
    """The QR code a poster prints for `target` (an absolute URL)."""
    return segno.make(target, error=QR_ERROR, mask=QR_MASK, micro=False)


_DARK_RUN = re.compile(rb"\x01+")


def qr_drawing(target: str) -> str:
    """`target`'s QR code as "<size> <path data>": segno encodes; the path is written here from
    segno's matrix, one stroke per run of dark modules, three times faster than segno's own SVG
    writer. About 0.8 ms a code: a worker makes them ahead for big sites (qr_targets)."""
    matrix = qr_code(target).matrix
    n = len(matrix) + 2 * QR_BORDER
    d = "".join(
        f"M{m.start() + QR_BORDER} {y + QR_BORDER}.5h{m.end() - m.start()}"
        for y, row in enumerate(matrix)
        for m in _DARK_RUN.finditer(row)
    )
    return f"{n} {d}"


def qr_svg(target: str, label: str, drawing: str | None = None) -> Markup:
    """`target`'s QR code as inline SVG (no XML declaration, no fixed size: CSS sizes it),
    with `label` as its accessible name (escaped here); `drawing` is qr_drawing(target) when
    it was made ahead."""
    n, d = (drawing or qr_drawing(target)).split(" ", 1)
    return Markup(
        f'<svg role="img" aria-label="{escape(label)}" viewBox="0 0 {n} {n}" class="ds-poster__code">'
        f'<path fill="#fff" d="M0 0h{n}v{n}h-{n}z"/><path stroke="#000" d="{d}"/></svg>'
    )


def qr_targets(site: SiteContext) -> list[str]:
    """Every address a poster's QR code points to, as `pages` makes them: what a worker
    encodes ahead (pipeline/prepare.py) while this process computes the other pages."""
    if not site.site_url:
        return []
    out = [absolute(site, urls.station(st.id)) for st in sorted(site.ds.stations, key=lambda s: s.id)]
    out += [
        absolute(site, urls.deputy(d.id))
        for d in sorted(site.ds.deputies, key=lambda d: d.id)
        if has_poster(site, d.id)
    ]
    return out


def absolute(site: SiteContext, url: str) -> str:
    """The public address of the page at site URL `url`, or "" when no site_url is set."""
    return site.site_url + url if site.site_url else ""


def _station_facts(st: Station) -> dict:
    return {"st": st, "tel": tel_href(st.office_phone)}


def _levels(site: SiteContext, st: Station) -> list[tuple[str, int]]:
    """Deputies working from the station now, counted by their highest level, as the
    station's page counts them (those without a running mandate left out)."""
    current = [
        sm for sm in site.ds.members_of_station.get(st.id, ()) if is_current(sm.start_date, sm.end_date, site.as_of)
    ]
    return [(label, len(ids)) for label, ids in _by_level(site, current) if label != NO_LEVEL]


def _poster(
    site: SiteContext, here: str, page: str, name: str, qr_label: str, meta: dict, source: str, **facts
) -> PageDoc:
    """The poster page `here` for the page `page` of `name` (a station or a deputy); `facts`
    are the template's own (kind, roles, stations, levels, dense, what)."""
    target = absolute(site, page)
    html = render_section(
        "sec_poster.html",
        title=name,
        target=target,
        qr=qr_svg(target, qr_label, site.qr_codes(target) if site.qr_codes else None) if target else None,
        back=urls.rel(here, page),
        back_label=name,
        as_of=site.as_of,
        **facts,
    )
    return PageDoc(
        path=urls.src(here),
        title=f"{name}（海报）",
        template="poster.html",
        html=html,
        # a print copy: search engines get the page itself
        meta={"kind": "poster", **meta, "hide": ["navigation", "toc"], "sitemap": False},
        search=None,
        source=source,
    )


def station_poster(site: SiteContext, st: Station) -> PageDoc:
    return _poster(
        site,
        urls.station_poster(st.id),
        urls.station(st.id),
        st.name,
        f"二维码：{st.name}的网页",
        {"station_id": st.id, "description": f"{st.name}的可打印海报：扫码见代表。"},
        "stations.csv",
        kind="station",
        roles=[],
        stations=[_station_facts(st)],
        levels=_levels(site, st),
        dense=False,
        what="本站进站代表名单、活动和接待情况",
    )


def deputy_poster(site: SiteContext, deputy_id: str) -> PageDoc | None:
    """The poster of a deputy serving on the as-of date, else None (no poster)."""
    ds = site.ds
    d = ds.deputy.get(deputy_id)
    mandates = core(site).current_mandates(deputy_id)
    if d is None or not mandates:
        return None
    members = sorted(
        (sm for sm in ds.stations_of.get(d.id, ()) if is_current(sm.start_date, sm.end_date, site.as_of)),
        key=lambda sm: (sm.start_date, sm.station_id),
    )
    stations = [_station_facts(ds.station[sm.station_id]) for sm in members if sm.station_id in ds.station]
    return _poster(
        site,
        urls.deputy_poster(d.id),
        urls.deputy(d.id),
        d.name,
        f"二维码：代表{d.name}的网页",
        {"deputy_id": d.id, "description": f"人大代表{d.name}的可打印海报：扫码见代表。"},
        "deputies.csv",
        kind="deputy",
        roles=[f"{ds.congress[m.congress_id].name}代表" for m in mandates],
        stations=stations,
        levels=[],
        # one seat and two stations still fit the large layout (the print rules in posters.css)
        dense=len(mandates) + 2 * len(stations) > 5,
        what="代表的履职报告、议案建议和联系方式",
    )


def has_poster(site: SiteContext, deputy_id: str) -> bool:
    """Whether `deputy_id` gets a poster: a mandate running on the as-of date, as the deputy
    page counts it (common.Core), so its link to the poster never leads nowhere."""
    return bool(core(site).current_mandates(deputy_id))


def pages(site: SiteContext) -> Iterable[PageDoc]:
    for st in sorted(site.ds.stations, key=lambda s: s.id):
        yield station_poster(site, st)
    for d in sorted(site.ds.deputies, key=lambda d: d.id):
        doc = deputy_poster(site, d.id)
        if doc is not None:
            yield doc
