"""Download one file a dataset names by URL (checked against its sha256 when pinned)."""
from omicsaug.fetch import URL_FIXES, download_verified
from omicsaug.utils import log_to

log = log_to(snakemake.log[0], threads=snakemake.threads)
url, sha256 = snakemake.params.source
download_verified(url, snakemake.output[0], sha256, timeout=600, log=log, fixes=URL_FIXES)
