"""On-demand performance benchmark of netsim (not a test; run it by hand).

Measures, in one run on this machine:

1. contagion mode (fixed Erdos-Renyi network, SI and SIR) member-steps per second;
2. the full social model (the default scenario) member-steps per second, with the
   number of members still active at the end;
3. build time of the full and the contagion model at the largest size;
4. peak memory of the full model (build + run) in a fresh subprocess;
5. Mesa's own ``virus_on_network`` example at the same sizes, and the ratio
   netsim contagion / Mesa example;
6. the targets next to the figures, with PASS / MISS.

Usage::

    python benchmarks/bench_model.py                      # 1k, 10k, 100k; 260 steps
    python benchmarks/bench_model.py --quick              # smoke run, seconds
    python benchmarks/bench_model.py --sizes 1000 10000 --steps 52 --skip-mesa
    python benchmarks/bench_model.py --json results.json --profile

See benchmarks/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import gc
import io
import json
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from rich.console import Console
from rich.table import Table

import netsim
from netsim import Parameters

FULL_SIZE = 100_000
"""The size the targets are stated at."""
DEFAULT_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 5_000)
DEFAULT_STEPS = 260
"""Five years of weekly steps."""
QUICK_STEPS = 26
SEED = 1
MESA_STEP_BUDGET = 1_000_000
"""Agent-steps per size for Mesa's example: steps = clamp(budget / n, 5, 50)."""
FIZZLE_SHARE = 0.10
"""A full-model run ending with fewer active members than this share of n did little work."""
MB = 1_000_000
"""Memory is reported in MB of 10^6 bytes (stricter than MiB against a 300 MB target)."""

TARGET_CONTAGION_RATE = 30e6
TARGET_CONTAGION_VS_MESA = 100.0
TARGET_FULL_RATE = 5e6
TARGET_BUILD_SECONDS = 2.0
TARGET_PEAK_MEMORY_MB = 300.0

console = Console(width=140)


