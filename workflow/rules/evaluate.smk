rule recovery:
    input:
        unpack(get_recovery_inputs),
    output:
        table="results/{dataset}/report/recovery.tsv",
        summary=report(
            "results/{dataset}/report/recovery_summary.tsv",
            caption="../report/recovery_summary.rst",
            category="Significance recovery",
            subcategory="{dataset}",
        ),
        frequency="results/{dataset}/report/feature_frequency.tsv",
        pvalues="results/{dataset}/report/recovery_pvalues.tsv.gz",
        bars_sidak=report(
            "results/{dataset}/report/recovery_bars_sidak.png",
            caption="../report/recovery_bars.rst",
            category="Significance recovery",
            subcategory="{dataset}",
        ),
        bars_raw=report(
            "results/{dataset}/report/recovery_bars_raw.png",
            caption="../report/recovery_bars.rst",
            category="Significance recovery",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/recovery.log",
    benchmark:
        "logs/{dataset}/recovery.benchmark.tsv"
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        cells=get_recovery_cells,
        nulls=get_null_files,
        calibration=get_calibration,
        welch=get_welch,
        alpha=config["alpha"],
    script:
        "../scripts/recovery.py"


rule recovery_figures:
    input:
        reference="results/{dataset}/reference/univariate.tsv",
        frequency="results/{dataset}/report/feature_frequency.tsv",
        pvalues="results/{dataset}/report/recovery_pvalues.tsv.gz",
    output:
        heatmap=report(
            "results/{dataset}/report/{design}/recovery_heatmap.png",
            caption="../report/recovery_heatmap.rst",
            category="Significance recovery",
            subcategory="{dataset}",
        ),
        strips=report(
            "results/{dataset}/report/{design}/pvalue_strips.png",
            caption="../report/pvalue_strips.rst",
            category="Significance recovery",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/recovery_figures/{design}.log",
    benchmark:
        "logs/{dataset}/recovery_figures/{design}.benchmark.tsv"
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        alpha=config["alpha"],
    script:
        "../scripts/recovery_figures.py"


rule classifiers:
    input:
        unpack(get_classifier_inputs),
    output:
        table="results/{dataset}/report/classifiers.tsv",
        figure=report(
            "results/{dataset}/report/classifiers.png",
            caption="../report/classifier_accuracy.rst",
            category="Classifiers",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/classifiers.log",
    benchmark:
        "logs/{dataset}/classifiers.benchmark.tsv"
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=60,
    params:
        cells=get_recovery_cells,
        models=get_classifier_models,
        seed=config["seed"],
    script:
        "../scripts/classifiers.py"


rule auroc:
    input:
        unpack(get_auroc_inputs),
    output:
        "results/{dataset}/report/{design}/auroc.tsv",
    log:
        "logs/{dataset}/auroc/{design}.log",
    benchmark:
        "logs/{dataset}/auroc/{design}.benchmark.tsv"
    conda:
        "../envs/omicsaug-torch.yaml"
    # worker processes share each grid search (identical results for any thread count)
    threads: 2
    resources:
        mem_mb=3000,
        runtime=auroc_runtime,
    params:
        methods=get_design_methods,
        specs=get_design_specs,
        auroc=get_auroc_settings,
        spec=spec_part("transform", "log_offset"),
        seed=config["seed"],
    script:
        "../scripts/auroc.py"


rule auroc_report:
    input:
        get_auroc_tables,
    output:
        table="results/{dataset}/report/auroc.tsv",
        comparisons=report(
            "results/{dataset}/report/auroc_comparisons.tsv",
            caption="../report/auroc_comparisons.rst",
            category="AUROC",
            subcategory="{dataset}",
        ),
        figure=report(
            "results/{dataset}/report/auroc.png",
            caption="../report/auroc.rst",
            category="AUROC",
            subcategory="{dataset}",
        ),
        cells=report(
            "results/{dataset}/report/auroc_cells.png",
            caption="../report/auroc_cells.rst",
            category="AUROC",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/auroc_report.log",
    benchmark:
        "logs/{dataset}/auroc_report.benchmark.tsv"
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        best_of=get_best_of,
    script:
        "../scripts/auroc_report.py"


rule expand_sweep:
    input:
        "results/{dataset}/report/auroc.tsv",
    output:
        report(
            "results/{dataset}/report/expand_sweep.png",
            caption="../report/expand_sweep.rst",
            category="AUROC",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/expand_sweep.log",
    benchmark:
        "logs/{dataset}/expand_sweep.benchmark.tsv"
    conda:
        "../envs/omicsaug-torch.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/expand_sweep.py"


rule class_fidelity_report:
    input:
        get_class_fidelity_tables,
    output:
        report(
            "results/{dataset}/report/class_fidelity.tsv",
            caption="../report/class_fidelity.rst",
            category="Class fidelity",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/class_fidelity_report.log",
    benchmark:
        "logs/{dataset}/class_fidelity_report.benchmark.tsv"
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/class_fidelity_report.py"


rule summary:
    input:
        unpack(get_summary_inputs),
    output:
        table=report(
            "results/{dataset}/report/summary.tsv",
            caption="../report/summary.rst",
            category="0. Summary",
            subcategory="{dataset}",
        ),
        text="results/{dataset}/report/summary.txt",
    log:
        "logs/{dataset}/summary.log",
    benchmark:
        "logs/{dataset}/summary.benchmark.tsv"
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/summary.py"


rule fidelity:
    input:
        augmented="results/{dataset}/augmented/{design}/{method}.tsv",
        full="results/{dataset}/preprocess/imputed.tsv",
    output:
        "results/{dataset}/fidelity/{design}/{method}.tsv",
    log:
        "logs/{dataset}/fidelity/{design}/{method}.log",
    benchmark:
        "logs/{dataset}/fidelity/{design}/{method}.benchmark.tsv"
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        seed=config["seed"],
    script:
        "../scripts/fidelity.py"


rule fidelity_report:
    input:
        get_fidelity_tables,
    output:
        table=report(
            "results/{dataset}/report/fidelity.tsv",
            caption="../report/fidelity.rst",
            category="Fidelity and memorisation",
            subcategory="{dataset}",
        ),
        summary=report(
            "results/{dataset}/report/fidelity_summary.tsv",
            caption="../report/fidelity.rst",
            category="Fidelity and memorisation",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/fidelity_report.log",
    benchmark:
        "logs/{dataset}/fidelity_report.benchmark.tsv"
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/fidelity_report.py"


rule fidelity_figure:
    input:
        "results/{dataset}/report/fidelity_summary.tsv",
    output:
        report(
            "results/{dataset}/report/{design}/fidelity.png",
            caption="../report/fidelity_figure.rst",
            category="Fidelity and memorisation",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/fidelity_figure/{design}.log",
    benchmark:
        "logs/{dataset}/fidelity_figure/{design}.benchmark.tsv"
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/fidelity_figure.py"
