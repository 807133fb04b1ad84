# The only workflow-level Python: config validation, dataset resolution, input functions.
import functools
import os
import re
import sys
from pathlib import Path

# The omicsaug package sits beside workflow/ (the repository root): a clone, a module use of
# it or a snakedeploy copy imports it from there, without installing it; the scripts find it
# through PYTHONPATH, which every job (local, cluster, conda environment) inherits.
_SOURCE = Path(str(workflow.current_basedir)).parent.parent
if (_SOURCE / "omicsaug" / "__init__.py").is_file():
    sys.path.insert(0, str(_SOURCE))
    # set, not required from the user (so no `envvars:`)
    os.environ.update(
        PYTHONPATH=os.pathsep.join(
            [str(_SOURCE)] + [p for p in [os.environ.get("PYTHONPATH")] if p]
        )
    )
try:
    import omicsaug
except ModuleNotFoundError:
    print(
        f"omicsaug: the omicsaug package is neither beside the workflow ({_SOURCE}) nor "
        "installed. Fix: run the workflow from a clone (or a module or snakedeploy copy of "
        "one), or install the package where snakemake runs: pip install <clone> (README, "
        "'As a module').",
        file=sys.stderr,
    )
    sys.exit(1)

from omicsaug import config as oc
from omicsaug.augment import method_spec, pretrain_owner
from omicsaug.design import expand_designs
from omicsaug.errors import InputError
from omicsaug.generators import REGISTRY
from omicsaug.startup import check_inputs, dataset_line, imputed_info

_configfiles = [str(f) for f in workflow.configfiles] or ["config/config.yaml"]
SCHEMA = workflow.source_path("../schemas/config.schema.yaml")


def stop(exc):
    """Bad input stops the run before any job: one line on the terminal, no traceback."""
    print(f"omicsaug: {exc}", file=sys.stderr)
    sys.exit(1)


try:
    # one pass: the schema's checks (one clear message) and its defaults filled in
    config.update(
        oc.validate_config(
            config, configfile=", ".join(_configfiles), schema_path=SCHEMA
        )
    )
    # the tables on disk, the designs against their groups, the AUROC class (omicsaug.startup)
    for line in check_inputs(
        config, ", ".join(_configfiles), cache_dir=".snakemake/omicsaug/startup"
    ):
        print(f"omicsaug: {line}", file=sys.stderr)
except InputError as exc:
    stop(exc)

DATASETS = list(config["datasets"])


wildcard_constraints:
    dataset="|".join(map(re.escape, DATASETS)),
    design=r"[A-Za-z0-9_.\-]+",
    method="|".join(map(re.escape, config.get("methods") or {"none": None})),
    chunk=r"\d+",


def datasets_of(source):
    """Regex matching the datasets of one source (never matches when there are none)."""
    names = [d for d in DATASETS if config["datasets"][d]["source"] == source]
    return "|".join(map(re.escape, names)) or "(?!x)x"


@functools.lru_cache(maxsize=None)
def dataset_spec(name):
    """Resolved settings of one dataset (cached: the config is fixed once loaded; callers
    must not modify the returned dict)."""
    return oc.dataset(config, name)


def dataset_designs(name):
    return expand_designs(dataset_spec(name)["designs"])


def augment_cells(name):
    """(design, method) pairs augmented for a dataset: all designs x all methods unless the
    dataset's ``augment`` block narrows them."""
    sel = dataset_spec(name).get("augment") or {}
    designs = [d.name for d in dataset_designs(name)]
    methods = list(config.get("methods") or {})
    designs = [d for d in sel.get("designs", designs) if d in designs]
    methods = sel.get("methods", methods)
    return [(d, m) for d in designs for m in methods]


def design_amount(dataset, design):
    """A design's own amount (None: the global one applies)."""
    for d in dataset_designs(dataset):
        if d.name == design:
            return d.params.get("amount")
    return None


