"""Cold start of the CLI: `policylens ask` and `segment` against importing sentence-transformers.

Usage::

    python bench/bench_cold.py [--reps 5] [--no-torch]

Each repetition runs, one after another (interleaved, so a busy machine slows every side alike):

* the baseline ``python -c "import sentence_transformers"`` (what every call paid before the ONNX
  encoder);
* ``policylens ask QUESTION`` on the bundled seed with warm caches (a cache folder filled once
  before the first repetition);
* the same with cold caches (an empty cache folder per repetition: the seed is parsed, its clauses
  encoded and labelled);
* ``policylens segment SEED --json`` with a cold cache;
* with the torch backend (``POLICYLENS_EMBED__BACKEND=torch``), ``ask`` with warm caches, for
  reference (``--no-torch`` skips it and the baseline, for an install without torch).

Prints the median wall time of each and its ratio to the baseline's median, and the load average.
A report, not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpora" / "000_ce4448d9c54926ad.txt"
QUESTION = "Is my data sent to China?"


def _policylens() -> list[str]:
    """The command that runs this tree's CLI with this interpreter."""
    return [sys.executable, "-c", "import sys; from nlp.cli import main; sys.exit(main())"]


def _run(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    return elapsed


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--no-torch", action="store_true", help="skip the torch sides")
    args = ap.parse_args(argv)

    base_env = {
        k: v for k, v in os.environ.items() if not k.startswith("POLICYLENS_")
    } | {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    tmp = Path(tempfile.mkdtemp(prefix="policylens-cold-"))
    warm_dir = tmp / "warm"
    onnx_warm = base_env | {"POLICYLENS_EMBED__CACHE_DIR": str(warm_dir)}
    torch_warm = onnx_warm | {"POLICYLENS_EMBED__BACKEND": "torch"}
    ask = [*_policylens(), "ask", QUESTION]
    segment = [*_policylens(), "segment", str(SEED), "--json"]

    # Fill the warm caches (both backends file their vectors under their own model id).
    _run(ask, onnx_warm)
    if not args.no_torch:
        _run(ask, torch_warm)

    sides: dict[str, list[float]] = {}
    for rep in range(args.reps):
        cold_dir = tmp / f"cold-{rep}"
        seg_dir = tmp / f"seg-{rep}"
        runs = [
            ("`import sentence_transformers` (baseline)",
             [sys.executable, "-c", "import sentence_transformers"], base_env),
            ("`policylens ask`, warm caches (onnx)", ask, onnx_warm),
            ("`policylens ask`, cold caches (onnx)", ask,
             base_env | {"POLICYLENS_EMBED__CACHE_DIR": str(cold_dir)}),
            ("`policylens segment` seed, cold cache", segment,
             base_env | {"POLICYLENS_EMBED__CACHE_DIR": str(seg_dir)}),
            ("`policylens ask`, warm caches (torch backend)", ask, torch_warm),
        ]
        for name, cmd, env in runs:
            if args.no_torch and ("torch" in name or "baseline" in name):
                continue
            sides.setdefault(name, []).append(_run(cmd, env))
        shutil.rmtree(cold_dir, ignore_errors=True)
        shutil.rmtree(seg_dir, ignore_errors=True)
    shutil.rmtree(tmp, ignore_errors=True)

    baseline = next((statistics.median(v) for k, v in sides.items() if "baseline" in k), None)
    print(f"\nCold starts, median of {args.reps} interleaved runs; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    print("| command | median s | ratio to baseline |")
    print("|---|---:|---:|")
    for name, times in sides.items():
        med = statistics.median(times)
        ratio = f"{med / baseline:.2f}x" if baseline else "-"
        print(f"| {name} | {med:.2f} | {ratio} |")
    print(f"\n(command: python bench/bench_cold.py --reps {args.reps})")


if __name__ == "__main__":
    main()
