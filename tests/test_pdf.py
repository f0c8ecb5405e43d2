"""The PDF of the whole book (`make pdf`): open it and check what a reader of paper gets.

`make test` runs this after `make pdf` with ``LOSSGUIDE_PDF=_build/pdf/lossguide.pdf``; then a
missing PDF is a failure. Run alone (``pytest tests``), the tests are skipped when there is no
PDF or it is older than the book's sources.

- every chapter and API page is in it (its bookmarks) and the page count is plausible;
- no raw TeX: every ``\\frac``, ``\\begin{`` or ``$$`` in the text starts code that the
  book prints on purpose (a chapter's code cell or output, a code block or inline code);
- every figure of the chapters is in it, as an image;
- the Chinese names of the glossary are in it, as text (a PDF reader can search them);
- links work inside the PDF: internal links jump to a destination the PDF defines, and no
  link points at the local server the PDF was printed from.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path

import pytest

pypdf = pytest.importorskip("pypdf")

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "_build" / "pdf" / "lossguide.pdf"
TEX = re.compile(r"\\frac|\\begin\{|\$\$")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]{2,}")
RADICAL = re.compile(r"[\u2e80-\u2eff]")  # CJK Radicals Supplement


def pdf_path() -> Path:
    return Path(os.environ.get("LOSSGUIDE_PDF", DEFAULT))


@pytest.fixture(scope="module")
def reader():
    path = pdf_path()
    if "LOSSGUIDE_PDF" in os.environ:  # make test: the PDF it has just printed
        if not path.is_file():
            pytest.fail(f"{path} does not exist: `make pdf` should have written it")
    elif not path.is_file():
        pytest.skip(f"no PDF at {path}: run `make pdf` first")
    elif path.stat().st_mtime < max(p.stat().st_mtime for p in sources()):
        pytest.skip(f"{path} is older than the book's sources: run `make pdf` again")
    return pypdf.PdfReader(path)


def sources() -> list[Path]:
    return [p for p in (ROOT / "book").rglob("*") if p.suffix in (".md", ".ipynb", ".rst")] + [ROOT / "_toc.yml"]


@pytest.fixture(scope="module")
def texts(reader) -> list[str]:
    # NFKC: the CJK font maps some glyphs to compatibility code points (方 comes out as the
    # Kangxi radical U+2F45); NFKC folds them back to the characters a reader types.
    return [unicodedata.normalize("NFKC", page.extract_text() or "") for page in reader.pages]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def notebooks() -> list[dict]:
    """The chapters the book prints: the notebooks _toc.yml lists."""
    listed = set(re.findall(r"file:\s*(\S+)", (ROOT / "_toc.yml").read_text(encoding="utf-8")))
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "book").glob("*.ipynb"))
            if f"book/{p.stem}" in listed]


def joined(value) -> str:
    return "".join(value) if isinstance(value, list) else (value or "")


def printed_code() -> str:
    """Everything the book shows as code: cell sources and text outputs, fenced blocks."""
    parts = []
    for notebook in notebooks():
        for cell in notebook["cells"]:
            if cell["cell_type"] != "code":
                continue
            parts.append(joined(cell["source"]))
            for output in cell.get("outputs", []):
                parts.append(joined(output.get("text")))
                parts.append(joined(output.get("data", {}).get("text/plain")))
    for page in sorted((ROOT / "book").rglob("*.md")):
        parts += re.findall(r"```.*?\n(.*?)```", page.read_text(encoding="utf-8"), re.S)
        parts += re.findall(r"`([^`\n]+)`", page.read_text(encoding="utf-8"))
    return squeeze(unicodedata.normalize("NFKC", "\n".join(parts)))


def chapter_titles() -> list[str]:
    titles = []
    for notebook in notebooks():
        for cell in notebook["cells"]:
            match = re.search(r"^# (.+)$", joined(cell["source"]), re.M) if cell["cell_type"] == "markdown" else None
            if match:
                titles.append(match.group(1).strip())
                break
    return titles


def outline_titles(outline) -> list[str]:
    titles = []
    for item in outline:
        if isinstance(item, list):
            titles += outline_titles(item)
        else:
            titles.append(unicodedata.normalize("NFKC", item.title))
    return titles


def test_the_pdf_is_the_whole_book(reader):
    bookmarks = outline_titles(reader.outline)
    assert bookmarks, "the PDF has no bookmarks (Chromium's generateDocumentOutline)"
    plain = [re.sub(r"[`*]", "", t) for t in chapter_titles()]
    missing = [t for t in plain if not any(squeeze(t) in squeeze(b) for b in bookmarks)]
    assert not missing, f"chapters missing from the PDF's bookmarks: {missing}"
    for module in ("lossguide.losses", "lossguide.stats", "lossguide.recommend"):
        assert any(module in b for b in bookmarks), f"API page {module} missing from the PDF"
    # One page per chapter at the very least; the 2026-12 book prints on about 440 A4 pages.
    assert 100 <= len(reader.pages) <= 3000, f"{len(reader.pages)} pages"


def test_math_is_rendered_not_raw_tex(texts):
    code = printed_code()
    raw = []
    for number, text in enumerate(texts, start=1):
        for line in text.splitlines():
            # From the marker to the end of the line: a table row may put prose before it.
            for match in TEX.finditer(line):
                if squeeze(line[match.start():]) not in code:
                    raw.append(f"page {number}: {line.strip()[:100]!r}")
                    break
    assert not raw, "raw TeX outside code in the PDF:\n" + "\n".join(raw[:20])


def test_the_glossary_chinese_terms_are_text(texts):
    glossary = (ROOT / "book" / "glossary.md").read_text(encoding="utf-8")
    terms = sorted(set(CJK.findall(glossary)))
    assert len(terms) >= 20, terms
    # Chromium's PDF writer gives a glyph that the font shares between an ideograph and a
    # CJK radical the radical's code point: 页 comes out as U+2EDA, which NFKC does not fold
    # (Python has no table for it). Such a radical stands for any one ideograph here; every
    # other character must match exactly.
    everything = RADICAL.sub("\ufffd", squeeze("".join(texts)))
    missing = [t for t in terms
               if not re.search("".join(f"[{re.escape(c)}\ufffd]" for c in t), everything)]
    assert not missing, f"Chinese terms of the glossary not found in the PDF's text: {missing}"


def test_every_figure_is_printed(reader):
    figures = sum(1 for nb in notebooks() for cell in nb["cells"] if cell["cell_type"] == "code"
                  for output in cell.get("outputs", []) if "image/png" in output.get("data", {}))
    images = 0
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        for xobject in xobjects.values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Image":
                images += 1
            elif xobject.get("/Subtype") == "/Form":
                inner = (xobject.get("/Resources") or {}).get("/XObject") or {}
                images += sum(1 for x in inner.values() if x.get_object().get("/Subtype") == "/Image")
    assert figures > 0
    assert images >= figures, f"{images} images in the PDF for {figures} figures in the chapters"


def test_links_work_inside_the_pdf(reader):
    root = reader.trailer["/Root"]
    # Chromium writes a /Dests dictionary (PDF 1.1); a /Names tree is read too.
    named = set(root["/Dests"].get_object().keys()) if "/Dests" in root else set()
    names = root.get("/Names")
    if names and "/Dests" in names.get_object():
        def walk(node):
            node = node.get_object()
            if "/Names" in node:
                named.update(str(key) for key in node["/Names"][::2])
            for kid in node.get("/Kids", []):
                walk(kid)
        walk(names.get_object()["/Dests"])
    internal, dangling, local = 0, [], []
    for number, page in enumerate(reader.pages, start=1):
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") != "/Link":
                continue
            action = annotation.get("/A")
            action = action.get_object() if action is not None else {}
            destination = annotation.get("/Dest") or (action.get("/D") if action.get("/S") == "/GoTo" else None)
            if destination is not None:
                internal += 1
                if isinstance(destination, (str, bytes)) or hasattr(destination, "original_bytes"):
                    if str(destination) not in named:
                        dangling.append(f"page {number}: {destination}")
            elif action.get("/S") == "/URI":
                uri = str(action.get("/URI"))
                if re.match(r"https?://(127\.|localhost)|file:", uri):
                    local.append(f"page {number}: {uri}")
    assert internal >= 500, f"only {internal} internal links in the PDF"
    assert not dangling, f"internal links to destinations the PDF lacks: {dangling[:10]}"
    assert not local, f"links to the machine the PDF was printed on: {local[:10]}"
