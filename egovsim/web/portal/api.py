"""`/api/v1/portal/...`: the portal's service catalogue, the applicant's requests (P3-P7), the
personal cabinet (statuses, notices, the signed result: P9) and the "check a document" page.

Every route of a request needs the signed-in applicant; those that change state also need the
session's CSRF token (the `X-CSRF-Token` header). The catalogue and the document check need no
login. The applicant's path with curl and OpenSSL, after logging in (cookie jar `jar`, CSRF token
in `$csrf`):

    api=http://127.0.0.1:8080/api/v1/portal; c="-b jar -H X-CSRF-Token:$csrf"
    curl $c $api/applications -H 'Content-Type: application/json' -d '{"service":
      "almaty-small-vessel-licence", "variant": "duplicate", "form": {"request-kind": "duplicate"}}'
    curl $c $api/applications/1/attachments/photo -H 'Content-Type: image/png' \
      -H 'X-File-Name: photo.png' --data-binary @photo.png          # or -F file=@photo.png
    curl -b jar $api/applications/1/document -o request.json       # the bytes to sign
    openssl cms -sign -binary -md sha256 -in request.json -signer cert.pem -inkey key.pem \
      -certfile nca.pem -outform DER -out request.cms                # detached; -nodetach too
    curl $c $api/applications/1/signature --data-binary @request.cms   # C2, P6, P7
    curl -b jar $api/applications/1                                  # status and timeline
    curl -b jar $api/applications/1/result -o result.cms             # P9, once it has landed
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import quote

from aiohttp import web
from aiohttp.web_request import FileField

from egovsim.errors import EgovsimError
from egovsim.portal.attachments import MAX_ATTACHMENT
from egovsim.signatures.encoding import to_der
from egovsim.signatures.fetching_http import read_limited
from egovsim.signatures.revocation import FetchError
from egovsim.signatures.verifier import Expectations, TimestampPolicy
from egovsim.storage.paging import ListRequest
from egovsim.web.common.i18n import language
from egovsim.web.common.keys import simulator_of
from egovsim.web.common.models import answer, parse_body, read_body, read_query
from egovsim.web.common.openapi import api
from egovsim.web.common.requests import path_id
from egovsim.web.portal.auth_models import CSRF, SIGNED_IN
from egovsim.web.portal.catalogue_models import PortalCatalogue, PortalService
from egovsim.web.portal.models import (
    BASE,
    PORTAL_STATUSES,
    PortalApplication,
    PortalApplications,
    PortalApplicationSummary,
    PortalNotification,
    PortalNotifications,
    PortalRequestDocument,
    PortalResultDocument,
)
from egovsim.web.portal.parameters import (
    ATTACHMENT_HEADERS,
    ATTACHMENT_TYPES,
    BY_DOCUMENT,
    BY_ID,
    CHECK_TYPES,
    LANGUAGE_QUERY,
    PAGE_QUERY,
    SIGNATURE_TYPES,
    PortalCheckBody,
    PortalCheckQuery,
    PortalNewApplication,
    PortalSignatureBody,
)
from egovsim.web.portal.report_models import PortalVerificationReport
from egovsim.web.portal.session import (
    check_csrf,
    current_applicant,
    optional_applicant,
    portal_session,
)
from egovsim.web.portal.uploads import MAX_UPLOAD, read_upload

routes = web.RouteTableDef()

#: A CMS over the request e-document with its certificates is a few kilobytes.
MAX_SIGNATURE = 2 * 1024 * 1024
#: What the document check takes: a CMS and the data of a detached one.
MAX_CHECK = 24 * 1024 * 1024


# -- the catalogue --------------------------------------------------------------------------------


@routes.get("/api/v1/portal/services")
@api(
    response=PortalCatalogue,
    parameters=LANGUAGE_QUERY,
    summary="The services on the portal, in the user's language.",
)
async def services(request: web.Request) -> web.Response:
    """The services on the portal in the user's language (`?lang=kk|ru|en`, or the
    egovsim_lang cookie): basis, terms and route, documents per variant, who is eligible (and
    whether the signed-in applicant is), acceptance windows, fee, channels."""
    lang = language(request)
    calendar = simulator_of(request).calendar
    today = simulator_of(request).clock.now().astimezone(calendar.zone).date()
    applicant = await optional_applicant(request)
    shown = [
        PortalService.of(regulation, lang, today, applicant)
        for regulation in simulator_of(request).regulations.values()
    ]
    return answer(PortalCatalogue(language=lang, services=shown))


# -- requests ---------------------------------------------------------------------------------


@routes.post(BASE)
@api(
    request=PortalNewApplication,
    response=PortalApplication,
    status=201,
    headers=CSRF,
    security=SIGNED_IN,
)
async def start(request: web.Request) -> web.Response:
    """P3: open a draft request, `{"service", "variant", "category", "form"}`; the form's
    IIN/BIN fields are filled with the applicant's own."""
    applicant = await current_applicant(request)
    await check_csrf(request)
    body = await read_body(request, PortalNewApplication)
    session = await portal_session(request)
    detail = await simulator_of(request).portal.start(
        applicant,
        body.service,
        body.variant,
        body.form or {},
        body.category,
        signed_in_at=session.opened_at if session else None,
    )
    return answer(PortalApplication.of_detail(detail), status=201)


