rule download_eae:
    output:
        "resources/eae_lipidomics/{file}",
    log:
        "logs/download_eae/{file}.log",
    params:
        url=get_eae_url,
        sha256=get_eae_sha256,
    wildcard_constraints:
        file="|".join(oc.EAE_FILES),
    retries: 2
    threads: 1
    resources:
        mem_mb=200,
        runtime=10,
    conda:
        "../envs/omicsaug.yaml"
    script:
        "../scripts/download_eae.py"


rule ingest:
    input:
        unpack(get_raw_inputs),
    output:
        "results/{dataset}/input/samples.tsv",
    log:
        "logs/{dataset}/ingest.log",
    benchmark:
        "logs/{dataset}/ingest.benchmark.tsv"
    params:
        spec=spec_part(*IO_KEYS),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/omicsaug.yaml"
    script:
        "../scripts/ingest.py"
