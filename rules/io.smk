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
        mem_mb=4000,
        runtime=10,
    conda:
        "../envs/omicsaug.yaml"
    script:
        "../scripts/ingest.py"


rule download:
    output:
        "resources/downloads/{dataset}/{file}",
    log:
        "logs/download/{dataset}/{file}.log",
    params:
        source=get_download,
    retries: 2
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    conda:
        "../envs/omicsaug.yaml"
    script:
        "../scripts/download.py"


rule ingest_role:
    input:
        unpack(get_role_inputs),
    output:
        "results/{dataset}/input/{role}.tsv",
    log:
        "logs/{dataset}/ingest_{role}.log",
    benchmark:
        "logs/{dataset}/ingest_{role}.benchmark.tsv"
    wildcard_constraints:
        role="|".join(oc.ROLES),
        dataset="|".join(role_datasets()) or "(?!x)x",
    params:
        spec=get_role_spec,
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        "../envs/omicsaug.yaml"
    script:
        "../scripts/ingest_role.py"
