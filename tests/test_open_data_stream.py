"""The open data staged on disk (generator/outputs/open_data.py `stage`, popolo.py `stage`):
the files, the zip and popolo.json are byte for byte what the in-memory code wrote
(tests/test_open_data_stream_ref.py keeps it), staged here or by a worker of the pool, with
the store off, cold and warm; the open-data page shows their sizes; the site's files share
their bytes with nothing that outlives the build; no staging folder outlives the build, and a
staging task that fails (or is still running when the build fails) fails the build cleanly."""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import test_open_data_stream_ref as ref
from site_tree import tree

from generator import workers
from generator.descriptor import read_package
from generator.model import load_dataset
from generator.options import Options
from generator.outputs import open_data, popolo
from generator.pages import PAGE_MODULES, Published, SiteContext, opendata
from generator.pipeline import build, prepare
from generator.pipeline.publish import Workspace
from generator.pipeline.run import command
from generator.store import Store

HERE = Path(__file__).parent
TINY = HERE / "fixtures" / "tiny"
AS_OF = dt.date(2026, 11, 20)
PHOTO = bytes(range(256)) * 40


def _words(n: int, seed: int) -> str:
    rnd = random.Random(seed)
    vocab = ["代表", "选民", "报告", "履职", "建议", "会议", "联络站", "群众", "意见", "落实", "调研", "走访"]
    return "".join(rnd.choice(vocab) + ("。\n" if rnd.random() < 0.1 else "，") for _ in range(n))


@pytest.fixture
def data(tmp_path) -> Path:
    """The tiny package plus what exercises every path: a photo, a long body, formula and
    quoted cells, and a table that is not valid UTF-8 (published as its header only). Not
    valid (the broken table), so builds of it skip validation."""
    d = tmp_path / "data"
    shutil.copytree(TINY, d)
    # tiny's d01 has photos/d01.jpg; here any bytes do (the open data copies the file as it is)
    assert ",虚构农业合作社理事长,photos/d01.jpg," in (d / "deputies.csv").read_text(encoding="utf-8")
    (d / "photos" / "d01.jpg").write_bytes(PHOTO)
    body = d / "reports" / "r01.md"
    body.write_text(body.read_text(encoding="utf-8") + "\n" + _words(40_000, 1), encoding="utf-8")
    sugg = d / "suggestions.csv"
    text = sugg.read_text(encoding="utf-8")
    assert "建议简化审批流程。" in text
    sugg.write_text(text.replace("建议简化审批流程。", '"=HYPERLINK(""x"")，""引号""\n换行"'), encoding="utf-8")
    contacts = d / "contacts.csv"
    contacts.write_bytes(contacts.read_bytes() + b"\xff\xfe,broken\r\n")
    return d


def _reference(data: Path) -> dict[str, bytes]:
    """What the in-memory code wrote into data/, popolo.json included."""
    site = SiteContext(load_dataset(data), AS_OF)
    files = ref.build_files(site)
    out = dict(files)
    out[open_data.ZIP_NAME] = ref.zip_bytes(site, files)
    out["popolo.json"] = ref.popolo_json(site).encode("utf-8")
    return out


def _package_only(expected: dict[str, bytes]) -> dict[str, bytes]:
    return {rel: b for rel, b in expected.items() if rel != "popolo.json"}


def _published(expected: dict[str, bytes]) -> dict[str, Published]:
    """The Published record of each file of the package (rows of the tables from the descriptor)."""
    descriptor = json.loads(expected[open_data.DESCRIPTOR])
    rows = {f"{r['name']}.csv": r["x-rows"] for r in descriptor["resources"]}
    return {
        rel: Published(len(b), hashlib.sha256(b).hexdigest(), rows.get(rel))
        for rel, b in _package_only(expected).items()
    }


def _published_data(site_dir: Path) -> dict[str, bytes]:
    """The site's data/ folder without its page (data/index.html, the open-data page)."""
    return {rel: b for rel, b in tree(site_dir / "data").items() if rel != "index.html"}


def _options(data: Path, out: Path, **kw) -> Options:
    return Options(data_dir=data, out=out, as_of=AS_OF, validate=False, **{"jobs": 1, "cache_dir": None, **kw})


def test_reference_covers_the_awkward_cases(data):
    files = _reference(data)
    assert "photos/d01.jpg" in files and len(files["reports/r01.md"]) > 200_000
    assert files["contacts.csv"] == files["contacts.csv"].split(b"\r\n")[0] + b"\r\n"  # header only
    assert b"'=HYPERLINK" in files["suggestions.csv"]
    assert "reports/r05.md" not in files  # the draft


