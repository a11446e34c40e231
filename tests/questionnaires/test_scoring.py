"""The one scoring engine: a worked example per instrument, the missing-item rules, and answers
and definitions refused with the item and the reason. Pure functions: no database."""

import importlib
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from questionnaires.scoring import (
    Definition,
    answers_parse,
    definition_parse,
    display_total,
    item_labels_parse,
    score,
)
from tests.factories import licensed_items

SHIPPED = importlib.import_module("questionnaires.migrations.0002_shipped_instruments")
DEFINITION_FIELDS = (
    "items",
    "scoring_method",
    "score_min",
    "score_max",
    "better",
    "missing_items_allowed",
)


def shipped(slug: str) -> Definition:
    data = next(data for data in SHIPPED.INSTRUMENTS if data["slug"] == slug)
    return definition_parse(**{field: data[field] for field in DEFINITION_FIELDS})


def licensed(
    count: int,
    *,
    method: str = "percent_of_max",
    high: int = 5,
    allowed: int = 1,
    better: str = "lower",
    score_max: str = "100",
) -> Definition:
    """A clinic's licensed instrument, as entered in the admin (placeholder text)."""
    return definition_parse(
        items=licensed_items(count, high=high),
        scoring_method=method,
        score_min="0",
        score_max=score_max,
        better=better,
        missing_items_allowed=allowed,
    )


def odi_like() -> Definition:
    return licensed(10)


def rmdq_like() -> Definition:
    """24 yes/no items added up, 0–24."""
    return licensed(24, method="sum", high=1, allowed=0, score_max="24")


