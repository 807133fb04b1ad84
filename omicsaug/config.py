"""Configuration: schema validation with defaults, per-dataset settings, built-in data sources.

Every default of the config lives in one place: the ``default:`` values of the JSON schema
(``workflow/schemas/config.schema.yaml``; listed in config/README.md). :func:`validate_config`
checks a config against the schema and returns it with those defaults filled in (the one
validation pass, used by the workflow and the tests); :func:`with_defaults` fills them in
without checking.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import os
from pathlib import Path

import yaml

from .errors import InputError

# the workflow passes its own copy (workflow/schemas/); this default serves a source checkout
SCHEMA = Path(__file__).resolve().parent.parent / "workflow" / "schemas" / "config.schema.yaml"

# The EAE lipidomics data (Loetsch et al. 2026, CC BY 4.0), pinned to one commit.
EAE_COMMIT = "da0808d34c4ca7702f5cacb870894c0358004c8b"
EAE_URL = ("https://raw.githubusercontent.com/JornLotsch/genESOMerrorSignal/"
           f"{EAE_COMMIT}/MouseEAE_DIB/{{file}}")
EAE_FILES = {
    "mouse_lipidomics_data_raw.csv":
        "99daca3139801cf0e08ae993bfc93c21c6a90b975b179b85ef3eaec8d5f25b3d",
    "mouse_lipidomics_metadata.csv":
        "2549de58f32b201389c960b160ee72177ddeadbd2bf8dd9c3c664f2fb538c25e",
    "mouse_lipidomics_data_transformed_imputed.csv":
        "f4b98975e48ed9bbdf73b39c99a26724fe40abc477c4edd67b6d55f1b7162f5f",
}
EAE_GROUPS = {"1": "control", "2": "EAE", "3": "EAE_fingolimod"}
EAE_ENV = "OMICSAUG_EAE_DIR"

SIMULATED = ("simulate_lipidomics", "simulate_microarray")
# sources whose table the workflow makes itself, with a ground truth (results/{d}/input/truth.tsv)
GENERATED = SIMULATED + ("plasmode",)
PLASMODE_BASES = ("table", "geo_series_matrix", "eae_lipidomics")


def deep_merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in (over or {}).items():
        out[k] = deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _resolve(node: dict, schema: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        node = schema["definitions"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _closed_keys(node: dict, schema: dict):
    """The keys an object schema allows, or None where any key is allowed (free-form
    objects such as a generator's params, or named entries such as methods)."""
    node = _resolve(node, schema)
    if not isinstance(node, dict):
        return None
    keys, closed = set(), False
    for part in [node] + [_resolve(p, schema) for p in node.get("allOf", [])]:
        if not isinstance(part, dict):
            continue
        if isinstance(part.get("additionalProperties"), dict) or part.get("additionalProperties") is True:
            return None
        if "properties" in part:
            keys |= set(part["properties"])
            closed = True
    return keys if closed else None


def _child(node: dict, key: str, schema: dict):
    node = _resolve(node, schema)
    for part in [node] + [_resolve(p, schema) for p in node.get("allOf", [])]:
        if isinstance(part, dict) and key in (part.get("properties") or {}):
            return _resolve(part["properties"][key], schema)
        if isinstance(part, dict) and isinstance(part.get("additionalProperties"), dict):
            return _resolve(part["additionalProperties"], schema)
    return None


def unknown_keys(value, node: dict, schema: dict, path=()):
    """(path, key, allowed keys) of every key of ``value`` its schema does not know (a
    misspelt key would otherwise be ignored without a word)."""
    out = []
    node = _resolve(node, schema)
    if isinstance(value, dict) and isinstance(node, dict):
        allowed = _closed_keys(node, schema)
        for k, v in value.items():
            if allowed is not None and k not in allowed:
                out.append((path, k, sorted(allowed)))
                continue
            child = _child(node, k, schema)
            if isinstance(child, dict):
                alts = child.get("oneOf") or child.get("anyOf")
                if alts:   # the alternative that is an object schema
                    child = next((_resolve(a, schema) for a in alts
                                  if _resolve(a, schema).get("type", "object") == "object"
                                  and isinstance(v, dict)), None)
                if child is not None:
                    out += unknown_keys(v, child, schema, path + (str(k),))
    elif isinstance(value, list) and isinstance(node, dict) and isinstance(node.get("items"), dict):
        for i, v in enumerate(value):
            out += unknown_keys(v, node["items"], schema, path + (str(i),))
    return out


def _check_unknown_keys(config: dict, schema: dict, configfile):
    import difflib

    bad = unknown_keys(config, schema, schema)
    if bad:
        path, key, allowed = bad[0]
        near = difflib.get_close_matches(str(key), allowed, n=1)
        raise InputError("unknown key (it would be ignored).", file=configfile,
                         key=".".join(path + (str(key),)),
                         fix=(f"did you mean {near[0]!r}? " if near else "")
                         + f"valid keys here: {', '.join(allowed)}.")


def validate_config(config: dict, configfile="config", schema_path=SCHEMA) -> dict:
    """Check ``config`` against the JSON schema and return it with the schema's defaults filled
    in (:func:`with_defaults`); raise one :class:`InputError` naming the key."""
    import jsonschema

    schema = _schema(str(schema_path))
    _check_unknown_keys(config, schema, configfile)
    full = with_defaults(config, schema_path)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(full), key=lambda e: (len(e.path), list(map(str, e.path))))
    if not errors:
        _check_generators(full, configfile)
        _check_shared_fits(full, configfile)
        _check_realism(full, configfile)
        _check_auroc(full, configfile)
        return full
    err = jsonschema.exceptions.best_match(errors)
    key = ".".join(str(p) for p in err.absolute_path) or "(top level)"
    raise InputError(f"{err.message}.", file=configfile, key=key,
                     fix="see workflow/schemas/config.schema.yaml for the allowed values of this key.")


