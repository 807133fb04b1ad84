rule subsets:
    input:
        imputed="results/{dataset}/preprocess/imputed.tsv",
        transformed="results/{dataset}/preprocess/transformed.tsv",
    output:
        "results/{dataset}/subsets/{design}.tsv",
    log:
        "logs/{dataset}/subsets/{design}.log",
    benchmark:
        "logs/{dataset}/subsets/{design}.benchmark.tsv"
    params:
        spec=spec_part("impute"),
        design=get_design,
        seed=config["seed"],
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../envs/omicsaug.yaml"
    script:
        "../scripts/subsets.py"