def get_method(wildcards):
    """The method as one (dataset, design) job runs it: its amount after the design's own."""
    design = getattr(wildcards, "design", None)
    return method_spec(
        config,
        wildcards.method,
        design_amount(wildcards.dataset, design) if design else None,
    )


def generator_class(m):
    """The generator class of a resolved method (what the method can do is asked of it)."""
    return REGISTRY[m["generator"]]


def pretrains_externally(m):
    """A method the pre-training rule pre-trains once per dataset on its external table."""
    return generator_class(m).pretrains_externally(m["params"])


def get_pretrain_inputs(wildcards):
    """The external table (and the analysed features) a method pre-trains on, once per dataset."""
    d = wildcards.dataset
    m = get_method(wildcards)
    if not pretrains_externally(m):
        raise ValueError(
            f"method {m['name']!r} does not pre-train on an external table"
        )
    ds = dataset_spec(d)
    if ds["source"] == "simulate_microarray" or isinstance(ds.get("external"), dict):
        external = f"results/{d}/input/external.tsv"
    elif ds.get("external"):
        external = ds["external"]
    else:
        raise ValueError(
            f"method {m['name']!r} pre-trains on an external table, but dataset {d!r} has none. "
            "Fix: give the dataset an 'external' table (same features, no labels), or set "
            f"'methods.{m['name']}.params.pretrain' to 'pooled' or 'none'."
        )
    return {"external": external, "features": f"results/{d}/preprocess/imputed.tsv"}


@functools.lru_cache(maxsize=None)
def _pretrain_owner(method):
    specs = [
        method_spec(config, m)
        for m in config["methods"]
        if pretrains_externally(method_spec(config, m))
    ]
    return pretrain_owner(specs, method_spec(config, method))


def get_pretrain_owner(wildcards):
    """The method whose pre-trained network this one re-trains from: the first method with
    the same pre-training settings (the paper's alpha pairs share one)."""
    return _pretrain_owner(wildcards.method)


def get_augment_inputs(wildcards):
    """The design's subsets, plus the dataset's pre-trained weights for an externally
    pre-trained method (pre-trained once per dataset and setting, re-trained per seed).
    """
    d = wildcards.dataset
    files = {"subsets": f"results/{d}/subsets/{wildcards.design}.tsv"}
    if pretrains_externally(get_method(wildcards)):
        get_pretrain_inputs(
            wildcards
        )  # fail early, with the fix, when there is no external table
        owner = get_pretrain_owner(wildcards)
        pretrained = generator_class(get_method(wildcards)).pretrained_file
        files["pretrained"] = f"results/{d}/{pretrained.format(method=owner)}"
    if get_method(wildcards).get("share_fit"):
        # the fitted models of the method whose fit this one shares (ExpandGAN: the
        # balancing GAN of its alpha pair): only the classes it did not train train here
        files["shared"] = (
            f"results/{d}/augmented/{wildcards.design}/"
            f"{get_method(wildcards)['share_fit']}.fit.pkl"
        )
    if get_method(wildcards)["amount"].get("mode") == "error_control":
        # augmented at the level the error-inflation control chose for each subset
        files["control"] = (
            f"results/{d}/error_control/{wildcards.design}/{wildcards.method}.json"
        )
    return files


def get_calibrate_inputs(wildcards):
    """The augment job's inputs less the shared fit: null runs train every class themselves
    (with the shared method's seed, so the same fits), they have no fits to take over.
    """
    return {k: v for k, v in get_augment_inputs(wildcards).items() if k != "shared"}


def get_negative_controls(wildcards):
    aug = {
        **config["augmentation"],
        **(dataset_spec(wildcards.dataset).get("augment") or {}),
    }
    return bool(aug["negative_controls"])


def get_recovery_cells(wildcards):
    return augment_cells(wildcards.dataset)


def has_truth(d):
    return dataset_spec(d)["source"] in oc.GENERATED