@routes.get(BASE)
@api(response=PortalApplications, parameters=PAGE_QUERY, security=SIGNED_IN)
async def applications(request: web.Request) -> web.Response:
    """The personal cabinet: a page of the account's applications, newest first (`limit`,
    `after`, `status`); `next` is the following page's address."""
    applicant = await current_applicant(request)
    asked = ListRequest.from_query(request.query, PORTAL_STATUSES)
    page = await simulator_of(request).portal.applications(applicant, asked)
    regulations = simulator_of(request).regulations
    shown = [PortalApplicationSummary.of(a, regulations[a.regulation_id]) for a in page.views]
    following = None
    if page.next_cursor is not None:
        following = str(request.rel_url.with_query(asked.query(page.next_cursor)))
    return answer(PortalApplications(applications=shown, next=following))


@routes.get(BASE + "/{id}")
@api(response=PortalApplication, parameters=BY_ID, security=SIGNED_IN)
async def application(request: web.Request) -> web.Response:
    """One application with its documents, signature, timeline and result."""
    applicant = await current_applicant(request)
    detail = await simulator_of(request).portal.application(applicant, _id(request))
    return answer(PortalApplication.of_detail(detail))


@routes.post(BASE + "/{id}/attachments/{document_id}")
@api(
    request_types=ATTACHMENT_TYPES,
    response=PortalApplication,
    parameters=BY_DOCUMENT,
    headers=ATTACHMENT_HEADERS,
    security=SIGNED_IN,
    summary="P3: attach a document's electronic copy (PDF, JPEG or PNG, at most 10 MiB).",
)
async def attach(request: web.Request) -> web.Response:
    """P3: attach a document's electronic copy (PDF, JPEG or PNG, at most 10 MiB), as a
    multipart form's `file` field, or as the raw body with its Content-Type and an
    `X-File-Name` header (percent-encoded UTF-8); the same document again replaces it."""
    applicant = await current_applicant(request)
    await check_csrf(request)
    if request.content_length is not None and request.content_length > MAX_UPLOAD:
        raise EgovsimError(
            "ATTACHMENT_TOO_LARGE", {"size": request.content_length, "limit": MAX_ATTACHMENT}
        )
    name, declared, data = await read_upload(request)
    detail = await simulator_of(request).portal.attach(
        applicant, _id(request), request.match_info["document_id"], name, declared, data
    )
    return answer(PortalApplication.of_detail(detail))


@routes.get(BASE + "/{id}/attachments/{document_id}")
@api(
    response_type="*/*",
    parameters=BY_DOCUMENT,
    security=SIGNED_IN,
)
async def attachment(request: web.Request) -> web.Response:
    """An attached copy, as it was uploaded."""
    applicant = await current_applicant(request)
    found, data = await simulator_of(request).portal.attachment(
        applicant, _id(request), request.match_info["document_id"]
    )
    return web.Response(
        body=data, content_type=found.content_type, headers=_download(found.file_name)
    )


@routes.get(BASE + "/{id}/document")
@api(response=PortalRequestDocument, parameters=BY_ID, security=SIGNED_IN)
async def document(request: web.Request) -> web.Response:
    """P4: the request e-document to sign (canonical JSON), the same bytes until the draft
    changes; sign it attached or detached and POST the CMS to `.../signature`."""
    applicant = await current_applicant(request)
    application_id = _id(request)
    data = await simulator_of(request).portal.document_to_sign(applicant, application_id)
    return web.Response(
        body=data,
        content_type="application/json",
        headers=_download(f"request-{application_id}.json"),
    )


@routes.post(BASE + "/{id}/signature")
@api(
    request=PortalSignatureBody,
    request_types=SIGNATURE_TYPES,
    response=PortalApplication,
    parameters=BY_ID,
    headers=CSRF,
    security=SIGNED_IN,
)
async def signature(request: web.Request) -> web.Response:
    """C2 and P6: the CMS over the e-document, as DER, PEM or base64 in the body (or
    `{"cms": ...}` as JSON). A refused signature is P5 with the verifier's report; a passed one
    sends the request through the gateway (P7)."""
    applicant = await current_applicant(request)
    await check_csrf(request)
    raw = await _limited(request, MAX_SIGNATURE)
    if request.content_type == "application/json":
        raw = parse_body(raw, PortalSignatureBody).cms.encode()
    detail = await simulator_of(request).portal.sign(applicant, _id(request), raw)
    return answer(PortalApplication.of_detail(detail))


