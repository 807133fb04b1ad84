"""Downsampled subsets: sample-size designs, first-n, class imbalance.

A *design* is one cell of the study (e.g. ``n6``: 6 per group, 20 random draws). Its
subsets for all seeds live in one long table: columns ``seed``, ``sample_id``, ``group``
and the feature values, rows in file order within each seed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from .config import fill_defaults
from .errors import InputError
from .table import GROUP, SEED
from .utils import get_logger, make_rng


@dataclass(frozen=True)
class Design:
    """One design cell. ``kind`` is ``full``, ``sample_size``, ``first_n`` or ``imbalance``."""

    name: str
    kind: str
    seeds: tuple[int, ...]
    n_per_group: int | None = None
    control: str | None = None
    case: str | None = None
    n_controls: int | None = None
    minority_fraction: float | None = None
    reimpute: bool = False
    params: dict = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["seeds"] = list(d["seeds"])
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Design":
        return cls(**{**d, "seeds": tuple(d["seeds"])})


def _fmt(x):
    return f"{x:g}"


def expand_designs(specs: list[dict]) -> list[Design]:
    """Expand config design entries (lists of sizes / fractions) into named cells.

    Names: ``full``, ``n{n}``, ``first{n}``, ``imb_c{controls}_f{fraction}``; a ``name``
    in the entry is used as a prefix when given (``{name}_n6``).
    """
    out = []
    for i, entry in enumerate(specs):
        # the schema's defaults (seeds, reimpute); a design's amount stays as given: it
        # overrides the global amount only where it sets a key
        s = {**fill_defaults({k: v for k, v in entry.items() if k != "amount"}, "design"),
             **({"amount": entry["amount"]} if "amount" in entry else {})}
        kind = s.get("type")
        seeds = tuple(range(1, int(s["seeds"]) + 1))
        prefix = f"{s['name']}_" if s.get("name") else ""
        re = bool(s["reimpute"])
        extra = {"params": {"amount": dict(s["amount"])}} if s.get("amount") else {}
        if kind == "full":
            out.append(Design(f"{s.get('name') or 'full'}", "full", (1,), reimpute=False, **extra))
        elif kind in ("sample_size", "first_n"):
            ns = s.get("n_per_group")
            ns = ns if isinstance(ns, list) else [ns]
            for n in ns:
                if kind == "sample_size":
                    out.append(Design(f"{prefix}n{n}", kind, seeds, n_per_group=int(n), reimpute=re,
                                      **extra))
                else:
                    out.append(Design(f"{prefix}first{n}", kind, (1,), n_per_group=int(n), reimpute=re,
                                      **extra))
        elif kind == "imbalance":
            cs = s.get("n_controls")
            fs = s.get("minority_fraction")
            for c in (cs if isinstance(cs, list) else [cs]):
                for f in (fs if isinstance(fs, list) else [fs]):
                    out.append(Design(f"{prefix}imb_c{c}_f{_fmt(f)}", kind, seeds, control=str(s["control"]),
                                      case=str(s["case"]) if s.get("case") is not None else None,
                                      n_controls=int(c), minority_fraction=float(f), reimpute=re,
                                      **extra))
        else:
            raise InputError(f"unknown design type {kind!r}.", key=f"designs[{i}].type",
                             fix="use full, sample_size, first_n or imbalance.")
    names = [d.name for d in out]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise InputError(f"design names repeat: {sorted(dup)}.", key="designs",
                         fix="give the entries distinct 'name' prefixes.")
    return out


def _check_counts(groups: pd.Series, need: dict, design: str, file=None, key="designs"):
    have = groups.value_counts()
    sizes = ", ".join(f"{k} {v}" for k, v in have.items())
    for g, n in need.items():
        if g not in have.index:
            raise InputError(f"design {design}: group {g!r} is not in the data (groups: {sizes}).",
                             file=file, key=key, fix="use a group label that exists.")
        if have[g] < n:
            raise InputError(f"design {design} needs {n} samples of group {g!r} but the data have "
                             f"{have[g]} (group sizes: {sizes}).", file=file, key=key,
                             fix="lower the design's sample counts.")


def required_counts(design: Design, order: list) -> dict | None:
    """Samples per group a design draws (None: the full table); ``order``: the groups."""
    if design.kind == "full":
        return None
    if design.kind in ("first_n", "sample_size"):
        return {k: design.n_per_group for k in order}
    if design.kind == "imbalance":
        case = design.case
        if case is None:
            others = [k for k in order if k != design.control]
            if len(others) != 1:
                raise InputError(f"'case' must be given when there are more than two groups ({order}).",
                                 key=f"design {design.name}", fix="set 'case' in the imbalance design.")
            case = others[0]
        return {design.control: design.n_controls,
                case: max(1, int(round(design.minority_fraction * design.n_controls)))}
    raise ValueError(design.kind)


def check_design(groups: pd.Series, design: Design, file=None, key="designs"):
    """Stop (InputError naming the design and the group sizes) when the data cannot give a
    design's subsets."""
    need = required_counts(design, list(pd.unique(groups)))
    if need:
        _check_counts(groups, need, design.name, file=file, key=key)


def draw_indices(df: pd.DataFrame, design: Design, seed: int, base_seed: int = 0) -> np.ndarray:
    """Row positions (sorted, file order) of the subset for one seed."""
    g = df[GROUP].reset_index(drop=True)
    order = list(pd.unique(g))
    if design.kind == "full":
        return np.arange(len(df))
    if design.kind == "first_n":
        _check_counts(g, {k: design.n_per_group for k in order}, design.name)
        return np.sort(np.concatenate([np.flatnonzero(g == k)[: design.n_per_group] for k in order]))
    rng = make_rng(base_seed, "subset", design.name, seed)
    need = required_counts(design, order)
    _check_counts(g, need, design.name)
    idx = [rng.choice(np.flatnonzero(g == k), size=n, replace=False) for k, n in need.items()]
    return np.sort(np.concatenate(idx))


def draw_subsets(imputed: pd.DataFrame, design: Design, base_seed=0, transformed=None,
                 imputer_factory=None, log=None) -> pd.DataFrame:
    """All seeds of one design as one long table.

    With ``design.reimpute`` the subset is imputed again from the transformed, not yet
    imputed values (``transformed``), using only the subset's own samples, as the EAE
    authors did; otherwise the rows are taken from the full-data imputed matrix.
    """
    log = log or get_logger()
    parts = []
    for i, s in enumerate(design.seeds):
        idx = draw_indices(imputed, design, s, base_seed)
        if design.reimpute:
            if transformed is None or imputer_factory is None:
                raise ValueError("reimpute needs the transformed table and an imputer factory")
            from .preprocess import impute_table

            sub = transformed.iloc[idx].reset_index(drop=True)
            empty = [c for c in sub.columns[2:] if sub[c].isna().all()]
            if empty:  # nothing observed in this subset: keep the full-data imputation
                log.warning("design %s seed %d: %d feature(s) unobserved in the subset keep their "
                            "full-data imputed values: %s", design.name, s, len(empty), empty[:5])
                sub[empty] = imputed.iloc[idx][empty].to_numpy()
            sub = impute_table(sub, imputer_factory(s))
        else:
            sub = imputed.iloc[idx].reset_index(drop=True)
        sub.insert(0, SEED, s)
        parts.append(sub)
        log.info("design %s: seed %d (%d/%d): %d samples %s", design.name, s, i + 1,
                 len(design.seeds), len(sub), {k: int(v) for k, v in sub[GROUP].value_counts().items()})
    return pd.concat(parts, ignore_index=True)