def get_recovery_inputs(wildcards):
    d = wildcards.dataset
    files = {
        "reference": f"results/{d}/reference/univariate.tsv",
        "full": f"results/{d}/preprocess/imputed.tsv",
        "augmented": [
            f"results/{d}/augmented/{des}/{m}.tsv" for des, m in augment_cells(d)
        ],
    }
    if has_truth(d):
        files["truth"] = f"results/{d}/input/truth.tsv"
    if calibration_enabled(d):
        files["nulls"] = [
            f for files_ in get_null_files(wildcards).values() for f in files_["files"]
        ]
    return files


# ---------------------------------------------------------------- calibration
def calibration_enabled(d):
    """Whether any augmented cell of the dataset is calibrated (a method may opt out)."""
    return any(oc.calibration(config, d, m)["enabled"] for _, m in augment_cells(d))


def get_calibration(wildcards):
    """Calibration settings of the dataset, with the method's overrides when there is one."""
    return oc.calibration(config, wildcards.dataset, getattr(wildcards, "method", None))


def get_null_files(wildcards):
    """Per augmented cell ("design/method"): its null-run chunk files and the pooling used."""
    from omicsaug.evaluation.calibration import resolve_pooling

    d = wildcards.dataset
    n_seeds_of = {x.name: len(x.seeds) for x in dataset_designs(d)}
    out = {}
    for des, m in augment_cells(d):
        c = oc.calibration(config, d, m)
        if not c["enabled"]:
            continue
        out[f"{des}/{m}"] = {
            "files": [
                f"results/{d}/calibration/{des}/{m}/null_{k}.tsv.gz"
                for k in range(1, int(c["chunks"]) + 1)
            ],
            "pooling": resolve_pooling(n_seeds_of[des], c["pooling"]),
        }
    return out


def get_power_curve_inputs(wildcards):
    d = wildcards.dataset
    files = {
        "imputed": f"results/{d}/preprocess/imputed.tsv",
        "reference": f"results/{d}/reference/univariate.tsv",
    }
    if has_truth(d):
        files["truth"] = f"results/{d}/input/truth.tsv"
    return files


def get_calibration_report_inputs(wildcards):
    d = wildcards.dataset
    files = {
        "recovery": f"results/{d}/report/recovery.tsv",
        "pvalues": f"results/{d}/report/recovery_pvalues.tsv.gz",
        "reference": f"results/{d}/reference/univariate.tsv",
        "curve": f"results/{d}/reference/power_curve_draws.tsv",
        "curve_null": f"results/{d}/reference/power_curve_null.tsv.gz",
        "nulls": [f for v in get_null_files(wildcards).values() for f in v["files"]],
    }
    if has_truth(d):
        files["truth"] = f"results/{d}/input/truth.tsv"
    return files


def get_design_sizes(wildcards):
    """n per group of each balanced design (None for imbalance designs: no balanced curve)."""
    return {
        x.name: (x.n_per_group if x.kind in ("sample_size", "first_n") else None)
        for x in dataset_designs(wildcards.dataset)
    }


def get_baseline_method(wildcards):
    """The unaugmented baseline: the first augmented method instance of generator 'none'."""
    for m in dict.fromkeys(m for _, m in augment_cells(wildcards.dataset)):
        if method_spec(config, m)["generator"] == "none":
            return m
    return None


def get_classifier_models(wildcards):
    return dataset_spec(wildcards.dataset)["evaluation"]["classifiers"]


def get_classifier_inputs(wildcards):
    d = wildcards.dataset
    return {
        "full": f"results/{d}/preprocess/imputed.tsv",
        "reference": f"results/{d}/reference/classifiers.tsv",
        "augmented": [
            f"results/{d}/augmented/{des}/{m}.tsv" for des, m in augment_cells(d)
        ],
    }


def get_auroc_settings(wildcards):
    a = dataset_spec(wildcards.dataset)["evaluation"]["auroc"]
    if a["positive"] is None:
        raise ValueError(
            f"dataset {wildcards.dataset}: evaluation.auroc.positive must name the "
            "positive class"
        )
    return a


def auroc_protocol(dataset):
    a = dataset_spec(dataset)["evaluation"]["auroc"]
    return a["protocol"] if a["enabled"] else None


