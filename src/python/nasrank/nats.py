"""A NATS-Bench-compatible view of a nasrank results store.

A search algorithm written against NATS-Bench's topology API
(``nats_bench.create(..., 'tss')``) runs unchanged on a re-ranked store::

    import nasrank.nats
    api = nasrank.nats.API("rerank.h5")
    index = api.query_index_by_arch("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|")
    info = api.get_more_info(index, "cifar10", hp="200", is_random=False)   # the benchmark's numbers
    info = api.get_more_info(index, "cifar10", hp="principled-200", is_random=False)  # re-trained

``hp`` names a training budget and, optionally, a protocol: ``"12"`` and
``"200"`` are the benchmark's own training (protocol ``nb201``, as imported,
or ``nb201-<N>e``, as re-trained by nasrank); ``"NAME-N"`` is protocol
``NAME-Ne`` (or ``NAME``) at N epochs, e.g. ``"principled-200"``. The numbers
are the store's: the mean over seeds (``is_random=False``), one random seed
(``is_random=True``, NATS-Bench's default) or one given seed
(``is_random=777``).

What is not supported raises NotImplementedError naming the alternative; see
the coverage table in docs/python.md.
"""
from __future__ import annotations

TYPE_CHECKING = False  # `import typing` alone costs more than the rest of the package

from . import _core
from . import Store, parse

if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Tuple, Union

__all__ = ["API"]

# Classes per dataset, as the benchmark's networks are built (get_net_config).
_CLASSES = {"cifar10-valid": 10, "cifar10": 10, "cifar100": 100, "ImageNet16-120": 120}
_SPACE_SIZE = 15625


