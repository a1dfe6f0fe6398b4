"""The open data staged on disk (generator/outputs/open_data.py, popolo.py): the files, the zip
and popolo.json are byte for byte what the in-memory code wrote before
(tests/test_open_data_stream_ref.py keeps it), with the build cache off, cold and warm; the
open-data page shows their sizes; the staging folder never outlives the build, a forked
process never removes it, and a failing staging process falls back to staging here."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import io
import json
import multiprocessing as mp
import os
import random
import shutil
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
import test_open_data_stream_ref as ref

from generator import cache
from generator.build import command
from generator.model import load_dataset
from generator.outputs import open_data, popolo
from generator.pages import SiteContext, opendata

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
    quoted cells, and a table that is not valid UTF-8 (published as its header only)."""
    d = tmp_path / "data"
    shutil.copytree(TINY, d)
    (d / "photos").mkdir()
    (d / "photos" / "d01.jpg").write_bytes(PHOTO)
    deputies = d / "deputies.csv"
    text = deputies.read_text(encoding="utf-8")
    assert ",虚构农业合作社理事长,," in text
    deputies.write_text(
        text.replace(",虚构农业合作社理事长,,", ",虚构农业合作社理事长,photos/d01.jpg,", 1), encoding="utf-8"
    )
    body = d / "reports" / "r01.md"
    body.write_text(body.read_text(encoding="utf-8") + "\n" + _words(40_000, 1), encoding="utf-8")
    sugg = d / "suggestions.csv"
    text = sugg.read_text(encoding="utf-8")
    assert "建议简化审批流程。" in text
    sugg.write_text(text.replace("建议简化审批流程。", '"=HYPERLINK(""x"")，""引号""\n换行"'), encoding="utf-8")
    contacts = d / "contacts.csv"
    contacts.write_bytes(contacts.read_bytes() + b"\xff\xfe,broken\r\n")
    return d


def _site(data: Path, work: Path) -> SiteContext:
    site = SiteContext(load_dataset(data), AS_OF)
    site.work_dir = work
    return site


def _reference(data: Path) -> dict[str, bytes]:
    """What the in-memory code wrote into data/, popolo.json included."""
    site = SiteContext(load_dataset(data), AS_OF)
    files = ref.build_files(site)
    out = dict(files)
    out[open_data.ZIP_NAME] = ref.zip_bytes(site, files)
    out["popolo.json"] = ref.popolo_json(site).encode("utf-8")
    return out


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".site-opendata-")) if folder.is_dir() else []


def test_reference_covers_the_awkward_cases(data):
    files = _reference(data)
    assert "photos/d01.jpg" in files and len(files["reports/r01.md"]) > 200_000
    assert files["contacts.csv"] == files["contacts.csv"].split(b"\r\n")[0] + b"\r\n"  # header only
    assert b"'=HYPERLINK" in files["suggestions.csv"]
    assert "reports/r05.md" not in files  # the draft


