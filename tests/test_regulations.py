"""The regulation files hold what the seeds say, and the loader names the line of every mistake."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from egovsim.regulations.loader import (
    SERVICES_DIRECTORY,
    RegulationError,
    load_regulation,
    load_regulations,
)
from egovsim.regulations.model import SUBMISSION, Duration, Regulation, Text
from egovsim.regulations.sequence import Stage

SHYMKENT = "shymkent-energy-readiness-passport"
ALMATY = "almaty-small-vessel-licence"

#: A third service, as a file the tests write: the error table below edits it one line at a time
#: and expects the line numbers shown here, so keep its layout when changing it.
SAMPLE = """\
id: sample-service
name: {kk: Үлгі қызмет, ru: Образец услуги, en: Sample service}
basis:
  authority: {kk: Әкімдік, ru: Акимат, en: Akimat}
  resolution_number: "1"
  resolution_date: 2020-01-15
  standard: {kk: Стандарт, ru: Стандарт, en: Standard}
  seed: none
  cite: Resolution item 1
period: {start: 2020-02-01, end: null, cite: Resolution item 2}
provider: {name: {kk: Басқарма, ru: Управление, en: Department}, cite: Regulation item 1}
applicants:
  - {id: citizen, kind: individual, name: {kk: Азамат, ru: Гражданин, en: Citizen}, cite: item 2}
  - {id: company, kind: legal_entity, name: {kk: Компания, ru: Компания, en: Firm}, cite: item 2}
channels: {portal: Regulation item 1, state_corporation: Regulation item 1}
windows:
  - {start: 03-01, end: 03-31, cite: Regulation item 1}
  - {start: 03-01, end: 04-30, categories: [company], cite: Regulation item 1}
form:
  - {id: iin, type: iin, required: true, label: {kk: ЖСН, ru: ИИН, en: IIN}, cite: item 9}
  - {id: kind, type: choice, choices: [new, copy], required: true, cite: item 9,
     label: {kk: Түрі, ru: Вид, en: Kind}}
variants:
  - {id: new, name: {kk: Жаңа, ru: Новый, en: New}, cite: Regulation item 5}
  - {id: copy, name: {kk: Көшірме, ru: Копия, en: Copy}, cite: Regulation item 5}
documents:
  - {id: application, required_in: ["*"], cite: Standard item 9,
     name: {kk: Өтініш, ru: Заявление, en: Application}}
  - {id: old-permit, required_in: [copy], optional_in: [new], cite: Standard item 9,
     name: {kk: Рұқсат, ru: Разрешение, en: Permit}}
results:
  - {id: permit, variants: [new, copy], name: {kk: Рұқсат, ru: Допуск, en: Permit}, cite: item 3}
  - {id: refusal, refusal: true, name: {kk: Бас тарту, ru: Отказ, en: Refusal}, cite: item 3}
result_forms: {electronic: Regulation item 3}
fee: {amount_kzt: 1000, cite: Regulation item 2}
steps:
  - id: register
    role: office
    action: register
    duration: 1 hour
    name: {kk: Тіркеу, ru: Регистрация, en: Registration}
    cite: Regulation item 5, action 1
  - id: decide
    role: executor
    action: prepare
    duration: 3 working days
    by_variant: {copy: 1 working day}
    name: {kk: Шешім, ru: Решение, en: Decision}
    cite: Regulation item 5, action 2
  - id: sign
    role: head
    action: sign
    duration: 45 minutes
    name: {kk: Қол қою, ru: Подпись, en: Signature}
    cite: Regulation item 5, action 3
refusal: {at_step: decide, duration: 2 working days, resumes_at: sign, result: refusal,
          cite: Regulation item 5}
