"""Reading and validating input tables: errors that name file/column and say how to fix."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from omicsaug import io, preprocess
from omicsaug.config import validate_config
from omicsaug.errors import InputError

from conftest import sha256

SPEC = {"id_column": "ID", "group_column": "group"}


def _load(path, **spec):
    return io.load_dataset({**SPEC, "table": str(path), **spec})


def _assert_actionable(exc: InputError, *parts):
    msg = str(exc)
    assert "Fix:" in msg, msg
    for p in parts:
        assert str(p) in msg, f"{p!r} not in {msg!r}"


# ------------------------------------------------------------------------ bad input
def test_missing_group_column(tmp_path, small_table):
    path = tmp_path / "raw.csv"
    small_table.rename(columns={"group": "condition"}).to_csv(path, index=False)
    with pytest.raises(InputError) as ei:
        _load(path)
    _assert_actionable(ei.value, path, "column 'group'", "group column is missing")
    assert ei.value.column == "group" and str(ei.value.file) == str(path)


def test_non_numeric_cell_names_column_and_sample(tmp_path, small_table):
    t = small_table.astype({"lipid_b": object})
    t.loc[3, "lipid_b"] = "40 ng/ml"           # sample 104
    path = tmp_path / "raw.csv"
    t.to_csv(path, index=False)
    with pytest.raises(InputError) as ei:
        _load(path)
    _assert_actionable(ei.value, path, "column 'lipid_b'", "sample '104'", "40 ng/ml")


def test_empty_and_na_cells_are_missing_not_errors(tmp_path, small_table):
    t = small_table.astype({"lipid_b": object})
    t.loc[0, "lipid_b"] = "NA"
    t.loc[1, "lipid_b"] = ""
    path = tmp_path / "raw.csv"
    t.to_csv(path, index=False)
    df = _load(path)
    assert df["lipid_b"].isna().tolist() == [True, True] + [False] * 7
    assert df["lipid_b"].iloc[2] == 30.0


def test_duplicated_sample_ids(tmp_path, small_table):
    t = small_table.copy()
    t.loc[4, "ID"] = 102
    path = tmp_path / "raw.tsv"
    t.to_csv(path, sep="\t", index=False)
    with pytest.raises(InputError) as ei:
        _load(path)
    _assert_actionable(ei.value, path, "column 'ID'", "duplicated sample IDs", "'102'")


def test_group_with_fewer_than_two_samples(tmp_path, small_table):
    t = small_table.copy()
    t.loc[[6, 7], "group"] = "eae"              # 'drug' keeps only sample 109
    path = tmp_path / "raw.csv"
    t.to_csv(path, index=False)
    with pytest.raises(InputError) as ei:
        _load(path)
    _assert_actionable(ei.value, path, "column 'group'", "'drug' (n=1)")
    assert "'eae'" not in str(ei.value)         # only the offending group is named


def test_single_group_is_refused(tmp_path, small_table):
    t = small_table.assign(group="all")
    path = tmp_path / "raw.csv"
    t.to_csv(path, index=False)
    with pytest.raises(InputError, match="only one group"):
        _load(path)


def test_non_positive_values_before_log10(small_table):
    df = _samples(small_table)
    df.loc[5, "lipid_c"] = 0.0                   # sample 106
    df.loc[7, "lipid_c"] = -1.0
    with pytest.raises(InputError) as ei:
        preprocess.log_transform(df, "log10", file="data/raw.csv")
    _assert_actionable(ei.value, "data/raw.csv", "column 'lipid_c'", "sample '106'",
                       "2 value(s) <= 0", "log10")
    # a pseudo-count that makes every value positive is accepted
    out = preprocess.log_transform(df, "log10", offset=2.0)
    assert out.loc[7, "lipid_c"] == pytest.approx(np.log10(1.0))


def test_metadata_join_missing_ids(tmp_path, small_table):
    data = small_table.drop(columns="group")
    meta = small_table[["ID", "group"]].iloc[:-2]       # 108 and 109 have no metadata
    dpath, mpath = tmp_path / "data.csv", tmp_path / "meta.csv"
    data.to_csv(dpath, index=False)
    meta.to_csv(mpath, index=False)
    with pytest.raises(InputError) as ei:
        _load(dpath, metadata=str(mpath))
    _assert_actionable(ei.value, mpath, "column 'ID'", "2 sample(s)", "'108'", "'109'")


def test_metadata_join_and_group_labels(tmp_path, small_table):
    data = small_table.drop(columns="group").iloc[::-1]      # other row order than metadata
    meta = pd.DataFrame({"mouse": small_table["ID"],
                         "GROUP": [1] * 3 + [2] * 3 + [3] * 3})
    dpath, mpath = tmp_path / "data.csv", tmp_path / "meta.xlsx"
    data.to_csv(dpath, index=False)
    meta.to_excel(mpath, index=False)
    df = io.load_dataset({"table": str(dpath), "metadata": str(mpath), "id_column": "ID",
                          "metadata_id_column": "mouse", "group_column": "GROUP",
                          "group_labels": {1: "control", 2: "EAE", 3: "drug"}})
    assert df["sample_id"].tolist() == [str(i) for i in range(109, 100, -1)]   # file order
    assert df["group"].tolist() == ["drug"] * 3 + ["EAE"] * 3 + ["control"] * 3
    assert list(df.columns) == ["sample_id", "group", "lipid_a", "lipid_b", "lipid_c"]


def test_invalid_config_names_key_path():
    cfg = {"datasets": {"x": {"source": "table", "table": "a.csv", "transform": "log3"}}}
    with pytest.raises(InputError) as ei:
        validate_config(cfg, configfile="my_config.yaml")
    _assert_actionable(ei.value, "my_config.yaml", "'datasets.x.transform'", "log3")
    assert ei.value.key == "datasets.x.transform"


@pytest.mark.parametrize("cfg, key", [
    ({"datasets": {"x": {"table": "a.csv"}}}, "datasets.x"),                      # no source
    ({"datasets": {"x": {"source": "table",
                         "designs": [{"type": "sample_size", "n_per_group": 1}]}}},
     "datasets.x.designs.0.n_per_group"),
    ({"alpha": 1.5, "datasets": {"x": {"source": "table"}}}, "alpha"),
    ({"datasets": {"x": {"source": "table", "impute": {"n_trees": 5}}}}, "datasets.x.impute.n_trees"),
    ({"alpah": 0.01, "datasets": {"x": {"source": "table"}}}, "alpah"),
    ({"methods": {"smote": {}}, "datasets": {"x": {"source": "simulate_microarray", "evaluation": {
        "auroc": {"hold_seed": ["smote"]}}}}}, "datasets.x.evaluation.auroc.hold_seed"),
    ({"datasets": {"x": {"source": "simulate_microarray", "evaluation": {"auroc": {
        "protocol": "paper", "feature_selection": {"enabled": True}}}}}},
     "datasets.x.evaluation.auroc.feature_selection"),
    ({"datasets": {"x": {"source": "table", "transfrom": "log10"}}}, "datasets.x.transfrom"),
    ({"methods": {"g": {"generator": "gmm", "params": {"n_component": 2}}},
      "datasets": {"x": {"source": "table"}}}, "methods.g.params.n_component"),
])
def test_invalid_config_other_keys(cfg, key):
    with pytest.raises(InputError) as ei:
        validate_config(cfg)
    assert ei.value.key == key, str(ei.value)
    assert "Fix:" in str(ei.value)


def test_valid_shipped_configs_pass():
    from conftest import REPO
    from omicsaug.config import load_yaml

    for f in sorted((REPO / "config").rglob("*.yaml")):
        if f.name == "config.schema.yaml":
            continue
        validate_config(load_yaml(f), configfile=f)


def test_file_not_found(tmp_path):
    with pytest.raises(InputError) as ei:
        _load(tmp_path / "nope.csv")
    _assert_actionable(ei.value, "nope.csv", "file not found")


def test_input_files_are_not_modified(tmp_path, small_table):
    data = small_table.drop(columns="group")
    dpath, mpath = tmp_path / "data.csv", tmp_path / "meta.csv"
    data.to_csv(dpath, index=False)
    small_table[["ID", "group"]].to_csv(mpath, index=False)
    before = {p: (sha256(p), p.stat().st_mtime_ns) for p in (dpath, mpath)}
    df = _load(dpath, metadata=str(mpath))
    df.iloc[0, 2] = -99.0                              # mutating the result ...
    after = {p: (sha256(p), p.stat().st_mtime_ns) for p in (dpath, mpath)}
    assert before == after                             # ... never reaches the files
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "meta.csv"]


# ------------------------------------------------------------------------- formats
def _samples(small_table):
    return io.assemble(small_table, file="mem", id_column="ID", group_column="group")


def test_csv_tsv_xlsx_give_the_same_sample_table(tmp_path, small_table):
    small_table.to_csv(tmp_path / "t.csv", index=False)
    small_table.to_csv(tmp_path / "t.tsv", sep="\t", index=False)
    small_table.to_excel(tmp_path / "t.xlsx", index=False)
    tables = {ext: _load(tmp_path / f"t.{ext}") for ext in ("csv", "tsv", "xlsx")}
    ref = tables["csv"]
    assert ref["sample_id"].tolist() == [str(i) for i in range(101, 110)]
    assert all(isinstance(v, str) for v in ref["sample_id"])
    assert all(isinstance(v, str) for v in ref["group"])
    assert ref["lipid_a"].isna().sum() == 1 and np.isnan(ref.loc[4, "lipid_a"])
    assert ref.loc[0, "lipid_c"] == 0.001
    for ext in ("tsv", "xlsx"):
        pd.testing.assert_frame_equal(tables[ext], ref, check_dtype=True)


def test_xlsx_sheet_selection(tmp_path, small_table):
    path = tmp_path / "t.xlsx"
    with pd.ExcelWriter(path) as w:
        pd.DataFrame({"note": ["cover sheet"]}).to_excel(w, sheet_name="about", index=False)
        small_table.to_excel(w, sheet_name="data", index=False)
    df = _load(path, sheet="data")
    assert df.shape == (9, 5)


def test_ids_keep_leading_zeros_in_every_format(tmp_path, small_table):
    t = small_table.assign(ID=[f"{i:03d}" for i in range(1, 10)])
    t.to_csv(tmp_path / "t.csv", index=False)
    t.to_csv(tmp_path / "t.tsv", sep="\t", index=False)
    t.to_excel(tmp_path / "t.xlsx", index=False)
    for ext in ("csv", "tsv", "xlsx"):
        df = _load(tmp_path / f"t.{ext}")
        assert df["sample_id"].tolist() == ["001", "002", "003", "004", "005", "006", "007",
                                            "008", "009"], ext


def test_drop_columns_and_exclude_groups(tmp_path, small_table):
    t = small_table.assign(batch=["b1"] * 9)
    path = tmp_path / "t.csv"
    t.to_csv(path, index=False)
    with pytest.raises(InputError, match="'batch'"):
        _load(path)                                   # text column is not a feature
    df = _load(path, drop_columns=["batch"], exclude_groups=["drug"])
    assert "batch" not in df.columns
    assert df["group"].tolist() == ["ctrl"] * 3 + ["eae"] * 3


def test_read_samples_keeps_ids_as_strings(tmp_path):
    from omicsaug.utils import write_tsv

    df = pd.DataFrame({"sample_id": ["007", "010"], "group": ["1", "2"], "f": [1.0, 2.0]})
    write_tsv(df, tmp_path / "s.tsv")
    back = io.read_samples(tmp_path / "s.tsv")
    pd.testing.assert_frame_equal(back, df)


# --------------------------------------------------------------- GEO series matrix
GEO = """!Series_title\t"A toy series"
!Series_geo_accession\t"GSE0"
!Sample_title\t"T1"\t"T2"\t"N1"\t"N2"\t"CL1"
!Sample_geo_accession\t"GSM1"\t"GSM2"\t"GSM3"\t"GSM4"\t"GSM5"
!Sample_source_name_ch1\t"liver tumor"\t"liver tumor"\t"adjacent liver"\t"adjacent liver"\t"cell line"
!Sample_characteristics_ch1\t"tissue: tumor"\t"tissue: tumor"\t"tissue: non-tumor"\t"tissue: non-tumor"\t"tissue: cell line"
!Sample_characteristics_ch1\t"gender: M"\t"gender: F"\t"gender: M"\t"gender: M"\t"gender: F"
!series_matrix_table_begin
"ID_REF"\t"GSM1"\t"GSM2"\t"GSM3"\t"GSM4"\t"GSM5"
"1007_s_at"\t7.25\t7.5\t6.0\t6.125\t9.0
"1053_at"\t5.5\tnull\t4.0\t4.25\t3.0
"117_at"\t10\t11\t12\t13\t14
!series_matrix_table_end
"""


@pytest.fixture
def geo_file(tmp_path):
    path = tmp_path / "GSE0_series_matrix.txt.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(GEO)
    return path


def test_geo_characteristic_with_group_map(geo_file):
    df = io.read_geo_series_matrix(geo_file, characteristic="tissue",
                                   group_map={"tumor": "tumour", "non-tumor": "normal"})
    # samples x probes; the cell line (not in the map) is left out
    assert df.shape == (4, 2 + 3)
    assert df["sample_id"].tolist() == ["GSM1", "GSM2", "GSM3", "GSM4"]
    assert df["group"].tolist() == ["tumour", "tumour", "normal", "normal"]
    assert list(df.columns[2:]) == ["1007_s_at", "1053_at", "117_at"]
    assert df.loc[0, "1007_s_at"] == 7.25 and df.loc[3, "1007_s_at"] == 6.125
    assert df.loc[2, "117_at"] == 12.0
    assert np.isnan(df.loc[1, "1053_at"]) and df["1053_at"].isna().sum() == 1
    assert df[["1007_s_at", "1053_at", "117_at"]].dtypes.eq(float).all()


def test_geo_other_characteristic_and_source_name(geo_file):
    sex = io.read_geo_series_matrix(geo_file, characteristic="gender")
    assert sex["group"].tolist() == ["M", "F", "M", "M", "F"]
    src = io.read_geo_series_matrix(geo_file, group_field="!Sample_source_name_ch1",
                                    group_map={"liver tumor": "T", "adjacent liver": "N"})
    assert src["sample_id"].tolist() == ["GSM1", "GSM2", "GSM3", "GSM4"]
    assert src["group"].tolist() == ["T", "T", "N", "N"]
    assert src.loc[1, "117_at"] == 11.0


def test_geo_errors(geo_file):
    with pytest.raises(InputError) as ei:      # the cell line is a group of one
        io.read_geo_series_matrix(geo_file, group_field="!Sample_source_name_ch1")
    _assert_actionable(ei.value, geo_file, "'cell line' (n=1)")
    with pytest.raises(InputError) as ei:
        io.read_geo_series_matrix(geo_file, characteristic="age")
    _assert_actionable(ei.value, geo_file, "'age'", "gender", "tissue")
    with pytest.raises(InputError) as ei:
        io.read_geo_series_matrix(geo_file, characteristic="tissue", group_map={"Tumor": "T"})
    _assert_actionable(ei.value, geo_file, "group_map")


def test_load_dataset_routes_geo_source(geo_file):
    spec = {"source": "geo_series_matrix", "table": str(geo_file), "characteristic": "tissue",
            "group_map": {"tumor": "T", "non-tumor": "N"}}
    df = io.load_dataset(spec)
    ref = io.read_geo_series_matrix(geo_file, characteristic="tissue", group_map=spec["group_map"])
    pd.testing.assert_frame_equal(df, ref)
