"""How to reach each refusal of the catalogue on purpose: the interface, the persona or input,
and the fault switch, for a developer exercising rejection paths (SPEC §6).

Kept as Python data rather than a YAML file: it ships with the package without a package-data
entry, mypy checks every field, and a missing or unknown code fails `tests/test_refusals.py`.
The words are English only; the refusals' own messages are in kk, ru and en in the catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping

from egovsim.catalogue.trigger_kinds import (
    GATEWAY_STEP,
    REFUSAL_STEPS,
    UNREACHABLE_BIN,
    UNREACHABLE_IIN,
    Interface,
    SoapFault,
    Trigger,
    counter,
    desk,
    refusal_step,
    soap,
    soap_fault,
)
from egovsim.catalogue.triggers_portal import PORTAL_TRIGGERS

__all__ = [
    "GATEWAY_STEP",
    "REFUSAL_STEPS",
    "TRIGGERS",
    "Interface",
    "SoapFault",
    "Trigger",
    "refusal_step",
    "soap_fault",
]

TRIGGERS: Mapping[str, Trigger] = {
    **PORTAL_TRIGGERS,
    # P3 rules, at the provider's office (POST /api/v1/workstation/applications) and on the
    # portal's drafts.
    "SERVICE_NOT_PROVIDED": desk(
        "Register an application, as shym-office, for the Almaty vessel licence."
    ),
    "SERVICE_NOT_EFFECTIVE": Trigger(
        "portal API",
        "Switch the effective-period check on, then order (or register at the provider's office) "
        "the Almaty small-vessel licence: its regulation was repealed from 10 October 2020. The "
        "check is off by default, so the repealed regulation can be demonstrated.",
        "citizen-valid",
        "PUT /api/v1/faults/effective-period",
    ),
    "CHANNEL_NOT_ALLOWED": desk(
        "Register an application with a channel the service does not have, e.g. "
        '`"channel": "state_corporation"` for the Shymkent readiness passport.'
    ),
    "APPLICANT_NOT_ELIGIBLE": Trigger(
        "portal API",
        "Start a readiness passport draft as a citizen (an individual, IIN): only legal "
        "entities may apply.",
        "citizen-valid",
    ),
    "APPLICANT_ID_INVALID": desk(
        "Register an application whose applicant's BIN has a bad check digit."
    ),
    "OUTSIDE_ACCEPTANCE_WINDOW": desk(
        "Register a readiness passport with the clock outside 15 August – 30 September "
        "(POST /api/v1/clock to set it)."
    ),
    "UNKNOWN_VARIANT": counter(
        'Open a package for the vessel licence with `"variant": "no-such-variant"`.'
    ),
    "FORM_INVALID": desk(
        "Register a readiness passport without the form's `heating-season` field."
    ),
    # C3 and P8 (the executor's actions).
    "UNKNOWN_DOCUMENT": desk(
        'Register an application listing `"documents": ["no-such-document"]`.'
    ),
    "DOCUMENTS_NOT_CHECKED": desk(
        "As the executor, `prepare` a result before `check` has marked every document."
    ),
    "DOCUMENTS_INCOMPLETE": desk(
        'As the executor, `check` a document as "missing", then `prepare` '
        '`{"result": "passport"}`: only a reasoned refusal may follow.'
    ),
    "RESULT_KIND_INVALID": desk(
        'As the executor, `prepare` `{"result": "no-such-result"}` after the check.'
    ),
    "REFUSAL_NEEDS_GROUNDS": desk(
        'As the executor, `prepare` `{"result": "refusal"}` without grounds.'
    ),
    # The workstation's own refusals.
    "STAFF_LOGIN_FAILED": desk("POST /api/v1/workstation/session with a wrong password."),
    "STAFF_NOT_SIGNED_IN": desk(
        "Call GET /api/v1/workstation/inbox without a Bearer token, or with one whose session "
        "was ended (DELETE /api/v1/workstation/session)."
    ),
    "APPLICATION_NOT_FOUND": desk(
        "As alm-office, open an application of the Shymkent provider (or a number that does "
        "not exist)."
    ),
    "APPLICATION_CLOSED": desk(
        "Act on an application after its result was handed over (or its refusal issued)."
    ),
    "ACTION_NOT_EXPECTED": desk("As the head, `sign` before the executor has prepared a result."),
    "STEP_NOT_FOR_ROLE": desk("As the executor, `sign` a prepared result (the head's step)."),
    "SIGNER_HAS_NO_KEY": Trigger(
        "workstation API",
        "`sign` a prepared result while the provider's authorized person has no key at hand (the "
        "switch signer-key-missing; or a signer whose keystore is missing from the certs "
        "directory).",
        None,
        "PUT /api/v1/faults/signer-key-missing",
    ),
    "RESULT_SIGNATURE_REFUSED": desk(
        "`sign` a result after moving the clock past the signer's certificate's expiry "
        "(or revoking it with `egovsim pki revoke`)."
    ),
    "CLOCK_CHANGE_INVALID": Trigger(
        "clock API", 'POST /api/v1/clock with `{"set": "yesterday"}` or with two changes at once.'
    ),
    # The gateway (SHEP): faults on /shep/sync and /shep/async.
    "ENVELOPE_MALFORMED": soap("POST a body that is not a SOAP 1.1 Envelope to /shep/async."),
    "SENDER_UNKNOWN": soap("sendMessage with a senderId that was never registered."),
    "SENDER_PASSWORD_WRONG": soap("sendMessage as egov-portal with a wrong password."),
    "SERVICE_UNKNOWN": soap("sendMessage with a serviceId that has no route."),
    "CORRELATION_ID_MISSING": soap("sendMessage of type RESPONSE without a correlationId."),
    "MESSAGE_ID_DUPLICATE": soap("sendMessage twice with one messageId and different data."),
    "MESSAGE_UNKNOWN": soap("getMessageStatus for a messageId the gateway never accepted."),
    "RECEIVER_UNREACHABLE": soap(
        "Switch the service's receiver unreachable, then SyncChannel SendMessage to it: the "
        "fault comes at once. For asynchronous deliveries the switch makes every attempt fail "
        "and the message ends DELIVERY_STOPPED with this code in its last attempt and in the "
        "status notification, and so does any REQUEST whose applicant is the magic IIN "
        f"{UNREACHABLE_IIN} or the magic BIN {UNREACHABLE_BIN} (a portal request of that "
        "IIN or BIN ends DELIVERY_STOPPED).",
        'PUT /api/v1/gateway/routes/{serviceId}/fault {"kind": "unreachable"}',
    ),
    "GATEWAY_UNAVAILABLE": soap(
        "Switch the gateway off (PUT /api/v1/faults/gateway-down), then send anything to "
        "/shep/sync or /shep/async: a soapenv:Server fault on HTTP 503.",
        "PUT /api/v1/faults/gateway-down",
    ),
    "WSS_SIGNATURE_MISSING": soap(
        "sendMessage unsigned as a sender registered with the signature policy `required`."
    ),
    "WSS_SIGNATURE_INVALID": soap(
        "sendMessage with a signed envelope whose SignatureValue is changed."
    ),
    "WSS_DIGEST_MISMATCH": soap("Sign an envelope, then change the Body's text, and send it."),
    "WSS_BODY_NOT_SIGNED": soap("sendMessage with a signature whose References omit the Body."),
    "WSS_WEAK_ALGORITHM": soap("Sign the envelope with rsa-sha1 or a SHA-1 digest."),
    "WSS_TOKEN_INVALID": soap(
        "Sign the envelope but put bytes that are not a certificate in the BinarySecurityToken."
    ),
    "WSS_UNSUPPORTED": soap(
        "Sign the envelope with a Reference that has no exc-c14n transform or points outside it."
    ),
    "SIGNATURE_WRAPPING": soap("Send a signed envelope with a second Body element."),
    "WSS_CERTIFICATE_REFUSED": soap(
        "Sign the envelope with a revoked persona's key (the C2 code is in subError)."
    ),
    # P4: the NCALayer key sets (the trainer's console).
    "NCALAYER_PERSONA_UNKNOWN": Trigger(
        "NCALayer API", 'PUT /api/v1/ncalayer/persona with `{"persona": "no-such-persona"}`.'
    ),
    "NCALAYER_PASSWORD_WRONG": Trigger(
        "NCALayer API",
        'PUT /api/v1/ncalayer/persona with `{"persona": "citizen-valid", "password": "wrong"}`.',
        "citizen-valid",
    ),
    "NCALAYER_CLIENT_REFUSED": Trigger(
        "NCALayer API",
        "Open the WebSocket /ncalayer with `Origin: https://elsewhere.example` (a page of "
        "another site), or from another machine without `serve --ncalayer-remote`.",
    ),
    # The State Corporation's counter (operator gk-alm-1).
    "OPERATOR_LOGIN_FAILED": counter("POST /api/v1/statecorp/session with a wrong password."),
    "OPERATOR_NOT_SIGNED_IN": counter("Call GET /api/v1/statecorp/packages without a session."),
    "PACKAGE_NOT_FOUND": counter("GET /api/v1/statecorp/packages/999999."),
    "PACKAGE_INCOMPLETE": counter(
        "`check` a vessel licence package with one item 9 document left unticked: the refusal "
        "receipt of Annex 3."
    ),
    "PACKAGE_STATE_WRONG": counter("`forward` a package before it has been checked and accepted."),
    "FORWARD_FAILED": Trigger(
        "State Corporation API",
        "Switch the gateway off (PUT /api/v1/faults/gateway-down), then `forward` an accepted "
        "package: the gateway does not take it. The package stays accepted; forward it again "
        "once the switch is off.",
        None,
        "PUT /api/v1/faults/gateway-down",
    ),
    "RESULT_NOT_AT_CENTRE": counter(
        "`serve` a package whose result has not arrived at the centre."
    ),
    "HANDOUT_DOCUMENT_INVALID": counter(
        '`hand_out` with `"document": "driving-licence"` or a power of attorney that is not '
        "notarized."
    ),
    # The trainer's console.
    "CONSOLE_BUSY": Trigger(
        "console API",
        "POST /api/v1/refusals/{code}/try (or a tour's next step, or POST /api/v1/console/reset) "
        "while a try-it run is still under way.",
    ),
    "COLLECTION_INVALID": Trigger(
        "gateway SOAP",
        "As the provider's workstation (sender arm-rshep), send a REQUEST for the vessel licence "
        "carrying a result signed by the Almaty provider's signer (almaty-transport-signer) "
        "whose data names no known centre, service or applicant: the centre refuses its "
        "delivery (NOT_DELIVERED, this code in the attempt).",
    ),
    # The regulations' own term rules.
    "TERM_DATE_INVALID": Trigger(
        "portal API",
        "Order the Almaty licence after a passed exam (`variant: licence-after-exam`) without the "
        "form's `exam-date`, or with a date after today: its 8 working days count from the exam.",
        "citizen-valid",
    ),
    "VERDICT_INVALID": desk(
        'As the executor, `check` a document that was not attached as "compliant", or one as '
        '"non_compliant" without a note.'
    ),
    "REFUSAL_DOCUMENTS_COMPLIANT": desk(
        'As the executor, `check` every document "compliant", then `prepare` '
        '`{"refusal": true, "grounds": "..."}`: a refusal for incompleteness needs a document '
        "that fails."
    ),
    # Safe on a network (issue 14): the operator's secret, what was signed, the allow-list.
    "OPERATOR_REQUIRED": Trigger(
        "console API",
        "Start `egovsim serve --operator-token SECRET` and POST /api/v1/clock (or any route the "
        "OpenAPI document marks operatorToken) without `Authorization: Bearer SECRET`.",
    ),
    "WSS_SIGNED_CONTENT_AMBIGUOUS": soap(
        "Sign an envelope, then put a comment into its signed messageId (`X<!---->-rest`)."
    ),
    "WSS_TIMESTAMP_MISSING": soap("Sign the Body only, leaving the wsu:Timestamp unsigned."),
    "WSS_TIMESTAMP_STALE": soap(
        "Sign with a Timestamp created two weeks before both the simulator's time and the "
        "machine's (or 700 days after)."
    ),
    "WSS_REPLAYED": soap("Send the same signed envelope twice within its Timestamp's window."),
    "DRAFTS_LIMIT_REACHED": Trigger(
        "portal API",
        "Open a 21st draft (POST /api/v1/portal/applications) while 20 of one applicant's are "
        "unsigned (the setting max_open_drafts).",
    ),
    "ATTACHMENTS_QUOTA_EXCEEDED": Trigger(
        "portal API",
        "Attach more than 50 MiB in all to one applicant's drafts (the setting "
        "max_draft_attachment_bytes), e.g. six 9.9 MiB PDFs.",
    ),
    "RECEIVER_HOST_NOT_ALLOWED": Trigger(
        "gateway API",
        'POST /api/v1/gateway/routes with a "url" on a host that is neither loopback nor named '
        "with `serve --receiver-host`.",
    ),
    "ROUTE_PARTY_UNKNOWN": Trigger(
        "gateway API",
        'POST /api/v1/gateway/routes with a "provider" or a "sender_id" that was never registered.',
    ),
    # Timestamps and several signers (CAdES-T).
    "TIMESTAMP_MISSING": Trigger(
        "command line",
        "Sign without `--tsp`, then `egovsim verify cms FILE --require-timestamp`.",
    ),
    "TIMESTAMP_IMPRINT_MISMATCH": Trigger(
        "command line",
        "Switch `tsa-wrong-imprint` on: `egovsim sign cms --tsp` refuses the token it is given "
        "(a verifier meets a token over another signature as this code).",
        fault_switch="tsa-wrong-imprint",
    ),
    "TSA_UNTRUSTED": Trigger(
        "command line",
        "Switch `tsa-untrusted` on, `egovsim sign cms --tsp`, then `egovsim verify cms`.",
        fault_switch="tsa-untrusted",
    ),
    "TSA_UNAVAILABLE": Trigger(
        "command line",
        "Switch `tsa-down` on (or `tsa-slow` beyond the timeout), then `egovsim sign cms --tsp`.",
        fault_switch="tsa-down",
    ),
    "SIGNER_REFUSED": Trigger(
        "command line",
        "Sign with a valid persona, add a second signer with `egovsim sign cms --add` using "
        "the revoked persona, then `egovsim verify cms`.",
        persona="citizen-revoked",
    ),
    # C3: an attached document opened before a verdict on its content (issue 15).
    "DOCUMENT_NOT_OPENED": desk(
        'As the executor, `check` an attached document of a portal application "compliant" '
        "without opening it first (GET /api/v1/workstation/applications/{id}/attachments/"
        "{document})."
    ),
}
