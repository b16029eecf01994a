"""Shared fixtures. The package under test is the build tree's copy
(<build>/python, where <build> is $NASRANK_BUILD_DIR or ./build) unless
NASRANK_TEST_INSTALLED=1 asks for the installed one (the pip check in CI).
The `nasrank` program of the same build (or $NASRANK_PROGRAM) gives the
command line's answers to compare against."""
import json
import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("NASRANK_BUILD_DIR", REPO / "build")).resolve()
if os.environ.get("NASRANK_TEST_INSTALLED") != "1":
    sys.path.insert(0, str(BUILD / "python"))

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from nats_fixture import write_nats_directory  # noqa: E402

# Architectures of the small store: the first 24 benchmark indices (10 and 12
# are disconnected) and the paper's 3_33_333.
STORE_INDICES = list(range(24)) + [1462]


def run_cli(*args, check=True):
    """Runs the `nasrank` program; returns the CompletedProcess (text)."""
    program = pathlib.Path(os.environ.get("NASRANK_PROGRAM", BUILD / "nasrank"))
    if not program.exists():
        pytest.skip(f"no nasrank program at {program} (build it, or set NASRANK_BUILD_DIR)")
    result = subprocess.run([str(program), *map(str, args)], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"nasrank {' '.join(map(str, args))} failed ({result.returncode}): {result.stderr}")
    return result


def cli_json(*args):
    return json.loads(run_cli(*args).stdout)


def cli_error(*args):
    """The message of a failing command: its stderr without `error: `."""
    result = run_cli(*args, check=False)
    assert result.returncode == 2, (result.returncode, result.stderr)
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("error: "), result.stderr
    return line[len("error: "):]


@pytest.fixture(scope="session")
def nats_store(tmp_path_factory):
    """A store imported by `nasrank import nats` from a written NATS directory:
    (store path, {(index, budget, dataset, seed): trial dict})."""
    import nasrank

    root = tmp_path_factory.mktemp("nats")
    arch_strings = [cell.arch_string for cell in nasrank.space("nb201")]
    written = write_nats_directory(root / "simple", arch_strings, STORE_INDICES)
    store = root / "store.h5"
    run_cli("import", "nats", root / "simple", "--out", store)
    return store, written
