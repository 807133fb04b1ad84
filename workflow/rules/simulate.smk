rule simulate_lipidomics:
    output:
        table="results/{dataset}/input/simulated.tsv",
        truth="results/{dataset}/input/truth.tsv",
    log:
        "logs/{dataset}/simulate_lipidomics.log",
    benchmark:
        "logs/{dataset}/simulate_lipidomics.benchmark.tsv"
    wildcard_constraints:
        dataset=datasets_of("simulate_lipidomics"),
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        spec=spec_part("simulate"),
        seed=config["seed"],
    script:
        "../scripts/simulate.py"


rule simulate_microarray:
    output:
        table="results/{dataset}/input/simulated.tsv",
        truth="results/{dataset}/input/truth.tsv",
        validation="results/{dataset}/input/validation.tsv",
        external="results/{dataset}/input/external.tsv",
        oracle="results/{dataset}/input/oracle.tsv",
    log:
        "logs/{dataset}/simulate_microarray.log",
    benchmark:
        "logs/{dataset}/simulate_microarray.benchmark.tsv"
    wildcard_constraints:
        dataset=datasets_of("simulate_microarray"),
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        spec=spec_part("simulate"),
        seed=config["seed"],
    script:
        "../scripts/simulate.py"


rule plasmode:
    input:
        unpack(get_plasmode_inputs),
    output:
        table="results/{dataset}/input/plasmode.tsv",
        truth="results/{dataset}/input/truth.tsv",
    log:
        "logs/{dataset}/plasmode.log",
    benchmark:
        "logs/{dataset}/plasmode.benchmark.tsv"
    wildcard_constraints:
        dataset=datasets_of("plasmode"),
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        spec=spec_part(*IO_KEYS, "eae_matrix", "transform", "log_offset", "plasmode"),
        seed=config["seed"],
    script:
        "../scripts/plasmode.py"


rule realism:
    input:
        unpack(get_realism_inputs),
    output:
        "results/{dataset}/input/realism.tsv",
    log:
        "logs/{dataset}/realism.log",
    benchmark:
        "logs/{dataset}/realism.benchmark.tsv"
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        spec=spec_part("realism"),
    script:
        "../scripts/realism.py"
