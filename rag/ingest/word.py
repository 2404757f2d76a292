"""Word (.docx) articles through python-docx: the body's paragraphs are the text stored and cited.

A .docx keeps its running header and footer apart from the body (section
headers/footers), so page furniture never reaches the text; the header is
still read, as the masthead that names an outlet. Title and date come from the
core properties first (the file's own metadata), like a PDF's document info.
"""

from __future__ import annotations

import io
import zipfile

from rag.errors import RagError
from rag.ingest.layout import header_outlet
from rag.ingest.metadata import Metadata

DOCX_SUFFIXES = (".docx",)


def extract_docx(name: str, data: bytes) -> tuple[str, Metadata]:
    """(article text, metadata) of one .docx; `RagError` when it is no Word file or holds no text."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        encrypted = data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE container: a password-protected .docx
        reason = "the document is encrypted (a password is needed to open it)" if encrypted else f"not a readable .docx ({type(exc).__name__})"
        raise RagError(f"{name}: {reason}", "save an unlocked copy as .docx" if encrypted else "") from exc
    paragraphs = [" ".join(p.text.split()) for p in document.paragraphs]
    paragraphs += [" ".join(cell.text.split()) for table in document.tables for row in table.rows for cell in row.cells]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        raise RagError(f"{name}: the document has no text")
    core = document.core_properties
    # python-docx's blank template carries its own 2013 creation date: a file made from it states no date
    made_by_template = (core.author or core.last_modified_by) == "python-docx"
    created = core.created.date().isoformat() if core.created and not made_by_template else ""
    return "\n\n".join(paragraphs) + "\n", Metadata(" ".join((core.title or "").split()), _masthead(document), created)


def _masthead(document) -> str:
    """The outlet the running header names (`header_outlet`), "" when it names none."""
    for section in document.sections:
        for paragraph in section.header.paragraphs:
            outlet = header_outlet(paragraph.text)
            if outlet:
                return outlet
    return ""
