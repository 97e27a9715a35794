"""Presets: one click sets a telling configuration and shows it.

:data:`PRESETS` (the sidebar's "Presets" menu) set the shared settings plus a page's own controls and
open that page; :data:`SECTION_PRESETS` set the controls of one section of the Landscape or Dynamics
page (its "Preset" button). Values are given by control key; every value lies inside its control's
domain in the table (:data:`explorer.settings.CONTROLS`), which :func:`explorer.widgets.apply_values`
checks when it sets them and tests/app/test_settings.py checks for every preset.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from datasets import dataset_task
from explorer.settings import CONTROLS, DataKey, Settings, SGDSettings, defaults

__all__ = [
    "PRESETS",
    "SECTION_PRESETS",
    "SHARED_KEYS",
    "Preset",
    "SectionPreset",
    "preset_settings",
    "shared_changes",
]

#: The keys of the shared sidebar's controls (what every page trains with).
SHARED_KEYS = frozenset(
    ("data", "n", "noise", "dseed", "loss", "beta", "patterns", "P", "pseed", "opt", "width", "lr", "epochs")
    + ("batch", "init", "seed", "big")
)


def shared_changes(values: Mapping[str, Any]) -> list[str]:
    """The labels of the shared sidebar settings among ``values`` (a section preset says it changes them)."""
    return [CONTROLS[k].label for k in values if k in SHARED_KEYS]


def preset_settings(values: Mapping[str, Any]) -> Settings:
    """The sidebar's settings after a preset that sets ``values`` (every other control at its default),
    as :func:`explorer.sidebar.sidebar` builds them (data sets of the generators only)."""
    v = {**defaults(), **values}
    task = dataset_task(v["data"])
    data = DataKey(v["data"], int(v["n"]), float(v["noise"]), int(v["dseed"]))
    return Settings(
        data=data,
        task=task,
        loss="squared" if task == "regression" else v["loss"],
        beta=float(v["beta"]),
        patterns="exact" if v["patterns"] == "exact" else int(v["P"]),
        pattern_seed=int(v["pseed"]) if v["patterns"] != "exact" else 0,
        sgd=SGDSettings(
            optimizer=v["opt"],
            width=int(v["width"]),
            lr=float(v["lr"]),
            epochs=int(v["epochs"]),
            batch_size=int(v["batch"]),
            init_scale=float(v["init"]),
            seed=int(v["seed"]),
        ),
    )


def _read_only(values: Mapping[str, Any]) -> Mapping[str, Any]:
    """A preset's values, read only (lists become tuples; apply_values makes lists again): every
    session of a server shares the presets."""
    return MappingProxyType({k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


@dataclass(frozen=True)
class Preset:
    """A named configuration: the page to open (its url_path) and the control values (by key)."""

    title: str
    page: str
    what: str  # one sentence: what to look at
    values: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", _read_only(self.values))


PRESETS: tuple[Preset, ...] = (
    Preset(
        "Spurious minimum",
        "playground",
        "Full-batch heavy-ball descent with 20 neurons (more than the optimum needs) comes to rest on XOR "
        "at about twice the certified global optimum: J has stopped moving and the gradient is about a "
        "thousandth of its first value. Play it back: SGD's neurons settle away from the optimum's.",
        {
            "data": "xor",
            "n": 40,
            "loss": "squared",
            "beta": 1e-3,
            "opt": "momentum",
            "lr": 0.1,
            "width": 20,
            "epochs": 3000,
            "batch": 64,
            "seed": 1,
        },
    ),
    Preset(
        "Wide Adam comes close",
        "playground",
        "With 200 neurons Adam at step 0.003 ends within about 5 % of the certified optimum on two moons "
        "(the verdict gives the exact gap); narrow networks stay far above it.",
        {
            "data": "moons",
            "n": 40,
            "loss": "squared",
            "beta": 1e-3,
            "opt": "adam",
            "lr": 3e-3,
            "width": 200,
            "epochs": 2000,
        },
    ),
    Preset(
        "Weight decay prunes neurons",
        "playground",
        "A large β leaves the optimum only a few active neurons: look at the neuron count and the regions.",
        {"data": "moons", "n": 40, "loss": "hinge", "beta": 0.1},
    ),
    Preset(
        "Sampling misses small cells",
        "patterns",
        "Twenty random directions hit only the largest activation cells of the spirals; the sampled optimum "
        "stays above the certified one until many more are drawn.",
        {"data": "spirals", "n": 40, "loss": "squared", "beta": 1e-3, "draws": 20},
    ),
    Preset(
        "Robust vs standard",
        "adversarial",
        "On noisy moons at ε = 0.35 the robust convex network is certified on more training points than the "
        "standard optimum (green balls; the accuracy curves below compare every radius).",
        {
            "data": "moons",
            "n": 40,
            "noise": 0.3,
            "loss": "hinge",
            "beta": 1e-3,
            "train_eps": 0.35,
            "eps": 0.35,
            "norm": "inf",
        },
    ),
)


@dataclass(frozen=True)
class SectionPreset:
    """The preset of one page section: the control values (by key) and what they show (the button's help)."""

    values: Mapping[str, Any]
    help: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", _read_only(self.values))

    @property
    def note(self) -> str:
        """What the preset shows and, when it changes shared sidebar settings (which every page then
        uses), which ones."""
        changes = shared_changes(self.values)
        if not changes:
            return self.help
        return f"{self.help} Also sets the sidebar's {', '.join(changes)} (used by every page)."


# page -> section -> preset
SECTION_PRESETS: dict[str, dict[str, SectionPreset]] = {
    "landscape": {
        "spurious": SectionPreset(
            {"ls_runs": 60, "width": 4, "opt": "adam", "lr": 0.01, "epochs": 500, "batch": 256},
            "60 starts of a narrow network (m = 4, Adam, full batch): most end far above J*.",
        ),
        "width": SectionPreset(
            {
                "ls_width_runs": 4,
                "data": "gaussians",
                "n": 30,
                "beta": 1e-3,
                "opt": "adam",
                "lr": 0.01,
                "epochs": 2000,
                "batch": 64,
            },
            "Two Gaussian blobs (n = 30, β = 1e-3), whose optimum needs few neurons; Adam on the full "
            "batch for 2000 epochs, 4 seeds per width: the gap falls by orders of magnitude around m*.",
        ),
        "teacher": SectionPreset(
            {"ls_t_width": 3, "ls_t_n": 60, "ls_t_noise": 0.0, "ls_t_runs": 20, "width": 6, "beta": 1e-4},
            "A 3-neuron teacher, 60 noise-free points, narrow students (width 6), β = 1e-4: most students "
            "miss a teacher neuron, the convex optimum finds all three.",
        ),
    },
    "dynamics": {
        "stability": SectionPreset(
            {"dy_opts": ["gd", "sgd"], "dy_lrs": [0.01, 0.1], "dy_steps": 1500, "dy_batch": 8},
            "GD and SGD (batch 8) at η = 0.01 and 0.1 for 1500 steps: the large step is thrown out of "
            "the sharp start (λ_max > 2/η) and settles flatter.",
        ),
        "xor": SectionPreset(
            {
                "dy_x_n": 40,
                "dy_x_d": 800,
                "dy_x_mu": 11.0,
                "dy_x_flip": 0.1,
                "dy_x_lr": 1.0,
                "dy_x_steps": 3000,
            },
            "n = 40, d = 800, ‖μ‖ = 11, 10% flipped, 3000 steps: every label (noise too) fitted at step 2, "
            "test accuracy 90% only after thousands of steps.",
        ),
        "momentum": SectionPreset(
            {"dy_m_lr": 0.03, "dy_m_adam": 0.01, "dy_m_steps": 4000, "dy_m_mu": 0.9},
            "GD, heavy ball and Nesterov at step 0.03, Adam at 0.01, for 4000 full-batch steps.",
        ),
        "lowrank": SectionPreset(
            {"dy_r_d": 16, "dy_r_k": 2, "dy_r_beta": 1e-2, "dy_r_lr": 0.2, "dy_r_steps": 6000},
            "d = 16, a 2-neuron teacher, β = 0.01, 6000 SGD steps at step 0.2: two singular values stay.",
        ),
    },
    "theory": {
        "reprogram": SectionPreset(
            {"th_rp_d": 20, "th_rp_kind": "affine", "th_rp_q": 0.75, "th_rp_seeds": 3, "th_rp_steps": 300},
            "An affine program A x + p on d = 20, three seeds: at every width m <= d the frozen random "
            "network reaches nearly the task's best accuracy.",
        ),
        "kernels": SectionPreset(
            {"th_k_nmax": 128, "th_k_teacher": 2, "th_k_noise": 0.0, "th_k_features": 400, "seed": 1},
            "A noise-free 2-neuron teacher up to n = 128: the networks' risk falls faster than the kernels'.",
        ),
        "minnorm": SectionPreset(
            {"data": "moons", "noise": 0.1, "loss": "squared", "beta": 1e-2, "th_mn_nmax": 160},
            "Two moons, β = 0.01, n up to 160: the path norm levels off, so the bound falls like 1/√n.",
        ),
        "online": SectionPreset(
            {"th_o_eta": 0.03, "th_o_steps": 8000, "th_o_window": 500, "th_o_width": 20, "th_o_noise": 0.2},
            "η = 0.03 on a noisy stream of 8000 points: on the linear model the constant steps settle at a "
            "regret floor while η/√t goes to zero; on the network η/√t shrinks too soon and lags.",
        ),
        "spectrum": SectionPreset(
            {"th_s_k": 6, "th_s_n": 500, "th_s_starts": 16, "seed": 0},
            "k = d = 6, 16 starts: two end at a spurious minimum whose spectrum looks like the global one's.",
        ),
        "census": SectionPreset(
            {"th_c_by": "optimizer"},
            "The census by optimizer: which methods land within 1 % of J*.",
        ),
    },
}

# Read only: every session of a server shares this module.
SECTION_PRESETS = MappingProxyType({page: MappingProxyType(dict(v)) for page, v in SECTION_PRESETS.items()})
