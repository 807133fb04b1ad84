rule download_eae:
    output:
        "resources/eae_lipidomics/{file}",
    log:
        "logs/download_eae/{file}.log",
    wildcard_constraints:
        file="|".join(oc.EAE_FILES),
    retries: 2
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=200,
        runtime=10,
    params:
        url=get_eae_url,
        sha256=get_eae_sha256,
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
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        spec=spec_part(*IO_KEYS),
    script:
        "../scripts/ingest.py"


rule download:
    output:
        "resources/downloads/{dataset}/{file}",
    log:
        "logs/download/{dataset}/{file}.log",
    retries: 2
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    params:
        source=get_download,
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
    conda:
        "../envs/omicsaug.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        spec=get_role_spec,
    script:
        "../scripts/ingest_role.py"
