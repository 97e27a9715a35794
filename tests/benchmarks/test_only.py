"""``python -m benchmarks NAME --only TEXT``: which controls slider_timing and server_timing time (fast:
nothing is timed here)."""

from __future__ import annotations

import pytest

from benchmarks import server_timing, slider_timing
from benchmarks.__main__ import main
from benchmarks.common import chosen


def test_chosen_keeps_the_names_containing_any_text_case_insensitively() -> None:
    names = ("Adversarial: training radius ε_train", "Patterns: sampled directions P", "Playground: noise")
    assert chosen(names, None) == names and chosen(names, ()) == names
    assert chosen(names, ("TRAINING RADIUS",)) == names[:1]
    assert chosen(names, ("patterns:", "noise")) == names[1:]
    assert chosen(names, ("nothing",)) == ()


def test_every_control_name_can_be_chosen_alone() -> None:
    for module in (slider_timing, server_timing):
        names = module.control_names()
        assert len(set(names)) == len(names)
        for name in names:
            assert name in chosen(names, (name.upper(),))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["slider_timing", "--only", "no such control"], "no control of slider_timing"),
        (["server_timing", "--only", "no such control"], "no control of server_timing"),
        (["robust", "--only", "radius"], "--only applies to slider_timing and server_timing"),
    ],
)
def test_only_that_matches_nothing_is_a_usage_error(argv, message, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2 and message in capsys.readouterr().err
