"""What the trainer's console refuses: a second run while one is under way."""

from __future__ import annotations

from egovsim.catalogue import Refusal, entry

ENTRIES: tuple[Refusal, ...] = (
    entry(
        "CONSOLE_BUSY",
        "console",
        409,
        "Тренер консолі бір әрекетті орындап жатыр (сценарийді тексеру, тур қадамы немесе "
        "демоны қалпына келтіру); ол аяқталғанда қайталаңыз.",
        "Консоль тренера уже выполняет действие (проверку сценария, шаг тура или сброс "
        "демо); повторите, когда оно завершится.",
        "The trainer's console is already running something (a try-it run, a tour step or a "
        "reset of the demo); try again when it ends.",
    ),
)
