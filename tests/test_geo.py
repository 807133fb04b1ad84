"""The WGAN paper's microarray experiment (Fig. 4) in miniature: three GEO series on three
platforms in their roles (real, validation, external), probes mapped to genes, one of them
downloaded by the workflow (a file:// URL: no network), run through the real workflow."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import yaml

from conftest import REPO, explain, run_snakemake, write_yaml

GENES = [f"G{j:02d}" for j in range(12)]


def _series(path, platform, groups, rng, shift=1.5, drop_gene=None):
    """A GEO series matrix (gzip) with ``groups`` (tissue values) on a platform whose probes
    are ``<platform>_<k>``: two probes for G00, one for every other gene; and its
    annotation (probe -> gene symbol, plus an unmapped and an ambiguous probe)."""
    probes, genes = [], []
    for g in GENES:
        if g == drop_gene:
            continue
        reps = 2 if g == "G00" else 1
        for r in range(reps):
            probes.append(f"{platform}_{g}_{r}")
            genes.append(g)
    probes += [f"{platform}_ctl", f"{platform}_amb"]
    genes += ["", "G01 /// G02"]
    n = len(groups)
    X = rng.normal(7.0, 1.0, (len(probes), n))
    tumour = np.array([t == "tumor" for t in groups])
    X[: 4, tumour] += shift                       # G00 (both probes), G01, G02 differ
    acc = [f"GSM{platform[-2:]}{i:03d}" for i in range(n)]
    lines = ["!Series_title\t\"toy\"", "!Sample_geo_accession\t" + "\t".join(f'"{a}"' for a in acc),
             "!Sample_characteristics_ch1\t" + "\t".join(f'"tissue: {t}"' for t in groups),
             "!series_matrix_table_begin", "\"ID_REF\"\t" + "\t".join(f'"{a}"' for a in acc)]
    lines += [f'"{p}"\t' + "\t".join(f"{v:.4f}" for v in row) for p, row in zip(probes, X)]
    lines += ["!series_matrix_table_end"]
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    annot = path.parent / f"{platform}.annot.tsv"
    annot.write_text("#ID = probe\n!platform_table_begin\nID\tGene title\tGene symbol\n"
                     + "".join(f"{p}\tx\t{g}\n" for p, g in zip(probes, genes))
                     + "!platform_table_end\n")
    return annot


def test_geo_roles_are_read_mapped_to_genes_and_scored(tmp_path):
    rng = np.random.default_rng(0)
    data = tmp_path / "geo"
    data.mkdir()
    real = data / "GSE1_series_matrix.txt.gz"
    a_real = _series(real, "GPL01", ["tumor"] * 30 + ["non-tumor"] * 30, rng)
    val = data / "GSE2_series_matrix.txt.gz"
    a_val = _series(val, "GPL02", ["tumor"] * 15 + ["non-tumor"] * 20 + ["healthy"] * 5, rng,
                    drop_gene="G11")             # G11 is not on the validation platform
    ext = data / "GSE3_series_matrix.txt.gz"
    a_ext = _series(ext, "GPL03", ["liver"] * 40, rng, shift=0.0)
    tissue = {"characteristic": "tissue", "group_map": {"tumor": "case", "non-tumor": "control"}}
    cfg = yaml.safe_load((REPO / "config" / "paper" / "wgan_microarray.yaml").read_text())
    ds = cfg["datasets"]["hcc"]
    # the real series and its annotation by URL (the download rule), the others as local files
    ds.update(url=real.as_uri(), sha256=None,
              gene_map={"url": a_real.as_uri(), "probe_column": "ID", "gene_column": "Gene symbol"},
              **tissue)
    ds["validation"] = {"source": "geo_series_matrix", "table": str(val), **tissue,
                        "gene_map": {"table": str(a_val), "gene_column": "Gene symbol"}}
    ds["external"] = {"source": "geo_series_matrix", "table": str(ext), "characteristic": "tissue",
                      "gene_map": {"table": str(a_ext), "gene_column": "Gene symbol"}}
    ds["filter"] = {"max_missing": 0.5, "top_k_variance": None}
    ds["impute"] = {"n_estimators": 5, "max_iter": 1, "quality_repeats": 1}
    ds["reference"] = {"cv_repeats": 1, "classifiers": ["knn"]}
    ds["failure_point"] = {"n_per_group": [5], "seeds": 2}
    ds["designs"][0].update({"n_controls": [20], "minority_fraction": [0.5], "seeds": 1})
    ds["evaluation"]["fidelity"] = {"enabled": False}
    ds["evaluation"]["auroc"].update(grid={"learning_rate": [0.1], "min_samples_leaf": [5]},
                                     folds=3, iterations=2, expand_sweep=[], best_of={})
    ds["augment"] = {"methods": ["none", "smote"]}
    cfg["calibration"] = {"enabled": False}
    path = write_yaml(tmp_path / "geo.yaml", cfg)
    before = {p: p.read_bytes() for p in data.iterdir()}
    proc = run_snakemake(tmp_path, "--cores", "2", "-q", configfile=path, timeout=600)
    assert proc.returncode == 0, explain(proc, tmp_path)
    assert {p: p.read_bytes() for p in data.iterdir()} == before          # inputs untouched
    assert (tmp_path / "resources" / "downloads" / "hcc" / real.name).read_bytes() == real.read_bytes()
    res = tmp_path / "results" / "hcc"
    samples = pd.read_csv(res / "input" / "samples.tsv", sep="\t")
    feats = [c for c in samples.columns if c not in ("sample_id", "group")]
    assert feats == GENES[:11]                     # genes, shared by all three series (no G11)
    assert samples["group"].value_counts().to_dict() == {"case": 30, "control": 30}
    vtab = pd.read_csv(res / "input" / "validation.tsv", sep="\t")
    assert vtab["group"].value_counts().to_dict() == {"control": 20, "case": 15}   # healthy left out
    assert len(pd.read_csv(res / "input" / "external.tsv", sep="\t")) == 40
    # G00 is the mean of its two probes
    raw = pd.read_csv(real, sep="\t", comment="!", index_col=0)
    np.testing.assert_allclose(samples["G00"], raw.loc[["GPL01_G00_0", "GPL01_G00_1"]].mean().to_numpy(),
                               atol=1e-9)
    au = pd.read_csv(res / "report" / "auroc.tsv", sep="\t")
    assert (au["n_test"] == 35).all() and set(au["method"]) == {"none", "smote"}
    assert (au.groupby("method")["auroc"].mean() > 0.7).all()   # three genes separate the groups


def test_paper_microarray_config_plans_its_downloads(tmp_path):
    """The Fig. 4 config: every series and annotation is downloaded by the workflow (dry run,
    no network), and the GANs pre-train on the external series."""
    proc = run_snakemake(tmp_path, "-n", configfile=REPO / "config" / "paper" / "wgan_microarray.yaml",
                         timeout=120)
    assert proc.returncode == 0, explain(proc)
    files = set()
    for block in proc.stdout.split("rule download:")[1:]:
        out = [ln for ln in block.splitlines() if ln.strip().startswith("output:")][0]
        files.add(out.split("/")[-1].strip())
    assert {"GSE36376_series_matrix.txt.gz", "GSE25097_series_matrix.txt.gz",
            "GSE14520-GPL3921_series_matrix.txt.gz"} <= files
    assert "rule ingest_role:" in proc.stdout and "rule wgan_pretrain:" in proc.stdout
