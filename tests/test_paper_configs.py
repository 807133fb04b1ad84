"""The paper configs run for real at reduced size (seeds, grids and epochs cut, nothing else)."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from conftest import REPO, explain, run_snakemake, write_yaml

PAPER = REPO / "config" / "paper"


def _load(name):
    return yaml.safe_load((PAPER / name).read_text())


@pytest.mark.slow
def test_genesom_eae_paper_config_reduced(eae_dir, tmp_path):
    cfg = _load("genesom_eae.yaml")
    ds = cfg["datasets"]["eae_lipidomics"]
    ds["impute"] = {"n_estimators": 10, "max_iter": 2, "quality_repeats": 1}
    ds["reference"] = {"cv_repeats": 1, "classifiers": ["knn"]}
    ds["evaluation"] = {"classifiers": ["knn"], "fidelity": {"enabled": False}}
    ds["failure_point"] = {"n_per_group": [5, 6], "seeds": 2}
    ds["designs"] = [{"type": "first_n", "n_per_group": 6, "reimpute": True},
                     {"type": "sample_size", "n_per_group": 6, "seeds": 2}]
    ds["augment"] = {"designs": ["first6"]}   # the random draws' augmentation: tests/test_calibration.py
    cfg["methods"]["ctgan"]["params"] = {"epochs": 2, "generator_dim": [16], "discriminator_dim": [16],
                                         "embedding_dim": 8}
    cfg["methods"]["genesom"]["params"].update({"lines": 10, "columns": 16, "epochs": 2})
    # the plumbing only (tests/test_calibration.py checks what the null runs give)
    # 19 null runs: the fewest that allow a discovery at alpha 0.05 (fewer stop at start-up)
    cfg["calibration"] = {"n_null": 19, "power_curve": {"n_per_group": [3, 5], "draws": 4, "n_null": 19}}
    cfg["methods"]["ctgan"]["calibration"] = {"enabled": False}   # CTGAN's transformer: ~4 s a fit
    cfg["error_control"].update({"levels": [0, 1], "n_seeds": 2, "n_boot": 1000,
                                 "boruta": {"alpha": 0.01, "max_iter": 10}})
    path = write_yaml(tmp_path / "genesom_eae.yaml", cfg)
    proc = run_snakemake(tmp_path, "--cores", "2", "-q", "--config", f"eae_dir={eae_dir}",
                         configfile=path, timeout=900)
    assert proc.returncode == 0, explain(proc, tmp_path)
    rep = tmp_path / "results" / "eae_lipidomics" / "report"
    rec = pd.read_csv(rep / "recovery.tsv", sep="\t")
    assert set(rec["method"]) == set(cfg["methods"])
    assert set(rec["design"]) == {"first6"}
    # the unaugmented first-6 subset: none of the 5 full-data Šidák lipids is significant
    base = rec[(rec.method == "none") & (rec.design == "first6") & (rec.reference == "sidak")]
    assert base["test"].tolist() == ["naive", "calibrated_fwer", "calibrated_fdr"]
    assert base["n_reference"].tolist() == [5] * 3
    assert base.loc[base.test == "naive", "recovered"].tolist() == [0]
    cal = pd.read_csv(rep / "calibration.tsv", sep="\t")
    assert set(cal["method"]) == set(cfg["methods"]) - {"ctgan"} and (cal["n_null"] == 19).all()
    assert set(cal["verdict"]) <= {"baseline", "gains", "loses", "no gain", "undecidable"}
    # genesom_auto: augmented at the level its error-inflation control chose (amount_level)
    summ = pd.read_csv(rep / "summary.tsv", sep="\t", dtype={"amount_level": str}).set_index("method")
    assert str(summ.loc["genesom_auto", "amount_level"]) in ("0", "1")
    assert (rec["perm_significant"].notna()).all()
    dec = tmp_path / "results" / "eae_lipidomics" / "error_control" / "first6" / "genesom.json"
    assert dec.exists()


@pytest.mark.slow
def test_wgan_simulation_paper_config_reduced(tmp_path):
    cfg = _load("wgan_simulation.yaml")
    ds = cfg["datasets"]["umpire_sim"]
    ds["simulate"].update({"n_features": 30, "n_real": [60, 40], "n_validation": [60, 60],
                           "n_external": 40})
    ds["impute"] = {"n_estimators": 5, "max_iter": 1, "quality_repeats": 1}
    ds["reference"] = {"cv_repeats": 1, "classifiers": ["knn"]}
    ds["failure_point"] = {"n_per_group": [5], "seeds": 2}
    ds["designs"][0].update({"n_controls": [40], "minority_fraction": [0.5], "seeds": 2})
    ds["evaluation"]["fidelity"] = {"enabled": False}
    ds["evaluation"]["auroc"].update(grid={"learning_rate": [0.1], "min_samples_leaf": [5]},
                                     folds=3, iterations=3, expand_sweep=[0.5, 1.0],
                                     best_of={"gan": ["gan_a10", "classicgan"]})
    cfg["calibration"] = {"n_null": 19, "power_curve": {"n_per_group": [5], "draws": 4, "n_null": 19}}
    for name, m in cfg["methods"].items():
        if m and "calibration" in m:           # the GANs' null runs: the plumbing of one only
            m["calibration"] = {"n_null": 19} if name == "gan_a10" else {"enabled": False}
    tiny = {"pretrain_epochs": [3, 3, 3], "tune_lr": False, "epochs": 20, "snapshot_every": 5}
    for name, m in cfg["methods"].items():
        if m and m.get("generator") in ("wgan", "wgan_classic"):
            keep = {k: v for k, v in m["params"].items() if k in ("alpha", "pretrain")}
            m["params"] = {**keep, **({k: v for k, v in tiny.items() if k != "pretrain_epochs"}
                                      if m["generator"] == "wgan_classic" else tiny)}
    # one GAN of each kind (the alpha pairs share the code path): the plumbing, in CI time
    keep = ["none", "gan_a10", "expandgan_a10", "classicgan", "smote"]
    ds["augment"] = {**(ds.get("augment") or {}), "methods": keep}
    path = write_yaml(tmp_path / "wgan_simulation.yaml", cfg)
    proc = run_snakemake(tmp_path, "--cores", "2", "-q", configfile=path, timeout=900)
    assert proc.returncode == 0, explain(proc, tmp_path)
    rep = tmp_path / "results" / "umpire_sim" / "report"
    au = pd.read_csv(rep / "auroc.tsv", sep="\t")
    rows = set(keep) - {"expandgan_a10"} | {"expandgan_a10_x0.5", "expandgan_a10_x1",
                                            "gan_best_optimistic", "gan_best_innercv"}
    assert set(au["method"]) == rows
    assert (au.groupby("method").size() == 2 * 3).all()          # 2 draws x 3 iterations
    assert au["auroc"].between(0, 1).all() and (au["protocol"] == "paper").all()
    # SMOTE's seed is held: its iterations on one draw give one AUROC
    assert (au[au["method"] == "smote"].groupby("repeat")["auroc"].nunique() == 1).all()
    assert set(au.loc[au["method"].str.startswith("gan_best"), "chosen"]) <= {"gan_a10", "classicgan"}
    comp = pd.read_csv(rep / "auroc_comparisons.tsv", sep="\t")
    assert comp["paired"].all() and (comp["n_pairs"] == 6).all()
    for f in ("auroc_cells.png", "expand_sweep.png"):
        assert (rep / f).stat().st_size > 10_000
    # ExpandGAN grows both classes to 2 x n_controls; GAN balances the minority up to the controls
    aug = tmp_path / "results" / "umpire_sim" / "augmented" / "imb_c40_f0.5"
    exp = pd.read_csv(aug / "expandgan_a10.tsv", sep="\t")
    assert (exp[exp.seed == 1]["group"].value_counts() == 80).all()
    gan = pd.read_csv(aug / "gan_a10.tsv", sep="\t")
    assert (gan[gan.seed == 1]["group"].value_counts() == 40).all()
    # ExpandGAN shares gan_a10's GANs (share_fit): it trains the controls' GAN only
    log = (tmp_path / "logs" / "umpire_sim" / "augment" / "imb_c40_f0.5" / "expandgan_a10.log").read_text()
    assert "taken over from the shared fit: ['case']" in log


def _diff(a, b, path=()):
    """Paths (tuples of keys) where two parsed YAML documents differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            out += _diff(a.get(k), b.get(k), path + (k,))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b) \
            and all(isinstance(x, dict) for x in a + b):
        return [p for i, (x, y) in enumerate(zip(a, b)) for p in _diff(x, y, path + (i,))]
    return [] if a == b else [path]


