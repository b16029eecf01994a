"""nasrank from Python: NAS-Bench-201 cells, the architecture-aware learning
rate and initialization of Chen et al. (ICLR 2024), results stores as pandas
DataFrames, ranking statistics and comparisons.

Everything is computed by nasrank's C++ library (the extension ``nasrank._core``);
this package only adapts arguments and results. It never loads LibTorch:
training stays in the command line (``nasrank rerank``), and
``principled_init_`` uses the PyTorch the caller already imported.

    >>> import nasrank
    >>> cell = nasrank.parse("3_34_131")
    >>> cell.benchmark_index, nasrank.learning_rate(cell)
    (1, 0.0693...)
    >>> store = nasrank.Store("rerank.h5")
    >>> store.summary(dataset="cifar10", protocol="principled-200e")   # a DataFrame

Errors carry the command line's messages: ValueError for bad input,
FileNotFoundError / PermissionError / OSError for files.
"""
from __future__ import annotations

import errno as _errno
import os as _os
TYPE_CHECKING = False  # `import typing` alone costs more than the rest of the package

from . import _core
from ._core import Cell
from ._torch_init import principled_init_
from . import stats

__version__: str = _core.__version__

__all__ = [
    "Cell",
    "Store",
    "compare",
    "init_table",
    "learning_rate",
    "parse",
    "principled_init_",
    "space",
    "stats",
    "nats",
]

if TYPE_CHECKING:
    from typing import Any, Dict, Iterator, List, Optional, Union

    Encoding = Union[str, int, Cell]
    PathLike = Union[str, _os.PathLike]


def parse(encoding: Encoding) -> Cell:
    """Parse any encoding `nasrank parse` accepts into a :class:`Cell`.

    ``encoding`` is an arch string (``|nor_conv_3x3~0|+|...|``), a benchmark
    index (int, or digits), a compact code (``3_34_131``), a DAG code
    (``dag:2_02_002``) or graph JSON; the prefixes ``arch:``, ``index:``,
    ``compact:``, ``dag:`` and ``json:`` force a kind. Raises ValueError with
    the command line's message when the encoding is malformed.
    """
    if isinstance(encoding, Cell):
        return encoding
    return _core.parse(encoding)


def space(name: str = "nb201", unique: Union[bool, str] = False, vertices: Optional[int] = None) -> Iterator[Cell]:
    """Iterate the cells of a search space, lazily.

    ``space("nb201")`` yields the 15,625 NAS-Bench-201 cells in benchmark-index
    order; ``unique=True`` (or ``"exact"``) keeps one cell per exact class (the
    lowest index; cells that train to the same network under every protocol,
    see ``Cell.exact_class_key``), ``unique="benchmark"`` one per class of the
    benchmark's canonical string (6,466; it also merges cells that differ by a
    trained constant term), ``unique="ignoring-zeros"`` one per class of the
    canonical string without zeros (12,751). ``space("dag", vertices=5)`` yields
    every generic DAG code on that many vertices (2..6) in base-3 counting
    order.
    """
    if name == "nb201":
        if vertices not in (None, 4):
            raise ValueError(f"space 'nb201' has 4 vertices, not {vertices}")
        mode = {False: "all", True: "exact"}.get(unique, unique) if isinstance(unique, bool) else unique
        return _core.nb201_space(mode)
    if name == "dag":
        if vertices is None:
            raise ValueError("space 'dag' needs vertices= (2..6)")
        if unique is not False:
            raise ValueError("space 'dag' has no unique= option (its codes are all distinct)")
        return _core.dag_space(vertices)
    raise ValueError(f"unknown space '{name}' (expected nb201 or dag)")


