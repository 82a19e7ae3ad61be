"""Which problems an evaluation takes: orders, filters, and the prefix property --resume --limit relies on."""

from __future__ import annotations

from pathlib import Path

import pytest
from mathagent.datasets import load_dataset
from mathagent.datasets.selection import Selection, SelectionError, parse_level, parse_levels, parse_subjects

DEV8 = Path(__file__).resolve().parents[1] / "fixtures" / "datasets" / "math" / "dev8.jsonl"


@pytest.fixture(scope="module")
def dev8():
    return load_dataset("math", DEV8).problems


def ids(problems):
    return [p.id.removeprefix("test/").removesuffix(".json") for p in problems]


def test_file_order_is_the_file(dev8):
    assert Selection().is_whole_file
    assert Selection().apply(dev8, 3) == dev8[:3]


@pytest.mark.parametrize("order", ["shuffled", "stratified"])
def test_orders_are_seeded_permutations_and_every_limit_is_a_prefix(dev8, order):
    sel = Selection(order=order, order_seed=7)
    full = sel.apply(dev8)
    assert sorted(ids(full)) == sorted(ids(dev8)) and full != dev8
    assert all(sel.apply(dev8, k) == full[:k] for k in range(1, 9))  # raising --limit only appends
    assert Selection(order=order, order_seed=7).apply(list(reversed(dev8))) == full  # the file order is irrelevant
    assert Selection(order=order, order_seed=8).apply(dev8) != full


def test_stratified_takes_subjects_in_turn(dev8):
    full = Selection(order="stratified", order_seed=0).apply(dev8)
    subjects = sorted({p.subject for p in dev8})  # 4 subjects; Algebra has 5 of the 8 problems
    assert [p.subject for p in full[:4]] == subjects
    assert [p.subject for p in full[4:]] == ["Algebra"] * 4
    shuffled_algebra = [p for p in Selection(order="shuffled", order_seed=0).apply(dev8) if p.subject == "Algebra"]
    assert [p for p in full if p.subject == "Algebra"] == shuffled_algebra


def test_filters_by_subject_case_insensitively_and_level(dev8):
    assert ids(Selection(subjects=("algebra",), levels=(1, 2)).apply(dev8)) == ["algebra/125", "algebra/182"]
    assert ids(Selection(subjects=("Geometry", "Counting & Probability")).apply(dev8)) == [
        "counting_and_probability/36", "geometry/40"]
    assert len(Selection(levels=(5,)).apply(dev8)) == 2
    assert not Selection(levels=(5,)).is_whole_file


def test_a_selection_nothing_matches_is_an_error(dev8):
    with pytest.raises(SelectionError, match="no problem matches subjects Topology"):
        Selection(subjects=("Topology",)).apply(dev8)
    assert Selection(subjects=("Topology",)).apply([]) == []  # an empty file stays the loader's business
    with pytest.raises(SelectionError, match="unknown order"):
        Selection(order="random")


@pytest.mark.parametrize("text, levels", [("4,5", (4, 5)), ("1-3", (1, 2, 3)), ("5, 2-3,2", (2, 3, 5)),
                                          ("Level 4, level 5", (4, 5))])
def test_parse_levels(text, levels):
    assert parse_levels(text) == levels


@pytest.mark.parametrize("text", ["", "six", "0", "4-9", "3-1", "1-", "Level ?", "9" * 5000])
def test_parse_levels_refuses_what_is_not_a_level(text):
    with pytest.raises(SelectionError):
        parse_levels(text)


@pytest.mark.parametrize("value, level", [("Level 4", 4), (" level 2 ", 2), (3, 3), ("5", 5), ("Level ?", None),
                                          (True, None), (None, None), ("4.5", None), ("9" * 5000, None)])
def test_parse_level_reads_one_level_for_every_reader(value, level):
    assert parse_level(value) == level


def test_one_level_reader():
    """The loader, the export filter and --level all read a level through selection.parse_level."""
    from mathagent.datasets.export import source as export_source
    from mathagent.datasets.loaders import hendrycks_math

    assert hendrycks_math.parse_level is parse_level and export_source.parse_level is parse_level


def test_parse_subjects():
    assert parse_subjects(" Algebra, Geometry ,Algebra,") == ("Algebra", "Geometry")
    with pytest.raises(SelectionError):
        parse_subjects(" , ")
