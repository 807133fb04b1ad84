"""The workflow on a real SLURM cluster through Snakemake 9's executor plugin.

A throw-away single-node cluster (munged + slurmctld + slurmd, all bound to 127.0.0.1, state
and sockets in a temporary folder) is started for this module; a small config is run once
locally and once through ``profiles/slurm``, and every result table must be byte-identical.

Needs root, the Debian packages ``slurm-wlm`` and ``munge`` (``.ci/run`` installs them when it
can) and ``snakemake-executor-plugin-slurm`` (requirements.txt); otherwise the module skips and
says which of them is missing.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import (REPO, explain, result_tables, run_snakemake, snakemake_env, tiny_settings,
                      write_yaml)

pytestmark = pytest.mark.slow

DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sinfo", "squeue", "sbatch", "srun", "scancel", "scontrol")
# plugin settings for a cluster without accounting (no sacct, no account to guess) and a
# first status check after 2 s instead of 40 s, then every second instead of every 10 s; everything else comes from the profile
# the profile names no partition (the site's default is used); the throw-away cluster's is
# "main", given the way the README tells users to give theirs
SLURM_ARGS = ("--profile", REPO / "profiles" / "slurm", "--slurm-no-account",
              "--default-resources", "slurm_partition=main", "mem_mb=2000", "runtime=30",
              "--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "2",
              "--seconds-between-status-checks", "1")

SMALL = {
    "seed": 42,
    "alpha": 0.05,
    "augmentation": {"negative_controls": True},
    # the calibration rules run on SLURM in the paper configs' DAG tests; here the profile
    # itself is checked, with few jobs (each SLURM job costs seconds of scheduling)
    "calibration": {"enabled": False},
    "methods": {"none": {}, "gmm": {}},
    "datasets": {
        "sim": {
            "source": "simulate_lipidomics",
            **tiny_settings(evaluation={"classifiers": []}),
            "designs": [{"type": "sample_size", "n_per_group": 5, "seeds": 2}],
            "augment": {"methods": ["none", "gmm"]},
        }
    },
}


def _which(name: str) -> str | None:
    return shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _node_line(slurmd: str, node: str) -> str:
    """``slurmd -C``'s hardware line for this host, pinned to 127.0.0.1."""
    out = subprocess.run([slurmd, "-C"], capture_output=True, text=True, timeout=30).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("NodeName="))
    fields = dict(f.split("=", 1) for f in line.split())
    keep = ("CPUs", "Boards", "SocketsPerBoard", "CoresPerSocket", "ThreadsPerCore", "RealMemory")
    return " ".join([f"NodeName={node}", "NodeAddr=127.0.0.1", "NodeHostname=" + node]
                    + [f"{k}={fields[k]}" for k in keep if k in fields] + ["State=UNKNOWN"])


