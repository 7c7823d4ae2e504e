"""A corpus of bad input, each kind through the real command line: one line, exit 2.

Every case is a malformed or hostile file, flag or path a careless or hostile user might
give. Each must end within seconds with exit status 2 and exactly one line on stderr,
``netsim: error: ...``, that names the file, line or field (``expect``), with no traceback
and nothing on stdout. Cases run in-process through typer's runner (the whole corpus
takes seconds); the ones that could cost memory if a guard failed (YAML bombs, deep
nesting, huge files) also run in a subprocess under a 1.5 GB address-space cap
(:func:`test_costly_inputs_are_refused_under_a_memory_cap`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netsim.cli import app
from netsim.config.scenarios import MAX_EXTENDS_DEPTH

Writer = Callable[[Path], list[str]]


@dataclass(frozen=True)
class Case:
    """One kind of bad input: how to make it in a folder, and what its line must name."""

    make: Writer
    expect: str
    costly: bool = False


def write(folder: Path, name: str, content: str | bytes) -> str:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def scenario(text: str | bytes, name: str = "s.toml") -> Writer:
    return lambda d: ["validate", write(d, name, text)]


def run_with(*flags: str) -> Writer:
    return lambda d: ["run", "--quiet", "--out", str(d / "out"), *flags]


def network(text: str | bytes, name: str = "n.csv", *more: str) -> Writer:
    return lambda d: run_with(f"--set=network_file={write(d, name, text)}", *more)(d)


EXPERIMENT = 'name = "x"\nreplicates = 1\nsteps = 3\ndesign = "grid"\n'
VARY = "[vary]\nfatigue = [0.01, 0.02]\n"


def experiment(text: str | bytes, name: str = "e.toml") -> Writer:
    return lambda d: ["sweep", write(d, name, text), "--out", str(d / "sweep"), "--serial"]


def bomb(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def extends_chain(length: int) -> Writer:
    def make(d: Path) -> list[str]:
        write(d, "c0.toml", 'name = "root"\n')
        for i in range(1, length):
            write(d, f"c{i}.toml", f'extends = "c{i - 1}.toml"\nname = "c{i}"\n')
        return ["validate", str(d / f"c{length - 1}.toml")]

    return make


def cycle(d: Path) -> list[str]:
    write(d, "a.toml", 'extends = "b.toml"\n')
    write(d, "b.toml", 'extends = "a.toml"\n')
    return ["validate", str(d / "a.toml")]


def symlink_loop(d: Path) -> list[str]:
    (d / "loop.toml").symlink_to(d / "loop.toml")
    return ["validate", str(d / "loop.toml")]


def directory(command: str) -> Writer:
    def make(d: Path) -> list[str]:
        (d / "folder.toml").mkdir()
        tail = ["--out", str(d / "sweep")] if command == "sweep" else []
        return [command, str(d / "folder.toml"), *tail]

    return make


def unreadable(d: Path) -> list[str]:
    path = write(d, "locked.toml", 'name = "x"\n')
    os.chmod(path, 0)
    return ["validate", path]


def scenario_naming_three_people(d: Path) -> list[str]:
    """A scenario whose network file names three people, in a population of two."""
    people = write(d, "n.csv", "source,target\na,b\nb,c\n")
    text = f'[network]\nnetwork_file = "{people}"\neligible_population = 2\nfounding_core = 0\n'
    return ["validate", write(d, "s.toml", text + "[diffusion]\ninnovators = 0\n")]


GRAPHML = (
    '<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
    '<graph edgedefault="undirected">{}</graph></graphml>'
)

CASES: dict[str, Case] = {
    # --- scenario files -------------------------------------------------------------
    "toml syntax": Case(scenario('name = "x\n'), "s.toml line 1"),
    "toml duplicate key": Case(
        scenario("[members]\nreciprocity = 0.5\nreciprocity = 0.6\n"), "s.toml"
    ),
    "toml unknown group": Case(scenario("[nonsense]\nx = 1\n"), "nonsense"),
    "toml unknown key": Case(scenario("[members]\nreciprocty = 0.5\n"), "reciprocty"),
    "toml wrong type": Case(scenario('[members]\nreciprocity = "high"\n'), "reciprocity"),
    "toml out of range": Case(scenario("[members]\nreciprocity = 7\n"), "reciprocity"),
    "toml negative population": Case(
        scenario("[network]\neligible_population = -5\n"), "eligible_population"
    ),
    "toml float for whole number": Case(
        scenario("[network]\nfounding_core = 2.5\n"), "founding_core"
    ),
    "toml bool for number": Case(scenario("[members]\nreciprocity = true\n"), "reciprocity"),
    "toml unknown choice": Case(
        scenario('[leadership]\nleadership_style = "tyrant"\n'), "leadership_style"
    ),
    "toml nan": Case(scenario("[members]\nreciprocity = nan\n"), "reciprocity"),
    "toml inf": Case(scenario("[members]\nreciprocity = inf\n"), "reciprocity"),
    "toml huge integer": Case(
        scenario("[network]\neligible_population = 99999999999999999999\n"), "eligible_population"
    ),
    "toml deep nesting": Case(
        scenario("a = " + "[" * 3000 + "]" * 3000 + "\n"), "s.toml", costly=True
    ),
    "toml founders above population": Case(
        scenario("[network]\neligible_population = 10\nfounding_core = 20\n"), "founding_core"
    ),
    "toml timeline after the end": Case(
        scenario('steps = 10\n[[timeline]]\nstep = 50\naction = "funding_cut"\namount = 0\n'),
        "timeline",
    ),
    "toml timeline unknown action": Case(
        scenario('[[timeline]]\nstep = 5\naction = "party"\n'), "action"
    ),
    "toml timeline not a table": Case(scenario("timeline = 5\n"), "timeline"),
    "toml group not a table": Case(scenario("members = 5\n"), "members"),
    "toml name not text": Case(scenario("name = 5\n"), "name"),
    "toml negative steps": Case(scenario("steps = -1\n"), "steps"),
    "not utf-8": Case(scenario(b'name = "\xff\xfe"\n'), "UTF-8"),
    "nul byte": Case(scenario(b'name = "a\x00"\n'), "s.toml"),
    "binary garbage": Case(scenario(bytes(range(256)) * 4), "s.toml"),
    "huge scenario": Case(scenario("# " + "x" * 1_100_000 + "\n"), "larger than", costly=True),
    "wrong suffix": Case(scenario('name = "x"\n', "s.json"), "unsupported file type"),
    "no suffix": Case(scenario('name = "x"\n', "scenario"), "unsupported file type"),
    "missing scenario": Case(lambda d: ["validate", str(d / "nowhere.toml")], "does not exist"),
    "scenario is a folder": Case(directory("validate"), "folder.toml"),
    "symlink loop": Case(symlink_loop, "loop.toml"),
    "extends missing": Case(scenario('extends = "gone.toml"\n'), "extends"),
    "extends not text": Case(scenario("extends = 5\n"), "extends"),
    "extends a folder": Case(
        lambda d: ((d / "p.toml").mkdir(), scenario('extends = "p.toml"\n')(d))[1], "extends"
    ),
    "extends cycle": Case(cycle, "cycle"),
    "extends chain too long": Case(extends_chain(MAX_EXTENDS_DEPTH + 20), "longer than"),
    "yaml syntax": Case(scenario("name: [unclosed\n", "s.yaml"), "s.yaml"),
    "yaml duplicate key": Case(scenario("name: a\nname: b\n", "s.yaml"), "given twice"),
    "yaml duplicate nested key": Case(
        scenario("members:\n  reciprocity: 0.5\n  reciprocity: 0.6\n", "s.yaml"), "given twice"
    ),
    "yaml alias": Case(scenario("a: &x 1\nname: *x\n", "s.yaml"), "aliases"),
    "yaml bomb": Case(scenario(bomb(9), "s.yaml"), "aliases", costly=True),
    "yaml deep nesting": Case(
        scenario("a: " + "[" * 3000 + "]" * 3000 + "\n", "s.yaml"), "nested", costly=True
    ),
    "yaml list at top": Case(scenario("- 1\n- 2\n", "s.yaml"), "mapping"),
    "yaml number key": Case(scenario("1: 2\n", "s.yaml"), "must be text"),
    "yaml python tag": Case(
        scenario("name: !!python/object/apply:os.system [echo hi]\n", "s.yaml"), "s.yaml"
    ),
    # --- command-line flags ---------------------------------------------------------
    "set without equals": Case(run_with("--set", "fatigue"), "NAME=VALUE"),
    "set unknown name": Case(run_with("--set", "fatigeu=0.1"), "fatigeu"),
    "set underscore number": Case(run_with("--set", "steps=1_0"), "steps"),
    "set padded number": Case(run_with("--set", "steps= 5"), "steps"),
    "set nan": Case(run_with("--set", "fatigue=nan"), "fatigue"),
    "set timeline": Case(run_with("--set", "timeline=1"), "--event"),
    "seed negative": Case(run_with("--seed", "-1"), "seed"),
    "seed text": Case(run_with("--seed", "x"), "--seed"),
    "steps text": Case(run_with("--steps", "many"), "--steps"),
    "steps over the limit": Case(run_with("--steps", "99999999999"), "steps"),
    "event malformed": Case(run_with("--event", "x:y"), "--event"),
    "event unknown action": Case(run_with("--event", "5:party"), "party"),
    "unknown option": Case(run_with("--bogus"), "--bogus"),
    "unknown command": Case(lambda d: ["bogus"], "bogus"),
    "unknown scenario name": Case(
        lambda d: ["run", "no_such_scenario", "--out", str(d / "o")], "no_such_scenario"
    ),
    "memory limit not a size": Case(run_with("--memory-limit", "lots"), "lots"),
    # --- network files --------------------------------------------------------------
    "network missing": Case(run_with("--set", "network_file=/nonexistent/n.csv"), "network_file"),
    "network is a folder": Case(
        lambda d: ((d / "n.csv").mkdir(), run_with(f"--set=network_file={d / 'n.csv'}")(d))[1],
        "network_file",
    ),
    "network no header": Case(network("a,b\nb,c\n"), "n.csv"),
    "network empty": Case(network(""), "n.csv"),
    "network self loop": Case(network("source,target\na,a\n"), "n.csv line 2"),
    "network empty label": Case(network("source,target\na,\n"), "n.csv line 2"),
    "network not utf-8": Case(network(b"source,target\n\xff,b\n"), "n.csv line 2"),
    "network nul byte": Case(network(b"source,target\na\x00,b\n"), "NUL"),
    "network wrong suffix": Case(network("source,target\na,b\n", "n.json"), "network_file"),
    "network above population": Case(
        network(
            "source,target\na,b\nb,c\n",
            "n.csv",
            "--set",
            "eligible_population=2",
            "--set",
            "founding_core=0",
            "--set",
            "innovators=0",
        ),
        "eligible_population",
    ),
    "graphml broken": Case(network("<graphml><graph>", "n.graphml"), "n.graphml"),
    "graphml node without id": Case(
        network(GRAPHML.format('<node/><node id="b"/>'), "n.graphml"), "no id"
    ),
    "graphml self loop": Case(
        network(GRAPHML.format('<node id="a"/><edge source="a" target="a"/>'), "n.graphml"),
        "self-loop",
    ),
    "nodes file without network": Case(
        lambda d: run_with(f"--set=network_nodes_file={write(d, 'nodes.csv', 'id\na\n')}")(d),
        "network_nodes_file",
    ),
    "nodes file duplicate id": Case(
        lambda d: run_with(
            f"--set=network_file={write(d, 'n.csv', 'source,target\na,b\n')}",
            f"--set=network_nodes_file={write(d, 'nodes.csv', 'id\na\na\n')}",
        )(d),
        "duplicate",
    ),
    "validate network above population": Case(scenario_naming_three_people, "s.toml"),
    # --- experiment files -------------------------------------------------------------
    "experiment empty": Case(experiment(""), "e.toml"),
    "experiment unknown design": Case(
        experiment(EXPERIMENT.replace("grid", "random") + VARY), "design"
    ),
    "experiment vary unknown": Case(
        experiment(EXPERIMENT + "[vary]\nfatigeu = [0.1]\n"), "fatigeu"
    ),
    "experiment vary empty list": Case(
        experiment(EXPERIMENT + "[vary]\nfatigue = []\n"), "fatigue"
    ),
    "experiment vary out of range": Case(
        experiment(EXPERIMENT + "[vary]\nfatigue = [0.1, 7]\n"), "fatigue"
    ),
    "experiment grid too large": Case(
        experiment(
            EXPERIMENT
            + "[vary]\n"
            + "".join(
                f"{k} = [{', '.join(str(i / 1000) for i in range(1, 100))}]\n"
                for k in ("fatigue", "join_rate", "reciprocity", "initial_trust")
            )
        ),
        "runs",
    ),
    "experiment replicates too many": Case(
        experiment(EXPERIMENT.replace("replicates = 1", "replicates = 1000000000000") + VARY),
        "replicates",
    ),
    "experiment step_every huge": Case(
        experiment(
            EXPERIMENT + VARY + "[outputs]\nsteps = true\nstep_every = 100000000000000000000\n"
        ),
        "step_every",
    ),
    "experiment step_every float": Case(
        experiment(EXPERIMENT + VARY + "[outputs]\nsteps = true\nstep_every = 1e20\n"), "step_every"
    ),
    "experiment network file is a folder": Case(
        lambda d: (
            (d / "net.csv").mkdir(),
            experiment(EXPERIMENT + f'[set]\nnetwork_file = "{d / "net.csv"}"\n' + VARY)(d),
        )[1],
        "network_file",
    ),
    "experiment set unknown": Case(
        experiment(EXPERIMENT + "[set]\nfatigeu = 0.1\n" + VARY), "fatigeu"
    ),
    "experiment yaml duplicate": Case(
        experiment("name: x\nname: y\nvary:\n  fatigue: [0.1]\n", "e.yaml"), "given twice"
    ),
    "experiment is a folder": Case(directory("sweep"), "folder.toml"),
    "experiment missing": Case(
        lambda d: ["sweep", str(d / "nowhere.toml"), "--out", str(d / "o")], "does not exist"
    ),
    "analyse not a sweep": Case(lambda d: ["analyse", str(d)], "manifest.json"),
    "compare one scenario": Case(
        lambda d: ["compare", "default", "--out", str(d / "o")], "at least 2"
    ),
}


def run_case(case: Case, folder: Path) -> tuple[int, str, str]:
    args = case.make(folder)
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


def check_one_line(code: int, stdout: str, stderr: str, expect: str) -> None:
    lines = stderr.splitlines()
    assert code == 2, (code, stdout, stderr)
    assert stdout == "", stdout
    assert len(lines) == 1, stderr
    assert lines[0].startswith("netsim: error: "), stderr
    assert "Traceback" not in stderr
    assert expect in lines[0], (expect, lines[0])


def test_the_corpus_has_at_least_sixty_kinds() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gets_one_line_and_exit_2(name: str, tmp_path: Path) -> None:
    check_one_line(*run_case(CASES[name], tmp_path), CASES[name].expect)


def test_an_unreadable_file_gets_one_line(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads any file: there is no unreadable file to give")
    check_one_line(*run_case(Case(unreadable, "locked.toml"), tmp_path), "cannot be read")


MEMORY_CAP = 1536 * 2**20
"""Address space for a costly case's process: netsim imported (numba, pandas, scipy) plus
a small budget; a guard that failed would expand a bomb far past it."""

CHILD = """
import json, sys, resource
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
sys.path.insert(0, {tests!r})
from test_bad_input_corpus import CASES, run_case
code, out, err = run_case(CASES[sys.argv[1]], Path(sys.argv[2]))
sys.stdout.write(json.dumps([code, out, err]))
"""


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.costly))
def test_costly_inputs_are_refused_under_a_memory_cap(name: str, tmp_path: Path) -> None:
    """The same cases in a process capped at 1.5 GB of address space, within 60 s."""
    script = CHILD.format(cap=MEMORY_CAP, tests=str(Path(__file__).parent))
    done = subprocess.run(
        [sys.executable, "-c", script, name, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    code, stdout, stderr = json.loads(done.stdout)
    check_one_line(code, stdout, stderr, CASES[name].expect)


@pytest.mark.parametrize(
    "make",
    [
        run_with("--set", "leadership_style=" + "x" * 5000),
        scenario('[leadership]\nleadership_style = "' + "y" * 5000 + '"\n'),
        experiment(EXPERIMENT + '[vary]\nleadership_style = ["' + "z" * 5000 + '"]\n'),
    ],
    ids=["flag", "scenario", "experiment"],
)
def test_a_long_bad_value_is_quoted_as_a_short_excerpt(make: Writer, tmp_path: Path) -> None:
    code, stdout, stderr = run_case(Case(make, "leadership_style"), tmp_path)
    check_one_line(code, stdout, stderr, "leadership_style")
    assert "..." in stderr and len(stderr) < 400, len(stderr)
