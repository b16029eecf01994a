"""PEP 517 build backend for `pip install .`: drives the project's CMake build
of the Python module and packs the result into a wheel.

It needs nothing from a package index (pyproject.toml requires no build
packages), so `pip install .` works offline with Debian's packages: cmake,
ninja, pybind11-dev, python3-dev and the C++ dependencies tools/setup.sh
installs. The build directory is <source>/build-pip-<python tag>, reused
between installs; CMake is given this interpreter, so a virtual environment
gets a module for its own Python.

Environment: NASRANK_JOBS (parallel jobs, default 2), CMAKE_ARGS (extra
configure arguments, e.g. -DCMAKE_CXX_COMPILER_LAUNCHER=ccache).
"""
import base64
import hashlib
import os
import pathlib
import shlex
import shutil
import subprocess
import sys
import sysconfig
import zipfile

SOURCE = pathlib.Path(__file__).resolve().parents[2]
NAME = "nasrank"


def _version():
    for line in (SOURCE / "CMakeLists.txt").read_text().splitlines():
        if line.startswith("project(nasrank VERSION "):
            return line.split()[2]
    raise RuntimeError("CMakeLists.txt names no project version")


def _tag():
    python = f"cp{sys.version_info.major}{sys.version_info.minor}"
    platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return f"{python}-{python}-{platform}"


def _metadata():
    return "\n".join([
        "Metadata-Version: 2.1",
        f"Name: {NAME}",
        f"Version: {_version()}",
        "Summary: Re-ranking NAS-Bench-201 with architecture-aware learning rates and initialization",
        "Requires-Python: >=3.9",
        "Requires-Dist: numpy",
        "Requires-Dist: pandas",
        "",
        "nasrank's C++ library from Python: cells, the scaler, results stores as pandas DataFrames,",
        "a NATS-Bench-compatible API and ranking statistics. See docs/python.md.",
        "",
    ])


def _build_module():
    # Beside build/ rather than inside it: the same depth keeps ccache hits
    # between the two trees (ccache rewrites paths relative to the build dir).
    build = SOURCE / f"build-pip-{_tag()}"
    configure = ["cmake", "-S", str(SOURCE), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                 "-DNASRANK_BUILD_TESTS=OFF", "-DNASRANK_BUILD_BENCH=OFF", "-DNASRANK_BUILD_PYTHON=ON",
                 f"-DPython_EXECUTABLE={sys.executable}"]
    if shutil.which("ninja"):
        configure += ["-G", "Ninja"] if not (build / "CMakeCache.txt").exists() else []
    configure += shlex.split(os.environ.get("CMAKE_ARGS", ""))
    subprocess.run(configure, check=True, stdout=sys.stderr)
    subprocess.run(["cmake", "--build", str(build), "--target", "nasrank_python", "-j",
                    os.environ.get("NASRANK_JOBS", "2")], check=True, stdout=sys.stderr)
    package = build / "python" / NAME
    if not list(package.glob("_core*.so")):
        raise RuntimeError(f"the build left no extension module in {package}; is pybind11-dev installed?")
    return package


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    info = pathlib.Path(metadata_directory) / f"{NAME}-{_version()}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(_metadata())
    return info.name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    package = _build_module()
    version = _version()
    info = f"{NAME}-{version}.dist-info"
    wheel_name = f"{NAME}-{version}-{_tag()}.whl"
    files = {}
    for path in sorted(package.iterdir()):
        if path.is_file() and not path.name.endswith(".pyc"):
            files[f"{NAME}/{path.name}"] = path.read_bytes()
    files[f"{info}/METADATA"] = _metadata().encode()
    files[f"{info}/WHEEL"] = "\n".join(["Wheel-Version: 1.0", "Generator: nasrank_build_backend",
                                        "Root-Is-Purelib: false", f"Tag: {_tag()}", ""]).encode()
    files[f"{info}/top_level.txt"] = f"{NAME}\n".encode()
    record = [_record_line(name, data) for name, data in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    target = pathlib.Path(wheel_directory) / wheel_name
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as wheel:
        for name, data in files.items():
            wheel.writestr(name, data)
    return wheel_name
