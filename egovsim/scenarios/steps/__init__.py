"""The step kinds of scenario files, each a function of the scenario's state and the step's
arguments giving the HTTP replies it got (which the runner judges)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from egovsim.scenarios.actors import Reply
from egovsim.scenarios.steps import expect, offices, portal, trainer
from egovsim.scenarios.steps.base import Run, StepFailed

Action = Callable[[Run, dict[str, Any]], Awaitable[list[Reply]]]

#: Each step kind of `model.STEP_KEYS` and the function carrying it out.
ACTIONS: Mapping[str, Action] = {
    "login": portal.login,
    "logout": portal.logout,
    "order": portal.order,
    "attach": portal.attach,
    "sign": portal.sign,
    "deliver": trainer.deliver,
    "staff": offices.staff,
    "counter": offices.counter,
    "clock": trainer.clock,
    "fault": trainer.fault,
    "soap": trainer.soap,
    "http": trainer.http,
    "expect": expect.expect,
}

__all__ = ["ACTIONS", "Action", "Run", "StepFailed"]
