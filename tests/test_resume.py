"""An interrupted run resumes as the README says and gives byte-identical results; two runs
of one config give byte-identical results."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from conftest import REPO, SNAKEMAKE, explain, result_tables, run_snakemake, snakemake_env, \
    tiny_settings, write_yaml

CFG = {
    "seed": 7,
    "augmentation": {"negative_controls": True},
    "calibration": {"n_null": 19, "power_curve": {"n_per_group": [4], "draws": 4, "n_null": 19}},
    # per-design amounts: the design asks for 2 synthetic rows per original, a method's own
    # amount (1:1) overrides it
    "methods": {"none": {}, "gmm": {},
                "ro_1to1": {"generator": "random_oversampling", "amount": {"mode": "ratio", "ratio": 1}}},
    "datasets": {"sim": {"source": "simulate_lipidomics", **tiny_settings(evaluation={"classifiers": []}),
                         "designs": [{"type": "sample_size", "n_per_group": 5, "seeds": 2,
                                      "amount": {"mode": "ratio", "ratio": 2}}]}},
}


def test_sigkill_then_unlock_and_rerun_matches_an_uninterrupted_run(tmp_path):
    cfg = write_yaml(tmp_path / "c.yaml", CFG)
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    whole.mkdir(), killed.mkdir()
    proc = run_snakemake(whole, "--cores", "2", "-q", configfile=cfg, timeout=600)
    assert proc.returncode == 0, explain(proc, whole)
    import pandas as pd

    aug = whole / "results" / "sim" / "augmented" / "n5"
    for method, ratio in (("gmm", 2), ("ro_1to1", 1)):
        t = pd.read_csv(aug / f"{method}.tsv", sep="\t")
        per_seed = t.groupby("seed")["synthetic"].agg(["sum", "size"])
        assert (per_seed["sum"] == ratio * (per_seed["size"] - per_seed["sum"])).all(), method

    # the same run, killed (SIGKILL to its process group) once the first stages are done
    cmd = [str(SNAKEMAKE), "--snakefile", str(REPO / "workflow" / "Snakefile"), "--directory", str(killed),
           "--cores", "2", "-q", "--configfile", str(cfg)]
    p = subprocess.Popen(cmd, cwd=killed, env=snakemake_env(), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    marker = killed / "results" / "sim" / "subsets" / "n5.tsv"
    deadline = time.monotonic() + 300
    while not marker.exists() and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.2)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    assert marker.exists() and not (killed / "results" / "sim" / "report" / "recovery.tsv").exists()

    # as the README says: unlock, then run again (incomplete outputs are redone)
    unlock = run_snakemake(killed, "--unlock", configfile=cfg, timeout=120)
    assert unlock.returncode == 0, explain(unlock)
    again = run_snakemake(killed, "--cores", "2", "-q", "--rerun-incomplete", configfile=cfg, timeout=600)
    assert again.returncode == 0, explain(again, killed)
    a, b = result_tables(whole / "results"), result_tables(killed / "results")
    assert a.keys() == b.keys() and len(a) > 10
    assert [k for k in a if a[k] != b[k]] == []
