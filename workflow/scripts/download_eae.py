"""Download one pinned EAE CSV and verify its sha256."""
from omicsaug.fetch import download_verified
from omicsaug.utils import log_to

log = log_to(snakemake.log[0], threads=snakemake.threads)
download_verified(snakemake.params.url, snakemake.output[0], snakemake.params.sha256, log=log)