@pytest.mark.parametrize("cache_mode", ["off", "on"])
def test_staged_files_are_byte_identical_to_the_in_memory_code(data, tmp_path, monkeypatch, cache_mode):
    monkeypatch.setenv("DEPUTY_SITE_CACHE", "off" if cache_mode == "off" else str(tmp_path / "cache"))
    # small chunks and a small limit for kept members, so that tables are written, members
    # copied into the zip and the long body compressed in many pieces (as at province scale)
    monkeypatch.setattr(open_data, "_CHUNK", 4096)
    monkeypatch.setattr(open_data._Store, "MAX_MEMBER", 100_000)
    expected = _reference(data)
    replays = []

    class CountingReplay(open_data._Replay):
        def __init__(self, raw: bytes) -> None:
            replays.append(len(raw))
            super().__init__(raw)

    monkeypatch.setattr(open_data, "_Replay", CountingReplay)
    work = tmp_path / "work"
    for run in ("cold", "warm"):
        site = _site(data, work)
        [page] = list(opendata.pages(site))  # stages the package and popolo.json
        stage = open_data.staging_dir(site)
        out = tmp_path / f"site-{run}"
        written = open_data.write(site, [], out) + popolo.write(site, [], out)
        assert sorted(written) == sorted(f"data/{rel}" for rel in expected)
        assert _tree(out / "data") == expected, run
        # the site holds hard links to the staged files, which the manifest describes
        m = open_data.manifest(site)
        assert sorted(m.files) == sorted(rel for rel in expected if rel != "popolo.json")
        descriptor = json.loads(expected[open_data.DESCRIPTOR])
        rows = {f"{r['name']}.csv": r["x-rows"] for r in descriptor["resources"]}
        for rel, staged in m.files.items():
            assert (staged.size, staged.sha256, staged.rows) == (
                len(expected[rel]),
                hashlib.sha256(expected[rel]).hexdigest(),
                rows.get(rel),
            ), rel
            assert os.path.samefile(m.folder / rel, out / "data" / rel), rel
        assert os.path.samefile(stage / "popolo" / "popolo.json", out / "data" / "popolo.json")
        assert popolo.size(site) == len(expected["popolo.json"])
        open_data.discard(site)
        assert not stage.exists() and _leftovers(work) == []
        assert _tree(out / "data") == expected  # the site keeps its files
        if cache_mode == "on" and run == "cold":
            assert replays == []
    if cache_mode == "on":  # the warm run reused the compressed bytes of every member but the long body
        members = [rel for rel in expected if rel not in ("popolo.json", open_data.ZIP_NAME)]
        assert len(expected["reports/r01.md"]) > 100_000
        assert len(replays) == len(members) - 1 and len(replays) > 10
    else:
        assert replays == []


def test_writing_without_a_page_writes_straight_into_the_site(data, tmp_path, monkeypatch):
    monkeypatch.setenv("DEPUTY_SITE_CACHE", "off")
    expected = _reference(data)
    work = tmp_path / "work"
    site = _site(data, work)
    out = tmp_path / "site"
    open_data.write(site, [], out)
    popolo.write(site, [], out)
    assert _tree(out / "data") == expected
    assert _leftovers(work) == [] and open_data._STATE not in site.__dict__  # nothing staged
    # written twice into the same folder: the same bytes (and no staged file written through)
    open_data.write(site, [], out)
    assert _tree(out / "data") == expected


def test_the_page_shows_the_sizes_of_the_published_files(data, tmp_path, monkeypatch):
    monkeypatch.setenv("DEPUTY_SITE_CACHE", "off")
    expected = _reference(data)
    site = _site(data, tmp_path / "work")
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
        f'<td><a href="deputies.csv">deputies.csv</a></td><td class="sec-num">10</td>'
        f'<td class="sec-num">{size(len(expected["deputies.csv"]))}</td>'
    ) in html
    assert '<td><a href="contacts.csv">contacts.csv</a></td><td class="sec-num">0</td>' in html
    open_data.discard(site)


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
        assert (staged.size, staged.sha256, staged.rows, got_values) == (
            len(want),
            hashlib.sha256(want).hexdigest(),
            n,
            values,
        )
    raw.write_bytes(raw.read_bytes() + b"\xff,\xfe\r\n")
    want, n, values = ref._table(raw, header, text_fields, None, "body")
    staged, got_values = open_data._table(raw, header, text_fields, tmp_path / "out.csv", None, "body")
    assert want == b"\xef\xbb\xbfid,body,state,missing\r\n" and (tmp_path / "out.csv").read_bytes() == want
    assert (staged.size, staged.sha256, staged.rows, got_values) == (len(want), hashlib.sha256(want).hexdigest(), 0, [])