# --- results ---------------------------------------------------------------------------------
@dataclass
class RunTiming:
    """One timed ``run()`` (or block of Mesa ``step()`` calls) at one size."""

    kind: str
    n: int
    steps: int
    build_seconds: float
    run_seconds: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Member-steps (agent-steps) per second."""
        return self.n * self.steps / self.run_seconds if self.run_seconds > 0 else float("inf")

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["member_steps_per_second"] = self.rate
        out["ms_per_step"] = 1e3 * self.run_seconds / self.steps if self.steps else 0.0
        return out


@dataclass
class Check:
    """One target and how the measured figure compares with it."""

    name: str
    target: str
    measured: str
    passed: bool | None  # None: not measured in this run
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.passed is None:
            return "[dim]n/a[/dim]"
        verdict = "[green]PASS[/green]" if self.passed else "[red]MISS[/red]"
        return verdict + ("[yellow]*[/yellow]" if self.note else "")


# --- netsim ------------------------------------------------------------------------------------
def contagion_parameters(n: int, steps: int, *, sir: bool) -> Parameters:
    """The pure-contagion benchmark scenario (SI by default, SIR with ``sir=True``)."""
    return Parameters(
        mode="contagion",
        topology="erdos_renyi",
        eligible_population=n,
        contacts_per_person=6,
        innovators=max(1, n // 1000),
        transmission_probability=0.3 if sir else 0.05,
        recovery_probability=0.3 if sir else 0.0,
        steps=steps,
    )


_DEFAULTS = Parameters()
PEOPLE_PER_ORGANISATION = _DEFAULTS.eligible_population // _DEFAULTS.organisations
"""People per organisation in the default scenario (500 people in 10 organisations)."""


def full_parameters(n: int, steps: int, *, scaled: bool = False) -> Parameters:
    """The default scenario (mode='social') at ``n`` eligible people.

    ``scaled=True``: the same, but with the number of organisations scaled with n so
    each keeps the default scenario's size (``PEOPLE_PER_ORGANISATION``). The plain
    default keeps 10 organisations whatever n is, so at 100k each holds 10,000 people.
    """
    if scaled:
        organisations = max(1, n // PEOPLE_PER_ORGANISATION)
        return Parameters(eligible_population=n, organisations=organisations, steps=steps)
    return Parameters(eligible_population=n, steps=steps)


def few_active(active_at_end: float, peak_active: float, n: int) -> str:
    """'' if the run ended with many active members; else 'fizzled' or 'still small'.

    A run that ends with few active members did little work per step, so its
    member-steps per second overstate the speed of a thriving network.
    """
    if active_at_end >= FIZZLE_SHARE * n:
        return ""
    return "fizzled" if active_at_end < 0.5 * peak_active else "still small"


def run_few_active(r: RunTiming) -> str:
    """:func:`few_active` of a full-model timing ('' if it has no membership figures)."""
    if "active" not in r.extra:
        return ""
    return few_active(r.extra["active"], r.extra.get("peak_active", 0), r.n)


def _fresh() -> None:
    gc.collect()


def time_netsim(kind: str, params: Parameters) -> RunTiming:
    """Build (timed) and run (timed) one model; summarise its final state (not timed)."""
    _fresh()
    t0 = time.perf_counter()
    model = netsim.build_model(params, seed=SEED)
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    table = model.table()
    last = table.iloc[-1]
    extra: dict[str, Any] = {}
    for column in (
        "active",
        "passive",
        "members",
        "ties",
        "adoption_share",
        "ever_adopted_share",
        "member_adoption_share",
    ):
        if column in table.columns:
            value = last[column]
            extra[column] = float(value) if isinstance(value, float) else int(value)
    if "adoption_share" in table.columns:
        # steps (after step 0) that started with at least one adopter able to transmit
        extra["steps_with_adopters"] = int((table["adoption_share"].iloc[:-1] > 0).sum())
    if "active" in table.columns:
        extra["peak_active"] = int(table["active"].max())
    timing = RunTiming(kind, params.eligible_population, params.steps, t1 - t0, t2 - t1, extra)
    del model, table
    _fresh()
    return timing


def time_builds(make: Callable[[], Parameters], repeats: int) -> list[float]:
    """Seconds of ``repeats`` fresh builds (nothing run)."""
    out = []
    for _ in range(repeats):
        params = make()
        _fresh()
        t0 = time.perf_counter()
        model = netsim.build_model(params, seed=SEED)
        out.append(time.perf_counter() - t0)
        del model
    _fresh()
    return out


# --- Mesa's virus_on_network example ---------------------------------------------------------
class _SparseGnp:
    """Stands in for the ``networkx`` module inside Mesa's example during construction.

    The example calls ``nx.erdos_renyi_graph(n, p)``, networkx's O(n^2) G(n, p)
    generator (5e9 coin flips at 100k nodes: far too long to wait for). This
    answers that call with ``nx.fast_gnp_random_graph``, the O(n + m) generator of
    the same G(n, p) distribution, and passes every other attribute through.
    """

    def __init__(self, seed: int) -> None:
        self._seed = seed

    def erdos_renyi_graph(self, n: int, p: float, *args: Any, **kwargs: Any) -> nx.Graph:
        kwargs.setdefault("seed", self._seed)
        return nx.fast_gnp_random_graph(n, p, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(nx, name)


@contextlib.contextmanager
def mesa_example_fast_construction(seed: int) -> Iterator[Any]:
    """Patch Mesa's example module for construction only: no spring layout, sparse G(n, p).

    ``mesa.discrete_space.Network`` computes ``nx.spring_layout`` unless
    ``layout=None`` (minutes at 10k nodes); the layout is only for drawing and
    does not affect ``step()``.
    """
    import mesa.examples.basic.virus_on_network.model as example

    original_network, original_nx = example.Network, example.nx
    example.Network = functools.partial(original_network, layout=None)
    example.nx = _SparseGnp(seed)
    try:
        yield example
    finally:
        example.Network, example.nx = original_network, original_nx


def mesa_steps_for(n: int) -> int:
    return max(5, min(50, MESA_STEP_BUDGET // n))


def time_mesa_example(n: int, steps: int) -> RunTiming:
    """Build Mesa's VirusOnNetwork at ``n`` nodes and time ``steps`` calls of its ``step()``."""
    _fresh()
    with mesa_example_fast_construction(SEED) as example:
        t0 = time.perf_counter()
        model = example.VirusOnNetwork(
            num_nodes=n,
            avg_node_degree=6,
            initial_outbreak_size=max(1, n // 1000),
            rng=SEED,
        )
        t1 = time.perf_counter()
    edges = model.grid.G.number_of_edges()
    t2 = time.perf_counter()
    for _ in range(steps):
        model.step()
    t3 = time.perf_counter()
    extra = {
        "infected": int(example.number_infected(model)),
        "resistant": int(example.number_resistant(model)),
        "edges": int(edges),
    }
    del model
    _fresh()
    return RunTiming("mesa_virus_on_network", n, steps, t1 - t0, t3 - t2, extra)


# --- memory (fresh subprocess) --------------------------------------------------------------------
def _proc_status_kib(key: str) -> int | None:
    """A field of /proc/self/status in KiB (VmRSS: current RSS, VmHWM: peak RSS), if any."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _maxrss_kib() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


def memory_child(n: int, steps: int, *, scaled: bool) -> None:
    """Run in a fresh interpreter: build + run the full model, print RSS figures as JSON.

    A tiny model is built and run first, so the baseline holds the code every run needs
    (numba and its compiled kernels, Mesa, scipy): ``import netsim`` loads none of it
    since the lazy imports, and the increment is meant to be the model's own data.
    """
    netsim.build_model(full_parameters(200, 2, scaled=scaled), seed=SEED).run()
    gc.collect()
    snapshot = {
        "baseline_rss_kib": _proc_status_kib("VmRSS"),
        "baseline_hwm_kib": _proc_status_kib("VmHWM"),
        "baseline_maxrss_kib": _maxrss_kib(),
    }
    model = netsim.build_model(full_parameters(n, steps, scaled=scaled), seed=SEED)
    snapshot["build_hwm_kib"] = _proc_status_kib("VmHWM")
    snapshot["build_maxrss_kib"] = _maxrss_kib()
    model.run()
    snapshot["run_hwm_kib"] = _proc_status_kib("VmHWM")
    snapshot["run_maxrss_kib"] = _maxrss_kib()
    table = model.table()
    snapshot["active_at_end"] = int(table["active"].iloc[-1])
    snapshot["peak_active"] = int(table["active"].max())
    print(json.dumps({"n": n, "steps": steps, "scaled": scaled, **snapshot}))


def measure_memory(n: int, steps: int, *, scaled: bool) -> dict[str, Any]:
    """Start this script in a fresh interpreter in memory-child mode and read its figures.

    Figures (MB = 10^6 bytes):

    - ``baseline_mb``: RSS after the interpreter, the imports and a 200-member warm-up
      run that loads the compiled kernels (VmRSS);
    - ``peak_mb``: peak RSS of the child after build + run (VmHWM: the kernel's
      high-water mark of this process's own memory);
    - ``increment_mb`` = peak - baseline: the model's memory, compared with the target;
    - ``maxrss_mb``: ``ru_maxrss`` as ``getrusage`` reports it. On Linux a spawned
      child's ``ru_maxrss`` starts at its parent's peak RSS (it survives ``exec``),
      which is why the memory child is started before this process builds anything
      and why VmHWM is preferred when /proc is there.
    """
    cmd = [sys.executable, str(Path(__file__).resolve()), "--memory-child", str(n)]
    cmd += ["--steps", str(steps)] + (["--scaled-organisations"] if scaled else [])
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"memory subprocess failed ({done.returncode}):\n{done.stderr}")
    data: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    kib = 1024 / MB
    have_proc = data["baseline_rss_kib"] is not None and data["run_hwm_kib"] is not None
    base = data["baseline_rss_kib"] if have_proc else data["baseline_maxrss_kib"]
    peak = data["run_hwm_kib"] if have_proc else data["run_maxrss_kib"]
    after_build = data["build_hwm_kib"] if have_proc else data["build_maxrss_kib"]
    data["peak_source"] = "VmHWM" if have_proc else "ru_maxrss"
    data["baseline_mb"] = base * kib
    data["baseline_maxrss_mb"] = data["baseline_maxrss_kib"] * kib
    data["peak_mb"] = peak * kib
    data["build_increment_mb"] = (after_build - base) * kib
    data["increment_mb"] = (peak - base) * kib
    data["maxrss_mb"] = data["run_maxrss_kib"] * kib
    data["maxrss_increment_mb"] = (data["run_maxrss_kib"] - base) * kib
    return data


# --- profile ----------------------------------------------------------------------------------
def profile_run(params: Parameters, top: int = 25) -> str:
    """cProfile of a model's ``run()`` (build not included), top lines by cumulative time."""
    model = netsim.build_model(params, seed=SEED)
    profiler = cProfile.Profile()
    profiler.enable()
    model.run()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


# --- report -----------------------------------------------------------------------------------
def _m(rate: float) -> str:
    return f"{rate / 1e6:,.2f} M"


def _share(x: Any) -> str:
    return "-" if x is None else f"{float(x):.1%}"


def environment() -> dict[str, Any]:
    import mesa

    def git(*args: str) -> str:
        root = Path(__file__).resolve().parent.parent
        try:
            done = subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, check=False
            )
        except OSError:
            return "?"
        return done.stdout.strip()

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "networkx": nx.__version__,
        "mesa": mesa.__version__,
        "netsim": netsim.__version__,
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "git_dirty_files": len(git("status", "--porcelain").splitlines()),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
    }


