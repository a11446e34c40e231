"""The neural tests' rules as a table of cases: the clinical brief's, each a sentence for people."""

from decimal import Decimal

import pytest

from neural.interpretation import (
    SlrFinding,
    SlrValues,
    SlumpFinding,
    describe_angle,
    describe_angle_change,
    interpret_slr,
    interpret_slump,
)


def slr(angle="45", location="below_knee", bragard="not_tested", hip="not_tested", **extra):
    return SlrValues(
        symptoms=True,
        onset_angle_deg=Decimal(angle),
        method=extra.pop("method", "inclinometer"),
        location=location,
        bragard=bragard,
        hip_internal_rotation=hip,
        crossed=extra.pop("crossed", "no"),
    )


@pytest.mark.parametrize(
    ("values", "finding", "words"),
    [
        (slr(bragard="changed"), SlrFinding.POSITIVE, "Positive for neural involvement"),
        (slr(hip="changed"), SlrFinding.POSITIVE, "changed by hip internal rotation"),
        (slr("30", bragard="changed"), SlrFinding.POSITIVE, "from 30.0°"),
        (slr("70", bragard="changed"), SlrFinding.POSITIVE, "from 70.0°"),
        (slr("71", bragard="changed"), SlrFinding.NEURAL_ATYPICAL, "outside the classic"),
        (slr("25", bragard="changed"), SlrFinding.NEURAL_ATYPICAL, "outside the classic"),
        (slr(location="thigh", bragard="changed"), SlrFinding.NEURAL_ATYPICAL, "below the knee"),
        (slr(), SlrFinding.UNDIFFERENTIATED, "differentiate"),
        (slr(location="buttock"), SlrFinding.UNDIFFERENTIATED, "tell neural from hamstring"),
        (slr(bragard="unchanged"), SlrFinding.NOT_NEURAL, "not neural by differentiation"),
        (
            slr(bragard="unchanged", hip="changed"),
            SlrFinding.POSITIVE,
            "changed by hip internal rotation",
        ),
        (SlrValues(symptoms=False), SlrFinding.NEGATIVE, "no symptoms came on"),
        (
            SlrValues(symptoms=False, max_angle_deg=Decimal("85"), method="goniometer"),
            SlrFinding.NEGATIVE,
            "greatest angle 85.0°",
        ),
    ],
)
def test_an_slr_is_read_by_the_briefs_rules(values, finding, words):
    result = interpret_slr(values)
    assert result.finding == finding
    assert words.lower() in result.text.lower()


def test_an_onset_outside_30_to_70_says_so_even_without_differentiation():
    result = interpret_slr(slr("80", location="thigh"))
    assert result.notes[0] == "Onset at 80.0° is outside the classic 30–70° range."


def test_a_crossed_slr_is_rarely_positive_but_specific():
    assert "rarely positive, but specific" in interpret_slr(slr(crossed="yes")).text
    assert "rarely" not in interpret_slr(slr(crossed="no")).text
    # Raising the leg without symptoms in it can still bring them on in the other leg.
    negative = interpret_slr(SlrValues(symptoms=False, crossed="yes"))
    assert negative.finding == SlrFinding.NEGATIVE
    assert "Crossed SLR positive" in negative.text


def test_an_estimated_angle_is_always_labelled_approximate():
    result = interpret_slr(slr("47.5", bragard="changed", method="estimated"))
    assert "≈48° (approximate)" in result.sentence
    assert "estimated by eye: approximate" in result.text
    assert describe_angle(Decimal("47.5"), "phone") == "47.5°"


@pytest.mark.parametrize(
    ("reproduced", "eased", "finding"),
    [
        (True, "yes", SlumpFinding.POSITIVE),
        (True, "no", SlumpFinding.NOT_EASED),
        (True, "not_tested", SlumpFinding.UNDIFFERENTIATED),
        (False, "", SlumpFinding.NEGATIVE),
    ],
)
def test_a_slump_is_positive_when_reproduced_and_eased_by_neck_extension(
    reproduced, eased, finding
):
    assert interpret_slump(reproduced=reproduced, neck_extension=eased).finding == finding


def test_a_change_of_angle_is_shown_in_degrees_never_judged():
    text = describe_angle_change(Decimal("40"), Decimal("52.5"))
    assert text.startswith("+12.5° (40.0° → 52.5°)")
    assert "no MDC is known" in text
    for word in ("improved", "worse", "real"):
        assert word not in text
    assert describe_angle_change(Decimal("52"), Decimal("40")).startswith("−12.0°")
    assert describe_angle_change(None, Decimal("40")).startswith("not comparable")
    assert describe_angle_change(Decimal("40"), Decimal("44"), approximate=True).startswith(
        "≈+4.0°"
    )
