"""The `deputy-site` mkdocs plugin (entry point), so the stack's own commands work:
`mkdocs build`, `mkdocs serve` and `mkdocs gh-deploy` on the project's mkdocs.yml give the
same files as `make site`, or stop with a Chinese and English message and a non-zero exit.

Under `make site` the pipeline hands the plugin its pages (`preload`) and this class only
renders (generator/site_adapter.py). Under mkdocs' own commands nothing was handed over, so
the plugin runs the pipeline itself: `on_config` reads, validates, stages and computes the
pages (an invalid package stops the build before anything is written) and points mkdocs at a
fresh folder in a work folder beside the site; `on_post_build` writes every other file there
(open data, feed, search index…) and swaps the finished folder in, so a failed build never
leaves a partial site.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError

from .errors import GeneratorError
from .options import DEFAULT_CACHE, Options, check_date, from_env, plugin_data_dir
from .pipeline import write_outputs
from .pipeline.prepare import prepare
from .pipeline.publish import Workspace, swap_in
from .pipeline.run import on_sigterm_exit
from .pipeline.serve import PREVIEW_ENV, error_page
from .site_adapter import SitePlugin, source_date_epoch


class DeputySitePlugin(SitePlugin):
    def __init__(self) -> None:
        super().__init__()
        self._standalone: dict | None = None
        self._refused: GeneratorError | None = None  # preview only: why the data was refused

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self._refused = None
        if self.docs is None:
            self._prepare(config)
            if self._refused is not None:
                return config
        return super().on_config(config)

    # While the preview shows refused data, mkdocs builds nothing but the error page.
    def on_files(self, files, config: MkDocsConfig):
        if self._refused is not None:
            return type(files)([])
        return super().on_files(files, config)

    def _prepare(self, config: MkDocsConfig) -> None:
        base = Path(config.config_file_path).resolve().parent
        data_dir = plugin_data_dir(self.config.data_dir)
        if not data_dir.is_absolute():
            data_dir = base / data_dir
        try:
            as_of = check_date(dt.date.fromisoformat(self.config.as_of)) if self.config.as_of else None
        except ValueError:
            raise PluginError(f"deputy-site: as_of 不是日期 / is not a date: {self.config.as_of!r}") from None
        site_dir = Path(config.site_dir).resolve()
        # only in a preview: mkdocs serve builds into its own mkdtemp("mkdocs_") folder, so an
        # exported DEPUTY_SITE_PREVIEW never puts drafts (or the error page) into `mkdocs build`
        preview = os.environ.get(PREVIEW_ENV) == "1" and Path(config.site_dir).name.startswith("mkdocs_")
        opts = from_env(
            Options(
                data_dir=data_dir,
                out=site_dir,
                as_of=as_of,
                validate=self.config.validate_data,
                jobs=1,
                cache_dir=DEFAULT_CACHE,
                config_file=Path(config.config_file_path).resolve(),
                preview=preview,
            )
        )
        ws = Workspace(opts.work).__enter__()
        restore = on_sigterm_exit()
        try:
            prep = prepare(opts, ws.dir)
        except GeneratorError as e:
            ws.__exit__(None, None, None)
            restore()
            if preview:
                # the preview stays up and shows why in the browser (on_post_build); a fix reloads it
                # printed, not logged: a logged error aborts a strict build
                print(
                    f"错误 error: 数据包未通过，网站未更新；浏览器中列出了要改的地方 / data refused, the browser lists the problems:\n{e}",
                    file=sys.stderr,
                    flush=True,
                )
                self._refused = e
                config.watch.append(str(data_dir))
                return
            raise PluginError(f"deputy-site: 数据包未通过，网站未改动 / not built, site left untouched:\n{e}") from None
        self.preload(prep.site, prep.docs, html_loader=prep.loader)
        self._standalone = {"ws": ws, "prep": prep, "out": site_dir, "restore": restore}
        # mkdocs writes into a fresh folder; on_post_build swaps it in when everything is there
        config.site_dir = str(ws.folder("site"))
        os.environ["SOURCE_DATE_EPOCH"] = str(source_date_epoch(prep.site.as_of))
        config.watch.append(str(data_dir))

    def on_post_build(self, config: MkDocsConfig) -> None:
        if self._refused is not None:
            page = error_page(self._refused).encode("utf-8")
            site = Path(config.site_dir)
            for name in ("index.html", "404.html"):  # every other address is a 404 answered with it
                (site / name).write_bytes(page)
            return
        super().on_post_build(config)
        st = self._standalone
        if st is None:
            return
        try:
            write_outputs(st["prep"], Path(config.site_dir))
            swap_in(Path(config.site_dir), st["out"], st["ws"].folder("trash"))
        finally:
            config.site_dir = str(st["out"])  # gh-deploy publishes config.site_dir next
            self._finish()

    def on_build_error(self, error: Exception) -> None:
        if self._standalone is not None:
            self._finish()

    def _finish(self) -> None:
        st, self._standalone = self._standalone, None
        if st is not None:
            st["ws"].__exit__(None, None, None)
            st["restore"]()
