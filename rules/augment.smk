rule augment:
    input:
        "results/{dataset}/subsets/{design}.tsv",
    output:
        "results/{dataset}/augmented/{design}/{method}.tsv",
    log:
        "logs/{dataset}/augment/{design}/{method}.log",
    benchmark:
        "logs/{dataset}/augment/{design}/{method}.benchmark.tsv"
    params:
        method=get_method,
        negative_controls=get_negative_controls,
        seed=config["seed"],
    threads: get_augment_threads
    resources:
        mem_mb=4000,
        runtime=120,
    conda:
        "../envs/omicsaug.yaml"
    script:
        "../scripts/augment.py"
