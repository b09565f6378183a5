"""The provider's side answering the portal and the State Corporation through the gateway.

The workstation calls `ProviderAnswers.on_change` after each transition it has committed. For an
application that came from the portal through the gateway, every transition becomes an UPDATE,
the signed result a RESPONSE, and a paper result's hand-over a NOTIFICATION of where and when
to collect it, each sent as the regional workstation's sender with the portal REQUEST's
messageId as correlationId, through `Gateway.handle`, exactly as if it came over HTTP. Where that
notice names a State Corporation centre, the paper result itself goes there too: a REQUEST to
the centre at the hand-over (the centre holds it for collection), and a RESPONSE to that REQUEST
each time the centre asks for it again after storage.

No answer is lost if the process stops between the workstation's commit and the gateway's:
each answer's messageId is derived from what it answers (the request and the transition) and
its data only from what is stored, so it can be rebuilt at any time. Each call sends every
answer of the application the gateway does not hold yet; every transition counts, in its own
transaction, one answer owed by its application, and `catch_up()` (in the background after the
start, and when the gateway is switched on again) answers only the applications still owing;
the gateway applies a messageId once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping

from egovsim.gateway.seed import PORTAL_SENDER
from egovsim.gateway.sending import GatewaySender
from egovsim.regulations.calendar import WorkingCalendar
from egovsim.regulations.model import Regulation
from egovsim.statecorp.centres import STATECORP_SENDER
from egovsim.storage.application_lists import ApplicationLists
from egovsim.storage.gateway import GatewayStore
from egovsim.storage.records import Application, ResultRecord, StepRecord, Transition
from egovsim.workstation.answer_data import (
    CENTRE_ACTIONS,
    answers_for,
    centre_answers_for,
    collection_for_centre,
)
from egovsim.workstation.office_results import cabinet_result, send_to_cabinet
from egovsim.workstation.views import ApplicationView

log = logging.getLogger("egovsim.workstation")

#: How many owing applications the catch-up reads at a time.
CATCH_UP_PAGE = 200


class ProviderAnswers:
    """Answers the portal's requests from the workstation's transitions."""

    def __init__(
        self,
        lists: ApplicationLists,
        gateway: GatewayStore,
        sender: GatewaySender,
        regulations: Mapping[str, Regulation],
        calendar: WorkingCalendar,
    ) -> None:
        self._lists = lists
        self._gateway = gateway
        self._sender = sender
        self._regulations = regulations
        self._calendar = calendar

    async def on_change(self, view: ApplicationView, action: str) -> None:
        """The workstation's hook: answer what changed (never raises: the transition is
        committed already, and what fails here is sent by the next call or `catch_up`)."""
        try:
            owed = await self._lists.owed_count(view.application.id)
            _, complete = await self._answer(
                view.application,
                view.regulation,
                [s.record for s in view.steps],
                view.transitions,
                view.result,
            )
            if complete and owed:
                await self._lists.answered(view.application.id, owed)
        except Exception:
            log.exception("answering %s after %s failed", view.application.number, action)

    async def catch_up(self) -> int:
        """Send the answers the gateway does not hold of every application still owing some
        (after a stop between a transition and its answer, or while the gateway was down),
        a page at a time; how many were sent."""
        sent = 0
        after = 0
        while page := await self._lists.owing_answers(after, CATCH_UP_PAGE):
            details = await self._lists.details([a.id for a, _ in page])
            for application, owed in page:
                done, complete = await self._answer(
                    application,
                    self._regulations[application.regulation_id],
                    details.steps.get(application.id, []),
                    details.transitions.get(application.id, []),
                    details.results.get(application.id),
                )
                sent += done
                if complete:
                    await self._lists.answered(application.id, owed)
            after = page[-1][0].id
        return sent

    async def _answer(
        self,
        application: Application,
        regulation: Regulation,
        steps: list[StepRecord],
        transitions: list[Transition],
        result: ResultRecord | None,
    ) -> tuple[int, bool]:
        """How many answers were sent, and whether the gateway holds all it should now."""
        request_id = _request_id(transitions)
        if request_id is None:
            for_cabinet = cabinet_result(application, regulation, result)
            if for_cabinet is None:
                return 0, True
            sent = await send_to_cabinet(self._gateway, self._sender.send, for_cabinet)
            # Owed until the gateway holds it (a refusal while it is down is caught up later).
            return sent, await self._gateway.message(for_cabinet.message_id) is not None
        asked = await self._gateway.message(request_id)
        if asked is None:
            return 0, True
        if application.channel == "portal" and asked.sender_id == PORTAL_SENDER:
            outgoings = [
                o
                for o in answers_for(
                    application, regulation, steps, transitions, result, request_id, self._calendar
                )
                if o.data.get("action") not in CENTRE_ACTIONS  # the centre's business, not P9's
            ]
            outgoings += collection_for_centre(
                application, regulation, transitions, result, request_id
            )
        elif application.channel == "state_corporation" and asked.sender_id == STATECORP_SENDER:
            outgoings = centre_answers_for(
                application, regulation, steps, transitions, result, request_id, self._calendar
            )
        else:
            return 0, True  # each asker is answered on its own channel only
        sent = 0
        for outgoing in outgoings:
            if await self._gateway.message(outgoing.message_id) is not None:
                continue
            accepted, detail = await self._sender.send(
                application.regulation_id,
                outgoing.message_type,
                outgoing.message_id,
                None
                if outgoing.message_type == "REQUEST"
                else outgoing.correlation_id or request_id,
                json.dumps(outgoing.data, ensure_ascii=False, sort_keys=True),
            )
            if not accepted:
                # Later answers wait, so the portal never sees them out of order.
                log.warning("the gateway refused an answer of %s: %s", application.number, detail)
                return sent, False
            sent += 1
        return sent, True


def _request_id(transitions: list[Transition]) -> str | None:
    """The portal REQUEST's messageId, as the workstation recorded it at registration."""
    first = transitions[0] if transitions else None
    if first is None or first.action != "receive":
        return None
    found = first.details.get("message_id")
    return str(found) if found else None
