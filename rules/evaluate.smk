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
    params:
        cells=get_recovery_cells,
        welch=get_welch,
        alpha=config["alpha"],
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    conda:
        "../envs/omicsaug.yaml"
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
    params:
        alpha=config["alpha"],
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/omicsaug.yaml"
    script:
        "../scripts/recovery_figures.py"
