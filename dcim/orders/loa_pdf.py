"""LOA-CFA PDFs: the printable copy of a granted LOA, and the request a Z-side signer signs.

Rendered here, in the domain, so the API and the portal serve the same document.

`loa_pdf`: the printable copy of a granted LOA, for the technician who brings paper to the
meet-me room.
The PDF carries exactly the text the API's `GET /v1/loas/{id}/text` serves (dcim.orders.loa's
`render_text`: parties, ports, validity, the Ed25519 signature and how to verify it), line for
line in a monospaced font, and the signed JSON itself as an attached file — the JSON stays the
authority (`colo loa verify` checks it); the paper is a rendering of it, not a second source.

The page and its fonts are colo.pdf_text's (shared with signed approvals).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from colo.pdf_text import text_pdf

REQUEST_ATTACHMENT = "loa-request.json"
SUBJECT = "Letter of authorization and connecting facility assignment"


def loa_pdf(*, text: str, signed: Mapping[str, Any], loa_id: str) -> bytes:
    """The PDF of one granted LOA: `text` (render_text of `signed`) and `signed` attached as JSON.
    CPU-bound (font subsetting): call it off the event loop."""
    return text_pdf(title=f"LOA-CFA {loa_id}", subject=SUBJECT, text=text, attachment=signed,
                    attachment_name=f"loa-{loa_id}.json",
                    attachment_description="The signed LOA-CFA: verify it with `colo loa verify`")


def request_pdf(*, text: str, request: Mapping[str, Any], loa_id: str) -> bytes:
    """The LOA-CFA a Z-side signer signs with their own certificate (PAdES) and uploads: `text`
    (render_request_text of `request`) with `request` attached as `loa-request.json`. The
    attachment names the LOA and the Z side's authorised signers at the time of rendering, so
    the signed file carries them under the signer's and the facility's signatures (dcim.orders.pades)."""
    return text_pdf(title=f"LOA-CFA {loa_id} (to sign)", subject=SUBJECT, text=text, attachment=request,
                    attachment_name=REQUEST_ATTACHMENT,
                    attachment_description="The LOA-CFA request this PDF's signatures authorise")