def _check_generators(config: dict, configfile):
    """Every method instance names a registered generator (the registry, not the schema, is
    the list: a new method is one module plus one registry line)."""
    from .generators import REGISTRY

    import difflib

    for name, m in (config.get("methods") or {}).items():
        gen = (m or {}).get("generator", name)
        if gen not in REGISTRY:
            raise InputError(f"unknown generator {gen!r}.", file=configfile,
                             key=f"methods.{name}.generator" if (m or {}).get("generator") else f"methods.{name}",
                             fix=f"use one of {sorted(REGISTRY)} (or set 'generator:' to one of them).")
        valid = [p for p in REGISTRY[gen]._param_names() if p != "random_state"]
        for p in (m or {}).get("params") or {}:
            if p not in valid:
                near = difflib.get_close_matches(p, valid, n=1)
                raise InputError(f"{gen} has no parameter {p!r}.", file=configfile,
                                 key=f"methods.{name}.params.{p}",
                                 fix=(f"did you mean {near[0]!r}? " if near else "")
                                 + f"valid: {', '.join(valid)}.")


def _check_shared_fits(config: dict, configfile):
    """``share_fit`` names another method of the config with the same generator and the same
    parameters, itself fitted on its own, whose generator can share fits."""
    from .generators import REGISTRY, get_generator
    from .generators.base import same_setting

    def params(m):
        return get_generator(m["generator"], **(m.get("params") or {})).get_params()

    methods = config.get("methods") or {}
    for name, m in methods.items():
        target = (m or {}).get("share_fit")
        if target is None:
            continue
        key = f"methods.{name}.share_fit"
        if target == name or target not in methods:
            raise InputError(f"{target!r} is not another method of this config.", file=configfile,
                             key=key, fix=f"name one of {sorted(set(methods) - {name})}.")
        t = {"generator": target, **(methods[target] or {})}
        m = {"generator": name, **m}
        if t.get("share_fit"):
            raise InputError(f"{target!r} shares the fit of {t['share_fit']!r} itself.",
                             file=configfile, key=key, fix=f"name {t['share_fit']!r} instead.")
        if m["generator"] != t["generator"]:
            raise InputError(f"{name} and {target} use different generators ({m['generator']}, "
                             f"{t['generator']}).", file=configfile, key=key,
                             fix="share the fit of a method with the same generator and params.")
        if not REGISTRY[m["generator"]].shares_fits:
            raise InputError(f"generator {m['generator']} cannot share fits.", file=configfile,
                             key=key, fix="remove share_fit (only the GANs share their per-class fits).")
        a, b = params(m), params(t)
        differ = sorted(k for k in a if k != "random_state" and not same_setting(a[k], b.get(k)))
        if differ:
            raise InputError(f"{name} and {target} differ in params {differ}: they would not be the "
                             "same fit.", file=configfile, key=key,
                             fix="give both the same params or remove share_fit.")


