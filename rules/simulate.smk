rule simulate_lipidomics:
    output:
        table="results/{dataset}/input/simulated.tsv",
        truth="results/{dataset}/input/truth.tsv",
    log:
        "logs/{dataset}/simulate_lipidomics.log",
    benchmark:
        "logs/{dataset}/simulate_lipidomics.benchmark.tsv"
    params:
        spec=spec_part("simulate"),
        seed=config["seed"],
    wildcard_constraints:
        dataset=datasets_of("simulate_lipidomics"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/omicsaug.yaml"
    script:
        "../scripts/simulate.py"


rule simulate_microarray:
    output:
        table="results/{dataset}/input/simulated.tsv",
        truth="results/{dataset}/input/truth.tsv",
        validation="results/{dataset}/input/validation.tsv",
        external="results/{dataset}/input/external.tsv",
    log:
        "logs/{dataset}/simulate_microarray.log",
    benchmark:
        "logs/{dataset}/simulate_microarray.benchmark.tsv"
    params:
        spec=spec_part("simulate"),
        seed=config["seed"],
    wildcard_constraints:
        dataset=datasets_of("simulate_microarray"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/omicsaug.yaml"
    script:
        "../scripts/simulate.py"
