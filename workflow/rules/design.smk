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
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        spec=spec_part("impute"),
        design=get_design,
        seed=config["seed"],
    script:
        "../scripts/subsets.py"
