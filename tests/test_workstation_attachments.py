"""C3 opens each attached document: the REQUEST carries the attachments' metadata, and the
workstation fetches an attachment's content from the portal through the gateway (a synchronous
REQUEST routed to the portal) when the specialist opens it, serves it safely, records the opening,
and takes a verdict on the content only from a member who opened it."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from egovsim.errors import EgovsimError
from egovsim.gateway.attachments import AttachmentFetcher
from egovsim.statecorp.centres import STATECORP_SENDER
from egovsim.web.common.keys import SIMULATOR
from tests.test_portal import (  # noqa: F401
    DUPLICATE_DOCUMENTS,
    PNG,
    app_client,
    citizen,
    deliver_all,
    inbox_number,
    licence_draft,
    sign_and_send,
    staff,
)
from tests.test_workstation import Desk

PASSWORD = "Qwerty12"


async def registered_portal_licence(client: Any, persona: Any) -> tuple[Desk, int]:
    """A citizen's duplicate licence with its three attachments sent through the portal and
    registered at the office: (the executor's desk, the workstation's id)."""
    who = persona("citizen-valid")
    applicant = citizen(who)
    application_id = await licence_draft(client, applicant)
    await sign_and_send(client, applicant, application_id, who.sign)
    await deliver_all(client)
    office = await staff(client, "alm-office")
    number = await inbox_number(office)
    await office.act(number, "register")
    return await staff(client, "alm-executor"), number


async def test_an_attached_document_is_opened_before_it_is_marked_compliant(
    app_client,  # noqa: F811
    persona,
) -> None:
    executor, number = await registered_portal_licence(app_client, persona)
    view = await executor.call("GET", f"/api/v1/workstation/applications/{number}")
    listed = {a["document"]: a for a in view["attachments"]}
    assert set(listed) == set(DUPLICATE_DOCUMENTS)
    assert listed["photo"]["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert listed["photo"]["opened_by"] == []

    refused = await executor.act(number, "check", 409, documents={"photo": "compliant"})
    assert refused["error"]["code"] == "DOCUMENT_NOT_OPENED"
    assert refused["error"]["step"] == "C3"
    assert refused["error"]["details"] == {"document": "photo", "verdict": "compliant"}
    note = {"verdict": "non_compliant", "note": "blurred"}
    refused = await executor.act(number, "check", 409, documents={"photo": note})
    assert refused["error"]["code"] == "DOCUMENT_NOT_OPENED"
    # "missing" says nothing of the content: no need to open it.
    await executor.act(number, "check", documents={"identity-document": "missing"})

    reply = await app_client.get(listed["photo"]["href"], headers=executor.headers)
    assert reply.status == 200
    assert await reply.read() == PNG
    assert reply.content_type == "image/png"  # the content's type, sniffed
    assert reply.headers["Content-Disposition"] == "attachment; filename*=UTF-8''photo.x"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in reply.headers["Cache-Control"]

    await executor.act(number, "check", documents={"photo": "compliant"})
    view = await executor.call("GET", f"/api/v1/workstation/applications/{number}")
    opened = [h for h in view["history"] if h["action"] == "open_document"]
    assert [(h["actor"], h["details"]["document"]) for h in opened] == [("alm-executor", "photo")]
    assert next(a for a in view["attachments"] if a["document"] == "photo")["opened_by"] == [
        "alm-executor"
    ]
    # The head's opening is the head's: the executor still has to open the application form.
    head = await staff(app_client, "alm-head")
    await head.open_attachments(number)
    refused = await executor.act(number, "check", 409, documents={"application": "compliant"})
    assert refused["error"]["code"] == "DOCUMENT_NOT_OPENED"

    # The content came through the gateway, logged like any message: a synchronous REQUEST of
    # the workstation routed to the portal.
    store = app_client.app[SIMULATOR].gateway_store
    asked = [
        m
        for m in await store.for_receiver("almaty-small-vessel-licence", None, 100)
        if m.receiver == "portal" and m.channel == "sync"
    ]
    assert asked and all(m.sender_id == "arm-rshep" for m in asked)


async def test_the_page_links_each_attached_document_and_marks_it_opened(
    app_client,  # noqa: F811
    persona,
) -> None:
    executor, number = await registered_portal_licence(app_client, persona)
    href = f"/api/v1/workstation/applications/{number}/attachments/photo"
    page = await app_client.get(
        f"/workstation/applications/{number}?lang=en", headers=executor.headers
    )
    text = await page.text()
    assert f'href="{href}"' in text
    assert "Open: photo.x" in text
    assert "opened</span>" not in text
    await executor.open_attachments(number)
    page = await app_client.get(
        f"/workstation/applications/{number}?lang=en", headers=executor.headers
    )
    assert "opened</span>" in await page.text()


async def test_an_attachment_cannot_be_had_while_the_gateway_is_down_nor_by_another_sender(
    app_client,  # noqa: F811
    persona,
) -> None:
    executor, number = await registered_portal_licence(app_client, persona)
    down = await app_client.put("/api/v1/faults/gateway-down", json={"on": True})
    assert down.status == 200, await down.text()
    reply = await app_client.get(
        f"/api/v1/workstation/applications/{number}/attachments/photo", headers=executor.headers
    )
    body = await reply.json()
    assert body["error"]["code"] == "GATEWAY_UNAVAILABLE", body
    await app_client.put("/api/v1/faults/gateway-down", json={"on": False})

    # The State Corporation is no receiver of the portal's request: the portal refuses it.
    view = await executor.call("GET", f"/api/v1/workstation/applications/{number}")
    request_id = view["history"][0]["details"]["message_id"]
    stranger = AttachmentFetcher(
        _handle(app_client),
        PASSWORD,
        app_client.app[SIMULATOR].clock.now,
        sender_id=STATECORP_SENDER,
    )
    with pytest.raises(EgovsimError) as refused:
        await stranger.fetch(
            "almaty-small-vessel-licence", request_id, "photo", hashlib.sha256(PNG).hexdigest()
        )
    assert refused.value.code == "NOT_FOUND"
    assert "not routed to gk-" in str(refused.value.details["reason"])


def _handle(client: Any) -> Any:
    """`Gateway.handle` of the app, as an in-process sender calls it."""

    async def handle(channel: str, envelope: bytes) -> Any:
        return await client.app[SIMULATOR].gateway.handle(channel, envelope)

    return handle