portal:
  cite: Regulation item 9
  sequence:
    - {id: P1, kind: process, stages: [authorization, account-check, authorization-refusal],
       name: {kk: Кіру, ru: Вход, en: Sign-in}, cite: item 9}
    - {id: P2, kind: process, stages: [request, certificate-choice, signing],
       name: {kk: Сұрау, ru: Запрос, en: Request}, cite: item 9}
    - {id: C1, kind: condition, stages: [signature-check],
       name: {kk: ЭЦҚ, ru: ЭЦП, en: EDS}, cite: item 9}
    - {id: P3, kind: process, stages: [signature-refusal],
       name: {kk: Бас тарту, ru: Отказ, en: Refusal}, cite: item 9}
    - {id: P4, kind: process, stages: [sending, registration],
       name: {kk: Тіркеу, ru: Регистрация, en: Registration}, cite: item 9}
    - {id: C2, kind: condition, stages: [documents-check],
       name: {kk: Құжаттар, ru: Документы, en: Documents}, cite: item 9}
    - {id: P5, kind: process, stages: [documents-refusal],
       name: {kk: Бас тарту, ru: Отказ, en: Refusal}, cite: item 9}
    - {id: P6, kind: process, stages: [result],
       name: {kk: Нәтиже, ru: Результат, en: Result}, cite: item 9}