def _check_realism(config: dict, configfile):
    """A realism reference is 'auto', a built-in reference or another dataset of the config."""
    from .realism import REFERENCES

    names = set(config.get("datasets") or {})
    for d, spec in (config.get("datasets") or {}).items():
        ref = fill_defaults(spec, "dataset")["realism"]["reference"]
        if ref is not None and ref != "auto" and ref not in REFERENCES and (ref not in names or ref == d):
            raise InputError(f"unknown realism reference {ref!r}.", file=configfile,
                             key=f"datasets.{d}.realism.reference",
                             fix=f"use auto, null, one of {sorted(REFERENCES)} or another dataset "
                                 f"of this config ({sorted(names - {d})}).")


def _check_auroc(config: dict, configfile):
    """The AUROC report's method lists name methods of the config; the paper protocol's
    options are not set for the draws protocol (where they would silently do nothing)."""
    methods = set(config.get("methods") or {})
    for d in (config.get("datasets") or {}):
        a = dataset(config, d)["evaluation"]["auroc"]
        key = f"datasets.{d}.evaluation.auroc"
        named = [("hold_seed", m) for m in a["hold_seed"]] + \
            [(f"best_of.{k}", m) for k, v in a["best_of"].items() for m in v]
        for where, m in named:
            if m not in methods:
                raise InputError(f"{m!r} is not a method of this config.", file=configfile,
                                 key=f"{key}.{where}", fix=f"use some of {sorted(methods)}.")
        if a["protocol"] == "paper" and a["feature_selection"]["enabled"]:
            raise InputError("feature selection is not part of the paper protocol here.", file=configfile,
                             key=f"{key}.feature_selection",
                             fix="use 'protocol: draws' with feature selection, or switch it off.")
        if a["protocol"] != "paper":
            for k in ("hold_seed", "expand_sweep"):
                if a[k]:
                    raise InputError(f"{k} applies to the paper protocol only.", file=configfile,
                                     key=f"{key}.{k}", fix="set 'protocol: paper' or remove it.")


@functools.lru_cache(maxsize=None)
def _schema(path: str) -> dict:
    return yaml.safe_load(Path(path).read_text())


def _default(node, schema):
    """The default below one schema node: its ``default:`` where it has one, else the
    defaults of its fixed keys (``properties``, through ``$ref`` and ``allOf``); None when
    there is none. Named entries (``additionalProperties``: datasets, methods) and list items
    get none: a dataset block overrides the ``defaults:`` block only where it sets a key."""
    if isinstance(node, dict) and "default" in node:
        return copy.deepcopy(node["default"])
    node = _resolve(node, schema)
    if not isinstance(node, dict):
        return None
    if "default" in node:
        return copy.deepcopy(node["default"])
    out = {}
    for part in [node] + [_resolve(p, schema) for p in node.get("allOf", [])]:
        for key, child in (part.get("properties") or {}).items():
            if _has_default(child, schema):
                out[key] = _default(child, schema)
    return out


def _has_default(node, schema) -> bool:
    if isinstance(node, dict) and "default" in node:
        return True
    node = _resolve(node, schema)
    if not isinstance(node, dict):
        return False
    return "default" in node or any(
        _has_default(child, schema)
        for part in [node] + [_resolve(p, schema) for p in node.get("allOf", [])]
        for child in (part.get("properties") or {}).values())


