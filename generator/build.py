"""`python -m generator build`: validate, compute pages, build into a temp folder, swap in.

The published folder changes only when everything succeeded: mkdocs builds into a sibling
`.site-tmp-XXXX`, the output modules write into the same folder, then the old site is renamed
away, the new one renamed into place and the old one deleted. On any failure the temp folder
is removed and `--out` is left exactly as it was.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from .descriptor import DescriptorError, read_package
from .model import load_dataset
from .pages import PageDoc, SiteContext, collect


class InvalidData(Exception):
    """The data package has errors; str() lists them (never a private value)."""

    def __init__(self, problems: list) -> None:
        self.problems = problems
        lines = [f"{p.location()}: {p.message_zh} / {p.message_en}" for p in problems]
        super().__init__(
            f"数据包有 {len(problems)} 个错误，未发布 / {len(problems)} errors, not published\n" + "\n".join(lines)
        )


def resolve_as_of(cli_value: dt.date | None, package_raw: dict | None) -> dt.date:
    """--as-of, else SOURCE_DATE_EPOCH, else the descriptor's x-data-date, else today."""
    if cli_value:
        return cli_value
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
        except (ValueError, OverflowError, OSError):
            pass
    raw = (package_raw or {}).get("x-data-date")
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            pass
    return dt.date.today()


def _errors(data_dir: Path, as_of: dt.date, keep: dict | None = None) -> list:
    """Errors from the validator (warnings do not block publishing). `keep["ds"]` receives the
    dataset the validator loaded, so the build does not read the package twice."""
    try:
        from .validate import validate_package
    except ImportError:  # validator not installed yet: the descriptor must at least parse
        read_package(data_dir)
        return []
    try:
        problems = validate_package(data_dir, as_of=as_of, keep=keep)
    except TypeError:
        problems = validate_package(data_dir)
    return [p for p in problems if getattr(p, "severity", "error") == "error"]


def _errors_cached(data_dir: Path, as_of: dt.date, package, keep: dict) -> list:
    """_errors, but a package that validated without errors is not validated again while it
    stays the same except for report bodies: then only the reports whose body changed go
    through the body checks (the only checks that read bodies, each body on its own). The
    record is `.cache/validated.json`: a key over the generator's files, the versions, the
    as-of date and every data file except `reports/<id>.md` (their names are in it, so adding
    or removing one validates everything again), plus each body's digest. Any error found,
    or anything else changed: the full validation runs, with its own messages."""
    from . import cache

    root = cache.cache_root()
    try:
        from .validate import body_checks
    except ImportError:
        body_checks = None
    if (
        root is None
        or body_checks is None
        or any(body_checks.BODY_PATH.fullmatch(t.path or "") for t in package.tables.values())
    ):
        return _errors(data_dir, as_of, keep)
    data_root = Path(data_dir).resolve()
    bodies = {}
    for f in sorted(data_root.glob("reports/*.md")):
        rel = f.relative_to(data_root).as_posix()
        if body_checks.BODY_PATH.fullmatch(rel) and not f.is_symlink():
            bodies[os.path.normpath(f)] = rel
    key = cache.hashlib.sha256(
        "\0".join(
            (
                cache.FORMAT,
                "validated",
                cache.generator_tree_digest(),
                cache.versions(),
                as_of.isoformat(),
                str(data_root),
                cache.data_digest(data_root, set(bodies)),
            )
        ).encode("utf-8", "surrogatepass")
    ).hexdigest()
    record = root / "validated.json"
    digests = {rel: cache.file_digest(p) for p, rel in bodies.items()}
    try:
        with open(record, encoding="utf-8") as fh:
            old = json.load(fh)
        valid = isinstance(old, dict) and old.get("key") == key and isinstance(old.get("bodies"), dict)
    except (OSError, ValueError):
        valid = False
    if valid:
        changed = {rel for rel, d in digests.items() if old["bodies"].get(rel) != d}
        ds = load_dataset(data_dir, package=package)
        sub = copy.copy(ds)
        sub.reports = [r for r in ds.reports if r.body in changed]
        problems = [p for check in body_checks.CHECKS for p in check(sub, set())]
        if not any(getattr(p, "severity", "error") == "error" for p in problems):
            keep["ds"] = ds
            if changed:
                _write_record(record, key, digests)
            return []
        keep.clear()
    errors = _errors(data_dir, as_of, keep)
    if not errors:
        _write_record(record, key, digests)
    return errors


def _write_record(record: Path, key: str, digests: dict) -> None:
    from .cache import _atomic_write

    try:
        _atomic_write(record, json.dumps({"key": key, "bodies": digests}).encode())
    except OSError:
        pass


def prepare(
    data_dir: Path, as_of: dt.date | None = None, *, validate: bool = True, collect_fn=None
) -> tuple[SiteContext, list[PageDoc]]:
    """Validate, load and compute every page. Raises InvalidData or DescriptorError.
    `collect_fn(site)` replaces `collect` (generator/partition.py keeps big sites' bodies on disk)."""
    data_dir = Path(data_dir)
    package = read_package(data_dir)
    day = resolve_as_of(as_of, package.raw)
    keep: dict = {}
    if validate:
        errors = _errors_cached(data_dir, day, package, keep)
        if errors:
            raise InvalidData(errors)
    ds = keep.get("ds") or load_dataset(data_dir, package=package)
    # Line numbers only serve validation messages; at province scale the map holds ~10M entries
    # (about 1 GB) that no page needs.
    ds.drop_lines()
    _release_free_memory()
    site = SiteContext(ds=ds, as_of=day)
    return site, (collect_fn or collect)(site)


