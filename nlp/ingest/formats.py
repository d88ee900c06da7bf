"""The formats policylens reads, and the name and id of the policy a file holds.

One table says which file suffixes and media types map to which reader format (``txt``, ``md``,
``html``, ``pdf``); the CLI, the batch classifier, the corpus loader and the HTTP service all
look formats up here. :func:`policy_names` and :func:`policy_ids` are the one rule that names a
policy after its file, used wherever files become policies.

Example
-------
>>> format_of("Privacy Policy.HTM"), format_of(None, "text/markdown; charset=utf-8")
('html', 'md')
>>> policy_ids([Path("Acme/Privacy Policy.md"), Path("Globex/Privacy Policy.md")])
... # doctest: +NORMALIZE_WHITESPACE
{PosixPath('Acme/Privacy Policy.md'): 'acme-privacy-policy',
 PosixPath('Globex/Privacy Policy.md'): 'globex-privacy-policy'}
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from pathlib import Path

from nlp.errors import InputError

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "SUPPORTED_FORMATS",
    "format_of",
    "normalise_format",
    "policy_ids",
    "policy_name",
    "policy_names",
    "slugify",
]

FORMATS: tuple[str, ...] = ("txt", "md", "html", "pdf")
"""The reader formats, in the order messages list them."""

SUPPORTED_FORMATS: dict[str, str] = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
}
"""File suffix (lower case, with the dot) -> reader format."""

MEDIA_TYPES: dict[str, str] = {
    "text/plain": "txt",
    "text/markdown": "md",
    "text/x-markdown": "md",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
}
"""Media type (without parameters) -> reader format."""


def format_of(filename: str | Path | None, media_type: str | None = None) -> str | None:
    """The reader format of a file from its suffix, else from its media type; ``None`` if neither.

    Example:
        >>> format_of("a.Markdown"), format_of("upload", "application/pdf"), format_of("a.docx")
        ('md', 'pdf', None)
    """
    suffix = Path(filename or "").suffix.lower()
    if suffix in SUPPORTED_FORMATS:
        return SUPPORTED_FORMATS[suffix]
    media = (media_type or "").split(";")[0].strip().lower()
    return MEDIA_TYPES.get(media)


def normalise_format(fmt: str) -> str:
    """A reader format from a format name or a suffix (``"HTML"``, ``".htm"`` -> ``"html"``).

    Raises ``InputError`` for anything else.
    """
    f = fmt.lower().strip()
    f = SUPPORTED_FORMATS.get(f if f.startswith(".") else "." + f, f)
    if f not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return f


def slugify(text: str) -> str:
    """A lower-case id of letters, digits and dashes ("Acme Privacy_v2" -> "acme-privacy-v2")."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "policy"


# File names that say what a file is, not whose policy it is ("TikTok/Privacy Policy.md",
# "apps/12_Foo/crawled.html"): the folder names the policy then.
_GENERIC_STEMS = re.compile(
    r"(?i)^(?:privacy[ _-]?(?:policy|notice|statement)?|policy|index|crawled|cleaned|page|"
    r"terms|trackers? policy|cookies?(?:[ _-]policy)?|data[ _-]policy)$"
)


def policy_name(path: str | Path) -> str:
    """The name of the policy one file holds: its stem, or ``"folder stem"`` for a generic stem.

    Example:
        >>> policy_name("TikTok/Privacy Policy.md"), policy_name("corpora/000_ce44.txt")
        ('TikTok Privacy Policy', '000_ce44')
    """
    p = Path(path)
    parent = p.resolve().parent.name
    if _GENERIC_STEMS.match(p.stem) and parent:
        return f"{parent} {p.stem}"
    return p.stem


def policy_names(files: Sequence[Path], *, root: Path | None = None) -> dict[Path, str]:
    """The display name of each file's policy.

    Below ``root`` (a folder given as a corpus or batch) a file is named after its folder when
    no other file shares that folder (``TikTok/Privacy Policy.md`` -> ``TikTok``), else after its
    path without the suffix (``Lumen/Trackers Policy``). Files given one by one are named by
    :func:`policy_name`.
    """
    under: dict[Path, Path] = {}
    if root is not None:
        for f in files:
            try:
                under[f] = f.relative_to(root)
            except ValueError:
                continue
    folder_of = {f: rel.parent.as_posix() for f, rel in under.items()}
    counts: dict[str, int] = {}
    for folder in folder_of.values():
        counts[folder] = counts.get(folder, 0) + 1
    out: dict[Path, str] = {}
    for f in files:
        if f not in under:
            out[f] = policy_name(f)
        elif folder_of[f] != "." and counts[folder_of[f]] == 1:
            out[f] = folder_of[f]
        else:
            out[f] = under[f].with_suffix("").as_posix()
    return out


def policy_ids(
    files: Sequence[Path], *, root: Path | None = None, taken: Collection[str] = ()
) -> dict[Path, str]:
    """A distinct id for each file's policy: the slug of its :func:`policy_names` name.

    Files given one by one whose ids clash (two ``crawled.html``, two ``acme.txt``) are named by
    more of their path (``1_alpha/crawled`` -> ``1-alpha-crawled``); ids still shared, or already
    in ``taken``, get ``-2``, ``-3``... in file order. Paths naming the same file share one id.

    Example:
        >>> policy_ids([Path("X/Privacy Policy.txt"), Path("x/Privacy Policy.md")], root=Path("."))
        {PosixPath('X/Privacy Policy.txt'): 'x', PosixPath('x/Privacy Policy.md'): 'x-2'}
    """
    names = policy_names(files, root=root)
    same = {f: f.resolve() for f in files}
    ids = {f: slugify(names[f]) for f in files}
    # Files outside ``root``: lengthen clashing names by their folders, nearest first.
    loose = [f for f in files if root is None or not same[f].is_relative_to(root.resolve())]
    depth = dict.fromkeys(loose, 1)
    while True:
        owners: dict[str, set[Path]] = {}
        for f in loose:
            owners.setdefault(ids[f], set()).add(same[f])
        clashing = [f for f in loose if len(owners[ids[f]]) > 1]
        grown = False
        for f in clashing:
            parts = same[f].with_suffix("").parts
            while depth[f] < len(parts) - 1:
                depth[f] += 1
                longer = slugify("/".join(parts[-depth[f] :]))
                if longer != ids[f]:
                    ids[f], grown = longer, True
                    break
        if not grown:
            break
    out: dict[Path, str] = {}
    used = set(taken)
    owner: dict[str, Path] = {}
    for f in files:
        base = pid = ids[f]
        n = 1
        while pid in used and owner.get(pid) != same[f]:
            n += 1
            pid = f"{base}-{n}"
        used.add(pid)
        owner[pid] = same[f]
        out[f] = pid
    return out
