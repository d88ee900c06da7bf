"""The package as users install it: the sdist and the wheel carry the seed, the models and the data,
and an installed wheel answers its own first example from another directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from setuptools import find_packages

from nlp.config import DEFAULT_CORPUS, DEFAULT_MODELS

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
# Folders of the repository that the build maps into the package (nlp/_bundled/...).
MAPPED = {pkg: ROOT / folder for pkg, folder in SETUPTOOLS["package-dir"].items()}
SEED_NAME = "000_ce4448d9c54926ad.txt"


def _files(folder: Path) -> list[Path]:
    """Every file under ``folder`` that is not Python bytecode."""
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


def _bundled_files() -> dict[str, Path]:
    """Path inside the wheel -> file in the checkout, for every file of the mapped folders."""
    out = {}
    for pkg, folder in MAPPED.items():
        for path in _files(folder):
            out["/".join([*pkg.split("."), *path.relative_to(folder).parts])] = path
    return out


def _package_data_files() -> list[str]:
    """Paths (as in the wheel) of the non-Python files inside the checkout's nlp/ and api/."""
    return [
        p.relative_to(ROOT).as_posix()
        for top in ("nlp", "api")
        for p in _files(ROOT / top)
        if p.suffix != ".py"
    ]


def _clean_env(home: Path) -> dict[str, str]:
    """The environment of an installed tool: no source tree on the path, caches in ``home``."""
    env = {
        k: v for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"} and not k.startswith("POLICYLENS_")
    }
    env.update(
        HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1",
    )
    return env


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> tuple[Path, Path]:
    """Build the sdist from a copy of the tree, then the wheel from that sdist (as a publisher)."""
    base = tmp_path_factory.mktemp("dist")
    src = base / "src"
    # A copy, because setuptools writes build/ and *.egg-info/ beside pyproject.toml.
    shutil.copytree(
        ROOT, src, symlinks=True,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "__pycache__", "*.pyc", "*.egg-info", "build", "dist", ".*_cache",
            ".policylens-cache", "out", "node_modules",
        ),
    )
    out = base / "out"
    out.mkdir()
    env = _clean_env(base / "home")
    subprocess.run(
        [sys.executable, "-c",
         f"from setuptools import build_meta; build_meta.build_sdist({str(out)!r})"],
        cwd=src, env=env, check=True, capture_output=True, timeout=300,
    )
    (sdist,) = out.glob("*.tar.gz")
    # No build isolation: the dev environment's setuptools builds, so no index is needed.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(sdist)],
        cwd=base, env=env, check=True, capture_output=True, timeout=300,
    )
    (wheel,) = out.glob("*.whl")
    return sdist, wheel


def test_the_listed_packages_are_the_package_folders():
    listed = set(SETUPTOOLS["packages"]) - set(MAPPED)
    found = set(find_packages(str(ROOT), include=["nlp", "nlp.*", "api", "api.*"]))
    assert listed == found, (
        "pyproject.toml [tool.setuptools] packages must list every package folder: "
        f"missing {sorted(found - listed)}, stale {sorted(listed - found)}"
    )
    assert all(pkg.startswith("nlp._bundled.") for pkg in MAPPED)
    assert all(folder.is_dir() for folder in MAPPED.values())


def test_a_checkout_uses_its_own_seed_and_models():
    assert DEFAULT_CORPUS == ROOT / "corpora" / SEED_NAME
    assert DEFAULT_MODELS == ROOT / "models"


def test_the_sdist_carries_the_seed_the_labels_and_the_models(dists):
    sdist, _ = dists
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    expected = {p.relative_to(ROOT).as_posix() for p in _bundled_files().values()}
    assert f"corpora/{SEED_NAME}" in expected
    assert expected <= names
    assert set(_package_data_files()) <= names


def test_the_wheel_carries_the_seed_the_models_and_the_data(dists):
    _, wheel = dists
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        (top_level,) = [n for n in names if n.endswith(".dist-info/top_level.txt")]
        tops = set(zf.read(top_level).decode().split())
    expected = set(_bundled_files())
    assert f"nlp/_bundled/corpora/{SEED_NAME}" in expected
    assert "nlp/_bundled/models/MODEL_CARD.md" in expected
    assert "nlp/_bundled/models/policylens/weights.npz" in expected
    assert expected <= names
    assert set(_package_data_files()) <= names
    # No generic top-level names in users' environments.
    assert tops == {"api", "nlp"}
    assert not [n for n in names if n.split("/", 1)[0] in {"corpora", "models"}]


@pytest.mark.slow
def test_an_installed_wheel_answers_and_classifies_from_elsewhere(dists, tmp_path):
    _, wheel = dists
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    )
    # Only the wheel is installed; its dependencies come from this environment's site-packages,
    # added by a .pth line. A folder added that way is not scanned for .pth files, so the dev
    # environment's editable-install finder stays off (checked below).
    dev_sites = dict.fromkeys(sysconfig.get_path(k) for k in ("purelib", "platlib"))
    (site / "_policylens_test_deps.pth").write_text("\n".join(dev_sites) + "\n", encoding="utf-8")
    env = _clean_env(tmp_path / "home")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
         str(wheel)],
        env=env, check=True, capture_output=True, timeout=300,
    )
    work = tmp_path / "elsewhere"
    work.mkdir()

    def run(*args: str) -> str:
        proc = subprocess.run(
            list(args), cwd=work, env=env, capture_output=True, text=True, timeout=600
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    where = json.loads(run(
        str(python), "-c",
        "import json, importlib.util as u, nlp, nlp.config as c; print(json.dumps({"
        "'nlp': nlp.__file__, 'corpus': str(c.DEFAULT_CORPUS), 'models': str(c.DEFAULT_MODELS),"
        "'tops': [n for n in ('corpora', 'models') if u.find_spec(n)]}))",
    ))
    assert Path(where["nlp"]).is_relative_to(site), where
    assert Path(where["corpus"]) == site / "nlp" / "_bundled" / "corpora" / SEED_NAME
    assert Path(where["models"]) == site / "nlp" / "_bundled" / "models"
    assert where["tops"] == []

    tool = str(venv / "bin" / "policylens")
    answer = json.loads(run(tool, "ask", "--json", "Is my data sent to China?"))
    assert answer["verdict"] == "yes"
    assert answer["policy"] == "000-ce4448d9c54926ad"
    assert answer["citations"]
    assert "China" in answer["citations"][0]["text"]

    (work / "small.md").write_text(
        "# Privacy\n\nWe collect your email address and phone number when you register.\n\n"
        "We keep your data for two years.\n",
        encoding="utf-8",
    )
    rows = [json.loads(line) for line in run(tool, "classify", "--json", "small.md").splitlines()]
    assert len(rows) == 2
    assert "collection" in rows[0]["labels"]
    assert "retention" in rows[1]["labels"]
