"""nasrank.nats.API answers NATS-Bench's questions with the numbers written
into the NATS-Bench files the store was imported from."""
import random
import statistics

import pytest

import nasrank
import nasrank.nats
from conftest import run_cli
from nats_fixture import BUDGET_SEEDS, final, write_nats_directory


@pytest.fixture(scope="module")
def api(nats_store):
    return nasrank.nats.API(nats_store[0])


def mean_over_seeds(written, index, budget, dataset, split):
    values = [final(written[(index, budget, dataset, s)], split) for s in BUDGET_SEEDS[str(budget)]]
    return statistics.mean(v[0] for v in values), statistics.mean(v[1] for v in values)


def test_indices_and_arch_strings(api):
    arch = nasrank.parse(5).arch_string
    assert api.query_index_by_arch(arch) == 5
    assert api.query_index_by_arch(5) == 5
    assert api.query_index_by_arch("|conv9x9~0|+|+|") == -1 and api.query_index_by_arch("dag:2_02_002") == -1
    assert api.query_index_by_arch(15625) == -1
    assert api.arch(5) == arch and api.meta_archs[5] == arch
    assert api.get_unique_str(5) == nasrank.parse(5).unique_string
    assert len(api) == 15625
    assert api.get_net_config(5, "cifar100") == {"name": "infer.tiny", "C": 16, "N": 5, "arch_str": arch,
                                                 "num_classes": 100}


@pytest.mark.parametrize("dataset,keys", [
    ("cifar10-valid", {"train": "train", "valid": "x-valid", "test": "ori-test"}),
    ("cifar10", {"train": "train", "test": "ori-test"}),
    ("cifar100", {"train": "train", "valid": "x-valid", "test": "x-test", "valtest": "ori-test"}),
])
def test_get_more_info_has_nats_keys_with_the_mean_over_seeds(api, nats_store, dataset, keys):
    _, written = nats_store
    info = api.get_more_info(11, dataset, hp="200", is_random=False)
    assert set(info) == {f"{prefix}-{metric}" for prefix in keys for metric in ("loss", "accuracy")}
    for prefix, split in keys.items():
        accuracy, loss = mean_over_seeds(written, 11, 200, dataset, split)
        assert info[f"{prefix}-accuracy"] == pytest.approx(accuracy, rel=1e-12)
        assert info[f"{prefix}-loss"] == pytest.approx(loss, rel=1e-12)


def test_is_random_picks_one_seed(api, nats_store):
    _, written = nats_store
    one = api.get_more_info(3, "cifar10-valid", hp="12", is_random=777)
    assert one["valid-accuracy"] == pytest.approx(final(written[(3, 12, "cifar10-valid", 777)], "x-valid")[0])
    assert one["test-loss"] == pytest.approx(final(written[(3, 12, "cifar10-valid", 777)], "ori-test")[1])
    random.seed(4)
    seen = set()
    for _ in range(20):
        info = api.get_more_info(3, "cifar10-valid", hp="12")  # NATS-Bench's defaults: 12 epochs, a random seed
        matches = [s for s in BUDGET_SEEDS["12"]
                   if info["valid-accuracy"] == pytest.approx(final(written[(3, 12, "cifar10-valid", s)], "x-valid")[0])]
        assert len(matches) == 1
        assert info["test-accuracy"] == pytest.approx(final(written[(3, 12, "cifar10-valid", matches[0])], "ori-test")[0])
        seen.add(matches[0])
    assert seen == set(BUDGET_SEEDS["12"])


def test_get_cost_info(api, nats_store):
    _, written = nats_store
    cost = api.get_cost_info(11, "cifar100", hp="200")
    trial = written[(11, 200, "cifar100", 777)]
    assert cost == {"flops": pytest.approx(trial["flop"]), "params": pytest.approx(trial["params"])}


def test_unknown_hp_index_and_unsupported_calls_raise_clear_errors(api):
    assert api.resolve_hp("cifar10", "200") == ("nb201", 200)
    with pytest.raises(ValueError, match=r"no 200-epoch runs of protocol principled-200e or principled .*protocols: nb201"):
        api.get_more_info(5, "cifar10", hp="principled-200")
    with pytest.raises(ValueError, match="expected a budget in epochs"):
        api.get_more_info(5, "cifar10", hp="full")
    with pytest.raises(ValueError, match="has no runs of index 500 on cifar10"):
        api.get_more_info(500, "cifar10", hp="200", is_random=False)
    with pytest.raises(ValueError, match="expected a NAS-Bench-201 index"):
        api.arch(-1)
    with pytest.raises(NotImplementedError, match="iepoch"):
        api.get_more_info(5, "cifar10", iepoch=3, hp="200")
    for name in ["simulate_train_eval", "get_net_param", "query_by_index", "get_latency", "statistics"]:
        with pytest.raises(NotImplementedError):
            getattr(api, name)(5, "cifar10")


def test_hp_selects_a_retrained_protocol(tmp_path, nats_store):
    """hp='200' reads the benchmark's runs, hp='principled-200' the re-trained ones."""
    arch_strings = [cell.arch_string for cell in nasrank.space("nb201")]
    retrained = write_nats_directory(tmp_path / "retrained", arch_strings, [2, 5], seed=99)
    store = tmp_path / "both.h5"
    run_cli("import", "nats", nats_store[0].parent / "simple", "--out", store, "--budget", 200)
    run_cli("import", "nats", tmp_path / "retrained", "--out", store, "--budget", 200, "--protocol", "principled-200e")
    api = nasrank.nats.API(nasrank.Store(store))
    assert api.resolve_hp("cifar10", "principled-200") == ("principled-200e", 200)
    benchmark = api.get_more_info(5, "cifar10", hp="200", is_random=888)
    principled = api.get_more_info(5, "cifar10", hp="principled-200", is_random=888)
    assert benchmark["test-accuracy"] == pytest.approx(final(nats_store[1][(5, 200, "cifar10", 888)], "ori-test")[0])
    assert principled["test-accuracy"] == pytest.approx(final(retrained[(5, 200, "cifar10", 888)], "ori-test")[0])
    with pytest.raises(ValueError, match="no 12-epoch runs"):
        api.get_more_info(5, "cifar10", hp="12")


def test_the_mean_over_stored_runs_wins_over_a_published_mean(tmp_path, nats_store):
    path, written = nats_store
    store = tmp_path / "mixed.h5"
    run_cli("import", "nats", path.parent / "simple", "--out", store, "--budget", 200)
    (tmp_path / "means.csv").write_text("arch,acc\n5,12.5\n")
    run_cli("import", "csv", tmp_path / "means.csv", "--out", store, "--arch-column", "arch", "--metric", "acc=cifar10",
            "--budget", 200)
    api = nasrank.nats.API(store)
    assert len(api.store.summary(arch=5, dataset="cifar10", budget=200)) == 2  # the CSV's mean and the runs' mean
    info = api.get_more_info(5, "cifar10", hp="200", is_random=False)
    assert info["test-accuracy"] == pytest.approx(mean_over_seeds(written, 5, 200, "cifar10", "ori-test")[0])
