"""Shared fixtures and helpers for the omicsaug test suite."""

from __future__ import annotations

import os

# The suite runs in parallel processes (pytest-xdist, `make test`): one native thread per process
# keeps BLAS / OpenMP / torch from oversubscribing the cores and spin-waiting. Set before numpy
# is imported; workflow jobs started by the tests set their own rule's threads.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import hashlib  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
# The real EAE data live beside the repository (never copied into it).
EAE_DIR = Path(__file__).resolve().parents[1].parent / "shared/data/eae_lipidomics"
EAE_FILES = (
    "mouse_lipidomics_data_raw.csv",
    "mouse_lipidomics_metadata.csv",
    "mouse_lipidomics_data_transformed_imputed.csv",
    "mouse_lipids_transformed_imputed_6pergroup.csv",
)
# The snakemake of the interpreter running the tests, so any venv works.
SNAKEMAKE = Path(sys.executable).parent / "snakemake"

# the five Šidák-significant lipids of the full EAE data (data README)
EAE_SIDAK_HITS = {"PL_LPA16:0", "PL_LPA20:4", "PFC_SPH d18:1", "PFC_Cer d18:1/18:0",
                  "PFC_SPH d18:0"}
# the paper's first-6-per-group mice, in row order
EAE_FIRST6_IDS = ["1", "2", "3", "4", "5", "6", "11", "12", "13", "14", "17", "18",
                  "21", "22", "24", "25", "26", "28"]


def sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def eae_dir() -> Path:
    missing = [f for f in EAE_FILES if not (EAE_DIR / f).is_file()]
    if missing:
        pytest.skip(f"EAE lipidomics data not found at {EAE_DIR} (missing {missing}); "
                    "these tests need the shared copy of the genESOM EAE CSVs")
    return EAE_DIR


@pytest.fixture
def small_table() -> pd.DataFrame:
    """A valid raw table: ID, group and three numeric features, 3 groups of 3."""
    return pd.DataFrame({
        "ID": [101, 102, 103, 104, 105, 106, 107, 108, 109],
        "group": ["ctrl"] * 3 + ["eae"] * 3 + ["drug"] * 3,
        "lipid_a": [1.5, 2.25, 3.0, 4.5, np.nan, 6.0, 7.125, 8.0, 9.5],
        "lipid_b": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0],
        "lipid_c": [0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.007, 0.008, 0.009],
    })


def snakemake_env(**extra) -> dict:
    """Environment for a snakemake subprocess: no inherited EAE folder unless given."""
    env = {k: v for k, v in os.environ.items() if k != "OMICSAUG_EAE_DIR"}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_snakemake(workdir, *args, configfile=None, env=None, timeout=300):
    """Run the repo's Snakefile in ``workdir``; returns the CompletedProcess."""
    cmd = [str(SNAKEMAKE), "--snakefile", str(REPO / "workflow" / "Snakefile"), "--directory", str(workdir)]
    cmd += [str(a) for a in args]
    if configfile is not None:   # last: --configfile (like --config, -q) takes several values
        cmd += ["--configfile", str(configfile)]
    return subprocess.run(cmd, cwd=workdir, env=env or snakemake_env(), capture_output=True,
                          text=True, timeout=timeout)


def explain(proc, workdir=None) -> str:
    """stdout/stderr (and rule logs) of a failed run, for the assertion message."""
    parts = [f"$ {' '.join(proc.args)}", "--- stdout", proc.stdout[-6000:], "--- stderr",
             proc.stderr[-6000:]]
    if workdir is not None:
        for log in sorted(Path(workdir).glob("logs/**/*.log")):
            parts += [f"--- {log}", log.read_text()[-3000:]]
    return "\n".join(parts)


def write_yaml(path, data) -> Path:
    Path(path).write_text(yaml.safe_dump(data, sort_keys=False))
    return Path(path)


