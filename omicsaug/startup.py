"""Checks run when the workflow starts, before any job: a bad table or an impossible design
stops the run with one line naming the file, column or key and the fix.

Every dataset whose input files are already on disk (the user's table, a local EAE copy, a
GEO series) is read as the ingest rule will read it; the groups it finds are checked against
the designs (enough samples per group), the AUROC report's positive class, and the log
transform (no value <= 0, the workflow's own check), and the table's width after the feature
filter against every method's width limit (``Generator.max_features``). Reading is cached by the files' size and modification time
(``cache_dir``), so a re-run or a dry run does not read them again. Files the workflow
downloads or writes itself are checked by the rule that reads them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from . import config as oc
from .design import check_design, expand_designs
from .errors import InputError
from .io import load_dataset
from .table import GROUP, feature_columns


def _files(spec: dict, config: dict) -> dict | None:
    """The local files a dataset's ingest reads, or None when they do not exist yet (to be
    downloaded or written by the workflow: checked by the rule that reads them)."""
    src = spec["source"]
    if src not in ("eae_lipidomics", "table", "geo_series_matrix") or \
            (src == "eae_lipidomics" and not oc.eae_dir(config)):
        return None
    files = oc.table_files(config, spec)
    missing = [f for f in files.values() if not (f and Path(f).is_file())]
    if missing and src == "table" and not spec.get("url"):
        raise InputError("file not found.", file=missing[0],
                         fix=f"check the path in the dataset {spec['name']!r} (relative to "
                             "the working directory).")
    return None if missing else files


def _read(spec: dict, files: dict, cache_dir) -> dict:
    """Groups (in row order) of a dataset's table, read as ingest reads it and put through the
    workflow's log transform (:func:`omicsaug.preprocess.log_transform`, which stops on values
    <= 0 naming the file); cached once it passed."""
    from .preprocess import log_transform

    from .preprocess import filter_missing, top_k_variance

    keys = ("source", "kind", "sheet", "id_column", "metadata_id_column", "group_column",
            "group_labels", "group_map", "group_field", "characteristic", "drop_columns",
            "exclude_groups", "min_per_group", "gene_map", "transform", "log_offset", "filter")
    stamp = {k: spec.get(k) for k in keys}
    stamp["check"] = 4          # the version of these checks: a cached pass of another is void
    stamp["files"] = {k: [str(Path(f).resolve()), Path(f).stat().st_size, Path(f).stat().st_mtime_ns]
                      for k, f in files.items()}
    key = hashlib.sha256(json.dumps(stamp, sort_keys=True, default=str).encode()).hexdigest()[:20]
    path = Path(cache_dir) / f"{key}.json" if cache_dir else None
    if path is not None and path.is_file():
        return json.loads(path.read_text())
    df = load_dataset(spec, files)
    logged = log_transform(df, spec["transform"], float(spec["log_offset"]),
                           file=files["table"])
    flt = spec["filter"]
    kept, _ = filter_missing(logged, float(flt["max_missing"]))
    kept, _ = top_k_variance(kept, flt["top_k_variance"])
    out = {"groups": df[GROUP].astype(str).tolist(), "n_features": len(feature_columns(kept)),
           "read_as": df.attrs.get("read_as", "")}
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(out))
    return out


def _simulated_width(spec: dict) -> int | None:
    """Features of a simulated microarray after the variance filter (no missing values);
    None for other sources whose files are not on disk yet (the fit checks those)."""
    import inspect

    from .simulate import simulate_microarray

    if spec["source"] != "simulate_microarray":
        return None
    n = (spec.get("simulate") or {}).get("n_features")
    n = n or inspect.signature(simulate_microarray).parameters["n_features"].default
    k = (spec.get("filter") or {}).get("top_k_variance")
    return min(int(n), int(k)) if k else int(n)


def check_widths(config: dict, name: str, spec: dict, n_features: int | None, configfile):
    """Stop when a method of the dataset cannot take its width (negative controls double the
    columns a generator sees), naming the method, its limit and the filter setting."""
    from .augment import method_spec
    from .generators import REGISTRY

    if n_features is None:
        return
    aug = {**(config.get("augmentation") or {}), **(spec.get("augment") or {})}
    factor = 2 if aug.get("negative_controls") else 1
    for m in aug.get("methods") or list(config.get("methods") or {}):
        ms = method_spec(config, m)
        cls = REGISTRY[ms["generator"]]
        limit = cls.max_features(ms["params"])
        if limit is None or n_features * factor <= limit:
            continue
        seen = f"{n_features}" + (f" ({n_features * factor} with the negative controls)" if factor > 1 else "")
        raise InputError(
            f"method {m!r} ({ms['generator']}) supports at most {limit} features; dataset {name!r} "
            f"has {seen} after the feature filter.", file=configfile,
            key=f"datasets.{name}.filter.top_k_variance",
            fix=f"set it to {limit // factor} or less, or leave {m!r} out of "
                f"datasets.{name}.augment.methods" + (f", {cls.width_fix}" if cls.width_fix else "") + ".")


def check_null_sizes(config: dict, name: str, methods, configfile):
    """Stop when a calibrated method or the power curve has fewer null runs than a max-T
    discovery needs at the configured alpha (``ceil(1 / alpha) - 1``), naming the key that
    set the number."""
    from .evaluation.verdict import min_null_runs

    alpha = float(config.get("alpha", 0.05))
    floor = min_null_runs(alpha)
    own = (config.get("datasets") or {}).get(name) or {}

    def where(m, sub=()):
        path = ("calibration", *sub, "n_null")
        if m is not None and _get((config.get("methods") or {}).get(m) or {}, path) is not None:
            return f"methods.{m}.{'.'.join(path)}"
        if _get(own, path) is not None:
            return f"datasets.{name}.{'.'.join(path)}"
        return ".".join(path)

    checks = [(m, oc.calibration(config, name, m), ()) for m in methods]
    checks.append((None, oc.calibration(config, name), ("power_curve",)))
    for m, c, sub in checks:
        n = c["power_curve"]["n_null"] if sub else c["n_null"]
        if c["enabled"] and int(n) < floor:
            key = where(m, sub)
            raise InputError(
                f"{n} null run(s) cannot give a single discovery at alpha {alpha:g} (the smallest "
                f"permutation p is 1/(N + 1)).", file=configfile, key=key,
                fix=f"set it to at least {floor} (100 or more for stable results), or turn "
                    "calibration off (" + (f"methods.{m}.calibration.enabled: false)."
                                           if key.startswith("methods.") else "calibration.enabled: false)."))


def _get(d: dict, path):
    for k in path:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def imputed_info(name: str) -> dict | None:
    """Groups and width of a dataset's analysed table (``results/<name>/preprocess/imputed.tsv``),
    or None before it exists."""
    path = Path(f"results/{name}/preprocess/imputed.tsv")
    if not path.is_file():
        return None
    head = pd.read_csv(path, sep="\t", nrows=0).columns
    groups = pd.read_csv(path, sep="\t", usecols=[GROUP])[GROUP].astype(str).tolist()
    return {"groups": groups, "n_features": len(feature_columns(pd.DataFrame(columns=head)))}


def dataset_line(name: str, spec: dict, info: dict | None) -> str:
    """The start-up line of one dataset: rows x features, groups and sizes (where its table
    is on disk), the transform and the imputation."""
    if info is None:
        what = f"{spec['source']} (rows made or downloaded when the workflow runs)"
    else:
        sizes = pd.Series(info["groups"]).value_counts(sort=False)
        what = (f"{len(info['groups'])} rows x {info['n_features']} features, groups "
                + " / ".join(f"{g} {n}" for g, n in sizes.items()))
        if info.get("read_as"):
            what += f" (read as {info['read_as']})"
    imp = spec["impute"]["method"]
    return (f"{name}: {what}; kind {spec['kind']}, transform {spec['transform']}"
            + (f" (offset {spec['log_offset']:g})" if spec["transform"] != "none" and spec["log_offset"] else "")
            + f", imputation {imp}")


def check_inputs(config: dict, configfile="config", cache_dir=None) -> list[str]:
    """Raise the first :class:`InputError` among every dataset's start-up checks; return one
    line per dataset (:func:`dataset_line`) for the terminal."""
    import difflib

    methods = list(config.get("methods") or {})
    lines = []
    for name in config.get("datasets") or {}:
        spec = oc.dataset(config, name)
        designs = expand_designs(spec["designs"])
        sel = spec.get("augment") or {}
        for m in sel.get("methods") or []:
            if m not in methods:
                near = difflib.get_close_matches(str(m), methods, n=1)
                raise InputError(f"{m!r} is not a method of this config.", file=configfile,
                                 key=f"datasets.{name}.augment.methods",
                                 fix=(f"did you mean {near[0]!r}? " if near else "")
                                 + f"methods: {', '.join(methods)}.")
        for dname in sel.get("designs") or []:
            if dname not in [d.name for d in designs]:
                raise InputError(f"{dname!r} is not a design of this dataset.", file=configfile,
                                 key=f"datasets.{name}.augment.designs",
                                 fix=f"designs: {', '.join(d.name for d in designs)}.")
        check_null_sizes(config, name, sel.get("methods") or methods, configfile)
        a = spec["evaluation"]["auroc"]
        if a["enabled"] and a.get("positive") is None and designs:
            raise InputError("the AUROC report needs the positive class.", file=configfile,
                             key=f"datasets.{name}.evaluation.auroc.positive",
                             fix="name the (usually minority) group, e.g. 'positive: case'.")
        files = _files(spec, config)
        if files is None:
            check_widths(config, name, spec, _simulated_width(spec), configfile)
            lines.append(dataset_line(name, spec, None))
            continue
        info = _read(spec, files, cache_dir)
        lines.append(dataset_line(name, spec, info))
        check_widths(config, name, spec, info.get("n_features"), configfile)
        table = files["metadata"] if "metadata" in files else files["table"]
        groups = pd.Series(info["groups"])
        for d in designs:
            check_design(groups, d, file=table, key=f"datasets.{name}.designs")
        if a["enabled"] and designs and str(a["positive"]) not in set(groups):
            raise InputError(f"the positive class {a['positive']!r} is not a group of the data "
                             f"(groups: {sorted(set(groups))}).", file=configfile,
                             key=f"datasets.{name}.evaluation.auroc.positive",
                             fix="use one of the groups.")
    return lines