def test_staged_files_are_byte_identical_to_the_in_memory_code(data, tmp_path, monkeypatch):
    # small chunks, so tables are written, members copied into the zip and the long body
    # compressed in many pieces (as at province scale)
    monkeypatch.setattr(open_data, "_CHUNK", 4096)
    expected = _reference(data)
    staged = tmp_path / "staged"
    files = open_data.stage(read_package(data), data.resolve(), AS_OF, staged / open_data.OUT)
    assert files == _published(expected)
    assert tree(staged / open_data.OUT) == _package_only(expected)
    site = SiteContext(load_dataset(data), AS_OF)
    assert popolo.stage(site, staged) == Published(len(expected["popolo.json"]), "")
    assert (staged / "popolo.json").read_bytes() == expected["popolo.json"]

    # placed into a site: hard links to the staged files, nothing copied
    out = tmp_path / "site"
    written = open_data.place(staged / open_data.OUT, files, out)
    assert written == sorted(f"data/{rel}" for rel in files)
    open_data.link(staged / "popolo.json", out / popolo.OUTPUT_PATH)
    assert tree(out / "data") == expected
    for rel in expected:
        src = staged / (rel if rel == "popolo.json" else f"{open_data.OUT}/{rel}")
        assert os.path.samefile(src, out / "data" / rel), rel


def test_placing_again_replaces_the_files_and_never_writes_through(data, tmp_path):
    """A file already in the site (a hard link to an earlier staging) is replaced, never
    written through: the earlier staged copy keeps its bytes."""
    expected = _package_only(_reference(data))
    package = read_package(data)
    first = open_data.stage(package, data.resolve(), AS_OF, tmp_path / "one")
    out = tmp_path / "site"
    open_data.place(tmp_path / "one", first, out)
    with open(data / "reports" / "r02.md", "a", encoding="utf-8") as f:
        f.write("\n改过的正文。\n")
    second = open_data.stage(package, data.resolve(), AS_OF, tmp_path / "two")
    assert second["reports/r02.md"] != first["reports/r02.md"]
    open_data.place(tmp_path / "two", second, out)
    assert tree(tmp_path / "one") == expected  # the first staging is unchanged
    assert tree(out / "data") == tree(tmp_path / "two") != expected
    assert os.path.samefile(tmp_path / "two" / "reports" / "r02.md", out / "data" / "reports" / "r02.md")
    # staging again into the same folder: the same bytes, the old files replaced
    again = open_data.stage(package, data.resolve(), AS_OF, tmp_path / "one")
    assert again == second and tree(tmp_path / "one") == tree(tmp_path / "two")
    assert tree(out / "data") == tree(tmp_path / "two")
    # create() replaces a file that is a hard link, the other name keeps its bytes
    (tmp_path / "a").write_bytes(b"old")
    os.link(tmp_path / "a", tmp_path / "b")
    with open_data.create(tmp_path / "b") as f:
        f.write(b"new")
    assert (tmp_path / "a").read_bytes() == b"old" and (tmp_path / "b").read_bytes() == b"new"


@pytest.mark.slow
def test_a_build_publishes_the_reference_files_with_the_store_off_cold_and_warm(data, tmp_path):
    expected = _reference(data)
    runs = {"off": None, "cold": tmp_path / "store", "warm": tmp_path / "store"}
    for run, store in runs.items():
        out = tmp_path / "pub" / run
        result = build(_options(data, out, cache_dir=store))
        assert _published_data(out) == expected, run
        assert result.prepared.site.open_data == _published(expected), run
        assert result.prepared.site.popolo_size == len(expected["popolo.json"])
        # the staged files went away with the build: nothing else shares the site's bytes, so a
        # file of the site written through can change nothing another build uses
        assert {(out / "data" / rel).stat().st_nlink for rel in expected} == {1}, run
    assert sorted(p.name for p in (tmp_path / "pub").iterdir()) == ["cold", "off", "warm"]
    assert (
        "opendata" in build(_options(data, tmp_path / "pub" / "warm", cache_dir=runs["warm"])).prepared.stats["reused"]
    )


@pytest.mark.slow
def test_a_published_file_changed_through_a_site_is_not_reused(data, tmp_path):
    store = tmp_path / "store"
    expected = _reference(data)
    build(_options(data, tmp_path / "a", cache_dir=store))
    with open(tmp_path / "a" / "data" / "reports" / "r02.md", "r+b") as f:
        f.write(b"XX")
    with open(tmp_path / "a" / "data" / "datapackage.zip", "r+b") as f:
        f.write(b"XX")
    build(_options(data, tmp_path / "b", cache_dir=store))
    assert _published_data(tmp_path / "b") == expected


