"""nasrank.principled_init_ on a PyTorch TinyNetwork built the way the
benchmark's code builds it (defined here, not taken from nasrank), with every
drawn standard deviation checked against the paper's rule computed here from
the arch string."""
import math

import pytest

torch = pytest.importorskip("torch", reason="python3-torch is needed (it works with /usr/bin/python3 only)")
from torch import nn  # noqa: E402

import nasrank  # noqa: E402


class ReLUConvBN(nn.Module):
    def __init__(self, c_in, c_out, kernel, stride, padding):
        super().__init__()
        self.op = nn.Sequential(nn.ReLU(inplace=False), nn.Conv2d(c_in, c_out, kernel, stride, padding, bias=False),
                                nn.BatchNorm2d(c_out))

    def forward(self, x):
        return self.op(x)


class Zero(nn.Module):
    def forward(self, x):
        return x.mul(0.0)


def make_op(name, channels):
    return {
        "none": lambda: Zero(),
        "skip_connect": lambda: nn.Identity(),
        "nor_conv_1x1": lambda: ReLUConvBN(channels, channels, 1, 1, 0),
        "nor_conv_3x3": lambda: ReLUConvBN(channels, channels, 3, 1, 1),
        "avg_pool_3x3": lambda: nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False),
    }[name]()


def edges_of(arch_string):
    """[(to, from, op)] read from the arch string |op~from|+|...|+|...|."""
    edges = []
    for to, group in enumerate(arch_string.split("+"), start=1):
        for term in filter(None, group.split("|")):
            op, source = term.split("~")
            edges.append((to, int(source), op))
    return edges


class InferCell(nn.Module):
    def __init__(self, arch_string, channels):
        super().__init__()
        self.edge_list = edges_of(arch_string)
        self.edges = nn.ModuleDict({f"{to}<-{source}": make_op(op, channels) for to, source, op in self.edge_list})

    def forward(self, x):
        nodes = [x]
        for to in range(1, 4):
            nodes.append(sum(self.edges[f"{to}<-{s}"](nodes[s]) for t, s, _ in self.edge_list if t == to))
        return nodes[-1]


class ResNetBasicblock(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, 2, 1)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1, 1)
        self.downsample = nn.Sequential(nn.AvgPool2d(kernel_size=2, stride=2, padding=0),
                                        nn.Conv2d(c_in, c_out, kernel_size=1, stride=1, padding=0, bias=False))

    def forward(self, x):
        return self.downsample(x) + self.conv_b(self.conv_a(x))


class TinyNetwork(nn.Module):
    def __init__(self, channels, cells_per_stage, arch_string, num_classes):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, channels, kernel_size=3, padding=1, bias=False), nn.BatchNorm2d(channels))
        self.cells = nn.ModuleList()
        c = channels
        for stage in range(3):
            if stage > 0:
                self.cells.append(ResNetBasicblock(c, 2 * c))
                c *= 2
            for _ in range(cells_per_stage):
                self.cells.append(InferCell(arch_string, c))
        self.lastact = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(inplace=True))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c, num_classes)

    def forward(self, x):
        x = self.stem(x)
        for cell in self.cells:
            x = cell(x)
        return self.classifier(self.global_pooling(self.lastact(x)).flatten(1))


