"""Plasmode datasets: real rows, random group labels, known effects spiked in.

A plasmode keeps everything a simulator gets wrong (the real correlations, tails, outliers
and missing cells of a table) and still has a known answer: the group labels are assigned
at random, which destroys the real effects, and known shifts are added to a chosen number
of features. ``n_effects: 0`` is a pure null on real data.

The shift is made on the analysis scale (after the dataset's log transform) in units of the
feature's standard deviation, then carried back to the raw scale, so the workflow's own
preprocessing sees exactly the stated effect. A missing cell stays missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .config import fill_defaults
from .errors import InputError
from .io import GROUP, ID, feature_columns
from .realism import prefix_blocks
from .simulate import effect_sizes

def _group_sizes(samples: pd.DataFrame, groups, key) -> dict:
    """Group names and sizes: the real ones (in order of appearance) unless ``groups``
    gives a mapping name -> size or a list of sizes (named G1, G2, ...)."""
    if groups is None:
        return {str(g): int(n) for g, n in samples[GROUP].value_counts(sort=False).items()}
    if isinstance(groups, dict):
        sizes = {str(g): int(n) for g, n in groups.items()}
    else:
        sizes = {f"G{i + 1}": int(n) for i, n in enumerate(groups)}
    if len(sizes) < 2 or min(sizes.values()) < 2:
        raise InputError(f"needs at least two groups of at least 2 samples, got {sizes}.", key=key,
                         fix="give e.g. 'groups: {control: 8, case: 8}' or leave it out for the real sizes.")
    if sum(sizes.values()) > len(samples):
        raise InputError(f"the groups ask for {sum(sizes.values())} samples but the table has "
                         f"{len(samples)}.", key=key, fix="make the group sizes add up to at most "
                         f"{len(samples)}.")
    return sizes


def _back_transform(raw: np.ndarray, shift: np.ndarray, transform: str, offset: float) -> np.ndarray:
    """Raw values whose analysis-scale value is moved by ``shift``."""
    if transform == "log10":
        return (raw + offset) * 10.0 ** shift - offset
    if transform == "log2":
        return (raw + offset) * 2.0 ** shift - offset
    return raw + shift


def make_plasmode(samples: pd.DataFrame, settings: dict | None = None, *, transform="none",
                  log_offset=0.0, seed=0, key="plasmode"):
    """A plasmode of a sample table (raw scale). Returns (table, truth).

    ``settings`` (the config's ``plasmode:`` block): ``n_effects`` features get a shift
    of ``effect_size`` (:func:`omicsaug.simulate.effect_sizes`: default log-normal sizes,
    median d = 1, random sign) standard deviations, in every ``affected`` group (default:
    all groups but the first, the reference) against the others; ``groups`` sets the
    group names and sizes (default the real ones: rows are drawn without replacement
    when they ask for fewer rows than the table has); ``blocks: prefix`` names each
    feature's block by the part of its name before the first '_' (``none``: one block).

    ``truth`` columns: feature, block, true_effect, effect_size (d), effect_size_d, sd
    (the feature's SD on the analysis scale) and shift_<group> (analysis scale) per
    affected group.
    """
    from .preprocess import log_transform   # scikit-learn: not at config time

    s = fill_defaults(settings, "plasmode")   # the schema's defaults of the plasmode block
    rng = np.random.default_rng(seed)
    feats = feature_columns(samples)
    n_eff = s["n_effects"]
    if not isinstance(n_eff, int) or not 0 <= n_eff <= len(feats):
        raise InputError(f"n_effects is {n_eff!r}; the table has {len(feats)} features.",
                         key=f"{key}.n_effects", fix=f"use a whole number from 0 to {len(feats)}.")
    sizes = _group_sizes(samples, s["groups"], f"{key}.groups")
    names = list(sizes)
    affected = [str(g) for g in (s["affected"] if s["affected"] is not None else names[1:])]
    unknown = [g for g in affected if g not in sizes]
    if unknown or not affected or len(affected) == len(names):
        raise InputError(f"affected groups {affected} must be some, not all, of {names}.",
                         key=f"{key}.affected", fix="list the groups that carry the spiked effects.")
    try:
        dvals_eff = effect_sizes(rng, n_eff, s["effect_size"])
    except ValueError as exc:
        raise InputError(f"{exc}.", key=f"{key}.effect_size",
                         fix="use {distribution: lognormal, median, sigma}, {distribution: uniform, "
                             "low, high} or {distribution: fixed, value}.") from exc

    n_total = sum(sizes.values())
    rows = np.sort(rng.choice(len(samples), n_total, replace=False))
    labels = np.repeat(names, [sizes[g] for g in names])[rng.permutation(n_total)]
    raw = samples[feats].to_numpy(dtype=float)[rows]
    # the workflow's own transform (it refuses values <= 0 with the column named)
    analysis = log_transform(samples.iloc[rows], transform, log_offset)[feats].to_numpy(float)
    sd = np.nanstd(analysis, axis=0, ddof=1)
    sd = np.where(np.isfinite(sd), sd, 0.0)

    varying = np.flatnonzero(sd > 0)          # a constant feature cannot carry a shift in SDs
    if n_eff > len(varying):
        raise InputError(f"n_effects is {n_eff} but only {len(varying)} features vary.",
                         key=f"{key}.n_effects", fix=f"use at most {len(varying)}.")
    idx = np.sort(rng.choice(varying, n_eff, replace=False))
    dvals = np.zeros(len(feats))
    dvals[idx] = dvals_eff
    shift = dvals * sd
    out = raw.copy()
    hit = np.isin(labels, affected)
    out[hit] = _back_transform(raw[hit], shift, transform, log_offset)   # NaN stays NaN

    table = pd.DataFrame(out, columns=feats)
    table.insert(0, GROUP, labels)
    table.insert(0, ID, samples[ID].to_numpy()[rows])
    blocks = prefix_blocks(feats) if s["blocks"] == "prefix" else ["all"] * len(feats)
    truth = pd.DataFrame({"feature": feats, "block": blocks, "true_effect": dvals != 0,
                          "effect_size": dvals, "effect_size_d": dvals, "sd": sd})
    for g in affected:
        truth[f"shift_{g}"] = shift
    return table, truth
