"""Run the project's performance benchmarks on this machine and write ``benchmarks/RESULTS.md``.

Sections (each can run alone with ``--only NAME``; ``--only`` may be repeated):

* ``generators``: wall time and peak memory of every registered augmentation method, fit +
  sample 1:1, on the EAE subset (18 x 62) and a simulated 128 x 1,000 microarray table; each
  cell in a fresh spawned process (``bench_generators.run_cell``) so its peak RSS is its own;
* ``esom``: ESOM training time, 50 x 80 toroid, 20 epochs, at n = 18, d = 62 and n = 128,
  d = 1,000, against the authors' Rcpp reference times (``bench_esom.time_esom``);
* ``wgan``: omics-WGAN seconds per 1,000 epochs, pre-training and re-training
  (``bench_wgan.measure``);
* ``dag``: jobs in the workflow DAG and wall time of the dry run, per shipped config;
* ``default_run``: wall time of the whole default workflow (``snakemake --cores 2``) in a
  fresh copy of the repository (kept in ``benchmarks/runs/default``, git-ignored);
* ``paper_runs``: the same for the paper configs that fit a workstation
  (``genesom_eae.yaml``, ``wgan_simulation_quick.yaml``);
* ``resources``: per-rule wall time and peak memory from the kept runs' ``benchmark:``
  files next to each rule's declared ``threads`` / ``mem_mb`` / ``runtime``;
* ``wide``: every method instance of the default config on a 128 x 12,625 microarray table,
  6 per group, 10 seeds: the start-up width check, pre-training, the augment loop and the
  fidelity report, time and peak memory (``bench_wide.measure``);
* ``calibration``: ``config/paper/genesom_eae.yaml`` with calibration on (100 null runs per
  method, CTGAN 20) end to end against its 45-minute target, the calibrated and naive
  results it writes (``report/calibration.tsv``), and how often the error control's
  calibrated rule stops a level that adds no rows or copies every row (real Boruta,
  ``--boruta-reps`` no-effect tables each).

Usage (from the repository root, with the project's environment)::

    python benchmarks/run_all.py            # everything (about 30-35 min on 2 idle cores)
    python benchmarks/run_all.py --only esom --only dag
    python benchmarks/run_all.py --only generators --methods none smote --tables eae

Prints each section's table and writes them to ``--output`` (default benchmarks/RESULTS.md).
Sections that are not run keep their previous text in an existing output file (each section
sits between ``<!-- section:NAME -->`` and ``<!-- /section:NAME -->``); the header with the
machine description is rewritten on every run, and each section says when, on which host
and with which command it was measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import importlib.metadata as md
import os
import platform
import re
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(HERE) not in sys.path:          # the sibling bench_* modules
    sys.path.insert(0, str(HERE))

SECTIONS = ["generators", "esom", "wgan", "hgb", "dag", "default_run", "paper_runs", "resources",
            "calibration", "realism", "plasmode", "tuning", "wgan_paper", "wide", "aa"]
TITLES = {
    "generators": "1. Augmentation methods: fit + sample 1:1",
    "esom": "2. ESOM training time",
    "wgan": "3. Omics WGAN: seconds per 1,000 epochs",
    "hgb": "3b. Tuned HistGradientBoosting (AUROC report)",
    "dag": "4. Workflow DAG: jobs and dry-run time",
    "default_run": "5. Default workflow, end to end",
    "paper_runs": "6. Paper configs, end to end",
    "resources": "7. Per-rule resources measured from benchmark files",
    "calibration": "8. Calibrated discoveries: the EAE paper config with its own nulls",
    "realism": "9. Data sources: realism of the simulators over seeds, oracle AUROC",
    "plasmode": "10. EAE plasmodes: calibrated recovery against a known answer",
    "tuning": "11. AUROC report: inner-CV optimism of the tuning, leaky vs grouped folds",
    "wgan_paper": "12. The WGAN paper's budgets per experiment cell: CPU core vs H200 GPU",
    "wide": "13. A wide microarray table: every default method at 128 x 12,625",
    "aa": "14. A/A study of the verdicts: two identical methods, independent nulls",
}
HEAVY = {"ctgan", "wgan", "wgan_classic"}   # on the microarray table: --heavy-repeats
ESOM_R_SECONDS = {(18, 62): 0.31, (128, 1000): 47.6}
DEFAULT_EAE = REPO.parent / "shared" / "data" / "eae_lipidomics"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def now_utc():
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def command_line():
    return shlex.join([sys.executable, *sys.argv])


def loadavg():
    try:
        return " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


# ----------------------------------------------------------------------------- machine
def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib():
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    return "n/a"


def _version(dist):
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return "not installed"


def _git(*args):
    try:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def git_state():
    head = _git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    return head + (" + uncommitted changes" if dirty else "")


def machine_header():
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    lines = [
        "# Benchmark results",
        "",
        "Written by `benchmarks/run_all.py`; every figure below was measured by it on the machine",
        "named in its section (no figure is copied from elsewhere, except the ESOM Rcpp reference",
        "times and the paper's GPU times, which are labelled as such).",
        "",
        f"Last update: {now_utc()}, command:",
        "",
        f"    {command_line()}",
        "",
        "| | |",
        "|---|---|",
        f"| host | `{socket.gethostname()}` |",
        f"| CPU | {_cpu_model()} |",
        f"| cores | {os.cpu_count()} logical ({usable} usable by this process) |",
        f"| RAM | {_ram_gib()} |",
        f"| OS | {platform.platform()} |",
        f"| python | {platform.python_version()} (`{sys.executable}`) |",
        f"| torch / scikit-learn / numpy | {_version('torch')} / {_version('scikit-learn')} / "
        f"{_version('numpy')} |",
        f"| snakemake / ctgan | {_version('snakemake')} / {_version('ctgan')} |",
        f"| repository | {git_state()} |",
    ]
    return "\n".join(lines)


def section_meta(seconds):
    return (f"_Measured {now_utc()} on `{socket.gethostname()}` (load average at the end "
            f"{loadavg()}; repository {git_state()}) in {seconds:.0f} s with:_ "
            f"`{command_line()}`")


def md_table(header, rows, align=None):
    align = align or ["---"] * len(header)
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


# ----------------------------------------------------------------------------- sections
def section_generators(args):
    import bench_generators as bg
    from omicsaug.generators import REGISTRY

    methods = list(REGISTRY) if args.methods in (None, ["all"]) else args.methods
    unknown = [m for m in methods if m not in REGISTRY]
    if unknown:
        raise SystemExit(f"unknown method(s) {unknown}; registered: {list(REGISTRY)}")
    if any(t.startswith("eae") for t in args.tables) and not Path(args.eae_dir).is_dir():
        raise SystemExit(f"--eae-dir {args.eae_dir} is not a folder (the EAE lipidomics CSVs)")
    rows = []
    for t in args.tables:
        for m in methods:
            reps = args.heavy_repeats if (t == "microarray" and m in HEAVY) else args.repeats
            log(f"[generators] {t} / {m}: {reps} repeat(s) ...")
            t0 = time.perf_counter()
            try:
                r = bg.run_cell_in_child(t, args.eae_dir, m, reps, args.trace, args.threads)
            except Exception as e:  # noqa: BLE001 - one failed cell must not lose the others
                log(f"[generators] {t} / {m} FAILED: {e!r}")
                rows.append([bg.TABLE_LABELS[t], "", m, _params_text(bg.method_params(m)), reps,
                             "", f"failed: {type(e).__name__}: {str(e)[:120]}", "", "", ""])
                continue
            log(f"[generators] {t} / {m}: median {r['median_s']:.3f} s, RSS {r['rss_mib']:.0f} MiB "
                f"(cell {time.perf_counter() - t0:.0f} s)")
            rows.append([r["table"], f"{r['n']} x {r['d']}", m, _params_text(r["params"]),
                         r["repeats"], r["n_syn"], f"{r['median_s']:.3f}", f"{r['min_s']:.3f}",
                         f"{r['rss_mib']:.0f}",
                         f"{r['traced_mib']:.1f}" if args.trace else "-"])
    head = ["table", "rows x features", "method", "params", "repeats", "synthetic rows",
            "median s", "min s", "peak RSS MiB", "traced peak MiB"]
    text = [
        "Median and minimum wall time of one fit + sample at 1:1 (every class doubled) per "
        "method, over `repeats` repeats with their own seeds, after an untimed warm-up fit on "
        "4 features with 1 epoch; each (table, method) cell runs in a fresh spawned process, "
        "and peak RSS is that process's maximum resident memory (interpreter and imported "
        "libraries included: torch alone is a few hundred MiB). "
        f"Torch uses {args.threads} thread(s). Methods run with their default parameters "
        "(`params` lists the exceptions: the WGAN pre-trains on the pooled real rows, as "
        "neither table has an external table). "
        + ("`traced peak` is the tracemalloc peak of Python/numpy allocations in one extra run "
           "(torch's allocator is not traced)." if args.trace else
           "`traced peak` was not measured (run with `--trace`)."),
        "",
        "Tables: EAE = the authors' imputed lipidomics matrix, first 6 mice per group (3 groups, "
        "18 x 62); microarray = `simulate_microarray(n_features=1000, n_real=(64, 64))`, "
        "128 x 1,000. "
        f"CTGAN and both WGANs on the microarray table run {args.heavy_repeats} repeat(s) "
        f"(`--heavy-repeats`), every other cell {args.repeats} (`--repeats`).",
        "",
        md_table(head, rows, ["---", "---", "---", "---", "---:", "---:", "---:", "---:",
                              "---:", "---:"]),
    ]
    return "\n".join(text)


def _params_text(p):
    return ", ".join(f"{k}={v}" for k, v in p.items()) if p else "defaults"


def section_esom(args):
    from bench_esom import time_esom

    rows = []
    for (n, d), r_s in ESOM_R_SECONDS.items():
        algos = ["auto"] if (d >= 1000 and args.esom_skip_direct_large) else ["auto", "direct"]
        for algo in algos:
            reps = args.esom_repeats
            log(f"[esom] n={n}, d={d}, {algo}: {reps} repeat(s) ...")
            r = time_esom(n, d, algo, reps)
            best, med = min(r["train_s"]), statistics.median(r["train_s"])
            label = f"{algo} ({r['algorithm']})" if algo == "auto" else algo
            rows.append([n, d, label, reps, f"{best:.3f}", f"{med:.3f}",
                         f"{min(r['fit_s']):.3f}", f"{r_s:.2f}", f"{r_s / best:.1f}x"])
            log(f"[esom]   best {best:.3f} s, speed-up {r_s / best:.1f}x")
    head = ["n", "d", "algorithm", "repeats", "train s (best)", "train s (median)",
            "fit s (best)", "Rcpp s (reference)", "speed-up vs Rcpp"]
    text = [
        "`omicsaug.generators.genesom.esom.ESOM` on a standard-normal n x d table (seed 0), "
        "50 x 80 toroidal grid, 20 epochs (the genESOM settings). `train s` is the training loop alone "
        "(`ESOM.train_time_`), `fit s` the whole `fit`. `auto` is what genESOM uses (it picks "
        "`coef` when n < d). The Rcpp column is the authors' `Umatrix::esomTrain` time quoted in "
        "`benchmarks/bench_esom.py` (measured on the project machine, not re-measured here); "
        "speed-up = Rcpp s / best train s."
        + (" The `direct` algorithm (weights updated in data space) on the wide case was "
           "skipped (`--esom-skip-direct-large`)." if args.esom_skip_direct_large else
           " `direct` updates the weights in data space (same result to rounding)."),
        "",
        md_table(head, rows, ["---:", "---:", "---", "---:", "---:", "---:", "---:", "---:",
                              "---:"]),
    ]
    return "\n".join(text)


def section_wgan(args):
    import torch
    from bench_wgan import extrapolate, measure

    log(f"[wgan] {args.wgan_features} features, {args.wgan_epochs} epochs per configuration ...")
    m = measure(args.threads, args.wgan_epochs, args.wgan_features)
    rows = [[label, g, f"{ms:.2f}", f"{cpu:.2f}", f"{ms:.1f}"] for label, g, ms, cpu in m["rows"]]
    for r in rows:
        log(f"[wgan]   {r[0]}: {r[4]} s per 1,000 epochs")
    head = ["configuration", "models", "ms / epoch", "CPU ms / epoch", "s per 1,000 epochs"]
    text = [
        f"`benchmarks/bench_wgan.py`: the omics WGAN's training loop on the simulated "
        f"{m['d']}-feature microarray data (CPU, torch {torch.__version__}, {args.threads} "
        f"thread(s)), {args.wgan_epochs} epochs timed per row after 2 warm-up epochs. "
        "Pre-training: the 300-row external table, batch 30, per growing phase; re-training: "
        "40 controls (batch 20) or 27 cases (batch 10). `s per 1,000 epochs` = wall seconds "
        "per 1,000 epochs (numerically the same as ms / epoch).",
        "",
        md_table(head, rows, ["---", "---:", "---:", "---:", "---:"]),
        "",
        "Extrapolated from these rates to the paper's budgets (the paper's GPU times are quoted "
        "from Cusworth et al. 2024):",
        "",
        *[f"- {line}" for line in extrapolate(m)],
    ]
    return "\n".join(text)


def section_hgb(args):
    """One tuned HistGradientBoosting (the AUROC report's unit of work) on tables the size of
    the WGAN simulation's augmented training sets, with the paper's and the quick grid."""
    import numpy as np

    from omicsaug.evaluation.classify import paper_grid, tuned_hgb
    from omicsaug.simulate import simulate_microarray

    sim = simulate_microarray(n_features=150, n_real=(200, 200), n_validation=(2, 2),
                              n_external=2, seed=0)["real"]
    feats = [c for c in sim.columns if c not in ("sample_id", "group")]
    quick = {"learning_rate": [0.01, 0.1, 1.0], "min_samples_leaf": [10, 25]}
    rows = []
    for n in (80, 160, 240):
        tab = sim.groupby("group", group_keys=False).apply(lambda g: g.head(n // 2))
        X, y = tab[feats].to_numpy(float), (tab["group"] == "case").astype(int).to_numpy()
        for name, grid, folds in (("paper: 25 points x 5 folds", paper_grid(), 5),
                                  ("quick: 6 points x 3 folds", quick, 3)):
            for jobs in sorted({1, args.hgb_jobs}):
                t0 = time.perf_counter()
                tuned_hgb(X, y, seed=0, grid=grid, folds=folds, n_jobs=jobs)
                dt_ = time.perf_counter() - t0
                rows.append([f"{n} x 150", name, jobs, f"{dt_:.1f}"])
                log(f"[hgb] {n} rows, {name}, {jobs} process(es): {dt_:.1f} s")
    head = ["training table", "grid", "processes", "seconds"]
    return "\n".join([
        "Wall seconds of one `tuned_hgb` (grid search with stratified CV, then the refit) on "
        "balanced simulated tables of 150 features: the AUROC report fits one per method and "
        "repeat. Worker processes share a grid search (`threads` of the auroc rule).",
        "", md_table(head, rows, ["---", "---", "---:", "---:"])])


def snakemake_bin(args):
    if args.snakemake:
        return args.snakemake
    local = Path(sys.executable).parent / "snakemake"
    return str(local) if local.exists() else (shutil.which("snakemake") or "snakemake")


def parse_job_stats(output):
    """The last "Job stats" table of a snakemake run: ({rule: count}, total) or (None, None)."""
    blocks = output.split("Job stats:")
    if len(blocks) < 2:
        return None, None
    counts, total = {}, None
    for line in blocks[-1].splitlines()[3:]:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        if parts[0] == "total":
            total = int(parts[1])
            break
        counts[parts[0]] = int(parts[1])
    return counts, total


def _needs_eae(configfile):
    import yaml

    cfg = yaml.safe_load(Path(configfile).read_text()) or {}
    return any((ds or {}).get("source") == "eae_lipidomics"
               for ds in (cfg.get("datasets") or {}).values())


def section_dag(args):
    smk = snakemake_bin(args)
    configs = args.dag_configs or (sorted(glob.glob("config/paper/*.yaml"))
                                   + ["config/config.yaml"])
    rows = []
    for cf in configs:
        cmd = [smk, "-n", "-F", "--quiet", "rules", "--configfile", cf]
        if _needs_eae(REPO / cf):
            cmd += ["--config", f"eae_dir={args.eae_dir}"]
        times, out = [], ""
        for _ in range(args.dag_repeats):
            t0 = time.perf_counter()
            p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
            times.append(time.perf_counter() - t0)
            out = p.stdout + p.stderr
            if p.returncode:
                break
        counts, total = parse_job_stats(out)
        shown = " ".join(shlex.quote(c) for c in [Path(smk).name, *cmd[1:]])
        if p.returncode or total is None:
            tail = out.strip().splitlines()[-1:] or [""]
            rows.append([f"`{cf}`", f"failed (rc {p.returncode}): {tail[0][:150]}", "", "", "",
                         f"`{shown}`"])
            log(f"[dag] {cf}: FAILED rc={p.returncode}\n{out[-2000:]}")
            continue
        top = ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])[:3])
        rows.append([f"`{cf}`", total, top, len(times), f"{statistics.median(times):.2f}",
                     f"`{shown}`"])
        log(f"[dag] {cf}: {total} jobs, dry run {statistics.median(times):.2f} s")
    head = ["config", "jobs", "largest rules", "repeats", "dry-run s (median)", "command"]
    text = [
        "Jobs in the whole DAG (`-F`/`--forceall`, so the count does not depend on results "
        "already present) and the median wall time of the dry run (`-n`: parse the workflow, "
        "resolve the config, build the DAG; nothing is executed), run in the repository root. "
        "The count is the `total` of snakemake's \"Job stats\" table.",
        "",
        md_table(head, rows, ["---", "---:", "---", "---:", "---:", "---"]),
    ]
    return "\n".join(text)


def _copy_repo(dest, source):
    if source == "head":
        archive = subprocess.run(["git", "archive", "--format=tar", "HEAD"], cwd=REPO,
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
        return _git("rev-parse", "--short", "HEAD")
    # tracked and untracked files as they are now, without the ignored ones (results/, ...)
    files = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for f in filter(None, files):
        src = REPO / f
        if src.is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / f)
    return git_state() + " (working tree)"


def workflow_run(args, configfile=None, name="default", targets=()):
    """Run the workflow with ``--cores`` in a fresh copy of the repository kept in
    ``--runs-dir/<name>`` (replaced); returns a dict with the outcome and the copy's path."""
    smk = snakemake_bin(args)
    runs = Path(args.runs_dir)
    runs.mkdir(parents=True, exist_ok=True)
    tmp = runs / name
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    version = _copy_repo(tmp, args.default_source)
    env = dict(os.environ)
    # the copy's own package, not the editable install that points at this checkout
    env["PYTHONPATH"] = str(tmp) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    cmd = [smk, *targets, "--cores", str(args.default_cores)]
    if getattr(args, "profile", None):
        cmd += ["--profile", args.profile]
    if configfile:
        cmd += ["--configfile", configfile]
        if _needs_eae(REPO / configfile):
            cmd += ["--config", f"eae_dir={args.eae_dir}"]
    log(f"[{name}] {shlex.join(cmd)} in {tmp} ({version}) ...")
    logfile = tmp / "run_all.snakemake.log"
    t0 = time.perf_counter()
    with open(logfile, "w") as fh:
        p = subprocess.run(cmd, cwd=tmp, env=env, stdout=fh, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - t0
    out = logfile.read_text()
    counts, total = parse_job_stats(out)
    done = re.findall(r"(\d+) of (\d+) steps \(\d+%\) done", out)
    steps = f"{done[-1][0]} of {done[-1][1]}" if done else "0"
    bench = []
    for f in tmp.glob("logs/**/*.benchmark.tsv"):
        try:
            lines = f.read_text().splitlines()
            bench.append((float(lines[1].split("\t")[0]), str(f.relative_to(tmp / "logs"))))
        except (IndexError, ValueError, OSError):
            pass
    bench.sort(reverse=True)
    status = "ok" if p.returncode == 0 else f"FAILED (rc {p.returncode}; log: {logfile})"
    log(f"[{name}] {status}: {steps} steps, {wall:.0f} s")
    shown = " ".join(shlex.quote(c) for c in [Path(smk).name, *cmd[1:]])
    return {"version": version, "command": shown, "total": total, "steps": steps, "wall": wall,
            "status": status, "bench": bench, "dir": tmp}


def _run_rows(results):
    head = ["source", "command", "jobs (DAG)", "jobs done", "wall s", "wall min", "status"]
    rows = [[r["version"], f"`{r['command']}`", r["total"] if r["total"] is not None else "?",
             r["steps"], f"{r['wall']:.0f}", f"{r['wall'] / 60:.1f}", r["status"]] for r in results]
    return md_table(head, rows, ["---", "---", "---:", "---:", "---:", "---:", "---"])


def _slowest(r):
    return ("Slowest jobs by their snakemake `benchmark:` seconds: "
            + "; ".join(f"`{name}` {s:.0f} s" for s, name in r["bench"][:6]) + ".") if r["bench"] else ""


def _copy_note(args):
    return (f"a fresh copy of the repository ({args.default_source}: "
            + ("`git archive HEAD`" if args.default_source == "head" else "the working tree's "
               "files, untracked ones included, ignored ones (results/, logs/) left out")
            + f") in `{Path(args.runs_dir).name}/<name>` with `PYTHONPATH` pointing at the copy")


def section_default_run(args):
    r = workflow_run(args, None, "default")
    text = [
        "The whole default workflow (embedded simulated data, no network) from an empty "
        f"results folder: {_copy_note(args)}, then `snakemake --cores {args.default_cores}` "
        "there. Wall time includes snakemake's start-up and every job.",
        "", _run_rows([r]), "", _slowest(r)]
    return "\n".join(text)


def section_paper_runs(args):
    results = []
    for cf in args.paper_configs:
        results.append(workflow_run(args, cf, Path(cf).stem))
    text = [
        f"Paper configs run for real with `--cores {args.default_cores}`"
        + (f" `--profile {args.profile}`" if args.profile else "") + f", each in {_copy_note(args)}."
        " The EAE data are read from `--eae-dir` (no download).", "", _run_rows(results)]
    for r in results:
        if r["bench"]:
            text += ["", f"`{Path(r['dir']).name}`: " + _slowest(r)]
    return "\n".join(text)


def section_resources(args):
    import resource_table

    runs = sorted(p for p in Path(args.runs_dir).glob("*") if (p / "logs").is_dir())
    if not runs:
        return "_No kept workflow runs: run the default_run and paper_runs sections first._"
    df = resource_table.collect(runs, [p.name for p in runs])
    return "\n".join([
        "Per rule, from the `benchmark:` files of the kept runs above (" +
        ", ".join(f"`{p.name}`" for p in runs) + "): the largest and median wall seconds per "
        "job, for the augment rule also the seconds per seed (jobs loop over seeds), the peak "
        "resident memory (`max_rss`), and what the rule declares (`threads`, `mem_mb`, "
        "`runtime` in minutes; `augment_runtime` / `auroc_runtime` scale with the seeds, "
        "see `workflow/rules/common.smk`). Regenerate with "
        "`python benchmarks/resource_table.py benchmarks/runs/*`.",
        "", resource_table.table(df)])


def _stop_rate(generator, reps):
    """Fraction of ``reps`` no-effect tables (24 x 8, two groups) on which the calibrated rule
    stops level 1 of ``generator`` (real Boruta, 8 splits)."""
    import logging

    import numpy as np

    from omicsaug.evaluation import error_control as ec

    quiet = logging.getLogger("omicsaug.bench")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    y = np.repeat(["a", "b"], 12)
    stops = []
    for r in range(reps):
        X = np.random.default_rng(1000 + r).normal(size=(24, 8))
        dec, _ = ec.error_inflation_control(X, y, [f"f{j}" for j in range(8)], levels=(0, 1),
                                            n_seeds=8, generator=generator, alpha=0.05, max_iter=12,
                                            n_estimators=30, n_boot=2000, random_state=r, log=quiet)
        stops.append(dec["stopped_at"] == 1)
    return float(np.mean(stops))


def section_calibration(args):
    import pandas as pd

    cf = "config/paper/genesom_eae.yaml"
    r = workflow_run(args, cf, "genesom_eae")
    target = 45 * 60
    text = [f"`{cf}` with calibration on (100 null runs per (design, method); CTGAN 20) run in "
            f"{_copy_note(args)}, `--cores {args.default_cores}`; the EAE data from `--eae-dir`.",
            "", _run_rows([r]), "",
            f"Target: under 45 minutes on 2 cores: **{'met' if r['wall'] < target else 'not met'}** "
            f"({r['wall'] / 60:.1f} min).", "", _slowest(r)]
    cal = r["dir"] / "results" / "eae_lipidomics" / "report" / "calibration.tsv"
    if cal.exists():
        t = pd.read_csv(cal, sep="\t")
        rows = [[x.design, x.method, x.n_null, f"{x.critical_fwer_p:.2g}",
                 f"{x.naive_familywise_error:.2f}", f"{x.naive_false_per_run:.1f}",
                 f"{x.power_calibrated:.2f}", f"{x.power_naive:.2f}",
                 f"{x.power_diff:+.2f} ({x.power_diff_lo:+.2f} to {x.power_diff_hi:+.2f})"
                 if x.verdict != "baseline" else "", x.verdict,
                 f"{x.verdict_p:.2g}" if x.verdict_p == x.verdict_p else "",
                 f"{x.equivalent_n:.1f} ({x.equivalent_n_lo:.1f}-{x.equivalent_n_hi:.1f})"
                 + (f" {x.equivalent_n_censored}" if isinstance(x.equivalent_n_censored, str) else ""),
                 f"{x.seconds:.0f}"]
                for x in t.itertuples()]
        text += ["", "Its `report/calibration.tsv` (power against the 5 full-data Šidák lipids; "
                 "naive error measured on the method's own null runs):", "",
                 md_table(["design", "method", "null runs", "critical naive p", "naive FWE on nulls",
                           "naive false / run", "power (calibrated)", "power (naive)",
                           "difference from none (simultaneous)", "verdict", "Holm p",
                           "equivalent n (95 %)", "null-run s"], rows),
                 "", f"Verdict rule: {t['verdict_rule'].dropna().iloc[0]}."
                 if t["verdict_rule"].notna().any() else ""]
    if args.boruta_reps:
        t0 = time.perf_counter()
        rates = {g: _stop_rate(g, args.boruta_reps) for g in ("none", "duplicate")}
        text += ["", f"Error control, calibrated rule, real Boruta (BorutaPy, 30 trees, 12 runs, "
                 f"p = 0.05), 8 splits, {args.boruta_reps} no-effect tables of 24 x 8 (2 groups): "
                 f"level 1 stopped in {rates['none']:.1%} of the tables when it adds no rows "
                 f"(generator `none`: the alpha of the test, 5 %, is the bound) and in "
                 f"{rates['duplicate']:.1%} when it copies every row once (`duplicate`): exact "
                 f"duplication is inflation by Boruta's yardstick ({time.perf_counter() - t0:.0f} s)."]
    return "\n".join(text)


def section_realism(args):
    """The simulators' realism statistics over many seeds (the workflow's own preprocessing:
    log10, missForest with 20 trees x 3 iterations for the Sidak fraction), and the oracle
    AUROC of the microarray simulator over seeds."""
    import numpy as np
    import pandas as pd

    from omicsaug import preprocess, realism, simulate
    from omicsaug.evaluation import reference
    from omicsaug.io import feature_columns
    from omicsaug.utils import derive_seed

    ref = realism.REFERENCES["eae_lipidomics"]
    rows = []
    for seed in range(args.realism_seeds):
        t, tr = simulate.simulate_lipidomics(seed=seed)
        logged, _ = preprocess.preprocess(t, transform="log10")
        imp = preprocess.impute_table(logged, preprocess.make_imputer(
            "missforest", n_estimators=20, max_iter=3, random_state=seed))
        f = feature_columns(imp)
        uni = reference.univariate(imp[f].to_numpy(float), imp["group"].to_numpy(), f)
        rows.append(realism.statistics(logged, tr["block"].tolist(), uni))
    res = pd.DataFrame(rows)
    ok = pd.DataFrame({k: (res[k] - ref[k]).abs() / abs(ref[k]) <= realism.TOLERANCE for k in res})
    table = [[k, f"{ref[k]:.3f}", f"{res[k].mean():.3f}", f"{res[k].std():.3f}",
              f"{abs(res[k].mean() - ref[k]) / abs(ref[k]):.0%}", f"{ok[k].mean():.0%}"] for k in res]
    text = [f"`simulate_lipidomics()` with its defaults, seeds 0-{args.realism_seeds - 1}, against "
            "the EAE table (`omicsaug.realism.REFERENCES`; 26 mice each):", "",
            md_table(["statistic", "EAE", "simulated mean", "SD over seeds", "mean off by",
                      "seeds within 50 %"], table), "",
            f"All six statistics within 50 % at once: {ok.all(axis=1).mean():.0%} of the seeds "
            "(26 samples make kurtosis quantiles and a Spearman correlation over 62 lipids noisy; "
            "the EAE table itself is one such draw)."]
    small = dict(n_real=(2, 2), n_validation=(2, 2), n_external=2)
    orc = [simulate.simulate_microarray(seed=s, **small)["oracle_auroc"] for s in range(args.realism_seeds)]
    dflt = simulate.simulate_microarray(seed=derive_seed(42, "simulate", "sim_microarray"), **small)
    text += ["", f"`simulate_microarray()` defaults: oracle AUROC {np.mean(orc):.3f} (SD {np.std(orc):.3f}, "
             f"range {min(orc):.3f}-{max(orc):.3f}) over seeds 0-{args.realism_seeds - 1}; "
             f"{dflt['oracle_auroc']:.3f} for the default config's `sim_microarray`."]
    return "\n".join(text)


def section_plasmode(args):
    """The EAE config's plasmode datasets, run for real, and their calibration reports."""
    import pandas as pd

    cf = "config/eae.yaml"
    sets = ("eae_plasmode_null", "eae_plasmode_spiked")
    targets = [f"results/{d}/report/{f}" for d in sets
               for f in ("calibration.tsv", "recovery_summary.tsv")]
    targets += [f"results/{d}/input/realism.tsv" for d in sets]
    r = workflow_run(args, cf, "eae_plasmode", targets=targets)
    text = [f"The plasmode datasets of `{cf}` (targets only) in {_copy_note(args)}; the EAE data "
            "from `--eae-dir`.", "", _run_rows([r]), "", _slowest(r)]
    for d in sets:
        rep = r["dir"] / "results" / d / "report"
        if not (rep / "calibration.tsv").exists():
            continue
        cal = pd.read_csv(rep / "calibration.tsv", sep="\t")
        summ = pd.read_csv(rep / "recovery_summary.tsv", sep="\t")
        truth = summ[summ["reference"] == "sidak"]     # power and true FDR are scored on the truth
        rows = []
        for x in cal.itertuples():
            s = truth[(truth.design == x.design) & (truth.method == x.method)].set_index("test")
            def g(test, col):
                return f"{s.loc[test, col]:.2f}" if test in s.index and col in s and pd.notna(s.loc[test, col]) else ""
            rows.append([x.design, x.method, f"{x.naive_familywise_error:.2f}",
                         f"{x.naive_false_per_run:.1f}", g("calibrated_fwer", "power_mean"),
                         g("calibrated_fwer", "true_fdr_mean"), g("naive", "power_mean"),
                         g("naive", "true_fdr_mean"),
                         x.verdict,
                         f"{x.equivalent_n:.1f}" if pd.notna(x.equivalent_n) else ""])
        text += ["", f"`{d}` (scored against its truth, means over the subsets; with no true effect "
                 "the true FDR is the share of subsets with a false finding; naive error on the "
                 "method's own null runs):", "",
                 md_table(["design", "method", "naive FWE on nulls", "naive false / run",
                           "power (calibrated)", "true FDR (calibrated)", "power (naive)",
                           "true FDR (naive)", "verdict", "equivalent n"], rows)]
    return "\n".join(text)


def section_tuning(args):
    """Inner-CV AUROC (the tuning's criterion) against the validation AUROC, with the paper
    code's k-fold over augmented rows and with this project's grouped folds."""
    import pandas as pd

    from omicsaug import simulate
    from omicsaug.evaluation import classify
    from omicsaug.augment import augment_design, method_spec
    from omicsaug.design import Design, draw_subsets

    out = simulate.simulate_microarray(seed=0)
    real, val = out["real"], out["validation"]
    methods = {"none": {}, "random_oversampling": {"amount": {"mode": "balance"}},
               "smote": {"amount": {"mode": "balance"}}, "duplicate": {}}
    grid = {"learning_rate": [0.01, 0.1], "min_samples_leaf": [1, 10]}
    d = Design("imb_c40_f0.4", "imbalance", tuple(range(1, args.tuning_seeds + 1)),
               control="control", case="case", n_controls=40, minority_fraction=0.4)
    subsets = draw_subsets(real, d, base_seed=1)
    rows = []
    for m, extra in methods.items():
        spec = method_spec({"methods": {m: extra}}, m)
        aug = augment_design(subsets, spec, 1, d.name, False)
        for tuning in ("augmented", "grouped"):
            r = classify.auroc_scores(aug, d.name, m, "case", validation=val, grid=grid, folds=5,
                                      tuning=tuning)
            rows.append([m, tuning, f"{r['cv_auroc'].mean():.3f}", f"{r['auroc'].mean():.3f}",
                         f"{(r['cv_auroc'] - r['auroc']).mean():+.3f}"])
    return "\n".join([
        f"`simulate_microarray(seed=0)`, 40 controls vs 16 cases, {args.tuning_seeds} draws; HGB grid "
        "learning_rate {0.01, 0.1} x min_samples_leaf {1, 10}, 5 folds; AUROC on the 700-sample "
        "validation table. Optimism = inner-CV AUROC - validation AUROC.", "",
        md_table(["method", "tuning folds", "inner-CV AUROC", "validation AUROC", "optimism"], rows)])


def section_wgan_paper(args):
    """bench_wgan_paper.py's JSON files (one per device run; those from the GPU machine are
    copied into benchmarks/device/ by hand, since it runs outside this script)."""
    import json

    runs = []
    for f in sorted(Path(args.wgan_paper_json).glob("*.json")):
        r = json.loads(f.read_text())
        r["file"] = f.name
        runs.append(r)
    if not runs:
        return ("_No runs: `python benchmarks/bench_wgan_paper.py --device cuda --json "
                "benchmarks/device/gpu.json` (and `--device cpu`)._")
    cells = {}
    for r in runs:
        for row in r["rows"]:
            key = (row["controls"], row["fraction"], row["classes"])
            cells.setdefault(key, {})[r["file"]] = row
    names = [r["file"] for r in runs]
    head = ["controls", "cases / control", "classes re-trained"] + [
        f"{r['device']} ({r['file']}) s at paper budget" for r in runs]
    rows = [[c, f, k] + [f"{cells[(c, f, k)][n]['paper_seconds']:.0f}" if n in cells[(c, f, k)]
                         else "" for n in names] for (c, f, k) in sorted(cells)]
    rows.append(["pre-training", "3,000 + 5,000 + 7,500", "external"] +
                [f"{r['pretrain_paper_s']:.0f}" for r in runs])
    text = [
        "`benchmarks/bench_wgan_paper.py`: one WGAN fit per cell as the augment job runs it (the "
        "three learning-rate candidates of a class stacked, per-network random streams), timed at "
        "two short budgets and extrapolated linearly to the paper's 5,000 + 5,000 re-training "
        "epochs per class (the slope is the cost of an epoch, the rest is fixed); pre-training "
        "per growing phase. One process, one torch thread on the CPU.", ""]
    for r in runs:
        text.append(f"- `{r['file']}`: torch device `{r['device']}` on {r.get('machine', 'this machine')}, "
                    f"`{r.get('command', '?')}`, torch {r['torch']}; the config's GAN "
                    f"work (4 balancing GANs + ExpandGAN over 9 cells, 4 pre-trainings) in one "
                    f"process: {r['gan_total_s']:.0f} s ({r['gan_total_s'] / 3600:.2f} h)"
                    + (" - only the largest cell timed, total not comparable" if len(r["rows"]) < 18 else ""))
    text += ["", md_table(head, rows)]
    run = Path(args.runs_dir) / "wgan_simulation"
    if (run / "results").is_dir():
        text += ["", _full_run(run)]
    return "\n".join(text)  # the device runs' own machine and date are in their lines above


def _bench(path: Path):
    """(wall s, CPU s) of a snakemake ``benchmark:`` file."""
    f = path.read_text().splitlines()[1].split("\t")
    return float(f[0]), float(f[-1]) if len(f) > 9 else float("nan")


def _full_run(run: Path) -> str:
    """The full run of the WGAN paper config (``paper_runs`` keeps it in ``runs/``): its wall
    time, CPU seconds per rule, and per GAN job the CPU seconds and the share of the
    network-epochs the early stop and the shrinking stack left to run; beside them the CPU
    seconds of the same jobs in the run stopped before those changes
    (``wgan_full_run_before.tsv``)."""
    import joblib
    import numpy as np

    # the run's log, and the log of a resumed second part if the run was stopped and resumed
    # (``run_resume.snakemake.log``): wall time is the sum of the parts, jobs done too
    wall, n_done, n_total, parts = 0.0, 0, None, []
    threads = {}   # per rule, from its jobs' entries in the logs (1 where none is printed)
    for name in ("run_all.snakemake.log", "run_resume.snakemake.log"):
        if not (run / name).is_file():
            continue
        log = (run / name).read_text()
        for r, th in re.findall(r"rule (\w+):\n(?:    .*\n)*?    threads: (\d+)", log):
            threads[r] = max(threads.get(r, 1), int(th))
        done = re.findall(r"(\d+) of (\d+) steps", log)
        stamps = re.findall(r"^\[(\w{3} \w{3} +\d+ [\d:]+ \d{4})\]", log, re.M)
        if len(stamps) >= 2:
            t = [time.mktime(time.strptime(x, "%a %b %d %H:%M:%S %Y")) for x in (stamps[0], stamps[-1])]
            wall += t[1] - t[0]
            parts.append(f"{(t[1] - t[0]) / 60:.1f} min")
        if done:
            n_done += int(done[-1][0])
            n_total = n_total or int(done[-1][1])
    wall = wall or None
    done = [(n_done, n_total)] if n_total else []
    per_rule = {}
    for b in (run / "logs").rglob("*.benchmark.tsv"):
        rel = b.relative_to(run / "logs").parts
        rule = rel[1] if len(rel) > 2 else b.name.removesuffix(".benchmark.tsv")
        per_rule.setdefault(rule, [0, 0.0, 0.0, 0.0])
        w, c = _bench(b)
        per_rule[rule][0] += 1
        per_rule[rule][1] += w
        per_rule[rule][2] += c
        per_rule[rule][3] += w * threads.get(rule, 1)
    def cpu_table(name):
        out = {}
        f = HERE / name
        if f.is_file():
            for line in f.read_text().splitlines()[1:]:
                d, m, c = line.split("\t")
                out[d, m] = float(c)
        return out

    before = cpu_table("wgan_full_run_before.tsv")
    previous = cpu_table("wgan_full_run_previous.tsv")
    rows, tot, tot_b, tot_same, tot_pv, tot_same_pv = [], 0.0, 0.0, 0.0, 0.0, 0.0
    for fit in sorted((run / "results").glob("*/augmented/*/*.fit.pkl")):
        g = joblib.load(fit).get("generator")
        if not hasattr(g, "history_") or not g.history_.get("retrain"):
            continue
        design, method = fit.parent.name, fit.name.removesuffix(".fit.pkl")
        bench = run / "logs" / fit.parts[-4] / "augment" / design / f"{method}.benchmark.tsv"
        if not bench.is_file():
            continue
        w, c = _bench(bench)
        ran = full = 0.0
        for h in g.history_["retrain"].values():
            steps = -(-h["n_rows"] // h["batch_size"])
            for st in h["stages"]:
                crit = np.asarray(st["critic"], float).reshape(len(st["critic"]), -1)
                ran += np.isfinite(crit).sum() * steps
                full += crit.size * steps
        b = before.get((design, method))
        pv = previous.get((design, method))
        rows.append([design, method, f"{w:.0f}", f"{c:.0f}", f"{100 * ran / full:.0f} %",
                     f"{pv:.0f}" if pv is not None else "", f"{b:.0f}" if b is not None else ""])
        tot += c
        if pv is not None:
            tot_pv += pv
            tot_same_pv += c
        if b is not None:
            tot_b += b
            tot_same += c
    head = ("The full run of `config/paper/wgan_simulation.yaml` at the paper's budgets "
            f"(`snakemake --cores 2`, kept in `{run.name}`): "
            + (f"{done[-1][0]} of {done[-1][1]} jobs" if done else "state unknown")
            + (f" in {wall:.0f} s ({wall / 60:.1f} min) wall, from the first to the last line "
               "of its log" if wall else "")
            + (f" (two parts: {' + '.join(parts)}; the run was stopped and resumed, see below)"
               if len(parts) > 1 else "") + ".")
    rule_rows = [[r, n, f"{w_:.0f}", f"{k_:.0f}", f"{c_:.0f}"] for r, (n, w_, c_, k_) in
                 sorted(per_rule.items(), key=lambda kv: -kv[1][3])]
    cpu = sum(v[2] for v in per_rule.values())
    held = sum(v[3] for v in per_rule.values())
    text = [head, "", f"Per rule (sums over its jobs' `benchmark:` files): wall seconds, core-seconds "
            f"held (wall x the rule's threads; {held:.0f} in all, {held / 2 / 60:.1f} min on 2 "
            f"cores) and CPU seconds ({cpu:.0f} in all). Snakemake's benchmark samples a job's CPU "
            "time every 0.5 s for its first 15 s, then every 30 s, and keeps the last sample: a "
            "long job's last seconds of CPU (up to 30, on average about 15) go uncounted, so the "
            "CPU column is low by up to 30 s per long job; the core-seconds held bound the work "
            "from above.", "",
            md_table(["rule", "jobs", "wall s (sum)", "core-s held", "CPU s (sum)"], rule_rows)]
    if rows:
        text += ["", "Per GAN re-training job: wall and CPU seconds, the share of its "
                 "network-epochs (learning-rate candidates x epochs, weighted by mini-batches) it "
                 "ran (a network leaves the stack once its critic loss leaves the band; a stage "
                 "ends when none is left), the CPU seconds of the same job in the previous full "
                 "run (`wgan_full_run_previous.tsv`: repository 58e4c9b, 2026-12-01, 65.5 min, "
                 "before `share_fit`: its ExpandGAN jobs re-trained both classes, and it had a "
                 "`gan_a11`, not compared here) and in the full run "
                 "stopped before the early stop and the shrinking stack (all networks to the "
                 f"end; 34 jobs measured). These jobs: {tot:.0f} CPU s; against the previous run "
                 f"{tot_same_pv:.0f} against {tot_pv:.0f} CPU s "
                 f"({tot_pv / max(tot_same_pv, 1):.2f}x less); against the stopped run "
                 f"{tot_same:.0f} against {tot_b:.0f} ({tot_b / max(tot_same, 1):.1f}x less). "
                 "Per job the figures scatter: when a network leaves the band is a matter of its "
                 "random stream, and the streams changed between the runs.", "",
                 md_table(["cell", "method", "wall s", "CPU s", "network-epochs run",
                           "CPU s, previous run", "CPU s, stopped run"], rows)]
    by_method = {}
    for r in rows:
        by_method.setdefault(r[1], [0, 0.0])
        by_method[r[1]][0] += 1
        by_method[r[1]][1] += float(r[3])
    if by_method:
        text += ["", "GAN re-training CPU s by method: " + "; ".join(
            f"{m} {c:.0f} ({n} jobs)" for m, (n, c) in sorted(by_method.items(), key=lambda kv: -kv[1][1])) + "."]
    gap = HERE / "wgan_full_run_gap.md"   # what profiling the run found (hand-written)
    if gap.is_file():
        text += ["", gap.read_text().strip()]
    return "\n".join(text)


def section_wide(args):
    import bench_wide

    rows = bench_wide.measure(args.wide_methods, args.wide_features, args.wide_seeds,
                              threads=args.threads, echo=log, cache=args.wide_cache)
    return "\n".join([
        f"Every method instance of `config/config.yaml` on a simulated microarray table of "
        f"{bench_wide.N_PER_CLASS[0] + bench_wide.N_PER_CLASS[1]} samples x "
        f"{args.wide_features:,} probes (no variance filter, no negative controls), design "
        f"`sample_size` 6 per group, {args.wide_seeds} seeds, as the workflow runs it "
        "(`bench_wide.py`): the start-up width check, then in a fresh process the WGAN "
        "pre-training where the method does it, the augment job's loop over the seeds (seeds "
        "stacked where the generator fits several at once) with its class-fidelity check, and "
        "the fidelity and memorisation report. Methods that balance run at 1:1 (the table is "
        "balanced). Peak RSS is the whole process's (interpreter, libraries and the table "
        f"included). Torch threads: {args.threads}.", "",
        bench_wide.markdown(rows, args.wide_features, args.wide_seeds)]
        + ([f"", f"Not run in this measurement: {', '.join(skipped)} (`--wide-methods`)."]
           if (skipped := [m for m in bench_wide.default_config()["methods"]
                           if m not in {r["method"] for r in rows}]) else []))


def section_aa(args):
    import bench_aa

    rows = bench_aa.measure(args.aa_replicates, log=log)
    table = md_table(bench_aa.COLUMNS, [[r[c] for c in bench_aa.COLUMNS] for r in rows])
    worst = max(r["spurious_rate"] for r in rows)
    return (f"Two methods with identical statistics, each judged against its own independent "
            f"permutation null (3 groups of 6, a tenth of the features shifted by log-normal "
            f"sizes, block-correlated rows; `omicsaug.evaluation.aa`). The verdict is the "
            f"workflow's (`omicsaug.evaluation.verdict.decide`: paired bootstrap with both "
            f"nulls' Monte-Carlo error from a Gumbel tail, level 0.05, one comparison so Holm "
            f"changes nothing); `spurious_rate` = share of `gains` + `loses`, which must stay "
            f"<= 0.07 (nominal 0.05 plus 2 SE at 400 replicates). Worst row: {worst:.3f}. "
            f"`undecidable` counts the replicates whose interval left a gain of 0.1 or more "
            f"open.\n\n{table}")


RUNNERS = {"generators": section_generators, "esom": section_esom, "wgan": section_wgan,
           "hgb": section_hgb,
           "dag": section_dag, "default_run": section_default_run,
           "paper_runs": section_paper_runs, "resources": section_resources,
           "calibration": section_calibration, "realism": section_realism,
           "plasmode": section_plasmode, "tuning": section_tuning,
           "wgan_paper": section_wgan_paper, "wide": section_wide, "aa": section_aa}


# ----------------------------------------------------------------------------- output
def _section_re(name):
    n = re.escape(name)
    return re.compile(rf"<!-- section:{n} -->\n.*?<!-- /section:{n} -->", re.S)


def write_results(path, new):
    """Write the header and the sections in ``new``; keep the other sections of ``path``."""
    old = Path(path).read_text() if Path(path).exists() else ""
    parts = [f"<!-- section:header -->\n{machine_header()}\n<!-- /section:header -->"]
    for name in SECTIONS:
        if name in new:
            body = new[name]
        else:
            m = _section_re(name).search(old)
            if m:
                parts.append(m.group(0))
                continue
            body = (f"## {TITLES[name]}\n\n_Not measured yet: "
                    f"`python benchmarks/run_all.py --only {name}`._")
        parts.append(f"<!-- section:{name} -->\n{body}\n<!-- /section:{name} -->")
    Path(path).write_text("\n\n".join(parts) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--only", action="append", choices=SECTIONS, metavar="SECTION",
                    help=f"run only this section (repeatable): {', '.join(SECTIONS)}")
    ap.add_argument("--output", default=str(HERE / "RESULTS.md"))
    ap.add_argument("--eae-dir", default=str(DEFAULT_EAE),
                    help="folder with the EAE lipidomics CSVs (generators, dag)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (generators, wgan)")
    g = ap.add_argument_group("generators")
    g.add_argument("--methods", nargs="+", default=None,
                   help="registered method names; none given: the whole registry")
    g.add_argument("--tables", nargs="+", default=["eae", "microarray"],
                   choices=["eae", "eae_nc", "microarray"])
    g.add_argument("--repeats", type=int, default=3, help="timed repeats per cell")
    g.add_argument("--heavy-repeats", type=int, default=1,
                   help="timed repeats of ctgan/wgan/wgan_classic on the microarray table")
    g.add_argument("--trace", action="store_true",
                   help="also the tracemalloc peak (one extra fit + sample per cell)")
    g = ap.add_argument_group("esom")
    g.add_argument("--esom-repeats", type=int, default=3)
    g.add_argument("--esom-skip-direct-large", action="store_true",
                   help="skip the slower data-space algorithm on the 128 x 1,000 case")
    g = ap.add_argument_group("wgan")
    g.add_argument("--wgan-epochs", type=int, default=40, help="epochs timed per configuration")
    g.add_argument("--wgan-features", type=int, default=150)
    g.add_argument("--hgb-jobs", type=int, default=2, help="processes per grid search (hgb)")
    g = ap.add_argument_group("dag / default_run")
    g.add_argument("--snakemake", default=None,
                   help="snakemake executable (default: the one next to this python)")
    g.add_argument("--dag-configs", nargs="+", default=None,
                   help="config files (default: config/paper/*.yaml and config/config.yaml)")
    g.add_argument("--dag-repeats", type=int, default=3)
    g.add_argument("--default-cores", type=int, default=2)
    g.add_argument("--profile", default=None,
                   help="snakemake --profile of the workflow runs (e.g. profiles/workstation)")
    g.add_argument("--default-source", choices=["head", "worktree"], default="head",
                   help="copy for the default run: the committed HEAD or the working tree "
                        "(tracked and untracked files, not the ignored ones)")
    g.add_argument("--runs-dir", default=str(HERE / "runs"),
                   help="where the workflow runs' copies are kept (for the resources section)")
    g.add_argument("--paper-configs", nargs="+",
                   default=["config/paper/genesom_eae.yaml", "config/paper/wgan_simulation_quick.yaml"],
                   help="configs run end to end by the paper_runs section")
    g = ap.add_argument_group("calibration")
    g.add_argument("--boruta-reps", type=int, default=60,
                   help="no-effect tables for the error control's stop rates (0: skip)")
    g = ap.add_argument_group("wgan_paper")
    g.add_argument("--wgan-paper-json", default=str(HERE / "device"),
                   help="folder of bench_wgan_paper.py JSON files")
    g = ap.add_argument_group("realism")
    g.add_argument("--realism-seeds", type=int, default=40, help="simulator seeds (realism)")
    g.add_argument("--tuning-seeds", type=int, default=6, help="subset draws (tuning)")
    g = ap.add_argument_group("wide")
    g.add_argument("--wide-features", type=int, default=12625)
    g.add_argument("--wide-seeds", type=int, default=10)
    g.add_argument("--wide-methods", nargs="+", default=None,
                   help="method instances of config/config.yaml (default: all)")
    g.add_argument("--wide-cache", default=str(HERE / "runs" / "wide.jsonl"),
                   help="finished methods are kept here and reused by a rerun with the same "
                        "settings (delete it to measure again)")
    g = ap.add_argument_group("aa")
    g.add_argument("--aa-replicates", type=int, default=400, help="A/A replicates per setting")
    args = ap.parse_args(argv)
    if min(args.repeats, args.heavy_repeats, args.esom_repeats, args.dag_repeats) < 1:
        ap.error("repeats must be at least 1")
    args.output = str(Path(args.output).resolve())
    args.eae_dir = str(Path(args.eae_dir).resolve())
    os.chdir(REPO)
    only = [s for s in SECTIONS if s in (args.only or SECTIONS)]
    log(f"sections: {', '.join(only)}; output {args.output}")
    done = {}
    for name in only:
        t0 = time.perf_counter()
        body = RUNNERS[name](args)
        text = f"## {TITLES[name]}\n\n{section_meta(time.perf_counter() - t0)}\n\n{body}"
        done[name] = text
        print(f"\n{text}\n", flush=True)
        write_results(args.output, done)   # after every section: a later failure keeps it
    log(f"wrote {args.output}")


if __name__ == "__main__":
    main()
