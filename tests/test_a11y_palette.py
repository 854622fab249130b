"""Chart colours meet WCAG contrast: 3:1 for graphics against the white chart card
(the book shows charts on white also in dark mode), 4.5:1 for the grade letters."""

from __future__ import annotations

import pytest

from lupus_teach import plots
from lupus_teach.bilag import GRADE_ORDER


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb`` (or a CSS name used by the charts)."""
    named = {"white": "#ffffff", "black": "#000000"}
    hex_colour = named.get(hex_colour, hex_colour)
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_formula_matches_known_values():
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast("#ffffff", "#767676") == pytest.approx(4.54, abs=0.01)
    assert contrast("#ffffff", "#F0E442") < 3  # the yellow this palette no longer uses


@pytest.mark.parametrize("colour", [*plots.GRADE_COLOURS.values(), *plots.OKABE_ITO[:-1],
                                    plots._GREY])
def test_every_chart_colour_has_3_to_1_against_white(colour):
    assert contrast(colour, "#ffffff") >= 3.0, colour


@pytest.mark.parametrize("grade", GRADE_ORDER)
def test_grade_letters_are_readable_on_their_cells(grade):
    letter = plots._GRADE_TEXT_COLOURS[grade]
    assert contrast(letter, plots.GRADE_COLOURS[grade]) >= 4.5, grade


def test_neighbouring_grades_are_told_apart():
    """Each grade differs from the next in lightness (contrast at least 1.5:1), or in hue
    by at least 90 degrees, or one is a neutral grey beside a coloured one; the letters are
    printed on the cells as well. (Sequential oranges failed this for C and D.)"""
    import colorsys
    import itertools

    def hls(hex_colour: str) -> tuple[float, float, float]:
        return colorsys.rgb_to_hls(*(int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)))

    for first, second in itertools.pairwise(GRADE_ORDER):
        a, b = plots.GRADE_COLOURS[first], plots.GRADE_COLOURS[second]
        (ha, _, sa), (hb, _, sb) = hls(a), hls(b)
        hue_gap = min(abs(ha - hb), 1 - abs(ha - hb)) * 360
        apart = (contrast(a, b) >= 1.5 or (min(sa, sb) > 0.25 and hue_gap >= 90)
                 or abs(sa - sb) >= 0.25)
        assert apart, (first, second)
