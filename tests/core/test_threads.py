"""The thread policy: precedence, the load-aware default, and per-thread torch counts."""

import os
import subprocess
import sys
import threading

import pytest

from genai_studio.core.errors import UsageError
from genai_studio.core.runtime import threads


@pytest.fixture(autouse=True)
def keep_process_plan():
    """These tests make plans of their own: give the session its plan and counts back."""
    import torch

    plan, count = threads._plan, torch.get_num_threads()
    yield
    threads._plan = plan
    torch.set_num_threads(count)


def test_precedence_option_then_env_then_omp_then_auto():
    env = {threads.ENV_VAR: "3", "OMP_NUM_THREADS": "5"}
    assert threads.choose(2, env, cores=8, busy=0).threads == 2
    assert threads.choose(None, env, cores=8, busy=0) == threads.ThreadPlan(
        3, threads.ENV_VAR, 8, 0)
    assert threads.choose(None, {"OMP_NUM_THREADS": "5"}, cores=8, busy=0).source == \
        "OMP_NUM_THREADS"
    auto = threads.choose(None, {}, cores=8, busy=3)
    assert (auto.threads, auto.source) == (5, "auto")


def test_auto_leaves_the_busy_cores_and_keeps_at_least_one():
    assert threads.choose(None, {}, cores=2, busy=0).threads == 2
    assert threads.choose(None, {}, cores=2, busy=1).threads == 1
    assert threads.choose(None, {}, cores=2, busy=7).threads == 1


@pytest.mark.parametrize("bad", ["0", "-2", "two", "1.5"])
def test_bad_counts_are_one_line_usage_errors(bad):
    with pytest.raises(UsageError, match=threads.ENV_VAR):
        threads.choose(None, {threads.ENV_VAR: bad}, cores=2, busy=0)


def test_busy_cores_reads_the_runnable_count_less_this_process(tmp_path):
    fake = tmp_path / "loadavg"
    fake.write_text("0.50 0.40 0.30 3/120 4242\n")
    assert threads.busy_cores(samples=3, interval_s=0, path=str(fake)) == 2
    fake.write_text("garbage")
    assert threads.busy_cores(samples=1, path=str(fake)) == 0
    assert threads.busy_cores(samples=1, path=str(tmp_path / "missing")) == 0


def test_configure_sets_passive_waiting_and_keeps_a_users_policy():
    env = {}
    plan = threads.configure(3, env)
    assert env["OMP_WAIT_POLICY"] == "PASSIVE"
    assert env["OMP_NUM_THREADS"] == "3" and plan.threads == 3
    env = {"OMP_WAIT_POLICY": "ACTIVE"}
    threads.configure(2, env)
    assert env["OMP_WAIT_POLICY"] == "ACTIVE"
    env = {"OMP_WAIT_POLICY": " "}  # set but empty: libgomp would print a warning line
    threads.configure(2, env)
    assert env["OMP_WAIT_POLICY"] == "PASSIVE"


@pytest.mark.parametrize("inherited", [{}, {"MKL_NUM_THREADS": "2"}])
def test_a_process_started_with_the_policy_runs_torch_on_that_many_passive_threads(inherited):
    # An inherited MKL_NUM_THREADS is what a CI runner had: torch sizes its pool to it on load.
    code = ("from genai_studio.core.runtime import threads; threads.configure(1); "
            "import torch, os; print(torch.get_num_threads(), os.environ['OMP_WAIT_POLICY'])")
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS",
                                                               "OMP_WAIT_POLICY",
                                                               "MKL_NUM_THREADS")}
    env.update(inherited)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=120, check=True).stdout.split()
    assert out == ["1", "PASSIVE"]


def test_inference_runs_on_one_thread_while_training_runs(torch_threads):
    torch = torch_threads
    threads.configure(2)
    seen = {}
    inside = threading.Event()
    release = threading.Event()

    def trainer():
        with threads.training_run("cpu", beside_window=True) as count:
            seen["training"] = (count, torch.get_num_threads())
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=trainer)
    worker.start()
    assert inside.wait(10)
    threads.use_inference_threads()
    seen["inference_during"] = torch.get_num_threads()
    release.set()
    worker.join()
    threads.use_inference_threads()
    seen["inference_after"] = torch.get_num_threads()
    assert seen == {"training": (1, 1), "inference_during": 1, "inference_after": 2}
    # A GPU run leaves the CPU's inference alone.
    with threads.training_run("cuda"):
        assert not threads.training_active()


def test_cli_threads_option_is_validated(capsys):
    from genai_studio.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["train", "vae", "--threads", "0"])
    assert exc.value.code == 2
    assert "--threads" in capsys.readouterr().err


def test_prepared_threads_flush_denormals_and_others_do_not():
    """prepare_compute flushes denormal floats on the calling thread only (the speed of
    softplus on a trained decoder's logits depends on it; see core/runtime/threads.py)."""
    import threading

    import torch

    from genai_studio.core.runtime.threads import prepare_compute

    tiny = torch.finfo(torch.float32).tiny / 4  # a denormal
    seen = {}

    def worker() -> None:
        prepare_compute()
        seen["prepared"] = float(torch.tensor([tiny]) * 1.0)

    def bare() -> None:
        seen["bare"] = float(torch.tensor([tiny]) * 1.0)

    for target in (worker, bare):
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
    assert seen["prepared"] == 0.0
    assert seen["bare"] == pytest.approx(tiny, rel=1e-6)


def test_a_command_gives_its_callers_thread_back_its_floating_point_mode():
    import torch

    from genai_studio.core.runtime.threads import computing

    tiny = torch.finfo(torch.float32).tiny / 4
    with computing():
        assert float(torch.tensor([tiny]) * 1.0) == 0.0
    assert float(torch.tensor([tiny]) * 1.0) == pytest.approx(tiny, rel=1e-6)
    assert tiny * 1.0 > 0.0  # Python's own floats, which Hypothesis checks, are IEEE again