def learning_rate(
    encoding: Encoding,
    base_lr: float = 0.46,
    convention: Optional[str] = None,
    kernel_size: Optional[int] = None,
) -> Optional[float]:
    """The paper's architecture-aware learning rate ``base_lr * (sum_p L_p^3)^(-1/2)``.

    ``convention`` is ``"nb201-reference"`` (default for NAS-Bench-201 cells),
    ``"dag-reference"`` (default for DAGs) or ``"relu-count"``; ``kernel_size``
    applies the CNN factor 3/q where the convention has one. Returns None for a
    cell without an input-to-output path (no learning rate exists). The same
    number as ``nasrank scale``.
    """
    return _core.learning_rate(encoding, base_lr, convention, "source", kernel_size)


def init_table(
    encoding: Encoding,
    channels: int = 16,
    cells_per_stage: int = 5,
    num_classes: int = 10,
    degree: str = "source",
    input_channels: int = 3,
    convention: Optional[str] = None,
    kernel_size: Optional[int] = None,
) -> List[Dict[str, Any]]:
    """Per-layer initialization of the whole network (``nasrank scale --layers``).

    One dict per weight tensor: ``name`` (nasrank's trainer's parameter name),
    ``shape``, ``fan_in``, ``fan_out``, ``in_degree``, ``std``, ``rule`` and
    ``computed`` (False for an edge that cannot change the output, which
    nasrank's trainer leaves out); weights are drawn from N(0, std^2), biases
    are 0, BatchNorm weight 1 and bias 0.
    ``degree`` chooses whose in-degree divides the variance: ``"source"``
    (reference code) or ``"target"`` (paper appendix).
    """
    return _core.init_table(encoding, channels, cells_per_stage, num_classes, input_channels, degree, convention,
                            kernel_size)


def _raise_for_path(error: ValueError, *paths: PathLike) -> None:
    """Re-raise a store's open error as the OSError subclass that fits, if any."""
    for path in paths:
        text = _os.fspath(path)
        if not _os.path.exists(text):
            raise FileNotFoundError(_errno.ENOENT, str(error), text) from None
        if _os.path.isfile(text) and not _os.access(text, _os.R_OK):
            raise PermissionError(_errno.EACCES, str(error), text) from None
    raise error


