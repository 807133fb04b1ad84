rule simulate:
    output:
        table="results/{dataset}/input/simulated.tsv",
        truth="results/{dataset}/input/truth.tsv",
    log:
        "logs/{dataset}/simulate.log",
    benchmark:
        "logs/{dataset}/simulate.benchmark.tsv"
    params:
        spec=spec_part("simulate"),
        seed=config["seed"],
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/omicsaug.yaml"
    script:
        "../scripts/simulate.py"
