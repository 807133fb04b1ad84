"""Augmentation stage: how many rows, negative controls, and the loop over seeds.

One call of :func:`augment_design` serves one workflow job: a (dataset, design, method)
cell, looping over the design's seeds. Its output is one long table with columns
``seed``, ``sample_id``, ``group``, ``synthetic``, ``parent`` and the features in input
order (followed by the ``<feature>__perm`` negative controls when they are on).
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd

from .config import fill_defaults
from .errors import InputError
from .generators import REGISTRY, get_generator
from .table import GROUP, ID, PARENT, PERM_SUFFIX, SEED, SYNTHETIC
from .utils import derive_seed, get_logger, make_rng

AMOUNT_MODES = ("ratio", "balance", "expand", "error_control")


def n_new_per_class(counts: dict, mode="ratio", ratio=1.0, multiplier=0.5) -> dict:
    """Synthetic rows per class.

    ``ratio``: k synthetic rows per original row (k = 1 is the papers' 1:1);
    ``balance``: fill every class up to the largest one;
    ``expand``: grow every class to ``n_largest * (1 + multiplier)`` (ExpandGAN).
    """
    nmax = max(counts.values())
    if mode == "ratio":
        if ratio < 0:
            raise InputError(f"ratio must be >= 0, got {ratio}.", key="amount.ratio", fix="use e.g. 1.")
        return {c: int(math.floor(ratio * n + 0.5)) for c, n in counts.items()}  # halves round up
    if mode == "balance":
        return {c: nmax - n for c, n in counts.items()}
    if mode == "expand":
        if multiplier < 0:
            raise InputError(f"multiplier must be >= 0, got {multiplier}.", key="amount.multiplier",
                             fix="use 0.25, 0.5, 0.75 or 1.0.")
        target = int(math.ceil(nmax * (1 + multiplier) - 1e-9))
        return {c: target - n for c, n in counts.items()}
    raise InputError(f"unknown amount mode {mode!r}.", key="amount.mode", fix=f"use one of {AMOUNT_MODES}.")


def add_permuted_copies(X, features, rng):
    """Append ``<feature>__perm``: each column shuffled independently across rows.

    Each copy keeps its column's values (the marginal) but loses any link to the class, so
    any significance or importance it gains downstream is a false positive by construction.
    """
    X = np.asarray(X, float)
    perm = np.column_stack([X[rng.permutation(len(X)), j] for j in range(X.shape[1])])
    return np.hstack([X, perm]), list(features) + [f"{f}{PERM_SUFFIX}" for f in features]


def method_spec(config: dict, name: str, design_amount: dict | None = None) -> dict:
    """Resolve a method instance from the config: generator name, params and amount. The
    amount is the global ``augmentation.amount``, overridden by the design's own
    (``design_amount``), overridden by the method's own."""
    methods = config.get("methods") or {}
    if name not in methods:
        raise InputError(f"method {name!r} is not in the 'methods' block.", key="methods",
                         fix=f"add it, e.g. '{name}: {{}}'.")
    m = methods[name] or {}
    gen = m.get("generator", name)
    if gen not in REGISTRY:
        raise InputError(f"unknown generator {gen!r}.", key=f"methods.{name}.generator",
                         fix=f"use one of {sorted(REGISTRY)}.")
    amount = fill_defaults({**((config.get("augmentation") or {}).get("amount") or {}),
                            **(design_amount or {}), **(m.get("amount") or {})}, "amount")
    return {"name": name, "generator": gen, "params": dict(m.get("params") or {}), "amount": amount,
            **({"share_fit": m["share_fit"]} if m.get("share_fit") else {})}


def fit_seed_name(spec: dict) -> str:
    """The name a method's generator seed derives from: its own, or that of the method whose
    fit it shares (``share_fit``: the same generator, so the same seed)."""
    return spec.get("share_fit") or spec["name"]


def load_shared_fits(path) -> dict | None:
    """Seed -> fitted generator from the ``fit.pkl`` of the method a ``share_fit`` names
    (None for no path)."""
    if path is None:
        return None
    from .utils import load_fit

    fits = load_fit(path).get("fits")
    if fits is None:
        raise InputError("it holds the first seed's fit only, not every seed's (written before "
                         "another method shared this one's fit).", file=str(path),
                         fix="delete it and its augmented table, then run again: the method is "
                             "re-fitted and keeps every seed's fit.")
    return fits


def _reseed_sampling(gen, spec: dict, seed_keys: tuple):
    """A method that shares another's fit draws its rows from a sampling stream of its own
    (seeded by its own name), not the shared fit's."""
    if spec.get("share_fit"):
        gen.reseed(derive_seed(*seed_keys, spec["name"], "sampling"))


def fit_generator(X, y, features, spec: dict, seed_keys: tuple, negative_controls=False,
                  shared=None):
    """Add the negative controls (if on) and fit the method as the augment stage does for one
    seed (methods with ``fit_many`` are fitted there several seeds at a time).

    ``seed_keys`` = (config seed, design, subset seed): the permutation depends on them only
    (the same for every method), the generator seed also on the method name (on the shared
    method's name with ``share_fit``). ``shared``: that method's fitted generator of this
    seed, whose trained classes are taken over (None: every class is trained here, with the
    same result).
    Returns (fitted generator, X as fitted, y, feature names as fitted).
    """
    gen, X, y, features = _prepared(X, y, features, spec, seed_keys, negative_controls)
    # named columns: a generator that reads a second table (WGAN's external data) matches by
    # name; the announced amount lets a GAN skip classes that get no rows (balancing)
    Xd, n = pd.DataFrame(X, columns=features), _n_new(y, spec)
    if shared is None:
        gen.fit(Xd, y, n_per_class=n)
    else:
        type(gen).fit_many([gen], [Xd], [y], [n], shared=[shared])
    _reseed_sampling(gen, spec, seed_keys)
    return gen, X, y, features


def _prepared(X, y, features, spec: dict, seed_keys: tuple, negative_controls=False):
    """The negative controls (if on), string labels and the seeded, unfitted generator."""
    if negative_controls:
        X, features = add_permuted_copies(X, features, make_rng(*seed_keys[:1], "perm", *seed_keys[1:]))
    y = np.asarray(y).astype(str)
    gen = get_generator(spec["generator"], random_state=derive_seed(*seed_keys, fit_seed_name(spec)),
                        **spec["params"])
    return gen, np.asarray(X, float), y, list(features)


def pretrain_generator(spec: dict, features, external, base_seed: int, negative_controls=False):
    """Pre-train a method that pre-trains externally (``Generator.pretrains_externally``:
    the omics WGAN) once for a data set (the paper's protocol) on its external table; every seed and design then re-trains from the saved weights. ``features`` are
    the analysed feature names (``__perm`` copies are added when ``negative_controls``).
    Returns the generator; write the weights with its ``save_pretrained(path)``.
    """
    features = list(features)
    if negative_controls:
        features += [f"{f}{PERM_SUFFIX}" for f in features]
    params = {**spec["params"], "external": external, "pretrained": None}
    gen = get_generator(spec["generator"], random_state=derive_seed(base_seed, "pretrain", spec["name"]),
                        **params)
    return gen.fit_pretraining(features)


def pretrain_key(spec: dict):
    """What a method's pre-training depends on (its generator's ``pretrain_params``, defaults
    filled in): two methods with equal keys share one pre-trained network."""
    gen = get_generator(spec["generator"], **{k: v for k, v in spec["params"].items()
                                              if k not in ("external", "pretrained")})
    names = gen.pretrain_params
    if names is None:
        return (spec["name"],)   # no declared settings: a pre-training of its own
    def norm(v):   # a YAML list and the default tuple are the same setting
        return tuple(norm(x) for x in v) if isinstance(v, (list, tuple)) else v

    return (spec["generator"],) + tuple((n, repr(norm(getattr(gen, n)))) for n in names)


def pretrain_owner(specs, spec: dict) -> str:
    """The first of ``specs`` (config order) whose pre-training ``spec`` can use: the name
    its weights are saved under (the generator's ``pretrained_file``)."""
    key = pretrain_key(spec)
    for other in specs:
        if other["generator"] == spec["generator"] and pretrain_key(other) == key:
            return other["name"]
    return spec["name"]


def spec_for_seed(spec: dict, seed) -> dict:
    """The spec one subset is augmented with. An amount ``{mode: error_control}`` becomes
    ``{mode: ratio, ratio: k}`` with k the level the error-inflation control chose for that
    subset (``amount.levels``: seed -> level, from its decision; ``amount.default_level`` for
    subsets it did not control)."""
    a = spec["amount"]
    if a.get("mode") != "error_control":
        return spec
    levels = {int(k): v for k, v in (a.get("levels") or {}).items()}
    level = levels.get(int(seed), a.get("default_level"))
    if level is None:
        raise InputError(f"method {spec['name']!r} augments by the error control's level, but no "
                         f"decision covers subset {seed}.", key=f"methods.{spec['name']}.amount",
                         fix="run the error_control rule for this design and method first.")
    return {**spec, "amount": {"mode": "ratio", "ratio": float(level)}}


def with_control_decision(spec: dict, decision: dict) -> dict:
    """Attach an error-control decision (the error_control rule's JSON) to a spec whose amount
    is ``{mode: error_control}``."""
    per = decision.get("per_seed") or {}
    return {**spec, "amount": {**spec["amount"], "levels": {int(k): v for k, v in per.items()},
                               "default_level": decision["chosen_level"]}}


def _n_new(y, spec: dict) -> dict:
    """Synthetic rows per class that ``spec``'s amount asks for."""
    counts = dict(zip(*np.unique(y, return_counts=True)))
    a = fill_defaults(spec["amount"], "amount")
    if a["mode"] == "error_control":
        raise ValueError("resolve an error_control amount per subset first (spec_for_seed)")
    return n_new_per_class(counts, a["mode"], a["ratio"], a["multiplier"])


class GeneratorOutputError(ValueError):
    """A generator wrote values that cannot be analysed (NaN or infinite)."""

    one_line = True


def _add_synthetic(gen, X, y, features, spec: dict, where=""):
    """Sample the configured amount from a fitted generator; returns (X_all, y_all, synthetic
    mask, parent index, feature names). Non-finite synthetic values stop here, naming the
    method and ``where`` (design and seed), instead of reaching the tests downstream."""
    Xn, yn, parents = gen.sample(_n_new(y, spec), return_parents=True)
    bad = ~np.isfinite(np.asarray(Xn, dtype=float))
    if bad.any():
        cols = sorted({features[j] for j in np.flatnonzero(bad.any(axis=0))})
        raise GeneratorOutputError(
            f"method {spec['name']!r}{where}: {int(bad.sum())} non-finite synthetic value(s) in "
            f"{cols[:5]}{' ...' if len(cols) > 5 else ''}. Fix: the generator diverged; train it "
            "longer or with a smaller learning rate, or leave this method out for these data.")
    X_all = np.vstack([X, Xn])
    y_all = np.concatenate([y, np.asarray(yn).astype(str)])
    synthetic = np.r_[np.zeros(len(X), bool), np.ones(len(Xn), bool)]
    parent = np.r_[np.full(len(X), -1), parents]
    return X_all, y_all, synthetic, parent, features


def augment_table(X, y, features, spec: dict, seed_keys: tuple, negative_controls=False):
    """Augment one subset; returns (X_all, y_all, synthetic mask, parent index, feature names).
    ``seed_keys`` = (config seed, design, subset seed)."""
    spec = spec_for_seed(spec, seed_keys[-1])
    gen, X, y, features = fit_generator(X, y, features, spec, seed_keys, negative_controls)
    return _add_synthetic(gen, X, y, features, spec, f", design {seed_keys[1]}, seed {seed_keys[-1]}")


def augment_design(subsets: pd.DataFrame, spec: dict, base_seed: int, design: str,
                   negative_controls=False, log=None, first_fit: dict | None = None,
                   keep_fits=False, shared_fits: dict | None = None) -> pd.DataFrame:
    """Augment every seed of one design with one method; one progress line per seed.

    ``first_fit``, when a dict, receives the first seed's fitted generator (``generator``),
    its labels (``y``), ``seed`` and ``n_features``, so diagnostics need not fit it again;
    with ``keep_fits`` also ``fits``: every seed's fitted generator by seed (the paper
    protocol samples its iterations from them). ``shared_fits``: seed -> fitted generator
    of the method named by the spec's ``share_fit`` (its augment job's ``fits``), whose
    trained classes each seed's fit takes over.
    """
    if shared_fits is not None:
        missing = [int(s) for s in pd.unique(subsets[SEED]) if int(s) not in shared_fits]
        if missing or not spec.get("share_fit"):
            raise ValueError(f"shared fits given for method {spec['name']} but "
                             + (f"none for seeds {missing}" if missing else "it has no share_fit"))
    log = log or get_logger()
    features = [c for c in subsets.columns if c not in (SEED, ID, GROUP)]
    parts = []
    seeds = list(pd.unique(subsets[SEED]))
    done = 0
    for chunk in _seed_chunks(subsets, seeds, features, spec, negative_controls, shared_fits):
        t0 = time.perf_counter()
        if len(chunk) == 1:
            s = chunk[0]
            sub = subsets[subsets[SEED] == s]
            fits = [fit_generator(sub[features].to_numpy(float), sub[GROUP].to_numpy(), features,
                                  spec_for_seed(spec, s), (base_seed, design, int(s)),
                                  negative_controls, None if shared_fits is None else shared_fits[int(s)])]
        else:  # one joint fit (WGAN: the seeds' re-training in shared stacks)
            fits = fit_generators_together(subsets, chunk, features, spec, base_seed, design,
                                           negative_controls, shared_fits)
            log.info("%s %s: seeds %s fitted together in %.1f s", design, spec["name"],
                     ", ".join(map(str, chunk)), time.perf_counter() - t0)
        t_fit = (time.perf_counter() - t0) / len(chunk)
        for s, (gen, Xf, yf, names) in zip(chunk, fits):
            t1 = time.perf_counter()
            ids = subsets.loc[subsets[SEED] == s, ID].astype(str).to_numpy()
            if done == 0 and first_fit is not None:
                first_fit.update(generator=gen, y=yf, seed=int(s), n_features=Xf.shape[1])
            if keep_fits and first_fit is not None:
                first_fit.setdefault("fits", {})[int(s)] = gen
            X_all, y_all, syn, parent, names = _add_synthetic(gen, Xf, yf, names,
                                                              spec_for_seed(spec, s),
                                                              f", design {design}, seed {s}")
            parts.append(_seed_table(s, ids, X_all, y_all, syn, parent, names))
            done += 1
            log.info("%s %s seed %s (%d/%d): %d original + %d synthetic rows %s in %.1f s", design,
                     spec["name"], s, done, len(seeds), len(ids), int(syn.sum()),
                     {k: int(v) for k, v in pd.Series(y_all[syn]).value_counts().items()},
                     t_fit + time.perf_counter() - t1)
    return pd.concat(parts, ignore_index=True)


def _seed_table(s, ids, X_all, y_all, syn, parent, names) -> pd.DataFrame:
    """One seed's augmented table: originals then synthetic rows with their parent IDs."""
    n_syn = int(syn.sum())
    out_ids = np.r_[ids, [f"syn{s}_{j + 1:04d}" for j in range(n_syn)]]
    par = np.where(parent >= 0, ids[np.clip(parent, 0, None)], "")
    par[~syn] = ""
    df = pd.DataFrame(X_all, columns=names)
    df.insert(0, PARENT, par)
    df.insert(0, SYNTHETIC, syn)
    df.insert(0, GROUP, y_all)
    df.insert(0, ID, out_ids)
    df.insert(0, SEED, s)
    return df


def _seed_chunks(subsets, seeds, features, spec: dict, negative_controls: bool,
                 shared_fits: dict | None = None):
    """Seeds fitted together: chunks sized by the generator's ``stack_budget`` where it can
    fit several tables at once (``fit_many``), single seeds otherwise."""
    if len(seeds) < 2:
        return [[s] for s in seeds]
    size = stack_size(subsets, seeds, features, spec, negative_controls, shared_fits)
    return [seeds[i:i + size] for i in range(0, len(seeds), max(size, 1))]


def stack_size(subsets, seeds, features, spec: dict, negative_controls: bool,
               shared_fits: dict | None = None) -> int:
    """How many seeds the method fits at once (its ``stack_budget``; 1 for most methods):
    counting the classes it trains (not those a shared fit trained)."""
    cls = REGISTRY[spec["generator"]]
    probe = get_generator(spec["generator"], **spec["params"])
    y0 = subsets.loc[subsets[SEED] == seeds[0], GROUP].astype(str).to_numpy()
    trained = {c for c, v in _n_new(y0, spec_for_seed(spec, seeds[0])).items() if v > 0} \
        if cls.fits_only_sampled else set(np.unique(y0))
    if shared_fits is not None:
        trained -= set(getattr(shared_fits[int(seeds[0])], "generators_", {}))
    return max(1, probe.stack_budget(len(features) * (2 if negative_controls else 1), len(trained)))


def fit_generators_together(subsets, chunk, features, spec: dict, base_seed: int, design: str,
                            negative_controls=False, shared_fits: dict | None = None):
    """:func:`fit_generator` for several seeds at once through the generator's ``fit_many``;
    returns one (generator, X, y, feature names) per seed."""
    fits = []
    for s in chunk:
        sub = subsets[subsets[SEED] == s]
        fits.append(_prepared(sub[features].to_numpy(float), sub[GROUP].to_numpy(), features, spec,
                              (base_seed, design, int(s)), negative_controls))
    REGISTRY[spec["generator"]].fit_many(
        [g for g, *_ in fits], [pd.DataFrame(X, columns=f) for _, X, _, f in fits],
        [y for _, _, y, _ in fits],
        [_n_new(y, spec_for_seed(spec, s)) for s, (_, _, y, _) in zip(chunk, fits)],
        **({} if shared_fits is None else {"shared": [shared_fits[int(s)] for s in chunk]}))
    for s, (g, *_) in zip(chunk, fits):
        _reseed_sampling(g, spec, (base_seed, design, int(s)))
    return fits

def uses_torch(spec: dict) -> bool:
    return REGISTRY[spec["generator"]].uses_torch


def prepare_job(spec: dict, threads: int, pretrained=None, control=None, log=None) -> dict:
    """What an augment or null-run job does before its loop: cap torch at the rule's threads
    (for a torch generator), point a WGAN at its dataset's pre-trained weights, attach the
    error control's decision (``control``: its JSON file) to an ``error_control`` amount, and
    log the method. Returns the spec to use."""
    import json
    from pathlib import Path

    log = log or get_logger()
    spec = {**spec, "params": dict(spec["params"])}
    if control is not None:
        decision = json.loads(Path(control).read_text())
        spec = with_control_decision(spec, decision)
        log.info("error control (%s rule): level per seed %s, else %s", decision.get("rule"),
                 spec["amount"]["levels"], decision["chosen_level"])
    if uses_torch(spec):
        import torch

        torch.set_num_threads(int(threads))
        log.info("torch device: %s", "cuda" if torch.cuda.is_available() else "cpu")
    if pretrained is not None:  # WGAN weights pre-trained once for the dataset
        spec["params"]["pretrained"] = pretrained
    log.info("method %s: generator %s, params %s, amount %s", spec["name"], spec["generator"],
             spec["params"], spec["amount"])
    return spec
