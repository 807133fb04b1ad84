# The only workflow-level Python: config validation, dataset resolution, input functions.
import sys
from pathlib import Path

sys.path.insert(0, workflow.basedir)

from snakemake.utils import validate

from omicsaug import config as oc
from omicsaug.design import expand_designs

_configfiles = [str(f) for f in workflow.configfiles] or ["config/config.yaml"]
oc.validate_config(config, configfile=", ".join(_configfiles))  # one clear message
validate(config, "../config/config.schema.yaml")
config.update(oc.with_defaults(config))

DATASETS = list(config["datasets"])


wildcard_constraints:
    dataset="|".join(DATASETS),
    design=r"[A-Za-z0-9_.\-]+",


def dataset_spec(name):
    return oc.dataset(config, name)


def dataset_designs(name):
    return expand_designs(dataset_spec(name)["designs"])


def get_design(wildcards):
    for d in dataset_designs(wildcards.dataset):
        if d.name == wildcards.design:
            return d
    raise ValueError(f"design {wildcards.design!r} not in dataset {wildcards.dataset!r}")


def get_spec(wildcards):
    return dataset_spec(wildcards.dataset)


def get_eae_url(wildcards):
    return oc.EAE_URL.format(file=wildcards.file)


def get_eae_sha256(wildcards):
    return oc.EAE_FILES[wildcards.file]


def eae_path(file):
    local = oc.eae_dir(config)
    return str(Path(local) / file) if local else f"resources/eae_lipidomics/{file}"


def get_raw_inputs(wildcards):
    """The input file(s) of a dataset: the user's table (+ metadata), the EAE CSVs, or a simulation."""
    spec = dataset_spec(wildcards.dataset)
    src = spec["source"]
    if src in oc.SIMULATED:
        return {"table": f"results/{wildcards.dataset}/input/simulated.tsv"}
    if src == "eae_lipidomics":
        return {"table": eae_path(spec["table"]), "metadata": eae_path(spec["metadata"])}
    files = {"table": spec["table"]}
    if spec.get("metadata"):
        files["metadata"] = spec["metadata"]
    return files


def get_final_output():
    out = []
    for d in DATASETS:
        out += expand("results/{dataset}/preprocess/{f}", dataset=d,
                      f=["imputed.tsv", "imputation_quality.png"])
        out += expand("results/{dataset}/reference/{f}", dataset=d,
                      f=["univariate.tsv", "classifiers.tsv", "failure_point.png"])
        out += expand("results/{dataset}/subsets/{design}.tsv", dataset=d,
                      design=[x.name for x in dataset_designs(d)])
    return out