class API:
    """NATS-Bench topology-space API over a nasrank store (see the module docstring).

    Supported: ``len(api)``, ``query_index_by_arch``, ``arch``,
    ``get_unique_str``, ``get_net_config``, ``get_more_info`` (iepoch=None),
    ``get_cost_info`` (flops, params), ``random``, ``meta_archs``,
    ``resolve_hp`` (nasrank's addition: which protocol and budget an ``hp``
    reads). Indices are NAS-Bench-201's; an index without runs in the store
    raises ValueError.
    """

    def __init__(self, store_or_path: Union[Store, str, Any], verbose: bool = False) -> None:
        self._store = store_or_path if isinstance(store_or_path, Store) else Store(store_or_path)
        self._core = self._store._store
        self._hp: Dict[Tuple[str, str], Tuple[str, int]] = {}
        self._meta_archs: Optional[List[str]] = None
        self.verbose = verbose

    def __len__(self) -> int:
        """The size of the topology search space (15,625), as NATS-Bench reports it."""
        return _SPACE_SIZE

    def __repr__(self) -> str:
        return f"nasrank.nats.API({self._store.path!r})"

    @property
    def store(self) -> Store:
        """The nasrank store this API reads."""
        return self._store

    @property
    def meta_archs(self) -> List[str]:
        """Arch string of every benchmark index."""
        if self._meta_archs is None:
            self._meta_archs = [cell.arch_string for cell in _core.nb201_space("all")]
        return self._meta_archs

    def random(self) -> int:
        """A random benchmark index (Python's ``random`` module, as NATS-Bench)."""
        import random

        return random.randrange(_SPACE_SIZE)

    def query_index_by_arch(self, arch: Any) -> int:
        """The benchmark index of an arch string (any nasrank encoding, an int
        index, or an object with ``tostr()``); -1 when it is not a
        NAS-Bench-201 cell, as NATS-Bench answers."""
        if isinstance(arch, int) and not isinstance(arch, bool):
            return arch if 0 <= arch < _SPACE_SIZE else -1
        if hasattr(arch, "tostr"):
            arch = arch.tostr()
        try:
            index = parse(arch).benchmark_index
        except ValueError:
            return -1
        return -1 if index is None else index

    def arch(self, index: int) -> str:
        """The arch string of a benchmark index."""
        return self._cell(index).arch_string

    def get_unique_str(self, index: int) -> str:
        """The benchmark's canonical string of the cell (isomorphic cells share it)."""
        return self._cell(index).unique_string

    def get_net_config(self, index: int, dataset: str) -> Dict[str, Any]:
        """The network config NATS-Bench's ``get_cell_based_tiny_net`` builds from."""
        if dataset not in _CLASSES:
            raise ValueError(f"dataset '{dataset}': expected one of {', '.join(_CLASSES)}")
        return {"name": "infer.tiny", "C": 16, "N": 5, "arch_str": self.arch(index), "num_classes": _CLASSES[dataset]}

    def resolve_hp(self, dataset: str, hp: Union[str, int] = "12") -> Tuple[str, int]:
        """The (protocol, budget in epochs) that ``hp`` reads on ``dataset``."""
        key = (dataset, str(hp))
        if key not in self._hp:
            self._hp[key] = self._resolve(dataset, str(hp))
        return self._hp[key]

    def get_more_info(
        self,
        index: int,
        dataset: str,
        iepoch: Optional[int] = None,
        hp: Union[str, int] = "12",
        is_random: Union[bool, int] = True,
    ) -> Dict[str, float]:
        """Final metrics of one architecture, with NATS-Bench's keys:
        ``train-loss``, ``train-accuracy``, ``valid-loss``, ``valid-accuracy``
        (x-valid), ``test-loss``, ``test-accuracy`` (ori-test on cifar10 and
        cifar10-valid, x-test on cifar100 and ImageNet16-120) and
        ``valtest-loss`` / ``valtest-accuracy`` (ori-test, where test is
        x-test). Keys the store has no value for are left out; timing keys
        (``*-per-time``, ``*-all-time``) are not provided.

        ``is_random``: True = one seed chosen with Python's ``random`` (NATS-Bench's
        default), False = the mean over the stored seeds, an int = that seed.
        """
        if iepoch is not None:
            raise NotImplementedError("get_more_info(iepoch=...) is not supported: the shim answers with final "
                                      "metrics; per-epoch values are in nasrank.Store.curves()")
        protocol, budget = self.resolve_hp(dataset, hp)
        cell = self._cell(index)
        seed: Optional[int] = None
        if isinstance(is_random, bool):
            if is_random:
                seeds = sorted({s for s in self._core.summary(cell, dataset, protocol, budget, "train", None, True, False)["seed"]
                                if s is not None})
                if seeds:
                    import random

                    seed = random.choice(seeds)
        else:
            seed = int(is_random)
        splits = [("train", "train"), ("valid", "valid"), ("test", "test")]
        test_split = _core.resolve_split(dataset, "test")
        if test_split != "ori-test":
            splits.append(("valtest", "ori-test"))
        info: Dict[str, float] = {}
        found = False
        for prefix, split in splits:
            rows = self._core.summary(cell, dataset, protocol, budget, split, seed, False, False)
            if not rows["index"]:
                continue
            found = True
            # A store can hold a published mean (e.g. a CSV import) beside the
            # runs it summarizes; the mean over the stored runs wins.
            row = next((k for k, pre in enumerate(rows["pre_averaged"]) if not pre), 0)
            for metric in ("loss", "accuracy"):
                value = rows[metric][row]
                if value == value:  # NaN: the store has no such value
                    info[f"{prefix}-{metric}"] = value
        if not found:
            raise ValueError(self._missing(index, dataset, hp, protocol, budget, seed))
        return info

    def get_cost_info(self, index: int, dataset: str, hp: Union[str, int] = "12") -> Dict[str, float]:
        """``flops`` (millions of multiply-adds per image) and ``params``
        (millions), as NATS-Bench names them. Latency and training times are
        not provided."""
        protocol, budget = self.resolve_hp(dataset, hp)
        rows = self._core.summary(self._cell(index), dataset, protocol, budget, "test", None, False, False)
        if not rows["index"]:
            raise ValueError(self._missing(index, dataset, hp, protocol, budget, None))
        return {"flops": rows["flops_m"][0], "params": rows["params_m"][0]}

    # What NATS-Bench offers beyond the store's contents.
    def simulate_train_eval(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("simulate_train_eval is not supported: a nasrank store records no per-query "
                                  "latency or time budget; use get_more_info(..., is_random=...)")

    def get_net_param(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("get_net_param is not supported: nasrank stores no trained weights")

    def query_by_index(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("query_by_index is not supported (it returns NATS-Bench's ArchResults objects); "
                                  "use get_more_info or nasrank.Store.runs(arch=index)")

    def query_meta_info_by_index(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("query_meta_info_by_index is not supported; use nasrank.Store.runs(arch=index)")

    def get_latency(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("get_latency is not supported: nasrank stores no inference latency")

    def statistics(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("statistics is not supported; use nasrank.Store.budgets() and Store.runs()")

    def reload(self, *args: Any, **kwargs: Any) -> None:
        """Nothing to do: a nasrank store is read on demand."""

    def clear_params(self, *args: Any, **kwargs: Any) -> None:
        """Nothing to do: a nasrank store holds no weights."""

    # ------------------------------------------------------------------ helpers
    def _cell(self, index: int) -> Any:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < _SPACE_SIZE:
            raise ValueError(f"index {index!r}: expected a NAS-Bench-201 index 0..{_SPACE_SIZE - 1}")
        return parse(index)

    def _resolve(self, dataset: str, hp: str) -> Tuple[str, int]:
        import re

        match = re.fullmatch(r"(?:(.+)-)?(\d+)", hp)
        if match is None:
            raise ValueError(f"hp='{hp}': expected a budget in epochs ('12', '200') or PROTOCOL-BUDGET "
                             f"('principled-200')")
        name, budget = match.group(1), int(match.group(2))
        candidates = ["nb201", f"nb201-{budget}e"] if name is None else [f"{name}-{budget}e", name]
        for protocol in candidates:
            if budget in self._core.budgets(None, dataset, protocol):
                return protocol, budget
        protocols, budgets = _core.store_contents(self._store.path, dataset)
        raise ValueError(f"hp='{hp}' on {dataset}: '{self._store.path}' has no {budget}-epoch runs of protocol "
                         f"{' or '.join(candidates)} (protocols: {', '.join(protocols) or 'none'}; budgets: "
                         f"{', '.join(map(str, budgets)) or 'none'})")

    def _missing(self, index: int, dataset: str, hp: Any, protocol: str, budget: int, seed: Optional[int]) -> str:
        which = f", seed {seed}" if seed is not None else ""
        return (f"'{self._store.path}' has no runs of index {index} on {dataset} for hp='{hp}' "
                f"(protocol {protocol}, {budget} epochs{which})")
