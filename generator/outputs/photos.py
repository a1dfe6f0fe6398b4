"""photos/<deputy id>.jpg: each deputy's photo as the site shows it (issue 14).

A photo in the package is what a clerk copied off a phone or camera: megapixels, EXIF with the
camera, the time and often GPS coordinates of where it was taken, XMP, an ICC profile,
comments. The site publishes a new image made from the pixels only: turned upright by its
EXIF orientation, scaled to at most MAX_SIZE, flattened to RGB and encoded as a baseline JPEG
with no metadata segment at all, under MAX_BYTES. The same data gives the same bytes.

Pages stay pure: the deputy page links urls.photo(id) when the deputy has an `image`; the
validator has already refused photos that are missing, not images or too big in pixels
(generator/validate/photo_checks.py), so the build stops before a page could link a photo
this module does not write.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageOps

from .. import store as st
from ..pages import PageDoc, SiteContext, urls
from ..sanitize import package_path
from ..validate import photo_checks
from ..validate.photo_checks import PhotoError, open_photo

MAX_SIZE = (480, 640)  # width, height: twice the 240 CSS px a phone shows, for sharp screens
MAX_BYTES = 150_000
QUALITIES = (82, 72, 60, 45, 30)  # tried in turn until the file is under MAX_BYTES
BACKGROUND = (255, 255, 255)  # transparent parts of a PNG or WebP photo


def clean_image(im: Image.Image) -> Image.Image:
    """Upright, scaled, RGB pixels in a new image that carries no `info` (EXIF, XMP, ICC, …)."""
    im = ImageOps.exif_transpose(im)
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, BACKGROUND)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        im = flat
    else:
        im = im.convert("RGB")
    im.thumbnail(MAX_SIZE, Image.Resampling.LANCZOS)
    out = Image.new("RGB", im.size)
    out.paste(im)
    return out


def encode(im: Image.Image, max_bytes: int = MAX_BYTES) -> bytes:
    """`im` as a JPEG of at most `max_bytes`, without EXIF, XMP, ICC profile or comment."""
    data = b""
    for q in QUALITIES:
        buf = io.BytesIO()
        # no exif=, icc_profile=, comment=: the encoder then writes no APP1/APP2/COM segment
        im.save(buf, "JPEG", quality=q, optimize=True, progressive=False, subsampling="4:2:0")
        data = buf.getvalue()
        if len(data) <= max_bytes:
            return data
    return data  # 480×640 at quality 30 is far below the limit; the tests check every photo


def publish_bytes(path: Path) -> bytes:
    """The published photo made from the file at `path` (PhotoError if it cannot be read)."""
    with open_photo(path) as im:
        return encode(clean_image(im))


def stripped_bytes(path: Path) -> bytes | None:
    """The photo at full size for the open data (generator/outputs/open_data.py): upright, in
    its own format (JPEG, PNG or WebP, as its name says), re-encoded from the pixels only, so
    without EXIF/GPS, XMP, ICC profile or comments. None when Pillow cannot read it: the
    validator reports such a file as an error, so a validated build never publishes it."""
    try:
        with open_photo(path, draft=False) as im:
            fmt = im.format
            im = ImageOps.exif_transpose(im)
            alpha = im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info)
            mode = "RGBA" if alpha and fmt != "JPEG" else "RGB"
            src = im.convert(mode)
    except PhotoError:
        return None
    out = Image.new(mode, src.size)
    out.paste(src)
    buf = io.BytesIO()
    if fmt == "PNG":
        out.save(buf, "PNG", optimize=True)
    elif fmt == "WEBP":
        out.save(buf, "WEBP", quality=90)
    else:
        out.save(buf, "JPEG", quality=92, optimize=True)
    return buf.getvalue()


USES_STORE = True  # write_all hands this module the build's store (outputs/registry.py)


def memo(store: st.Store | None, kind: str, src: Path, make) -> bytes | None:
    """make(src), kept in the store by the file's content: a photo is decoded and encoded once,
    not on every build (about 0.2 s a photo for the site, 1 s at full size: minutes for a
    county with a photo of every deputy). The key covers the bytes, Pillow's version and the
    code that reads and encodes them (this file and validate/photo_checks.py)."""
    if not store:
        return make(src)
    k = st.key(
        "images",
        kind,
        Image.__version__,
        st.file_digest(Path(__file__)),
        st.file_digest(Path(photo_checks.__file__)),
        st.file_digest(src),
    )
    data = store.get("images", k)
    if data is None:
        data = make(src)
        if data is not None:
            store.put("images", k, data)
    return data


def sources(site: SiteContext) -> list[tuple[str, Path]]:
    """(deputy id, photo file) for every deputy with a photo inside the package."""
    out = []
    for d in site.ds.deputies:
        if not d.image:
            continue
        p = package_path(site.ds.root, d.image)
        if p is not None and p.is_file():
            out.append((d.id, p))
    return out


def _site_copy(src: Path) -> bytes | None:
    try:
        return publish_bytes(src)
    except PhotoError:
        return None  # the validator reports it as an error; the build never gets here with it


def write(site: SiteContext, pages: list[PageDoc], out_dir: Path, store: st.Store | None = None) -> list[str]:
    written = []
    for deputy_id, src in sources(site):
        data = memo(store, "site", src, _site_copy)
        if data is None:
            continue
        rel = urls.photo(deputy_id)
        dest = Path(out_dir) / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        written.append(rel)
    return sorted(written)