@functools.lru_cache(maxsize=None)
def _defaults(path: str) -> dict:
    schema = _schema(path)
    return _default(schema, schema)


def defaults(schema_path=SCHEMA) -> dict:
    """The config's defaults, from the schema's ``default:`` values (a fresh copy)."""
    return copy.deepcopy(_defaults(str(schema_path)))


def with_defaults(config: dict, schema_path=SCHEMA) -> dict:
    """``config`` with every default it leaves out (:func:`defaults`); not checked."""
    return deep_merge(_defaults(str(schema_path)), config)


def _fill(value: dict, node, schema) -> dict:
    out = dict(value)
    node = _resolve(node, schema)
    for part in [node] + [_resolve(p, schema) for p in node.get("allOf", [])]:
        for key, child in (part.get("properties") or {}).items():
            c = _resolve(child, schema)
            if key not in out:
                if "default" in child or "default" in c:
                    out[key] = _default(child, schema)
            elif isinstance(out[key], dict) and isinstance(c, dict) and (c.get("properties") or c.get("allOf")):
                out[key] = _fill(out[key], c, schema)
    return out


def _block_node(block: str, schema: dict):
    dataset_node = schema["properties"]["datasets"]["additionalProperties"]["allOf"][1]
    return {"dataset": dataset_node, "role": schema["definitions"]["role"],
            "amount": schema["definitions"]["amount"], "design": schema["definitions"]["design"],
            "plasmode": dataset_node["properties"]["plasmode"]}[block]


def fill_defaults(value: dict, block: str, schema_path=SCHEMA) -> dict:
    """``value`` (a ``datasets.<name>`` block, a ``role`` block (``external``,
    ``validation``), an ``amount``, a ``design`` or a ``plasmode`` block) with the schema's default for
    every key of its own it leaves out. Nested blocks (``gene_map``, ``plasmode``) get their
    keys' defaults where they are present; a block with a default of its own
    (``realism``) also where absent. Named entries (datasets, methods) get no defaults from
    :func:`with_defaults`: this is where their blocks get them."""
    schema = _schema(str(schema_path))
    return _fill(value or {}, _block_node(block, schema), schema)


def eae_dir(config: dict):
    """The local EAE folder: ``config['eae_dir']``, else ``$OMICSAUG_EAE_DIR``, else None."""
    d = config.get("eae_dir") or os.environ.get(EAE_ENV) or None
    return str(Path(d)) if d else None


def table_files(config: dict, spec: dict, source: str | None = None) -> dict:
    """The files a table-reading source reads (``source``: default the spec's own): the
    user's table (+ metadata, + the platform annotation of a GEO series), or the EAE CSVs
    (from the local EAE folder, else where the download rule puts them)."""
    source = source or spec["source"]
    if source == "eae_lipidomics":
        local = eae_dir(config)
        return {k: str(Path(local) / spec[k]) if local else f"resources/eae_lipidomics/{spec[k]}"
                for k in ("table", "metadata")}
    files = {"table": spec.get("table")}
    if spec.get("metadata"):
        files["metadata"] = spec["metadata"]
    if (spec.get("gene_map") or {}).get("table"):
        files["gene_map"] = spec["gene_map"]["table"]
    return files


def sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_eae_file(path):
    name = Path(path).name
    digest = sha256(path)
    if digest != EAE_FILES[name]:
        raise InputError(f"sha256 {digest} differs from the pinned {EAE_FILES[name]}.", file=path,
                         fix=f"use the files of commit {EAE_COMMIT} (see README, 'EAE data').")


