"""Per-rule threads, peak memory and run time measured from a workflow's ``benchmark:`` files.

Every rule writes ``logs/.../*.benchmark.tsv`` (Snakemake's: wall seconds ``s``, peak
resident memory ``max_rss`` in MB, ``cpu_time``). This script matches those files to their
rules through the ``benchmark:`` patterns in ``workflow/rules/*.smk``, and prints one markdown row per
rule (the augment rule: per method, with seconds per seed from the job's log) next to the
``threads`` / ``mem_mb`` / ``runtime`` the rule declares, so declared and measured values
can be compared.

Usage: python benchmarks/resource_table.py RUN_DIR [RUN_DIR ...] [--label NAME ...]
(RUN_DIR: a directory in which the workflow ran, holding ``logs/``.)
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def rule_patterns(rules_dir=REPO / "workflow" / "rules"):
    """{rule: (regex of its benchmark path, declared threads, mem_mb, runtime)} from rules/*.smk."""
    out = {}
    for f in sorted(rules_dir.glob("*.smk")):
        text = f.read_text()
        for m in re.finditer(r"^rule (\w+):\n(.*?)(?=^rule |\Z)", text, re.S | re.M):
            name, body = m.group(1), m.group(2)
            b = re.search(r'benchmark:\s*\n\s*"([^"]+)"', body)
            if not b:
                continue
            rx = re.escape(b.group(1))
            rx = re.sub(r"\\\{(\w+)\\\}", lambda w: f"(?P<{w.group(1)}>[^/]+?)", rx)
            decl = {}
            for key in ("threads", "mem_mb", "runtime"):
                v = re.search(rf"^\s*{key}\s*[:=]\s*([^,\n]+)", body, re.M)
                decl[key] = v.group(1).strip() if v else ""
            out.setdefault(name, []).append((re.compile(rx + "$"), decl))
    return out


def _seeds_from_log(path: Path):
    """Seeds a job looped over, from its last progress line '(i/N)'."""
    if not path.exists():
        return None
    hits = re.findall(r"\((\d+)/(\d+)\)", path.read_text(errors="replace"))
    return int(hits[-1][1]) if hits else None


def collect(run_dirs, labels=None):
    pats = rule_patterns()
    rows = []
    for i, run in enumerate(map(Path, run_dirs)):
        label = labels[i] if labels and i < len(labels) else run.name
        for f in sorted((run / "logs").rglob("*.benchmark.tsv")):
            rel = f.relative_to(run).as_posix()
            for rule, cands in pats.items():
                hit = next(((m, d) for rx, d in cands if (m := rx.match(rel))), None)
                if hit is None:
                    continue
                m, decl = hit
                bench = pd.read_csv(f, sep="\t")
                key = rule
                seeds = None
                if rule == "augment":
                    key = f"augment ({m.group('method')})"
                    seeds = _seeds_from_log(Path(str(f).replace(".benchmark.tsv", ".log")))
                rows.append({"run": label, "rule": key, "s": float(bench["s"].max()),
                             "max_rss_mb": float(pd.to_numeric(bench["max_rss"], errors="coerce").max()),
                             "cpu_s": float(pd.to_numeric(bench.get("cpu_time", bench["s"]), errors="coerce").max()),
                             "seeds": seeds, **{f"declared_{k}": v for k, v in decl.items()}})
                break
    return pd.DataFrame(rows)


def table(df: pd.DataFrame) -> str:
    g = df.groupby("rule", sort=True)
    out = pd.DataFrame({
        "jobs": g.size(),
        "runs": g["run"].agg(lambda r: ", ".join(sorted(set(r)))),
        "max wall s": g["s"].max().round(1),
        "median wall s": g["s"].median().round(1),
        "max s / seed": (df.assign(ps=df["s"] / df["seeds"]).groupby("rule")["ps"].max().round(2)),
        "max RSS MB": g["max_rss_mb"].max().round(0),
        "threads": g["declared_threads"].first(),
        "mem_mb": g["declared_mem_mb"].first(),
        "runtime (min)": g["declared_runtime"].first(),
    })
    lines = ["| rule | " + " | ".join(out.columns) + " |",
             "|---|" + "---|" * len(out.columns)]
    for rule, r in out.iterrows():
        cells = ["" if pd.isna(v) else str(v) for v in r.tolist()]
        lines.append(f"| {rule} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", help="directories a workflow ran in (holding logs/)")
    ap.add_argument("--label", nargs="*", help="one name per run directory")
    a = ap.parse_args(argv)
    df = collect(a.runs, a.label)
    if df.empty:
        sys.exit("no benchmark files found under " + ", ".join(a.runs))
    print(table(df))


if __name__ == "__main__":
    main()
