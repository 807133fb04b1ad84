"""Reliability at the door: every bad input stops the run at start-up with one line naming
the file (and column or key) and the fix, never a traceback, never a changed input file;
the quirks of real exports are read as the clean file."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, run_snakemake, write_yaml
from omicsaug import config as oc
from omicsaug.errors import InputError
from omicsaug.io import load_dataset
from omicsaug.startup import check_inputs


def _clean(n=8):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(np.round(rng.lognormal(2, 0.4, (2 * n, 4)), 4),
                      columns=["lip1", "lip2", "lip3", "lip4"])
    df.insert(0, "group", ["ctrl"] * n + ["eae"] * n)
    df.insert(0, "ID", [f"{i:03d}" for i in range(2 * n)])        # leading zeros
    return df


def _cfg(table, **extra):
    ds = {"source": "table", "table": str(table), "id_column": "ID", "group_column": "group",
          "transform": "log10", "designs": [{"type": "sample_size", "n_per_group": [4], "seeds": 2}],
          **extra}
    return oc.with_defaults({"datasets": {"x": ds}})


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_csv(df, path, **kw):
    df.to_csv(path, index=False, **kw)
    return path


def _header_dup(tmp):
    p = tmp / "t.csv"
    p.write_text(_clean().to_csv(index=False).replace("lip3", "lip4", 1))
    return p


def _inf(tmp):
    df = _clean()
    df["lip2"] = df["lip2"].astype(object)
    df.loc[5, "lip2"] = "inf"
    return _write_csv(df, tmp / "t.csv")


def _header_only(tmp):
    p = tmp / "t.csv"
    p.write_text("ID,group,lip1,lip2\n")
    return p


def _all_empty(tmp):
    p = tmp / "t.csv"
    p.write_text("ID,group,lip1,lip2\n,,,\n,,,\n")
    return p


def _nonpositive(tmp):
    df = _clean()
    df.loc[3, "lip3"] = -2.0
    return _write_csv(df, tmp / "t.csv")


def _one_group(tmp):
    df = _clean()
    df["group"] = "ctrl"
    return _write_csv(df, tmp / "t.csv")


def _two_sheets(tmp):
    p = tmp / "t.xlsx"
    with pd.ExcelWriter(p) as xw:
        _clean().to_excel(xw, sheet_name="data", index=False)
        _clean().to_excel(xw, sheet_name="notes", index=False)
    return p


def _small_groups(tmp):
    return _write_csv(_clean(n=3), tmp / "t.csv")


DEFECTS = {   # name: (writer, words the one line must hold besides the file name)
    "duplicate column": (_header_dup, ["duplicated column name", "'lip4'"]),
    "infinite value": (_inf, ["infinite", "column 'lip2'", "'005'"]),
    "header only": (_header_only, ["no data rows"]),
    "all empty": (_all_empty, ["no data rows"]),
    "value <= 0 before log": (_nonpositive, ["column 'lip3'", "<= 0", "'003'"]),
    "one group": (_one_group, ["only one group"]),
    "xlsx with two sheets": (_two_sheets, ["2 sheets", "data, notes", "'sheet:'"]),
    "design too large": (_small_groups, ["needs 4 samples", "group sizes: ctrl 3, eae 3"]),
}


# through a real dry run (exit code, terminal); the others through the same start-up check
# in-process (the CI budget): the terminal path is the same for every InputError
REAL_RUN = ("duplicate column", "infinite value", "xlsx with two sheets", "design too large")


@pytest.mark.parametrize("name", [n for n in DEFECTS if n not in REAL_RUN])
def test_each_defect_is_stopped_by_the_start_up_check(name, tmp_path):
    writer, words = DEFECTS[name]
    path = writer(tmp_path)
    before = _sha(path)
    with pytest.raises(InputError) as ei:
        check_inputs(_cfg(path), "c.yaml")
    msg = str(ei.value)
    assert str(path) in msg and "Fix:" in msg and "\n" not in msg, msg
    for w in words:
        assert w in msg, (w, msg)
    assert _sha(path) == before


@pytest.mark.parametrize("name", REAL_RUN)
def test_each_defect_stops_at_start_up_naming_the_file(name, tmp_path):
    """Through the real workflow's start-up (a dry run): non-zero exit, one line on the
    terminal naming the file (and column), no traceback, the input file unchanged."""
    writer, words = DEFECTS[name]
    path = writer(tmp_path)
    before = _sha(path)
    ds = {"source": "table", "table": str(path), "id_column": "ID", "group_column": "group",
          "transform": "log10", "designs": [{"type": "sample_size", "n_per_group": [4], "seeds": 2}]}
    proc = run_snakemake(tmp_path, "-n", configfile=write_yaml(tmp_path / "c.yaml", {"datasets": {"x": ds}}),
                         timeout=120)
    out = proc.stdout + proc.stderr
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert proc.returncode != 0 and len(lines) == 1, out
    msg = lines[0]
    assert msg.startswith(f"omicsaug: {path}") and "Fix:" in msg and "Traceback" not in out, msg
    for w in words:
        assert w in msg, (w, msg)
    assert _sha(path) == before


def test_bad_inputs_show_one_line_on_the_terminal_and_no_traceback(tmp_path):
    """Through the real workflow: non-zero exit, one line naming file and column, no
    traceback, the input unchanged; the same for a config with a misspelt key and for an
    AUROC class that is not a group."""
    path = _nonpositive(tmp_path)
    before = _sha(path)
    cases = [({"datasets": {"x": _cfg(path)["datasets"]["x"]}}, [str(path), "column 'lip3'"]),
             ({"alpah": 0.01, "datasets": {"x": {"source": "table", "table": str(path)}}},
              ["config key 'alpah'", "did you mean 'alpha'?"]),
             ({"datasets": {"x": {**_cfg(_write_csv(_clean(), tmp_path / "ok.csv"))["datasets"]["x"],
                                  "evaluation": {"auroc": {"enabled": True, "positive": "case"}}}}},
              ["evaluation.auroc.positive", "'case' is not a group", "ctrl"])]
    for i, (cfg, words) in enumerate(cases):
        for ds in cfg["datasets"].values():   # only the keys a user would write
            for k in list(ds):
                if k not in ("source", "table", "id_column", "group_column", "transform",
                             "designs", "evaluation"):
                    ds.pop(k)
        proc = run_snakemake(tmp_path, "-n", configfile=write_yaml(tmp_path / f"c{i}.yaml", cfg),
                             timeout=120)
        out = proc.stdout + proc.stderr
        lines = [ln for ln in out.splitlines() if ln.strip()]
        assert proc.returncode != 0, out
        assert len(lines) == 1 and lines[0].startswith("omicsaug: "), out
        assert "Traceback" not in out and all(w in lines[0] for w in words), out
    assert _sha(path) == before


def test_a_job_stops_on_input_error_with_one_line(tmp_path):
    """A script that meets bad input (after start-up) writes one line to the terminal and
    the log, exits non-zero, and keeps the traceback out of sight."""
    log = tmp_path / "job.log"
    code = ("from omicsaug.utils import log_to\nfrom omicsaug.errors import InputError\n"
            f"log_to({str(log)!r})\n"
            "raise InputError('bad cell.', file='t.csv', column='lip2', fix='fix it.')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "omicsaug: t.csv, column 'lip2': bad cell. Fix: fix it."
    assert "omicsaug: t.csv" in log.read_text() and "Traceback" not in log.read_text()


def _quirks(tmp):
    df = _clean()
    base = _write_csv(df, tmp / "clean.csv")
    text = base.read_text()
    q = {}
    q["bom"] = tmp / "bom.csv"
    q["bom"].write_bytes(b"\xef\xbb\xbf" + text.encode())
    q["crlf"] = tmp / "crlf.csv"
    q["crlf"].write_bytes(text.replace("\n", "\r\n").encode())
    q["semicolon_decimal_comma"] = tmp / "semi.csv"
    q["semicolon_decimal_comma"].write_text(df.to_csv(index=False, sep=";", decimal=","))
    q["latin1"] = tmp / "latin1.csv"
    df2 = df.rename(columns={"lip1": "lip\u00e91"})
    q["latin1"].write_bytes(df2.to_csv(index=False).encode("cp1252"))
    q["tab"] = tmp / "tab.csv"
    q["tab"].write_text(df.to_csv(index=False, sep="\t"))
    return base, q


def test_real_export_quirks_read_as_the_clean_file(tmp_path):
    """BOM, CRLF, ';' + decimal commas, Latin-1, tabs in a .csv: the same sample table as
    the clean file (so the same analysis), the detection said in the read notes; numeric
    group labels become text; IDs keep their leading zeros."""
    base, quirks = _quirks(tmp_path)
    spec = {"source": "table", "id_column": "ID", "group_column": "group"}
    clean = load_dataset({**spec, "table": str(base)})
    assert clean["sample_id"].iloc[0] == "000"
    for name, path in quirks.items():
        got = load_dataset({**spec, "table": str(path)})
        if name == "latin1":
            got = got.rename(columns={"lip\u00e91": "lip1"})
        pd.testing.assert_frame_equal(got, clean, obj=name)
    numeric = _clean()
    numeric["group"] = [1] * 8 + [2] * 8
    g = load_dataset({**spec, "table": str(_write_csv(numeric, tmp_path / "num.csv"))})
    assert g["group"].tolist() == ["1"] * 8 + ["2"] * 8
    from omicsaug.io import read_table

    assert "decimal commas" in read_table(quirks["semicolon_decimal_comma"]).attrs["read_notes"]
    assert any("Latin-1" in n for n in read_table(quirks["latin1"]).attrs["read_notes"])


@st.composite
def _broken_tables(draw):
    n = draw(st.integers(0, 6))
    cols = draw(st.lists(st.sampled_from(["ID", "group", "a", "b", "c", "a "]), min_size=0, max_size=5))
    cell = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32), st.integers(-5, 5),
                     st.sampled_from(["", "NA", "x", "1,5", "inf", "-", "007", "ctrl", "eae"]))
    rows = [[draw(cell) for _ in cols] for _ in range(n)]
    sep = draw(st.sampled_from([",", ";", "\t"]))
    enc = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    text = eol.join([sep.join(cols)] + [sep.join(map(str, r)) for r in rows]) + eol
    return text.encode(enc, errors="replace")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=_broken_tables())
def test_random_tables_load_or_raise_input_error_naming_the_file(raw, tmp_path):
    """Random tables with random defects either load into a valid sample table or raise
    InputError naming the file; never another exception; the file is never changed."""
    path = tmp_path / "random.csv"
    path.write_bytes(raw)
    try:
        df = load_dataset({"source": "table", "table": str(path), "id_column": "ID",
                           "group_column": "group"})
    except InputError as exc:
        assert str(path) in str(exc) and "Fix:" in str(exc)
    else:
        assert list(df.columns[:2]) == ["sample_id", "group"] and df["group"].nunique() >= 2
        feats = df.columns[2:]
        assert len(feats) and np.isfinite(df[feats].to_numpy(float)[~df[feats].isna().to_numpy()]).all()
    assert path.read_bytes() == raw


def test_constant_and_all_missing_features_are_dropped_and_recorded(tmp_path, capfd):
    from omicsaug import preprocess

    df = load_dataset({"source": "table", "table": str(_write_csv(_clean(), tmp_path / "c.csv")),
                       "id_column": "ID", "group_column": "group"})
    df["flat"] = 3.0
    df["empty"] = np.nan
    resolved = oc.with_defaults({"defaults": {"impute": {"method": "mean", "quality_repeats": 1}}})
    spec = oc.fill_defaults({**resolved["defaults"], "name": "x", "transform": "log10"}, "dataset")
    out = preprocess.run(df, spec, 1, file="c.csv")
    feats = out["features"].set_index("feature")
    assert not feats.loc["flat", "kept"] and feats.loc["flat", "constant"]
    assert not feats.loc["empty", "kept"] and feats.loc["empty", "missing_fraction"] == 1.0
    assert "flat" not in out["imputed"] and "empty" not in out["imputed"]
    err = capfd.readouterr().err
    assert "omicsaug: c.csv: 1 constant feature(s) dropped: flat" in err
    assert "omicsaug: c.csv: 1 all missing feature(s) dropped: empty" in err


def test_configs_shipped_pass_the_key_check():
    for f in [REPO / "config" / "config.yaml", REPO / "config" / "eae.yaml",
              *sorted((REPO / "config" / "paper").glob("*.yaml"))]:
        oc.validate_config(yaml.safe_load(f.read_text()), str(f))


def test_unknown_method_or_design_in_a_dataset_is_named():
    cfg = oc.with_defaults({"methods": {"gmm": {}, "smote": {}},
                            "datasets": {"x": {"source": "simulate_lipidomics",
                                               "designs": [{"type": "sample_size", "n_per_group": [4]}],
                                               "augment": {"methods": ["gmmm"]}}}})
    with pytest.raises(InputError, match="did you mean 'gmm'"):
        check_inputs(cfg, "c.yaml")
    cfg["datasets"]["x"]["augment"] = {"designs": ["n5"]}
    with pytest.raises(InputError, match="designs: n4"):
        check_inputs(cfg, "c.yaml")


def _wide(tmp, p=2100, n=8):
    rng = np.random.default_rng(1)
    df = pd.DataFrame(np.round(rng.lognormal(2, 0.4, (2 * n, p)), 4),
                      columns=[f"g{j}" for j in range(p)])
    df.insert(0, "group", ["ctrl"] * n + ["eae"] * n)
    df.insert(0, "ID", [f"s{i}" for i in range(2 * n)])
    return _write_csv(df, tmp / "wide.csv")


def test_a_table_too_wide_for_a_method_stops_at_start_up_naming_method_limit_and_filter(tmp_path):
    """Each method's width limit (``Generator.max_features``) against the dataset's width after
    the feature filter, negative controls counted twice; the message names the method, the
    limit, the filter key and the value that fits."""
    sim = {"source": "simulate_microarray", "simulate": {"n_features": 600},
           "designs": [{"type": "sample_size", "n_per_group": [4], "seeds": 2}],
           "augment": {"methods": ["none", "ctgan"], "negative_controls": False}}

    def cfg(ds, methods=None):
        return oc.with_defaults({"methods": methods or {"none": {}, "ctgan": {}},
                                 "datasets": {"x": ds}})

    with pytest.raises(InputError) as e:
        check_inputs(cfg(sim), "c.yaml")
    msg = str(e.value)
    for w in ("'ctgan' (ctgan) supports at most 500 features", "has 600 after the feature filter",
              "config key 'datasets.x.filter.top_k_variance'", "set it to 500 or less"):
        assert w in msg, (w, msg)
    # the negative controls double what the generator sees
    sim_neg = {**sim, "filter": {"top_k_variance": 300},
               "augment": {**sim["augment"], "negative_controls": True}}
    with pytest.raises(InputError, match=r"300 \(600 with the negative controls\).*set it to 250"):
        check_inputs(cfg(sim_neg), "c.yaml")
    check_inputs(cfg({**sim_neg, "filter": {"top_k_variance": 250}}), "c.yaml")   # fits
    # a user's table: its width is read (after the filter) from the file
    table = _cfg(_wide(tmp_path))["datasets"]["x"]
    with pytest.raises(InputError, match=r"'gmm' \(gmm\) supports at most 2000.*has 2100.*"
                                         r"covariance_type: diag"):
        check_inputs(oc.with_defaults({"methods": {"gmm": {}}, "datasets": {"x": table}}), "c.yaml")
    check_inputs(oc.with_defaults({"methods": {"gmm": {"params": {"covariance_type": "diag"}}},
                                   "datasets": {"x": table}}), "c.yaml")
    check_inputs(oc.with_defaults({"methods": {"gmm": {}},
                                   "datasets": {"x": {**table, "filter": {"top_k_variance": 2000}}}}),
                 "c.yaml")
    # through the real workflow: one line, no traceback
    proc = run_snakemake(tmp_path, "-n", configfile=write_yaml(
        tmp_path / "c.yaml", {"methods": {"none": {}, "ctgan": {}}, "datasets": {"x": sim}}), timeout=120)
    out = proc.stdout + proc.stderr
    lines = [ln for ln in out.splitlines() if ln.strip()]
    assert proc.returncode != 0 and len(lines) == 1 and "supports at most 500" in lines[0], out
    assert "Traceback" not in out


@pytest.mark.parametrize("name,params,width", [("gmm", {}, 2001), ("ctgan", {}, 501),
                                               ("tvae", {}, 501)])
def test_a_generator_refuses_a_table_wider_than_its_limit_at_fit(name, params, width):
    from omicsaug.generators import get_generator

    X = np.random.default_rng(0).standard_normal((8, width))
    y = np.repeat(["a", "b"], 4)
    with pytest.raises(ValueError, match=f"supports at most {width - 1} features.*has {width}"):
        get_generator(name, random_state=0, **params).fit(X, y)


def test_lipidomics_table_is_analysed_on_log10_and_the_terminal_says_so(tmp_path):
    """``kind: lipidomics`` without ``transform`` means log10 for a user's table (it was left
    untransformed before); ``transform`` still wins; the start-up line names rows x features,
    groups and sizes, transform and imputation, on the terminal before any job."""
    path = _write_csv(_clean(), tmp_path / "lip.csv")
    ds = {"source": "table", "table": str(path), "id_column": "ID", "group_column": "group",
          "kind": "lipidomics", "designs": [{"type": "sample_size", "n_per_group": [4], "seeds": 2}]}
    cfg = {"datasets": {"x": ds}}
    assert oc.dataset(oc.with_defaults(cfg), "x")["transform"] == "log10"
    assert oc.dataset(oc.with_defaults({"datasets": {"x": {**ds, "transform": "none"}}}), "x")["transform"] == "none"
    assert oc.dataset(oc.with_defaults({"datasets": {"x": {**ds, "kind": "microarray"}}}), "x")["transform"] == "none"
    lines = check_inputs(oc.with_defaults(cfg), "c.yaml")
    assert lines == ["x: 16 rows x 4 features, groups ctrl 8 / eae 8 (read as UTF-8, ','-separated, "
                     "decimal point); kind lipidomics, transform log10, imputation missforest"]
    proc = run_snakemake(tmp_path, "-n", configfile=write_yaml(tmp_path / "c.yaml", cfg), timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout + proc.stderr
    assert "omicsaug: x: 16 rows x 4 features, groups ctrl 8 / eae 8 (read as UTF-8" in out
    assert "; kind lipidomics, transform log10, imputation missforest" in out


@pytest.mark.parametrize("where, key", [
    ({"calibration": {"n_null": 5}}, "key 'calibration.n_null'"),
    ({"methods": {"none": {}, "smote": {"calibration": {"n_null": 10}}}}, "key 'methods.smote.calibration.n_null'"),
    ({"calibration": {"power_curve": {"n_null": 18}}}, "key 'calibration.power_curve.n_null'"),
])
def test_too_few_null_runs_stop_at_start_up_naming_the_key(where, key):
    """Fewer null runs than ceil(1 / alpha) - 1 cannot give one discovery: a configuration
    error, named with the minimum (19 at alpha 0.05), not a silent 'no method beats it'."""
    ds = {"source": "simulate_lipidomics", "designs": [{"type": "sample_size", "n_per_group": [4]}]}
    cfg = oc.with_defaults({"methods": {"none": {}, "smote": {}}, **where, "datasets": {"x": ds}})
    with pytest.raises(InputError) as e:
        check_inputs(cfg, "c.yaml")
    assert key in str(e.value) and "at least 19" in str(e.value), str(e.value)
    ok = oc.with_defaults({"methods": {"none": {}, "smote": {}}, "calibration": {"n_null": 19},
                           "datasets": {"x": ds}})
    check_inputs(ok, "c.yaml")
    off = oc.with_defaults({"methods": {"none": {}}, "calibration": {"n_null": 5, "enabled": False},
                            "datasets": {"x": ds}})
    check_inputs(off, "c.yaml")     # calibration off: no null runs to check


def test_a_latin1_table_says_how_it_was_read_on_the_terminal(tmp_path):
    """The detected encoding, delimiter and decimal mark are on the dataset's start-up line:
    a Latin-1, ';'-separated export with decimal commas says so before any job runs."""
    df = _clean()
    df.columns = ["ID", "group", "lipé1", "lip2", "lip3", "lip4"]
    path = tmp_path / "latin.csv"
    path.write_bytes(df.to_csv(index=False, sep=";", decimal=",").encode("latin-1"))
    cfg = {"datasets": {"x": {**_cfg(path)["datasets"]["x"]}}}
    for k in list(cfg["datasets"]["x"]):
        if k not in ("source", "table", "id_column", "group_column", "transform", "designs"):
            cfg["datasets"]["x"].pop(k)
    proc = run_snakemake(tmp_path, "-n", configfile=write_yaml(tmp_path / "c.yaml", cfg), timeout=120)
    assert proc.returncode == 0, proc.stderr
    line = [ln for ln in proc.stderr.splitlines() if ln.startswith("omicsaug: x:")]
    assert line and "16 rows x 4 features" in line[0], proc.stderr
    assert "(read as Latin-1 / Windows-1252, ';'-separated, decimal comma)" in line[0], line