class Store:
    """A nasrank results store (HDF5), read-only.

    Every method returns a :class:`pandas.DataFrame`. Filters that are None
    match everything; ``arch`` takes any encoding, a benchmark index or a
    Cell and is looked up through the store's index (a one-architecture read
    does not load the store). ``budget`` is in epochs: results of different
    budgets are never averaged together.

    Methods:
        runs(...)     one row per stored run (per seed), with its final metrics
        curves(...)   per-epoch values in long format
        summary(...)  mean and standard deviation over seeds per architecture
                      (what ``nasrank query`` prints)
        budgets(...)  the budgets stored for a selection
    """

    def __init__(self, path: PathLike) -> None:
        try:
            self._store = _core.Store(_os.fspath(path))
        except ValueError as error:
            _raise_for_path(error, path)

    @property
    def path(self) -> str:
        """The store's file."""
        return str(self._store.path)

    def __len__(self) -> int:
        """Number of stored runs."""
        return len(self._store)

    def __repr__(self) -> str:
        if getattr(self, "_store", None) is None or self._store.closed:
            return "nasrank.Store(closed)"
        return f"nasrank.Store({self.path!r}, runs={len(self)})"

    def close(self) -> None:
        """Release the file now (also at the end of a ``with`` block). Needed
        before h5py opens the same file in this process: both use Debian's
        libhdf5, which refuses a second open with another close degree."""
        self._store.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def runs(
        self,
        arch: Optional[Encoding] = None,
        dataset: Optional[str] = None,
        protocol: Optional[str] = None,
        budget: Optional[int] = None,
        seed: Optional[int] = None,
        split: Optional[str] = "test",
    ):
        """One row per run: index, arch, space, dataset, protocol, budget, seed
        (None for a stored mean, with seeds_averaged), split, accuracy (%),
        loss, status, params_m, flops_m, learning_rate, init, wall_seconds,
        images_per_second, imported, created_at.

        ``split`` is logical (``"test"``: ori-test on cifar10 / cifar10-valid,
        x-test on cifar100 / ImageNet16-120; ``"valid"``: x-valid) or exact
        (``"ori-test"``); None gives one row per run and stored split.
        """
        import pandas

        return pandas.DataFrame(self._store.runs(arch, dataset, protocol, budget, seed, split))

    def curves(
        self,
        arch: Optional[Encoding] = None,
        dataset: Optional[str] = None,
        protocol: Optional[str] = None,
        budget: Optional[int] = None,
        seed: Optional[int] = None,
    ):
        """Per-epoch values in long format: index, arch, dataset, protocol,
        budget, seed, epoch (0-based), metric (accuracy, loss, learning_rate,
        epoch_seconds), split (train, x-valid, x-test, ori-test, ...), value.
        Epochs a split was not measured at are left out."""
        import pandas

        return pandas.DataFrame(self._store.curves(arch, dataset, protocol, budget, seed))

    def summary(
        self,
        arch: Optional[Encoding] = None,
        dataset: Optional[str] = None,
        protocol: Optional[str] = None,
        budget: Optional[int] = None,
        split: str = "test",
        seed: Optional[int] = None,
        per_seed: bool = False,
    ):
        """Mean and sample standard deviation over seeds per architecture,
        dataset and protocol (``nasrank query``): index, arch, ..., seeds,
        n_seeds, split, accuracy, accuracy_std, loss, test_accuracy,
        valid_accuracy, train_accuracy, params_m, flops_m, learning_rate, init,
        status, ... Without ``budget`` the only budget stored for the selection
        is used; ValueError when there are several. ``per_seed`` (or ``seed``)
        gives one row per seed instead of the mean."""
        import pandas

        return pandas.DataFrame(self._store.summary(arch, dataset, protocol, budget, split, seed, per_seed, True))

    def budgets(
        self, arch: Optional[Encoding] = None, dataset: Optional[str] = None, protocol: Optional[str] = None
    ) -> List[int]:
        """The training budgets (epochs) stored for a selection, ascending."""
        return self._store.budgets(arch, dataset, protocol)


def compare(
    reference: PathLike,
    candidate: PathLike,
    dataset: str,
    split: str = "test",
    protocol_a: Optional[str] = None,
    protocol_b: Optional[str] = None,
    budget: Optional[int] = None,
    budget_a: Optional[int] = None,
    budget_b: Optional[int] = None,
    label_a: Optional[str] = None,
    label_b: Optional[str] = None,
    include_disconnected: bool = False,
    ceiling: str = "auto",
    bootstrap: int = 1000,
    seed: int = 0,
    top_k: int = 100,
    diverged: str = "chance",
    min_n: int = 8,
) -> Dict[str, Any]:
    """Compare the rankings of two stores, as ``nasrank compare A B`` does.

    Returns the report as a dict with the same keys and numbers as the
    command's report JSON (Kendall tau-b with bootstrap intervals, Spearman,
    Pearson, top-k overlap, the top-K% curve, accuracy changes, pairwise gaps,
    rank moves, the seed-noise ceiling, provenance). Arguments mirror the
    command's options (``split`` is ``--metric``, ``bootstrap`` the number of
    resamples; a label left out is the side's protocol and budget, as on the
    command line; ``diverged`` is ``--diverged``: chance, exclude or last-finite;
    ``min_n`` is ``--min-n``: below it a rank statistic is None plus its n).
    """
    try:
        return _core.compare(
            _os.fspath(reference), _os.fspath(candidate), dataset, split, protocol_a, protocol_b,
            budget_a if budget_a is not None else budget, budget_b if budget_b is not None else budget,
            label_a or "", label_b or "", include_disconnected, ceiling, bootstrap, seed, top_k,
            2,  # the command line's thread count; it never changes a number, but the report records it
            diverged, min_n)
    except ValueError as error:
        _raise_for_path(error, reference, candidate)


from . import nats  # noqa: E402  (nats uses Store, defined above)
