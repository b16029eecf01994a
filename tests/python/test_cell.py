"""nasrank.parse / nasrank.space / nasrank.learning_rate / nasrank.init_table
against the command line's answers for the same inputs."""
import pytest

import nasrank
from conftest import cli_error, cli_json, run_cli

ENCODINGS = [
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
    "3_34_131",
    "9",
    "dag:2_02_002",
    "dag:1_10_011_2001",
]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_parse_has_the_facts_nasrank_parse_prints(encoding):
    expected = cli_json("parse", "--format", "json", encoding)[0]
    cell = nasrank.parse(encoding)
    assert cell.input == expected.pop("input")
    assert cell.facts() == expected
    for key, value in expected.items():
        if key == "vertices" or hasattr(nasrank.Cell, key):
            assert getattr(cell, key) == value, key
    assert cell.to_dot() == run_cli("parse", "--dot", encoding).stdout


def test_parse_takes_an_int_index_and_a_cell():
    assert nasrank.parse(1).compact_code == "3_34_131"
    cell = nasrank.parse("3_34_131")
    assert nasrank.parse(cell) is cell
    assert nasrank.parse(1) == cell and hash(nasrank.parse(1)) == hash(cell)
    assert nasrank.parse("0") != cell


@pytest.mark.parametrize("bad", ["|conv5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|", "3_34_13x", "15625", "{"])
def test_malformed_input_raises_value_error_with_the_cli_message(bad):
    with pytest.raises(ValueError) as raised:
        nasrank.parse(bad)
    assert str(raised.value) == cli_error("parse", bad)


def test_parse_rejects_other_types():
    with pytest.raises(ValueError, match="expected a string or a benchmark index"):
        nasrank.parse(3.5)
    with pytest.raises(ValueError):
        nasrank.parse(True)


def test_nb201_space_counts_match_the_benchmark():
    cells = list(nasrank.space("nb201"))
    assert len(cells) == 15625
    assert [c.benchmark_index for c in cells[:3]] == [0, 1, 2]
    assert sum(c.disconnected for c in cells) == 341
    # unique=True: the exact classes (cells that train identically under every protocol).
    assert sum(1 for _ in nasrank.space("nb201", unique=True)) == len({c.exact_class_key for c in cells})
    assert sum(1 for _ in nasrank.space("nb201", unique="benchmark")) == 6466
    assert sum(1 for _ in nasrank.space("nb201", unique="ignoring-zeros")) == 12751


def test_dag_space_is_lazy_and_complete():
    codes = [c.dag_code for c in nasrank.space("dag", vertices=4)]
    assert len(codes) == 729 == len(set(codes))
    assert codes[0] == "0_00_000" and codes[1] == "0_00_001" and codes[-1] == "2_22_222"
    six = nasrank.space("dag", vertices=6)  # 14,348,907 cells: must not be built up front
    assert next(six).dag_code == "0_00_000_0000_00000"
    with pytest.raises(ValueError, match="expected 2..6"):
        nasrank.space("dag", vertices=7)
    with pytest.raises(ValueError, match="unknown space"):
        nasrank.space("nb301")


@pytest.mark.parametrize("encoding", ["3_34_131", "3_33_333", "dag:2_02_002", "9"])
def test_learning_rate_is_what_nasrank_scale_prints(encoding):
    expected = cli_json("scale", "--format", "json", encoding)[0]["learning_rate"]
    actual = nasrank.learning_rate(encoding)
    assert actual == expected  # None for the disconnected index 9
    if encoding == "3_34_131":  # the paper notes' worked value
        assert actual == pytest.approx(0.06934760925, rel=1e-9)


def test_learning_rate_options_reach_the_scaler():
    expected = cli_json("scale", "--format", "json", "--base-lr", "0.1", "--depth-convention", "relu-count",
                        "--kernel-size", "5", "dag:2_02_002")[0]["learning_rate"]
    assert nasrank.learning_rate("dag:2_02_002", base_lr=0.1, convention="relu-count", kernel_size=5) == expected
    with pytest.raises(ValueError) as raised:
        nasrank.learning_rate("3_34_131", convention="bogus")
    assert str(raised.value) == cli_error("scale", "--depth-convention", "bogus", "3_34_131")


@pytest.mark.parametrize("degree", ["source", "target"])
def test_init_table_is_what_nasrank_scale_layers_prints(degree):
    expected = cli_json("scale", "--layers", "--format", "json", "--degree", degree, "--channels", "8",
                        "--cells-per-stage", "2", "--classes", "100", "3_33_333")[0]["layers"]
    table = nasrank.init_table("3_33_333", channels=8, cells_per_stage=2, num_classes=100, degree=degree)
    assert [dict(row, shape=list(row["shape"])) for row in table] == expected
