"""Seeding, atomic output, config resolution and the EAE data pins."""

from __future__ import annotations

import os
import stat

import numpy as np
import pandas as pd
import pytest

from omicsaug import config as oc
from omicsaug import utils
from omicsaug.errors import InputError

def test_seeds_are_stable_and_distinct():
    # fixed values: the same on every machine and Python run (crc32, not hash())
    assert utils.derive_seed(42, "impute", "full") == utils.derive_seed(42, "impute", "full")
    a = utils.make_rng(42, "subset", "n6", 1).integers(0, 1 << 30, 5)
    b = utils.make_rng(42, "subset", "n6", 1).integers(0, 1 << 30, 5)
    c = utils.make_rng(42, "subset", "n6", 2).integers(0, 1 << 30, 5)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert utils.derive_seed(1, "x") != utils.derive_seed(1, "y")
    assert 0 <= utils.derive_seed(42, "classifiers") < 2 ** 31
    with pytest.raises(ValueError):
        utils.seed_sequence(-1)


def test_derive_seed_known_value_across_processes():
    import subprocess
    import sys

    code = "from omicsaug.utils import derive_seed; print(derive_seed(42, 'impute', 'full'))"
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": str(h)}).stdout.strip()
            for h in (1, 2)}
    assert outs == {str(utils.derive_seed(42, "impute", "full"))}