def netsim_table(title: str, rows: Sequence[RunTiming], *, contagion: bool) -> Table:
    table = Table(title=title, title_justify="left")
    for name in ("members", "steps", "build s", "run s", "ms/step", "member-steps/s"):
        table.add_column(name, justify="right")
    if contagion:
        table.add_column("adopted at end", justify="right")
        table.add_column("ever adopted", justify="right")
        table.add_column("steps w/ adopters", justify="right")
    else:
        table.add_column("active at end", justify="right")
        table.add_column("members at end", justify="right")
        table.add_column("peak active", justify="right")
        table.add_column("ties at end", justify="right")
    for r in rows:
        cells = [
            f"{r.n:,}",
            str(r.steps),
            f"{r.build_seconds:.3f}",
            f"{r.run_seconds:.3f}",
            f"{1e3 * r.run_seconds / r.steps:.2f}",
            _m(r.rate),
        ]
        e = r.extra
        if contagion:
            cells += [
                _share(e.get("adoption_share")),
                _share(e.get("ever_adopted_share")),
                str(e.get("steps_with_adopters", "-")),
            ]
        else:
            active = e.get("active", 0)
            flag = run_few_active(r)
            warn = f" [yellow]{flag}*[/yellow]" if flag else ""
            cells += [
                f"{active:,.0f} ({active / r.n:.0%}){warn}",
                f"{e.get('members', 0):,.0f}",
                f"{e.get('peak_active', 0):,.0f}",
                f"{e.get('ties', 0):,.0f}",
            ]
        table.add_row(*cells)
    return table