def test_the_page_shows_the_sizes_of_the_published_files(data, tmp_path):
    expected = _reference(data)
    site = SiteContext(load_dataset(data), AS_OF)
    site.open_data = open_data.stage(read_package(data), data.resolve(), AS_OF, tmp_path / "staged" / "data")
    site.popolo_size = popolo.stage(site, tmp_path / "staged").size
    [page] = list(opendata.pages(site))
    html = page.html
    size = opendata.human_size
    assert (
        f'<a href="datapackage.zip" download>完整数据包（zip）</a>，{size(len(expected["datapackage.zip"]))}：' in html
    )
    assert f"数据包说明文件 datapackage.json</a>，{size(len(expected['datapackage.json']))}：" in html
    assert f"Popolo 格式（popolo.json）</a>，{size(len(expected['popolo.json']))}：" in html
    bodies = [rel for rel in expected if rel.startswith("reports/")]
    assert f"报告正文：{len(bodies)} 个 Markdown 文件，共 {size(sum(len(expected[b]) for b in bodies))}" in html
    assert "、1 张照片。" in html
    assert (
        f'<td data-label="文件"><a href="deputies.csv">deputies.csv</a></td><td class="sec-num" data-label="行数">10</td>'
        f'<td class="sec-num" data-label="大小">{size(len(expected["deputies.csv"]))}</td>'
    ) in html
    assert (
        '<td data-label="文件"><a href="contacts.csv">contacts.csv</a></td><td class="sec-num" data-label="行数">0</td>'
        in html
    )
    # without the Popolo export the page does not offer it
    site.popolo_size = None
    [page] = list(opendata.pages(site))
    assert "popolo.json" not in page.html


def test_a_table_is_streamed_in_chunks_with_the_same_bytes(tmp_path, monkeypatch):
    """Many chunks (small ones here), formula cells, short rows, and a table that turns out
    unreadable after many chunks were already written."""
    monkeypatch.setattr(open_data, "_CHUNK", 4096)
    rnd = random.Random(7)
    lines = ["id,body,state,extra"]
    for i in range(5_000):
        body = rnd.choice(["=1+1", "+86", "-x", "@a", "普通文本", '含"引号"', "含,逗号", "多\n行"])
        cells = [
            f"r{i}",
            f'"{body.replace(chr(34), chr(34) * 2)}"' if rnd.random() < 0.5 else body.replace("\n", " "),
            rnd.choice(["published", "draft", " published "]),
        ]
        lines.append(",".join(cells if i % 7 else cells[:2]))
    raw = tmp_path / "t.csv"
    raw.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    header, text_fields = ["id", "body", "state", "missing"], {"body"}
    keep = lambda r: r.get("state", "").strip() == "published"  # noqa: E731
    for kept in (None, keep):
        want, n, values = ref._table(raw, header, text_fields, kept, "body")
        assert len(want) > 10 * open_data._CHUNK
        staged, got_values = open_data._table(raw, header, text_fields, tmp_path / "out.csv", kept, "body")
        assert (tmp_path / "out.csv").read_bytes() == want
        assert (staged, got_values) == (Published(len(want), hashlib.sha256(want).hexdigest(), n), values)
    raw.write_bytes(raw.read_bytes() + b"\xff,\xfe\r\n")
    want, n, values = ref._table(raw, header, text_fields, None, "body")
    staged, got_values = open_data._table(raw, header, text_fields, tmp_path / "out.csv", None, "body")
    assert want == b"\xef\xbb\xbfid,body,state,missing\r\n" and (tmp_path / "out.csv").read_bytes() == want
    assert (staged, got_values) == (Published(len(want), hashlib.sha256(want).hexdigest(), 0), [])


def test_the_zip_is_compressed_in_chunks_with_the_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(open_data, "_CHUNK", 4096)
    folder = tmp_path / "data"
    (folder / "reports").mkdir(parents=True)
    contents = {
        "big.csv": _words(60_000, 3).encode("utf-8"),
        "a.csv": b"id\r\n",
        "empty.csv": b"",
        "reports/r1.md": "正文".encode(),
    }
    assert len(contents["big.csv"]) > 100 * open_data._CHUNK
    files = {}
    for rel, b in contents.items():
        (folder / rel).write_bytes(b)
        files[rel] = Published(len(b), hashlib.sha256(b).hexdigest())
    want = ref.zip_bytes(SiteContext(ds=None, as_of=AS_OF), contents)
    for _ in range(2):  # a zip already there is replaced
        staged = open_data._write_zip(folder, files, AS_OF)
        got = (folder / open_data.ZIP_NAME).read_bytes()
        assert got == want
        assert staged == Published(len(want), hashlib.sha256(want).hexdigest())
    with zipfile.ZipFile(io.BytesIO(got)) as zf:
        assert {n: zf.read(n) for n in zf.namelist()} == contents
        assert {i.date_time for i in zf.infolist()} == {(2026, 11, 20, 0, 0, 0)}


