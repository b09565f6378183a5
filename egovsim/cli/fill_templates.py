"""The applications a filled history is copied from: each played once for real (signed, sent
through the gateway, run by the staff) by a scenario, with its share of the history."""

from __future__ import annotations

from dataclasses import dataclass

_ALM = """
      - login: citizen-valid
      - order:
          service: almaty-small-vessel-licence
          variant: duplicate
          form: {request-kind: duplicate}
          attach: {application: pdf, identity-document: jpeg, photo: png}"""
_ALM_SENT = (
    _ALM
    + """
      - sign: {persona: citizen-valid}
      - deliver:"""
)
_ALM_REGISTERED = (
    _ALM_SENT
    + """
      - staff: {login: alm-office, action: register}"""
)
_ALM_CHECKED = (
    _ALM_REGISTERED
    + """
      - staff: {login: alm-executor, action: open}
      - staff:
          login: alm-executor
          action: check
          params:
            documents: {application: compliant, identity-document: compliant, photo: compliant}"""
)
_ALM_PREPARED = (
    _ALM_CHECKED
    + """
      - staff: {login: alm-executor, action: prepare, params: {result: duplicate}}"""
)
_ALM_SIGNED = (
    _ALM_PREPARED
    + """
      - staff: {login: alm-head, action: sign}"""
)
_ALM_DELIVERED = (
    _ALM_SIGNED
    + """
      - staff: {login: alm-office, action: hand_over}
      - deliver:"""
)
_ALM_REFUSED_C3 = (
    _ALM_REGISTERED
    + """
      - staff: {login: alm-executor, action: open}
      - staff:
          login: alm-executor
          action: check
          params:
            documents:
              application: compliant
              identity-document: compliant
              photo: {verdict: non_compliant, note: the photograph is not 3x4}
      - staff:
          login: alm-executor
          action: prepare
          params: {refusal: true, grounds: the photograph is not 3x4}
      - staff: {login: alm-head, action: sign}
      - staff: {login: alm-office, action: hand_over}
      - deliver:"""
)
_ALM_REFUSED_C2 = (
    _ALM
    + """
      - sign: {persona: citizen-untrusted}
        refused: {code: CERT_UNTRUSTED, step: C2}"""
)
_SHYM = """
      - login: company-first-head
      - order:
          service: shymkent-energy-readiness-passport
          form: {applicant-category: energy-producing-organization, heating-season: 2027}
          attach: {application: pdf, supporting-documents: pdf}
      - sign: {detached: true}
      - deliver:
      - staff: {login: shym-office, action: register}"""
_SHYM_RESOLVED = (
    _SHYM
    + """
      - staff: {login: shym-head, action: resolve}"""
)
_SHYM_DELIVERED = (
    _SHYM_RESOLVED
    + """
      - staff: {login: shym-dept, action: assign, params: {executor: shym-executor}}
      - staff: {login: shym-executor, action: open}
      - staff:
          login: shym-executor
          action: check
          params: {documents: {application: compliant, supporting-documents: compliant}}
      - staff: {login: shym-executor, action: prepare, params: {result: passport}}
      - staff: {login: shym-head, action: sign}
      - staff: {login: shym-office, action: hand_over}
      - deliver:"""
)
_COLLECTED = """
      - counter:
          login: gk-alm-1
          action: open
          params:
            service: almaty-small-vessel-licence
            variant: duplicate
            applicant: {iin: "850715301233", name: ТЕСТОВ ТЕСТ}
      - counter:
          action: check
          params: {documents: [application, identity-document, photo]}
      - counter: {action: forward}
      - deliver:
      - staff: {login: alm-office, action: register}
      - staff: {login: alm-head, action: resolve}
      - staff:
          login: alm-executor
          action: check
          params:
            documents: {application: compliant, identity-document: compliant, photo: compliant}
      - staff: {login: alm-executor, action: prepare, params: {result: duplicate}}
      - staff: {login: alm-head, action: sign}
      - staff: {login: alm-office, action: hand_over}
      - deliver:
      - clock: {advance: {days: 1}}
      - counter: {login: gk-alm-2, action: serve}
      - counter:
          action: hand_out
          params: {document: identity-document, document_number: "045612378"}"""


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of application in the history: its scenario and its share."""

    name: str
    provider: str
    clock: str
    steps: str
    #: Its share of the closed history, or None for an open one (the open share is split evenly).
    share: float | None


KINDS = (
    Kind("delivered-almaty", "almaty", "working-morning", _ALM_DELIVERED, 0.40),
    Kind("delivered-shymkent", "shymkent", "in-window 08-15..09-30", _SHYM_DELIVERED, 0.30),
    Kind("refused-c3", "almaty", "working-morning", _ALM_REFUSED_C3, 0.12),
    Kind("refused-c2", "almaty", "working-morning", _ALM_REFUSED_C2, 0.08),
    Kind("collected-at-centre", "almaty", "working-morning", _COLLECTED, 0.10),
    Kind("open-at-register", "almaty", "working-morning", _ALM_SENT, None),
    Kind("open-at-check", "almaty", "working-morning", _ALM_REGISTERED, None),
    Kind("open-at-prepare", "almaty", "working-morning", _ALM_CHECKED, None),
    Kind("open-at-sign", "almaty", "working-morning", _ALM_PREPARED, None),
    Kind("open-at-hand-over", "almaty", "working-morning", _ALM_SIGNED, None),
    Kind("open-at-resolve", "shymkent", "in-window 08-15..09-30", _SHYM, None),
    Kind("open-at-assign", "shymkent", "in-window 08-15..09-30", _SHYM_RESOLVED, None),
)


def scenario_file() -> str:
    """The scenario file that plays every kind once, in the order of `KINDS`."""
    parts = ["suite: history-templates", "scenarios:"]
    for kind in KINDS:
        parts.append(f"  - name: {kind.name}\n    clock: {kind.clock}\n    steps:{kind.steps}")
    return "\n".join(parts) + "\n"