def _stop(procs):
    for proc in reversed(procs):
        if proc.poll() is None:
            proc.terminate()
    for proc in reversed(procs):
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _logs(root: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                     for p in sorted(root.glob("*.log")))


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory):
    """A single-node SLURM cluster on 127.0.0.1; yields the environment for its clients."""
    if os.geteuid() != 0:
        pytest.skip("the throw-away SLURM cluster needs root (slurmd runs jobs as root here)")
    missing = [name for name in DAEMONS + CLIENTS + ("mungekey",) if _which(name) is None]
    if missing:
        pytest.skip(f"SLURM/munge binaries not found: {missing} (Debian: apt-get install "
                    "slurm-wlm munge)")
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        pytest.skip("snakemake-executor-plugin-slurm is not importable (pip install -r "
                    "requirements.txt)")

    root = tmp_path_factory.mktemp("slurm")
    for sub in ("munge", "state", "spool"):
        (root / sub).mkdir(mode=0o700)
    node = socket.gethostname().split(".")[0]
    key, msock = root / "munge" / "munge.key", root / "munge" / "munge.socket"
    subprocess.run([_which("mungekey"), "--create", f"--keyfile={key}"], check=True,
                   capture_output=True, timeout=30)
    conf = root / "slurm.conf"
    conf.write_text("\n".join([
        "ClusterName=omicsaugtest",
        f"SlurmctldHost={node}(127.0.0.1)",
        f"SlurmctldPort={_free_port()}",
        f"SlurmdPort={_free_port()}",
        "AuthType=auth/munge",
        "CredType=cred/munge",
        f"AuthInfo=socket={msock}",
        "SlurmUser=root",
        "SlurmdUser=root",
        f"StateSaveLocation={root / 'state'}",
        f"SlurmdSpoolDir={root / 'spool'}",
        f"SlurmctldPidFile={root / 'slurmctld.pid'}",
        f"SlurmdPidFile={root / 'slurmd.pid'}",
        f"SlurmctldLogFile={root / 'slurmctld.log'}",
        f"SlurmdLogFile={root / 'slurmd.log'}",
        f"PlugStackConfig={root / 'plugstack.conf'}",
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_Core_Memory",
        "AccountingStorageType=accounting_storage/none",
        "JobAcctGatherType=jobacct_gather/none",
        "JobCompType=jobcomp/none",
        "MpiDefault=none",
        "ReturnToService=2",
        "MinJobAge=600",
        "SchedulerType=sched/backfill",
        _node_line(_which("slurmd"), node),
        f"PartitionName=main Nodes={node} Default=YES MaxTime=INFINITE State=UP",
        "",
    ]))
    (root / "plugstack.conf").write_text("")
    # The jobstep plugin drops SLURM_CONF (with every SLURM_* variable) before its nested
    # `srun`, which then only finds /etc/slurm/slurm.conf; rather than touch /etc, an `srun`
    # first on PATH (exported into the jobs) restores it.
    bindir = root / "bin"
    bindir.mkdir()
    (bindir / "srun").write_text(f'#!/bin/sh\nSLURM_CONF="{conf}" exec {_which("srun")} "$@"\n')
    (bindir / "srun").chmod(0o755)
    env = dict(os.environ, SLURM_CONF=str(conf), PATH=f"{bindir}:{os.environ.get('PATH', '')}")

    procs = []
    try:
        daemons = [
            [_which("munged"), "-F", "--force", f"--socket={msock}", f"--key-file={key}",
             f"--pid-file={root / 'munged.pid'}", f"--log-file={root / 'munged.log'}",
             f"--seed-file={root / 'munge' / 'munged.seed'}", "--origin=127.0.0.1"],
            [_which("slurmctld"), "-D", "-i", "-f", str(conf)],
            [_which("slurmd"), "-D", "-f", str(conf), "-N", node],
        ]
        for cmd in daemons:
            name = Path(cmd[0]).name
            out = open(root / f"{name}.stdout.log", "w")
            procs.append(subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env,
                                          start_new_session=True))
            time.sleep(1.0)
            if procs[-1].poll() is not None:
                pytest.skip(f"{name} exited at start (rc {procs[-1].returncode}) in this "
                            f"sandbox:\n{_logs(root)}")
        deadline, state = time.monotonic() + 60, ""
        while time.monotonic() < deadline:
            state = subprocess.run([_which("sinfo"), "-h", "-N", "-o", "%t"], env=env,
                                   capture_output=True, text=True, timeout=30).stdout.strip()
            if state == "idle":
                break
            time.sleep(1.0)
        else:
            pytest.skip(f"the SLURM node never became idle (last state {state!r}):\n"
                        f"{_logs(root)}")
        yield env
    finally:
        if procs:
            subprocess.run([_which("scancel"), "--full", "--partition=main"], env=env,
                           capture_output=True, timeout=30)
        _stop(procs)


def _tables(workdir: Path) -> dict:
    return result_tables(workdir / "results")


def test_slurm_profile_matches_local_run(slurm_cluster, tmp_path):
    # the jobs run `snakemake` from the test interpreter's environment, on this host
    env = snakemake_env(**slurm_cluster)
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    local, cluster = tmp_path / "local", tmp_path / "slurm"
    local.mkdir(), cluster.mkdir()
    cfg = write_yaml(tmp_path / "small.yaml", SMALL)

    # both runs at once: the SLURM run mostly waits on the scheduler
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(2) as pool:
        loc = pool.submit(run_snakemake, local, "--cores", "2", "-q", configfile=cfg, env=env,
                          timeout=600)
        clu = pool.submit(run_snakemake, cluster, *SLURM_ARGS, configfile=cfg, env=env, timeout=600)
        proc_local, proc = loc.result(), clu.result()
    assert proc_local.returncode == 0, explain(proc_local, local)
    assert proc.returncode == 0, explain(proc, cluster)
    # the jobs really went through sbatch (localrules aside)
    submitted = re.findall(r"has been submitted with SLURM jobid (\d+)", proc.stdout + proc.stderr)
    assert len(submitted) >= 10, explain(proc, cluster)
    # finished jobs stay in squeue (MinJobAge=600): all completed, each with its rule's threads
    # as CPUs (preprocess uses 2; the old profile default cpus_per_task=1 capped it at 1)
    jobs = subprocess.run([_which("squeue"), "--states=all", "-h", "-o", "%i|%k|%C|%T"], env=env,
                          capture_output=True, text=True, timeout=30).stdout.split()
    jobs = {i: (rule, int(cpus), state) for i, rule, cpus, state in
            (line.split("|") for line in jobs) if i in submitted}
    assert len(jobs) == len(submitted) and {j[2] for j in jobs.values()} == {"COMPLETED"}, jobs
    cpus = {rule.split("_wildcards_")[0]: c for rule, c, _ in jobs.values()}
    assert cpus["rule_preprocess"] == 2 and cpus["rule_simulate_lipidomics"] == 1, cpus

    a, b = _tables(local), _tables(cluster)
    assert len(a) > 10 and "sim/reference/univariate.tsv" in a
    assert sorted(a) == sorted(b)
    differ = [name for name in a if a[name] != b[name]]
    assert not differ, f"tables differ between the local and the SLURM run: {differ}"
