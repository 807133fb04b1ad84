"""The one-page summary of a dataset: summary.tsv and its plain-words reading."""
import json
from pathlib import Path

from omicsaug.summary import reading, summarise
from omicsaug.utils import atomic_path, log_to, read_tsv, write_tsv

log = log_to(snakemake.log[0], threads=snakemake.threads)
inp = snakemake.input
seconds = {}
for p in inp.benchmarks:   # logs/{dataset}/augment/{design}/{method}.benchmark.tsv
    path = Path(p)
    seconds[(path.parent.name, path.name.removesuffix(".benchmark.tsv"))] = float(read_tsv(p)["s"].iloc[0])
levels = {}
for p in inp.controls:     # results/{dataset}/error_control/{design}/{method}.json
    path = Path(p)
    levels[(path.parent.name, path.stem)] = json.loads(path.read_text())
table = summarise(read_tsv(inp.recovery),
                  read_tsv(inp.calibration) if "calibration" in inp.keys() else None,
                  read_tsv(inp.comparisons) if "comparisons" in inp.keys() else None,
                  read_tsv(inp.fidelity), seconds,
                  read_tsv(inp.quality) if "quality" in inp.keys() else None, levels)
text = reading(table, snakemake.wildcards.dataset)
log.info("%s", text)
write_tsv(table, snakemake.output.table)
with atomic_path(snakemake.output.text) as tmp:
    Path(tmp).write_text(text + "\n")