def test_popolo_stream_is_the_old_export(data, tmp_path):
    site = SiteContext(load_dataset(data), AS_OF)
    buf = io.BytesIO()
    n = popolo.stream(site, buf)
    want = ref.popolo_json(site).encode("utf-8")
    assert buf.getvalue() == want and n == len(want)
    assert popolo.dumps(popolo.build(site)) == ref.popolo_json(site)
    assert popolo.stage(site, tmp_path) == Published(len(want), "")
    assert (tmp_path / "popolo.json").read_bytes() == want


def test_no_staging_folder_is_left_after_a_build(tmp_path):
    out = tmp_path / "pub" / "site"
    assert command(Options(data_dir=TINY, out=out, as_of=AS_OF, jobs=1)) == 0
    assert (out / "data" / "datapackage.zip").is_file() and (out / "data" / "popolo.json").is_file()
    assert sorted(p.name for p in (tmp_path / "pub").iterdir()) == ["site"]


# -- staged by a worker of the pool ----------------------------------------------------------------

# generator/workers.py Pool.close(cancel=True) can hang for ever after a failed build (it kills
# workers that may hold the task queue's lock, then waits for the others): builds that fail
# with the pool running run in a subprocess with a bounded wait, and a hang is reported as
# this known failure.
POOL_HANG = "a failed build hung (the pool must never wait for a killed worker)"

# A build in a fresh interpreter with Pool.submit spied on (and open_data.stage, when argv[3]
# names a function of this module, replaced in the worker by it); prints what was submitted.
DRIVER = """
import json, sys
from pathlib import Path
import test_open_data_stream as t
from generator import workers
from generator.outputs import open_data, popolo
from generator.pipeline.run import command
data, out, swap, pid_file = sys.argv[1:5]
swap = getattr(t, swap) if swap != "-" else None
submitted = []
real = workers.Pool.submit
def submit(pool, fn, *args):
    submitted.append(f"{fn.__module__}.{fn.__qualname__}")
    return real(pool, swap if fn is open_data.stage and swap is not None else fn, *args)
workers.Pool.submit = submit
if pid_file != "-":
    popolo.stage = lambda site, folder: t._popolo_fails_once_the_worker_runs(folder, Path(pid_file))
rc = command(t._options(Path(data), Path(out), jobs=2))
print(json.dumps({"rc": rc, "submitted": submitted}))
"""


def _bounded(*args: str, timeout: float = 180) -> tuple[subprocess.CompletedProcess, dict]:
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER, *map(str, args)],
        cwd=HERE.parent,
        env={**os.environ, "PYTHONPATH": str(HERE)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the build and its workers
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(POOL_HANG)
    result = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    lines = out.strip().splitlines()
    return result, json.loads(lines[-1]) if lines else {}


def _stage_no_space(package, root, as_of, folder, store=None):
    folder.mkdir(parents=True)
    (folder / "deputies.csv").write_bytes(b"half")
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder / "reports.csv"))


def _stage_slowly(package, root, as_of, folder, store=None):
    folder.mkdir(parents=True)
    (folder.parent / "worker.pid").write_text(str(os.getpid()))
    time.sleep(120)


def _popolo_fails_once_the_worker_runs(folder: Path, pid_file: Path):
    """popolo.stage in the build's process: fails once the staging worker (_stage_slowly,
    staging into folder/data meanwhile) runs, noting the worker's pid in `pid_file`."""
    pid = folder / "worker.pid"
    deadline = time.monotonic() + 60
    while not pid.is_file() and time.monotonic() < deadline:
        time.sleep(0.05)
    pid_file.write_text(pid.read_text())
    raise OSError(errno.EIO, "simulated failure")