def _release_free_memory() -> None:
    """Hand freed memory back to the system (glibc keeps freed heap pages otherwise: ~80 MB
    after validation at province scale), so the build's peak does not count it."""
    import gc

    gc.collect()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):
            pass


def publish(site: SiteContext, docs: list[PageDoc], out: Path, render=None) -> list[str]:
    """Build into a temp sibling of `out` and swap it in; `out` is untouched on failure.
    `render(tmp)`, if given, writes the site instead (partitioned or parallel builds)."""
    from . import site_adapter
    from .outputs import write_all

    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".site-tmp-", dir=out.parent))
    old: Path | None = None
    try:
        if render is not None:
            written = render(tmp) or []
        else:
            site_adapter.build_site(site, docs, tmp)
            written = write_all(site, docs, tmp)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=".site-old-", dir=out.parent))
            old.rmdir()
            out.rename(old)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and old.exists() and not out.exists():
            old.rename(out)
        raise
    if old is not None:
        _discard(old)
    return written


def _stale(trash: Path, mine: Path) -> list[str]:
    """Trash left over by a deleter that did not finish (older than ten minutes)."""
    limit = time.time() - 600
    out = []
    for p in trash.iterdir():
        try:
            if p != mine and p.stat().st_mtime < limit:
                out.append(str(p))
        except OSError:
            pass
    return sorted(out)


def _discard(old: Path) -> None:
    """Remove the previous site. With the cache on, it is moved into `.cache/trash/` and
    deleted by a detached process: on a disk mounted with `discard` (this build machine),
    freeing a county site's ~3,300 folders costs seconds that the person waiting for the new
    site should not wait for. The new site is complete before this runs. Elsewhere, or when the
    move fails (another filesystem), it is deleted here."""
    from .cache import cache_root

    root = cache_root()
    if root is not None:
        trash = root / "trash"
        try:
            trash.mkdir(parents=True, exist_ok=True)
            dest = Path(tempfile.mkdtemp(prefix="site-", dir=trash))
            os.replace(old, dest / "old")
        except OSError:
            pass
        else:
            try:
                import subprocess

                subprocess.Popen(
                    [
                        sys.executable,
                        "-c",
                        "import shutil, sys\nfor p in sys.argv[1:]: shutil.rmtree(p, ignore_errors=True)",
                        str(dest),
                        *_stale(trash, dest),
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                    close_fds=True,
                )
                return
            except OSError:
                shutil.rmtree(dest, ignore_errors=True)
                return
    shutil.rmtree(old, ignore_errors=True)


def _site_stats(out: Path) -> tuple[int, int, str]:
    pages = 0
    largest, largest_path = 0, ""
    for root, _dirs, names in os.walk(out):
        for n in names:
            if n.endswith(".html"):
                pages += 1
                p = os.path.join(root, n)
                size = os.path.getsize(p)
                if size > largest:
                    largest, largest_path = size, os.path.relpath(p, out)
    return pages, largest, largest_path


def _on_sigterm_exit():
    """Make SIGTERM raise SystemExit(143) until the returned function is called."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def _exit(signum, _frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, _exit)
    return lambda: signal.signal(signal.SIGTERM, previous)


def command(args) -> int:
    from . import site_adapter
    from .outputs import open_data
    from .partition import BuildPlan

    start = time.monotonic()
    data_dir, out = Path(args.data), Path(args.out)
    # processes, partition K/N and big-site memory (generator/partition.py, docs/scale.md)
    bp = BuildPlan(getattr(args, "jobs", "auto"), getattr(args, "partition", None), Path(out).resolve().parent)
    try:
        site, docs = prepare(data_dir, getattr(args, "as_of", None), collect_fn=bp.collect)
    except DescriptorError as e:
        print(f"错误 error: {e}", file=sys.stderr)
        return 1
    except InvalidData as e:
        print(str(e), file=sys.stderr)
        bp.close()
        return 1
    # SIGTERM (a cancelled CI job, a stopped service) unwinds like Ctrl-C, so publish() removes
    # its temp folder instead of the process dying with it on disk.
    restore = _on_sigterm_exit()
    try:
        publish(site, docs, out, render=bp.render(site, docs))
    except (site_adapter.SiteBuildError, OSError) as e:  # OSError: e.g. disk full
        print(f"构建失败，原网站未改动 / build failed, {out} left untouched: {e}", file=sys.stderr)
        return 1
    finally:
        restore()
        bp.close()
        open_data.discard(site)  # the staged open-data files (already linked into the site)
    pages, largest, largest_path = _site_stats(out)
    took = time.monotonic() - start
    print(
        f"已生成 built {out}: {pages} 个页面 pages ({len(docs)} generated), 最大 largest "
        f"{largest / 1024:.1f} KB ({largest_path}), 截至 as of {site.as_of.isoformat()}, {took:.1f} s"
        + (f", {bp.jobs} processes" if bp.jobs > 1 else "")
        + (f", partition {args.partition}" if bp.part else "")
        + (
            f", {bp.cache_stats['reused']} pages from cache .cache/"
            if bp.cache_stats and bp.cache_stats["reused"]
            else ""
        )
    )
    return 0