def mesa_table(
    rows: Sequence[RunTiming], si: dict[int, RunTiming], sir: dict[int, RunTiming]
) -> Table:
    table = Table(
        title="5. Mesa's virus_on_network example (layout off, sparse G(n,p); own step() incl. "
        "its DataCollector)",
        title_justify="left",
    )
    for name in (
        "nodes",
        "steps",
        "build s",
        "run s",
        "ms/step",
        "agent-steps/s",
        "infected at end",
        "netsim SI / Mesa",
        "netsim SIR / Mesa",
    ):
        table.add_column(name, justify="right")
    for r in rows:
        ratio_si = f"{si[r.n].rate / r.rate:,.0f}x" if r.n in si else "-"
        ratio_sir = f"{sir[r.n].rate / r.rate:,.0f}x" if r.n in sir else "-"
        table.add_row(
            f"{r.n:,}",
            str(r.steps),
            f"{r.build_seconds:.2f}",
            f"{r.run_seconds:.3f}",
            f"{1e3 * r.run_seconds / r.steps:.1f}",
            f"{r.rate / 1e6:,.3f} M",
            f"{r.extra['infected']:,}",
            ratio_si,
            ratio_sir,
        )
    return table


def build_rows(builds: dict[str, list[float]], n: int) -> Table:
    table = Table(title=f"3. Build time at {n:,} members (fresh builds)", title_justify="left")
    for name in ("model", "builds", "median s", "min s", "max s"):
        table.add_column(name, justify="right")
    for kind, times in builds.items():
        table.add_row(
            kind,
            str(len(times)),
            f"{statistics.median(times):.3f}",
            f"{min(times):.3f}",
            f"{max(times):.3f}",
        )
    return table