"""

STEPS_BLOCK = SAMPLE[SAMPLE.index("\nsteps:\n") + 1 : SAMPLE.index("\nrefusal:") + 1]


@pytest.fixture(scope="module")
def regulations() -> dict[str, Regulation]:
    return load_regulations()


def write(directory: Path, text: str, name: str = "service.yaml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def edited(old: str, new: str) -> str:
    assert SAMPLE.count(old) == 1, f"the edit must hit exactly one place: {old!r}"
    return SAMPLE.replace(old, new)


def all_texts(regulation: Regulation) -> list[Text]:
    texts = [regulation.name, regulation.provider, regulation.basis.authority]
    texts += [regulation.basis.standard]
    texts += [item.name for item in regulation.applicants]
    texts += [item.label for item in regulation.form]
    texts += [item.name for item in regulation.variants]
    texts += [item.name for item in regulation.documents]
    texts += [item.name for item in regulation.results]
    texts += [item.name for item in regulation.steps]
    if regulation.fee.note is not None:
        texts.append(regulation.fee.note)
    if regulation.period.repealed_by is not None:
        texts.append(regulation.period.repealed_by)
    return texts


# -- the two seeds --------------------------------------------------------------------------------


def test_the_package_holds_both_seeded_services(regulations: dict[str, Regulation]) -> None:
    assert sorted(regulations) == [ALMATY, SHYMKENT]
    for regulation_id, regulation in regulations.items():
        assert regulation.source == SERVICES_DIRECTORY / f"{regulation_id}.yaml"


def test_every_text_has_kazakh_russian_and_english(regulations: dict[str, Regulation]) -> None:
    for regulation in regulations.values():
        for text in all_texts(regulation):
            assert sorted(text) == ["en", "kk", "ru"]
            assert all(value.strip() for value in text.values())


def test_every_cited_value_points_at_the_seed(regulations: dict[str, Regulation]) -> None:
    for regulation in regulations.values():
        cited = [*regulation.applicants, *regulation.windows, *regulation.variants]
        cited += [*regulation.documents, *regulation.steps, regulation.refusal]
        for value in cited:
            assert "item" in value.cite, value


def test_shymkent_route_is_the_seeds_item_5(regulations: dict[str, Regulation]) -> None:
    route = [(s.role, s.action, s.duration) for s in regulations[SHYMKENT].steps]
    assert route == [
        ("office", "register", Duration(15, "minutes")),
        ("head", "resolve", Duration(15, "minutes")),
        ("department_head", "assign", Duration(15, "minutes")),
        ("executor", "prepare", Duration(16, "calendar_days")),
        ("head", "sign", Duration(1, "working_days")),
        ("office", "hand_over", Duration(15, "minutes")),
    ]
    assert all(not step.by_variant for step in regulations[SHYMKENT].steps)


def test_shymkent_refusal_is_prepared_by_the_executor_and_signed_by_the_head(
    regulations: dict[str, Regulation],
) -> None:
    regulation = regulations[SHYMKENT]
    refusal = regulation.refusal
    assert regulation.step(refusal.at_step).role == "executor"
    assert regulation.step(refusal.resumes_at).action == "sign"
    assert refusal.duration == Duration(16, "calendar_days")
    assert {r.id: r.refusal for r in regulation.results} == {
        "passport": False,
        "passport-with-remarks": False,
        "reasoned-refusal": True,
    }
    assert refusal.result == "reasoned-refusal"


def test_shymkent_accepts_from_15_august_and_the_system_operator_until_25_october(
    regulations: dict[str, Regulation],
) -> None:
    regulation = regulations[SHYMKENT]
    windows = {frozenset(w.categories): (w.start, w.end) for w in regulation.windows}
    assert windows == {
        frozenset(): ((8, 15), (9, 30)),
        frozenset({"system-operator"}): ((8, 15), (10, 25)),
    }
    assert {(a.id, a.kind) for a in regulation.applicants} == {
        ("energy-producing-organization", "legal_entity"),
        ("energy-transmitting-organization", "legal_entity"),
        ("system-operator", "legal_entity"),
    }
    assert regulation.channels == {"provider_office", "portal"}
    assert regulation.result_forms == {"electronic", "paper"}


def test_shymkent_basis_is_resolution_816(regulations: dict[str, Regulation]) -> None:
    regulation = regulations[SHYMKENT]
    assert regulation.basis.resolution_number == "816"
    assert regulation.basis.resolution_date == date(2019, 10, 28)
    assert regulation.basis.registration == "70"
    assert regulation.basis.seed == "000_e47d20a4ff33bc8f.txt"
    assert regulation.period.end is None
    assert regulation.is_effective(date(2024, 9, 1))
    assert not regulation.is_effective(date(2019, 10, 30))
    required = {d.id for d in regulation.documents_for(None) if "*" in d.required_in}
    assert "application" in required


def test_almaty_route_terms_by_variant(regulations: dict[str, Regulation]) -> None:
    regulation = regulations[ALMATY]
    route = [(s.role, s.action, s.duration) for s in regulation.steps]
    assert route == [
        ("office", "register", Duration(30, "minutes")),
        ("head", "resolve", Duration(2, "hours")),
        ("executor", "prepare", Duration(8, "working_days")),
        ("head", "sign", Duration(2, "hours")),
        ("office", "hand_over", Duration(30, "minutes")),
    ]
    executor = regulation.steps[2]
    assert executor.term("licence-after-exam") == Duration(8, "working_days")
    assert executor.term("duplicate") == Duration(1, "working_days")
    assert executor.term("renewal-after-expiry") == Duration(2, "working_days")
    assert [v.id for v in regulation.variants] == [
        "licence-after-exam",
        "duplicate",
        "renewal-after-expiry",
    ]


def test_almaty_refusal_takes_one_working_day_then_goes_to_the_head(
    regulations: dict[str, Regulation],
) -> None:
    regulation = regulations[ALMATY]
    refusal = regulation.refusal
    assert refusal.duration == Duration(1, "working_days")
    assert regulation.step(refusal.at_step).action == "prepare"
    assert regulation.step(refusal.resumes_at).action == "sign"
    results = {r.id: (r.refusal, r.variants) for r in regulation.results}
    assert results == {
        "licence": (False, {"licence-after-exam"}),
        "duplicate": (False, {"duplicate"}),
        "new-licence-after-expiry": (False, {"renewal-after-expiry"}),
        "reasoned-refusal": (True, frozenset()),
    }
    assert refusal.result == "reasoned-refusal"


def test_almaty_is_free_for_individuals_on_paper_via_the_state_corporation_or_the_portal(
    regulations: dict[str, Regulation],
) -> None:
    regulation = regulations[ALMATY]
    assert regulation.fee.amount_kzt == 0
    assert [(a.id, a.kind) for a in regulation.applicants] == [("individual", "individual")]
    assert regulation.channels == {"state_corporation", "portal"}
    assert regulation.result_forms == {"paper"}
    assert regulation.windows == ()


def test_almaty_was_repealed_in_2020(regulations: dict[str, Regulation]) -> None:
    regulation = regulations[ALMATY]
    assert regulation.basis.resolution_number == "3/258"
    assert regulation.period.end is not None
    assert regulation.period.end.year == 2020
    assert regulation.period.repealed_by is not None
    assert "3/401" in regulation.period.repealed_by["ru"]
    assert regulation.is_effective(date(2019, 6, 1))
    assert not regulation.is_effective(date(2021, 1, 1))


def test_almaty_documents_differ_by_variant(regulations: dict[str, Regulation]) -> None:
    regulation = regulations[ALMATY]
    documents = {v.id: {d.id for d in regulation.documents_for(v.id)} for v in regulation.variants}
    assert "exam-record" in documents["licence-after-exam"]
    assert "exam-record" not in documents["duplicate"]
    assert "expired-licence" in documents["renewal-after-expiry"]
    assert "expired-licence" not in documents["licence-after-exam"]
    assert len({frozenset(ids) for ids in documents.values()}) == 3
    common = {d.id for d in regulation.documents_for(None)}
    assert common == {"application", "identity-document", "photo"}


# -- a third service is only a file --------------------------------------------------------------


def test_a_third_service_loads_from_a_new_file(tmp_path: Path) -> None:
    for source in SERVICES_DIRECTORY.glob("*.yaml"):
        shutil.copy(source, tmp_path)
    write(tmp_path, SAMPLE, "sample.yaml")
    write(tmp_path, "not: a regulation", "notes.txt")  # only *.yaml files are services

    loaded = load_regulations(tmp_path)

    assert sorted(loaded) == [ALMATY, "sample-service", SHYMKENT]
    sample = loaded["sample-service"]
    assert sample.fee.amount_kzt == 1000
    assert sample.step("decide").term("copy") == Duration(1, "working_days")
    assert sample.step("decide").term("new") == Duration(3, "working_days")
    assert [d.id for d in sample.documents_for("new")] == ["application", "old-permit"]
    assert sample.form[1].choices == ("new", "copy")
    assert sample.windows[1].categories == {"company"}


def test_a_window_may_cross_the_new_year(tmp_path: Path) -> None:
    text = edited("start: 03-01, end: 03-31", "start: 11-15, end: 02-15")
    regulation = load_regulation(write(tmp_path, text))
    assert (regulation.windows[0].start, regulation.windows[0].end) == ((11, 15), (2, 15))


@pytest.mark.parametrize(
    ("written", "parsed"),
    [
        ("1 minute", Duration(1, "minutes")),
        ("90 minutes", Duration(90, "minutes")),
        ("1 hour", Duration(1, "hours")),
        ("3 hours", Duration(3, "hours")),
        ("1 working day", Duration(1, "working_days")),
        ("8 working days", Duration(8, "working_days")),
        ("1 calendar day", Duration(1, "calendar_days")),
        ("16  Calendar  Days", Duration(16, "calendar_days")),
    ],
)
def test_durations_read_as_written(tmp_path: Path, written: str, parsed: Duration) -> None:
    regulation = load_regulation(
        write(tmp_path, edited("duration: 1 hour", f"duration: {written}"))
    )
    assert regulation.step("register").duration == parsed


def test_two_files_with_one_id_name_both(tmp_path: Path) -> None:
    write(tmp_path, SAMPLE, "a.yaml")
    write(tmp_path, SAMPLE, "b.yaml")
    with pytest.raises(RegulationError) as caught:
        load_regulations(tmp_path)
    assert caught.value.path == tmp_path / "b.yaml"
    assert caught.value.line == 1
    assert "duplicate regulation id 'sample-service'" in str(caught.value)
    assert f"{tmp_path.name}/a.yaml" in str(caught.value)
    assert str(caught.value).startswith(f"{tmp_path.name}/b.yaml:1: ")


# -- mistakes, each at its line ------------------------------------------------------------------

MISTAKES = [
    pytest.param(
        "    role: head\n",
        "    role: boss\n",
        51,
        "step 'sign': unknown role 'boss'"
        " (expected one of office, head, department_head, executor)",
        id="unknown-role",
    ),
    pytest.param(
        "action: sign", "action: approve", 52, "step 'sign': unknown action 'approve'", id="action"
    ),
    pytest.param(
        "duration: 45 minutes",
        "duration: 45 fortnights",
        53,
        "unknown duration unit 'fortnights'",
        id="unknown-unit",
    ),
    pytest.param(
        "duration: 1 hour",
        "duration: 0 hours",
        40,
        "step 'register': 'duration' '0 hours' must start with a positive whole number",
        id="zero-duration",
    ),
    pytest.param(
        "duration: 3 working days",
        "duration: -3 working days",
        46,
        "must start with a positive whole number",
        id="negative-duration",
    ),
    pytest.param(
        "duration: 3 working days",
        "duration: 3",
        46,
        "step 'decide': 'duration' must read like '15 minutes'",
        id="duration-not-text",
    ),
    pytest.param(
        "    duration: 45 minutes\n",
        "",
        50,
        "step 'sign': missing key 'duration'",
        id="missing-key",
    ),
    pytest.param(
        "fee: {amount_kzt: 1000, cite: Regulation item 2}\n",
        "",
        1,
        "missing key 'fee'",
        id="missing-top-level-key",
    ),
    pytest.param(
        "    role: head\n",
        "    rol: head\n",
        51,
        "unknown key 'rol' (did you mean 'role'?)",
        id="typo-key",
    ),
    pytest.param(
        "    role: head\n",
        "    role: head\n    role: office\n",
        52,
        "duplicate key 'role' (first at line 51)",
        id="duplicate-key",
    ),
    pytest.param(
        ", en: Sample service}", "}", 2, "'name' is missing the 'en' text", id="missing-language"
    ),
    pytest.param(
        "en: Akimat}",
        "en: Akimat, kz: Акимат}",
        4,
        "basis: unknown key 'kz' in 'authority' (expected kk, ru, en)",
        id="unknown-language",
    ),
    pytest.param(
        "state_corporation: Regulation item 1}",
        "post_office: Regulation item 1}",
        15,
        "unknown channel 'post_office' (expected one of portal, provider_office, state_corp",
        id="unknown-channel",
    ),
    pytest.param(
        "type: iin", "type: passport", 20, "field 'iin': unknown field type 'passport'", id="field"
    ),
    pytest.param(
        "kind: individual",
        "kind: robot",
        13,
        "applicant 'citizen': unknown applicant kind 'robot'",
        id="applicant-kind",
    ),
    pytest.param(
        'resolution_number: "1"',
        "resolution_number: 1",
        5,
        "basis: 'resolution_number' must be a text, got the integer 1 (quote it)",
        id="wrong-type-text",
    ),
    pytest.param(
        "amount_kzt: 1000",
        "amount_kzt: free",
        35,
        "fee: 'amount_kzt' must be a whole number, got the text 'free'",
        id="wrong-type-number",
    ),
    pytest.param(
        "required: true, label: {kk: ЖСН",
        "required: maybe, label: {kk: ЖСН",
        20,
        "'required' must be true or false",
        id="wrong-type-boolean",
    ),
    pytest.param(
        "  - {id: new, name: {kk: Жаңа, ru: Новый, en: New}, cite: Regulation item 5}\n",
        "  - new\n",
        24,
        "variant 1: expected a mapping, got the text 'new'",
        id="wrong-type-item",
    ),
    pytest.param(
        "resolution_date: 2020-01-15",
        "resolution_date: 2020-02-30",
        6,
        "basis: 'resolution_date' is not a date: '2020-02-30'",
        id="impossible-date",
    ),
    pytest.param(
        "resolution_date: 2020-01-15",
        "resolution_date: last spring",
        6,
        "is not a date: 'last spring'",
        id="not-a-date",
    ),
    pytest.param(
        "end: 04-30", "end: 04-31", 18, "window 2: 'end' 04-31 is not a day of the year", id="day"
    ),
    pytest.param(
        "start: 03-01, end: 03-31",
        "start: 03-01, end: 2020-03-31",
        17,
        "'end' must be a text, got the date 2020-03-31",
        id="month-day-not-a-month-day",
    ),
    pytest.param(
        "categories: [company]",
        "categories: [companies]",
        18,
        "unknown applicant category 'companies' in 'categories' (declared: citizen, company)",
        id="unknown-category",
    ),
    pytest.param(
        "required_in: [copy]",
        "required_in: [duplicate]",
        29,
        "document 'old-permit': unknown variant 'duplicate' in 'required_in' (declared: *, copy,",
        id="document-variant",
    ),
    pytest.param(
        "by_variant: {copy: 1 working day}",
        "by_variant: {renewal: 1 working day}",
        47,
        "step 'decide': unknown variant 'renewal' in 'by_variant' (declared: copy, new)",
        id="step-variant",
    ),
    pytest.param(
        "variants: [new, copy]",
        "variants: [new, extra]",
        32,
        "result 'permit': unknown variant 'extra' in 'variants'",
        id="result-variant",
    ),
    pytest.param(
        "at_step: decide",
        "at_step: check",
        56,
        "refusal: unknown step 'check' (expected one of register, decide, sign)",
        id="refusal-step",
    ),
    pytest.param(
        "result: refusal,",
        "result: permit,",
        56,
        "refusal: result 'permit' is not a refusal",
        id="refusal-result",
    ),
    pytest.param(
        "resumes_at: sign",
        "resumes_at: register",
        56,
        "'resumes_at' step 'register' must come after 'decide'",
        id="refusal-order",
    ),
    pytest.param(
        "  - id: sign\n",
        "  - id: decide\n",
        50,
        "step 'decide': duplicate step id 'decide' (first at line 43)",
        id="duplicate-id",
    ),
    pytest.param(
        "id: copy,", "id: new,", 25, "duplicate variant id 'new' (first at line 24)", id="dup-var"
    ),
    pytest.param(STEPS_BLOCK, "steps: []\n", 36, "'steps' must not be empty", id="empty-route"),
    pytest.param(
        "end: null", "end: 2019-12-31", 10, "period: ends on 2019-12-31 before it starts", id="end"
    ),
    pytest.param(
        "id: sample-service",
        "id: Sample_Service",
        1,
        "'id' 'Sample_Service' is not kebab-case",
        id="not-kebab-case",
    ),
    pytest.param(
        "seed: none",
        "seed: !!python/object:os.system none",
        8,
        "'seed' must be a text, got a value tagged tag:yaml.org,2002:python/object:os.system",
        id="foreign-tag",
    ),
]


@pytest.mark.parametrize(("old", "new", "line", "fragment"), MISTAKES)
def test_a_mistake_names_its_line(
    tmp_path: Path, old: str, new: str, line: int, fragment: str
) -> None:
    path = write(tmp_path, edited(old, new))
    with pytest.raises(RegulationError) as caught:
        load_regulation(path)
    assert (caught.value.path, caught.value.line) == (path, line), str(caught.value)
    assert fragment in caught.value.message
    assert str(caught.value) == f"{tmp_path.name}/service.yaml:{line}: {caught.value.message}"


def test_the_error_gives_the_column_too(tmp_path: Path) -> None:
    with pytest.raises(RegulationError) as caught:
        load_regulation(write(tmp_path, edited("    role: head\n", "    role: boss\n")))
    assert (caught.value.line, caught.value.column) == (51, 11)
    assert isinstance(caught.value, ValueError)


BROKEN_FILES = [
    pytest.param("", 1, "empty file", id="empty"),
    pytest.param("\n# nothing but a comment\n", 1, "empty file", id="only-comments"),
    pytest.param("- id: a\n- id: b\n", 1, "expected a mapping, got a list", id="top-level-list"),
    pytest.param("just some words\n", 1, "expected a mapping, got the text", id="top-level-text"),
    pytest.param(
        "id: a\nname: b\n  bad: indentation\n", 3, "invalid YAML: mapping values", id="syntax"
    ),
    pytest.param(
        "id: a\nname: [kk, ru\nfee: 1\n",
        3,
        "invalid YAML: expected ',' or ']', but got ':' (while parsing a flow sequence at line 2)",
        id="unclosed-list",
    ),
    pytest.param("id: a\n---\nid: b\n", 2, "invalid YAML:", id="two-documents"),
    pytest.param("id: a\nname: \x00\n", 2, "invalid YAML: special characters", id="nul"),
]


@pytest.mark.parametrize(("text", "line", "fragment"), BROKEN_FILES)
def test_a_broken_file_names_its_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    with pytest.raises(RegulationError) as caught:
        load_regulation(write(tmp_path, text))
    assert caught.value.line == line, str(caught.value)
    assert fragment in caught.value.message


def test_a_file_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "service.yaml"
    path.write_bytes(b"id: a\nname: \xff\n")
    with pytest.raises(RegulationError) as caught:
        load_regulation(path)
    assert (caught.value.line, caught.value.message) == (2, "the file is not UTF-8")


def test_the_almaty_terms_count_from_the_exam_and_from_the_submission(
    regulations: dict[str, Regulation],
) -> None:
    step = regulations["almaty-small-vessel-licence"].step("prepare-draft")
    assert step.counts_from["licence-after-exam"] == "exam-date"
    assert step.counts_from["duplicate"] == step.counts_from["renewal-after-expiry"] == SUBMISSION
    shymkent = regulations["shymkent-energy-readiness-passport"]
    assert all(not s.counts_from for s in shymkent.steps)  # each step from its own start


def test_counts_from_must_name_the_submission_or_a_date_field_of_the_form(
    tmp_path: Path,
) -> None:
    source = SERVICES_DIRECTORY / "almaty-small-vessel-licence.yaml"
    text = source.read_text()
    old = "      licence-after-exam: exam-date\n"
    line = text[: text.index(old)].count("\n") + 1
    path = write(tmp_path, text.replace(old, "      licence-after-exam: iin\n"))
    with pytest.raises(RegulationError) as caught:
        load_regulation(path)
    assert caught.value.line == line
    assert "neither 'submission' nor a date field" in str(caught.value)


def test_a_step_names_only_channels_its_regulation_has(tmp_path: Path) -> None:
    source = SERVICES_DIRECTORY / "almaty-small-vessel-licence.yaml"
    text = source.read_text()
    old = "channels: [state_corporation]  #"
    line = text[: text.index(old)].count("\n") + 1
    path = write(tmp_path, text.replace(old, "channels: [provider_office]  #"))
    with pytest.raises(RegulationError) as caught:
        load_regulation(path)
    assert caught.value.line == line
    assert "unknown channel 'provider_office'" in str(caught.value)


def test_almaty_item_8_2_skips_the_resolution_for_portal_applications(
    regulations: dict[str, Regulation],
) -> None:
    almaty = regulations["almaty-small-vessel-licence"]
    portal = [s.id for s in almaty.route_for("portal")]
    counter = [s.id for s in almaty.route_for("state_corporation")]
    assert portal == ["register", "prepare-draft", "sign", "send-to-state-corporation"]
    assert counter == ["register", "resolution", *portal[1:]]
    shymkent = regulations["shymkent-energy-readiness-passport"]
    assert shymkent.route_for("portal") == shymkent.route_for("provider_office") == shymkent.steps


# -- the portal sequence as each regulation numbers it ------------------------------------------


def test_each_regulation_numbers_its_portal_sequence_as_its_text_does(
    regulations: dict[str, Regulation],
) -> None:
    shymkent = regulations["shymkent-energy-readiness-passport"].portal
    almaty = regulations["almaty-small-vessel-licence"].portal
    assert [e.id for e in shymkent.entries] == [
        "P1", "C1", "P2", "P3", "C2", "P4", "P5", "P6", "C3", "P7", "P8"
    ]  # fmt: skip
    assert [e.id for e in almaty.entries] == [
        "P1", "C1", "P2", "P3", "P4", "C2", "P5", "P6", "P7", "C3", "P8", "P9"
    ]  # fmt: skip
    # The issue's table: the C2 refusal, the registration, the documents' refusal, the result.
    stages: list[Stage] = ["signature-refusal", "registration", "documents-refusal", "result"]
    assert [shymkent.id_of(s) for s in stages] == ["P4", "P6", "P7", "P8"]
    assert [almaty.id_of(s) for s in stages] == ["P5", "P7", "P8", "P9"]
    assert shymkent.id_of("sending") == "P5" and almaty.id_of("sending") == "P7"
    assert shymkent.entry("certificate-choice").id == shymkent.entry("signing").id == "P3"
    # egovsim's internal step codes are shown in each regulation's numbers.
    assert (shymkent.show("P5"), almaty.show("P5")) == ("P4", "P5")
    assert (shymkent.show("P7"), shymkent.show("P7", "registered")) == ("P5", "P6")
    assert shymkent.show("gateway") == "gateway"
    # Each entry quotes its regulation's own Kazakh wording.
    assert "ЭҮӨШ АЖО-да тіркеу" in shymkent.entry("registration").name["kk"]
    assert "ақпараттық жүйеде тіркеу" in almaty.entry("registration").name["kk"]


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("stages: [result],", "stages: [results],", "unknown stage 'results'"),
        ("stages: [result],", "stages: [signing],", "stage 'signing' is already in another entry"),
        ("stages: [result],", "stages: [],", "'stages' must not be empty"),
        ("{id: P6, kind: process", "{id: P-6, kind: process", "not a process or condition id"),
        ("{id: P6, kind: process", "{id: P5, kind: process", "duplicate id 'P5'"),
        ("kind: condition, stages: [signature-check]", "kind: branch, stages: [signature-check]",
         "unknown entry kind 'branch'"),
    ],
)  # fmt: skip
def test_a_portal_sequence_mistake_names_its_line(
    tmp_path: Path, old: str, new: str, fragment: str
) -> None:
    text = edited(old, new)
    line = text[: text.rindex(new)].count("\n") + 1  # the edited one, after any first one
    with pytest.raises(RegulationError) as caught:
        load_regulation(write(tmp_path, text))
    assert caught.value.line == line, str(caught.value)
    assert fragment in caught.value.message


def test_a_portal_sequence_must_cover_every_stage(tmp_path: Path) -> None:
    text = edited("stages: [sending, registration]", "stages: [sending]")
    with pytest.raises(RegulationError) as caught:
        load_regulation(write(tmp_path, text))
    assert "no entry covers the stage registration" in caught.value.message


def test_a_third_regulation_brings_its_own_numbering_in_its_file(tmp_path: Path) -> None:
    sample = load_regulation(write(tmp_path, SAMPLE))
    assert sample.portal.show("C2") == "C1"  # its signature check is its first condition
    assert sample.portal.show("P5") == "P3"
    assert sample.portal.show("P9") == "P6"
    assert sample.portal.show("C1") == "P1"


def test_step_names_are_each_regulations_own(regulations: dict[str, Regulation]) -> None:
    shymkent = regulations["shymkent-energy-readiness-passport"].step("pass-to-department")
    assert (
        shymkent.name["en"] == "The provider's head passes the application to the department head"
    )
    assert "бөлім басшысына береді" in shymkent.name["kk"]
    almaty = regulations["almaty-small-vessel-licence"].steps[-1]
    assert almaty.name["en"] == "The provider's office sends the result to the State Corporation"
    assert "Мемлекеттік корпорацияға жолдайды" in almaty.name["kk"]
