rule augment:
    input:
        unpack(get_augment_inputs),
    output:
        table="results/{dataset}/augmented/{design}/{method}.tsv",
        fit="results/{dataset}/augmented/{design}/{method}.fit.pkl",
        fidelity="results/{dataset}/augmented/{design}/{method}.class_fidelity.tsv",
    log:
        "logs/{dataset}/augment/{design}/{method}.log",
    benchmark:
        "logs/{dataset}/augment/{design}/{method}.benchmark.tsv"
    conda:
        "../envs/omicsaug-torch.yaml"
    # one thread: the models are small (batches of tens of rows); a second torch/OpenMP
    # thread only adds synchronisation, and its spin-waits cost far more on a busy machine
    threads: 1
    resources:
        mem_mb=2000,
        runtime=augment_runtime,
    params:
        method=get_method,
        negative_controls=get_negative_controls,
        keep_fits=get_keep_fits,
        spec=spec_part("transform", "log_offset"),
        seed=config["seed"],
    script:
        "../scripts/augment.py"