def memory_table(mem: dict[str, Any], label: str) -> Table:
    table = Table(
        title=f"{label} Peak memory, full model at {mem['n']:,} members, build + {mem['steps']} "
        "steps (fresh subprocess; MB = 10^6 bytes)",
        title_justify="left",
    )
    table.add_column("figure")
    table.add_column("MB", justify="right")
    src = mem["peak_source"]
    rows: list[tuple[str, str]] = [
        ("baseline: RSS after imports and a warm-up run (VmRSS)", f"{mem['baseline_mb']:.1f}"),
        (f"model after build: peak RSS ({src}) minus baseline", f"{mem['build_increment_mb']:.1f}"),
        (
            f"[bold]model: peak RSS ({src}) after build + run minus baseline "
            "<- compared with the 300 MB target[/bold]",
            f"[bold]{mem['increment_mb']:.1f}[/bold]",
        ),
        (f"absolute peak RSS of the process ({src})", f"{mem['peak_mb']:.1f}"),
        (
            "ru_maxrss at the end (see README: starts at the parent's RSS)",
            f"{mem['maxrss_mb']:.1f}",
        ),
        ("ru_maxrss after imports", f"{mem['baseline_maxrss_mb']:.1f}"),
        (
            "members active at the end / at the peak",
            f"{mem['active_at_end']:,} / {mem['peak_active']:,}",
        ),
    ]
    for label, value in rows:
        table.add_row(label, value)
    return table


def evaluate(
    si: dict[int, RunTiming],
    full: dict[int, RunTiming],
    scaled: dict[int, RunTiming],
    mesa_rows: dict[int, RunTiming],
    builds: dict[str, list[float]],
    build_n: int,
    mems: dict[str, dict[str, Any]],
) -> list[Check]:
    n = FULL_SIZE
    checks: list[Check] = []

    def rate_check(name: str, rows: dict[int, RunTiming], target: float) -> Check:
        if n not in rows:
            return Check(name, f">= {target / 1e6:.0f} M/s", "not run at 100k", None)
        rate = rows[n].rate
        return Check(name, f">= {target / 1e6:.0f} M/s", f"{rate / 1e6:.2f} M/s", rate >= target)

    checks.append(rate_check("contagion (SI) at 100k, member-steps/s", si, TARGET_CONTAGION_RATE))
    name = "contagion (SI) at 100k vs Mesa's virus_on_network"
    target = f">= {TARGET_CONTAGION_VS_MESA:.0f}x"
    if n in si and n in mesa_rows:
        ratio = si[n].rate / mesa_rows[n].rate
        checks.append(Check(name, target, f"{ratio:,.0f}x", ratio >= TARGET_CONTAGION_VS_MESA))
    else:
        checks.append(Check(name, target, "not run at 100k", None))
    for label, rows in (("default scenario", full), ("organisations scaled", scaled)):
        if not rows:
            continue
        check = rate_check(f"full model at 100k ({label}), member-steps/s", rows, TARGET_FULL_RATE)
        flag = run_few_active(rows[n]) if n in rows else ""
        if flag:
            e = rows[n].extra
            check.note = (
                f"the network {flag} ({e['active']:,.0f} active at the end, peak "
                f"{e.get('peak_active', 0):,}): most steps had few active members, so this "
                "rate overstates the speed of a thriving network"
            )
        checks.append(check)
    for kind, times in builds.items():
        name = f"build, {kind} model at 100k (median)"
        target = f"< {TARGET_BUILD_SECONDS:.0f} s"
        if build_n != n:
            checks.append(Check(name, target, "not run at 100k", None))
        else:
            med = statistics.median(times)
            checks.append(Check(name, target, f"{med:.3f} s", med < TARGET_BUILD_SECONDS))
    target = f"< {TARGET_PEAK_MEMORY_MB:.0f} MB"
    for label, mem in mems.items():
        name = f"peak memory, full model at 100k ({label}), peak RSS - baseline"
        if mem["n"] != n:
            checks.append(Check(name, target, "not run at 100k", None))
            continue
        inc = mem["increment_mb"]
        check = Check(
            name,
            target,
            f"{inc:.1f} MB (absolute peak {mem['peak_mb']:.1f} MB)",
            inc < TARGET_PEAK_MEMORY_MB,
        )
        flag = few_active(mem["active_at_end"], mem["peak_active"], n)
        if flag:
            check.note = (
                f"the network {flag} in this run ({mem['active_at_end']:,} active at the end, "
                f"peak {mem['peak_active']:,}): a thriving 100k network keeps more ties"
            )
        checks.append(check)
    return checks


