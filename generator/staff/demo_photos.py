"""Placeholder photos for the demo package and the test fixture (issue 14).

Plainly not photographs of anyone: a coloured card with a drawn silhouette, the words
"SAMPLE / DEMO" and the deputy's id, drawn by Pillow with its bundled font, so the same seed
gives the same bytes everywhere. Each is saved the way a phone saves a photo, on purpose: large
(1200×1600), stored sideways with an EXIF orientation tag, with EXIF (camera, time, GPS
coordinates of a made-up place), XMP, an ICC profile and a JPEG comment, so that the site's
photo step (generator/outputs/photos.py) visibly has something to turn upright, shrink and strip.
"""

from __future__ import annotations

import hashlib
import io

from PIL import Image, ImageCms, ImageDraw, ImageFont
from PIL.ExifTags import GPS, IFD, Base

SIZE = (1200, 1600)  # upright width, height
PALETTE = ((46, 94, 140), (120, 72, 40), (42, 110, 80), (110, 60, 120), (150, 60, 60), (60, 100, 110))
ORIENTATION = 6  # stored rotated 90° anticlockwise; viewers turn it clockwise to upright
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="DEMO-XMP-CREATOR"/>'
    b"</rdf:RDF></x:xmpmeta>"
)
COMMENT = b"DEMO-JPEG-COMMENT"
CAMERA = "DEMO-CAMERA"


def _colour(key: str) -> tuple[int, int, int]:
    h = hashlib.sha256(key.encode("utf-8")).digest()
    return PALETTE[h[0] % len(PALETTE)]


def placeholder(deputy_id: str) -> Image.Image:
    """The upright placeholder card for `deputy_id`."""
    w, h = SIZE
    bg = _colour(deputy_id)
    im = Image.new("RGB", SIZE, bg)
    d = ImageDraw.Draw(im)
    light = tuple(min(255, c + 90) for c in bg)
    d.ellipse((w * 0.32, h * 0.18, w * 0.68, h * 0.45), fill=light)  # head
    d.ellipse((w * 0.14, h * 0.50, w * 0.86, h * 1.05), fill=light)  # shoulders
    font = ImageFont.load_default(size=110)
    small = ImageFont.load_default(size=70)
    d.text((w / 2, h * 0.08), "SAMPLE / DEMO", font=font, fill=(255, 255, 255), anchor="mm")
    d.text((w / 2, h * 0.92), deputy_id, font=small, fill=bg, anchor="mm")
    return im


def photo_bytes(deputy_id: str, lat: float = 28.2, lon: float = 112.9) -> bytes:
    """A JPEG of the placeholder as a phone would save it: sideways + orientation tag, EXIF with
    GPS, XMP, ICC profile and a comment (see the module docstring)."""
    stored = placeholder(deputy_id).transpose(Image.Transpose.ROTATE_90)  # orientation 6 undoes this
    exif = Image.Exif()
    exif[Base.Make] = CAMERA
    exif[Base.Model] = CAMERA
    exif[Base.Orientation] = ORIENTATION
    exif[Base.DateTime] = "2024:05:01 09:30:00"
    gps = exif.get_ifd(IFD.GPSInfo)
    gps[GPS.GPSLatitudeRef] = "N"
    gps[GPS.GPSLatitude] = (float(int(lat)), float(int((lat % 1) * 60)), 0.0)
    gps[GPS.GPSLongitudeRef] = "E"
    gps[GPS.GPSLongitude] = (float(int(lon)), float(int((lon % 1) * 60)), 0.0)
    icc = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    # LittleCMS stamps the profile with the time it was made (header bytes 24-35) and an MD5 of
    # it (84-99): a fixed date and no ID, so the demo stays byte-identical between runs
    icc[24:36] = bytes([0x07, 0xE8, 0, 5, 0, 1, 0, 9, 0, 30, 0, 0])
    icc[84:100] = bytes(16)
    icc = bytes(icc)
    buf = io.BytesIO()
    stored.save(buf, "JPEG", quality=90, exif=exif, icc_profile=icc, xmp=XMP, comment=COMMENT)
    return buf.getvalue()
