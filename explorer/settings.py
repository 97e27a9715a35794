"""The explorer's settings: one table of controls, and the frozen records the pages read.

:data:`CONTROLS` is the one declarative table of every control of the app (the shared sidebar's and each
page's own): its key (also its URL query parameter), label, kind of widget, domain (a range and step, or
choices with the way each is shown), default and help. Everything else is derived from it:

- :mod:`explorer.widgets` draws a control from its row (``w.control(where, "n")``);
- :meth:`Control.clean` checks an address value against the row's domain (the pure functions of
  :mod:`explorer.url`), :meth:`Control.text` writes a value into the address (the share link);
- the classroom link builder shows each control by its label;
- :mod:`explorer.presets` checks every preset value with :meth:`Control.admits`.

The sidebar hands the pages a :class:`Settings` (frozen and hashable, with an :class:`SGDSettings` inside),
and the cached engine calls of :mod:`explorer.cache` take these records, so ``st.cache_data`` keys on
them. Nothing here imports Streamlit, and nothing here changes after import (no state shared between the
sessions of a server).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

from datasets import DATASET_NAMES
from engine.convex.program import MAX_SAMPLED_PATTERNS
from engine.figures.dynamics import OPTIMIZER_NAMES
from engine.gradient.sgd import OPTIMIZERS
from engine.losses import LOSS_NAMES
from engine.studies.approximation import DEFAULT_COUNTS
from explorer.url import clean_bool, clean_choice, clean_number

__all__ = [
    "BATCH_SIZES",
    "BETAS",
    "CLICK_ACTIONS",
    "CONTROLS",
    "CUSTOM",
    "CUSTOM_LABEL",
    "DEFAULT_COUNTS",
    "DEFAULT_N",
    "DYNAMICS_SECTIONS",
    "EPS_MAX",
    "EPS_STEP",
    "INIT_SCALES",
    "LANDSCAPE_SECTIONS",
    "LEARNING_RATES",
    "N_TEST",
    "NORM_LABELS",
    "PAGE_EXACT_MAX_N",
    "POINT_LABELS",
    "STEP_SIZES",
    "THEORY_SECTIONS",
    "AdversarialSettings",
    "Choices",
    "Control",
    "DataKey",
    "Flag",
    "Kind",
    "Numbers",
    "SGDSettings",
    "Settings",
    "defaults",
    "fmt_number",
    "format_data_name",
]

# --- Domains of the choices ---------------------------------------------------------------------------

BETAS = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256)
INIT_SCALES = (0.01, 0.1, 0.3, 1.0, 2.0, 5.0)
STEP_SIZES = (0.003, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 4.0)  # the Dynamics page's step sizes
# Largest n for which the pages solve the exact program (certified column generation); above it they
# sample patterns. The largest n that certifies within about 1 s of CPU at the defaults (moons, squared,
# beta = 1e-3), measured on the shared 2-core machine (median of 3, fresh process each): 0.32 s at
# n = 140, 0.50 s at 200, 0.74 s at 300, 0.99 s at 400. It is also the largest n the pages offer
# (MAX_OWN_POINTS, the n slider), so every data set gets the certified optimum. Other data sets and losses
# take longer at the same n (n = 400 squared: spirals 2.8 s, circles 1.1 s, xor 0.5 s; n = 200, all
# twelve cases: benchmarks/results/certified.md).
PAGE_EXACT_MAX_N = 400
DEFAULT_N = 30  # the exact program solves in well under a second at this size
# The projector switch's key (its element carries the class st-key-big: explorer.live_chart hears it).
TEXT_SIZE_KEY = "big"
EPS_MAX = 1.0  # the Adversarial page's radii, in data units
EPS_STEP = 0.01
NORM_LABELS = MappingProxyType({"inf": "ℓ∞ (box)", "2": "ℓ2 (disc)"})
POINT_LABELS = MappingProxyType({"train": "training points", "test": "test points"})
CLICK_ACTIONS = MappingProxyType({"plus": "add +1", "minus": "add −1", "target": "add y", "remove": "remove"})
LANDSCAPE_SECTIONS = MappingProxyType(
    {"spurious": "Spurious minima", "width": "Width vs m*", "teacher": "Teacher-student"}
)
DYNAMICS_SECTIONS = MappingProxyType(
    {
        "stability": "Dynamical stability",
        "xor": "Benign overfitting",
        "momentum": "Momentum",
        "lowrank": "Weight decay and low rank",
    }
)
THEORY_SECTIONS = MappingProxyType(
    {
        "reprogram": "Reprogramming",
        "kernels": "Network vs kernels",
        "minnorm": "Minimum norm",
        "online": "Online Adam",
        "spectrum": "Hessian spectrum",
        "census": "Census",
    }
)

N_TEST = 200  # test points drawn next to the training set (test accuracy)
CUSTOM = "custom"  # DataKey.name of the user's own points (Data page); they are in DataKey.points
CUSTOM_LABEL = "your data (Data page)"


def fmt_number(v: float) -> str:
    """Compact label for log-scale choices (1e-3, 0.3, 1)."""
    return f"{v:g}"


def format_data_name(name: str) -> str:
    """How the sidebar shows a data set's name (the user's own points get a telling label)."""
    return CUSTOM_LABEL if name == CUSTOM else name


# --- The table ----------------------------------------------------------------------------------------

Kind = Literal["slider", "number", "select_slider", "selectbox", "radio", "toggle", "multiselect"]


@dataclass(frozen=True)
class Numbers:
    """A range ``[lo, hi]`` on the grid ``lo + k step`` (``step=None``: every whole number when the
    bounds are whole numbers, else any value). Whole-number bounds make a whole-number control."""

    lo: int | float
    hi: int | float
    step: int | float | None = None

    @property
    def integer(self) -> bool:
        return all(isinstance(v, int) for v in (self.lo, self.hi)) and (
            self.step is None or isinstance(self.step, int)
        )

    @property
    def grid(self) -> int | float | None:
        """The step the address check rounds to."""
        return self.step if self.step is not None else (1 if self.integer else None)


@dataclass(frozen=True)
class Choices:
    """A fixed list of options; ``fmt`` shows an option, on the widget and in the address."""

    options: tuple[Any, ...]
    fmt: Callable[[Any], str] = str

    def has(self, value: Any) -> bool:
        """Whether ``value`` is one of the options (a bool never stands for the number 0 or 1)."""
        return any(value == o and isinstance(value, bool) == isinstance(o, bool) for o in self.options)


@dataclass(frozen=True)
class Flag:
    """On or off."""


@dataclass(frozen=True)
class Control:
    """One control of the app: its row of the table.

    ``key`` is the widget key and the URL query parameter; ``in_address=False`` keeps a control out of
    the address (its value is not a setting a link should carry). ``horizontal``, ``captions`` and
    ``hide_label`` are how a radio is laid out.
    """

    key: str
    label: str
    kind: Kind
    domain: Numbers | Choices | Flag
    default: Any
    help: str | None = None
    horizontal: bool = False
    captions: tuple[str, ...] | None = None
    hide_label: bool = False
    in_address: bool = True

    def __post_init__(self) -> None:
        if not self.admits(self.default):
            raise ValueError(f"the default of {self.key!r} is outside its domain: {self.default!r}")

    @property
    def integer(self) -> bool:
        """Whether the control holds whole numbers (a number box, or a range with whole bounds)."""
        return self.kind == "number" or (isinstance(self.domain, Numbers) and self.domain.integer)

    def clean(self, raw: str) -> tuple[Any, str | None]:
        """The value this control takes from the address text ``raw``, and a notice if it changed."""
        domain = self.domain
        if isinstance(domain, Flag):
            return clean_bool(raw, key=self.key, default=self.default)
        if isinstance(domain, Numbers):
            return clean_number(
                raw,
                key=self.key,
                lo=domain.lo,
                hi=domain.hi,
                default=self.default,
                step=domain.grid,
                integer=self.integer,
            )
        if self.kind == "multiselect":
            raise ValueError(f"{self.key!r} is not read from the address")
        return clean_choice(
            raw, key=self.key, options=domain.options, default=self.default, format_func=domain.fmt
        )

    def text(self, value: Any) -> str:
        """``value`` as written in the address (what :meth:`clean` reads back)."""
        domain = self.domain
        if isinstance(domain, Flag):
            return str(bool(value)).lower()
        if isinstance(domain, Numbers):
            return str(int(value)) if self.integer else f"{value:g}"
        return domain.fmt(value)

    def show(self, value: Any) -> str:
        """How a choice is shown on the widget (its label)."""
        return self.domain.fmt(value) if isinstance(self.domain, Choices) else self.text(value)

    def admits(self, value: Any) -> bool:
        """Whether ``value`` lies in the domain (in range and on the grid, or one of the choices)."""
        domain = self.domain
        if self.kind == "multiselect":
            return isinstance(value, list | tuple) and all(domain.has(v) for v in value)
        if isinstance(domain, Flag):
            return isinstance(value, bool)
        if isinstance(domain, Choices):
            return domain.has(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.integer and not isinstance(value, int):
            return False
        clean, note = self.clean(self.text(value))
        return note is None and clean == value


def _rows(*controls: Control) -> Mapping[str, Control]:
    table = {c.key: c for c in controls}
    if len(table) != len(controls):
        raise ValueError("two controls share a key")
    return MappingProxyType(table)


def _section(key: str, sections: Mapping[str, str]) -> Control:
    options = tuple(sections)
    return Control(
        key,
        "Section",
        "radio",
        Choices(options, sections.__getitem__),
        options[0],
        horizontal=True,
        hide_label=True,
    )


CONTROLS: Mapping[str, Control] = _rows(
    # --- the shared sidebar: data
    Control(
        "data",
        "Data set",
        "selectbox",
        Choices((*DATASET_NAMES, CUSTOM), format_data_name),
        DATASET_NAMES[0],
        help="The last choice trains on your own points, made on the Data page (click, table or CSV).",
    ),
    Control("n", "Training points n", "slider", Numbers(10, 400, 5), DEFAULT_N),
    Control("noise", "Noise", "slider", Numbers(0.0, 1.0, 0.05), 0.1),
    Control("dseed", "Data seed", "number", Numbers(0, 100_000, 1), 0),
    # objective
    Control(
        "loss",
        "Loss",
        "radio",
        Choices(LOSS_NAMES),
        LOSS_NAMES[0],
        horizontal=True,
        help="Mean over the points: squared (f − y)²/2, hinge (1 − y f)₊, logistic log(1 + e^(−y f)).",
    ),
    Control(
        "beta",
        "Weight decay β",
        "select_slider",
        Choices(BETAS, fmt_number),
        1e-3,
        help="J = mean loss + β/2·(‖W‖² + ‖α‖²); the bias column of W is regularised too.",
    ),
    # convex program
    Control(
        "patterns", "Activation patterns", "radio", Choices(("exact", "sampled")), "exact", horizontal=True
    ),
    Control("P", "Sampled patterns (Gaussian draws)", "slider", Numbers(10, MAX_SAMPLED_PATTERNS, 10), 200),
    Control("pseed", "Pattern seed", "number", Numbers(0, 100_000, 1), 0),
    # gradient training
    Control("opt", "Optimizer", "selectbox", Choices(OPTIMIZERS), "adam"),
    Control("width", "Width m (neurons)", "slider", Numbers(1, 200), 50),
    Control("lr", "Learning rate", "select_slider", Choices(LEARNING_RATES, fmt_number), 1e-2),
    Control("epochs", "Epochs", "slider", Numbers(10, 3000, 10), 500),
    Control(
        "batch",
        "Batch size",
        "select_slider",
        Choices(BATCH_SIZES),
        16,
        help="Ignored by full-batch gradient descent (gd).",
    ),
    Control("init", "Initial weight scale", "select_slider", Choices(INIT_SCALES, fmt_number), 1.0),
    Control("seed", "Training seed", "number", Numbers(0, 100_000, 1), 0),
    # display (shared)
    Control(
        TEXT_SIZE_KEY,
        "Large text (projector)",
        "toggle",
        Flag(),
        False,
        help="Raises every figure's text to at least 16 px, for a room with a projector.",
    ),
    # --- Playground page
    Control(
        "ghost",
        "Show the optimum's neurons",
        "toggle",
        Flag(),
        True,
        help=(
            "The certified optimum's neurons as dashed green lines on the SGD panel: watch SGD's neurons "
            "reach them, or not."
        ),
    ),
    # --- Patterns page
    Control(
        "draws",
        "Sampled directions P (Gaussian draws)",
        "select_slider",
        Choices(DEFAULT_COUNTS),
        200,
        help="The first P draws of one sequence (pattern seed from the sidebar); duplicates removed.",
    ),
    # --- Solvers page
    Control(
        "race_draws",
        "Sampled directions P for ADMM, CVXPY and SCP (Gaussian draws)",
        "select_slider",
        Choices(DEFAULT_COUNTS),
        200,
        help="Duplicated patterns are removed; the pattern seed is the sidebar's.",
    ),
    # --- Adversarial page: training (retrains) and the view (only redraws)
    Control(
        "train_eps",
        "Train at radius ε_train (data units)",
        "slider",
        Numbers(0.0, EPS_MAX, EPS_STEP),
        0.1,
        help="The radius the robust convex program and PGD training use. Changing it retrains.",
    ),
    Control(
        "norm",
        "Perturbation norm",
        "radio",
        Choices(tuple(NORM_LABELS)),
        "inf",
        captions=("ℓ∞ box", "ℓ2 disc"),
        horizontal=True,
    ),
    Control(
        "eps",
        "Display radius ε (data units)",
        "slider",
        Numbers(0.0, EPS_MAX, EPS_STEP),
        0.1,
        help="Only redraws: the networks are trained at ε_train above.",
    ),
    Control(
        "points",
        "Points",
        "radio",
        Choices(tuple(POINT_LABELS)),
        "train",
        captions=("training set", "held-out test set"),
        horizontal=True,
    ),
    Control(
        "arrows",
        "PGD arrows",
        "toggle",
        Flag(),
        False,
        help="Draw each point's PGD perturbation as an arrow from the point to its attacked copy.",
    ),
    # --- Data page
    Control(
        "click",
        "Click on the plane to",
        "radio",
        Choices(tuple(CLICK_ACTIONS), CLICK_ACTIONS.__getitem__),
        "plus",
        horizontal=True,
    ),
    # --- Landscape page
    _section("ls_section", LANDSCAPE_SECTIONS),
    Control(
        "ls_runs",
        "Random starts",
        "slider",
        Numbers(10, 200, 5),
        20,
        help="Seeds from the sidebar's training seed on; all other settings are the sidebar's.",
    ),
    Control(
        "ls_width_runs",
        "Seeds per width",
        "slider",
        Numbers(1, 10),
        2,
        help="The best of these runs is the curve; the sidebar's width is not used here.",
    ),
    Control("ls_t_width", "Teacher neurons", "slider", Numbers(1, 8), 3),
    Control("ls_t_n", "Points n", "slider", Numbers(20, 100, 5), 40),
    Control("ls_t_noise", "Target noise (std)", "slider", Numbers(0.0, 0.5, 0.05), 0.0),
    Control("ls_t_runs", "Student runs", "slider", Numbers(5, 50, 5), 10),
    # --- Dynamics page
    _section("dy_section", DYNAMICS_SECTIONS),
    Control(
        "dy_opts",
        "Optimizers",
        "multiselect",
        Choices(("gd", "sgd"), OPTIMIZER_NAMES.__getitem__),
        ("gd", "sgd"),
        in_address=False,
    ),
    Control(
        "dy_lrs",
        "Learning rates η",
        "multiselect",
        Choices(STEP_SIZES, fmt_number),
        (0.03, 0.1),
        in_address=False,
    ),
    Control("dy_steps", "Steps", "slider", Numbers(100, 3000, 100), 500),
    Control("dy_batch", "SGD batch size", "select_slider", Choices((1, 2, 4, 8, 16, 32)), 8),
    Control("dy_x_n", "Points n", "slider", Numbers(20, 200, 10), 40),
    Control("dy_x_d", "Dimension d", "select_slider", Choices((50, 100, 200, 500, 800, 1000, 2000)), 500),
    Control("dy_x_mu", "Cluster mean norm ‖μ‖", "slider", Numbers(2.0, 30.0, 1.0), 9.0),
    Control("dy_x_flip", "Flipped labels", "slider", Numbers(0.0, 0.3, 0.05), 0.1),
    Control("dy_x_lr", "Step size", "select_slider", Choices(STEP_SIZES, fmt_number), 1.0),
    Control("dy_x_steps", "Steps", "slider", Numbers(50, 3000, 50), 300),
    Control("dy_x_width", "Width m", "slider", Numbers(10, 100, 10), 40),
    Control(
        "dy_m_lr",
        "Step size (GD, heavy ball, Nesterov)",
        "select_slider",
        Choices(STEP_SIZES, fmt_number),
        0.03,
    ),
    Control("dy_m_adam", "Adam step size", "select_slider", Choices(STEP_SIZES, fmt_number), 0.01),
    Control("dy_m_steps", "Steps", "slider", Numbers(100, 5000, 100), 1000),
    Control("dy_m_mu", "Momentum μ", "slider", Numbers(0.0, 0.99, 0.01), 0.9),
    Control("dy_r_d", "Input dimension d", "slider", Numbers(10, 20), 12),
    Control("dy_r_k", "Teacher neurons", "slider", Numbers(1, 5), 2),
    Control(
        "dy_r_beta",
        "Weight decay β (right panel)",
        "select_slider",
        Choices(BETAS[4:], fmt_number),
        1e-2,
    ),
    Control("dy_r_lr", "SGD step size", "select_slider", Choices(STEP_SIZES[:7], fmt_number), 0.1),
    Control("dy_r_steps", "Steps", "slider", Numbers(500, 10000, 500), 3000),
    Control("dy_r_n", "Points n", "slider", Numbers(50, 400, 50), 200),
    Control("dy_r_width", "Student width m", "slider", Numbers(8, 64, 8), 32),
    # --- Theory page
    _section("th_section", THEORY_SECTIONS),
    Control("th_rp_d", "Input dimension d", "select_slider", Choices((10, 20, 40)), 20),
    Control(
        "th_rp_kind",
        "Program",
        "radio",
        Choices(
            ("additive", "affine"), {"additive": "additive x + p", "affine": "affine A x + p"}.__getitem__
        ),
        "additive",
        horizontal=True,
    ),
    Control("th_rp_q", "Bernoulli agreement q", "slider", Numbers(0.55, 0.95, 0.05), 0.75),
    Control("th_rp_seeds", "Seeds per width", "slider", Numbers(1, 5), 2),
    Control("th_rp_steps", "Adam steps", "slider", Numbers(100, 1000, 100), 200),
    Control(
        "th_rp_ratio",
        "Width shown in the picture (m / d)",
        "select_slider",
        Choices((0.25, 0.5, 1.0, 2.0, 4.0), fmt_number),
        1.0,
    ),
    Control("th_k_nmax", "Largest n", "select_slider", Choices((32, 64, 128, 256)), 64),
    Control("th_k_teacher", "Teacher neurons", "slider", Numbers(1, 6), 3),
    Control("th_k_noise", "Label noise (std)", "slider", Numbers(0.0, 0.5, 0.05), 0.1),
    Control(
        "th_k_beta", "Weight decay β of the networks", "select_slider", Choices(BETAS[:7], fmt_number), 1e-3
    ),
    Control("th_k_features", "Random features", "select_slider", Choices((50, 100, 200, 400, 800)), 200),
    Control(
        "th_mn_nmax",
        "Largest n",
        "select_slider",
        Choices((40, 80, 160, 320)),
        80,
        help="Training sizes from 20 doubling up to this; data set, noise, loss and β from the sidebar.",
    ),
    Control("th_o_eta", "Step size η", "select_slider", Choices(STEP_SIZES[:6], fmt_number), 0.01),
    Control("th_o_steps", "Stream length (steps)", "slider", Numbers(1000, 20000, 1000), 4000),
    Control("th_o_window", "Regret window (steps)", "select_slider", Choices((50, 100, 200, 500, 1000)), 500),
    Control("th_o_width", "Network width m", "slider", Numbers(5, 50, 5), 20),
    Control("th_o_noise", "Label noise (std)", "slider", Numbers(0.0, 0.5, 0.05), 0.1),
    Control("th_s_k", "Teacher neurons k (= d = student width)", "slider", Numbers(3, 8), 5),
    Control("th_s_n", "Sample size n", "slider", Numbers(200, 2000, 100), 400),
    Control("th_s_starts", "Random starts", "slider", Numbers(4, 40, 2), 10),
    Control(
        "th_c_by",
        "Table by",
        "radio",
        Choices(("width", "optimizer", "lr", "dataset")),
        "width",
        horizontal=True,
    ),
)


def defaults() -> dict[str, Any]:
    """Every control's default by key (a fresh dict; multiselect defaults as lists)."""
    return {k: list(c.default) if c.kind == "multiselect" else c.default for k, c in CONTROLS.items()}


