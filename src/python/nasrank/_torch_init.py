"""principled_init_: the paper's initialization applied to a PyTorch
NAS-Bench-201 TinyNetwork, so a Python user keeps their own training loop.

The standard deviations come from the library (the same table as
``nasrank scale --layers``); this file only finds each tensor in the
benchmark's module layout. PyTorch is imported from the caller's module,
never by ``import nasrank``.
"""
from __future__ import annotations

from . import _core

TYPE_CHECKING = False  # `import typing` alone costs more than the rest of the package
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional

_LAYOUT = ("NAS-Bench-201's TinyNetwork layout: stem (Conv2d + BatchNorm2d), cells.{i} with "
           "edges['{j}<-{k}'] in normal cells and conv_a / conv_b / downsample in the reduction blocks, "
           "lastact, classifier (Linear)")


def _convs(module: Any, nn: Any) -> List[Any]:
    return [m for m in module.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def _only_conv(module: Any, nn: Any, where: str) -> Any:
    convs = _convs(module, nn)
    if len(convs) != 1:
        raise ValueError(f"{where} holds {len(convs)} convolutions, expected 1 ({_LAYOUT})")
    return convs[0]


def principled_init_(
    module: Any,
    encoding: Any,
    degree: str = "source",
    generator: Optional[Any] = None,
) -> List[Dict[str, Any]]:
    """Initialize a NAS-Bench-201 TinyNetwork in place with the paper's rule.

    Every weight of a convolution on an input-to-output path, of the stem, of
    the reduction blocks and of the classifier is drawn from N(0, std^2) with
    the std of :func:`nasrank.init_table` (He fan-in divided by the source
    vertex's in-degree; ``degree="target"`` for the paper appendix's choice;
    classifier std 2/fan_in). Biases become 0, BatchNorm weights 1 and biases
    0. Every convolution of the network is drawn, dead edges included (a conv
    out of an identically zero vertex still adds its BatchNorm's trained bias).

    ``module`` must follow the benchmark's layout: ``stem``,
    ``cells.{i}.edges['{j}<-{k}']``, ``cells.{i}.conv_a`` / ``conv_b`` /
    ``downsample`` for the reduction blocks, ``lastact``, ``classifier``; the
    width C, the cells per stage N, the input channels and the classes are read
    from it. ``generator`` is an optional torch.Generator for the draws.

    Returns one dict per drawn tensor: the table's row plus ``parameter``, the
    tensor's name in ``module.named_parameters()``. Raises ValueError when the
    module does not match the encoding or the layout.
    """
    import re

    import torch
    from torch import nn

    for attribute in ("stem", "cells", "classifier"):
        if not hasattr(module, attribute):
            raise ValueError(f"module has no '{attribute}': expected {_LAYOUT}")
    stem_conv = next((m for m in module.stem.modules() if isinstance(m, nn.Conv2d)), None)
    if stem_conv is None:
        raise ValueError(f"module.stem holds no Conv2d: expected {_LAYOUT}")
    cells = list(module.cells)
    reductions = [i for i, c in enumerate(cells) if hasattr(c, "conv_a")]
    if len(reductions) != 2 or len(cells) != 3 * reductions[0] + 2 or reductions[1] != 2 * reductions[0] + 1:
        raise ValueError(f"module.cells has {len(cells)} cells with reduction blocks at {reductions}: expected "
                         f"N normal cells, a reduction block, N cells, a reduction block, N cells ({_LAYOUT})")
    cells_per_stage = reductions[0]

    table = _core.init_table(encoding, stem_conv.out_channels, cells_per_stage, module.classifier.out_features,
                             stem_conv.in_channels, degree, None, None)
    cell = _core.parse(encoding)
    if cell.space != "nb201":
        raise ValueError(f"encoding '{cell.input}' is a generic DAG; principled_init_ initializes NAS-Bench-201 networks")

    def locate(name: str) -> Any:
        if name == "stem.conv.weight":
            return stem_conv
        if name == "classifier.weight":
            return module.classifier
        match = re.fullmatch(r"cells\.(\d+)\.(?:edge_(\d+)_(\d+)|(conv_a|conv_b|shortcut))\.conv\.weight", name)
        if match is None:
            raise ValueError(f"nasrank's layer '{name}' has no place in {_LAYOUT}")
        block = cells[int(match.group(1))]
        if match.group(2) is not None:
            key = f"{match.group(3)}<-{match.group(2)}"
            if not hasattr(block, "edges") or key not in block.edges:
                raise ValueError(f"module.cells[{match.group(1)}] has no edges['{key}']: expected {_LAYOUT}")
            convs = _convs(block.edges[key], nn)
            if not convs:
                raise ValueError(f"module.cells[{match.group(1)}].edges['{key}'] holds no convolution, but edge {key} "
                                 f"of cell '{cell.input}' is one: the module was built for another cell")
            return _only_conv(block.edges[key], nn, f"module.cells[{match.group(1)}].edges['{key}']")
        part = {"shortcut": "downsample"}.get(match.group(4), match.group(4))
        if not hasattr(block, part):
            raise ValueError(f"module.cells[{match.group(1)}] has no '{part}': expected {_LAYOUT}")
        return _only_conv(getattr(block, part), nn, f"module.cells[{match.group(1)}].{part}")

    names = {id(p): n for n, p in module.named_parameters()}
    drawn_layers = []
    for row in table:
        layer = locate(row["name"])
        if tuple(layer.weight.shape) != tuple(row["shape"]):
            raise ValueError(f"{names.get(id(layer.weight), row['name'])} has shape {tuple(layer.weight.shape)}, but "
                             f"cell '{cell.input}' in this network needs {tuple(row['shape'])} for {row['name']}")
        drawn_layers.append((row, layer))

    # The table names every convolution of this cell's network; one it does
    # not name means the module was built for another architecture.
    drawn = {id(layer) for _, layer in drawn_layers}
    for index, block in enumerate(cells):
        for key, edge in getattr(block, "edges", {}).items():
            for conv in _convs(edge, nn):
                if id(conv) not in drawn:
                    raise ValueError(f"module.cells[{index}].edges['{key}'] holds a convolution, but edge {key} of "
                                     f"cell '{cell.input}' has none: the module was built for another cell")

    applied = []
    with torch.no_grad():
        for row, layer in drawn_layers:
            layer.weight.normal_(0.0, row["std"], generator=generator)
            applied.append(dict(row, parameter=names.get(id(layer.weight), row["name"])))
        for sub in module.modules():
            if isinstance(sub, (nn.Conv2d, nn.Linear)) and sub.bias is not None:
                sub.bias.zero_()
            if isinstance(sub, nn.modules.batchnorm._BatchNorm) and sub.affine:
                sub.weight.fill_(1.0)
                sub.bias.zero_()
    return applied
