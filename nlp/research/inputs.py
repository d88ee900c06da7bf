"""The inputs of a batch run: policy files found under local paths and fsspec URLs, and reading one.

A batch names its inputs before any worker starts, so that the driver alone decides the policy
ids (which depend on the other files of a folder) and the resume keys. An input is a local path
or a URL of any filesystem fsspec knows (``file://``, ``memory://``, ``s3://`` with s3fs installed,
``gs://`` with gcsfs...); a worker reads it by that string, so on a cluster every node must reach
it (a shared disk or an object store).

Example
-------
>>> inputs, others = list_inputs(["tests/data/corpus"])
>>> [i.policy_id for i in inputs], [Path(p).name for p in others]
(['broken', 'kitemail', 'lumenchat', 'orbitfit'], [])
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.config import IngestSettings
from nlp.errors import InputError
from nlp.types import Policy

__all__ = [
    "PolicyInput",
    "find_inputs",
    "is_url",
    "list_inputs",
    "read_input",
    "unsupported_reason",
]


@dataclass(frozen=True, slots=True)
class PolicyInput:
    """One policy file of a batch: where it is, the id it gets, and its resume key.

    ``key`` changes when the file does (path, size and modification time, or the object store's
    etag): a re-run skips the inputs whose key the manifest records.
    """

    source: str  # a local path, or an fsspec URL
    policy_id: str
    key: str


def is_url(source: str | Path) -> bool:
    """Whether ``source`` names a file through an fsspec protocol (``memory://x``, ``s3://b/k``)."""
    return isinstance(source, str) and "://" in source


def unsupported_reason(path: str | Path) -> str:
    """Why a file found in a folder is not classified."""
    from nlp.ingest import SUPPORTED_FORMATS

    kind = Path(str(path)).suffix.lower() or "(none)"
    return f"unsupported file type {kind}; policylens reads {', '.join(SUPPORTED_FORMATS)}"


def _key(*parts: Any) -> str:
    return hashlib.sha256("\0".join(str(p) for p in parts).encode()).hexdigest()[:20]


def _file_key(path: Path) -> str:
    st = path.stat()
    return _key(path, st.st_size, st.st_mtime_ns)


def find_inputs(paths: Iterable[str | Path]) -> tuple[list[tuple[Path, str]], list[Path]]:
    """Local files and folders as ``(file, policy_id)`` pairs, sorted, duplicates removed, and the
    other files found in the folders, which are skipped.

    Folders are searched recursively. Ids follow ``nlp.ingest.policy_ids``: below a folder given,
    a file is named after its sub-folder when it is the only policy file there, else after its
    path below the folder. Files and folders whose name starts with a dot (``.DS_Store``,
    ``.git/``) are neither policies nor skipped files.
    """
    from nlp.ingest import SUPPORTED_FORMATS, policy_ids

    out: dict[Path, str] = {}
    others: dict[Path, None] = {}
    singles: list[Path] = []
    for raw in paths:
        root = Path(raw)
        if root.is_dir():
            files = []
            for f in sorted(root.rglob("*")):
                if not f.is_file():
                    continue
                if f.suffix.lower() in SUPPORTED_FORMATS and not f.name.startswith("."):
                    files.append(f)
                elif not any(part.startswith(".") for part in f.relative_to(root).parts):
                    others.setdefault(f.resolve())
            for f, pid in policy_ids(files, root=root, taken=set(out.values())).items():
                out.setdefault(f.resolve(), pid)
        elif root.is_file():
            singles.append(root)
        else:
            raise InputError(f"{root} does not exist; give policy files or folders")
    # Files given one by one may share a name (".../12_App/crawled.html"): policy_ids names
    # those by their folder too, so that every policy keeps its own id.
    singles = [f for f in singles if f.resolve() not in out]
    for f, pid in policy_ids(singles, taken=set(out.values())).items():
        out.setdefault(f.resolve(), pid)
    policies = sorted(((p, pid) for p, pid in out.items()), key=lambda t: str(t[0]))
    return policies, sorted((p for p in others if p not in out), key=str)


def _fsspec(url: str) -> tuple[Any, str]:
    from nlp.extras import require

    require("research", "fsspec", purpose="reading inputs named by URL")
    import fsspec

    try:
        return fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:  # an unknown protocol, or its package missing
        raise InputError(f"cannot read {url}: {exc}") from exc


def _remote_inputs(url: str, taken: set[str]) -> tuple[list[PolicyInput], list[str]]:
    """The policy files at ``url`` (a file, or every file below a folder) and the other files."""
    from nlp.ingest import SUPPORTED_FORMATS, policy_ids

    fs, root = _fsspec(url)
    if fs.isdir(root):
        infos = fs.find(root, detail=True)
        base: Path | None = Path("/", root)
    elif fs.isfile(root):
        infos = {root: fs.info(root)}
        base = None
    else:
        raise InputError(f"{url} does not exist; give policy files or folders")
    policies: dict[Path, tuple[str, dict[str, Any]]] = {}
    others: list[str] = []
    for name, info in sorted(infos.items()):
        rel = Path(name).name if base is None else Path("/", name).relative_to(base).as_posix()
        if any(part.startswith(".") for part in Path(rel).parts):
            continue
        if Path(name).suffix.lower() in SUPPORTED_FORMATS:
            policies[Path("/", name)] = (name, info)
        else:
            others.append(fs.unstrip_protocol(name))
    # The same naming rule as local folders, on the paths inside the filesystem.
    ids = policy_ids(list(policies), root=base, taken=taken)
    out = []
    from fsspec.implementations.local import LocalFileSystem

    for path, (name, info) in policies.items():
        source = fs.unstrip_protocol(name)
        if isinstance(fs, LocalFileSystem):
            # The key of the path: a run resumes whether the file was named by path or URL.
            key = _file_key(Path(name).resolve())
        else:
            stamp = [info.get(k) for k in ("ETag", "etag", "mtime", "LastModified", "created")]
            key = _key(source, info.get("size"), next((v for v in stamp if v), None))
        out.append(PolicyInput(source, ids[path], key))
    return out, others


def list_inputs(paths: Iterable[str | Path]) -> tuple[list[PolicyInput], list[str]]:
    """Every policy file under ``paths`` (local paths or fsspec URLs) with its id and resume key,
    in a stable order, and the other files found in the folders (skipped, not policies)."""
    given = [str(p) for p in paths]
    local, remote = [p for p in given if not is_url(p)], [p for p in given if is_url(p)]
    files, others = find_inputs(local) if local else ([], [])
    inputs = [PolicyInput(str(p), pid, _file_key(p)) for p, pid in files]
    skipped = [str(p) for p in others]
    seen = {i.key for i in inputs}
    for url in remote:
        found, rest = _remote_inputs(url, {i.policy_id for i in inputs})
        inputs += [i for i in found if i.key not in seen]  # a file named twice is one input
        seen.update(i.key for i in found)
        skipped += rest
    return inputs, skipped


def read_input(source: str, policy_id: str, settings: IngestSettings | None = None) -> Policy:
    """Read and clean one input (a local file, or an fsspec URL) into a policy.

    A URL's size is checked (from the filesystem's listing) before anything is read, as a local
    file's is, and at most one byte more than ``settings.max_bytes`` is ever read.
    """
    from nlp.ingest import format_of, load_policy, parse_policy
    from nlp.ingest.decode import check_size

    if not is_url(source):
        return load_policy(source, settings, policy_id=policy_id)
    settings = settings or IngestSettings()
    fs, path = _fsspec(source)
    name = Path(path).name
    fmt = format_of(name)
    if fmt is None:
        raise InputError(f"cannot read {name!r}: {unsupported_reason(name)}")
    try:
        size = fs.size(path)
        if size is not None:
            check_size(int(size), name, settings)
        with fs.open(path, "rb") as fh:
            data = fh.read(settings.max_bytes + 1)
    except FileNotFoundError as exc:
        raise InputError(f"cannot read {source}: no such file") from exc
    # Named by its file name, as a local file's messages are ("cannot read 'x.pdf': ..."); the
    # batch's rows carry the id, never the name.
    return parse_policy(
        data,
        fmt=fmt,
        name=name,
        source=source,
        settings=settings,
        policy_id=policy_id,
    )
