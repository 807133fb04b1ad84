"""Download a pinned file and check its sha256 before it is used."""

from __future__ import annotations

import hashlib
import urllib.request

from .errors import InputError
from .utils import atomic_path, get_logger


def download_verified(url: str, path, sha256: str, timeout=60, log=None):
    log = log or get_logger()
    log.info("downloading %s", url)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            data = r.read()
    except OSError as exc:
        raise InputError(f"download failed ({exc}).", file=url,
                         fix="without network, point the workflow at a local copy: "
                             "--config eae_dir=PATH or OMICSAUG_EAE_DIR=PATH.") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise InputError(f"sha256 {digest} differs from the pinned {sha256}.", file=url,
                         fix="the remote file changed; check the pinned commit in omicsaug/config.py.")
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    log.info("verified sha256 %s -> %s", sha256, path)