def dataset(config: dict, name: str) -> dict:
    """The resolved settings of one dataset: global defaults, then built-in source, then user keys."""
    cfg = with_defaults(config)
    spec = deep_merge(cfg["defaults"], cfg["datasets"][name])
    src = spec["source"]
    base_src = fill_defaults(spec.get("plasmode"), "plasmode")["base"] if src == "plasmode" else src
    if base_src == "eae_lipidomics":
        authors = spec.get("eae_matrix") == "authors"   # the schema's default: raw
        base = {"kind": "lipidomics", "id_column": "ID", "group_column": "GROUP",
                "group_labels": EAE_GROUPS,
                "table": "mouse_lipidomics_data_transformed_imputed.csv" if authors
                else "mouse_lipidomics_data_raw.csv",
                "metadata": "mouse_lipidomics_metadata.csv",
                "transform": "none" if authors else "log10"}
        spec = deep_merge(base, spec)
    elif src in SIMULATED:
        spec = deep_merge({"kind": "lipidomics" if src == "simulate_lipidomics" else "microarray",
                           "id_column": "sample_id", "group_column": "group",
                           "transform": "log10" if src == "simulate_lipidomics" else "none"}, spec)
    if src == "plasmode":
        spec.setdefault("plasmode", {})
    spec = fill_defaults(spec, "dataset")   # the schema's defaults of the dataset's own keys
    if spec.get("transform") is None:       # the scale follows the kind of data
        spec["transform"] = "log10" if spec["kind"] == "lipidomics" else "none"
    # realism check against a reference (omicsaug.realism): auto = the EAE table for
    # generated lipidomics data, nothing otherwise
    if spec["realism"]["reference"] == "auto":
        spec["realism"]["reference"] = ("eae_lipidomics" if src in GENERATED
                                        and spec["kind"] == "lipidomics" else None)
    spec["name"] = name
    spec = _with_download_paths(spec, name)
    for role in ROLES:
        if isinstance(spec.get(role), dict):
            spec[role] = _with_download_paths(fill_defaults(spec[role], "role"), name)
    return spec


#: tables a dataset may name besides its own: unlabelled rows for WGAN pre-training, and
#: labelled rows scored by the AUROC report (the WGAN paper's "external" and "validation")
ROLES = ("external", "validation")


def download_path(name: str, url: str) -> str:
    """Where the workflow keeps a file it downloads for dataset ``name``."""
    return f"resources/downloads/{name}/{url.rstrip('/').rsplit('/', 1)[-1]}"


def _with_download_paths(spec: dict, name: str) -> dict:
    """A ``url`` (of the table or of its ``gene_map``) without a local ``table`` becomes the
    path the download rule writes."""
    spec = dict(spec)
    if spec.get("url") and not spec.get("table"):
        spec["table"] = download_path(name, spec["url"])
    gm = spec.get("gene_map")
    if isinstance(gm, dict) and gm.get("url") and not gm.get("table"):
        spec["gene_map"] = {**gm, "table": download_path(name, gm["url"])}
    return spec


def downloads(config: dict, name: str) -> dict:
    """file name -> (url, sha256 or None) of every file dataset ``name`` downloads."""
    spec = dataset(config, name)
    out = {}
    for part in [spec] + [spec[r] for r in ROLES if isinstance(spec.get(r), dict)]:
        for item in (part, part.get("gene_map") or {}):
            if item.get("url") and item.get("table") == download_path(name, item["url"]):
                out[Path(item["table"]).name] = (item["url"], item.get("sha256"))
    return out


def error_control(config: dict, name: str) -> dict:
    """Error-control settings of one dataset: global block, then the dataset's own block."""
    cfg = with_defaults(config)
    return deep_merge(cfg["error_control"], cfg["datasets"][name].get("error_control") or {})


def calibration(config: dict, name: str, method: str | None = None) -> dict:
    """Calibration settings of one dataset (global block, then the dataset's own block) and,
    with ``method``, that method's ``calibration`` overrides (e.g. a smaller ``n_null``)."""
    cfg = with_defaults(config)
    out = deep_merge(cfg["calibration"], cfg["datasets"][name].get("calibration") or {})
    if method is not None:
        m = (cfg.get("methods") or {}).get(method) or {}
        out = deep_merge(out, m.get("calibration") or {})
    if out["power_curve"]["n_per_group"] is None:
        out["power_curve"]["n_per_group"] = dataset(config, name)["failure_point"]["n_per_group"]
    return out


def load_yaml(path) -> dict:
    return yaml.safe_load(Path(path).read_text()) or {}
