# Calibrated discoveries: each (design, method) judged against its own permutation null, the
# unaugmented baseline's power over n, and what each method is worth in samples.


rule calibrate:
    input:
        unpack(get_calibrate_inputs),
    output:
        "results/{dataset}/calibration/{design}/{method}/null_{chunk}.tsv.gz",
    log:
        "logs/{dataset}/calibration/{design}/{method}/null_{chunk}.log",
    benchmark:
        "logs/{dataset}/calibration/{design}/{method}/null_{chunk}.benchmark.tsv"
    conda:
        "../envs/omicsaug-torch.yaml"
    # one thread, as the augment rule (small models; chunks run side by side instead)
    threads: 1
    resources:
        mem_mb=2000,
        runtime=calibrate_runtime,
    params:
        method=get_method,
        calibration=get_calibration,
        negative_controls=get_negative_controls,
        welch=get_welch,
        spec=spec_part("transform", "log_offset"),
        seed=config["seed"],
    script:
        "../scripts/calibrate.py"


rule power_curve:
    input:
        unpack(get_power_curve_inputs),
    output:
        draws="results/{dataset}/reference/power_curve_draws.tsv",
        null="results/{dataset}/reference/power_curve_null.tsv.gz",
        summary=report(
            "results/{dataset}/reference/power_curve.tsv",
            caption="../report/power_curve.rst",
            category="Calibrated discoveries",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/power_curve.log",
    benchmark:
        "logs/{dataset}/power_curve.benchmark.tsv"
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=20,
    params:
        calibration=get_calibration,
        welch=get_welch,
        alpha=config["alpha"],
        seed=config["seed"],
    script:
        "../scripts/power_curve.py"


rule calibration_report:
    input:
        unpack(get_calibration_report_inputs),
    output:
        report(
            "results/{dataset}/report/calibration.tsv",
            caption="../report/calibration.rst",
            category="Calibrated discoveries",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/calibration_report.log",
    benchmark:
        "logs/{dataset}/calibration_report.benchmark.tsv"
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        nulls=get_null_files,
        designs=get_design_sizes,
        baseline=get_baseline_method,
        calibration=get_calibration,
        alpha=config["alpha"],
        seed=config["seed"],
    script:
        "../scripts/calibration_report.py"


rule calibrated_power_figure:
    input:
        calibration="results/{dataset}/report/calibration.tsv",
        curve="results/{dataset}/reference/power_curve.tsv",
    output:
        report(
            "results/{dataset}/report/{design}/calibrated_power.png",
            caption="../report/calibrated_power.rst",
            category="Calibrated discoveries",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/calibrated_power/{design}.log",
    benchmark:
        "logs/{dataset}/calibrated_power/{design}.benchmark.tsv"
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/calibrated_power_figure.py"