def get_keep_fits(wildcards):
    """The paper protocol samples its iterations from every seed's fit (fit.pkl); a method
    whose fit another shares (share_fit) keeps them for it."""
    return auroc_protocol(wildcards.dataset) == "paper" or any(
        (m or {}).get("share_fit") == wildcards.method
        for m in (config.get("methods") or {}).values()
    )


def get_design_specs(wildcards):
    amount = design_amount(wildcards.dataset, wildcards.design)
    return [method_spec(config, m, amount) for m in get_design_methods(wildcards)]


def get_best_of(wildcards):
    return dataset_spec(wildcards.dataset)["evaluation"]["auroc"]["best_of"]


def get_design_methods(wildcards):
    return [m for des, m in augment_cells(wildcards.dataset) if des == wildcards.design]


def get_auroc_inputs(wildcards):
    d = wildcards.dataset
    files = {
        "full": f"results/{d}/preprocess/imputed.tsv",
        "augmented": [
            f"results/{d}/augmented/{wildcards.design}/{m}.tsv"
            for m in get_design_methods(wildcards)
        ],
    }
    if auroc_protocol(d) == "paper":
        files["fits"] = [
            f"results/{d}/augmented/{wildcards.design}/{m}.fit.pkl"
            for m in get_design_methods(wildcards)
        ]
    ds = dataset_spec(d)
    if ds["source"] == "simulate_microarray" or isinstance(ds.get("validation"), dict):
        files["validation"] = f"results/{d}/input/validation.tsv"
    return files


def get_summary_inputs(wildcards):
    """What the one-page summary reads: recovery, and where they run, the calibration, the
    AUROC comparisons, the class fidelity and the augment jobs' benchmark files."""
    d = wildcards.dataset
    files = {
        "recovery": f"results/{d}/report/recovery_summary.tsv",
        "fidelity": f"results/{d}/report/class_fidelity.tsv",
        "benchmarks": [
            f"logs/{d}/augment/{des}/{m}.benchmark.tsv" for des, m in augment_cells(d)
        ],
    }
    files["controls"] = [
        f"results/{d}/error_control/{des}/{m}.json"
        for des, m in augment_cells(d)
        if method_spec(config, m)["amount"].get("mode") == "error_control"
    ]
    if calibration_enabled(d):
        files["calibration"] = f"results/{d}/report/calibration.tsv"
    if dataset_spec(d)["evaluation"]["auroc"]["enabled"]:
        files["comparisons"] = f"results/{d}/report/auroc_comparisons.tsv"
    if dataset_spec(d)["evaluation"]["fidelity"]["enabled"]:
        files["quality"] = f"results/{d}/report/fidelity_summary.tsv"
    return files


def get_class_fidelity_tables(wildcards):
    d = wildcards.dataset
    return [
        f"results/{d}/augmented/{des}/{m}.class_fidelity.tsv"
        for des, m in augment_cells(d)
    ]


def get_fidelity_tables(wildcards):
    d = wildcards.dataset
    return [f"results/{d}/fidelity/{des}/{m}.tsv" for des, m in augment_cells(d)]


def get_auroc_tables(wildcards):
    designs = sorted({des for des, _ in augment_cells(wildcards.dataset)})
    return [f"results/{wildcards.dataset}/report/{des}/auroc.tsv" for des in designs]


def get_welch(wildcards):
    return dataset_spec(wildcards.dataset)["reference"]["welch"]


def get_error_control(wildcards):
    """The error_control settings: config defaults, overridden by the dataset's own block."""
    return oc.error_control(config, wildcards.dataset)