@pytest.mark.slow
def test_with_a_pool_the_package_is_staged_by_a_worker_with_the_same_bytes(data, tmp_path, monkeypatch):
    submitted: list[str] = []
    real = workers.Pool.submit
    monkeypatch.setattr(
        workers.Pool,
        "submit",
        lambda p, fn, *a: submitted.append(f"{fn.__module__}.{fn.__qualname__}") or real(p, fn, *a),
    )
    expected = _reference(data)
    opts = _options(data, tmp_path / "site", jobs=2, spool="off")
    with Workspace(tmp_path / "work") as ws, workers.Pool(2) as pool:
        prep = prepare(opts, ws.dir, pool)
        assert submitted == ["generator.outputs.open_data.stage"]
        assert prep.site.open_data == _published(expected)
        assert tree(prep.staged / open_data.OUT) == _package_only(expected)
        assert (prep.staged / "popolo.json").read_bytes() == expected["popolo.json"]
    assert list((tmp_path / "work").iterdir()) == []
    # and a whole build that way (rendering in the pool too) publishes the same files
    submitted.clear()
    result = build(opts)
    assert submitted[0] == "generator.outputs.open_data.stage"
    assert submitted.count("generator.pipeline.parallel.render_job") == 2
    assert result.jobs == 2
    assert _published_data(tmp_path / "site") == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "site", "work"]


@pytest.fixture
def published(tmp_path) -> tuple[Path, dict[str, bytes]]:
    """A site already published, which a failed build must leave as it is."""
    out = tmp_path / "pub" / "site"
    out.mkdir(parents=True)
    (out / "index.html").write_text("published", encoding="utf-8")
    return out, tree(out)


def _no_space_message(out: Path) -> str:
    return f"构建失败，原网站未改动 / build failed, {out} left untouched: No space left on device\n"


@pytest.mark.slow
def test_a_staging_failure_fails_the_build_and_leaves_nothing(data, published, monkeypatch, capsys):
    out, before = published
    monkeypatch.setattr(open_data, "stage", _stage_no_space)
    assert command(_options(data, out)) == 1
    assert capsys.readouterr().err == _no_space_message(out)
    assert tree(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["site"]


@pytest.mark.slow
def test_a_staging_failure_in_a_worker_fails_the_build_and_leaves_nothing(data, published):
    out, before = published
    r, record = _bounded(data, out, "_stage_no_space", "-")
    assert (r.returncode, record.get("rc")) == (0, 1), r.stderr
    assert r.stderr == _no_space_message(out)
    assert record["submitted"][0] == "generator.outputs.open_data.stage"
    assert tree(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["site"]


@pytest.mark.slow
def test_a_failed_build_stops_a_staging_worker_still_running(data, published, tmp_path):
    out, before = published
    pid_file = tmp_path / "worker.pid"
    start = time.monotonic()
    r, record = _bounded(data, out, "_stage_slowly", pid_file, timeout=90)
    assert time.monotonic() - start < 90  # not the worker's 120 s
    assert (r.returncode, record.get("rc")) == (0, 1), r.stderr
    assert r.stderr == f"构建失败，原网站未改动 / build failed, {out} left untouched: simulated failure\n"
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert tree(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["site"]


# -- what the open-data page's stored PageDocs depend on ---------------------------------------------


def test_the_open_data_page_is_keyed_by_the_staged_files_and_records_no_file(tmp_path):
    """generator/pipeline/incremental.py keys the open-data page (NEEDS = ("open_data",)) by the
    staged files' sizes and digests: a published body's edit computes it again, a draft's does
    not; the page records no file as read (staged files are gone after the build)."""
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    store = Store(tmp_path / "store")
    opts = Options(data_dir=data, out=tmp_path / "site", as_of=AS_OF, cache_dir=store.root, spool="off")

    def run():
        with Workspace(tmp_path / "work") as ws:
            prep = prepare(opts, ws.dir)
        return prep

    first = run()
    entries = {}
    for k in store.keys("modules"):
        entry = json.loads(store.get("modules", k))
        entries[entry["docs"][0]["path"]] = [p for p, _ in entry["inputs"]]
    assert entries["data/index.md"] == []
    assert entries["reports/index.md"] == sorted(os.path.realpath(data / "reports" / f"r0{i}.md") for i in range(1, 5))
    assert run().stats["reused"] == PAGE_MODULES

    with open(data / "reports" / "r05.md", "a", encoding="utf-8") as f:  # the draft: not published
        f.write("\n草稿补充。\n")
    assert run().stats == {"computed": [], "reused": PAGE_MODULES, "updated": {}}

    with open(data / "reports" / "r02.md", "a", encoding="utf-8") as f:
        f.write("\n补充：新增一段。\n")
    edited = run()
    assert edited.stats["computed"] == ["opendata"]
    assert edited.stats["updated"] == {"reports": ["reports/r02.md"]}
    new = next(d for d in edited.docs if d.path == "data/index.md")
    assert edited.site.open_data["reports/r02.md"].size > first.site.open_data["reports/r02.md"].size
    zip_size = opendata.human_size(edited.site.open_data[open_data.ZIP_NAME].size)
    assert f'<a href="datapackage.zip" download>完整数据包（zip）</a>，{zip_size}：' in new.html
