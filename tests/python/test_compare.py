"""nasrank.compare returns the statistics of `nasrank compare`'s report JSON."""
import json

import pytest

import nasrank
from conftest import cli_error, run_cli


def test_compare_returns_the_report_json_of_nasrank_compare(nats_store, tmp_path):
    path, _ = nats_store
    run_cli("compare", path, path, "--dataset", "cifar100", "--budget-a", 12, "--budget-b", 200, "--bootstrap", 300,
            "--seed", 5, "--top-k", 5, "-o", tmp_path / "report")
    expected = json.loads((tmp_path / "report" / "report.json").read_text())
    report = nasrank.compare(path, path, "cifar100", budget_a=12, budget_b=200, bootstrap=300, seed=5, top_k=5)
    assert set(report) == set(expected)
    for key in expected:
        if key not in ("created_at",):
            assert report[key] == expected[key], key


def test_compare_errors_carry_the_cli_message(nats_store, tmp_path):
    path, _ = nats_store
    with pytest.raises(ValueError) as raised:
        nasrank.compare(path, path, "cifar100")
    assert str(raised.value) == cli_error("compare", path, path, "--dataset", "cifar100", "-o", tmp_path / "r")
    with pytest.raises(FileNotFoundError):
        nasrank.compare(tmp_path / "missing.h5", path, "cifar100", budget=200)


def test_compare_policy_options_reach_the_report(nats_store, tmp_path):
    path, _ = nats_store
    run_cli("compare", path, path, "--dataset", "cifar100", "--budget-a", 12, "--budget-b", 200, "--bootstrap", 100,
            "--seed", 5, "--diverged", "exclude", "--min-n", 2, "-o", tmp_path / "report")
    expected = json.loads((tmp_path / "report" / "report.json").read_text())
    report = nasrank.compare(path, path, "cifar100", budget_a=12, budget_b=200, bootstrap=100, seed=5,
                             diverged="exclude", min_n=2)
    for key in expected:
        if key not in ("created_at",):
            assert report[key] == expected[key], key
