"""explorer.budget's advice when one control alone cannot bring a section within the budget (the work
budget's other messages run through the bad-input corpus, tests/corpus/cases.py, kind "budget")."""

from __future__ import annotations

import pytest

import explorer.budget as budget
from engine.studies.cost import estimate

MAXIMA = dict(n=400, width=200, epochs=3000, batch=1, opt="adam", patterns="exact", runs=200)


def test_no_one_control_is_enough_names_a_combination_that_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a 1 s budget, 200 restarts of the largest run fit by no single control; the message names
    a set of changes that, made together, does fit, and each of them alone does not."""
    monkeypatch.setattr(budget, "BUDGET_S", 1.0)
    message = budget.cost_message("spurious", MAXIMA)
    assert message is not None and "No one control is enough: set Epochs to 10 or less" in message
    assert "Training points n to 10 or less together" in message
    together = {**MAXIMA, "epochs": 10, "n": 10}
    assert estimate("spurious", together).seconds <= 1.0
    assert estimate("spurious", {**MAXIMA, "epochs": 10}).seconds > 1.0
    assert estimate("spurious", {**MAXIMA, "n": 10}).seconds > 1.0
    monkeypatch.setattr(budget, "BUDGET_S", 15.0)
    assert "Change Epochs to 10 or less" in (budget.cost_message("spurious", MAXIMA) or "")
