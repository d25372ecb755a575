"""Plain-text PDFs with a JSON attachment: how Colo renders documents people sign (PAdES).

A monospaced page of text — what a person reads before signing — and the JSON the text renders,
attached, which is what Colo checks when the signed file comes back. Used for LOA-CFAs
(dcim.orders.loa_pdf) and signed approvals (colo.signed_approval).

Names may be in any script (Azerbaijani's "ə" is outside Latin-1), so the text is set in a
Unicode TrueType font from the system (DejaVu Sans Mono, Debian's fonts-dejavu-core, which the
image installs). Without one, PDF's built-in Courier is used and a character it cannot show is
printed as "?" — the attached JSON still has it exactly. CPU-bound: call it off the event loop.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf"),
)
FONT_SIZE = 9  # points: the longest line (a base64 signature) fits an A4 line at this size
LINE_HEIGHT = 4.6  # millimetres


def set_font(pdf: FPDF) -> bool:
    """Use a Unicode monospaced font when the system has one; True if it did."""
    for path in FONT_CANDIDATES:
        if path.is_file():
            pdf.add_font("colo-mono", fname=str(path))
            pdf.set_font("colo-mono", size=FONT_SIZE)
            return True
    pdf.set_font("Courier", size=FONT_SIZE)
    return False


def new_page(*, title: str, subject: str) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(title)
    pdf.set_subject(subject)
    pdf.set_creator("Colo")
    pdf.set_lang("en")
    return pdf


def write_lines(pdf: FPDF, text: str, *, unicode: bool) -> None:
    for line in text.rstrip("\n").split("\n"):
        if not unicode:
            line = line.encode("latin-1", "replace").decode("latin-1")
        # CHAR wrapping: a long token (a signature) breaks where the line ends instead of overflowing
        pdf.multi_cell(w=0, h=LINE_HEIGHT, text=line or " ", align="L", wrapmode=WrapMode.CHAR,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def text_pdf(*, title: str, subject: str, text: str, attachment: Mapping[str, Any], attachment_name: str,
             attachment_description: str) -> bytes:
    """One document: `text` on A4 pages, `attachment` attached as JSON under `attachment_name`."""
    pdf = new_page(title=title, subject=subject)
    unicode = set_font(pdf)
    pdf.add_page()
    write_lines(pdf, text, unicode=unicode)
    document = json.dumps(dict(attachment), sort_keys=True, indent=2, ensure_ascii=False).encode()
    pdf.embed_file(bytes=document, basename=attachment_name, mime_type="application/json",
                   desc=attachment_description)
    return bytes(pdf.output())
