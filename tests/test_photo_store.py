"""Photos are decoded and re-encoded once, then kept in the store by their content
(generator/outputs/photos.py `memo`): a second build with the store makes none again and
publishes the same bytes as a build without a store; a changed photo is made again."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from site_tree import tree

from generator.options import Options
from generator.outputs import open_data, photos
from generator.pipeline import build
from generator.staff.demo_photos import photo_bytes

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "fixtures" / "tiny"
AS_OF = dt.date(2026, 11, 20)


def test_photos_come_from_the_store_once_made(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    with_photo = sorted(p.relative_to(data).as_posix() for p in (data / "photos").iterdir())
    assert with_photo  # the fixture has a photo: else this test proves nothing
    made: list[str] = []
    real_site, real_full = photos.publish_bytes, photos.stripped_bytes
    monkeypatch.setattr(photos, "publish_bytes", lambda p: made.append(f"site {p.name}") or real_site(p))
    monkeypatch.setattr(open_data, "stripped_bytes", lambda p: made.append(f"full {p.name}") or real_full(p))

    def run(out: str, store: Path | None) -> dict:
        made.clear()
        build(Options(data_dir=data, out=tmp_path / out, as_of=AS_OF, jobs=1, cache_dir=store))
        return tree(tmp_path / out)

    plain = run("plain", None)
    names = sorted(Path(rel).name for rel in with_photo)
    assert sorted(made) == sorted([f"full {n}" for n in names] + [f"site {n}" for n in names])
    first = run("a", tmp_path / "store")
    assert len(made) == 2 * len(names)  # made once, then kept
    second = run("b", tmp_path / "store")
    assert made == []  # from the store
    assert first == plain and second == plain
    (data / with_photo[0]).write_bytes(photo_bytes("another"))  # a new photo: made again
    run("c", tmp_path / "store")
    assert sorted(made) == [f"full {Path(with_photo[0]).name}", f"site {Path(with_photo[0]).name}"]
