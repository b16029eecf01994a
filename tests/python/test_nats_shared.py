"""nasrank.nats.API on the official NATS-Bench fixtures (../shared/data): the
answers equal the numbers in the benchmark's own pickle files. Skipped when
the shared data is absent."""
import bz2
import os
import pathlib
import pickle
import statistics

import pytest

import nasrank.nats
from conftest import REPO, run_cli

FIXTURES = pathlib.Path(os.environ.get("NASRANK_SHARED_DIR", REPO.parent / "shared")) / "data/nb201/nats-tss-fixtures"


@pytest.fixture(scope="module")
def official():
    if not (FIXTURES / "meta.pickle.pbz2").exists():
        pytest.skip(f"needs the shared data at {FIXTURES}")
    return {int(p.name[:6]): pickle.loads(bz2.decompress(p.read_bytes()))
            for p in FIXTURES.glob("[0-9]*.pickle.pbz2")}


@pytest.fixture(scope="module")
def api(official, tmp_path_factory):
    store = tmp_path_factory.mktemp("official") / "nats.h5"
    run_cli("import", "nats", FIXTURES, "--out", store)
    return nasrank.nats.API(store)


def last(result, split):
    key = f"{split}@{result['epochs'] - 1}"
    return result["eval_acc1es"][key], result["eval_losses"][key]


@pytest.mark.parametrize("dataset,test_split", [("cifar10-valid", "ori-test"), ("cifar10", "ori-test"),
                                                ("cifar100", "x-test"), ("ImageNet16-120", "x-test")])
def test_mean_over_seeds_equals_the_pickles(api, official, dataset, test_split):
    for index, record in official.items():
        results = [r for (d, _), r in record["200"]["all_results"].items() if d == dataset]
        info = api.get_more_info(index, dataset, hp="200", is_random=False)
        assert info["test-accuracy"] == pytest.approx(statistics.mean(last(r, test_split)[0] for r in results), rel=1e-12)
        assert info["test-loss"] == pytest.approx(statistics.mean(last(r, test_split)[1] for r in results), rel=1e-12)
        cost = api.get_cost_info(index, dataset, hp="200")
        assert cost["params"] == pytest.approx(float(results[0]["params"]))
        assert cost["flops"] == pytest.approx(float(results[0]["flop"]))


def test_one_seed_of_the_12_epoch_runs(api, official):
    for index, record in official.items():
        result = record["12"]["all_results"][("cifar10-valid", 777)]
        info = api.get_more_info(index, "cifar10-valid", hp="12", is_random=777)
        assert info["valid-accuracy"] == pytest.approx(last(result, "x-valid")[0], rel=1e-12)
        assert info["train-accuracy"] == pytest.approx(result["train_acc1es"][11], rel=1e-12)
