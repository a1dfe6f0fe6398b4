"""The pipeline: prepare (read, validate, stage, compute pages) → render (the mkdocs adapter,
in the worker pool for big sites, from the store for unchanged pages) → outputs → publish
(swap the finished folder in). The only layer that knows all the others; the CLI and the
mkdocs entry point (generator/plugin.py) call it."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from ..options import Options
from ..pages import PageDoc, SiteContext
from .prepare import InvalidData, Prepared, prepare, resolve_as_of
from .run import Result, build, write_outputs

__all__ = ["InvalidData", "Prepared", "Result", "build", "pages", "prepare", "resolve_as_of", "write_outputs"]


def pages(
    data_dir: str | Path, as_of: dt.date | None = None, *, validate: bool = True
) -> tuple[SiteContext, list[PageDoc]]:
    """The site context and every page of a package, computed in a throwaway work folder
    with no store (tests, the benchmark's naive build, the search bench)."""
    with tempfile.TemporaryDirectory(prefix="deputy-pages-") as work:
        prep = prepare(Options(data_dir=Path(data_dir), as_of=as_of, validate=validate, spool="off"), Path(work))
    return prep.site, prep.docs
