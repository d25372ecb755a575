"""LOA-CFA PDFs: the printable copy of a granted LOA, and the request a Z-side signer signs.

Rendered here, in the domain, so the API and the portal serve the same document.

`loa_pdf`: the printable copy of a granted LOA, for the technician who brings paper to the
meet-me room.
The PDF carries exactly the text the API's `GET /v1/loas/{id}/text` serves (dcim.orders.loa's
`render_text`: parties, ports, validity, the Ed25519 signature and how to verify it), line for
line in a monospaced font, and the signed JSON itself as an attached file — the JSON stays the
authority (`colo loa verify` checks it); the paper is a rendering of it, not a second source.

Party and facility names may be in any script (Azerbaijani's "ə" is outside Latin-1), so the
text is set in a Unicode TrueType font from the system (DejaVu Sans Mono, Debian's
fonts-dejavu-core, which the image installs). Without one, PDF's built-in Courier is used and
a character it cannot show is printed as "?" — the attached JSON still has it exactly.
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
FONT_SIZE = 9  # points: the longest line (the base64 signature) fits an A4 line at this size
LINE_HEIGHT = 4.6  # millimetres
REQUEST_ATTACHMENT = "loa-request.json"


def _font(pdf: FPDF) -> bool:
    """Use a Unicode monospaced font when the system has one; True if it did."""
    for path in FONT_CANDIDATES:
        if path.is_file():
            pdf.add_font("loa-mono", fname=str(path))
            pdf.set_font("loa-mono", size=FONT_SIZE)
            return True
    pdf.set_font("Courier", size=FONT_SIZE)
    return False


def _page(*, title: str) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(title)
    pdf.set_subject("Letter of authorization and connecting facility assignment")
    pdf.set_creator("Colo")
    pdf.set_lang("en")
    return pdf


def _lines(pdf: FPDF, text: str, *, unicode: bool) -> None:
    for line in text.rstrip("\n").split("\n"):
        if not unicode:
            line = line.encode("latin-1", "replace").decode("latin-1")
        # CHAR wrapping: a long token (the signature) breaks where the line ends instead of overflowing
        pdf.multi_cell(w=0, h=LINE_HEIGHT, text=line or " ", align="L", wrapmode=WrapMode.CHAR,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def loa_pdf(*, text: str, signed: Mapping[str, Any], loa_id: str) -> bytes:
    """The PDF of one granted LOA: `text` (render_text of `signed`) and `signed` attached as JSON.
    CPU-bound (font subsetting): call it off the event loop."""
    pdf = _page(title=f"LOA-CFA {loa_id}")
    unicode = _font(pdf)
    pdf.add_page()
    _lines(pdf, text, unicode=unicode)
    document = json.dumps(dict(signed), sort_keys=True, indent=2, ensure_ascii=False).encode()
    pdf.embed_file(bytes=document, basename=f"loa-{loa_id}.json", mime_type="application/json",
                   desc="The signed LOA-CFA: verify it with `colo loa verify`")
    return bytes(pdf.output())


def request_pdf(*, text: str, request: Mapping[str, Any], loa_id: str) -> bytes:
    """The LOA-CFA a Z-side signer signs with their own certificate (PAdES) and uploads: `text`
    (render_request_text of `request`) with `request` attached as `loa-request.json`. The
    attachment names the LOA and the Z side's authorised signers at the time of rendering, so
    the signed file carries them under the signer's and the facility's signatures (dcim.orders.pades)."""
    pdf = _page(title=f"LOA-CFA {loa_id} (to sign)")
    unicode = _font(pdf)
    pdf.add_page()
    _lines(pdf, text, unicode=unicode)
    document = json.dumps(dict(request), sort_keys=True, indent=2, ensure_ascii=False).encode()
    pdf.embed_file(bytes=document, basename=REQUEST_ATTACHMENT, mime_type="application/json",
                   desc="The LOA-CFA request this PDF's signatures authorise")
    return bytes(pdf.output())
