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


def test_helpers_spin_briefly_only_when_a_quiet_machine_gave_several_threads(monkeypatch):
    monkeypatch.setattr(threads, "busy_cores", lambda: 0)
    monkeypatch.setattr(threads, "usable_cores", lambda: 2)
    threads._plan = None
    env: dict[str, str] = {}
    assert threads.configure(None, env).threads == 2
    assert env["GOMP_SPINCOUNT"] == threads.QUIET_SPIN_COUNT
    assert env["OMP_WAIT_POLICY"] == "PASSIVE"
    for busy, requested, preset in ((1, None, {}), (0, 2, {}),  # busy; a count asked for
                                    (0, None, {"OMP_WAIT_POLICY": "PASSIVE"}),  # user's policy
                                    (0, None, {"GOMP_SPINCOUNT": "0"})):
        monkeypatch.setattr(threads, "busy_cores", lambda busy=busy: busy)
        threads._plan = None
        env = dict(preset)
        threads.configure(requested, env)
        assert env.get("GOMP_SPINCOUNT") == preset.get("GOMP_SPINCOUNT"), (busy, requested, preset)


def _fake_proc(tmp_path, running: int, own: list[str]):
    tmp_path.mkdir(parents=True, exist_ok=True)
    loadavg = tmp_path / "loadavg"
    loadavg.write_text(f"0.5 0.4 0.3 {running}/200 4242\n")
    tasks = tmp_path / "task"
    for tid, state in enumerate(own):
        (tasks / str(tid)).mkdir(parents=True, exist_ok=True)
        (tasks / str(tid) / "stat").write_text(f"{tid} (python (x)) {state} 1 2 3\n")
    return str(loadavg), str(tasks)


def test_own_running_threads_reads_each_threads_state(tmp_path):
    _, tasks = _fake_proc(tmp_path, 3, ["R", "S", "R", "D"])
    assert threads.own_running_threads(tasks) == 2
    assert threads.own_running_threads(str(tmp_path / "missing")) == 1


def test_a_run_sheds_to_one_thread_when_others_take_the_cores(tmp_path, torch_threads):
    torch = torch_threads
    threads._plan = threads.ThreadPlan(2, "auto", 2, 0)
    torch.set_num_threads(2)
    # Our two threads are all that runs: stay on two, however many looks.
    loadavg, tasks = _fake_proc(tmp_path, 2, ["R", "R", "S"])
    watch = threads.ContentionWatch(loadavg=loadavg, task_dir=tasks)
    assert not any(watch.check(now) for now in (1.0, 2.0, 3.0, 4.0))
    assert torch.get_num_threads() == 2
    # Another program runs: after three looks (a second apart) the run drops to one thread.
    loadavg, tasks = _fake_proc(tmp_path / "busy", 3, ["R", "R"])
    watch = threads.ContentionWatch(loadavg=loadavg, task_dir=tasks)
    assert [watch.check(now) for now in (1.0, 1.5, 2.0, 3.0)] == [False, False, False, True]
    assert torch.get_num_threads() == 1 and watch.shed
    # A count the user asked for is theirs to keep.
    threads._plan = threads.ThreadPlan(2, "--threads", 2, 0)
    torch.set_num_threads(2)
    watch = threads.ContentionWatch(loadavg=loadavg, task_dir=tasks)
    assert not any(watch.check(now) for now in (1.0, 2.0, 3.0, 4.0))
    assert torch.get_num_threads() == 2
