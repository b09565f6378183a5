"""The refusal catalogue as its API answers it (`Refusal...`): an entry with its trigger and SOAP
fault, the list, and a "try it" run with each scenario step's outcome (`ScenarioStepOutcome`,
which the console's tours show too)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema

from egovsim import errors
from egovsim.catalogue.trigger_words import HOW_WORDS
from egovsim.catalogue.triggers import TRIGGERS, refusal_step, soap_fault
from egovsim.console.faults import codes_for_switch, every_switch
from egovsim.console.live import StepOutcome
from egovsim.console.trial import Trial
from egovsim.errors import CATALOGUE
from egovsim.scenarios.index import scenarios_for
from egovsim.storage.faults import FAULT_NAMES
from egovsim.web.common.models import ResponseModel, Words
from egovsim.web.gateway.operator_models import FAULTS as RECEIVER_FAULTS

#: A code of the catalogue (its schema lists them all).
Code = Annotated[str, WithJsonSchema({"type": "string", "enum": sorted(CATALOGUE)})]


class RefusalTrigger(ResponseModel):
    """How to make the refusal happen on purpose."""

    interface: str = Field(examples=["portal API", "gateway SOAP"])
    how: str = Field(description="The input or action, in English.")
    how_words: Words = Field(
        description="The same in kk, ru and en; what is between backticks (a command, a body, "
        "an action) is the same in each."
    )
    persona: str | None = Field(examples=["citizen-expired"])
    fault_switch: str | None


class RefusalSoapFault(ResponseModel):
    """The gateway's answer: an ErrorInfo fault on HTTP 500 (503 while the gateway is down)."""

    http_status: Literal[500, 503]
    faultcode: Literal["soapenv:Client", "soapenv:Server"]
    detail: Literal["ErrorInfo"]


class RefusalScenario(ResponseModel):
    """A shipped scenario that reaches the refusal: its file and its name in it."""

    file: str
    name: str


class Refusal(ResponseModel):
    """One entry of the refusal catalogue. A gateway refusal has no HTTP status of its own
    (`http_status` is null) but a SOAP fault."""

    code: Code
    step: str = Field(examples=["C1", "C2", "C3", "gateway"])
    refusal_step: str | None = Field(
        description="The seeds' refusal step after the condition: P2, P5 or P8."
    )
    http_status: int | None
    soap_fault: RefusalSoapFault | None
    messages: Words
    trigger: RefusalTrigger
    fault_switches: list[str] = Field(
        description="The console's fault switches that lead to this refusal (`ocsp-down`, or a "
        "gateway receiver's kind as `gateway:unreachable`)."
    )
    scenarios: list[RefusalScenario] = Field(
        description="The shipped scenarios that reach this refusal; the first is the one "
        "`POST /api/v1/refusals/{code}/try` runs."
    )

    @classmethod
    def of(cls, entry: errors.Refusal) -> Refusal:
        """One catalogue entry with its trigger, as the API gives it."""
        trigger = TRIGGERS[entry.code]
        fault = soap_fault(entry)
        return cls(
            code=entry.code,
            step=entry.step,
            refusal_step=refusal_step(entry),
            http_status=None if entry.step == "gateway" else entry.http_status,
            soap_fault=None
            if fault is None
            else RefusalSoapFault(
                http_status=fault.http_status,  # type: ignore[arg-type]
                faultcode=fault.faultcode,  # type: ignore[arg-type]
                detail="ErrorInfo",
            ),
            messages=Words.model_validate(entry.messages),
            trigger=RefusalTrigger(
                interface=trigger.interface,
                how=trigger.how,
                # A code new to the catalogue shows its English until it is translated (a test
                # fails meanwhile): never a 500 for a missing word.
                how_words=Words.model_validate(
                    {"kk": trigger.how, "ru": trigger.how, **HOW_WORDS.get(entry.code, {})}
                    | {"en": trigger.how}
                ),
                persona=trigger.persona,
                fault_switch=trigger.fault_switch,
            ),
            fault_switches=[
                key
                for key in every_switch(FAULT_NAMES, RECEIVER_FAULTS)
                if entry.code in codes_for_switch(key)
            ],
            scenarios=[
                RefusalScenario(file=ref.path.name, name=ref.name)
                for ref in scenarios_for(entry.code)
            ],
        )


class RefusalList(ResponseModel):
    """The catalogue's entries, of one step when the query names it."""

    refusals: list[Refusal]


class ExpectedRefusal(ResponseModel):
    """The refusal a scenario step expects, and at which step."""

    code: str
    step: str


class ScenarioStepOutcome(ResponseModel):
    """What one scenario step did: passed, failed (why) or skipped, its evidence and time."""

    line: int = Field(description="The step's line in the scenario file.")
    kind: str = Field(examples=["login", "sign", "soap"])
    title: str
    expected_refusal: ExpectedRefusal | None
    outcome: Literal["passed", "failed", "skipped"]
    message: str = Field(description="Why the step failed.")
    refusal: dict[str, Any] | None = Field(
        description="The refusal the step received, as the simulator answered it."
    )
    evidence: str = Field(description="The step's requests and replies (status and body).")
    seconds: float

    @classmethod
    def of(cls, done: StepOutcome) -> ScenarioStepOutcome:
        """`done` as the console's API shows it."""
        refused = done.step.refused
        return cls(
            line=done.step.line,
            kind=done.step.kind,
            title=done.step.title(),
            expected_refusal=None
            if refused is None
            else ExpectedRefusal(code=refused.code, step=refused.where()),
            outcome=done.outcome,  # type: ignore[arg-type]
            message=done.message,
            refusal=done.refusal(),
            evidence=done.evidence or "\n\n".join(reply.evidence() for reply in done.replies),
            seconds=round(done.seconds, 3),
        )


class RefusalTrialScenario(ResponseModel):
    """The scenario a try-it run ran: its file, suite, name and line."""

    file: str
    suite: str
    name: str
    line: int


class RefusalTrial(ResponseModel):
    """A try-it run: the scenario, each step's outcome and evidence, the refusal received.
    `passed` is true when the refusal came where it is expected."""

    code: str
    scenario: RefusalTrialScenario
    passed: bool
    timed_out: bool
    error: str | None
    seconds: float
    refusal: dict[str, Any] | None
    steps: list[ScenarioStepOutcome]
    prepared: list[str] = Field(
        description="What was set before the run so earlier runs cannot change its outcome: "
        "switches off, accounts' failed logins forgotten."
    )
    restored: list[str] = Field(
        description="The fault switches the run left changed and that were put back."
    )

    @classmethod
    def of(cls, trial: Trial) -> RefusalTrial:
        """The outcome as `POST /api/v1/refusals/{code}/try` answers it."""
        ref = trial.ref
        return cls(
            code=trial.code,
            scenario=RefusalTrialScenario(
                file=ref.path.name, suite=ref.suite, name=ref.name, line=ref.line
            ),
            passed=trial.passed,
            timed_out=trial.timed_out,
            error=trial.error,
            seconds=round(trial.seconds, 3),
            refusal=trial.received(),
            steps=[ScenarioStepOutcome.of(step) for step in trial.steps],
            prepared=trial.prepared,
            restored=trial.restored,
        )