def generator_diagnostics(name):
    """The per-fit figures each augmented method's generator declares (``diagnostics``), and
    the error control of the methods listed in the dataset's error_control block (if on).
    """
    out = []
    for des, m in augment_cells(name):
        for template in generator_class(method_spec(config, m)).diagnostics:
            out.append(f"results/{name}/{template.format(design=des, method=m)}")
    ctl = oc.error_control(config, name)
    if ctl["enabled"]:
        designs = [d.name for d in dataset_designs(name)]
        for des in ctl["designs"] or designs:
            for m in ctl["methods"]:
                out += expand(
                    "results/{d}/error_control/{des}/{m}.{ext}",
                    d=name,
                    des=des,
                    m=m,
                    ext=["tsv", "json", "png"],
                )
    return out


def get_design(wildcards):
    """The design cell as a plain dict (so Snakemake's params provenance can compare it)."""
    for d in dataset_designs(wildcards.dataset):
        if d.name == wildcards.design:
            return d.as_dict()
    raise ValueError(
        f"design {wildcards.design!r} not in dataset {wildcards.dataset!r}"
    )


# ---------------------------------------------------------------- job resources
# Runtimes (minutes) asked of a cluster, from the benchmark files of the paper configs on a
# 2-core workstation (README "Resources", benchmarks/RESULTS.md) with a 2x margin. Jobs loop
# over seeds, so the runtime grows with them (and with the epochs of the neural nets); each
# retry (--retries) asks for that much again. Tables much larger than the paper's (hundreds
# of rows, 150 features) need more: raise them with --set-resources.
# A fit's minutes come from its generator (Generator.minutes_per_fit).
# one tuned HGB with the paper's grid (25 points x 5 folds): up to about 30 s
AUROC_MIN_PER_FIT = 1.0
# error control: 564 s for 20 splits x 2 levels (Boruta on the EAE subset, hit rates recorded)
ERROR_CONTROL_MIN_PER_SPLIT_LEVEL = 0.5


def n_seeds(wildcards):
    return len(get_design(wildcards)["seeds"])


def minutes_per_fit(wildcards):
    """Estimated minutes of one generator fit + sample for the method (augment, null runs)."""
    m = get_method(wildcards)
    return generator_class(m).minutes_per_fit(m["params"])


def augment_runtime(wildcards, attempt):
    return int(attempt * (10 + minutes_per_fit(wildcards) * n_seeds(wildcards)))


def auroc_runtime(wildcards, attempt):
    a = dataset_spec(wildcards.dataset)["evaluation"]["auroc"]
    points = (
        1  # the dataset spec carries the grid (the paper's, from the config defaults)
    )
    for v in a["grid"].values():
        points *= len(v)
    fits = len(get_design_methods(wildcards)) * n_seeds(wildcards)
    if a["protocol"] == "paper":  # sweeps multiply the methods' units
        fits *= max(1, len(a["expand_sweep"]))
    folds = int(a["folds"])
    # tuning originals: one search per seed, then each method's CV at fixed parameters
    searches = n_seeds(wildcards) if a["tuning"] == "originals" else fits
    total = searches * points * folds + fits * (
        folds if a["tuning"] == "originals" else 0
    )
    if a["protocol"] == "paper":  # a refit per iteration
        total += fits * int(a["iterations"])
    return int(attempt * (10 + AUROC_MIN_PER_FIT * total / 125))


def calibrate_runtime(wildcards, attempt):
    """The augment rule's per-seed estimate times the null runs of one chunk."""
    from omicsaug.evaluation.calibration import null_plan

    c = get_calibration(wildcards)
    runs = len(null_plan(get_design(wildcards)["seeds"], c["n_null"], c["pooling"]))
    return int(attempt * (10 + minutes_per_fit(wildcards) * runs / int(c["chunks"])))


def error_control_runtime(wildcards, attempt):
    c = get_error_control(wildcards)
    subsets = min(c["subsets"] or n_seeds(wildcards), n_seeds(wildcards))
    return int(
        attempt
        * (
            10
            + ERROR_CONTROL_MIN_PER_SPLIT_LEVEL
            * c["n_seeds"]
            * len(c["levels"])
            * subsets
        )
    )