def checks_table(checks: Sequence[Check], title: str = "6. Targets") -> Table:
    """The targets beside the measured figures, with PASS / MISS (bench_compare uses it too)."""
    table = Table(title=title, title_justify="left")
    for name, justify in (("target", "left"), ("wanted", "right"), ("measured", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    table.add_column("", justify="center")
    for c in checks:
        table.add_row(c.name, c.target, c.measured, c.verdict)
    return table


# --- main ---------------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark netsim (contagion and full model) against Mesa's example.",
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=None, help="member counts")
    parser.add_argument(
        "--steps", type=int, default=None, help=f"steps per netsim run (default {DEFAULT_STEPS})"
    )
    parser.add_argument(
        "--mesa-steps",
        type=int,
        default=None,
        help="Mesa example step() calls per size (default: 1e6 / n, clamped to 5-50)",
    )
    parser.add_argument(
        "--build-repeats", type=int, default=3, help="fresh builds timed at the largest size"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, few steps: a smoke run")
    parser.add_argument("--skip-mesa", action="store_true", help="skip Mesa's example")
    parser.add_argument("--skip-memory", action="store_true", help="skip the memory subprocess")
    parser.add_argument(
        "--skip-scaled",
        action="store_true",
        help="skip the full-model variant with organisations scaled to n / 50",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also cProfile the full model's run() at the largest size (top 25 by cumulative "
        "time; full model, its scaled variant unless --skip-scaled, and contagion SI)",
    )
    parser.add_argument("--json", type=Path, default=None, help="write all figures to this file")
    parser.add_argument("--memory-child", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--scaled-organisations", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    if args.steps is None:
        args.steps = QUICK_STEPS if args.quick else DEFAULT_STEPS
    if args.quick:
        args.build_repeats = min(args.build_repeats, 1)
    args.sizes = sorted(set(args.sizes))
    if min(args.sizes) < 2 or args.steps < 1:
        parser.error("sizes must be >= 2 and steps >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.memory_child is not None:
        memory_child(args.memory_child, args.steps, scaled=args.scaled_organisations)
        return 0

    sizes: list[int] = args.sizes
    steps: int = args.steps
    largest = sizes[-1]
    env = environment()
    console.rule("netsim benchmark")
    console.print(
        f"sizes {sizes}, {steps} steps per netsim run, seed {SEED}; python {env['python']}, "
        f"numpy {env['numpy']}, mesa {env['mesa']}, networkx {env['networkx']}; "
        f"{env['cpus']} CPUs ({env['processor']}); load avg {env['load_average_at_start']}; "
        f"git {env['git_commit']} ({env['git_dirty_files']} changed files in the work tree)"
    )
    started = time.perf_counter()

    def progress(msg: str) -> None:
        console.print(f"[dim][{time.perf_counter() - started:6.1f}s] {msg}[/dim]")

    variants = {"default scenario": False}
    if not args.skip_scaled:
        variants["organisations scaled"] = True

    # first, while this process is small: a child's ru_maxrss starts at its parent's RSS
    mems: dict[str, dict[str, Any]] = {}
    if not args.skip_memory:
        for label, is_scaled in variants.items():
            progress(f"peak memory, full model ({label}), n={largest:,}, fresh subprocess")
            mems[label] = measure_memory(largest, steps, scaled=is_scaled)

    si: dict[int, RunTiming] = {}
    sir: dict[int, RunTiming] = {}
    full: dict[int, RunTiming] = {}
    scaled: dict[int, RunTiming] = {}
    for n in sizes:
        progress(f"contagion SI, n={n:,}")
        si[n] = time_netsim("contagion_si", contagion_parameters(n, steps, sir=False))
        progress(f"contagion SIR, n={n:,}")
        sir[n] = time_netsim("contagion_sir", contagion_parameters(n, steps, sir=True))
    for n in sizes:
        progress(f"full model (default scenario), n={n:,}")
        full[n] = time_netsim("full", full_parameters(n, steps))
    if not args.skip_scaled:
        for n in sizes:
            progress(f"full model (organisations scaled to n/{PEOPLE_PER_ORGANISATION}), n={n:,}")
            scaled[n] = time_netsim("full_scaled", full_parameters(n, steps, scaled=True))

    progress(f"build times at n={largest:,} ({args.build_repeats} each)")
    builds = {
        "full": time_builds(lambda: full_parameters(largest, steps), args.build_repeats),
        "contagion": time_builds(
            lambda: contagion_parameters(largest, steps, sir=False), args.build_repeats
        ),
    }
    # the timed runs above also built each model once: count those builds too
    builds["full"].append(full[largest].build_seconds)
    builds["contagion"].append(si[largest].build_seconds)

    mesa_rows: dict[int, RunTiming] = {}
    if not args.skip_mesa:
        for n in sizes:
            k = args.mesa_steps or mesa_steps_for(n)
            progress(f"Mesa virus_on_network, n={n:,}: building, then {k} steps")
            mesa_rows[n] = time_mesa_example(n, k)
            progress(
                f"  built in {mesa_rows[n].build_seconds:.1f}s, "
                f"{k} steps in {mesa_rows[n].run_seconds:.1f}s"
            )
    progress("done")
    console.print()

    console.print(
        netsim_table(
            "1a. Contagion mode, SI (ER graph, 6 contacts, beta 0.05, no recovery)",
            list(si.values()),
            contagion=True,
        )
    )
    console.print(
        netsim_table(
            "1b. Contagion mode, SIR (beta 0.3, recovery 0.3)", list(sir.values()), contagion=True
        )
    )
    console.print(
        netsim_table(
            "2a. Full model (mode='social'), default scenario: Parameters(eligible_population=n) "
            f"({_DEFAULTS.organisations} organisations whatever n is)",
            list(full.values()),
            contagion=False,
        )
    )
    if scaled:
        console.print(
            netsim_table(
                "2b. Full model, default scenario with organisations = n / "
                f"{PEOPLE_PER_ORGANISATION} ({PEOPLE_PER_ORGANISATION} people per organisation, "
                "as in the default 500 / 10)",
                list(scaled.values()),
                contagion=False,
            )
        )
    console.print(build_rows(builds, largest))
    for k, (label, mem) in enumerate(mems.items()):
        console.print(memory_table(mem, f"4{'ab'[k]}. [{label}]"))
    if mesa_rows:
        console.print(mesa_table(list(mesa_rows.values()), si, sir))
    checks = evaluate(si, full, scaled, mesa_rows, builds, largest, mems)
    console.print(checks_table(checks))
    for c in checks:
        if c.note:
            console.print(f"[yellow]*[/yellow] {c.name}: {c.note}")
    load_end = os.getloadavg() if hasattr(os, "getloadavg") else None
    console.print(
        f"[dim]total {time.perf_counter() - started:.1f}s; load average at end {load_end}[/dim]"
    )

    profiles: dict[str, str] = {}
    if args.profile:
        targets = {
            f"full model ({label})": full_parameters(largest, steps, scaled=is_scaled)
            for label, is_scaled in variants.items()
        }
        targets["contagion SI"] = contagion_parameters(largest, steps, sir=False)
        for label, params in targets.items():
            progress(f"profiling run() of the {label} at n={largest:,}, {steps} steps")
            profiles[label] = profile_run(params)
            console.rule(f"cProfile: {label}, run() at n={largest:,}, {steps} steps")
            print(profiles[label])

    if args.json is not None:
        payload = {
            "environment": {**env, "load_average_at_end": load_end},
            "sizes": sizes,
            "steps": steps,
            "contagion_si": [r.as_dict() for r in si.values()],
            "contagion_sir": [r.as_dict() for r in sir.values()],
            "full": [r.as_dict() for r in full.values()],
            "full_scaled_organisations": [r.as_dict() for r in scaled.values()],
            "build_seconds": {"n": largest, **builds},
            "memory": mems,
            "mesa_virus_on_network": [r.as_dict() for r in mesa_rows.values()],
            "checks": [
                {
                    "name": c.name,
                    "target": c.target,
                    "measured": c.measured,
                    "passed": c.passed,
                    "note": c.note,
                }
                for c in checks
            ],
            "profiles": profiles,
        }
        args.json.write_text(json.dumps(payload, indent=2, default=str))
        console.print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
