"""Small shared helpers: atomic output, stable seeding, logging."""

from __future__ import annotations

import contextlib
import gzip
import logging
import os
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; move it into place only on success.

    An interrupted run never leaves a half-written output that looks complete.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp creates 0600; give the output the usual permissions (0666 minus umask)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_tsv(df: pd.DataFrame, path, index=False, float_format=None):
    """Write a TSV atomically (gzip when the name ends in .gz).

    Gzip output has no timestamp or file name in its header, so equal tables give
    byte-identical files.
    """
    with atomic_path(path) as tmp:
        if str(path).endswith(".gz"):
            text = df.to_csv(sep="\t", index=index, float_format=float_format)
            Path(tmp).write_bytes(gzip.compress(text.encode(), mtime=0))
        else:
            df.to_csv(tmp, sep="\t", index=index, float_format=float_format)


def read_tsv(path, **kw) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", **kw)


def write_text(text: str, path):
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text)


def figure_or_save(fig, path):
    """Save ``fig`` to ``path`` (atomically) and return None, or return it when ``path`` is None."""
    if path is None:
        return fig
    save_figure(fig, path)
    return None


def save_figure(fig, path, dpi=150):
    """Save a matplotlib figure atomically and close it."""
    import matplotlib.pyplot as plt

    fmt = Path(path).suffix.lstrip(".") or "png"
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format=fmt)
    plt.close(fig)


def seed_sequence(*keys) -> np.random.SeedSequence:
    """A SeedSequence from ints and strings (strings hashed stably with crc32).

    ``make_rng(config_seed, "design", dataset, seed)`` gives the same stream on every
    machine and Python run (no reliance on ``hash()``, which is salted per process).
    """
    entropy = []
    for k in keys:
        if isinstance(k, (bool, np.bool_)):
            entropy.append(int(k))
        elif isinstance(k, (int, np.integer)):
            if k < 0:
                raise ValueError(f"seed keys must be non-negative, got {k}")
            entropy.append(int(k))
        else:
            entropy.append(zlib.crc32(str(k).encode()))
    return np.random.SeedSequence(entropy)


def make_rng(*keys) -> np.random.Generator:
    return np.random.default_rng(seed_sequence(*keys))


def derive_seed(*keys) -> int:
    """A 31-bit integer seed for libraries that want an int (sklearn, torch)."""
    return int(seed_sequence(*keys).generate_state(1)[0] & 0x7FFFFFFF)


def get_logger(name="omicsaug") -> logging.Logger:
    logger = logging.getLogger(name)
    if not logger.handlers:
        h = logging.StreamHandler(sys.stderr)
        h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s",
                                         "%H:%M:%S"))
        logger.addHandler(h)
        logger.setLevel(logging.INFO)
    return logger


def limit_threads(n: int):
    """Cap native threads (BLAS, OpenMP, torch) at ``n``, the rule's declared ``threads``.

    Libraries otherwise start one thread per core each; under Snakemake several jobs share the
    cores, and OpenMP/torch threads spin-wait when oversubscribed (one HistGradientBoosting fit
    went from 0.2 s to 60 s that way).
    """
    from threadpoolctl import threadpool_limits

    n = max(1, int(n))
    os.environ["OMP_NUM_THREADS"] = str(n)  # for worker processes started later
    threadpool_limits(n)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)


def say(msg: str, log=None):
    """A line the user should see: on the terminal (the job's original stderr) and, at
    WARNING level, in the log."""
    print(f"omicsaug: {msg}", file=sys.__stderr__, flush=True)
    (log or get_logger()).warning(msg)


#: the last line of a job's log when the job failed (``log_to``'s exception hook)
FAILED_MARK = "FAILED: "


def failed_jobs(log_dir="logs") -> list:
    """(log file, reason) of every job whose log ends with the failure line of ``log_to``;
    a job that was rerun successfully rewrote its log, so these are the current failures."""
    out = []
    for path in sorted(Path(log_dir).rglob("*.log")):
        try:
            with open(path, "rb") as fh:   # the last line only: logs can be long
                fh.seek(max(0, path.stat().st_size - 4096))
                tail = fh.read().decode(errors="replace").rstrip("\n").splitlines()
        except OSError:
            continue
        if tail and tail[-1].startswith(FAILED_MARK):
            out.append((path.as_posix(), tail[-1][len(FAILED_MARK):]))
    return out


def log_to(path, threads=None) -> logging.Logger:
    """Send this process's stderr, warnings and the omicsaug logger to a rule's log file;
    with ``threads``, also cap native threads at that number (see :func:`limit_threads`)."""
    import warnings

    if threads is not None:
        limit_threads(threads)

    fh = open(path, "w", buffering=1)
    terminal = sys.stderr
    sys.stderr = fh

    def one_line(tp, value, tb):
        # bad input (InputError) or a run that cannot go on for a stated reason: one line on
        # the terminal and in the log, no traceback; anything else: the traceback, in the log
        if getattr(value, "one_line", False):
            line = f"omicsaug: {value}"
            print(line, file=terminal, flush=True)
            print(line, file=fh, flush=True)
        else:
            sys.__excepthook__(tp, value, tb)
        # the log's last line says the job failed and why (the report lists these)
        why = " ".join(str(value).split()) or tp.__name__
        print(f"{FAILED_MARK}{tp.__name__}: {why}", file=fh, flush=True)

    sys.excepthook = one_line
    logging.captureWarnings(True)
    warnings.simplefilter("default")
    logger = logging.getLogger("omicsaug")
    logger.handlers.clear()
    h = logging.StreamHandler(fh)
    h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
    logger.addHandler(h)
    logging.getLogger("py.warnings").addHandler(h)
    logger.setLevel(logging.INFO)
    return logger


def save_fit(fit: dict, path):
    """Pickle a fitted model record (joblib) atomically; read it back with :func:`load_fit`."""
    import joblib

    with atomic_path(path) as tmp:
        joblib.dump(fit, tmp)


def load_fit(path) -> dict:
    import joblib

    return joblib.load(path)
