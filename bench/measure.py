"""Small measuring helpers shared by the bench scripts: percentiles, peak
memory per phase, the machine's description and plain-text tables.

Peak memory is the process's peak resident set size (``VmHWM`` in
``/proc/self/status``), reset at the start of each phase by writing ``5`` to
``/proc/self/clear_refs`` (Linux), so each phase gets its own peak. It counts
everything the process holds (Python objects, SQLite's page cache, tantivy's
Rust heap), which ``tracemalloc`` would not see. Where the reset is not
possible, the figure is ``getrusage(RUSAGE_SELF).ru_maxrss``: the peak since
the process started (said so in the output).
"""
from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
from pathlib import Path


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    """p50, p95, p99 and the mean of latencies in milliseconds."""
    if not samples_ms:
        return {"n": 0, "p50": float("nan"), "p95": float("nan"), "p99": float("nan"), "mean": float("nan"),
                "max": float("nan")}
    if len(samples_ms) == 1:
        only = samples_ms[0]
        return {"n": 1, "p50": only, "p95": only, "p99": only, "mean": only, "max": only}
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return {"n": len(samples_ms), "p50": cuts[49], "p95": cuts[94], "p99": cuts[98],
            "mean": statistics.fmean(samples_ms), "max": max(samples_ms)}


def _status_kb(key: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class PeakMemory:
    """``with PeakMemory() as mem: ...`` then ``mem.peak_mb`` and ``mem.start_mb``."""

    method = "VmHWM reset per phase"

    def __enter__(self) -> "PeakMemory":
        self.reset_ok = False
        try:
            Path("/proc/self/clear_refs").write_text("5")
            self.reset_ok = _status_kb("VmHWM") is not None
        except OSError:
            pass
        self.start_mb = (_status_kb("VmRSS") or 0) / 1024
        return self

    def __exit__(self, *exc) -> None:
        if self.reset_ok:
            self.peak_mb = (_status_kb("VmHWM") or 0) / 1024
        else:
            PeakMemory.method = "ru_maxrss since process start"
            self.peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    @property
    def grew_mb(self) -> float:
        return max(0.0, self.peak_mb - self.start_mb)


def machine() -> dict[str, str]:
    """Cores, memory, CPU model and Python version, for the README and --json."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory = subprocess.run(["free", "-h"], capture_output=True, text=True, timeout=5).stdout.splitlines()[1].split()[1]
    except (OSError, IndexError, subprocess.SubprocessError):
        memory = "unknown"
    return {"cores": str(os.cpu_count()), "memory": memory, "cpu": cpu,
            "python": platform.python_version(), "system": platform.platform()}


def describe_machine() -> str:
    m = machine()
    return f"{m['cores']} cores ({m['cpu']}), {m['memory']} RAM, Python {m['python']}"


def table(headers: list[str], rows: list[list], title: str | None = None) -> str:
    """A left-aligned first column, right-aligned numbers, as plain text."""
    def cell(value) -> str:
        if isinstance(value, float):
            if value != value:  # NaN
                return "-"
            return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
        return "-" if value is None else str(value)

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = []
    if title:
        lines.append(title)
    lines.append("  ".join(h.ljust(widths[0]) if i == 0 else h.rjust(widths[i]) for i, h in enumerate(headers)))
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append("  ".join(v.ljust(widths[0]) if i == 0 else v.rjust(widths[i]) for i, v in enumerate(row)))
    return "\n".join(lines)


def ratio(portal: float | None, peer: float | None) -> float | None:
    """portal / peer (above 1: the portal is slower or bigger)."""
    if portal is None or peer is None or peer != peer or portal != portal or peer == 0:
        return None
    return portal / peer
