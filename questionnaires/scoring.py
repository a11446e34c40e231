"""One scoring engine for every outcome questionnaire: pure functions, no database.

An instrument is data (questionnaires.models.Instrument), not code: its items with their answer
options, a scoring method, the range of its total, which direction is better and how many
items may be left unanswered. `definition_parse` checks such a definition; `score` turns answers
into a total with it. No function here knows an instrument by name.

Missing answers are never counted as 0. A total is computed over the answered items: a sum is
prorated to every item (sum × items / answered), a mean is the mean of the answered items, a
percentage is the points scored over the points possible on the answered items (the Oswestry
rule). That holds while no more items are missing than the instrument allows; beyond it the
answers have no valid score, and say why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

ITEM_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_ITEMS = 100
MAX_LABEL_LENGTH = 200
# Totals are kept to the hundredth: a prorated LEFS of 50 over 19 items is 52.63, not 52.
TOTAL_PLACES = Decimal("0.01")


class ScoringMethod(StrEnum):
    SUM = "sum"  # the items added up (NPRS: one item; LEFS: twenty), prorated when some are missing
    MEAN = "mean"  # the mean of the answered items (PSFS)
    PERCENT_OF_MAX = "percent_of_max"  # points scored / points possible × 100 (Oswestry)


class Better(StrEnum):
    LOWER = "lower"  # pain, disability
    HIGHER = "higher"  # function


@dataclass(frozen=True)
class Option:
    value: int
    label: str


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    options: tuple[Option, ...]
    # The patient names what they rate (the PSFS's activities); the name is kept with the answer.
    asks_for_label: bool = False

    @property
    def values(self) -> frozenset[int]:
        return frozenset(option.value for option in self.options)

    @property
    def low(self) -> int:
        return min(self.values)

    @property
    def high(self) -> int:
        return max(self.values)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "text": self.text,
            "options": [{"value": o.value, "label": o.label} for o in self.options],
        }
        if self.asks_for_label:
            data["asks_for_label"] = True
        return data


@dataclass(frozen=True)
class Definition:
    """What scoring needs to know about an instrument; its field names are the model's."""

    items: tuple[Item, ...]
    scoring_method: ScoringMethod
    score_min: Decimal
    score_max: Decimal
    better: Better
    missing_items_allowed: int

    def item(self, item_id: str) -> Item | None:
        return next((item for item in self.items if item.id == item_id), None)

    def to_json(self) -> dict[str, Any]:
        """The definition as a response keeps it (its snapshot): `from_json` reads it back."""
        return {
            "items": [item.to_json() for item in self.items],
            "scoring_method": str(self.scoring_method),
            "score_min": str(self.score_min),
            "score_max": str(self.score_max),
            "better": str(self.better),
            "missing_items_allowed": self.missing_items_allowed,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Definition:
        return definition_parse(**data)


# --- Checking a definition ----------------------------------------------------------------------


def _whole_number(value: Any) -> int | None:
    """An int, or a string or Decimal holding one; None for anything else (bools included:
    JSON's true is not an answer of 1)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,6}\s*", value):
        return int(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return None


def _item_parse(raw: Any, number: int, seen: set[str]) -> tuple[Item | None, list[str]]:
    where = gettext("Item %(number)s") % {"number": number}
    if not isinstance(raw, Mapping):
        return None, [
            gettext("%(where)s must be an object with an id, a text and options.")
            % {"where": where}
        ]
    errors: list[str] = []
    unknown = set(raw) - {"id", "text", "options", "asks_for_label"}
    if unknown:
        errors.append(
            gettext("%(where)s has unknown keys: %(keys)s.")
            % {"where": where, "keys": ", ".join(sorted(map(str, unknown)))}
        )
    item_id = raw.get("id")
    if not isinstance(item_id, str) or not ITEM_ID.match(item_id):
        errors.append(
            gettext(
                "%(where)s needs an id of lower-case letters, digits, - or _ "
                "(at most 40 characters)."
            )
            % {"where": where}
        )
        item_id = None
    elif item_id in seen:
        errors.append(
            gettext("%(where)s: the id %(id)s is used twice.")
            % {"where": where, "id": repr(item_id)}
        )
    else:
        seen.add(item_id)
        where = gettext("Item %(number)s (%(id)s)") % {"number": number, "id": item_id}
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        errors.append(gettext("%(where)s needs the question's text.") % {"where": where})
    asks_for_label = raw.get("asks_for_label", False)
    if not isinstance(asks_for_label, bool):
        errors.append(gettext("%(where)s: asks_for_label is true or false.") % {"where": where})
    options: list[Option] = []
    raw_options = raw.get("options")
    if not isinstance(raw_options, list) or len(raw_options) < 2:
        errors.append(gettext("%(where)s needs at least two answer options.") % {"where": where})
    else:
        for raw_option in raw_options:
            value = (
                _whole_number(raw_option.get("value")) if isinstance(raw_option, Mapping) else None
            )
            label = raw_option.get("label", "") if isinstance(raw_option, Mapping) else None
            if value is None or not isinstance(label, str):
                errors.append(
                    gettext("%(where)s: each option is a whole-number value with a text label.")
                    % {"where": where}
                )
                break
            options.append(Option(value, label.strip()))
        if len({option.value for option in options}) != len(options):
            errors.append(gettext("%(where)s: two options have the same value.") % {"where": where})
    if errors:
        return None, errors
    return Item(item_id, text.strip(), tuple(options), asks_for_label), []


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


def _one_of(value: Any, choices: type[StrEnum]) -> bool:
    return isinstance(value, str) and value in tuple(choice.value for choice in choices)


def score_range(items: tuple[Item, ...], method: ScoringMethod) -> tuple[Decimal, Decimal]:
    """The lowest and highest total the items can give under the method."""
    if method == ScoringMethod.SUM:
        return Decimal(sum(i.low for i in items)), Decimal(sum(i.high for i in items))
    if method == ScoringMethod.MEAN:
        return Decimal(min(i.low for i in items)), Decimal(max(i.high for i in items))
    return Decimal(0), Decimal(100)


def definition_parse(
    *,
    items: Any,
    scoring_method: Any,
    score_min: Any,
    score_max: Any,
    better: Any,
    missing_items_allowed: Any,
) -> Definition:
    """The definition, or a ValidationError whose keys are the fields at fault (the model's
    field names, so a form shows each message on its field)."""
    errors: dict[str, list[str]] = {}
    parsed: list[Item] = []
    if not isinstance(items, list) or not items:
        errors["items"] = [gettext("Give the questions as a list of items.")]
    elif len(items) > MAX_ITEMS:
        errors["items"] = [gettext("At most %(count)s items.") % {"count": MAX_ITEMS}]
    else:
        seen: set[str] = set()
        for number, raw in enumerate(items, start=1):
            item, item_errors = _item_parse(raw, number, seen)
            if item_errors:
                errors.setdefault("items", []).extend(item_errors)
            else:
                parsed.append(item)
    if not _one_of(scoring_method, ScoringMethod):
        errors["scoring_method"] = [gettext("Choose sum, mean or percent_of_max.")]
    if not _one_of(better, Better):
        errors["better"] = [gettext("Choose lower or higher.")]
    allowed = _whole_number(missing_items_allowed)
    if allowed is None or allowed < 0:
        errors["missing_items_allowed"] = [gettext("A whole number of items, 0 or more.")]
    elif isinstance(items, list) and items and allowed >= len(items):
        errors["missing_items_allowed"] = [
            gettext(
                "At least one item must be answered: "
                "allow fewer missing items than there are items."
            )
        ]
    low, high = _decimal(score_min), _decimal(score_max)
    if low is None:
        errors["score_min"] = [gettext("Give the lowest possible total as a number.")]
    if high is None:
        errors["score_max"] = [gettext("Give the highest possible total as a number.")]
    if not errors:
        method = ScoringMethod(scoring_method)
        expected_low, expected_high = score_range(tuple(parsed), method)
        if (low, high) != (expected_low, expected_high):
            errors["score_min"] = [
                gettext(
                    "These items scored by %(method)s give totals from %(low)s to %(high)s, "
                    "not %(given_low)s to %(given_high)s."
                )
                % {
                    "method": method,
                    "low": _plain(expected_low),
                    "high": _plain(expected_high),
                    "given_low": _plain(low),
                    "given_high": _plain(high),
                }
            ]
    if errors:
        raise ValidationError(errors)
    return Definition(
        items=tuple(parsed),
        scoring_method=ScoringMethod(scoring_method),
        score_min=low,
        score_max=high,
        better=Better(better),
        missing_items_allowed=allowed,
    )


def _plain(number: Decimal) -> str:
    """12, 52.63: no exponent, no trailing zeros."""
    text = f"{number.normalize():f}"
    return "0" if text == "-0" else text


# --- Checking answers ---------------------------------------------------------------------------


def _answer_key(item_id: Any) -> str:
    return f"answers.{item_id}"


def _label_key(item_id: Any) -> str:
    return f"item_labels.{item_id}"


def _range_text(item: Item) -> str:
    values = sorted(item.values)
    if values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}–{values[-1]}"
    return ", ".join(str(v) for v in values)


def answers_parse(definition: Definition, answers: Any) -> dict[str, int]:
    """The answers as {item id: value}, unanswered items left out (None or "" means not
    answered). Raises a ValidationError with a key per bad item: `answers.<id>`, naming the
    item and the reason."""
    if answers is None:
        return {}
    if not isinstance(answers, Mapping):
        raise ValidationError(
            {"answers": [gettext("Send the answers as an object keyed by item id.")]}
        )
    errors: dict[str, list[str]] = {}
    parsed: dict[str, int] = {}
    for item_id, raw in answers.items():
        item = definition.item(item_id) if isinstance(item_id, str) else None
        if item is None:
            errors[_answer_key(item_id)] = [gettext("No such question in this questionnaire.")]
            continue
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            continue
        value = _whole_number(raw)
        if value is None or value not in item.values:
            errors[_answer_key(item_id)] = [
                gettext("%(answer)s is not one of the answers to this question (%(range)s).")
                % {"answer": repr(raw), "range": _range_text(item)}
            ]
            continue
        parsed[item_id] = value
    if errors:
        raise ValidationError(errors)
    return parsed


def item_labels_parse(
    definition: Definition, item_labels: Any, answers: Mapping[str, int], *, final: bool
) -> dict[str, str]:
    """The names the patient gave to what they rated (the PSFS's activities), blank ones left
    out. `final`: the answers are being submitted, so each rated item needs its name and each
    name its rating; while answering, either may come first."""
    if item_labels is None:
        item_labels = {}
    if not isinstance(item_labels, Mapping):
        raise ValidationError(
            {"item_labels": [gettext("Send the names as an object keyed by item id.")]}
        )
    errors: dict[str, list[str]] = {}
    parsed: dict[str, str] = {}
    for item_id, raw in item_labels.items():
        item = definition.item(item_id) if isinstance(item_id, str) else None
        if item is None or not item.asks_for_label:
            errors[_label_key(item_id)] = [
                gettext("This question does not ask you to name anything.")
            ]
            continue
        if raw is None:
            continue
        if not isinstance(raw, str):
            errors[_label_key(item_id)] = [gettext("Write the name as text.")]
            continue
        if len(raw.strip()) > MAX_LABEL_LENGTH:
            errors[_label_key(item_id)] = [
                gettext("Keep it under %(count)s characters.") % {"count": MAX_LABEL_LENGTH}
            ]
            continue
        if raw.strip():
            parsed[item_id] = raw.strip()
    if final:
        for item in definition.items:
            if not item.asks_for_label or _label_key(item.id) in errors:
                continue
            if item.id in answers and item.id not in parsed:
                errors[_label_key(item.id)] = [gettext("Name the activity you rated.")]
            elif item.id in parsed and item.id not in answers:
                errors[_answer_key(item.id)] = [
                    gettext("Rate the activity you named, or leave its name empty.")
                ]
    if errors:
        raise ValidationError(errors)
    return parsed


# --- Scoring ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    """`total` is None exactly when the answers have no valid score; `reason` then says why."""

    total: Decimal | None
    answered: int
    missing: int
    reason: str = ""

    @property
    def valid(self) -> bool:
        return self.total is not None


def _invalid_reason(definition: Definition, answered: int, missing: int) -> str:
    count = len(definition.items)
    if answered == 0:
        return gettext("No question was answered.")
    allowed = definition.missing_items_allowed
    if allowed == 0:
        return gettext(
            "%(missing)s of %(count)s questions unanswered; this questionnaire needs every answer."
        ) % {"missing": missing, "count": count}
    return gettext(
        "%(missing)s of %(count)s questions unanswered; this questionnaire can be scored with at "
        "most %(allowed)s missing."
    ) % {"missing": missing, "count": count, "allowed": allowed}


def score(definition: Definition, answers: Any) -> Score:
    """The total of the answers under the instrument's scoring method and missing-item rule.

    Raises a ValidationError (`answers.<id>`) for an unknown item or a value that is not one of
    the item's options. Too many missing answers is not an error: the score is invalid and
    says why, so the answers can still be kept as given.
    """
    given = answers_parse(definition, answers)
    answered_items = [item for item in definition.items if item.id in given]
    answered = len(answered_items)
    missing = len(definition.items) - answered
    if answered == 0 or missing > definition.missing_items_allowed:
        return Score(None, answered, missing, _invalid_reason(definition, answered, missing))
    points = Decimal(sum(given[item.id] for item in answered_items))
    if definition.scoring_method == ScoringMethod.SUM:
        total = points * len(definition.items) / answered
    elif definition.scoring_method == ScoringMethod.MEAN:
        total = points / answered
    else:
        lowest = sum(item.low for item in answered_items)
        highest = sum(item.high for item in answered_items)
        total = (points - lowest) / (highest - lowest) * 100
    return Score(total.quantize(TOTAL_PLACES, rounding=ROUND_HALF_UP), answered, missing)


def display_total(total: Decimal | None) -> str:
    """A total for people: '6', '52.63', '4.5'; 'no valid score' when there is none."""
    if total is None:
        return gettext("no valid score")
    return _plain(total)