def test_quick_wgan_config_cuts_only_repeats_budgets_and_grid():
    """The 2-core variant differs from the paper config in its cost knobs, nothing else."""
    full, quick = _load("wgan_simulation.yaml"), _load("wgan_simulation_quick.yaml")
    diffs = _diff(full, quick)
    allowed = {"iterations", "pretrain_epochs", "lr1_epochs", "lr2_epochs", "folds", "grid"}
    assert diffs and all(p[-1] in allowed for p in diffs), diffs
    assert ("datasets", "umpire_sim", "evaluation", "auroc", "iterations") in diffs
    assert quick["methods"].keys() == full["methods"].keys()
    for cfg in (full, quick):   # the paper's protocol: one draw per cell, SMOTE / RO held
        a = cfg["datasets"]["umpire_sim"]["evaluation"]["auroc"]
        assert a["protocol"] == "paper" and cfg["datasets"]["umpire_sim"]["designs"][0]["seeds"] == 1
        assert a["hold_seed"] == ["smote", "random_oversampling"]
    g = full["methods"]["gan_a10"]["params"]
    assert sum(g["pretrain_epochs"]) == 15500 and g["lr1_epochs"] == g["lr2_epochs"] == 5000


def _jobs(stdout):
    """(rule, wildcards, resources) per job of a dry run's output."""
    import re

    jobs = []
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", stdout):
        m = re.match(r"(?:local)?rule (\w+):", block)
        if not m:
            continue
        wc = re.search(r"wildcards: (.*)", block)
        res = re.search(r"resources: (.*)", block)
        jobs.append((m.group(1),
                     dict(kv.split("=", 1) for kv in wc.group(1).split(", ")) if wc else {},
                     dict(kv.split("=", 1) for kv in res.group(1).split(", ")) if res else {}))
    return jobs


