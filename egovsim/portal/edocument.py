"""The request e-document: what the applicant signs at P6 and what travels to the provider at P7.

It is canonical JSON: UTF-8, keys sorted, no insignificant whitespace, non-ASCII kept as is.
JSON rather than XML because a CMS signs bytes, not a tree: the signer (NCALayer's
createCMSSignatureFromBase64, `openssl cms -sign`, `egovsim sign cms`) needs the exact bytes, and
JSON written this way is one `json.dumps` call in any language, where XML would need
canonicalization (C14N) to be reproduced byte for byte. The provider's results are signed in
the same form, so both directions read alike.

The document names the service, the variant, the form, the applicant's IIN and/or BIN and the
acting person's IIN, every attachment by document id, file name, size and SHA-256 (the files'
bytes are bound through their digests), the application's number and the moment the draft was
frozen. The same draft frozen at the same moment gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from egovsim.regulations.model import Regulation
from egovsim.storage.portal import Attachment, PortalApplication

DOCUMENT_TYPE = "egovsim.request.v1"


def canonical(document: dict[str, Any]) -> bytes:
    """The canonical bytes of a JSON document."""
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def request_document(
    application: PortalApplication,
    regulation: Regulation,
    attachments: Iterable[Attachment],
    frozen_at: datetime,
) -> bytes:
    """The e-document of a draft as frozen at `frozen_at`."""
    return canonical(
        {
            "type": DOCUMENT_TYPE,
            "number": application.number,
            "service": {"id": regulation.id, "name": dict(regulation.name)},
            "variant": application.variant,
            "category": application.category,
            "applicant": {
                "kind": application.applicant_kind,
                "iin": application.applicant_iin,
                "bin": application.applicant_bin,
                "name": application.applicant_name,
            },
            "person": {"iin": application.person_iin, "name": application.person_name},
            "form": application.form,
            "attachments": [
                {
                    "document": a.document_id,
                    "file_name": a.file_name,
                    "content_type": a.content_type,
                    "size": a.size,
                    "sha256": a.sha256,
                }
                for a in sorted(attachments, key=lambda a: a.document_id)
            ],
            "frozen_at": frozen_at.isoformat(),
        }
    )