def spec_part(*keys):
    """Input function giving a rule only the dataset keys it uses, so that editing one
    stage's settings re-runs that stage and what follows, not everything."""

    def get_spec_part(wildcards):
        spec = dataset_spec(wildcards.dataset)
        return {k: spec[k] for k in ("name", "source", *keys) if k in spec}

    return get_spec_part


IO_KEYS = (
    "kind",
    "table",
    "sheet",
    "metadata",
    "id_column",
    "metadata_id_column",
    "gene_map",
    "group_column",
    "group_labels",
    "group_map",
    "group_field",
    "characteristic",
    "drop_columns",
    "exclude_groups",
    "min_per_group",
)


def get_eae_url(wildcards):
    return oc.EAE_URL.format(file=wildcards.file)


def get_eae_sha256(wildcards):
    return oc.EAE_FILES[wildcards.file]


def _table_inputs(spec, src):
    return oc.table_files(config, spec, src)


def role_datasets():
    """Datasets with an external or validation table given as a source block."""
    return [
        d
        for d in DATASETS
        if any(isinstance(dataset_spec(d).get(r), dict) for r in oc.ROLES)
    ]


def role_tables(dataset):
    """role -> the ingested table of each role given as a source block."""
    spec = dataset_spec(dataset)
    return {
        r: f"results/{dataset}/input/{r}.tsv"
        for r in oc.ROLES
        if isinstance(spec.get(r), dict)
    }


def get_role_inputs(wildcards):
    spec = dataset_spec(wildcards.dataset)[wildcards.role]
    return _table_inputs(spec, spec["source"])


def get_role_spec(wildcards):
    return {
        **dataset_spec(wildcards.dataset)[wildcards.role],
        "name": f"{wildcards.dataset} ({wildcards.role})",
    }


def get_download(wildcards):
    return oc.downloads(config, wildcards.dataset)[wildcards.file]


def user_file(wildcards):
    """The file a dataset's values come from, for messages: the user's table (not an
    intermediate), or the table the workflow wrote for generated data."""
    spec = dataset_spec(wildcards.dataset)
    if spec["source"] in oc.GENERATED:
        return f"results/{wildcards.dataset}/input/samples.tsv"
    return _table_inputs(spec, spec["source"])["table"]


def get_raw_inputs(wildcards):
    """The input file(s) of a dataset: the user's table (+ metadata), the EAE CSVs, or the
    table a simulator or the plasmode rule wrote."""
    spec = dataset_spec(wildcards.dataset)
    src = spec["source"]
    if src in oc.SIMULATED:
        return {"table": f"results/{wildcards.dataset}/input/simulated.tsv"}
    if src == "plasmode":
        return {"table": f"results/{wildcards.dataset}/input/plasmode.tsv"}
    # the roles' tables: the dataset keeps the features all of them share
    return {
        **_table_inputs(spec, src),
        **{f"role_{r}": p for r, p in role_tables(wildcards.dataset).items()},
    }


def get_plasmode_inputs(wildcards):
    """The real table (+ metadata) a plasmode dataset is made from."""
    spec = dataset_spec(wildcards.dataset)
    return _table_inputs(spec, spec["plasmode"]["base"])


def realism_reference(d):
    """The realism check's reference of a generated dataset: a built-in name
    (omicsaug.realism.REFERENCES), another dataset of the config, or None (no check)."""
    if not has_truth(d):
        return None
    return dataset_spec(d)["realism"]["reference"]


def get_realism_inputs(wildcards):
    d = wildcards.dataset
    files = {
        "transformed": f"results/{d}/preprocess/transformed.tsv",
        "univariate": f"results/{d}/reference/univariate.tsv",
        "truth": f"results/{d}/input/truth.tsv",
    }
    ref = realism_reference(d)
    if ref in DATASETS:
        files["ref_transformed"] = f"results/{ref}/preprocess/transformed.tsv"
        files["ref_univariate"] = f"results/{ref}/reference/univariate.tsv"
    return files


