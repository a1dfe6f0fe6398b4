"""Deputies' photos (the `image` field): the file is there, is a real image, and is not a
decompression bomb (issue 14).

Tier 1 checks the path against the descriptor's pattern and path_checks against the one path
rule (`unsafe-path`, `link-outside`); a path either refuses is not looked up here. This tier
opens what is left with Pillow, as the build will (generator/outputs/photos.py uses
`open_photo` too), so the build never meets a photo it cannot publish:

- `photo-missing`   no such file in the package;
- `photo-not-image` Pillow cannot read it as a JPEG, PNG or WebP (a text file, a truncated image);
- `photo-too-large` more than MAX_PIXELS pixels: decoding it would take gigabytes (a small
  file can claim 100,000 × 100,000 pixels), so its size is read from the header and it is
  never decoded.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

from PIL import Image

from ..model import Dataset
from ..problems import Problem
from ..sanitize import package_path, relpath_problem
from .codes import problem, show_value
from .path_checks import _pattern_rejects

# 40 megapixels: more than any phone or ID-photo camera writes by default (12–24 MP); a
# decoded 40 MP RGB image takes 120 MB, which one build worker can afford.
MAX_PIXELS = 40_000_000
FORMATS = ("JPEG", "PNG", "WEBP")
SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
# Decode at this size at least: JPEG can decode at 1/2, 1/4, 1/8 scale (draft), which makes
# checking and publishing a 12 MP photo several times faster. Square, because the EXIF
# orientation may still turn the picture; 640 is the longer side of the site's photo.
DRAFT_SIZE = (640, 640)


class PhotoError(Exception):
    """Why a photo cannot be published: code is one of the photo-* codes."""

    def __init__(self, code: str, width: int = 0, height: int = 0):
        super().__init__(code)
        self.code = code
        self.width = width
        self.height = height


def open_photo(path: Path, draft: bool = True) -> Image.Image:
    """The decoded photo at `path` (a JPEG drafted down to about DRAFT_SIZE unless `draft` is
    false), or PhotoError. The pixel count is checked from the header before anything is decoded."""
    try:
        with warnings.catch_warnings():
            # Pillow warns from MAX_IMAGE_PIXELS and raises from twice that; we use our own limit
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(path, formats=FORMATS)
            w, h = im.size
            if w * h > MAX_PIXELS:
                im.close()
                raise PhotoError("photo-too-large", w, h)
            if draft and im.format == "JPEG":
                im.draft("RGB", DRAFT_SIZE)
            im.load()
    except Image.DecompressionBombError as e:
        raise PhotoError("photo-too-large") from e
    except PhotoError:
        raise
    except FileNotFoundError as e:
        raise PhotoError("photo-missing") from e
    except (OSError, SyntaxError, ValueError, Image.UnidentifiedImageError) as e:
        # Pillow's readers raise these for files that are not, or not wholly, images
        raise PhotoError("photo-not-image") from e
    return im


def photos(ds: Dataset, unreadable: set[str]) -> Iterator[Problem]:
    if "deputies" in unreadable or "deputies" not in ds.package.tables:
        return
    spec = ds.package.tables["deputies"]
    if "image" not in spec.field_names:
        return
    for d in ds.deputies:
        if not d.image or relpath_problem(d.image, SUFFIXES) is not None or _pattern_rejects(spec, "image", d.image):
            continue  # empty, or refused by tier 1 / path_checks: never looked up
        where = (spec.path, ds.line(d), "image")
        path = package_path(ds.root, d.image)
        if path is None:
            continue  # a link out of the package: path_checks reports link-outside
        if not path.is_file():
            yield problem("photo-missing", *where, path=show_value(d.image))
            continue
        try:
            open_photo(path).close()
        except PhotoError as e:
            yield problem(
                e.code,
                *where,
                path=show_value(d.image),
                width=e.width or "?",
                height=e.height or "?",
                limit=f"{MAX_PIXELS:,}",
            )


CHECKS = (photos,)
