rule reference_univariate:
    input:
        "results/{dataset}/preprocess/imputed.tsv",
    output:
        report(
            "results/{dataset}/reference/univariate.tsv",
            caption="../report/univariate.rst",
            category="Full-data reference",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/reference_univariate.log",
    benchmark:
        "logs/{dataset}/reference_univariate.benchmark.tsv"
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        spec=spec_part("reference"),
        alpha=config["alpha"],
    script:
        "../scripts/reference_univariate.py"


rule reference_classifiers:
    input:
        "results/{dataset}/preprocess/imputed.tsv",
    output:
        report(
            "results/{dataset}/reference/classifiers.tsv",
            caption="../report/classifiers.rst",
            category="Full-data reference",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/reference_classifiers.log",
    benchmark:
        "logs/{dataset}/reference_classifiers.benchmark.tsv"
    conda:
        "../envs/omicsaug.yaml"
    threads: 2
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        spec=spec_part("reference"),
        seed=config["seed"],
    script:
        "../scripts/reference_classifiers.py"


rule failure_point:
    input:
        "results/{dataset}/preprocess/imputed.tsv",
    output:
        draws="results/{dataset}/reference/failure_point_draws.tsv",
        summary="results/{dataset}/reference/failure_point.tsv",
        figure=report(
            "results/{dataset}/reference/failure_point.png",
            caption="../report/failure_point.rst",
            category="Full-data reference",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/failure_point.log",
    benchmark:
        "logs/{dataset}/failure_point.benchmark.tsv"
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        spec=spec_part("reference", "failure_point"),
        seed=config["seed"],
        alpha=config["alpha"],
    script:
        "../scripts/failure_point.py"