def landing_page():
    """The report's first page: report/workflow.rst followed by the failed jobs and each
    dataset's answer (its summary.txt and summary.tsv, where they exist), written to
    .snakemake/omicsaug/report/landing.rst by `snakemake --report` only; other runs (and
    their job processes) use the plain description and read no result or log."""
    import pandas as pd

    from omicsaug.summary import landing_rst
    from omicsaug.utils import atomic_path, failed_jobs

    static = workflow.source_path("../report/workflow.rst")
    out = Path(".snakemake/omicsaug/report/landing.rst")
    if not REPORT_MODE:
        return static
    summaries = {}
    for d in DATASETS:
        table = Path(f"results/{d}/report/summary.tsv")
        text = Path(f"results/{d}/report/summary.txt")
        if table.is_file() and text.is_file():
            summaries[d] = (pd.read_csv(table, sep="\t"), text.read_text())
    rst = landing_rst(
        Path(static).read_text(),
        summaries,
        failed_jobs("logs"),
        {d: dataset_line(d, dataset_spec(d), imputed_info(d)) for d in DATASETS},
    )
    if not out.is_file() or out.read_text() != rst:
        out.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(out) as tmp:
            Path(tmp).write_text(rst)
    return str(out.resolve())


# `snakemake --report` after a run with failed jobs builds from what finished (the first
# page lists the failures): in report mode the targets are the outputs that exist.
REPORT_MODE = "--report" in sys.argv


def get_final_output():
    out = _final_output()
    return [f for f in out if Path(f).exists()] if REPORT_MODE else out


def _final_output():
    out = []
    for d in DATASETS:
        out += expand(
            "results/{dataset}/preprocess/{f}",
            dataset=d,
            f=["imputed.tsv", "imputation_quality.png"],
        )
        out += expand(
            "results/{dataset}/reference/{f}",
            dataset=d,
            f=["univariate.tsv", "classifiers.tsv", "failure_point.png"],
        )
        if realism_reference(d):
            out.append(f"results/{d}/input/realism.tsv")
        if dataset_spec(d)["source"] == "simulate_microarray":
            out.append(f"results/{d}/input/oracle.tsv")
        out += expand(
            "results/{dataset}/subsets/{design}.tsv",
            dataset=d,
            design=[x.name for x in dataset_designs(d)],
        )
        cells = augment_cells(d)
        out += [f"results/{d}/augmented/{des}/{m}.tsv" for des, m in cells]
        if cells:
            out += expand(
                "results/{dataset}/report/{f}",
                dataset=d,
                f=[
                    "recovery.tsv",
                    "recovery_bars_sidak.png",
                    "recovery_bars_raw.png",
                    "class_fidelity.tsv",
                    "summary.tsv",
                ],
            )
            out += expand(
                "results/{dataset}/report/{design}/{f}",
                dataset=d,
                design=sorted({des for des, _ in cells}),
                f=["recovery_heatmap.png", "pvalue_strips.png"],
            )
        if cells and dataset_spec(d)["evaluation"]["fidelity"]["enabled"]:
            out += [
                f"results/{d}/report/fidelity.tsv",
                f"results/{d}/report/fidelity_summary.tsv",
            ]
            out += expand(
                "results/{dataset}/report/{design}/fidelity.png",
                dataset=d,
                design=sorted({des for des, _ in cells}),
            )
        if cells and calibration_enabled(d):
            out += [f"results/{d}/report/calibration.tsv"]
            out += expand(
                "results/{dataset}/report/{design}/calibrated_power.png",
                dataset=d,
                design=sorted({des for des, _ in cells}),
            )
        out += generator_diagnostics(d)
        ev = dataset_spec(d)["evaluation"]
        if cells and ev["classifiers"]:
            out.append(f"results/{d}/report/classifiers.png")
        if cells and ev["auroc"]["enabled"]:
            out += [
                f"results/{d}/report/auroc.png",
                f"results/{d}/report/auroc_cells.png",
            ]
            if ev["auroc"]["protocol"] == "paper" and ev["auroc"]["expand_sweep"]:
                out.append(f"results/{d}/report/expand_sweep.png")
    return out
