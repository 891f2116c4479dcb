"""Run every benchmark script in smoke mode; exit non-zero if any fails.

CI runs this (``make bench-smoke``) so the scripts keep working; the figures
of a smoke run mean nothing. Each script gets its own process and a time
limit. Without ``../shared/data`` the scripts print why they skip and exit 0,
and so does this.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SCRIPTS = ("search.py", "indexing.py", "relevance.py", "learning.py", "http.py", "broadcast.py", "hostile.py",
           "load.py", "scale.py", "app_factory.py")
TIME_LIMIT = 100  # seconds per script
#: Scripts that need longer: load.py imports the shipped content, then 20 s of load;
#: scale.py starts three servers one after another.
TIME_LIMITS = {"load.py": 200, "scale.py": 200}


def main() -> int:
    failed = []
    started = time.monotonic()
    for name in SCRIPTS:
        script = BENCH / name
        if not script.exists():
            print(f"== {name}: not there, skipped")
            continue
        print(f"== {name} --smoke", flush=True)
        began = time.monotonic()
        try:
            result = subprocess.run([sys.executable, str(script), "--smoke"], cwd=BENCH.parent,
                                    timeout=TIME_LIMITS.get(name, TIME_LIMIT))
            code = result.returncode
        except subprocess.TimeoutExpired:
            code = "timeout"
        print(f"== {name}: {'ok' if code == 0 else f'FAILED ({code})'} in {time.monotonic() - began:.1f} s",
              flush=True)
        if code != 0:
            failed.append(name)
    print(f"bench smoke: {len(failed)} failed in {time.monotonic() - started:.0f} s"
          + (f": {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
