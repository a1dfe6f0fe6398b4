"""One options object for a build, made by the CLI (or the mkdocs plugin) and passed down.

Environment variables are documented overrides read here only, never deeper in the code:
DEPUTY_SITE_CACHE (the store's folder, or `off`) and DEPUTY_SITE_SPOOL (auto|on|off) for
every build (`from_env`); DEPUTY_SITE_DATA, the data folder of the mkdocs plugin under plain
`mkdocs build`/`serve` (`plugin_data_dir`; `python -m generator serve --data` sets it).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the checkout holding mkdocs.yml
DEFAULT_CACHE = ROOT / ".cache"  # the commands' store (gitignored); library callers get none


# The as-of date (and the descriptor's x-data-date): dates every output can carry (zip and
# gzip timestamps end in 2107 and 2106). Options refuses one outside (issue 17).
FIRST_DATE = dt.date(1980, 1, 1)
LAST_DATE = dt.date(2099, 12, 31)


class BadDate(ValueError):
    """An as-of date outside FIRST_DATE..LAST_DATE (the CLI and the mkdocs plugin turn it
    into their own clean errors)."""


def check_date(day: dt.date | None) -> dt.date | None:
    if day is not None and not FIRST_DATE <= day <= LAST_DATE:
        raise BadDate(f"as-of date {day.isoformat()} is outside {FIRST_DATE.isoformat()}..{LAST_DATE.isoformat()}")
    return day


@dataclass(frozen=True)
class Options:
    data_dir: Path = Path("data")
    out: Path = Path("site")
    as_of: dt.date | None = None
    validate: bool = True
    # processes: "auto" is 2 for sites of `parallel_pages` pages or more, else 1
    jobs: int | str = "auto"
    partition: tuple[int, int] | None = None  # (k 0-based, n): build only partition k of n
    cache_dir: Path | None = None  # the store's folder; None: every build from scratch
    work_dir: Path | None = None  # temp folders of a build (default: beside `out`)
    config_file: Path = ROOT / "mkdocs.yml"
    # The site's public address for absolute links (the posters' QR codes); None: config_file's
    # site_url, read by the pipeline (pipeline/prepare.py).
    site_url: str | None = None
    # Above this many pages a build uses two processes (below, starting and stitching cost more
    # than the second core saves).
    parallel_pages: int = 6000
    # "auto": page bodies wait on disk, not in memory, from this many deputies * 2.5 pages on.
    spool: str = "auto"
    spool_pages: int = 20000
    # From this many report bodies on (and with a second core), a worker turns them into HTML
    # while this process computes the other pages (starting it costs about 0.4 s, ~100 bodies).
    bodies_ahead: int = 300
    # The staff preview (make serve): draft reports get a page each, marked 草稿, and nothing
    # else (no list, search entry, feed, open data or sitemap). Never set for a published build.
    preview: bool = False

    def __post_init__(self) -> None:
        check_date(self.as_of)

    def with_(self, **changes) -> Options:
        return replace(self, **changes)

    @property
    def work(self) -> Path:
        return Path(self.work_dir) if self.work_dir is not None else Path(self.out).resolve().parent


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def from_env(options: Options, environ: dict | None = None) -> Options:
    """Apply the documented environment overrides."""
    env = os.environ if environ is None else environ
    changes: dict = {}
    cache = env.get("DEPUTY_SITE_CACHE", "").strip()
    if cache.lower() in ("off", "0", "no", "false"):
        changes["cache_dir"] = None
    elif cache:
        changes["cache_dir"] = Path(cache)
    spool = env.get("DEPUTY_SITE_SPOOL", "").strip().lower()
    if spool in ("auto", "on", "off"):
        changes["spool"] = spool
    return replace(options, **changes) if changes else options


DATA_ENV = "DEPUTY_SITE_DATA"


def plugin_data_dir(configured: str, environ: dict | None = None) -> Path:
    """The mkdocs plugin's data folder: DEPUTY_SITE_DATA, else its `data_dir` setting."""
    env = os.environ if environ is None else environ
    return Path(env.get(DATA_ENV) or configured)