@pytest.mark.parametrize("name", ["wgan_simulation.yaml", "wgan_simulation_quick.yaml"])
def test_wgan_paper_dag_pretrains_once_and_asks_runtime_by_seeds(name, tmp_path):
    """One pre-training job for the three WGAN methods (they differ in alpha and amount, which
    pre-training does not read; not per design or seed); the augment and AUROC jobs ask a
    cluster for a runtime that grows with their seeds, epochs and iterations."""
    seeds = 1
    proc = run_snakemake(tmp_path, "-n", configfile=PAPER / name, timeout=120)
    assert proc.returncode == 0, explain(proc)
    jobs = _jobs(proc.stdout)
    pre = [w["method"] for r, w, _ in jobs if r == "wgan_pretrain"]
    assert pre == ["gan_a00"]  # shared by gan_a10 and expandgan_a10; not classicgan
    aug = {(w["design"], w["method"]): int(res["runtime"]) for r, w, res in jobs if r == "augment"}
    cfg = _load(name)
    assert len(aug) == 9 * len(cfg["methods"]) == 9 * 7
    epochs = cfg["methods"]["gan_a10"]["params"]["lr1_epochs"] * 2
    cell = "imb_c80_f0.5"
    assert aug[cell, "gan_a10"] == int(10 + 1.5 * epochs / 1000 * seeds)
    assert aug[cell, "smote"] == int(10 + 0.05 * seeds)
    auroc = [int(res["runtime"]) for r, _, res in jobs if r == "auroc"]
    grid = cfg["datasets"]["umpire_sim"]["evaluation"]["auroc"].get("grid")
    points = 25 if grid is None else len(grid["learning_rate"]) * len(grid["min_samples_leaf"])
    folds = cfg["datasets"]["umpire_sim"]["evaluation"]["auroc"]["folds"]
    a = cfg["datasets"]["umpire_sim"]["evaluation"]["auroc"]
    # paper protocol, tuning originals: one search per seed on the real rows, then per
    # method and multiplier a CV at the chosen parameters and one refit per iteration
    assert a["tuning"] == "originals"
    fits = len(cfg["methods"]) * seeds * len(a["expand_sweep"])
    assert auroc == [int(10 + (seeds * points * folds + fits * (folds + a["iterations"])) / 125)] * 9
    # null runs: one job per calibrated cell, asking for the fits it makes (100 null runs of
    # SMOTE's one subset); none for the GANs (naive test only, see the config's header)
    cal = {(w["design"], w["method"]): int(res["runtime"]) for r, w, res in jobs if r == "calibrate"}
    assert cal[cell, "smote"] == int(10 + 0.05 * 100)
    gans = {m for _, m in cal} & {"gan_a00", "gan_a10", "expandgan_a10", "classicgan"}
    assert len(cal) == 9 * 3 and not gans
    # the paper protocol's extra outputs are targets
    assert any(r == "expand_sweep" for r, _, _ in jobs) and any(r == "auroc_report" for r, _, _ in jobs)