@routes.get(BASE + "/{id}/result")
@api(
    response_type="application/pkcs7-signature",
    parameters=BY_ID,
    security=SIGNED_IN,
)
async def result(request: web.Request) -> web.Response:
    """P9: the provider's signed result as a CMS (DER), signed by the authorized person."""
    applicant = await current_applicant(request)
    application_id = _id(request)
    found = await simulator_of(request).portal.result(applicant, application_id)
    return web.Response(
        body=found.cms,
        content_type="application/pkcs7-signature",
        headers=_download(f"result-{application_id}.cms"),
    )


@routes.get(BASE + "/{id}/result/document")
@api(response=PortalResultDocument, parameters=BY_ID, security=SIGNED_IN)
async def result_document(request: web.Request) -> web.Response:
    """P9: the document the provider's CMS signs."""
    applicant = await current_applicant(request)
    application_id = _id(request)
    found = await simulator_of(request).portal.result(applicant, application_id)
    return web.Response(
        body=found.document,
        content_type="application/json",
        headers=_download(f"result-{application_id}.json"),
    )


@routes.get("/api/v1/portal/notifications")
@api(response=PortalNotifications, security=SIGNED_IN)
async def notifications(request: web.Request) -> web.Response:
    """The personal cabinet's notices, newest first."""
    applicant = await current_applicant(request)
    found = await simulator_of(request).portal.notifications(applicant)
    shown = [PortalNotification.of(n) for n in found]
    return answer(PortalNotifications(notifications=shown))


# -- checking any document ------------------------------------------------------------------


@routes.post("/api/v1/portal/check-document")
@api(
    request=PortalCheckBody,
    request_types=CHECK_TYPES,
    response=PortalVerificationReport,
    parameters=PortalCheckQuery,
    summary="The verifier's full report on any CMS, at the simulator's clock.",
)
async def check_document(request: web.Request) -> web.Response:
    """The "check a document" page: any CMS (DER, PEM or base64; attached, or detached with its
    data) gets the verifier's full report at the simulator's clock. Multipart with the fields
    `cms` and `data`, JSON `{"cms", "data"}` (base64), or the raw CMS as the body; optional
    `?expect_iin=`, `?expect_bin=`, `?purpose=sign|auth`, `?require_timestamp=true`."""
    if request.content_length is not None and request.content_length > MAX_CHECK:
        raise EgovsimError("REQUEST_TOO_LARGE", {"limit": MAX_CHECK})
    query = read_query(request, PortalCheckQuery)
    cms, data = await _signed_input(request)
    expect = Expectations(
        iin=query.expect_iin or None, bin=query.expect_bin or None, purpose=query.purpose
    )
    report = await simulator_of(request).verifier.verify_cms(
        to_der(cms),
        content=data,
        at=simulator_of(request).clock.now(),
        expect=expect,
        policy=TimestampPolicy(required=True) if query.require_timestamp == "true" else None,
    )
    return web.json_response(report.to_json())


async def _signed_input(request: web.Request) -> tuple[bytes, bytes | None]:
    if request.content_type == "multipart/form-data":
        form = await request.post()
        cms, data = _form_bytes(form.get("cms")), _form_bytes(form.get("data"))
        if cms is None:
            raise EgovsimError("BAD_REQUEST", {"reason": "the form has no 'cms' field"})
        return cms, data
    raw = await _limited(request, MAX_CHECK)
    if request.content_type != "application/json":
        return raw, None
    body = parse_body(raw, PortalCheckBody)
    try:
        data = base64.b64decode(body.data, validate=True) if body.data else None
    except (ValueError, binascii.Error):
        raise EgovsimError("BAD_REQUEST", {"field": "data", "reason": "not base64"}) from None
    return body.cms.encode(), data


def _form_bytes(value: Any) -> bytes | None:
    if isinstance(value, FileField):
        data: bytes = value.file.read(MAX_CHECK + 1)
        return data
    if isinstance(value, str) and value:
        return value.encode()
    return None


# -- reading bodies ---------------------------------------------------------------------------


def _id(request: web.Request) -> int:
    return path_id(request, "id", "APPLICATION_NOT_FOUND", "application")


async def _limited(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise EgovsimError("REQUEST_TOO_LARGE", {"limit": limit})
    try:
        return await read_limited(request.content, limit)
    except FetchError:
        raise EgovsimError("REQUEST_TOO_LARGE", {"limit": limit}) from None


def _download(file_name: str) -> dict[str, str]:
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(file_name)}"}