def result_tables(results: Path) -> dict:
    """Every TSV under ``results`` as bytes, for byte-for-byte comparisons of two runs. The
    measured (not computed) columns, ``seconds`` of calibration.tsv and summary.tsv, are left
    out; nothing else may differ."""
    out = {}
    for p in sorted(Path(results).rglob("*.tsv")):
        data = p.read_bytes()
        if p.name in ("calibration.tsv", "summary.tsv"):
            data = pd.read_csv(p, sep="\t").drop(columns="seconds").to_csv(sep="\t").encode()
        out[p.relative_to(results).as_posix()] = data
    return out


def tiny_settings(**overrides) -> dict:
    """Dataset settings that make preprocessing and the reference stage near-instant, for real
    snakemake runs in tests (what they check lies downstream)."""
    # the fidelity reports run in tests/test_reports.py (arr); elsewhere CI time
    evaluation = {"classifiers": ["knn"], "fidelity": {"enabled": False},
                  **overrides.pop("evaluation", {})}
    return {"impute": {"n_estimators": 5, "max_iter": 1, "quality_repeats": 1},
            "reference": {"cv_repeats": 1, "classifiers": ["knn"]},
            "failure_point": {"n_per_group": [4], "seeds": 2},
            "evaluation": evaluation, **overrides}


def chromium():
    """The headless Chromium of the machine (Debian's `chromium`), or None."""
    import shutil

    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


# Run in the page once it has drawn: where the first answer heading is on the first screen,
# and the smallest position of any element in its scroll container's content (negative: it
# lies above or left of the scroll origin, where no scrolling reaches it; fixed-position
# elements, such as the menu drawer slid off-screen, are not content). Written into the
# title, which --dump-dom prints.
_PROBE = """<script>
window.addEventListener("load", () => setTimeout(() => {
  const heads = [...document.querySelectorAll("h1, h2, h3")]
    .filter(h => h.textContent.trim().startsWith("The answer for"));
  let minTop = Infinity, minLeft = Infinity, worst = "", worstLeft = "";
  const fixed = el => { for (; el; el = el.parentElement)
    if (getComputedStyle(el).position === "fixed") return true; return false; };
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if ((!r.width && !r.height) || fixed(el)) continue;     // drawers slid off-screen: not content
    let c = el.parentElement;
    while (c && !["auto", "scroll"].includes(getComputedStyle(c).overflowY)) c = c.parentElement;
    const box = c ? c.getBoundingClientRect() : {top: 0, left: 0};
    const top = r.top - box.top + (c ? c.scrollTop : window.scrollY);
    const left = r.left - box.left + (c ? c.scrollLeft : window.scrollX);
    if (top < minTop) { minTop = top; worst = el.tagName + " " + el.textContent.slice(0, 40); }
    if (left < minLeft) { minLeft = left; worstLeft = el.tagName + "." + el.className + " " + el.textContent.slice(0, 40); }
  }
  const first = heads.length ? heads[0].getBoundingClientRect() : null;
  document.title = "PROBE" + JSON.stringify({answers: heads.length, firstTop: first && first.top,
    firstBottom: first && first.bottom, height: window.innerHeight, minTop, minLeft, worst, worstLeft});
}, 3000));
</script>"""


def first_page_probe(html_path, width, height, screenshot=None) -> dict:
    """Open a report in headless Chromium at width x height and measure its first page
    (``_PROBE``); with ``screenshot``, also keep a PNG of the first screen."""
    import json
    import re
    import subprocess
    import tempfile

    exe = chromium()
    page = Path(tempfile.mkdtemp()) / "probe.html"
    head, _, tail = Path(html_path).read_text(errors="replace").rpartition("</body>")
    page.write_text(head + _PROBE + "</body>" + tail)     # the last </body>: scripts hold others
    flags = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--window-size={width},{height}", "--virtual-time-budget=15000"]
    out = subprocess.run(flags + ["--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=180)
    m = re.search(r"<title>PROBE(.*?)</title>", out.stdout, re.S)
    assert m, out.stderr[-2000:]
    if screenshot is not None:
        subprocess.run(flags + [f"--screenshot={screenshot}", Path(html_path).resolve().as_uri()],
                       capture_output=True, text=True, timeout=180)
    import html

    return json.loads(html.unescape(m.group(1)))