def messages(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict


# --- A worked example per instrument ----------------------------------------------------------


def test_every_shipped_instrument_is_a_valid_definition_and_round_trips_as_a_snapshot():
    for data in SHIPPED.INSTRUMENTS:
        definition = shipped(data["slug"])
        assert Definition.from_json(definition.to_json()) == definition


@pytest.mark.parametrize("slug", ["nprs-back", "nprs-leg"])
def test_nprs_scores_the_number_chosen(slug):
    definition = shipped(slug)
    result = score(definition, {"worst-24h": 6})
    assert (result.total, result.valid, result.missing) == (Decimal("6.00"), True, 0)
    assert score(definition, {"worst-24h": 0}).total == 0  # no pain is a score, not a gap


@pytest.mark.parametrize("slug", ["nprs-back", "nprs-leg"])
def test_an_unanswered_nprs_has_no_score_never_0(slug):
    result = score(shipped(slug), {})
    assert (result.total, result.valid, result.missing) == (None, False, 1)
    assert result.reason == "No question was answered."


def test_psfs_is_the_mean_of_the_activities_rated():
    psfs = shipped("psfs")
    assert score(psfs, {"activity-1": 3, "activity-2": 5, "activity-3": 7}).total == 5
    four = score(psfs, {"activity-1": 2, "activity-2": 3, "activity-3": 4, "activity-4": 6})
    assert (four.total, four.missing) == (Decimal("3.75"), 1)
    five = {f"activity-{n}": value for n, value in enumerate([1, 2, 2, 4, 10], start=1)}
    assert score(psfs, five).total == Decimal("3.80")


def test_psfs_needs_three_activities():
    result = score(shipped("psfs"), {"activity-1": 8, "activity-2": 9})
    assert (result.total, result.missing) == (None, 3)
    assert result.reason == (
        "3 of 5 questions unanswered; this questionnaire can be scored with at most 2 missing."
    )


def test_lefs_adds_up_the_twenty_items():
    # 15 activities with no difficulty (4) and 5 with a little (3): 60 + 15 = 75 of 80.
    answers = {f"lefs-{n}": 4 if n <= 15 else 3 for n in range(1, 21)}
    assert score(shipped("lefs"), answers).total == 75
    assert score(shipped("lefs"), dict.fromkeys(answers, 0)).total == 0


def test_lefs_prorates_up_to_two_missing_items_and_gives_no_score_beyond():
    lefs = shipped("lefs")
    nineteen = {f"lefs-{n}": 2 for n in range(1, 20)}
    nineteen["lefs-1"] = 3  # 39 points over 19 items
    assert score(lefs, nineteen).total == Decimal("41.05")  # 39 × 20 / 19 = 41.052...
    eighteen = {f"lefs-{n}": 4 for n in range(1, 19)}
    assert score(lefs, eighteen).total == 80  # 72 × 20 / 18: prorated, not 72
    seventeen = {f"lefs-{n}": 4 for n in range(1, 18)}
    result = score(lefs, seventeen)
    assert (result.total, result.valid, result.missing, result.answered) == (None, False, 3, 17)


def test_a_licensed_oswestry_shaped_index_is_a_percentage_over_the_answered_sections():
    # The Oswestry's own worked example: 16 points of 50 is 32 %; with one section missed,
    # 16 of 45 is 35.6 %.
    odi = odi_like()
    ten = {f"section-{n}": value for n, value in enumerate([2, 2, 2, 2, 2, 2, 1, 1, 1, 1], 1)}
    assert score(odi, ten).total == 32
    nine = {key: value for key, value in ten.items() if key != "section-10"}
    nine["section-9"] = 2
    assert score(odi, nine).total == Decimal("35.56")
    eight = {f"section-{n}": 3 for n in range(1, 9)}
    assert not score(odi, eight).valid  # two missing, one allowed


def test_a_licensed_yes_no_index_counts_the_yes_answers_and_needs_every_answer():
    rmdq = rmdq_like()
    answers = {f"section-{n}": 1 if n <= 7 else 0 for n in range(1, 25)}
    assert score(rmdq, answers).total == 7
    del answers["section-24"]
    result = score(rmdq, answers)
    assert result.total is None
    assert result.reason == "1 of 24 questions unanswered; this questionnaire needs every answer."


def test_totals_are_kept_to_the_hundredth_and_shown_without_trailing_zeros():
    assert display_total(Decimal("6.00")) == "6"
    assert display_total(Decimal("52.63")) == "52.63"
    assert display_total(Decimal("3.80")) == "3.8"
    assert display_total(None) == "no valid score"


# --- Answers refused, naming the item and the reason -----------------------------------------


def test_an_unknown_item_is_refused_by_its_id():
    with pytest.raises(ValidationError) as refused:
        score(shipped("nprs-back"), {"worst-24h": 3, "pain-now": 2})
    assert messages(refused.value) == {
        "answers.pain-now": ["No such question in this questionnaire."]
    }


@pytest.mark.parametrize("value", [11, -1, "11", True, 2.5, "two", [3]])
def test_a_value_that_is_not_an_option_is_refused_with_the_allowed_range(value):
    with pytest.raises(ValidationError) as refused:
        score(shipped("nprs-leg"), {"worst-24h": value})
    [message] = messages(refused.value)["answers.worst-24h"]
    assert message == f"{value!r} is not one of the answers to this question (0–10)."


def test_every_bad_answer_is_named_at_once():
    with pytest.raises(ValidationError) as refused:
        score(shipped("lefs"), {"lefs-1": 5, "lefs-2": 4, "lefs-21": 1})
    assert set(messages(refused.value)) == {"answers.lefs-1", "answers.lefs-21"}


def test_answers_from_a_form_are_read_as_whole_numbers_and_blanks_as_unanswered():
    lefs = shipped("lefs")
    assert answers_parse(lefs, {"lefs-1": "3", "lefs-2": " 4 ", "lefs-3": "", "lefs-4": None}) == {
        "lefs-1": 3,
        "lefs-2": 4,
    }


def test_answers_must_be_keyed_by_item():
    with pytest.raises(ValidationError) as refused:
        score(shipped("lefs"), [3, 4])
    assert "answers" in messages(refused.value)


def test_psfs_activities_are_named_when_rated_and_rated_when_named():
    psfs = shipped("psfs")
    answers = {"activity-1": 4, "activity-2": 6}
    labels = {"activity-1": "Climbing stairs", "activity-3": "Gardening"}
    # While answering, either may come first.
    assert item_labels_parse(psfs, labels, answers, final=False) == labels
    with pytest.raises(ValidationError) as refused:
        item_labels_parse(psfs, labels, answers, final=True)
    assert messages(refused.value) == {
        "item_labels.activity-2": ["Name the activity you rated."],
        "answers.activity-3": ["Rate the activity you named, or leave its name empty."],
    }


def test_a_name_is_refused_for_a_question_that_asks_for_none():
    with pytest.raises(ValidationError) as refused:
        item_labels_parse(shipped("lefs"), {"lefs-1": "Stairs"}, {}, final=False)
    assert messages(refused.value) == {
        "item_labels.lefs-1": ["This question does not ask you to name anything."]
    }


# --- Definitions: what a clinic admin may enter ----------------------------------------------


def test_a_declared_range_that_the_items_cannot_give_is_refused():
    with pytest.raises(ValidationError) as refused:
        licensed(10, method="sum", score_max="100")
    assert messages(refused.value) == {
        "score_min": ["These items scored by sum give totals from 0 to 50, not 0 to 100."]
    }


@pytest.mark.parametrize(
    ("items", "field", "fragment"),
    [
        ([], "items", "list of items"),
        ("not a list", "items", "list of items"),
        ([{"id": "A", "text": "x", "options": [{"value": 0}, {"value": 1}]}], "items", "an id"),
        ([{"id": "a", "text": "", "options": [{"value": 0}, {"value": 1}]}], "items", "text"),
        ([{"id": "a", "text": "x", "options": [{"value": 0}]}], "items", "two answer options"),
        (
            [{"id": "a", "text": "x", "options": [{"value": 1}, {"value": 1}]}],
            "items",
            "same value",
        ),
        (
            [{"id": "a", "text": "x", "options": [{"value": 0}, {"value": 0.5}]}],
            "items",
            "whole-number",
        ),
        (
            [{"id": "a", "text": "x", "options": [{"value": 0}, {"value": 1}], "scroe": 1}],
            "items",
            "unknown keys: scroe",
        ),
    ],
)
def test_malformed_items_are_refused_with_the_item_and_the_reason(items, field, fragment):
    with pytest.raises(ValidationError) as refused:
        definition_parse(
            items=items,
            scoring_method="sum",
            score_min="0",
            score_max="1",
            better="lower",
            missing_items_allowed=0,
        )
    assert fragment in " ".join(messages(refused.value)[field])


def test_two_items_with_one_id_are_refused():
    items = licensed_items(2)
    items[1]["id"] = items[0]["id"]
    with pytest.raises(ValidationError) as refused:
        definition_parse(
            items=items,
            scoring_method="sum",
            score_min="0",
            score_max="10",
            better="lower",
            missing_items_allowed=0,
        )
    assert messages(refused.value)["items"] == ["Item 2: the id 'section-1' is used twice."]


def test_rules_are_refused_by_field():
    with pytest.raises(ValidationError) as refused:
        definition_parse(
            items=licensed_items(3),
            scoring_method="median",
            score_min="0",
            score_max="x",
            better="sideways",
            missing_items_allowed=3,
        )
    assert set(messages(refused.value)) == {
        "scoring_method",
        "score_max",
        "better",
        "missing_items_allowed",
    }
    assert (
        "At least one item must be answered" in messages(refused.value)["missing_items_allowed"][0]
    )
