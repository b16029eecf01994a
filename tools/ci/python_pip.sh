#!/usr/bin/env bash
# `pip install .` as a user would run it, offline: a fresh virtual environment
# that sees Debian's numpy/pandas/scipy/torch (--system-site-packages), pip
# with --no-index (nothing may come from PyPI), then `import nasrank` from
# outside the source tree and the pytest suite against the installed package.
# Usage: tools/ci/python_pip.sh [build-dir]   (its `nasrank` program is what
# the tests compare the package's answers with)
set -euo pipefail
repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build_dir="$(cd "${1:-$repo_dir/build}" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# python3-torch works only with /usr/bin/python3, so the venv is made from it.
/usr/bin/python3 -m venv --system-site-packages "$work/venv"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
CMAKE_ARGS="${launcher[*]}" NASRANK_JOBS="${NASRANK_JOBS:-2}" \
  "$work/venv/bin/python" -m pip install --no-index --disable-pip-version-check --quiet "$repo_dir"

cd "$work"
"$work/venv/bin/python" - <<'PY'
import sys
import nasrank, nasrank.nats
assert nasrank.__file__.startswith(sys.prefix), f"imported {nasrank.__file__}, not the venv's copy"
assert "torch" not in sys.modules, "import nasrank loaded torch"
print(f"pip: nasrank {nasrank.__version__} installed in {sys.prefix}")
PY
NASRANK_TEST_INSTALLED=1 NASRANK_BUILD_DIR="$build_dir" PYTHONDONTWRITEBYTECODE=1 \
  "$work/venv/bin/python" -m pytest -q -p no:cacheprovider "$repo_dir/tests/python"
