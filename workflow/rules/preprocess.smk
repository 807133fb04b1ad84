rule preprocess:
    input:
        "results/{dataset}/input/samples.tsv",
    output:
        transformed="results/{dataset}/preprocess/transformed.tsv",
        imputed="results/{dataset}/preprocess/imputed.tsv",
        features="results/{dataset}/preprocess/features.tsv",
        quality="results/{dataset}/preprocess/imputation_quality.tsv",
        figure=report(
            "results/{dataset}/preprocess/imputation_quality.png",
            caption="../report/imputation_quality.rst",
            category="Preprocessing",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/preprocess.log",
    benchmark:
        "logs/{dataset}/preprocess.benchmark.tsv"
    conda:
        "../envs/omicsaug.yaml"
    threads: 2
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        spec=spec_part("transform", "log_offset", "filter", "impute"),
        seed=config["seed"],
        source_file=user_file,
    script:
        "../scripts/preprocess.py"
