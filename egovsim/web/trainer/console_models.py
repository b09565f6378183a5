"""The trainer's console as its API reads and answers it (`Console...`): the overview (the clock,
the switches with the refusals they lead to, the receivers, who can be signed in as, the tours,
what could not be read), a tour with its steps, the clock's jump, the reset, the quick login."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import ConfigDict, Field

from egovsim.console.faults import codes_for_switch
from egovsim.console.tour import Sight, Tour, TourRun
from egovsim.errors import LANGUAGES
from egovsim.web.common.i18n import word
from egovsim.web.common.models import RequestModel, ResponseModel, Words, absent
from egovsim.web.gateway.operator_models import FAULTS as RECEIVER_FAULTS
from egovsim.web.gateway.operator_models import GatewayRoute
from egovsim.web.offices.statecorp_models import StatecorpOperator, StatecorpPackage
from egovsim.web.offices.workstation_models import WorkstationStaff
from egovsim.web.portal.auth_models import AuthApplicant
from egovsim.web.trainer.clock_models import Clock
from egovsim.web.trainer.fault_models import PkiFaultSwitch
from egovsim.web.trainer.refusal_models import ScenarioStepOutcome


def words(msgid: str) -> Words:
    """A word of the catalogs in every language."""
    return Words.model_validate({lang: word(msgid, lang) for lang in LANGUAGES})


# -- the tours ----------------------------------------------------------------------------------


class ConsoleSightWho(ResponseModel):
    """Whom the trainer signs in as to see a step's effect."""

    kind: Literal["persona", "staff", "operator"]
    id: str


class ConsoleSight(ResponseModel):
    """Where the room sees a step's effect, and who the trainer signs in as to see it."""

    path: str
    who: ConsoleSightWho | None

    @classmethod
    def of(cls, sight: Sight | None) -> ConsoleSight | None:
        """`sight` as the API shows it (None stays None)."""
        if sight is None:
            return None
        who = None
        if sight.who is not None:
            who = ConsoleSightWho.model_validate({"kind": sight.who[0], "id": sight.who[1]})
        return cls(path=sight.path, who=who)


class ConsoleTourStep(ResponseModel):
    """A tour's step: its narration and, once done in the tour under way, its outcome and
    where the room sees it."""

    name: str | None
    kind: str
    narration: Words
    expected_refusal: str | None
    outcome: ScenarioStepOutcome | None
    sight: ConsoleSight | None


class ConsoleTour(ResponseModel):
    """A guided tour: each step a narration and one action; with `position` and each done
    step's outcome when it is the tour under way."""

    id: str
    title: Words
    total: int
    position: int | None
    finished: bool | None
    application: int | None
    provider_application: int | None
    package: int | None
    prepared: list[str] | None = Field(
        description="What the tour's start set so earlier runs cannot change its outcome: "
        "accounts' failed logins forgotten, switches off."
    )
    steps: list[ConsoleTourStep]

    @classmethod
    def of(cls, tour: Tour, run: TourRun | None = None) -> ConsoleTour:
        """`tour` with its steps' narrations, and how far it went when `run` is under way."""
        steps = []
        for position, step in enumerate(tour.scenario.steps):
            done = run if run is not None and position < len(run.outcomes) else None
            steps.append(
                ConsoleTourStep(
                    name=step.name,
                    kind=step.kind,
                    narration=words(tour.narration_msgid(step)),
                    expected_refusal=step.refused.code if step.refused else None,
                    outcome=ScenarioStepOutcome.of(done.outcomes[position]) if done else None,
                    sight=ConsoleSight.of(done.sights[position]) if done else None,
                )
            )
        state = run.state if run is not None else None
        return cls(
            id=tour.id,
            title=words(tour.title_msgid()),
            total=len(tour.scenario.steps),
            position=run.position if run is not None else None,
            finished=run.finished if run is not None else None,
            application=state.application if state is not None else None,
            provider_application=state.provider_application if state is not None else None,
            package=state.package if state is not None else None,
            prepared=run.prepared if run is not None else None,
            steps=steps,
        )


class ConsoleTours(ResponseModel):
    """The guided tours; the one under way with its steps' outcomes."""

    tours: list[ConsoleTour]


# -- who the trainer can sign in as ---------------------------------------------------------------


