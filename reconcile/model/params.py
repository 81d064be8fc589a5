"""Model parameters that describe themselves: m and u per comparison and level NAME, with each
level's condition and label saved beside them (as Splink's saved models do), plus the term-frequency
settings, the prior over "one of the N registered people or none of them", the calibration and the
relatives' dependence rules.

On disk (`reconcile/data/model_defaults.json`, `model.json` inside an index):
`{"format": "reconcile-model", "version": 3, "comparisons": {name: {"label": {vi, en}, "levels":
[{"name", "condition", "label", "m", "u"}]}}, "tf": {…}, "prior": {…}, "calibration": {…},
"dependence": {…}, "trained_on": {…}}`. Loading checks the names against the registry and names what
to rebuild. Weights are log2(m/u) (bits); neutral levels weigh 0.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from reconcile.comparisons.base import Comparison, Registry

FORMAT = "reconcile-model"
VERSION = 3
M_FLOOR = 1e-6          # smallest m/u an estimate gives a level
W_FLOOR = 1e-12         # guard against log(0) in weights (estimates never go below M_FLOOR)
REBUILD = ("retrain with `python benchmarks/train_defaults.py --write` (package defaults) or "
           "`reconcile.model.training.train(...)` (your own register)")


class ParamsError(ValueError):
    """Parameters that do not fit the comparisons registered (names which and how to rebuild)."""


@dataclass(frozen=True)
class TFSettings:
    """Term-frequency adjustment (Splink style: u of the level replaced by the value's frequency
    count / N in the register at hand). Floors are COUNTS (`min_count`: a value held by fewer people
    counts as held by this many), so the adjustment grows with the register as the prior of "none of
    them" does; a probability floor would freeze it at one register size. `max_bonus` bounds the gain
    of one rare value (bits); fuzzy levels only ever lose (a weak similarity to a rare name is no
    evidence of that rare name), at `fuzzy_weight`."""
    enabled: bool = True
    weight: float = 1.0
    fuzzy_weight: float = 0.5
    min_count: float = 1.0
    min_count_relatives: float = 1.0
    max_bonus: float = 12.0
    relatives: bool = True


@dataclass(frozen=True)
class Prior:
    """The prior over "one of the N registered people or none of them".

    `absent_share`: the share of claimants expected NOT to be in the register at hand. Default 0.4:
    people come to the commune officer precisely because no record of them was found by the usual
    search, and in the Central Highlands communes this library serves many residents moved from the
    north and were never registered there; a share near one half is the honest starting point, and
    0.4 keeps a registered claimant with ordinary evidence above one half. Set it per commune
    (`EngineConfig` / `Params.with_prior`) when the local share is known.
    `miss_rate`: the chance that a registered claimant's record is not among the candidates blocking
    returned (measured by the benchmark; its mass goes to "none of them")."""
    absent_share: float = 0.4
    miss_rate: float = 0.02

    def __post_init__(self):
        if not (0.0 < self.absent_share < 1.0):
            raise ParamsError(f"absent_share must be strictly between 0 and 1, got {self.absent_share}")
        if not (0.0 <= self.miss_rate < 1.0):
            raise ParamsError(f"miss_rate must be in [0, 1), got {self.miss_rate}")


@dataclass(frozen=True)
class Calibration:
    """logit_j = a · weight_j · ln 2 + b (a: temperature for dependence between comparisons).
    a = 1, b = 0 is the plain Fellegi–Sunter posterior. `scales` {comparison: factor} shrink the
    weight of comparisons that overlap others (fitted across a grid of worlds, held out checked);
    `score` applies them, so evidence lines show the weight that counts."""
    a: float = 1.0
    b: float = 0.0
    method: str = "none"
    fitted_on: str = ""
    scales: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Dependence:
    """Relatives of one family are not independent evidence (see `score._relatives_dependence`)."""
    relatives_extra_factor: float = 0.3
    relatives_max_weight: float = 6.0
    relatives_factor_given_differs: float = 0.25
    relatives_weak_max_weight: float = 2.5   # a weak similarity (Sáng~Vàng) weighs little
    # families whose members' agreements overlap: the best of each counts whole, the others at
    # relatives_extra_factor (a spouse's name is not more evidence of the parents' family)
    relatives_groups: tuple[tuple[str, ...], ...] = (("father", "mother", "sibling"), ("spouse", "child"))
    # the family shares surname, middle name, ethnicity, hometown and residence: when the given
    # name clearly differs (a brother, a sister, a cousin among the candidates), their agreement
    # points to the family, not to this member of it
    family_fields: tuple[str, ...] = ("fam", "mid", "eth", "home", "res")
    family_factor_given_differs: float = 0.5
    # given-name levels that count as "the given name differs" for the two rules above. Adding
    # "fuzzy_low" (Minh/Tịnh, Kiên/Tiến: how a brother's name often compares) cut false matches on
    # our generator's worlds (20k 0.045 -> 0.038) but raised them on the independent one
    # (benchmarks/otherworld.py default 20k: 0.024 -> 0.027, recall@0.5 0.922 -> 0.913): left out
    given_differs_levels: tuple[str, ...] = ("different",)
    # a claim without a surname that agrees with the candidate on the clan of its father/siblings
    # (`kin_fam` agree): off by default, only disagreement counts. Among the candidates that matter
    # (namesakes of one family, one clan) agreement hardly separates people, and a recorded
    # father's agreement already counts the clan (relatives' chance agreement is taken within it).
    # Measured (grid-trained m/u), false matches on the off-grid check world off_a 20k: 0.054
    # without kin_fam, 0.064 counting agreement too, 0.046 counting disagreement only
    kin_surname_agreement: bool = False
    # surname and given name of one name are not independent (Nông + Hoa are both Tày/Nùng names):
    # when the whole name agrees, its term frequency is the count of the whole folded name
    joint_name_tf: bool = True


@dataclass(frozen=True)
class Params:
    """m / u per comparison and level name, plus settings. Build with `default_params()`,
    `Params.load(path)`, `Params.from_dict(d)` or `Params.uniform(registry)`."""
    m: dict[str, dict[str, float]]
    u: dict[str, dict[str, float]]
    tf: TFSettings = TFSettings()
    prior: Prior = Prior()
    calibration: Calibration = Calibration()
    dependence: Dependence = Dependence()
    trained_on: dict = field(default_factory=dict)

    # -- weights ----------------------------------------------------------------------------------
    def level_weights(self, cmp: Comparison) -> np.ndarray:
        """log2(m/u) per level code of `cmp`; neutral levels 0."""
        m, u = self.m[cmp.name], self.u[cmp.name]
        out = np.zeros(len(cmp.levels), dtype=np.float64)
        for i, lv in enumerate(cmp.levels):
            if not lv.neutral:
                out[i] = math.log2(max(m[lv.name], W_FLOOR) / max(u[lv.name], W_FLOOR))
        return out

    def check(self, registry: Registry, where: str = "model parameters") -> None:
        """Raise ParamsError naming every comparison/level missing or unknown, and the fix."""
        problems = []
        for cmp in registry:
            for table, tname in ((self.m, "m"), (self.u, "u")):
                have = table.get(cmp.name)
                if have is None:
                    problems.append(f"comparison {cmp.name!r} has no {tname}")
                    continue
                missing = [lv.name for lv in cmp.levels if lv.name not in have]
                extra = [k for k in have if k not in cmp.level_names]
                if missing:
                    problems.append(f"{cmp.name!r}: levels {missing} have no {tname}")
                if extra:
                    problems.append(f"{cmp.name!r}: {tname} has unknown levels {extra}")
        if problems:
            raise ParamsError(f"{where}: do not fit the registered comparisons: " + "; ".join(problems)
                              + f". Fix: {REBUILD}")

    # -- edits ------------------------------------------------------------------------------------
    def with_prior(self, absent_share: float | None = None, miss_rate: float | None = None) -> "Params":
        p = self.prior
        return replace(self, prior=Prior(absent_share if absent_share is not None else p.absent_share,
                                         miss_rate if miss_rate is not None else p.miss_rate))

    def with_levels(self, name: str, m: dict[str, float] | None = None,
                    u: dict[str, float] | None = None) -> "Params":
        mm, uu = dict(self.m), dict(self.u)
        if m is not None:
            mm[name] = dict(m)
        if u is not None:
            uu[name] = dict(u)
        return replace(self, m=mm, u=uu)

    # -- disk -------------------------------------------------------------------------------------
    def to_dict(self, registry: Registry | None = None) -> dict:
        from reconcile.comparisons import default_registry
        registry = registry or default_registry()
        comps = {}
        for cmp in registry:
            comps[cmp.name] = {
                "label": dict(cmp.label),
                "levels": [{"name": lv.name, "condition": lv.condition, "label": dict(lv.label),
                            "neutral": lv.neutral,
                            "m": float(self.m[cmp.name][lv.name]), "u": float(self.u[cmp.name][lv.name]),
                            "weight": (None if lv.neutral else round(float(w), 4))}
                           for lv, w in zip(cmp.levels, self.level_weights(cmp))]}
        return {"format": FORMAT, "version": VERSION, "comparisons": comps, "tf": asdict(self.tf),
                "prior": asdict(self.prior), "calibration": asdict(self.calibration),
                "dependence": asdict(self.dependence), "trained_on": self.trained_on}

    @classmethod
    def from_dict(cls, d: dict, registry: Registry | None = None, where: str = "model parameters"
                  ) -> "Params":
        from reconcile.comparisons import default_registry
        registry = registry or default_registry()
        if d.get("format") != FORMAT or d.get("version") != VERSION:
            raise ParamsError(f"{where}: format {d.get('format')!r} version {d.get('version')!r} is not "
                              f"{FORMAT!r} version {VERSION}. Fix: {REBUILD}")
        m, u = {}, {}
        for name, c in d.get("comparisons", {}).items():
            m[name] = {lv["name"]: float(lv["m"]) for lv in c["levels"]}
            u[name] = {lv["name"]: float(lv["u"]) for lv in c["levels"]}
        tf = {k: v for k, v in d.get("tf", {}).items() if k not in _RETIRED_TF}
        p = cls(m=m, u=u, tf=TFSettings(**tf), prior=Prior(**d.get("prior", {})),
                calibration=Calibration(**{k: (dict(v) if k == "scales" else v)
                                           for k, v in d.get("calibration", {}).items()}),
                dependence=_dependence(d.get("dependence", {})), trained_on=d.get("trained_on", {}))
        p.check(registry, where)
        return p

    def save(self, path: str | Path, registry: Registry | None = None) -> None:
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(registry), ensure_ascii=False, indent=1) + "\n", "utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | Path, registry: Registry | None = None) -> "Params":
        path = Path(path)
        try:
            d = json.loads(path.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise ParamsError(f"{path}: cannot read model parameters ({e}). Fix: {REBUILD}") from None
        return cls.from_dict(d, registry, where=str(path))

    @classmethod
    def uniform(cls, registry: Registry) -> "Params":
        """Uninformative m = u (every weight 0): the start of training."""
        m, u = {}, {}
        for cmp in registry:
            k = len(cmp.evidence_codes)
            m[cmp.name] = {lv.name: (1.0 if lv.neutral else 1.0 / k) for lv in cmp.levels}
            u[cmp.name] = dict(m[cmp.name])
        return cls(m=m, u=u)


_RETIRED_TF = ("min_u", "min_u_relatives")   # probability floors of before 1 Dec 2026 (now counts)


def _dependence(d: dict) -> Dependence:
    d = dict(d)
    for k in ("family_fields", "given_differs_levels"):
        if k in d:
            d[k] = tuple(d[k])
    if "relatives_groups" in d:
        d["relatives_groups"] = tuple(tuple(g) for g in d["relatives_groups"])
    return Dependence(**d)


@lru_cache(maxsize=1)
def _defaults_text() -> str:
    return resources.files("reconcile.data").joinpath("model_defaults.json").read_text("utf-8")


def default_params(registry: Registry | None = None) -> Params:
    """The packaged parameters (reconcile/data/model_defaults.json), checked against `registry`.
    Read once per registry (Params and Registry are immutable): `rc.query` builds a matcher per
    call, and parsing and checking the file took ~1.6 ms of each."""
    return _packaged_params(registry)


@lru_cache(maxsize=8)
def _packaged_params(registry: Registry | None) -> Params:
    return Params.from_dict(json.loads(_defaults_text()), registry,
                            where="reconcile/data/model_defaults.json")


def enforce_order(cmp: Comparison, m: dict[str, float], u: dict[str, float]
                  ) -> tuple[dict[str, float], dict[str, float]]:
    """Make weights non-increasing along the evidence order of `cmp` (pool adjacent violators).

    Adjacent levels whose weights are out of order are pooled: each gets the weight of the pooled
    masses, log2(Σm/Σu), by setting m_i = u_i · Σm/Σu (block totals of m and u are kept). A level
    that is rare among both true and random pairs (a noisy ratio) thus cannot outweigh a stronger one."""
    codes = cmp.evidence_codes
    names = [cmp.levels[i].name for i in codes]
    blocks: list[list[str]] = []
    for nm in names:
        blocks.append([nm])
        while len(blocks) > 1:
            a, b = blocks[-2], blocks[-1]
            wa = _ratio(m, u, a)
            wb = _ratio(m, u, b)
            if wb > wa + 1e-12:
                blocks[-2:] = [a + b]
            else:
                break
    m2, u2 = dict(m), dict(u)
    for blk in blocks:
        if len(blk) == 1:
            continue
        r = _ratio(m, u, blk)
        for nm in blk:
            m2[nm] = max(u[nm], W_FLOOR) * r
    return m2, u2


def _ratio(m: dict, u: dict, names: list[str]) -> float:
    return max(sum(m[x] for x in names), W_FLOOR) / max(sum(u[x] for x in names), W_FLOOR)
