"""How to reach the refusals of any HTTP address and of the portal (C2, C1, P3-P9) on purpose,
in English; `triggers.TRIGGERS` holds them with the others."""

from __future__ import annotations

from collections.abc import Mapping

from egovsim.catalogue.trigger_kinds import (
    REVOKED_BIN,
    REVOKED_IIN,
    UNAVAILABLE_BIN,
    UNAVAILABLE_IIN,
    Trigger,
    c1,
    c2,
)

PORTAL_TRIGGERS: Mapping[str, Trigger] = {
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
    "SIGNATURE_MALFORMED": c2(
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
    "SIGNER_CERT_MISSING": c2(
        "Send a CMS SignedData that carries no certificates (openssl cms -sign -nocerts)."
    ),
    "SIGNATURE_BROKEN": c2(
        "Sign the request's e-document and change one bit of the CMS's signature value, or send "
        "a detached signature made over other bytes than the e-document. (Changing the content "
        "of an attached one is SIGNED_CONTENT_MISMATCH: the portal compares it first.)"
    ),
    "WEAK_ALGORITHM": c2(
        "Sign the request with SHA-1 (openssl cms -sign -md sha1) or with an RSA key shorter "
        "than 2048 bits."
    ),
    "CERT_UNTRUSTED": c2(
        "Sign the request with the persona whose CA egovsim does not trust.", "citizen-untrusted"
    ),
    "CHAIN_INVALID": c2(
        "Sign the request with a copy of the signer's certificate whose CA signature was "
        "changed (one byte of its signature value), carried in the CMS; or run "
        "`egovsim verify cert` on such a certificate."
    ),
    "CERT_EXPIRED": c2("Sign the request with the expired persona.", "citizen-expired"),
    "CERT_NOT_YET_VALID": c2(
        "Sign the request with the persona whose certificates start next month.",
        "citizen-not-yet-valid",
    ),
    "CERT_REVOKED": c2(
        "Sign the request with the revoked persona, or with any signing certificate of the "
        f"magic IIN {REVOKED_IIN} (`egovsim pki issue --iin {REVOKED_IIN} --usage sign`); "
        f"for a company, of the magic BIN {REVOKED_BIN} (`egovsim pki issue --iin IIN --bin "
        f"{REVOKED_BIN} --usage sign`).",
        "citizen-revoked",
    ),
    "CERT_ON_HOLD": c2("Sign the request with the persona on hold.", "citizen-on-hold"),
    "REVOCATION_UNAVAILABLE": c2(
        f"Sign the request with a signing certificate of the magic IIN {UNAVAILABLE_IIN} "
        f"(`egovsim pki issue --iin {UNAVAILABLE_IIN} --usage sign`), or for a company of the "
        f"magic BIN {UNAVAILABLE_BIN} (`egovsim pki issue --iin IIN --bin {UNAVAILABLE_BIN} "
        "--usage sign`): OCSP answers tryLater and its CRL addresses are down (hard-fail "
        "revocation policy). On the command line: "
        "`egovsim verify cms --no-online` on a valid signature without a `--crl`."
    ),
    "CERT_WRONG_KEY_USAGE": c2(
        "Sign the request with the persona's authentication key.", "citizen-auth-only"
    ),
    "NO_SIGNING_RIGHT": c2(
        "Sign the company's request with an employee without signing right.", "company-finance"
    ),
    "IIN_MISMATCH": c2(
        "Sign citizen-valid's request with another citizen's signing key.", "citizen-second"
    ),
    "BIN_MISMATCH": Trigger(
        "portal API",
        "The energy company's first head orders the readiness passport and another legal "
        "entity's key (shymkent-energy-head) signs it; or `egovsim verify cms --expect-bin` with "
        "a BIN other than the signer's.",
        "company-first-head",
    ),
    "SIGNED_CONTENT_MISMATCH": c2(
        "Sign something other than the bytes of GET .../applications/{id}/document with a valid "
        "key and send it as the request's signature.",
        "citizen-valid",
    ),
    # C1: sign-in (POST /api/v1/auth/login) and registration.
    "LOGIN_ID_INVALID": c1("Log in with a login of 11 digits or with a bad check digit."),
    "ACCOUNT_UNKNOWN": c1("Log in with a valid IIN that has no portal account."),
    "ACCOUNT_LOCKED": c1(
        "Log in with a wrong password five times in a row: the fifth answers ACCOUNT_LOCKED, "
        "and so does every login for the next 30 simulated minutes.",
        "citizen-valid",
    ),
    "PASSWORD_WRONG": c1("Log in with a wrong password.", "citizen-valid"),
    "CHALLENGE_INVALID": c1(
        "Log in with a challenge_id that was never given, was used already, or is older than "
        "five minutes of the simulator's clock."
    ),
    "AUTH_SIGNATURE_REFUSED": c1(
        "Log in with the expired persona's authentication key (or any refused key).",
        "citizen-expired",
    ),
    "AUTH_CERT_ID_MISMATCH": c1(
        "Log in as citizen-valid while signing the challenge with another citizen's "
        "authentication key.",
        "citizen-second",
    ),
    "AUTH_NOT_AN_EMPLOYEE": c1(
        "Register the Shymkent energy department's BIN with its head's AUTH key "
        "(shymkent-energy-head), then log in with that BIN and the AUTH key of its deputy, "
        "whose certificate names the BIN but who is no employee of the new account.",
        "shymkent-energy-signer",
    ),
    "NOT_SIGNED_IN": c1("Call GET /api/v1/portal/applications without a session cookie."),
    "CSRF_TOKEN_INVALID": c1(
        "Send a state-changing portal request with a session but without X-CSRF-Token.",
        "citizen-valid",
    ),
    "PASSWORD_TOO_WEAK": c1("Register with POST /api/v1/auth/register and password `abc`."),
    "ACCOUNT_EXISTS": c1(
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
}
