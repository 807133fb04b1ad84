"""Download a pinned file and check its sha256 before it is used."""

from __future__ import annotations

import hashlib
import urllib.request

from .errors import InputError
from .utils import atomic_path, get_logger


EAE_FIXES = ("without network, point the workflow at a local copy: --config eae_dir=PATH or "
             "OMICSAUG_EAE_DIR=PATH.",
             "the remote file changed; check the pinned commit in omicsaug/config.py.")
URL_FIXES = ("without network, download it elsewhere and set the dataset's 'table' (or "
             "'gene_map.table') to the local file.",
             "the remote file changed: check it, then update the 'sha256' next to its url.")


def download_verified(url: str, path, sha256: str | None, timeout=60, log=None, fixes=EAE_FIXES):
    """Download ``url`` to ``path`` atomically; stop when its sha256 differs from the pin
    (``None``: not pinned, the digest is logged). ``fixes``: the fix for a failed download
    and for a changed file."""
    log = log or get_logger()
    log.info("downloading %s", url)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            data = r.read()
    except OSError as exc:
        raise InputError(f"download failed ({exc}).", file=url, fix=fixes[0]) from exc
    digest = hashlib.sha256(data).hexdigest()
    if sha256 is None:   # not pinned: say what arrived, so the user can pin it
        log.warning("sha256 %s (not pinned: add 'sha256: %s' to the config to check it)", digest, digest)
    elif digest != sha256:
        raise InputError(f"sha256 {digest} differs from the pinned {sha256}.", file=url, fix=fixes[1])
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    log.info("sha256 %s -> %s", digest, path)
