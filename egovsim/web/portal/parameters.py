"""What the portal's API takes: the applicant's JSON bodies (models), the path parameters of an
application's routes, the check's query, the CSRF and file-name headers, and the uploads and
signatures sent as forms or raw bodies."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema

from egovsim.errors import LANGUAGES
from egovsim.portal.attachments import ACCEPTED_TYPES
from egovsim.web.common.models import Refusal, RequestModel, Schema
from egovsim.web.common.openapi import Body
from egovsim.web.portal.auth_models import CSRF
from egovsim.web.portal.models import PORTAL_STATUSES

#: The path parameters of an application's routes, and of its attachments'.
BY_ID: dict[str, Schema] = {
    "id": {"type": "string", "pattern": r"^\d+$", "description": "The application's `id`."}
}
BY_DOCUMENT: dict[str, Schema] = BY_ID | {
    "document_id": {
        "type": "string",
        "description": "A document id of the application's service (its `documents[].id`).",
    }
}


class PortalNewApplication(RequestModel):
    """A draft request to open (P3)."""

    service: str = Field(description="A service id of the catalogue.")
    variant: Annotated[str | None, Refusal("FORM_INVALID")] = Field(
        None, description="One of the service's `variants`."
    )
    category: Annotated[str | None, Refusal("FORM_INVALID")] = Field(
        None, description="One of the service's `eligibility` ids; the first that fits."
    )
    form: Annotated[dict[str, Any] | None, Refusal("FORM_INVALID")] = Field(
        None, description="The form's fields by id; the IIN/BIN ones are the applicant's."
    )


class PortalSignatureBody(RequestModel):
    """The CMS over the e-document's bytes (attached or detached)."""

    cms: str = Field(
        description="The CMS in base64 or PEM. The body may also be the CMS itself: DER, PEM "
        "or base64."
    )


class PortalCheckBody(RequestModel):
    """A CMS (base64 or PEM) and, for a detached one, its data in base64. The body may also
    be a multipart form with the files `cms` and `data`, or the raw CMS."""

    cms: str
    data: str | None = Field(None, json_schema_extra={"contentEncoding": "base64"})


class PortalCheckQuery(RequestModel):
    """What the document check expects of the signer, in the query."""

    expect_iin: str | None = Field(None, description="The IIN the signer must have.")
    expect_bin: str | None = Field(None, description="The BIN the signer must have.")
    purpose: Literal["sign", "auth"] = Field(
        "sign", description="Which key usage the certificate must have."
    )
    require_timestamp: Literal["true", "false"] = Field(
        "false",
        description="true: a signer without a signature-time-stamp (CAdES-T) is refused "
        "TIMESTAMP_MISSING.",
    )


_BYTES: Schema = {"type": "string", "contentMediaType": "application/octet-stream"}
_CMS_TEXT: Schema = {
    "type": "string",
    "description": "The CMS in PEM, or bare base64 (as NCALayer gives).",
}
ATTACHMENT_HEADERS: dict[str, Schema] = CSRF | {
    "X-File-Name": {
        "type": "string",
        "description": "With a raw body: the file's name, percent-encoded UTF-8.",
    }
}
#: A file's bytes in a multipart form.
FileBytes = Annotated[bytes, WithJsonSchema(_BYTES)]


class PortalAttachmentForm(RequestModel):
    """An electronic copy sent as a multipart form, with the session's CSRF token."""

    file: FileBytes = Field(description="The copy, with its file name.")
    # The form field `session.CSRF_FIELD`.
    csrf_token: str = ""


class PortalCheckForm(RequestModel):
    """A CMS to check sent as a multipart form, with the signed data of a detached one."""

    cms: FileBytes = Field(description="The CMS: DER, PEM or base64.")
    data: FileBytes = Field(b"", description="The signed data of a detached CMS.")


ATTACHMENT_TYPES: dict[str, Body] = {
    "multipart/form-data": PortalAttachmentForm,
    # A raw body: its type is told by its content, never by the header.
    **{kind: {} for kind in ACCEPTED_TYPES},
}
SIGNATURE_TYPES: dict[str, Body] = {"application/pkcs7-signature": {}, "text/plain": _CMS_TEXT}
CHECK_TYPES: dict[str, Body] = {
    "multipart/form-data": PortalCheckForm,
    "application/pkcs7-signature": {},
    "text/plain": _CMS_TEXT,
}
LANGUAGE_QUERY: dict[str, Schema] = {
    "lang": {
        "enum": list(LANGUAGES),
        "description": "The language of the answer; else the `egovsim_lang` cookie, then "
        "Accept-Language.",
    }
}
#: A page of the cabinet: how many, from where, of which status.
PAGE_QUERY: dict[str, Schema] = {
    "limit": {
        "type": "string",
        "pattern": r"^\d+$",
        "description": "How many on a page, 1 to 200 (default 50).",
    },
    "after": {
        "type": "string",
        "description": "The opaque cursor of the page's start, from the previous page's `next`.",
    },
    "status": {"type": "string", "enum": list(PORTAL_STATUSES)},
}
