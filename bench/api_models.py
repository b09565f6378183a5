"""The API models' cost on the submission path: pydantic v2 (what the API uses) against msgspec
(measured to choose between them) and the hand-written code they replaced.

For one signed submission the portal reads `{"cms": "<base64>"}` (C2, P6) and answers the
application (its documents, signature, timeline): both are timed here on the same data, in
microseconds per call, with the library's decode + validate of the body and the build +
encode of the answer from the portal's records. A submission through the whole server is
`bench/submissions.py`; these figures are what the models add to each of its answers.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from bench.common import Figure, report
from egovsim.portal.applications import ApplicationDetail
from egovsim.regulations.loader import load_regulations
from egovsim.storage.portal import Attachment, PortalApplication, TimelineEntry
from egovsim.web.common import models
from egovsim.web.portal.models import PortalApplication as ApplicationModel
from egovsim.web.portal.models import _values
from egovsim.web.portal.parameters import PortalSignatureBody

SERVICE = "almaty-small-vessel-licence"
BATCH = 50
#: What the models may add to one submission: a hundredth of the submissions benchmark's p50
#: target (≤ 50 ms p99; a p50 of about 20 ms on a quiet machine).
TARGET_MODELS = "<= 200 µs per submission"


def _detail() -> ApplicationDetail:
    """A signed and delivered application of the vessel licence with three attachments."""
    regulation = load_regulations()[SERVICE]
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    signer = {
        "name": "ТЕСТОВ ТЕСТ",
        "iin": "900101300123",
        "bin": None,
        "organization": None,
        "role": None,
        "usage": "sign",
        "serial": "4d2a" * 5,
        "issuer": "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA)",
        "not_before": (at - timedelta(days=30)).isoformat(),
        "not_after": (at + timedelta(days=335)).isoformat(),
    }
    verification = {
        "indication": "TOTAL_PASSED",
        "code": None,
        "signer": signer,
        "signers": [{"index": 1, "indication": "TOTAL_PASSED", "code": None, "signer": signer}],
    }
    application = PortalApplication(
        id=41,
        number="000000041",
        account_id=7,
        applicant_kind="individual",
        applicant_iin="900101300123",
        applicant_bin=None,
        applicant_name="ТЕСТОВ ТЕСТ",
        person_iin="900101300123",
        person_name="ТЕСТОВ ТЕСТ",
        regulation_id=SERVICE,
        variant="duplicate",
        category=regulation.applicants[0].id,
        form={"request-kind": "duplicate", "vessel-name": "Арай", "iin": "900101300123"},
        status="sent",
        created_at=at,
        updated_at=at + timedelta(minutes=4),
        verification=verification,
        signed_at=at + timedelta(minutes=4),
        message_id="5f0c7d2e-6f1e-4bd4-9a55-0d1f7f0b4a11",
        sent_at=at + timedelta(minutes=4),
    )
    attachments = [
        Attachment(d.id, f"{d.id}.pdf", "application/pdf", 48_213, "ab" * 32, at)
        for d in regulation.documents_for("duplicate")
    ]
    steps = ("P1", "C1", "P3", "P3", "P3", "P4", "C2", "P6", "P7")
    timeline = [
        TimelineEntry(at + timedelta(seconds=30 * i), step, "event", None, {"n": i})
        for i, step in enumerate(steps)
    ]
    return ApplicationDetail(application, regulation, attachments, timeline, None)


# -- the same answer declared with msgspec, built from the same records ---------------------------


class _Words(msgspec.Struct):
    kk: str
    ru: str
    en: str


class _Signer(msgspec.Struct):
    name: str | None
    iin: str | None
    bin: str | None
    organization: str | None
    role: str | None
    usage: str | None
    serial: str
    issuer: str
    not_before: datetime
    not_after: datetime


class _SignerLine(msgspec.Struct):
    index: int | None
    indication: str | None
    code: str | None
    signer: _Signer | None
    timestamp: datetime | None


class _Attachment(msgspec.Struct):
    file_name: str
    content_type: str
    size: int
    sha256: str
    attached_at: datetime
    href: str


class _Document(msgspec.Struct):
    id: str
    name: _Words
    required: bool
    attachment: _Attachment | None


class _Signature(msgspec.Struct):
    signed_at: datetime | None
    indication: str | None
    signer: _Signer | None
    signers: list[_SignerLine]


class _Entry(msgspec.Struct):
    step: str
    at: datetime
    event: str
    code: str | None
    details: dict[str, Any]


class _Application(msgspec.Struct):
    id: int
    number: str
    service: dict[str, Any]
    variant: str | None
    status: str
    created_at: datetime
    updated_at: datetime
    provider_number: str | None
    provider_status: str | None
    category: str
    applicant: dict[str, Any]
    person: dict[str, Any]
    form: dict[str, Any]
    documents: list[_Document]
    signature: _Signature | None
    message_id: str | None
    sent_at: datetime | None
    timeline: list[_Entry]
    result: dict[str, Any] | None
    links: dict[str, str]


class _SignatureBody(msgspec.Struct):
    cms: str


def _msgspec_answer(detail: ApplicationDetail) -> bytes:
    """The application as msgspec would build and encode it (validated as pydantic does)."""
    a, regulation = detail.application, detail.regulation
    base = f"/api/v1/portal/applications/{a.id}"
    attached = {x.document_id: x for x in detail.attachments}
    verification = a.verification or {}
    signer = msgspec.convert(verification["signer"], _Signer, strict=False)
    lines = [
        _SignerLine(s["index"], s["indication"], s["code"], signer, None)
        for s in verification["signers"]
    ]
    answer = _Application(
        id=a.id,
        number=a.number,
        service={"id": regulation.id, "name": _Words(**regulation.name)},
        variant=a.variant,
        status=a.status,
        created_at=a.created_at,
        updated_at=a.updated_at,
        provider_number=a.provider_number,
        provider_status=a.provider_status,
        category=a.category,
        applicant={"kind": a.applicant_kind, "iin": a.applicant_iin, "bin": a.applicant_bin},
        person={"iin": a.person_iin, "name": a.person_name},
        form=a.form,
        documents=[
            _Document(
                d.id,
                _Words(**d.name),
                "*" in d.required_in,
                None
                if d.id not in attached
                else _Attachment(
                    attached[d.id].file_name,
                    attached[d.id].content_type,
                    attached[d.id].size,
                    attached[d.id].sha256,
                    attached[d.id].attached_at,
                    f"{base}/attachments/{d.id}",
                ),
            )
            for d in regulation.documents_for(a.variant)
        ],
        signature=_Signature(a.signed_at, verification["indication"], signer, lines),
        message_id=a.message_id,
        sent_at=a.sent_at,
        timeline=[
            _Entry(regulation.portal.show(e.step, e.event) or e.step, e.at, e.event, None, {})
            for e in detail.timeline
        ],
        result=None,
        links={"document": f"{base}/document", "signature": f"{base}/signature"},
    )
    return msgspec.json.encode(answer)


def _plain(value: Any) -> Any:
    """What the hand-written serialiser wrote for a time and for a name in three languages."""
    return value.isoformat() if isinstance(value, datetime) else dict(value)


def _best_of(actions: dict[str, Callable[[], object]], rounds: int = 15) -> dict[str, float]:
    """Microseconds per call of each action: the quickest of `rounds` batches, the actions
    taking turns, so that a busy machine slows all of them alike and its noise drops out."""
    best = dict.fromkeys(actions, float("inf"))
    for _ in range(rounds):
        for name, action in actions.items():
            started = time.perf_counter()
            for _ in range(BATCH):
                action()
            best[name] = min(best[name], (time.perf_counter() - started) / BATCH * 1e6)
    return best


def run() -> dict[str, object]:
    """Measure and print; return the figures."""
    detail = _detail()
    # A CMS over the e-document with its chain is three to five kilobytes.
    body = json.dumps({"cms": base64.b64encode(os.urandom(4000)).decode()}).encode()

    def before_read() -> None:
        found = json.loads(body)
        if not isinstance(found, dict) or not isinstance(found.get("cms"), str):
            raise AssertionError("the body")
        json.dumps(found, ensure_ascii=False).encode()

    def pydantic_read() -> None:
        models.parse_body(body, PortalSignatureBody)

    decoder = msgspec.json.Decoder(_SignatureBody)

    def msgspec_read() -> None:
        decoder.decode(body)

    def pydantic_answer() -> None:
        ApplicationModel.of_detail(detail).model_dump_json(by_alias=True)

    def msgspec_answer() -> None:
        _msgspec_answer(detail)

    def before_answer() -> None:
        # What the hand-written serialiser did: a dict of the same values, then json.dumps.
        json.dumps(_values(detail), default=_plain)

    per_call = _best_of(
        {
            "before_read": before_read,
            "pydantic_read": pydantic_read,
            "msgspec_read": msgspec_read,
            "before_answer": before_answer,
            "pydantic_answer": pydantic_answer,
            "msgspec_answer": msgspec_answer,
        }
    )
    chosen = per_call["pydantic_read"] + per_call["pydantic_answer"]
    before = per_call["before_read"] + per_call["before_answer"]
    figures = [
        Figure("submission body: json + hand checks (before)", per_call["before_read"], "µs"),
        Figure("submission body: pydantic decode + validate", per_call["pydantic_read"], "µs"),
        Figure("submission body: msgspec decode + validate", per_call["msgspec_read"], "µs"),
        Figure("application answer: dict + json.dumps (before)", per_call["before_answer"], "µs"),
        Figure("application answer: pydantic build + encode", per_call["pydantic_answer"], "µs"),
        Figure("application answer: msgspec build + encode", per_call["msgspec_answer"], "µs"),
        Figure("before, body and answer of one submission", before, "µs"),
        Figure("pydantic, body and answer of one submission", chosen, "µs", TARGET_MODELS),
    ]
    return report(f"API models (load {os.getloadavg()[0]:.1f})", figures)


if __name__ == "__main__":
    run()