def test_a_member_too_big_to_keep_is_compressed_in_chunks_with_the_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(open_data, "_CHUNK", 4096)
    monkeypatch.setattr(open_data._Store, "MAX_MEMBER", 100_000)
    folder = tmp_path / "data"
    folder.mkdir()
    contents = {"big.csv": _words(60_000, 3).encode("utf-8"), "a.csv": b"id\r\n", "empty.csv": b""}
    assert len(contents["big.csv"]) > open_data._Store.MAX_MEMBER
    files = {}
    for rel, b in contents.items():
        (folder / rel).write_bytes(b)
        files[rel] = open_data.Staged(len(b), hashlib.sha256(b).hexdigest())
    site = SimpleNamespace(as_of=AS_OF)
    want = ref.zip_bytes(site, contents)
    for store in (None, open_data._Store(tmp_path / "cache"), open_data._Store(tmp_path / "cache")):
        staged = open_data._write_zip(folder, files, AS_OF, store)
        got = (folder / open_data.ZIP_NAME).read_bytes()
        assert got == want
        assert (staged.size, staged.sha256) == (len(want), hashlib.sha256(want).hexdigest())
    with zipfile.ZipFile(io.BytesIO(got)) as zf:
        assert {n: zf.read(n) for n in zf.namelist()} == contents


def test_popolo_stream_is_the_old_export(data):
    site = SiteContext(load_dataset(data), AS_OF)
    buf = io.BytesIO()
    n = popolo.stream(site, buf)
    want = ref.popolo_json(site).encode("utf-8")
    assert buf.getvalue() == want and n == len(want)
    assert popolo.dumps(popolo.build(site)) == ref.popolo_json(site)


def test_no_staging_folder_is_left_after_a_build(tmp_path, monkeypatch):
    monkeypatch.setenv("DEPUTY_SITE_CACHE", "off")
    out = tmp_path / "pub" / "site"
    assert command(SimpleNamespace(data=str(TINY), out=str(out), as_of=AS_OF)) == 0
    assert (out / "data" / "datapackage.zip").is_file() and (out / "data" / "popolo.json").is_file()
    assert _leftovers(out.parent) == []


def test_the_staging_folder_goes_with_the_site_context(tmp_path, monkeypatch):
    monkeypatch.setenv("DEPUTY_SITE_CACHE", "off")
    site = _site(TINY, tmp_path / "work")
    folder = open_data.manifest(site).folder.parent
    assert folder.is_dir() and folder.parent == tmp_path / "work"
    del site
    gc.collect()
    assert not folder.exists()


def _forked(target, *args) -> int:
    p = mp.get_context("fork").Process(target=target, args=args)
    p.start()
    p.join()
    return p.exitcode


def _discard_and_return(site) -> None:
    open_data.discard(site)  # then multiprocessing ends the process with os._exit


def _discard_and_exit(site) -> None:
    open_data.discard(site)
    os._exit(0)


def test_a_forked_process_never_removes_the_parents_staging_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("DEPUTY_SITE_CACHE", "off")
    site = _site(TINY, tmp_path / "work")
    m = open_data.manifest(site)
    popolo.size(site)
    before = _tree(m.folder.parent)
    assert _forked(_discard_and_return, site) == 0
    assert _forked(_discard_and_exit, site) == 0
    assert _tree(m.folder.parent) == before
    open_data.discard(site)
    assert not m.folder.exists()


