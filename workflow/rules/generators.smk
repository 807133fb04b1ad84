# Per-fit diagnostics of the model-based generators (genESOM maps and error control, WGAN losses).


rule genesom_figures:
    input:
        "results/{dataset}/augmented/{design}/{method}.fit.pkl",
    output:
        umatrix=report(
            "results/{dataset}/genesom/{design}/{method}_umatrix.png",
            caption="../report/genesom_umatrix.rst",
            category="genESOM",
            subcategory="{dataset}",
        ),
        radius=report(
            "results/{dataset}/genesom/{design}/{method}_radius.png",
            caption="../report/genesom_radius.rst",
            category="genESOM",
            subcategory="{dataset}",
        ),
        convergence="results/{dataset}/genesom/{design}/{method}_convergence.png",
        summary="results/{dataset}/genesom/{design}/{method}_fit.json",
    log:
        "logs/{dataset}/genesom/{design}/{method}_figures.log",
    benchmark:
        "logs/{dataset}/genesom/{design}/{method}_figures.benchmark.tsv"
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        method=get_method,
    script:
        "../scripts/genesom_figures.py"


rule error_control:
    input:
        "results/{dataset}/subsets/{design}.tsv",
    output:
        evidence="results/{dataset}/error_control/{design}/{method}.tsv",
        decision="results/{dataset}/error_control/{design}/{method}.json",
        figure=report(
            "results/{dataset}/error_control/{design}/{method}.png",
            caption="../report/error_control.rst",
            category="Error-inflation control",
            subcategory="{dataset}",
        ),
    log:
        "logs/{dataset}/error_control/{design}/{method}.log",
    benchmark:
        "logs/{dataset}/error_control/{design}/{method}.benchmark.tsv"
    conda:
        "../envs/omicsaug-torch.yaml"
    threads: 2
    resources:
        mem_mb=1000,
        runtime=error_control_runtime,
    params:
        method=get_method,
        control=get_error_control,
        seed=config["seed"],
    script:
        "../scripts/error_control.py"


rule wgan_pretrain:
    input:
        unpack(get_pretrain_inputs),
    output:
        "results/{dataset}/wgan_pretrained/{method}.pt",
    log:
        "logs/{dataset}/wgan_pretrain/{method}.log",
    benchmark:
        "logs/{dataset}/wgan_pretrain/{method}.benchmark.tsv"
    # every GAN job of the dataset waits for it: start it before the short jobs (in the
    # full WGAN paper run the scheduler left it for 8 minutes behind subsets and null runs)
    priority: 10
    conda:
        "../envs/omicsaug-torch.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        method=get_method,
        negative_controls=get_negative_controls,
        spec=spec_part("transform", "log_offset"),
        seed=config["seed"],
    script:
        "../scripts/wgan_pretrain.py"


rule wgan_figures:
    input:
        "results/{dataset}/augmented/{design}/{method}.fit.pkl",
    output:
        losses=report(
            "results/{dataset}/wgan/{design}/{method}_losses.png",
            caption="../report/wgan_losses.rst",
            category="WGAN",
            subcategory="{dataset}",
        ),
        model="results/{dataset}/wgan/{design}/{method}.pt",
    log:
        "logs/{dataset}/wgan/{design}/{method}_figures.log",
    benchmark:
        "logs/{dataset}/wgan/{design}/{method}_figures.benchmark.tsv"
    conda:
        "../envs/omicsaug-torch.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        method=get_method,
    script:
        "../scripts/wgan_figures.py"
