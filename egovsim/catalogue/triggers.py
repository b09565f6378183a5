"""How to reach each refusal of the catalogue on purpose: the interface, the persona or input,
and the fault switch, for a developer exercising rejection paths (SPEC §6).

Kept as Python data rather than a YAML file: it ships with the package without a package-data
entry, mypy checks every field, and a missing or unknown code fails `tests/test_refusals.py`.
The words are English only; the refusals' own messages are in kk, ru and en in the catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from egovsim.catalogue import Refusal
from egovsim.magic import DELIVERY_UNREACHABLE, REVOCATION_UNAVAILABLE, REVOKED, numbers_with

Interface = Literal[
    "any HTTP address",
    "portal API",
    "page",
    "gateway SOAP",
    "gateway API",
    "workstation API",
    "State Corporation API",
    "NCALayer API",
    "clock API",
    "command line",
    "console API",
]

#: The seeds' refusal step that follows a failed condition (SPEC §2).
REFUSAL_STEPS: Mapping[str, str] = {"C1": "P2", "C2": "P5", "C3": "P8"}

#: The step id of the gateway's refusals in the catalogue.
GATEWAY_STEP = "gateway"


@dataclass(frozen=True, slots=True)
class Trigger:
    """How to make one refusal happen: where, with what, and which fault switch if any."""

    interface: Interface
    how: str
    persona: str | None = None
    fault_switch: str | None = None


@dataclass(frozen=True, slots=True)
class SoapFault:
    """How the gateway answers a refusal: an ErrorInfo fault with its faultcode, on HTTP 500
    (503 while the gateway is down)."""

    faultcode: str
    http_status: int = 500
    detail: str = "ErrorInfo"


def refusal_step(entry: Refusal) -> str | None:
    """The seeds' refusal step that follows `entry`'s condition (P2, P5, P8), if there is one."""
    return REFUSAL_STEPS.get(entry.step)


def soap_fault(entry: Refusal) -> SoapFault | None:
    """The SOAP fault the gateway answers `entry` with; None for a refusal it never gives."""
    if entry.code == "GATEWAY_UNAVAILABLE":  # the gateway is down: its own fault, and a 503
        return SoapFault("soapenv:Server", entry.http_status)
    if entry.step == GATEWAY_STEP:
        return SoapFault("soapenv:Client")
    if entry.code == "INTERNAL_ERROR":  # the gateway's own failure is the server's fault
        return SoapFault("soapenv:Server")
    return None


def _c1(how: str, persona: str | None = None) -> Trigger:
    return Trigger("portal API", how, persona)


def _c2(how: str, persona: str | None = None) -> Trigger:
    return Trigger("portal API", how, persona)


def _soap(how: str, fault_switch: str | None = None) -> Trigger:
    return Trigger("gateway SOAP", how, None, fault_switch)


def _desk(how: str) -> Trigger:
    return Trigger("workstation API", how)


def _counter(how: str) -> Trigger:
    return Trigger("State Corporation API", how)


#: The magic IINs and BINs (`egovsim.magic`, GET /api/v1/magic) that reach a code with no switch
#: at all.
_REVOKED_IIN = numbers_with(REVOKED, "iin")[0]
_REVOKED_BIN = numbers_with(REVOKED, "bin")[0]
_UNAVAILABLE_IIN = numbers_with(REVOCATION_UNAVAILABLE, "iin")[0]
_UNAVAILABLE_BIN = numbers_with(REVOCATION_UNAVAILABLE, "bin")[0]
_UNREACHABLE_IIN = numbers_with(DELIVERY_UNREACHABLE, "iin")[0]
_UNREACHABLE_BIN = numbers_with(DELIVERY_UNREACHABLE, "bin")[0]

TRIGGERS: Mapping[str, Trigger] = {
    # Any HTTP address.
    "BAD_REQUEST": Trigger(
        "any HTTP address",
        "POST a body that is not a JSON object, e.g. `[]`, to any JSON endpoint such as "
        "POST /api/v1/auth/login.",
    ),
    "NOT_FOUND": Trigger(
        "any HTTP address", "GET an address that does not exist, e.g. /api/v1/refusals/NO_SUCH."
    ),
    "METHOD_NOT_ALLOWED": Trigger(
        "any HTTP address", "Send DELETE to a GET-only address such as /api/v1/services."
    ),
    "REQUEST_TOO_LARGE": Trigger(
        "any HTTP address",
        "POST a body larger than the endpoint's limit: more than 1 MiB of JSON to "
        "POST /api/v1/auth/login, or more than 64 KiB to the OCSP responder (POST /ocsp).",
    ),
    "INTERNAL_ERROR": Trigger(
        "gateway SOAP",
        "An unexpected failure inside the simulator (the tests make the gateway's store fail); "
        "nothing reaches it on purpose.",
    ),
    # C2: the EDS check, on the portal's request (POST .../applications/{id}/signature) and in
    # `egovsim verify cms`.
    "SIGNATURE_MALFORMED": _c2(
        "Send bytes that are not a CMS SignedData as the request's signature, or run "
        "`egovsim verify cms` on such a file."
    ),
    "SIGNED_DATA_MISSING": Trigger(
        "portal API",
        'Check a detached signature without its data on the "check a document" service '
        "(POST /api/v1/portal/check-document, or the /check page): the report's code; or run "
        "`egovsim verify cms` on it without `--data`. The portal's own request signature never "
        "meets it: the portal supplies the e-document of a detached one.",
    ),
    "SIGNER_CERT_MISSING": _c2(
        "Send a CMS SignedData that carries no certificates (openssl cms -sign -nocerts)."
    ),
    "SIGNATURE_BROKEN": _c2(
        "Sign the request's e-document and change one bit of the CMS's signature value, or send "
        "a detached signature made over other bytes than the e-document. (Changing the content "
        "of an attached one is SIGNED_CONTENT_MISMATCH: the portal compares it first.)"
    ),
    "WEAK_ALGORITHM": _c2(
        "Sign the request with SHA-1 (openssl cms -sign -md sha1) or with an RSA key shorter "
        "than 2048 bits."
    ),
    "CERT_UNTRUSTED": _c2(
        "Sign the request with the persona whose CA egovsim does not trust.", "citizen-untrusted"
    ),
    "CHAIN_INVALID": _c2(
        "Sign the request with a copy of the signer's certificate whose CA signature was "
        "changed (one byte of its signature value), carried in the CMS; or run "
        "`egovsim verify cert` on such a certificate."
    ),
    "CERT_EXPIRED": _c2("Sign the request with the expired persona.", "citizen-expired"),
    "CERT_NOT_YET_VALID": _c2(
        "Sign the request with the persona whose certificates start next month.",
        "citizen-not-yet-valid",
    ),
    "CERT_REVOKED": _c2(
        "Sign the request with the revoked persona, or with any signing certificate of the "
        f"magic IIN {_REVOKED_IIN} (`egovsim pki issue --iin {_REVOKED_IIN} --usage sign`); "
        f"for a company, of the magic BIN {_REVOKED_BIN} (`egovsim pki issue --iin IIN --bin "
        f"{_REVOKED_BIN} --usage sign`).",
        "citizen-revoked",
    ),
    "CERT_ON_HOLD": _c2("Sign the request with the persona on hold.", "citizen-on-hold"),
    "REVOCATION_UNAVAILABLE": _c2(
        f"Sign the request with a signing certificate of the magic IIN {_UNAVAILABLE_IIN} "
        f"(`egovsim pki issue --iin {_UNAVAILABLE_IIN} --usage sign`), or for a company of the "
        f"magic BIN {_UNAVAILABLE_BIN} (`egovsim pki issue --iin IIN --bin {_UNAVAILABLE_BIN} "
        "--usage sign`): OCSP answers tryLater and its CRL addresses are down (hard-fail "
        "revocation policy). On the command line: "
        "`egovsim verify cms --no-online` on a valid signature without a `--crl`."
    ),
    "CERT_WRONG_KEY_USAGE": _c2(
        "Sign the request with the persona's authentication key.", "citizen-auth-only"
    ),
    "NO_SIGNING_RIGHT": _c2(
        "Sign the company's request with an employee without signing right.", "company-finance"
    ),
    "IIN_MISMATCH": _c2(
        "Sign citizen-valid's request with another citizen's signing key.", "citizen-second"
    ),
    "BIN_MISMATCH": Trigger(
        "portal API",
        "The energy company's first head orders the readiness passport and another legal "
        "entity's key (shymkent-energy-head) signs it; or `egovsim verify cms --expect-bin` with "
        "a BIN other than the signer's.",
        "company-first-head",
    ),
    "SIGNED_CONTENT_MISMATCH": _c2(
        "Sign something other than the bytes of GET .../applications/{id}/document with a valid "
        "key and send it as the request's signature.",
        "citizen-valid",
    ),
    # C1: sign-in (POST /api/v1/auth/login) and registration.
    "LOGIN_ID_INVALID": _c1("Log in with a login of 11 digits or with a bad check digit."),
    "ACCOUNT_UNKNOWN": _c1("Log in with a valid IIN that has no portal account."),
    "ACCOUNT_LOCKED": _c1(
        "Log in with a wrong password five times in a row: the fifth answers ACCOUNT_LOCKED, "
        "and so does every login for the next 30 simulated minutes.",
        "citizen-valid",
    ),
    "PASSWORD_WRONG": _c1("Log in with a wrong password.", "citizen-valid"),
    "CHALLENGE_INVALID": _c1(
        "Log in with a challenge_id that was never given, was used already, or is older than "
        "five minutes of the simulator's clock."
    ),
    "AUTH_SIGNATURE_REFUSED": _c1(
        "Log in with the expired persona's authentication key (or any refused key).",
        "citizen-expired",
    ),
    "AUTH_CERT_ID_MISMATCH": _c1(
        "Log in as citizen-valid while signing the challenge with another citizen's "
        "authentication key.",
        "citizen-second",
    ),
    "AUTH_NOT_AN_EMPLOYEE": _c1(
        "Register the Shymkent energy department's BIN with its head's AUTH key "
        "(shymkent-energy-head), then log in with that BIN and the AUTH key of its deputy, "
        "whose certificate names the BIN but who is no employee of the new account.",
        "shymkent-energy-signer",
    ),
    "NOT_SIGNED_IN": _c1("Call GET /api/v1/portal/applications without a session cookie."),
    "CSRF_TOKEN_INVALID": _c1(
        "Send a state-changing portal request with a session but without X-CSRF-Token.",
        "citizen-valid",
    ),
    "PASSWORD_TOO_WEAK": _c1("Register with POST /api/v1/auth/register and password `abc`."),
    "ACCOUNT_EXISTS": _c1(
        "Register with POST /api/v1/auth/register for an IIN that already has an account.",
        "citizen-valid",
    ),
    # P3–P9 on the portal.
    "REQUEST_ID_NOT_APPLICANTS": Trigger(
        "portal API",
        "Create a draft whose form's IIN/BIN field names someone other than the signed-in "
        "applicant.",
        "citizen-valid",
    ),
    "ATTACHMENT_TOO_LARGE": Trigger(
        "portal API", "Attach a file larger than 10 MiB to a draft.", "citizen-valid"
    ),
    "ATTACHMENT_TYPE_REFUSED": Trigger(
        "portal API",
        "Attach a text file renamed to photo.png: the type is read from the bytes.",
        "citizen-valid",
    ),
    "REQUEST_DOCUMENTS_MISSING": Trigger(
        "portal API",
        "Ask for a draft's document or sign it before attaching the variant's required documents.",
        "citizen-valid",
    ),
    "APPLICATION_NOT_DRAFT": Trigger(
        "portal API",
        "Send a second signature (or a new attachment) for an application already signed.",
        "citizen-valid",
    ),
    "REQUEST_NOT_SENT": Trigger(
        "portal API",
        "Switch the gateway off (PUT /api/v1/faults/gateway-down), then sign a request that "
        "passes C2: the gateway does not take it. It is sent as soon as the switch goes off "
        "(DELETE /api/v1/faults/gateway-down), or at the next start.",
        "citizen-valid",
        "PUT /api/v1/faults/gateway-down",
    ),
    "RESULT_NOT_READY": Trigger(
        "portal API",
        "GET .../applications/{id}/result before the provider's signed result has landed.",
        "citizen-valid",
    ),
    # P3 rules, at the provider's office (POST /api/v1/workstation/applications) and on the
    # portal's drafts.
    "SERVICE_NOT_PROVIDED": _desk(
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
    "CHANNEL_NOT_ALLOWED": _desk(
        "Register an application with a channel the service does not have, e.g. "
        '`"channel": "state_corporation"` for the Shymkent readiness passport.'
    ),
    "APPLICANT_NOT_ELIGIBLE": Trigger(
        "portal API",
        "Start a readiness passport draft as a citizen (an individual, IIN): only legal "
        "entities may apply.",
        "citizen-valid",
    ),
    "APPLICANT_ID_INVALID": _desk(
        "Register an application whose applicant's BIN has a bad check digit."
    ),
    "OUTSIDE_ACCEPTANCE_WINDOW": _desk(
        "Register a readiness passport with the clock outside 15 August – 30 September "
        "(POST /api/v1/clock to set it)."
    ),
    "UNKNOWN_VARIANT": _counter(
        'Open a package for the vessel licence with `"variant": "no-such-variant"`.'
    ),
    "FORM_INVALID": _desk(
        "Register a readiness passport without the form's `heating-season` field."
    ),
    # C3 and P8 (the executor's actions).
    "UNKNOWN_DOCUMENT": _desk(
        'Register an application listing `"documents": ["no-such-document"]`.'
    ),
    "DOCUMENTS_NOT_CHECKED": _desk(
        "As the executor, `prepare` a result before `check` has marked every document."
    ),
    "DOCUMENTS_INCOMPLETE": _desk(
        'As the executor, `check` a document as "missing", then `prepare` '
        '`{"result": "passport"}`: only a reasoned refusal may follow.'
    ),
    "RESULT_KIND_INVALID": _desk(
        'As the executor, `prepare` `{"result": "no-such-result"}` after the check.'
    ),
    "REFUSAL_NEEDS_GROUNDS": _desk(
        'As the executor, `prepare` `{"result": "refusal"}` without grounds.'
    ),
    # The workstation's own refusals.
    "STAFF_LOGIN_FAILED": _desk("POST /api/v1/workstation/session with a wrong password."),
    "STAFF_NOT_SIGNED_IN": _desk(
        "Call GET /api/v1/workstation/inbox without a Bearer token, or with one whose session "
        "was ended (DELETE /api/v1/workstation/session)."
    ),
    "APPLICATION_NOT_FOUND": _desk(
        "As alm-office, open an application of the Shymkent provider (or a number that does "
        "not exist)."
    ),
    "APPLICATION_CLOSED": _desk(
        "Act on an application after its result was handed over (or its refusal issued)."
    ),
    "ACTION_NOT_EXPECTED": _desk("As the head, `sign` before the executor has prepared a result."),
    "STEP_NOT_FOR_ROLE": _desk("As the executor, `sign` a prepared result (the head's step)."),
    "SIGNER_HAS_NO_KEY": Trigger(
        "workstation API",
        "`sign` a prepared result while the provider's authorized person has no key at hand (the "
        "switch signer-key-missing; or a signer whose keystore is missing from the certs "
        "directory).",
        None,
        "PUT /api/v1/faults/signer-key-missing",
    ),
    "RESULT_SIGNATURE_REFUSED": _desk(
        "`sign` a result after moving the clock past the signer's certificate's expiry "
        "(or revoking it with `egovsim pki revoke`)."
    ),
    "CLOCK_CHANGE_INVALID": Trigger(
        "clock API", 'POST /api/v1/clock with `{"set": "yesterday"}` or with two changes at once.'
    ),
    # The gateway (SHEP): faults on /shep/sync and /shep/async.
    "ENVELOPE_MALFORMED": _soap("POST a body that is not a SOAP 1.1 Envelope to /shep/async."),
    "SENDER_UNKNOWN": _soap("sendMessage with a senderId that was never registered."),
    "SENDER_PASSWORD_WRONG": _soap("sendMessage as egov-portal with a wrong password."),
    "SERVICE_UNKNOWN": _soap("sendMessage with a serviceId that has no route."),
    "CORRELATION_ID_MISSING": _soap("sendMessage of type RESPONSE without a correlationId."),
    "MESSAGE_ID_DUPLICATE": _soap("sendMessage twice with one messageId and different data."),
    "MESSAGE_UNKNOWN": _soap("getMessageStatus for a messageId the gateway never accepted."),
    "RECEIVER_UNREACHABLE": _soap(
        "Switch the service's receiver unreachable, then SyncChannel SendMessage to it: the "
        "fault comes at once. For asynchronous deliveries the switch makes every attempt fail "
        "and the message ends DELIVERY_STOPPED with this code in its last attempt and in the "
        "status notification, and so does any REQUEST whose applicant is the magic IIN "
        f"{_UNREACHABLE_IIN} or the magic BIN {_UNREACHABLE_BIN} (a portal request of that "
        "IIN or BIN ends DELIVERY_STOPPED).",
        'PUT /api/v1/gateway/routes/{serviceId}/fault {"kind": "unreachable"}',
    ),
    "GATEWAY_UNAVAILABLE": _soap(
        "Switch the gateway off (PUT /api/v1/faults/gateway-down), then send anything to "
        "/shep/sync or /shep/async: a soapenv:Server fault on HTTP 503.",
        "PUT /api/v1/faults/gateway-down",
    ),
    "WSS_SIGNATURE_MISSING": _soap(
        "sendMessage unsigned as a sender registered with the signature policy `required`."
    ),
    "WSS_SIGNATURE_INVALID": _soap(
        "sendMessage with a signed envelope whose SignatureValue is changed."
    ),
    "WSS_DIGEST_MISMATCH": _soap("Sign an envelope, then change the Body's text, and send it."),
    "WSS_BODY_NOT_SIGNED": _soap("sendMessage with a signature whose References omit the Body."),
    "WSS_WEAK_ALGORITHM": _soap("Sign the envelope with rsa-sha1 or a SHA-1 digest."),
    "WSS_TOKEN_INVALID": _soap(
        "Sign the envelope but put bytes that are not a certificate in the BinarySecurityToken."
    ),
    "WSS_UNSUPPORTED": _soap(
        "Sign the envelope with a Reference that has no exc-c14n transform or points outside it."
    ),
    "SIGNATURE_WRAPPING": _soap("Send a signed envelope with a second Body element."),
    "WSS_CERTIFICATE_REFUSED": _soap(
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
    "OPERATOR_LOGIN_FAILED": _counter("POST /api/v1/statecorp/session with a wrong password."),
    "OPERATOR_NOT_SIGNED_IN": _counter("Call GET /api/v1/statecorp/packages without a session."),
    "PACKAGE_NOT_FOUND": _counter("GET /api/v1/statecorp/packages/999999."),
    "PACKAGE_INCOMPLETE": _counter(
        "`check` a vessel licence package with one item 9 document left unticked: the refusal "
        "receipt of Annex 3."
    ),
    "PACKAGE_STATE_WRONG": _counter("`forward` a package before it has been checked and accepted."),
    "FORWARD_FAILED": Trigger(
        "State Corporation API",
        "Switch the gateway off (PUT /api/v1/faults/gateway-down), then `forward` an accepted "
        "package: the gateway does not take it. The package stays accepted; forward it again "
        "once the switch is off.",
        None,
        "PUT /api/v1/faults/gateway-down",
    ),
    "RESULT_NOT_AT_CENTRE": _counter(
        "`serve` a package whose result has not arrived at the centre."
    ),
    "HANDOUT_DOCUMENT_INVALID": _counter(
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
    "VERDICT_INVALID": _desk(
        'As the executor, `check` a document that was not attached as "compliant", or one as '
        '"non_compliant" without a note.'
    ),
    "REFUSAL_DOCUMENTS_COMPLIANT": _desk(
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
    "WSS_SIGNED_CONTENT_AMBIGUOUS": _soap(
        "Sign an envelope, then put a comment into its signed messageId (`X<!---->-rest`)."
    ),
    "WSS_TIMESTAMP_MISSING": _soap("Sign the Body only, leaving the wsu:Timestamp unsigned."),
    "WSS_TIMESTAMP_STALE": _soap(
        "Sign with a Timestamp created two weeks before both the simulator's time and the "
        "machine's (or 700 days after)."
    ),
    "WSS_REPLAYED": _soap("Send the same signed envelope twice within its Timestamp's window."),
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
    "DOCUMENT_NOT_OPENED": _desk(
        'As the executor, `check` an attached document of a portal application "compliant" '
        "without opening it first (GET /api/v1/workstation/applications/{id}/attachments/"
        "{document})."
    ),
}
