#!/usr/bin/env python3
"""Package a Proxy-Wasm module as an OCI image-layout archive in the Wasm "compat" form.

The compat form is what Istio's WasmPlugin and Envoy Gateway's EnvoyExtensionPolicy pull
(docs/operations.md, "The OCI image"): an ordinary OCI image whose single layer
(application/vnd.oci.image.layer.v1.tar+gzip) is a tar holding one file, `plugin.wasm`.

No Docker: the archive is written here, byte for byte reproducible. Every timestamp is 0,
owners are 0:0 without names, the gzip stream carries no name or time, JSON is written with
sorted keys, so the same module always gives the same layer, manifest and archive digests.

  wasm_oci.py --wasm edge_shield.wasm --version 0.1.0 --out dist/edge-shield-0.1.0.oci.tar

prints the manifest digest (`sha256:...`): the image digest a registry reports, the value
for `oci://...@sha256:...`, Istio's `sha256` and Envoy Gateway's `image.sha256` (without
the `sha256:` prefix).
"""

import argparse
import gzip
import hashlib
import io
import json
import sys
import tarfile

LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"
CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json"
MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json"


def canonical_json(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def tar_bytes(entries):
    """A ustar archive of (name, bytes, mode) entries with fixed metadata; bytes None: a directory."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data, mode in entries:
            info = tarfile.TarInfo(name)
            info.mode = mode
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if data is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def gzip_bytes(data):
    out = io.BytesIO()
    # No file name and mtime 0 in the header: the stream depends on the content only.
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0) as gz:
        gz.write(data)
    return out.getvalue()


def descriptor(media_type, data, annotations=None):
    d = {"mediaType": media_type, "digest": sha256(data), "size": len(data)}
    if annotations:
        d["annotations"] = annotations
    return d


def build(wasm, version, source=""):
    """(archive bytes, manifest digest, layer digest) of the image holding `wasm`."""
    if wasm[:4] != b"\0asm":
        raise ValueError("not a WebAssembly module (no \\0asm magic)")
    # World-readable: the proxies run as unprivileged users.
    layer_tar = tar_bytes([("plugin.wasm", wasm, 0o644)])
    layer = gzip_bytes(layer_tar)
    config = canonical_json(
        {
            "architecture": "wasm",
            "os": "wasip1",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": [sha256(layer_tar)]},
        }
    )
    annotations = {
        "org.opencontainers.image.title": "edge-shield",
        "org.opencontainers.image.version": version,
        "org.opencontainers.image.licenses": "Apache-2.0",
        "org.opencontainers.image.description": "Proxy-Wasm filter: CORS and security headers (plugin.wasm)",
    }
    if source:
        annotations["org.opencontainers.image.source"] = source
    manifest = canonical_json(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST_MEDIA_TYPE,
            "config": descriptor(CONFIG_MEDIA_TYPE, config),
            "layers": [descriptor(LAYER_MEDIA_TYPE, layer)],
            "annotations": annotations,
        }
    )
    index = canonical_json(
        {
            "schemaVersion": 2,
            "mediaType": INDEX_MEDIA_TYPE,
            "manifests": [
                descriptor(
                    MANIFEST_MEDIA_TYPE,
                    manifest,
                    # skopeo/umoci: `oci-archive:<file>:<version>` selects this manifest.
                    {"org.opencontainers.image.ref.name": version},
                )
            ],
        }
    )
    blobs = sorted({sha256(b): b for b in (config, layer, manifest)}.items())
    entries = [("oci-layout", canonical_json({"imageLayoutVersion": "1.0.0"}), 0o644), ("index.json", index, 0o644)]
    entries += [("blobs", None, 0o755), ("blobs/sha256", None, 0o755)]
    entries += [("blobs/sha256/" + d.split(":", 1)[1], b, 0o644) for d, b in blobs]
    return tar_bytes(entries), sha256(manifest), sha256(layer)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--wasm", required=True, help="the module (becomes plugin.wasm)")
    p.add_argument("--version", required=True, help="image version (annotation and ref name)")
    p.add_argument("--out", required=True, help="the OCI image-layout archive to write")
    p.add_argument("--source", default="", help="org.opencontainers.image.source annotation")
    args = p.parse_args()
    with open(args.wasm, "rb") as f:
        wasm = f.read()
    try:
        archive, digest, _ = build(wasm, args.version, args.source)
    except ValueError as e:
        sys.exit(f"{args.wasm}: {e}")
    with open(args.out, "wb") as f:
        f.write(archive)
    print(digest)


if __name__ == "__main__":
    main()