def test_write_tsv_atomic_and_readable(tmp_path):
    df = pd.DataFrame({"sample_id": ["a", "b"], "x": [0.1, 1 / 3]})
    out = tmp_path / "sub" / "t.tsv"
    utils.write_tsv(df, out)
    assert utils.read_tsv(out)["x"].tolist() == [0.1, 1 / 3]           # exact round trip
    assert [p.name for p in out.parent.iterdir()] == ["t.tsv"]           # no temp file left
    mode = stat.S_IMODE(out.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask                                        # not mkstemp's 0600
    gz = tmp_path / "t.tsv.gz"
    utils.write_tsv(df, gz)
    pd.testing.assert_frame_equal(pd.read_csv(gz, sep="\t"), df)


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with utils.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_dataset_resolution_eae_and_simulated():
    cfg = {"datasets": {"raw": {"source": "eae_lipidomics"},
                        "auth": {"source": "eae_lipidomics", "eae_matrix": "authors",
                                 "impute": {"n_estimators": 7}},
                        "sim": {"source": "simulate_microarray"}}}
    raw, auth, sim = (oc.dataset(cfg, n) for n in ("raw", "auth", "sim"))
    assert raw["table"] == "mouse_lipidomics_data_raw.csv" and raw["transform"] == "log10"
    assert auth["table"] == "mouse_lipidomics_data_transformed_imputed.csv"
    assert auth["transform"] == "none"
    assert raw["metadata"] == auth["metadata"] == "mouse_lipidomics_metadata.csv"
    assert raw["group_column"] == "GROUP" and raw["group_labels"]["2"] == "EAE"
    # defaults merged key by key
    assert auth["impute"]["n_estimators"] == 7 and auth["impute"]["max_iter"] == 5
    assert raw["impute"]["n_estimators"] == 100
    assert sim["kind"] == "microarray" and sim["transform"] == "none" and sim["name"] == "sim"
    # a user key beats the built-in source default
    user = oc.dataset({"datasets": {"e": {"source": "eae_lipidomics", "transform": "none"}}}, "e")
    assert user["transform"] == "none"


def test_eae_dir_config_then_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(oc.EAE_ENV, raising=False)
    assert oc.eae_dir({"eae_dir": ""}) is None
    monkeypatch.setenv(oc.EAE_ENV, str(tmp_path / "env"))
    assert oc.eae_dir({"eae_dir": ""}) == str(tmp_path / "env")
    assert oc.eae_dir({}) == str(tmp_path / "env")
    assert oc.eae_dir({"eae_dir": str(tmp_path / "cfg")}) == str(tmp_path / "cfg")


def test_eae_pins_match_the_shared_files(eae_dir, tmp_path):
    for name in oc.EAE_FILES:
        oc.verify_eae_file(eae_dir / name)                   # raises on mismatch
    bad = tmp_path / "mouse_lipidomics_metadata.csv"
    bad.write_bytes((eae_dir / "mouse_lipidomics_metadata.csv").read_bytes() + b"\n")
    with pytest.raises(InputError) as ei:
        oc.verify_eae_file(bad)
    assert str(bad) in str(ei.value) and oc.EAE_COMMIT in str(ei.value)


def test_eae_data_not_in_the_repository():
    """The EAE CSVs are fetched or pointed at, never committed or copied into the repo."""
    from conftest import REPO

    names = set(oc.EAE_FILES) | {"mouse_lipids_transformed_imputed_6pergroup.csv"}
    copies = [p for p in REPO.rglob("*.csv") if p.name in names and ".venv" not in p.parts
              and "resources" not in p.parts]
    assert copies == []


def test_config_names_an_unknown_generator_and_resolves_calibration(tmp_path):
    from omicsaug.config import calibration, validate_config
    from omicsaug.errors import InputError

    base = {"datasets": {"d": {"source": "simulate_lipidomics"}}}
    with pytest.raises(InputError, match=r"methods\.mine\.generator.*unknown generator 'gmmm'.*Fix:"):
        validate_config({**base, "methods": {"mine": {"generator": "gmmm"}}}, configfile="c.yaml")
    validate_config({**base, "methods": {"duplicate": {}, "x": {"generator": "smote"}}})
    with pytest.raises(InputError, match=r"calibration\.pooling"):
        validate_config({**base, "calibration": {"pooling": "sometimes"}})
    cfg = {**base, "calibration": {"n_null": 50},
           "methods": {"ctgan": {"calibration": {"n_null": 20}}, "gmm": {}}}
    validate_config(cfg)
    assert calibration(cfg, "d")["n_null"] == 50
    assert calibration(cfg, "d", "ctgan")["n_null"] == 20 and calibration(cfg, "d", "gmm")["n_null"] == 50
    # the power curve's sizes default to the failure point's
    assert calibration(cfg, "d")["power_curve"]["n_per_group"] == [3, 4, 5, 6, 7, 8]


@pytest.mark.parametrize("methods, match", [
    ({"e": {"generator": "wgan", "share_fit": "g"}}, r"'g' is not another method"),
    ({"e": {"generator": "wgan", "share_fit": "e"}}, r"'e' is not another method"),
    ({"g": {"generator": "wgan_classic"}, "e": {"generator": "wgan", "share_fit": "g"}},
     r"different generators \(wgan, wgan_classic\)"),
    ({"g": {"generator": "wgan", "params": {"alpha": [1.0, 0.0]}},
      "e": {"generator": "wgan", "params": {"alpha": [1.0, 1.0]}, "share_fit": "g"}},
     r"differ in params \['alpha'\]"),
    ({"g": {"generator": "wgan"}, "f": {"generator": "wgan", "share_fit": "g"},
      "e": {"generator": "wgan", "share_fit": "f"}}, r"'f' shares the fit of 'g' itself.*name 'g'"),
    ({"g": {"generator": "smote"}, "e": {"generator": "smote", "share_fit": "g"}},
     r"generator smote cannot share fits"),
])
def test_share_fit_names_the_same_fit_of_another_method(methods, match):
    """``share_fit`` stops the run at start-up, naming the key, unless it names another
    method with the same generator and params (defaults and YAML lists included)."""
    from omicsaug.config import validate_config

    base = {"datasets": {"d": {"source": "simulate_lipidomics"}}}
    with pytest.raises(InputError, match=r"methods\.e\.share_fit.*" + match):
        validate_config({**base, "methods": methods}, configfile="c.yaml")
    ok = {"g": {"generator": "wgan", "params": {"alpha": [1.0, 0.0], "batch_size": [10, 20]}},
          "e": {"generator": "wgan", "params": {"alpha": [1.0, 0.0]}, "share_fit": "g",
                "amount": {"mode": "expand", "multiplier": 1.0}}}
    validate_config({**base, "methods": ok})


def test_config_readme_documents_every_schema_key():
    """config/README.md's key reference is the one generated from the schema (rerun
    `python -m omicsaug.config_doc` after editing the schema), and it names every key a
    shipped config uses, each with a meaning."""
    import re

    from omicsaug import config_doc
    from omicsaug.config import load_yaml

    from conftest import REPO

    text = (REPO / "config" / "README.md").read_text()
    part = text.split(config_doc.START, 1)[1].split(config_doc.END, 1)[0]
    assert config_doc.START + part + config_doc.END == config_doc.generate()
    rows = [line for line in part.splitlines() if line.startswith("| `")]
    assert all(not line.rstrip().endswith("|  |") for line in rows)   # a meaning for each
    keys = config_doc.leaf_keys()
    last = {k.rsplit(".", 1)[-1] for k in keys}

    def used(node, out):
        if isinstance(node, dict):
            for k, v in node.items():
                out.add(str(k))
                if k not in ("methods", "datasets", "params", "simulate", "group_map",
                             "group_labels", "best_of", "groups"):
                    used(v, out)
                elif isinstance(v, dict):
                    for inner in v.values():
                        used(inner, out)
        elif isinstance(node, list):
            for v in node:
                used(v, out)
        return out

    for f in sorted((REPO / "config").rglob("*.yaml")):
        missing = used(load_yaml(f), set()) - last
        assert not missing, (f.name, missing)
    assert re.search(r"\| `datasets.<name>.designs` \|", part)


def test_failed_jobs_are_the_logs_ending_in_the_failure_line(tmp_path):
    """log_to's hook ends a failed job's log with 'FAILED: <type>: <reason>'; failed_jobs
    lists exactly those logs (a rerun that succeeded rewrote its log)."""
    import subprocess
    import sys

    from omicsaug.utils import failed_jobs

    code = ("import sys; from omicsaug.utils import log_to; log = log_to(sys.argv[1]); "
            "log.info('working'); raise ValueError('bad value\\nsecond line')")
    for name, ok in (("a/failed.log", False), ("b/fine.log", True)):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run([sys.executable, "-c", code.replace("raise", "pass  #") if ok else code,
                               str(tmp_path / name)], capture_output=True, text=True)
        assert (proc.returncode == 0) == ok
    assert failed_jobs(tmp_path) == [((tmp_path / "a/failed.log").as_posix(),
                                      "ValueError: bad value second line")]


def test_schema_defaults_are_filled_by_the_one_validation_pass():
    """The schema's default: values are the config's defaults: validate_config returns the
    config with them filled in; a dataset block is not filled, so it inherits `defaults:`
    (and a dataset's own calibration inherits the top-level block) and overrides only the
    keys it sets."""
    base = {"datasets": {"d": {"source": "simulate_lipidomics", "filter": {"max_missing": 0.2}},
                         "e": {"source": "simulate_lipidomics",
                               "calibration": {"n_null": 7}}},
            "defaults": {"filter": {"max_missing": 0.3}, "impute": {"method": "mean"}},
            "calibration": {"pooling": "pooled"}}
    full = oc.validate_config(base)
    assert full["seed"] == 42 and full["alpha"] == 0.05 and full["eae_dir"] is None
    assert full["defaults"]["filter"] == {"max_missing": 0.3, "top_k_variance": None}
    assert full["defaults"]["impute"]["method"] == "mean" and full["defaults"]["impute"]["n_estimators"] == 100
    assert full["datasets"]["d"] == base["datasets"]["d"]          # not filled
    assert oc.dataset(full, "d")["filter"]["max_missing"] == 0.2
    assert oc.dataset(full, "e")["filter"]["max_missing"] == 0.3
    assert oc.calibration(full, "e")["n_null"] == 7 and oc.calibration(full, "e")["pooling"] == "pooled"
    assert oc.calibration(full, "d")["n_null"] == 100
    assert oc.defaults()["defaults"]["evaluation"]["auroc"]["grid"]["learning_rate"] == [1e-4, 1e-3, 1e-2, 1, 10]
    assert oc.with_defaults(base) == full


def test_dataset_design_and_amount_keys_take_the_schemas_defaults():
    """The keys of a dataset, design, amount and plasmode block that a config leaves out take
    the schema's default: values (config.fill_defaults), not defaults written in code: the
    resolved values equal what the schema file declares, and a block's given keys win."""
    import yaml

    from omicsaug.augment import method_spec
    from omicsaug.design import expand_designs

    schema = yaml.safe_load(oc.SCHEMA.read_text())
    ds_props = schema["properties"]["datasets"]["additionalProperties"]["allOf"][1]["properties"]
    cfg = oc.validate_config({"datasets": {
        "t": {"source": "table", "table": "x.tsv", "validation": {"source": "table", "table": "v.tsv"},
              "gene_map": {"table": "g.tsv"}},
        "p": {"source": "plasmode", "table": "x.tsv", "plasmode": {"n_effects": 3}},
        "g": {"source": "table", "table": "x.tsv", "id_column": "sid", "realism": {}}}})
    t = oc.dataset(cfg, "t")
    for key in ("id_column", "group_column", "group_field", "min_per_group", "log_offset",
                "kind", "drop_columns", "exclude_groups", "designs", "eae_matrix"):
        assert t[key] == ds_props[key]["default"], key
    assert "default" not in ds_props["transform"] and t["transform"] == "none"   # by kind: other
    assert t["realism"] == {"reference": None}              # auto: nothing for a real table
    assert t["gene_map"]["gene_column"] == schema["definitions"]["gene_map"]["properties"]["gene_column"]["default"]
    assert t["validation"]["id_column"] == schema["definitions"]["role"]["properties"]["id_column"]["default"]
    assert "plasmode" not in t
    p = oc.dataset(cfg, "p")["plasmode"]
    assert p["n_effects"] == 3 and p["base"] == "table" and p["blocks"] == "prefix"
    assert p["effect_size"] == ds_props["plasmode"]["properties"]["effect_size"]["default"]
    g = oc.dataset(cfg, "g")
    assert g["id_column"] == "sid" and g["realism"] == {"reference": None}
    d, = expand_designs([{"type": "sample_size", "n_per_group": 5}])
    assert d.seeds == (1,) and d.reimpute is False
    d, = expand_designs([{"type": "sample_size", "n_per_group": 5, "seeds": 3,
                          "amount": {"mode": "balance"}}])
    assert d.seeds == (1, 2, 3) and d.params == {"amount": {"mode": "balance"}}   # as given
    amount = method_spec({"methods": {"e": {"generator": "gmm", "amount": {"mode": "expand"}}}}, "e")["amount"]
    assert amount["multiplier"] == schema["definitions"]["amount"]["properties"]["multiplier"]["default"]