# --- The settings records -----------------------------------------------------------------------------


class DataKey(NamedTuple):
    """Everything that determines a data set.

    For the user's own points (``name == CUSTOM``) the points themselves are the key: ``points`` holds
    them as ``(x1, x2, y)`` float tuples (hashable, so the caches key on the content), ``n`` is their
    number and the other fields are unused; such a data set has no test part.
    """

    name: str
    n: int
    noise: float
    seed: int
    n_test: int = N_TEST
    points: tuple = ()


@dataclass(frozen=True)
class SGDSettings:
    """The sidebar's gradient training: ``train_sgd``'s keyword arguments of the same names."""

    optimizer: str
    width: int
    lr: float
    epochs: int
    batch_size: int
    init_scale: float
    seed: int

    def train_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of ``engine.gradient.sgd.train_sgd`` (a fresh dict)."""
        return {
            "optimizer": self.optimizer,
            "width": self.width,
            "lr": self.lr,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "init_scale": self.init_scale,
            "seed": self.seed,
        }


@dataclass(frozen=True)
class Settings:
    """What the shared sidebar gives every page.

    ``loss`` is the loss the pages train with (``squared`` for regression data whatever the control
    says); ``patterns`` is ``"exact"`` or the number of sampled Gaussian draws.
    """

    data: DataKey
    task: str  # "classification" or "regression"
    loss: str
    beta: float
    patterns: str | int
    pattern_seed: int
    sgd: SGDSettings

    def as_record(self) -> dict[str, Any]:
        """The settings as plain data (the "settings" of an exported network)."""
        return {
            "data": self.data,
            "task": self.task,
            "loss": self.loss,
            "beta": self.beta,
            "patterns": self.patterns,
            "pattern_seed": self.pattern_seed,
            "sgd": self.sgd.train_kwargs(),
        }


@dataclass(frozen=True)
class AdversarialSettings:
    """What the three networks of the Adversarial page are trained with: the sidebar's objective,
    patterns and gradient settings, a classification ``loss`` and the training radius ``train_eps``
    in the ``norm`` ("inf" or "2")."""

    loss: str
    beta: float
    patterns: str | int
    pattern_seed: int
    train_eps: float
    norm: str
    sgd: SGDSettings
    # sampled draws of the robust program; None: the page's own program (explorer.cache.run_robust). A
    # first answer (explorer.progressive) solves it on fewer.
    robust_draws: int | None = None
