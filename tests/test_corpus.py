"""The public capture corpus (tests/data/corpus/) against tshark: packet list, -V, io,phs
and expert per capture may not fall below the figures recorded in FIGURES.json.

Captures nobody here wrote show what a student's own captures will: the share of
identical packet-list lines and -V packets, and of packets holding a protocol labshark
has no dissector for. `python tests/corpusutil.py --write` records new figures.
"""

from __future__ import annotations

import json

import pytest
from corpusutil import FIGURES, captures, measure_all, summary

pytestmark = [pytest.mark.corpus, pytest.mark.tshark]


@pytest.fixture(scope="module")
def figures():
    figs = measure_all()
    print("\n" + summary(figs))
    return figs


@pytest.fixture(scope="module")
def recorded():
    return json.loads(FIGURES.read_text())["captures"]


def test_corpus_is_recorded(recorded):
    """Every capture of the manifest has its figures, and there are at least 100."""
    names = [p.name for p in captures()]
    assert len(names) >= 100
    assert sorted(names) == sorted(recorded)
    for p in captures():
        assert p.stat().st_size < 200_000


@pytest.mark.parametrize("name", sorted(p.name for p in captures()))
def test_no_regression(figures, recorded, name):
    now, floor = figures[name], recorded[name]
    assert now.packets == floor["packets"], "tshark reads another packet count"
    assert now.list_same >= floor["list_same"], f"{name}: fewer identical list lines"
    assert now.v_same >= floor["v_same"], f"{name}: fewer identical -V packets"
    assert now.undecoded <= floor["undecoded"], f"{name}: more undecoded packets"
    assert now.phs_equal or not floor["phs_equal"], f"{name}: io,phs differs now"
    assert now.expert_equal or not floor["expert_equal"], f"{name}: expert differs now"