def test_a_big_package_is_staged_by_another_process(data, tmp_path, monkeypatch):
    monkeypatch.setenv("DEPUTY_SITE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(open_data, "BIG_PACKAGE_BYTES", 0)
    expected = _reference(data)
    site = _site(data, tmp_path / "work")
    open_data.start(site)
    stage = site.__dict__[open_data._STATE]
    assert stage.proc is not None
    m = open_data.manifest(site)
    assert stage.proc is None and m.folder == stage.dir / "data"  # joined, its files used
    assert _tree(m.folder) == {rel: b for rel, b in expected.items() if rel != "popolo.json"}
    assert {rel: (s.size, s.sha256) for rel, s in m.files.items()} == {
        rel: (len(b), hashlib.sha256(b).hexdigest()) for rel, b in expected.items() if rel != "popolo.json"
    }
    open_data.discard(site)
    assert _leftovers(tmp_path / "work") == []


# what a staging process that dies half-way (killed for memory, say) leaves behind
_DIES = (
    "import sys, pathlib; d = pathlib.Path(sys.argv[2]).parent / 'data'; d.mkdir(); "
    "(d / 'deputies.csv').write_bytes(b'half'); sys.exit(1)"
)


def test_a_failing_staging_process_falls_back_to_staging_here(data, tmp_path, monkeypatch):
    monkeypatch.setenv("DEPUTY_SITE_CACHE", "off")
    monkeypatch.setattr(open_data, "BIG_PACKAGE_BYTES", 0)
    monkeypatch.setattr(open_data, "_CHILD_CODE", _DIES)
    expected = _reference(data)
    site = _site(data, tmp_path / "work")
    open_data.start(site)
    m = open_data.manifest(site)
    assert _tree(m.folder) == {rel: b for rel, b in expected.items() if rel != "popolo.json"}
    open_data.discard(site)

    def no_space(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(open_data, "_stage_package", no_space)
    site = _site(data, tmp_path / "work")
    open_data.start(site)
    with pytest.raises(OSError, match="No space left"):  # as a build without the other process fails
        open_data.manifest(site)
    open_data.discard(site)
    assert _leftovers(tmp_path / "work") == []


def test_discarding_stops_a_staging_process_still_running(data, tmp_path, monkeypatch):
    monkeypatch.setenv("DEPUTY_SITE_CACHE", "off")
    monkeypatch.setattr(open_data, "BIG_PACKAGE_BYTES", 0)
    monkeypatch.setattr(open_data, "_CHILD_CODE", "import time; time.sleep(60)")
    site = _site(data, tmp_path / "work")
    open_data.start(site)
    proc = site.__dict__[open_data._STATE].proc
    open_data.discard(site)
    assert proc.poll() is not None and _leftovers(tmp_path / "work") == []


@pytest.mark.parametrize("forked", [False, True])
def test_the_page_module_records_bodies_not_staged_files(data, tmp_path, monkeypatch, forked):
    """generator/cache.py keys the open-data page by the files it opened: the published bodies
    must be among them (so a body edit recomputes the page), staged and cached files never (they
    are gone after the build, so the page would never be reused)."""
    monkeypatch.setenv("DEPUTY_SITE_CACHE", str(tmp_path / "cache"))
    if forked:
        monkeypatch.setattr(open_data, "BIG_PACKAGE_BYTES", 0)
    site = _site(data, tmp_path / "work")
    open_data.start(site)
    cache._OpenLog.start()
    try:
        list(opendata.pages(site))
    finally:
        opened = cache._OpenLog.stop()
    stage = str(open_data.staging_dir(site))
    assert not [p for p in opened if p.startswith((stage, str(tmp_path / "cache")))]
    real = {os.path.realpath(p) for p in opened}
    for r in ("r01", "r02", "r03", "r04"):
        assert str((data / "reports" / f"{r}.md").resolve()) in real, r
    assert str((data / "reports" / "r05.md").resolve()) not in real  # the draft is not published
    open_data.discard(site)


def test_a_stored_body_changed_through_a_site_is_not_reused(data, tmp_path, monkeypatch):
    """Bodies in the site are hard links to the copies kept in .cache/: if one is written
    through (someone edits the published file in place), the next build notices."""
    monkeypatch.setenv("DEPUTY_SITE_CACHE", str(tmp_path / "cache"))
    expected = _reference(data)
    site = _site(data, tmp_path / "work")
    open_data.write(site, [], tmp_path / "a")
    with open(tmp_path / "a" / "data" / "reports" / "r02.md", "r+b") as f:
        f.write(b"XX")
    site = _site(data, tmp_path / "work")
    list(opendata.pages(site))
    open_data.write(site, [], tmp_path / "b")
    popolo.write(site, [], tmp_path / "b")
    assert _tree(tmp_path / "b" / "data") == expected
    open_data.discard(site)