class ConsolePersona(ResponseModel):
    """A persona with a portal account."""

    id: str
    name: str
    login: str = Field(description="The IIN or BIN the account signs in with.")
    organization: str | None
    summary: str | None
    expected_code: str | None = Field(description="The refusal the persona's keys lead to.")


class ConsoleStaff(ResponseModel):
    """A provider's staff member."""

    login: str
    role: str
    name: str
    provider: str
    provider_name: Words


class ConsoleOperator(ResponseModel):
    """A State Corporation centre's operator."""

    login: str
    name: str
    centre: str
    centre_name: Words


class ConsolePeople(ResponseModel):
    """Who the trainer can sign in as: personas with a portal account, staff, operators."""

    personas: list[ConsolePersona]
    staff: list[ConsoleStaff]
    operators: list[ConsoleOperator]


class ConsoleSignedIn(ResponseModel):
    """The session opened (its cookie is set) and the page to open; with the applicant and
    the CSRF token, the staff member or the operator signed in."""

    # Only the fields of the kind of login are sent.
    model_config = ConfigDict(frozen=True, json_schema_serialization_defaults_required=False)

    redirect: str = Field(description="The page to open.", examples=["/cabinet"])
    applicant: AuthApplicant | None = Field(default=None, exclude_if=absent)
    csrf_token: str | None = Field(default=None, exclude_if=absent)
    staff: WorkstationStaff | None = Field(default=None, exclude_if=absent)
    operator: StatecorpOperator | None = Field(default=None, exclude_if=absent)
    persona: str | None = Field(
        default=None, exclude_if=absent, description="The persona watched (a tour's sight)."
    )


# -- the overview ---------------------------------------------------------------------------------


class ConsoleSwitch(PkiFaultSwitch):
    """A fault switch as `GET /api/v1/faults` shows it, with the refusals it leads to."""

    codes: list[str]

    @classmethod
    def with_codes(cls, switch: PkiFaultSwitch) -> ConsoleSwitch:
        """`switch` with the refusals it leads to."""
        return cls(**dict(switch), codes=list(codes_for_switch(switch.name)))


class ConsoleReceiverKind(ResponseModel):
    """A kind of a receiver's fault, with the refusals it leads to."""

    kind: str
    codes: list[str]

    @classmethod
    def every(cls) -> list[ConsoleReceiverKind]:
        """Every kind of a receiver's fault."""
        kinds = RECEIVER_FAULTS
        return [cls(kind=kind, codes=list(codes_for_switch(f"gateway:{kind}"))) for kind in kinds]


class ConsoleTrouble(ResponseModel):
    """A part of the state that could not be read, and why."""

    part: str
    reason: str


class ConsoleOverview(ResponseModel):
    """Everything the console shows; what could not be read is in `troubles`, shown empty."""

    clock: Clock | None = Field(description="null when the clock cannot be told (see `troubles`).")
    troubles: list[ConsoleTrouble] = Field(
        description="The parts of the state that could not be read, and why: they are shown "
        "empty. `POST /api/v1/console/reset` or a clock set back to now puts them right."
    )
    faults: list[ConsoleSwitch]
    receivers: list[GatewayRoute]
    receiver_kinds: list[ConsoleReceiverKind]
    people: ConsolePeople
    tours: list[ConsoleTour]
    tour: str | None = Field(description="The tour under way.")
    ncalayer_persona: str | None = Field(description="Whose keys the NCALayer socket holds.")
    busy: str | None = Field(description="What runs now (a tour, a try-it run, a reset).")


# -- the clock, the reset, the caches, the sweep --------------------------------------------------


class ConsoleClockJump(RequestModel):
    """A day to jump to (MM-DD: the next one; or YYYY-MM-DD) and the hour, 10:00 unless
    given; anything else is CLOCK_CHANGE_INVALID."""

    refusal: ClassVar[str] = "CLOCK_CHANGE_INVALID"

    date: str = Field(examples=["08-15", "2027-08-15"])
    time: str | None = Field(default=None, examples=["10:00"])


class ConsoleReset(ResponseModel):
    """The reset done: the rows removed, by table, and the clock back on real time."""

    reset: Literal[True] = True
    removed: dict[str, int] = Field(description="The rows removed, by table.")
    clock: Clock


class ConsoleCachesCleared(ResponseModel):
    """The verifier's caches (and every other) forgotten."""

    cleared: Literal[True] = True


class ConsoleSweep(ResponseModel):
    """The packages the sweep sent back to their provider."""

    returned: list[StatecorpPackage]
