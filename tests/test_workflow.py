"""The Snakemake workflow: lint, dry-runs of every shipped config, real small runs."""

from __future__ import annotations

import re
from pathlib import Path

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
    """The .test config as the catalog's CI runs it: every stage, four methods calibrated."""
    cfg = write_yaml(tmp_path / "small.yaml", SMALL)
    proc = run_snakemake(tmp_path, "--cores", "2", "-q", configfile=cfg, timeout=480)
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

    # the methods, their calibration and the reports (the catalog's .test convention)
    cal = pd.read_csv(res / "report" / "calibration.tsv", sep="\t")
    assert len(cal) == 2 * 4 and (cal["n_null"] == 19).all()
    assert set(cal["method"]) == {"none", "smote", "gmm", "genesom"}
    assert set(cal["verdict"]) <= {"baseline", "gains", "loses", "no gain", "undecidable"}
    summ = pd.read_csv(res / "report" / "summary.tsv", sep="\t")
    assert len(summ) == 8 and summ["recovered_calibrated"].notna().all()
    assert (res / "report" / "summary.txt").read_text().startswith("sim, first6:")

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


def _venv_without_omicsaug(tmp_path) -> Path:
    """The python of a virtual environment that has Snakemake and every dependency (this
    environment's site-packages on its path) but not the omicsaug package: the editable
    install's import hook lives in a .pth file that only this environment's site runs."""
    import subprocess
    import sys
    import sysconfig

    env = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    py = env / "bin" / "python"
    lib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    Path(lib, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    probe = subprocess.run([str(py), "-c", "import snakemake, sklearn\ntry:\n import omicsaug\n"
                            "except ModuleNotFoundError: print('absent')"], cwd=tmp_path,
                           capture_output=True, text=True)
    assert probe.stdout.strip() == "absent", probe.stdout + probe.stderr
    return py


def _tiny_reference_config(path):
    cfg = {**SMALL, "datasets": {"sim": {**SMALL["datasets"]["sim"], "designs": [
        {"type": "first_n", "n_per_group": 6}]}}}
    cfg.pop("methods", None)
    cfg["datasets"]["sim"].pop("augment", None)
    return write_yaml(path, cfg)


@pytest.mark.slow
def test_module_and_deployed_copy_run_without_installing_the_package(tmp_path):
    """Another workflow uses omicsaug as a Snakemake module with its own config and prefixed
    rules, in an environment with Snakemake and the dependencies but without the omicsaug
    package: a tiny config runs to the reference statistics (the rules import the package
    from beside the workflow, the scripts through PYTHONPATH); an unknown key stops it at
    start-up in one line. A copy of the workflow folder alone (no package beside it) stops
    with one line that says how to fix it."""
    import shutil
    import subprocess

    py = _venv_without_omicsaug(tmp_path)
    src = _clean_copy(tmp_path / "omicsaug")
    run = tmp_path / "run"
    run.mkdir()
    _tiny_reference_config(run / "config.yaml")
    (run / "Snakefile").write_text(f'''configfile: "config.yaml"


module omicsaug:
    snakefile:
        "{src / "workflow" / "Snakefile"}"
    config:
        config


use rule * from omicsaug as omicsaug_*


rule all:
    default_target: True
    input:
        "results/sim/reference/univariate.tsv",
        "results/sim/subsets/first6.tsv",
''')
    env = {k: v for k, v in snakemake_env().items() if k != "PYTHONPATH"}
    proc = subprocess.run([str(py), "-m", "snakemake", "--cores", "2", "-q"], cwd=run, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, explain(proc, run)
    uni = pd.read_csv(run / "results/sim/reference/univariate.tsv", sep="\t")
    assert len(uni) == 62 and uni["significant_sidak"].any()
    assert len(pd.read_csv(run / "results/sim/subsets/first6.tsv", sep="\t")) == 18
    # the module's rules ran under the prefix; its own default config was not read
    assert list((run / "logs").glob("sim/**/*.log"))
    assert not (run / "results" / "default").exists()
    # a key the schema does not know stops the including workflow at start-up, one line
    bad = {**load_yaml(run / "config.yaml"), "seeed": 1}
    write_yaml(run / "config.yaml", bad)
    proc = subprocess.run([str(py), "-m", "snakemake", "--cores", "1", "-n"], cwd=run, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "seeed" in proc.stderr and "Traceback" not in proc.stderr, explain(proc)
    _tiny_reference_config(run / "config.yaml")
    # the workflow folder alone: no package beside it, none installed
    lone = tmp_path / "lone"
    shutil.copytree(src / "workflow", lone / "workflow")
    shutil.copy(run / "config.yaml", lone / "config.yaml")
    proc = subprocess.run([str(py), "-m", "snakemake", "-n", "--snakefile", "workflow/Snakefile",
                           "--configfile", "config.yaml"], cwd=lone, env=env, capture_output=True,
                          text=True, timeout=120)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert proc.returncode == 1 and len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith("omicsaug: the omicsaug package is neither beside the workflow")
    assert "pip install <clone>" in lines[0]


@pytest.mark.slow
def test_snakedeploy_deploys_the_workflow(tmp_path):
    """The README's deploy commands as written: `snakedeploy deploy-workflow` of a local clone
    writes the standard deployment (config/, profiles/, a workflow/Snakefile that uses omicsaug
    as a module with the user's config); snakedeploy's local provider writes the module path
    relative ("workflow/Snakefile", resolved against the deployment, not the clone), so the
    README's second command points it at the clone (a GitHub deployment gets github(...)). The
    deployment dry-runs the default config and runs a tiny one for real in an environment
    without the omicsaug package."""
    import subprocess
    import sys

    py = _venv_without_omicsaug(tmp_path)
    src = _clean_copy(tmp_path / "omicsaug")
    dest = tmp_path / "deploy"
    exe = Path(sys.executable).parent / "snakedeploy"
    readme = (REPO / "README.md").read_text()
    cmds = [ln for ln in readme.splitlines() if ln.startswith(("snakedeploy deploy-workflow", "sed -i"))]
    assert len(cmds) == 2, cmds
    for cmd in cmds:     # as written, from the folder that holds the clone
        cmd = cmd.replace("snakedeploy ", f"{exe} ", 1)
        proc = subprocess.run(["bash", "-c", cmd], cwd=tmp_path, capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, cmd + proc.stdout + proc.stderr
    assert (dest / "config" / "config.yaml").read_text() == (REPO / "config" / "config.yaml").read_text()
    assert (dest / "profiles" / "slurm" / "config.yaml").is_file()
    smk = (dest / "workflow" / "Snakefile").read_text()
    assert f'"{src / "workflow" / "Snakefile"}"' in smk and "config:\n        config" in smk
    env = {k: v for k, v in snakemake_env().items() if k != "PYTHONPATH"}
    proc = subprocess.run([str(py), "-m", "snakemake", "-n", "--cores", "1"], cwd=dest, env=env,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, explain(proc)
    assert "augment" in proc.stdout and "Traceback" not in proc.stderr, explain(proc)
    _tiny_reference_config(dest / "config" / "tiny.yaml")
    proc = subprocess.run([str(py), "-m", "snakemake", "--cores", "2", "-q", "--configfile",
                           "config/tiny.yaml", "--", "results/sim/reference/univariate.tsv"],
                          cwd=dest, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, explain(proc, dest)
    assert len(pd.read_csv(dest / "results/sim/reference/univariate.tsv", sep="\t")) == 62


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


# ------------------------------------------------------------ what each rule's env provides
def _rule_envs_and_scripts():
    """rule -> (conda env file, script file) of every rule that runs a script."""
    out = {}
    for f in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        for m in re.finditer(r"^rule (\w+):\n(.*?)(?=^rule |\Z)", f.read_text(), re.S | re.M):
            conda = re.search(r'conda:\s*\n\s*"([^"]+)"', m.group(2))
            script = re.search(r'script:\s*\n\s*"([^"]+)"', m.group(2))
            if script:
                out[m.group(1)] = ((f.parent / conda.group(1)).resolve() if conda else None,
                                   (f.parent / script.group(1)).resolve())
    return out


def _imports(path: Path, module: str, everywhere: bool):
    """Absolute names a file imports: at import time only (module level, if / try blocks), or
    everywhere (function bodies too)."""
    import ast

    tree = ast.parse(path.read_text())
    nodes = ast.walk(tree) if everywhere else (
        x for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom, ast.If, ast.Try))
        for x in ast.walk(n))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
            yield base
            yield from (f"{base}.{a.name}" for a in node.names)


def _third_party(script: Path, everywhere: bool) -> set:
    """Top-level third-party modules a script needs, through the omicsaug modules it imports."""
    import sys

    todo, seen, out = [(script, "__main__")], set(), set()
    while todo:
        path, module = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in _imports(path, module, everywhere):
            top = name.split(".")[0]
            if top == "omicsaug":
                parts = name.split(".")
                for i in range(1, len(parts) + 1):
                    p = REPO.joinpath(*parts[:i])
                    f = p / "__init__.py" if (p / "__init__.py").is_file() else p.with_suffix(".py")
                    if f.is_file():
                        todo.append((f, ".".join(parts[:i])))
            elif top and top not in sys.stdlib_module_names and top not in ("snakemake", "__future__"):
                out.add(top)
    return out


def _provides(env_file: Path) -> set:
    """Distributions an env file installs: its pip list and what those require (installed
    metadata of this environment), lower-cased."""
    import importlib.metadata as md

    import yaml

    pip = [d for d in yaml.safe_load(env_file.read_text())["dependencies"] if isinstance(d, dict)][0]["pip"]
    todo = [p.split("==")[0].lower() for p in pip if not p.startswith("-")]
    out = set()
    while todo:
        name = todo.pop()
        if name in out:
            continue
        out.add(name)
        try:
            reqs = md.requires(name) or []
        except md.PackageNotFoundError:
            continue
        todo += [re.split(r"[ ;<>=!~\[(]", r, maxsplit=1)[0].lower() for r in reqs if "extra ==" not in r]
    return out


def test_every_rules_conda_env_provides_what_its_script_imports():
    """Each rule's `conda:` env provides every third-party module its script imports, through
    the omicsaug modules it uses: at import time for every rule, and everywhere (the lazy
    imports in function bodies too) for the rules of the torch env, which fit generators."""
    import importlib.metadata as md

    dist_of = {k: [d.lower() for d in v] for k, v in md.packages_distributions().items()}
    rules = _rule_envs_and_scripts()
    assert len(rules) > 25 and all(env is not None for env, _ in rules.values()), rules
    missing = {}
    for rule, (env, script) in rules.items():
        provided = _provides(env)
        for everywhere in (False, True) if env.name == "omicsaug-torch.yaml" else (False,):
            for mod in _third_party(script, everywhere):
                if not set(dist_of.get(mod, [mod.lower()])) & provided:
                    missing.setdefault(rule, set()).add(mod)
    assert not missing, missing
    # the no-torch env really lacks torch, and a script that needs it at import would be caught
    assert "torch" not in _provides(REPO / "workflow" / "envs" / "omicsaug.yaml")
    assert "torch" in _third_party(REPO / "workflow" / "scripts" / "augment.py", True)