def expected_stds(arch_string, channels, cells_per_stage, num_classes, degree):
    """The paper's rule, from the arch string: He fan-in N(0, 2 / (fan_in * d)),
    d = non-zero in-edges of the edge's source (or target) vertex, at least 1;
    reduction blocks d = 2 for conv_a and the shortcut; classifier std 2 / fan_in.
    Every convolution of the benchmark's network is drawn, dead edges included."""
    edges = edges_of(arch_string)
    live = [(t, s, op) for t, s, op in edges if op != "none"]
    in_degree = {v: sum(1 for t, _, _ in live if t == v) for v in range(4)}
    reach_from_input, reach_output = {0}, {3}
    for t, s, _ in sorted(live):
        if s in reach_from_input:
            reach_from_input.add(t)
    for t, s, _ in sorted(live, reverse=True):
        if t in reach_output:
            reach_output.add(s)
    stds = {"stem.0.weight": math.sqrt(2 / 27), "classifier.weight": 2 / (4 * channels)}
    index, c = 0, channels
    for stage in range(3):
        if stage > 0:
            stds[f"cells.{index}.conv_a.op.1.weight"] = math.sqrt(2 / (c * 9 * 2))
            stds[f"cells.{index}.conv_b.op.1.weight"] = math.sqrt(2 / (2 * c * 9))
            stds[f"cells.{index}.downsample.1.weight"] = math.sqrt(2 / (c * 2))
            index, c = index + 1, 2 * c
        for _ in range(cells_per_stage):
            for t, s, op in live:
                if not op.startswith("nor_conv"):
                    continue
                kernel = 1 if op == "nor_conv_1x1" else 3
                d = max(1, in_degree[s if degree == "source" else t]) if (s > 0 or degree == "target") else 1
                stds[f"cells.{index}.edges.{t}<-{s}.op.1.weight"] = math.sqrt(2 / (c * kernel * kernel * d))
            index += 1
    return stds


# Edges leaving vertex 2 get d = 2 (source), a dead conv edge (2<-1 when 1 is
# fed by none only), and the paper's index-1 cell.
ARCHS = [
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|",
    "|none~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|",
    nasrank.parse("3_34_131").arch_string,
]


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("degree", ["source", "target"])
def test_every_drawn_std_follows_the_paper(arch, degree):
    channels, cells_per_stage, classes = 48, 1, 10
    torch.manual_seed(0)
    net = TinyNetwork(channels, cells_per_stage, arch, classes)
    with torch.no_grad():
        for p in net.parameters():
            p.fill_(0.123)  # anything the call leaves alone stays recognizable
    applied = nasrank.principled_init_(net, arch, degree=degree, generator=torch.Generator().manual_seed(1))
    expected = expected_stds(arch, channels, cells_per_stage, classes, degree)
    assert {row["parameter"] for row in applied} == set(expected)
    params = dict(net.named_parameters())
    for name, std in expected.items():
        weight = params[name].detach().double()
        n = weight.numel()
        row = next(r for r in applied if r["parameter"] == name)
        assert row["std"] == pytest.approx(std, rel=1e-12), name
        # The sample std of n normal draws is within 5 standard errors (std / sqrt(2n)).
        assert abs(weight.std().item() / std - 1) < 5 / math.sqrt(2 * n), name
        assert abs(weight.mean().item()) < 5 * std / math.sqrt(n), name
    for name, p in params.items():
        if name in expected:
            continue
        if name.endswith(".bias") or "classifier.bias" == name:
            assert torch.all(p == 0), name
        else:  # BatchNorm weight; every convolution is drawn
            assert p.dim() == 1 and torch.all(p == 1), name


def test_the_benchmark_shape_and_the_generator_are_honored():
    arch = ARCHS[0]
    a, b = TinyNetwork(16, 5, arch, 100), TinyNetwork(16, 5, arch, 100)
    rows = nasrank.principled_init_(a, arch, generator=torch.Generator().manual_seed(7))
    nasrank.principled_init_(b, arch, generator=torch.Generator().manual_seed(7))
    assert len(rows) == 2 + 3 * 2 + 15 * 5  # stem, classifier, 2 reduction blocks, 5 conv edges in 15 cells
    for (name, p), q in zip(a.named_parameters(), b.parameters()):
        assert torch.equal(p, q), name
    assert a(torch.zeros(2, 3, 32, 32)).shape == (2, 100)


def test_a_module_built_for_another_cell_is_refused():
    net = TinyNetwork(8, 1, ARCHS[0], 10)
    with pytest.raises(ValueError, match="built for another cell|has shape|has no edges"):
        nasrank.principled_init_(net, ARCHS[1])
    with pytest.raises(ValueError, match="module has no 'stem'"):
        nasrank.principled_init_(nn.Linear(3, 4), ARCHS[0])
