"""The Snakemake workflow: lint, dry-runs of every shipped config, real small runs."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from omicsaug.config import load_yaml

from conftest import (EAE_DIR, EAE_FIRST6_IDS, EAE_SIDAK_HITS, REPO, SNAKEMAKE, explain,
                      run_snakemake, sha256, snakemake_env, write_yaml)


def _shipped_configs():
    files = sorted((REPO / "config").glob("*.yaml"))
    files += sorted((REPO / "config" / "paper").glob("*.yaml"))
    files += sorted((REPO / ".test" / "config").glob("*.yaml"))
    return [f for f in files if f.name != "config.schema.yaml"]


def _uses_eae(cfg: dict) -> bool:
    return any(d.get("source") == "eae_lipidomics" for d in cfg.get("datasets", {}).values())


def _job_counts(stdout: str) -> dict:
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"^([A-Za-z_][\w]*)\s+(\d+)\s*$", stdout, re.M)}


def test_lint(tmp_path):
    proc = run_snakemake(tmp_path, "--lint", configfile=REPO / "config" / "config.yaml",
                         timeout=120)
    assert proc.returncode == 0, explain(proc)
    assert "Lints for" not in proc.stdout + proc.stderr, explain(proc)


def test_snakefmt_leaves_the_workflow_unchanged():
    """The Snakemake files are formatted as snakefmt (pinned in requirements.txt) writes them."""
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).parent / "snakefmt"
    proc = subprocess.run([str(exe), "--check", "workflow/Snakefile", "workflow/rules"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("configfile", _shipped_configs(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_dry_run_shipped_config(configfile, tmp_path):
    cfg = load_yaml(configfile)
    args = ["-n"]
    if _uses_eae(cfg):
        if not EAE_DIR.is_dir():
            pytest.skip(f"EAE data not found at {EAE_DIR}")
        args += ["--config", f"eae_dir={EAE_DIR}"]
    proc = run_snakemake(tmp_path, *args, configfile=configfile, timeout=120)
    assert proc.returncode == 0, explain(proc)
    counts = _job_counts(proc.stdout)
    n = len(cfg["datasets"])
    for rule in ("ingest", "preprocess", "reference_univariate", "reference_classifiers",
                 "failure_point"):
        assert counts.get(rule) == n, (rule, counts)
    assert "download_eae" not in counts          # local EAE folder used, no network
    assert not (tmp_path / "results").exists()   # a dry run writes no results


def test_eae_dry_run_downloads_without_local_folder(tmp_path):
    proc = run_snakemake(tmp_path, "-n", configfile=REPO / "config" / "eae.yaml", timeout=120)
    assert proc.returncode == 0, explain(proc)
    # raw + metadata + the authors' matrix, each downloaded once and sha256-checked
    assert _job_counts(proc.stdout).get("download_eae") == 3
    assert "resources/eae_lipidomics/mouse_lipidomics_data_raw.csv" in proc.stdout


def test_eae_dry_run_uses_environment_folder(tmp_path):
    if not EAE_DIR.is_dir():
        pytest.skip(f"EAE data not found at {EAE_DIR}")
    proc = run_snakemake(tmp_path, "-n", configfile=REPO / "config" / "eae.yaml",
                         env=snakemake_env(OMICSAUG_EAE_DIR=EAE_DIR), timeout=120)
    assert proc.returncode == 0, explain(proc)
    assert "download_eae" not in _job_counts(proc.stdout)
    assert f"{EAE_DIR}/mouse_lipidomics_data_raw.csv" in proc.stdout


def test_dry_run_invalid_config_names_the_key(tmp_path):
    cfg = write_yaml(tmp_path / "bad.yaml", {
        "datasets": {"x": {"source": "simulate_lipidomics", "transform": "log3"}}})
    proc = run_snakemake(tmp_path, "-n", configfile=cfg, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "datasets.x.transform" in out and "log3" in out and "Fix:" in out
    assert str(cfg) in out


# the small config of .test/ (what CI and `snakemake --directory .test` run)
SMALL = load_yaml(REPO / ".test" / "config" / "config.yaml")


@pytest.mark.slow
def test_real_run_small_config(tmp_path):
    cfg = write_yaml(tmp_path / "small.yaml", SMALL)
    proc = run_snakemake(tmp_path, "--cores", "2", "-q", configfile=cfg, timeout=240)
    assert proc.returncode == 0, explain(proc, tmp_path)
    res = tmp_path / "results" / "sim"

    sim = pd.read_csv(res / "input" / "simulated.tsv", sep="\t")
    assert sim.shape == (26, 64) and sim.iloc[:, 2:].isna().any().any()
    uni = pd.read_csv(res / "reference" / "univariate.tsv", sep="\t")
    assert list(uni.columns[:5]) == ["feature", "F", "p", "p_sidak", "p_bh"]
    assert len(uni) == 62 and uni["feature"].tolist() == list(sim.columns[2:])
    np.testing.assert_allclose(uni["p_sidak"], -np.expm1(62 * np.log1p(-uni["p"])), rtol=1e-9)
    # the simulation's strong effects are found on the full data
    truth = pd.read_csv(res / "input" / "truth.tsv", sep="\t").set_index("feature")
    sig = set(uni.loc[uni.significant_sidak, "feature"])
    assert sig and all(truth.loc[f, "true_effect"] for f in sig)

    imputed = pd.read_csv(res / "preprocess" / "imputed.tsv", sep="\t", dtype={"sample_id": str})
    assert imputed.shape == (26, 64) and not imputed.iloc[:, 2:].isna().any().any()
    first6 = pd.read_csv(res / "subsets" / "first6.tsv", sep="\t")
    assert len(first6) == 18 and (first6["seed"] == 1).all()
    assert first6["group"].value_counts().to_dict() == {"control": 6, "disease": 6, "treated": 6}
    n6 = pd.read_csv(res / "subsets" / "n6.tsv", sep="\t")
    assert len(n6) == 36 and sorted(n6["seed"].unique()) == [1, 2]
    for _, part in n6.groupby("seed"):
        assert part["group"].value_counts().to_dict() == {"control": 6, "disease": 6,
                                                          "treated": 6}
    assert set(n6[n6.seed == 1].sample_id) != set(n6[n6.seed == 2].sample_id)

    png = res / "preprocess" / "imputation_quality.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (res / "reference" / "failure_point.png").stat().st_size > 1000
    cls = pd.read_csv(res / "reference" / "classifiers.tsv", sep="\t")
    assert set(cls["model"]) == {"knn", "svm"} and cls["repeat"].nunique() == 1
    fp = pd.read_csv(res / "reference" / "failure_point.tsv", sep="\t")
    assert fp["n_per_group"].tolist() == [3, 4]
    q = pd.read_csv(res / "preprocess" / "imputation_quality.tsv", sep="\t")
    assert sorted(q["method"]) == ["column mean", "missForest"]

    # nothing left to do: a second (dry) run finds every output up to date
    again = run_snakemake(tmp_path, "-n", configfile=cfg, timeout=120)
    assert again.returncode == 0, explain(again)
    assert "Nothing to be done" in again.stdout + again.stderr, explain(again)


def _eae_config(tmp_path):
    return write_yaml(tmp_path / "eae_small.yaml", {
        "seed": 42,
        "datasets": {"eae": {
            "source": "eae_lipidomics",
            "eae_matrix": "authors",
            "impute": {"n_estimators": 10, "max_iter": 2, "quality_repeats": 1},
            "reference": {"cv_repeats": 1, "classifiers": ["knn"]},
            "failure_point": {"n_per_group": [4, 6], "seeds": 2},
            "designs": [{"type": "first_n", "n_per_group": 6}],
        }},
    })


EAE_TARGETS = ["results/eae/reference/univariate.tsv", "results/eae/subsets/first6.tsv"]


def test_eae_workflow_config_dir_and_environment(eae_dir, tmp_path):
    a, b = tmp_path / "config_dir", tmp_path / "env_dir"
    a.mkdir()
    b.mkdir()
    cfg = _eae_config(tmp_path)

    proc = run_snakemake(a, *EAE_TARGETS, "--cores", "2", "-q", "--config",
                         f"eae_dir={eae_dir}", configfile=cfg, timeout=240)
    assert proc.returncode == 0, explain(proc, a)
    assert not (a / "resources").exists()                       # nothing downloaded
    uni = pd.read_csv(a / EAE_TARGETS[0], sep="\t")
    assert len(uni) == 62
    assert int(uni["significant_raw"].sum()) == 27
    assert int(uni["significant_sidak"].sum()) == 5
    assert set(uni.loc[uni.significant_sidak, "feature"]) == EAE_SIDAK_HITS
    first6 = pd.read_csv(a / EAE_TARGETS[1], sep="\t", dtype={"sample_id": str})
    assert first6["sample_id"].tolist() == EAE_FIRST6_IDS
    assert not (a / "results/eae/reference/classifiers.tsv").exists()   # only the targets

    proc = run_snakemake(b, *EAE_TARGETS, "--cores", "2", "-q", configfile=cfg,
                         env=snakemake_env(OMICSAUG_EAE_DIR=eae_dir), timeout=240)
    assert proc.returncode == 0, explain(proc, b)
    assert not (b / "resources").exists()
    for t in EAE_TARGETS:
        assert sha256(a / t) == sha256(b / t), t


@pytest.mark.slow
def test_used_as_a_module_by_another_workflow(tmp_path):
    """Another workflow includes omicsaug as a Snakemake module with its own config and
    prefixed rules (the package imported as an installed dependency, nothing put on
    sys.path): a tiny config runs through the renamed rules to the reference statistics."""
    import subprocess

    cfg = {**SMALL, "datasets": {"sim": {**SMALL["datasets"]["sim"], "designs": [
        {"type": "first_n", "n_per_group": 6}]}}}
    write_yaml(tmp_path / "config.yaml", cfg)
    (tmp_path / "Snakefile").write_text(f'''configfile: "config.yaml"


module omicsaug:
    snakefile:
        "{REPO / "workflow" / "Snakefile"}"
    config:
        config


use rule * from omicsaug as omicsaug_*


rule all:
    default_target: True
    input:
        "results/sim/reference/univariate.tsv",
        "results/sim/subsets/first6.tsv",
''')
    proc = subprocess.run([str(SNAKEMAKE), "--cores", "2", "-q"], cwd=tmp_path, env=snakemake_env(),
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, explain(proc, tmp_path)
    uni = pd.read_csv(tmp_path / "results" / "sim" / "reference" / "univariate.tsv", sep="\t")
    assert len(uni) == 62 and uni["significant_sidak"].any()
    assert len(pd.read_csv(tmp_path / "results" / "sim" / "subsets" / "first6.tsv", sep="\t")) == 18
    # the module's rules ran under the prefix; its own default config was not read
    assert list((tmp_path / "logs").glob("sim/**/*.log"))
    assert not (tmp_path / "results" / "default").exists()
    # a key the schema does not know stops the including workflow at start-up, one line
    write_yaml(tmp_path / "config.yaml", {**cfg, "seeed": 1})
    proc = subprocess.run([str(SNAKEMAKE), "--cores", "1", "-n"], cwd=tmp_path, env=snakemake_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "seeed" in proc.stderr and "Traceback" not in proc.stderr, explain(proc)


def _clean_copy(dest):
    """The repository's tracked and untracked-but-not-ignored files (a fresh clone's view)."""
    import shutil
    import subprocess

    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=REPO, capture_output=True, text=True, check=True).stdout
    for rel in filter(None, out.split("\0")):
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


@pytest.mark.slow
def test_snakedeploy_deploys_the_workflow(tmp_path):
    """`snakedeploy deploy-workflow` of a local clone writes the standard deployment (config/,
    profiles/, a workflow/Snakefile that uses omicsaug as a module with the user's config),
    which dry-runs the default config. snakedeploy's local provider writes the module path
    relative ("workflow/Snakefile", resolved against the deployment, not the clone), so the
    test points it at the clone, as a user deploying from GitHub gets via github(...)."""
    import subprocess
    import sys
    from pathlib import Path

    src = _clean_copy(tmp_path / "omicsaug")
    dest = tmp_path / "deployed"
    exe = Path(sys.executable).parent / "snakedeploy"
    proc = subprocess.run([str(exe), "deploy-workflow", str(src), str(dest), "--branch", "main"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (dest / "config" / "config.yaml").read_text() == (REPO / "config" / "config.yaml").read_text()
    assert (dest / "profiles" / "slurm" / "config.yaml").is_file()
    smk = (dest / "workflow" / "Snakefile").read_text()
    assert '"workflow/Snakefile"' in smk and "config:\n        config" in smk
    (dest / "workflow" / "Snakefile").write_text(
        smk.replace('"workflow/Snakefile"', f'"{src / "workflow" / "Snakefile"}"'))
    proc = subprocess.run([str(SNAKEMAKE), "-n", "--cores", "1"], cwd=dest, env=snakemake_env(),
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, explain(proc)
    assert "augment" in proc.stdout and "Traceback" not in proc.stderr, explain(proc)


def test_conda_envs_pin_what_requirements_pin():
    """The rule environments list packages only (no relative -r / -e lines that break once
    Snakemake copies the file), each at requirements.txt's version; torch only in the env of
    the rules that fit or sample generators; every direct dependency of the package is in
    both envs (torch and CTGAN in the torch one)."""
    import re

    import yaml

    req = {}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        name, _, ver = line.partition("==")
        req[name.lower()] = ver
    envs = {}
    for f in sorted((REPO / "workflow" / "envs").glob("*.yaml")):
        pip = [d for d in yaml.safe_load(f.read_text())["dependencies"] if isinstance(d, dict)][0]["pip"]
        assert not [p for p in pip if p.startswith(("-r", "-e", "..", "."))], f.name
        pins = dict(p.split("==") for p in pip if not p.startswith("--"))
        for name, ver in pins.items():
            assert req.get(name.lower()) == ver, (f.name, name, ver, req.get(name.lower()))
        envs[f.stem] = {n.lower() for n in pins}
    assert set(envs) == {"omicsaug", "omicsaug-torch"}
    assert "torch" not in envs["omicsaug"] and {"torch", "ctgan"} <= envs["omicsaug-torch"]
    assert envs["omicsaug"] <= envs["omicsaug-torch"]
    text = (REPO / "pyproject.toml").read_text()
    deps = re.findall(r'"([A-Za-z0-9_.-]+)', text.split("dependencies = [", 1)[1].split("]", 1)[0])
    direct = {d.lower() for d in deps} - {"snakemake", "torch", "ctgan"}
    assert direct <= envs["omicsaug"], direct - envs["omicsaug"]
    # the rules whose scripts load generators use the torch env, the others the light one
    for f in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        for rule, body in re.findall(r"(?ms)^rule (\w+):(.*?)(?=^rule |\Z)", f.read_text()):
            if "conda:" in body:
                want = "omicsaug-torch" if rule in {"augment", "calibrate", "auroc", "expand_sweep",
                                                    "wgan_pretrain", "wgan_figures",
                                                    "error_control"} else "omicsaug"
                assert f'"../envs/{want}.yaml"' in body, (rule, want)


def test_the_rules_and_augment_name_no_generator():
    """What a method can do (pre-training, diagnostics, runtime, stacking, torch) is declared
    on its generator class, so a new method is one module and one registry line: the
    workflow's Python and the augment stage name none."""
    import re

    from omicsaug.generators import REGISTRY
    from omicsaug.generators.base import Generator

    for f in (REPO / "workflow" / "rules" / "common.smk", REPO / "omicsaug" / "augment.py"):
        assert not re.search(r"wgan|genesom|ctgan", f.read_text()), f
    for name, cls in REGISTRY.items():
        assert issubclass(cls, Generator), name
        assert cls.minutes_per_fit({}) > 0 and isinstance(cls.diagnostics, tuple)
        if cls.pretrains_externally({}):
            assert cls.pretrained_file and cls.pretrain_params, name
