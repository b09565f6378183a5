"""The verdicts of a conformance run: each check judged from what its pushes got back, what
the system sent the gateway about its requests, and egovsim's verifier on the result."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from egovsim.conformance.checks import CheckResult, result_signature
from egovsim.conformance.exchanges import Exchange, acknowledgement, refusal, refused_for
from egovsim.conformance.gateway import ConformanceGateway
from egovsim.pki.oids import SIGNING_ROLES
from egovsim.signatures.checks import Expectations
from egovsim.storage.gateway import StoredMessage

if TYPE_CHECKING:
    from egovsim.conformance.runner import ConformanceOptions


class Judges:
    """Judges each check of a run once its pushes are done and its answers waited for."""

    def __init__(
        self,
        options: ConformanceOptions,
        gateway: ConformanceGateway,
        requests: dict[str, StoredMessage],
        exchanges: dict[str, list[Exchange]],
    ) -> None:
        self.options = options
        self.gateway = gateway
        self.requests = requests  # check id -> its REQUEST
        self.exchanges = exchanges  # check id -> its pushes

    async def judge(self, result: CheckResult) -> None:
        """Fill in `result`'s verdict on its check."""
        judges = {
            "request-acknowledged": self._judge_request_acknowledged,
            "updates-signed-and-correlated": self._judge_updates,
            "response-signed-by-authorized-person": self._judge_response,
            "duplicate-handled-once": self._judge_duplicate,
            "redelivery-handled-once": self._judge_redelivery,
            "malformed-refused": self._judge_refused,
            "unsigned-refused": self._judge_refused,
            "revoked-signer-refused": self._judge_refused,
            "untrusted-signer-refused": self._judge_refused,
            "tampered-body-refused": self._judge_refused,
            "status-notification-acknowledged": self._judge_notification,
        }
        await judges[result.spec.id](result)

    def _answers_evidence(self, result: CheckResult, request_id: str, kind: str | None) -> None:
        for arrival in self.gateway.arrivals_about(request_id):
            if kind is None or arrival.message_type == kind:
                result.exchanges.append(arrival.exchange)

    async def _judge_request_acknowledged(self, result: CheckResult) -> None:
        (push,) = self.exchanges["request-acknowledged"]
        result.see(push.label, *acknowledgement(push))

    async def _answers_to_first(self, result: CheckResult, kind: str) -> list[StoredMessage]:
        """The answers of `kind` to the first check's REQUEST, with the gateway's exchanges as
        evidence; none seen (and why) when there are none."""
        request_id = self.requests["request-acknowledged"].message_id
        answers = await self.gateway.answers_to(request_id)
        found = [a for a in answers if a.message_type == kind]
        self._answers_evidence(result, request_id, kind)
        if not found:
            result.see(
                f"an {kind} with correlationId {request_id}"
                if kind == "UPDATE"
                else f"a {kind} with correlationId {request_id}",
                False,
                self._missing(result, "request-acknowledged", kind),
            )
        return found

    async def _judge_updates(self, result: CheckResult) -> None:
        for update in await self._answers_to_first(result, "UPDATE"):
            self._judge_sender(result, update)

    def _missing(self, result: CheckResult, check: str, kind: str) -> str:
        """Why no answer of that kind to the check's REQUEST is there, in words: the push was
        not taken, or the gateway refused what came, or it came about another request."""
        if not any(acknowledgement(e)[0] for e in self.exchanges[check]):
            return "none: the REQUEST was not acknowledged"
        request_id = self.requests[check].message_id
        words = f"none was accepted by the gateway within {self.options.answer_timeout:g} s"
        refused = [
            a
            for a in self.gateway.arrivals_about(request_id)
            if a.message_type == kind and a.exchange.status != 200
        ]
        if refused:
            return f"{words}; it refused {len(refused)} (the faults are below)"
        strays = [
            a
            for a in self.gateway.arrivals
            if a.message_type == kind and a.correlation_id not in self._request_ids()
        ]
        result.exchanges.extend(stray.exchange for stray in strays)
        if strays:
            named = ", ".join(sorted({str(a.correlation_id) for a in strays}))
            return f"{words}; {len(strays)} came with another correlationId ({named})"
        return words

    def _request_ids(self) -> set[str]:
        return {r.message_id for r in self.requests.values()}

    def _judge_sender(self, result: CheckResult, message: StoredMessage) -> None:
        title = f"{message.message_type} {message.message_id}"
        if message.channel != "async":
            result.see(title, False, f"came through the {message.channel} channel, not async")
        if message.sender_id != self.options.sender_id:
            result.see(title, False, f"sent as {message.sender_id}, not {self.options.sender_id}")
            return
        security = message.security
        if not security.get("signed"):
            result.see(title, False, "the envelope has no WS-Security signature")
            return
        signer = security.get("signer") or {}
        who = f"{signer.get('name')} (BIN {signer.get('bin')}, {signer.get('role')})"
        expected = self.options.expected_bin
        if expected is not None and signer.get("bin") != expected:
            result.see(title, False, f"WS-Security signed by {who}, not of the BIN {expected}")
            return
        result.see(title, True, f"WS-Security signed by {who}; the gateway passed the certificate")

    async def _judge_response(self, result: CheckResult) -> None:
        responses = await self._answers_to_first(result, "RESPONSE")
        if not responses:
            return
        response = responses[0]
        self._judge_sender(result, response)
        title = f"the result in RESPONSE {response.message_id}"
        found = result_signature(response.data_xml)
        if isinstance(found, str):
            result.see(title, False, found)
            return
        cms, document = found
        expected = self.options.expected_bin
        report = await self.gateway.verifier.verify_cms(
            cms, content=document, at=self.gateway.now(), expect=Expectations(bin=expected)
        )
        result.notes.append(
            "── egovsim's verifier on the result's CMS ──\n"
            + json.dumps(report.to_json(), ensure_ascii=False, indent=1)
        )
        for attempt in await self.gateway.attempts(response):
            result.notes.append(f"── the portal took it: {attempt.outcome}: {attempt.detail} ──")
        if not report.passed:
            failed = next((c for c in report.checks if c.code == report.code), None)
            why = f"{report.code}: {failed.detail}" if failed is not None else str(report.code)
            result.see(title, False, f"egovsim's verifier says {report.indication}, {why}")
            return
        signer = report.signer
        assert signer is not None
        who = f"{signer.common_name} (IIN {signer.iin}, BIN {signer.bin}, {signer.role})"
        if signer.bin is None or signer.role not in SIGNING_ROLES:
            result.see(
                title,
                False,
                f"signed by {who}: not a provider's first head or person with signing right",
            )
            return
        result.see(title, True, f"TOTAL_PASSED, signed by {who}")

    async def _judge_once(self, result: CheckResult, check: str) -> None:
        request_id = self.requests[check].message_id
        answers = await self.gateway.answers_to(request_id)
        responses = [a for a in answers if a.message_type == "RESPONSE"]
        self._answers_evidence(result, request_id, "RESPONSE")
        title = f"RESPONSEs with correlationId {request_id}"
        if not responses:
            result.see(title, False, self._missing(result, check, "RESPONSE"))
        elif len(responses) > 1:
            ids = ", ".join(r.message_id for r in responses)
            result.see(title, False, f"{len(responses)} ({ids}): the request was handled again")
        else:
            result.see(title, True, f"one ({responses[0].message_id})")

    async def _judge_duplicate(self, result: CheckResult) -> None:
        for push in self.exchanges["duplicate-handled-once"]:
            result.see(push.label, *acknowledgement(push))
        await self._judge_once(result, "duplicate-handled-once")

    async def _judge_redelivery(self, result: CheckResult) -> None:
        cut, again = self.exchanges["redelivery-handled-once"]
        result.see(cut.label, True, cut.note)
        result.see(again.label, *acknowledgement(again))
        await self._judge_once(result, "redelivery-handled-once")

    async def _judge_refused(self, result: CheckResult) -> None:
        check = result.spec.id
        said = []
        expected = result.spec.refusal
        for push in self.exchanges[check]:
            refused, words = refusal(push)
            if refused and expected is not None:
                refused, why = refused_for(push, expected.codes, expected.words)
                words = f"{words} ({why})" if refused else f"{why} ({words})"
            result.see(push.label, refused, words)
            said.append(words)
        result.summary = "; ".join(said)
        request_id = self.requests[check].message_id
        answers = await self.gateway.answers_to(request_id)
        self._answers_evidence(result, request_id, None)
        title = f"answers to the refused {request_id}"
        if answers:
            sent = ", ".join(f"{a.message_type} {a.message_id}" for a in answers)
            result.see(title, False, f"the system answered it all the same: {sent}")
        else:
            result.see(title, True, "none came")

    async def _judge_notification(self, result: CheckResult) -> None:
        (push,) = self.exchanges["status-notification-acknowledged"]
        result.see(push.label, *acknowledgement(push, "changeMassageStatusNotification"))
