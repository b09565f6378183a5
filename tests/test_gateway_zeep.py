"""SOAP toolkits against the running gateway: zeep clients generated from the WSDL egovsim serves
and from the published v10 reference WSDL send, poll and get faults on both channels."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import zeep
from aiohttp.test_utils import TestServer
from zeep import xsd

from egovsim.clock import Clock
from egovsim.web.app import create_app
from egovsim.web.common.keys import SIMULATOR
from tests.conftest import UNSIGNED_SENDERS
from tests.test_workstation import day_in_certificate_window, passport_request

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "shep-v10"
PASSPORT = "shymkent-energy-readiness-passport"
SENDER = {"senderId": "egov-portal", "password": "Qwerty12"}


@pytest.fixture
async def live(settings) -> AsyncIterator[TestServer]:
    # A stock zeep client sends without WS-Security: the portal's sender lets it (the switch).
    quiet = settings.with_overrides(gateway_worker=False, wss_optional_senders=UNSIGNED_SENDERS)
    server = TestServer(
        create_app(quiet, Clock(frozen_at=day_in_certificate_window(9, 1))), host="127.0.0.1"
    )
    await server.start_server()
    try:
        yield server
    finally:
        await server.close()


def _proxy(wsdl: str, service: str, port: str, address: str) -> Any:
    client = zeep.Client(wsdl)
    proxy = client.bind(service, port)
    proxy._binding_options["address"] = address  # the WSDL names the public address
    return client, proxy


def _async_exchange(wsdl: str, base: str) -> dict[str, Any]:
    _, proxy = _proxy(wsdl, "AsyncChannelHttpService", "AsyncChannelHttpPort", f"{base}/shep/async")
    message_id = str(uuid.uuid4())
    sent = proxy.sendMessage(
        request={
            "messageInfo": {
                "messageId": message_id,
                "serviceId": PASSPORT,
                "messageType": "REQUEST",
                "messageDate": datetime(2027, 9, 1, 10),
                "sender": SENDER,
            },
            "messageData": {"data": xsd.AnyObject(xsd.String(), json.dumps(passport_request()))},
        }
    )
    status = proxy.getMessageStatus(
        request={
            "messageId": message_id,
            "requestDate": datetime(2027, 9, 1, 10),
            "sender": SENDER,
        }
    )
    polled = proxy.getMessages(request={"serviceId": PASSPORT, "sender": SENDER, "amount": 5})
    try:
        proxy.sendMessage(
            request={
                "messageInfo": {
                    "serviceId": "nowhere",
                    "messageType": "REQUEST",
                    "messageDate": datetime(2027, 9, 1, 10),
                    "sender": SENDER,
                },
                "messageData": {"data": xsd.AnyObject(xsd.String(), "{}")},
            }
        )
    except zeep.exceptions.Fault as fault:
        error_code = fault.detail.find(".//errorCode").text
    else:  # pragma: no cover - the assertion below reports it
        error_code = None
    return {
        "sent": sent,
        "status": status,
        "polled": polled,
        "fault": error_code,
        "message_id": message_id,
    }


def _sync_exchange(wsdl: str, base: str) -> Any:
    _, proxy = _proxy(wsdl, "ISyncChannelHttpService", "SyncChannelHttpPort", f"{base}/shep/sync")
    return proxy.SendMessage(
        request={
            "requestInfo": {
                "messageId": str(uuid.uuid4()),
                "serviceId": PASSPORT,
                "messageDate": datetime(2027, 9, 1, 10),
                "sender": SENDER,
            },
            "requestData": {"data": xsd.AnyObject(xsd.String(), json.dumps(passport_request()))},
        }
    )


def _check_async(result: dict[str, Any]) -> None:
    assert result["sent"].messageId == result["message_id"]
    assert result["sent"].correlationId == result["message_id"]
    assert result["status"].messageState == "ON_DELIVERY"
    assert any(m.messageInfo.messageId == result["message_id"] for m in result["polled"].messages)
    assert result["fault"] == "SERVICE_UNKNOWN"


async def test_a_client_generated_from_the_served_wsdl_talks_to_both_channels(live) -> None:
    base = str(live.make_url("")).rstrip("/")
    result = await asyncio.to_thread(_async_exchange, f"{base}/shep/async?wsdl", base)
    _check_async(result)
    assert await live.app[SIMULATOR].delivery.deliver_due() == 1
    answer = await asyncio.to_thread(_sync_exchange, f"{base}/shep/sync?wsdl", base)
    assert answer.responseInfo.status.code == "OK"


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="the shared reference contract is absent")
async def test_a_client_generated_from_the_reference_wsdl_works_too(live) -> None:
    base = str(live.make_url("")).rstrip("/")
    reference_async = str(REFERENCE / "AsyncChannel/v10/Interfaces/AsyncChannelHttp_Service.wsdl")
    reference_sync = str(REFERENCE / "SyncChannel/v10/Interfaces/SyncChannelHttp_Service.wsdl")
    result = await asyncio.to_thread(_async_exchange, reference_async, base)
    _check_async(result)
    answer = await asyncio.to_thread(_sync_exchange, reference_sync, base)
    assert answer.responseInfo.status.code == "OK"
