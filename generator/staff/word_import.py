"""`python -m generator import-report FILE.docx (--deputy ID [--date D] [--mandate M] | --id REPORT_ID [--yes]) [--data DIR]`.

A clerk writes a duty report in Word; this turns the .docx into a report's Markdown body, then
validates that report and prints what to fix, Chinese first. With --deputy it makes a new draft
exactly as `new-report` does (new_report.plan_report: the reports.csv row, the body path) with
the document's text as its body; with --id it replaces the body of that existing report.

Conversion (python-docx reads the file; the XML is walked here so text inside tracked
insertions, content controls and fields is kept and deleted text is not):
- heading styles (Title, Heading 1-9, 标题 1-9, or an outline level) → `##` … `######`, the
  highest level in the document becoming `##` (the report page owns the one `#` title); a short
  plain paragraph numbered as a part ("一、遵守宪法……", "（一）学习") counts as Heading 1 / 2;
- bulleted and numbered lists → `-` / `1.` items, nested by level; Chinese numbering
  (一、 (一) 甲 …) is kept as text, since Markdown lists only count in digits;
- bold / italic runs → `**` / `*`; manual line breaks → hard breaks; http(s)/mailto links;
- tables → Markdown tables (first row as header, merged cells left empty);
- pictures (JPEG, PNG, WebP) are kept where they stand as `![alt](images/<id>-<n>.<ext>)`, the
  file in reports/images/ (the report-image convention, sanitize.REPORT_IMAGES), re-encoded from
  its pixels by outputs/photos.stripped_bytes (no EXIF/GPS, XMP, ICC, comment); charts and
  drawings are dropped, each named in a warning;
- the text of a text box or frame (a caption: LibreOffice's Insert ▸ Caption makes one) follows
  the paragraph holding it, read once although the file holds it twice (DrawingML and VML).

Everything in the document is untrusted: every character Markdown would read as markup is
escaped, and `<` / `&` as entities, so the body shows exactly the Word text and the validator's
raw-HTML and link checks see nothing to reject; the site renders it through the same sanitizer
as every report body (generator/sanitize.py). The file name on the command line is only read;
the body is written to the path reports.csv holds for that report, and only when that path is
a plain reports/<name>.md inside the data folder. The write (body, images, and for a new draft
the reports.csv row) goes through safe_write (all or nothing) and never replaces a body that
already holds written text without --yes.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import docx
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from ..descriptor import read_package
from ..errors import GeneratorError
from ..model import read_rows
from ..outputs.photos import stripped_bytes
from ..problems import ERROR, WARNING, Problem, count, sort_problems, to_text
from ..sanitize import REPORT_IMAGES, package_path
from ..validate import validate_package
from ..validate.body_checks import BODY_PATH, PROMPT_MARK
from ..validate.import_codes import import_problem
from ..validate.text_context import text_options
from .new_report import NewReportError, plan_report
from .safe_write import replace_files

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
V = "{urn:schemas-microsoft-com:vml}"

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003 .doc, old .wps, and encrypted .docx
# An untrusted zip is checked before python-docx reads every part into memory.
MAX_FILE_BYTES = 50_000_000
MAX_UNZIPPED_BYTES = 300_000_000
MAX_DOCUMENT_XML_BYTES = 30_000_000

_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.I)
_LIST_STYLE_LEVEL = re.compile(r"^list (?:bullet|number|paragraph)(?: ([2-9]))?$", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]])")
_ATTR_EQ = re.compile(r"(href|src|action|formaction)(\s*)=", re.I)
_SAFE_URL = re.compile(r"^(?:https?://[^\s/]|mailto:[^\s])", re.I)
_SPACE = " \t\u3000\u00a0"


def _clean_name(text: str, limit: int = 60) -> str:
    """A name taken from the document (an image's), safe to print on a terminal."""
    s = _CONTROL.sub("", str(text or "")).replace("\n", " ").strip()
    return s[:limit] + ("…" if len(s) > limit else "")


# -- reading the file -------------------------------------------------------------------


def open_document(path: Path) -> tuple[object | None, list[Problem]]:
    """(python-docx Document, []) or (None, [the reason it cannot be read])."""
    name = path.name
    if not path.is_file():
        return None, [
            import_problem("import-report-unreadable", name, detail_zh="文件不存在", detail_en="no such file")
        ]
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
            ole = head == OLE_MAGIC
            # an encrypted .docx is an OLE container holding an EncryptedPackage stream
            encrypted = ole and "EncryptedPackage".encode("utf-16-le") in fh.read(4_000_000)
    except OSError as e:
        return None, [
            import_problem("import-report-unreadable", name, detail_zh=type(e).__name__, detail_en=type(e).__name__)
        ]
    if encrypted:
        return None, [import_problem("import-report-encrypted", name)]
    suffix = path.suffix.lower()
    if ole or suffix in (".doc", ".wps", ".dot", ".wpt", ".rtf") or head.startswith(b"{\\rtf"):
        return None, [import_problem("import-report-old-word", name)]
    if not zipfile.is_zipfile(path):
        code = "import-report-unreadable" if suffix == ".docx" else "import-report-not-docx"
        return None, [import_problem(code, name)]
    if size > MAX_FILE_BYTES:
        return None, [import_problem("import-report-too-large", name)]
    try:
        with zipfile.ZipFile(path) as z:
            infos = {i.filename: i for i in z.infolist()}
    except (zipfile.BadZipFile, OSError, ValueError):
        return None, [import_problem("import-report-unreadable", name)]
    if "word/document.xml" not in infos:
        return None, [import_problem("import-report-not-docx", name)]
    if (
        sum(i.file_size for i in infos.values()) > MAX_UNZIPPED_BYTES
        or infos["word/document.xml"].file_size > MAX_DOCUMENT_XML_BYTES
    ):
        return None, [import_problem("import-report-too-large", name)]
    try:
        return docx.Document(str(path)), []
    except Exception:  # noqa: BLE001 - a damaged file (zip, XML, parts) must be a message, never a traceback
        return None, [import_problem("import-report-unreadable", name)]


# -- converting -------------------------------------------------------------------------


def escape_inline(text: str) -> str:
    """Word text → Markdown that shows exactly that text. Besides Markdown's own markup, what
    the validator's body checks read as a link or attribute ("](", "{…on…=", "href=") is
    written as entities, so a report quoting such text is shown as written, not refused."""
    text = _INLINE_SPECIAL.sub(r"\\\1", text).replace("\\](", "\\]\\(")
    text = _ENTITY.sub("&amp;", text).replace("<", "&lt;").replace("{", "&#123;")
    return _ATTR_EQ.sub(r"\1\2&#61;", text)


def _escape_line_start(line: str) -> str:
    """What would start a block (heading, quote, list item, rule, setext underline) at the
    start of a line, escaped."""
    if line.startswith(("#", ">", "+", "-", "=")):
        return ("&#61;" + line[1:]) if line[0] == "=" else "\\" + line
    m = re.match(r"^(\d{1,9})([.)])", line)
    if m:
        return m.group(1) + "\\" + line[len(m.group(1)) :]
    return line


@dataclass
class _Seg:
    text: str
    bold: bool = False
    italic: bool = False
    url: str | None = None
    brk: bool = False  # a manual line break
    raw: str = ""  # Markdown written as is (an image we made: our own name and escaped alt text)


@dataclass
class _Numbering:
    """numId → ilvl → (numFmt, lvlText, start), and running counters."""

    levels: dict[str, dict[int, tuple[str, str, int]]] = field(default_factory=dict)
    counters: dict[str, dict[int, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, document) -> _Numbering:
        out = cls()
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return out
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for an in root.iter(f"{W}abstractNum"):
            lv: dict[int, tuple[str, str, int]] = {}
            for lvl in an.iter(f"{W}lvl"):
                fmt = lvl.find(f"{W}numFmt")
                txt = lvl.find(f"{W}lvlText")
                start = lvl.find(f"{W}start")
                try:
                    s = int(start.get(f"{W}val")) if start is not None else 1
                except (TypeError, ValueError):
                    s = 1
                lv[_int(lvl.get(f"{W}ilvl"))] = (
                    fmt.get(f"{W}val", "decimal") if fmt is not None else "decimal",
                    txt.get(f"{W}val", "") if txt is not None else "",
                    s,
                )
            abstract[an.get(f"{W}abstractNumId", "")] = lv
        for num in root.iter(f"{W}num"):
            ref = num.find(f"{W}abstractNumId")
            if ref is not None:
                out.levels[num.get(f"{W}numId", "")] = abstract.get(ref.get(f"{W}val", ""), {})
        return out

    def fmt(self, num_id: str, ilvl: int) -> tuple[str, str, int]:
        return self.levels.get(num_id, {}).get(ilvl, ("decimal", "", 1))

    def label(self, num_id: str, ilvl: int) -> str:
        """The number Word shows for the next item ("一、", "(二)"), counting as Word does."""
        c = self.counters.setdefault(num_id, {})
        fmt, text, start = self.fmt(num_id, ilvl)
        c[ilvl] = c.get(ilvl, start - 1) + 1
        for deeper in [k for k in c if k > ilvl]:
            del c[deeper]
        out = text or f"%{ilvl + 1}."
        for k in range(9):
            if f"%{k + 1}" in out:
                f, _, s = self.fmt(num_id, k)
                out = out.replace(f"%{k + 1}", _format_number(c.get(k, s), f))
        return out


def _int(v, default: int = 0) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return default


_ZH_DIGITS = "零一二三四五六七八九"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
CHINESE_FORMATS = {
    "chineseCounting",
    "chineseCountingThousand",
    "chineseLegalSimplified",
    "ideographTraditional",
    "ideographZodiac",
    "ideographDigital",
    "japaneseCounting",
    "taiwaneseCounting",
    "taiwaneseCountingThousand",
}


def _zh_number(n: int) -> str:
    if n <= 0 or n >= 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if not tens:
        return _ZH_DIGITS[ones]
    return ("" if tens == 1 else _ZH_DIGITS[tens]) + "十" + (_ZH_DIGITS[ones] if ones else "")


def _format_number(n: int, fmt: str) -> str:
    if fmt == "ideographTraditional" and 1 <= n <= 10:
        return _TIANGAN[n - 1]
    if fmt in CHINESE_FORMATS:
        return _zh_number(n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "lowerLetter" and 1 <= n <= 26:
        return chr(96 + n)
    if fmt == "upperLetter" and 1 <= n <= 26:
        return chr(64 + n)
    if fmt in ("lowerRoman", "upperRoman") and 1 <= n < 40:
        r = "x" * (n // 10) + ["", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"][n % 10]
        return r.upper() if fmt == "upperRoman" else r
    return str(n)


class Converter:
    def __init__(self, document, image_prefix: str | None = None) -> None:
        self.document = document
        self.numbering = _Numbering.of(document)
        self.images: list[str] = []  # names of images dropped
        # image_prefix (the report id): images are kept as reports/images/<prefix>-<n>.<ext>
        self.image_prefix = image_prefix
        self.image_files: dict[str, bytes] = {}  # package path → stripped bytes
        self._image_refs: dict[str, str | None] = {}  # Word part name → our file name (None: dropped)
        self._boxes: list = []  # text boxes met in the paragraph (or table) being read

    # -- styles ----------------------------------------------------------------------

    @staticmethod
    def _styles(paragraph: Paragraph):
        """The paragraph's style and the styles it is based on (a loop in a damaged file ends)."""
        try:
            style = paragraph.style
        except Exception:  # noqa: BLE001 - a damaged styles part: treat as Normal
            return
        seen = 0
        while style is not None and seen < 20:
            yield style
            style = style.base_style
            seen += 1

    def heading_level(self, paragraph: Paragraph) -> int | None:
        """0 for Title, 1-9 for headings, None for body text."""
        outline = self._outline(paragraph.paragraph_format.element.pPr)
        if outline is not None:
            return outline
        for st in self._styles(paragraph):
            name = (st.name or "").strip()
            if name.lower() in ("title", "标题"):
                return 0
            m = _HEADING_STYLE.match(name)
            if m:
                return int(m.group(1))
            outline = self._outline(st.element.pPr)
            if outline is not None:
                return outline
        return None

    @staticmethod
    def _outline(ppr) -> int | None:
        if ppr is None:
            return None
        ol = ppr.find(f"{W}outlineLvl")
        if ol is None:
            return None
        v = _int(ol.get(f"{W}val"), 9)
        return v + 1 if 0 <= v < 9 else None

    def list_info(self, paragraph: Paragraph) -> tuple[str, int, int] | None:
        """(numId, numbering level, nesting depth) when the paragraph is a list item (its own
        numbering or its style's; "List Bullet 2" is one level deeper on a one-level list)."""
        ppr = paragraph._p.pPr
        num_id, ilvl = None, None
        if ppr is not None and ppr.numPr is not None:
            n = ppr.numPr
            num_id = n.numId.val if n.numId is not None else None
            ilvl = n.ilvl.val if n.ilvl is not None else None
        style_level = 0
        for st in self._styles(paragraph):
            m = _LIST_STYLE_LEVEL.match((st.name or "").strip())
            if m and m.group(1):
                style_level = max(style_level, int(m.group(1)) - 1)
            sp = st.element.pPr
            if num_id is None and sp is not None and sp.numPr is not None and sp.numPr.numId is not None:
                num_id = sp.numPr.numId.val
                if ilvl is None and sp.numPr.ilvl is not None:
                    ilvl = sp.numPr.ilvl.val
        if num_id is None or str(num_id) == "0":  # numId 0 switches numbering off
            return None
        if ilvl is not None:
            return str(num_id), int(ilvl), int(ilvl)
        return str(num_id), 0, style_level

    # -- inline ----------------------------------------------------------------------

    def segments(self, p_el, paragraph: Paragraph) -> list[_Seg]:
        out: list[_Seg] = []
        self._walk(p_el, paragraph, None, out)
        return out

    def _walk(self, el, paragraph: Paragraph, url: str | None, out: list[_Seg]) -> None:
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag == f"{W}r":
                self._run(child, paragraph, url, out)
            elif tag == f"{W}hyperlink":
                rid = child.get(f"{R_NS}id")
                target = None
                if rid:
                    rel = paragraph.part.rels.get(rid)
                    target = rel.target_ref if rel is not None and rel.is_external else None
                self._walk(child, paragraph, target if target and _SAFE_URL.match(target) else None, out)
            elif tag in (f"{W}del", f"{W}moveFrom", f"{W}pPr", f"{W}rPr"):
                continue  # deleted text of tracked changes; properties
            elif tag.startswith(W):
                self._walk(child, paragraph, url, out)  # ins, smartTag, sdt, fldSimple, customXml …

    def _run(self, r_el, paragraph: Paragraph, url: str | None, out: list[_Seg]) -> None:
        run = Run(r_el, paragraph)
        bold, italic = run.bold, run.italic
        if bold is None or italic is None:
            try:
                cs = run.style
                font = cs.font if cs is not None else None
            except Exception:  # noqa: BLE001 - damaged character style
                font = None
            if bold is None:
                bold = bool(font is not None and font.bold)
            if italic is None:
                italic = bool(font is not None and font.italic)
        for c in r_el:
            tag = c.tag if isinstance(c.tag, str) else ""
            if tag == f"{W}t":
                out.append(_Seg(c.text or "", bool(bold), bool(italic), url))
            elif tag == f"{W}tab":
                out.append(_Seg(" ", False, False, url))
            elif tag in (f"{W}br", f"{W}cr"):
                if c.get(f"{W}type") in ("page", "column"):
                    continue
                out.append(_Seg("\n", brk=True))
            elif tag == f"{W}noBreakHyphen":
                out.append(_Seg("-", bool(bold), bool(italic), url))
            elif tag in (
                f"{W}drawing",
                f"{W}pict",
                f"{W}object",
                "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent",
            ):
                box = self._text_box(c)
                if box is None:
                    self._image(c, out)
                    continue
                if not any(b is box for b in self._boxes):  # a paragraph may be read twice
                    self._boxes.append(box)
                # a picture beside the box in the same shape (a group): kept as a picture
                outside = [
                    n for n in self._picture_nodes(c) if not any(a.tag == f"{W}txbxContent" for a in n.iterancestors())
                ]
                if outside:
                    self._image(c, out, outside)

    @staticmethod
    def _picture_nodes(el) -> list:
        return list(el.iter(f"{A}blip")) + list(el.iter(f"{V}imagedata"))

    @staticmethod
    def _text_box(el):
        """The text a text box or frame holds (w:txbxContent), read once: Word and LibreOffice
        write it twice (the DrawingML choice first, then the VML fallback). A LibreOffice
        picture with a caption (Insert ▸ Caption) arrives as such a frame holding the caption."""
        for box in el.iter(f"{W}txbxContent"):
            return box if box.find(f"{W}p") is not None or box.find(f"{W}tbl") is not None else None
        return None

    def _emit_boxes(self, boxes: list, out: list) -> None:
        # a text box's text (a caption, a note) follows the paragraph or table that holds it
        for box in boxes:
            self._blocks(box, out)

    def _image(self, el, out: list[_Seg], nodes: list | None = None) -> None:
        """A picture: kept as a report image when it is a JPEG, PNG or WebP (re-encoded from its
        pixels, outputs/photos.stripped_bytes: no EXIF/GPS, XMP, ICC, comment); anything else
        (a chart, a shape without text, EMF) is dropped and named in a warning. `nodes`: the
        picture references to use (those outside a text box the shape also holds)."""
        name = None
        part = None
        if self.image_prefix is not None:
            for node in self._picture_nodes(el) if nodes is None else nodes:
                rid = node.get(f"{R_NS}embed") or node.get(f"{R_NS}id")
                if rid:
                    try:
                        part = self.document.part.related_parts[rid]
                    except (KeyError, AttributeError):
                        part = None
                    break
        if part is not None:
            key = str(part.partname)
            if key not in self._image_refs:
                self._image_refs[key] = self._keep_image(part)
            name = self._image_refs[key]
        if name is None:
            self.images.append(self._image_name(el))
            return
        alt = ""
        for pr in el.iter(f"{WP}docPr"):
            alt = _clean_name(pr.get("descr") or "", 80)
            break
        alt = escape_inline(alt) if alt else f"图{len(self._image_refs)}"
        out.append(_Seg("", raw=f"![{alt}](images/{name})"))

    def _keep_image(self, part) -> str | None:
        try:
            blob = part.blob
        except Exception:  # noqa: BLE001 - a damaged part: dropped with a warning
            return None
        with tempfile.TemporaryDirectory(prefix="word-image-") as tmp:
            src = Path(tmp) / "image"
            src.write_bytes(blob)
            data = stripped_bytes(src)
        if data is None:
            return None
        ext = "png" if data.startswith(b"\x89PNG") else "webp" if data[:4] == b"RIFF" else "jpg"
        name = f"{self.image_prefix}-{len(self.image_files) + 1}.{ext}"
        self.image_files[f"{REPORT_IMAGES}/{name}"] = data
        return name

    def _image_name(self, el) -> str:
        label = ""
        for pr in el.iter(f"{WP}docPr"):
            label = pr.get("name") or pr.get("descr") or ""
            break
        media = ""
        for node in list(el.iter(f"{A}blip")) + list(el.iter(f"{V}imagedata")):
            rid = node.get(f"{R_NS}embed") or node.get(f"{R_NS}id")
            if rid:
                try:
                    media = str(self.document.part.related_parts[rid].partname).rsplit("/", 1)[-1]
                except (KeyError, AttributeError):
                    media = ""
                break
        name = _clean_name(media) or _clean_name(label) or "未命名 unnamed"
        if label and media and _clean_name(label) != name:
            name += f"（{_clean_name(label)}）"
        return name

    @staticmethod
    def render_inline(segs: list[_Seg], emphasis: bool = True) -> str:
        # merge neighbours with the same formatting, so "**ab**" not "**a****b**"
        merged: list[_Seg] = []
        for s in segs:
            if s.raw:
                merged.append(s)
                continue
            s = _Seg(_CONTROL.sub("", s.text), s.bold, s.italic, s.url, s.brk)
            if not s.text:
                continue
            if not s.text.strip(_SPACE) and not s.brk:
                s.bold = s.italic = False  # emphasis on spaces only shows nothing
            last = merged[-1] if merged else None
            if (
                last is not None
                and not last.brk
                and not last.raw
                and not s.brk
                and (last.bold, last.italic, last.url) == (s.bold, s.italic, s.url)
            ):
                last.text += s.text
            else:
                merged.append(s)
        parts: list[str] = []
        for s in merged:
            if s.raw:
                parts.append(s.raw)
                continue
            if s.brk:
                parts.append("\n")
                continue
            core = s.text.strip(_SPACE)
            lead = s.text[: len(s.text) - len(s.text.lstrip(_SPACE))]
            trail = s.text[len(s.text.rstrip(_SPACE)) :]
            text = escape_inline(core)
            if core and emphasis:
                mark = ("**" if s.bold else "") + ("*" if s.italic else "")
                text = f"{mark}{text}{mark[::-1]}"
            if core and s.url:
                safe = s.url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C")
                safe = safe.replace(">", "%3E")
                text = f"[{text}]({safe})"
            parts.append(_space(lead) + text + _space(trail))
        return "".join(parts)

    def paragraph_text(self, p_el, paragraph: Paragraph, emphasis: bool = True, segs: list | None = None) -> str:
        """One paragraph as Markdown lines: hard breaks as two spaces before the newline,
        each line trimmed and its start escaped. `segs`: the paragraph's segments when read
        already (reading them again would list its images twice)."""
        raw = self.render_inline(self.segments(p_el, paragraph) if segs is None else segs, emphasis)
        lines = [ln.strip(_SPACE + " ") for ln in raw.split("\n")]
        while lines and not lines[-1]:
            lines.pop()
        while lines and not lines[0]:
            lines.pop(0)
        return "  \n".join(_escape_line_start(ln) for ln in lines if ln)

    # -- blocks ----------------------------------------------------------------------

    def blocks(self) -> list[tuple[str, object]]:
        """(kind, payload) in document order: ("heading", (level, text)), ("item", (ordered,
        depth, text)), ("para", text), ("table", rows)."""
        body = self.document.element.body
        out: list[tuple[str, object]] = []
        self._blocks(body, out)
        return out

    def _blocks(self, container, out: list) -> None:
        for el in container:
            tag = el.tag if isinstance(el.tag, str) else ""
            if tag not in (f"{W}p", f"{W}tbl"):
                if tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml", f"{W}ins", f"{W}moveTo"):
                    self._blocks(el, out)
                continue
            outer, self._boxes = self._boxes, []
            try:
                if tag == f"{W}p":
                    self._paragraph(el, out)
                else:
                    rows = self._table(el)
                    if rows:
                        out.append(("table", rows))
                boxes = self._boxes
            finally:
                self._boxes = outer
            self._emit_boxes(boxes, out)

    def _paragraph(self, p_el, out: list) -> None:
        paragraph = Paragraph(p_el, self.document._body)
        level = self.heading_level(paragraph)
        info = self.list_info(paragraph)
        if level is not None:
            text = self.paragraph_text(p_el, paragraph, emphasis=False).replace("  \n", " ")
            if info is not None:  # a numbered heading ("一、…"): Word's number is part of its text
                label = self.numbering.label(*info[:2])
                fmt = self.numbering.fmt(*info[:2])[0]
                if fmt != "bullet" and label:
                    text = escape_inline(_CONTROL.sub("", label)) + text
            if text:
                out.append(("heading", (level, text)))
            return
        segs = self.segments(p_el, paragraph)
        text = self.paragraph_text(p_el, paragraph, segs=segs)
        if info is None:
            plain = self.paragraph_text(p_el, paragraph, emphasis=False, segs=segs)
            part = part_level(plain)
            if part is not None:
                out.append(("heading", (part, plain)))
            elif text:
                out.append(("para", text))
            return
        fmt = self.numbering.fmt(*info[:2])[0]
        label = self.numbering.label(*info[:2])
        if not text:
            return
        if fmt == "bullet":
            out.append(("item", (False, info[2], text)))
        elif fmt in ("decimal", "decimalZero", "none") or not label.strip():
            out.append(("item", (True, info[2], text)))
        else:  # 一、 (一) ① a) …: Markdown cannot count so, keep Word's number as text
            number = escape_inline(_CONTROL.sub("", label)).strip()
            plain = number + self.paragraph_text(p_el, paragraph, emphasis=False, segs=segs)
            part = part_level(plain)
            out.append(("heading", (part, plain)) if part is not None else ("para", number + text))

    def _table(self, tbl) -> list[list[str]]:
        rows: list[list[str]] = []
        for tr in tbl.iter(f"{W}tr"):
            if tr.getparent() is not tbl:
                continue  # rows of a nested table are read as text of their cell
            cells: list[str] = []
            for tc in tr.iter(f"{W}tc"):
                if tc.getparent() is not tr:
                    continue
                tcpr = tc.find(f"{W}tcPr")
                span, vcont = 1, False
                if tcpr is not None:
                    gs = tcpr.find(f"{W}gridSpan")
                    span = max(1, min(_int(gs.get(f"{W}val"), 1), 64)) if gs is not None else 1
                    vm = tcpr.find(f"{W}vMerge")
                    vcont = vm is not None and vm.get(f"{W}val") in (None, "continue")
                texts = []
                if not vcont:
                    for p in tc.iter(f"{W}p"):
                        t = self.paragraph_text(p, Paragraph(p, self.document._body))
                        if t:
                            texts.append(t.replace("  \n", " "))
                else:  # the merged cell's text is in the first row of the merge
                    for p in tc.iter(f"{W}p"):
                        self.segments(p, Paragraph(p, self.document._body))  # still note its images
                cells.append(" ".join(texts).replace("|", "\\|"))
                cells.extend([""] * (span - 1))
            rows.append(cells)
        if not any(any(c for c in r) for r in rows):
            return []
        width = max(len(r) for r in rows)
        return [r + [""] * (width - len(r)) for r in rows]

    def markdown(self) -> str:
        blocks = self.blocks()
        # Title → "#" (the document's own title: the validator and the report page treat a
        # "#" line as that); the highest heading level below it → "##"
        heads = [b[1][0] for b in blocks if b[0] == "heading" and b[1][0] > 0]
        top = min(heads) if heads else 1
        out: list[str] = []
        prev = None
        counters: dict[int, tuple[bool, int]] = {}  # depth → (ordered, items so far)
        for kind, payload in blocks:
            if kind == "item":
                ordered, depth, text = payload
                depth = min(depth, 8)
                for d in [k for k in counters if k > depth]:
                    del counters[d]
                if prev != "item" or (depth == 0 and depth in counters and counters[depth][0] != ordered):
                    counters.clear()  # a new list (a bullet list after a numbered one is another list)
                    out.append("")
                elif depth in counters and counters[depth][0] != ordered:
                    del counters[depth]
                n = counters[depth][1] + 1 if depth in counters else 1
                counters[depth] = (ordered, n)
                marker = f"{n}." if ordered else "-"
                pad = " " * (4 * depth)
                out.append(pad + marker + " " + text.replace("  \n", "  \n" + pad + "    "))
            else:
                out.append("")
                if kind == "heading":
                    level, text = payload
                    out.append("#" * (1 if level == 0 else min(6, 2 + level - top)) + " " + text)
                elif kind == "para":
                    out.append(payload)
                else:
                    rows = payload
                    out.append("| " + " | ".join(rows[0]) + " |")
                    out.append("|" + "|".join(" --- " for _ in rows[0]) + "|")
                    for r in rows[1:]:
                        out.append("| " + " | ".join(r) + " |")
            prev = kind
        text = "\n".join(out).strip("\n")
        return text + "\n" if text else ""


_PART_HEAD = re.compile(r"^(?:[一二三四五六七八九十]{1,3}\s*、|[（(][一二三四五六七八九十]{1,3}[）)])")
MAX_PART_HEAD = 40  # characters; a longer numbered paragraph is text that starts with a number


def part_level(text: str) -> int | None:
    """Many reports number their parts in plain paragraphs ("一、遵守宪法……", "（一）学习"): such a
    short line, not ending a sentence, is a heading like Heading 1 (一、) or Heading 2 (（一）)."""
    m = _PART_HEAD.match(text)
    if not m or len(text) > MAX_PART_HEAD or "\n" in text or text.rstrip()[-1:] in ("。", "；", ";", "！", "？"):
        return None
    return 2 if text[0] in "（(" else 1


def _space(s: str) -> str:
    # ideographic and no-break spaces around text are kept as one plain space
    return " " if s else ""


def convert(document, image_prefix: str | None = None) -> tuple[str, list[str], dict[str, bytes]]:
    """(Markdown body, names of the images that were dropped, {package path: bytes} of the
    images kept; with no image_prefix every image is dropped)."""
    c = Converter(document, image_prefix)
    md = c.markdown()
    return md, c.images, c.image_files


# -- writing into the package -----------------------------------------------------------


def _report_row(root: Path, report_id: str) -> tuple[dict | None, int, str]:
    """(row, line, reports.csv path) of the report with this id."""
    pkg = read_package(root)
    spec = pkg.tables.get("reports")
    if spec is None:
        return None, 0, "reports.csv"
    for line, row in read_rows(root, spec):
        if str(row.get("id") or "") == report_id:
            return row, line, spec.path
    return None, 0, spec.path


def has_written_text(text: str) -> bool:
    """Does a body hold text someone wrote (beyond headings and the skeleton's prompts)?"""
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("#") or (s.startswith(">") and PROMPT_MARK in s):
            continue
        if re.search(r"\w", s):
            return True
    return False


@dataclass
class Result:
    problems: list[Problem]
    body: str = ""  # the body's path inside the package, once written
    markdown: str = ""
    images: list[str] = field(default_factory=list)  # dropped
    written: bool = False
    report_id: str = ""
    kept_images: list[str] = field(default_factory=list)  # package paths written
    draft: dict | None = None  # new_report.plan_report's answer when a draft was made


_IMAGE_LINE = re.compile(r"!\[[^\]\n]*\]\(images/[^)\s]+\)")


def _no_text(md: str) -> bool:
    """A body with nothing but images (and spaces) holds no text to report."""
    return not _IMAGE_LINE.sub("", md).strip()


def _convert(path: Path, document, prefix: str) -> tuple[str, list[str], dict[str, bytes], list[Problem]] | Result:
    try:
        md, images, files = convert(document, prefix)
    except Exception:  # noqa: BLE001 - XML python-docx accepted but we cannot follow: a message, not a traceback
        return Result([import_problem("import-report-unreadable", path.name)])
    warnings = [
        import_problem("import-report-image-dropped", path.name, detail_zh=name, detail_en=name) for name in images
    ]
    if _no_text(md):
        return Result([import_problem("import-report-empty", path.name), *warnings], images=images)
    return md, images, files, warnings


def import_report(
    path: Path,
    data_dir: Path,
    report_id: str | None = None,
    yes: bool = False,
    *,
    deputy_id: str | None = None,
    day: dt.date | None = None,
    mandate_id: str | None = None,
) -> Result:
    """Convert and write; nothing is written when a problem of severity error is returned.
    With `report_id` the body of that report is replaced; with `deputy_id` a new draft is made
    for the deputy as `new-report` makes it (row, body path), its body the document's text."""
    document, problems = open_document(path)
    if document is None:
        return Result(problems)
    if deputy_id is not None:
        return _import_as_draft(path, document, data_dir, deputy_id, day or dt.date.today(), mandate_id)
    report_id = report_id or ""
    try:
        row, line, csv_path = _report_row(data_dir, report_id)
    except GeneratorError as e:
        return Result([import_problem("import-report-no-package", "datapackage.yaml", detail_zh=str(e)[:200])])
    if row is None:
        return Result(
            [
                import_problem(
                    "import-report-unknown-id", csv_path, fld="id", detail_zh=report_id[:64], detail_en=report_id[:64]
                )
            ]
        )
    body = str(row.get("body") or "")
    target = package_path(data_dir, body) if BODY_PATH.fullmatch(body) else None
    if target is None:
        return Result(
            [
                import_problem(
                    "import-report-body-path", csv_path, line, "body", detail_zh=body[:80], detail_en=body[:80]
                )
            ]
        )
    # images are named after the body file (reports/<name>.md), which a safe report id need not be
    converted = _convert(path, document, Path(body).stem)
    if isinstance(converted, Result):
        return converted
    md, images, files, warnings = converted
    if target.is_file() and not yes:
        try:
            old = target.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            old = "?"
        if old != md and has_written_text(old):
            return Result(
                [import_problem("import-report-overwrite", body, detail_zh=body, detail_en=body), *warnings],
                body=body,
                markdown=md,
                images=images,
                report_id=report_id,
            )
    replace_files(data_dir, {body: md.encode("utf-8"), **files})
    return Result(
        warnings, body=body, markdown=md, images=images, written=True, report_id=report_id, kept_images=sorted(files)
    )


def _import_as_draft(
    path: Path, document, data_dir: Path, deputy_id: str, day: dt.date, mandate_id: str | None
) -> Result:
    try:
        plan = plan_report(data_dir, deputy_id, day, mandate_id)
    except NewReportError as e:
        zh, _, en = str(e).partition(" / ")
        return Result([import_problem("import-report-deputy", "deputies.csv", detail_zh=zh, detail_en=en or zh)])
    except GeneratorError as e:
        return Result([import_problem("import-report-no-package", "datapackage.yaml", detail_zh=str(e)[:200])])
    row = plan["row"]
    body = row["body"]
    converted = _convert(path, document, row["id"])
    if isinstance(converted, Result):
        return converted
    md, images, files, warnings = converted
    # the row, the body and its images together or nothing; a body never replaces another
    replace_files(
        data_dir,
        {body: md.encode("utf-8"), plan["csv_path"]: plan["csv_text"].encode("utf-8"), **files},
        exclusive=(body,),
    )
    return Result(
        warnings,
        body=body,
        markdown=md,
        images=images,
        written=True,
        report_id=row["id"],
        kept_images=sorted(files),
        draft=plan,
    )


def command(args) -> int:
    data_dir = Path(args.data)
    as_of = getattr(args, "as_of", None) or dt.date.today()
    deputy = getattr(args, "deputy", None)
    try:
        result = import_report(
            Path(args.file),
            data_dir,
            getattr(args, "id", None),
            yes=bool(getattr(args, "yes", False)),
            deputy_id=deputy,
            day=getattr(args, "date", None) or as_of,
            mandate_id=getattr(args, "mandate", None),
        )
    except FileExistsError as e:
        print(
            f"错误 error: 文件已存在 / file exists: {e.filename}（数据未改动 / nothing was changed）", file=sys.stderr
        )
        return 1
    except OSError as e:
        print(
            f"错误 error: 无法写入 / cannot write: {type(e).__name__}（数据未改动 / nothing was changed）",
            file=sys.stderr,
        )
        return 1
    for p in result.problems:
        tag = "错误 error" if p.severity == ERROR else "警告 warning"
        print(f"{p.location()}: {tag} {p.code}: {p.message_zh} / {p.message_en}")
    if not result.written:
        print("未写入任何文件 / nothing was written")
        return 1
    n = len(result.markdown.splitlines())
    if result.draft is not None:
        r = result.draft["row"]
        print(
            f"已为代表 {r['deputy_id']} 创建报告草稿 created a draft: id={r['id']} 代表资格 mandate={r['mandate_id']}"
            f"（{result.draft['congress']}）届内第{r['term_year']}年 term year={r['term_year']} 日期 date={r['date']}"
            f" state=draft（已在 {data_dir / result.draft['csv_path']} 添加一行 / row appended）"
        )
    print(f"已写入 wrote {data_dir / result.body}（{n} 行 Markdown / lines）")
    for img in result.kept_images:
        print(f"已写入图片 wrote image {data_dir / img}（已去除位置、相机等元数据 / metadata removed）")
    # the validator on this report only: its row in reports.csv and its body
    problems = validate_package(data_dir, as_of)
    _, line, csv_path = _report_row(data_dir, result.report_id)
    mine = sort_problems(p for p in problems if p.file == result.body or (p.file == csv_path and p.row == line))
    print(f"校验报告 {result.report_id} / checking report {result.report_id}:")
    print(to_text(mine, details=True, **text_options(data_dir)))
    if count(mine, ERROR):
        print(
            f"请按上面的提示修改 {data_dir / result.body} 或 reports.csv 后运行 make validate / fix the above, then run make validate"
        )
        return 1
    if count(mine, WARNING) or result.problems:
        print("正文已导入，请核对上面的警告 / the body is in: check the warnings above")
    else:
        print("正文已导入，没有发现问题 / the body is in, no problems found")
    if result.draft is not None:
        print(
            "下一步 next: 核对正文、日期、方式和地点，在 make serve 的预览中查看（标有“草稿”），改 state 为 published 后运行 make validate"
            " / check the text, date, mode and venue, look at it in make serve's preview (marked 草稿), set state=published, then run make validate"
        )
    return 0
