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
    # The operator's secret (issue 14): what a privileged route answers without it.
    entry(
        "OPERATOR_REQUIRED",
        "console",
        401,
        "Бұл әрекет симулятор операторының құпиясын талап етеді (Authorization: Bearer немесе "
        "консольге кіру).",
        "Это действие требует секрета оператора симулятора (Authorization: Bearer или вход в "
        "консоль).",
        "This needs the simulator operator's secret (Authorization: Bearer, or signing in to "
        "the console).",
    ),
)
