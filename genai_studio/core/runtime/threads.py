"""How many CPU threads torch may use, decided before torch is imported.

Torch's defaults hurt on a shared machine: one thread per core, each busy-waiting (spinning)
between parallel regions. Beside any other CPU load the spinning threads fight for cores and a
run slows down 10-25x. So every entry point calls :func:`configure` before torch is loaded:

* OpenMP's waiting is passive (``OMP_WAIT_POLICY=PASSIVE``; an explicit user value is kept),
  except that when the automatic plan found the machine quiet and chose several threads, the
  helpers spin for about a millisecond (``GOMP_SPINCOUNT``) before they sleep: a training step
  runs ~40 parallel regions, and waking a sleeping helper for each cost more than the second
  core gave (issue 21); a run that sees other programs take a core later drops to one thread
  (:class:`ContentionWatch`), where nothing spins;
* the thread count is, in order of precedence, a ``--threads N`` option, the
  ``GENAI_STUDIO_THREADS`` environment variable, a user-set ``OMP_NUM_THREADS``, or "auto":
  the cores this process may run on minus the ones other programs keep busy right now;
* while the studio trains on the CPU, inference (the grid, the pad, morphs) runs on one
  thread and training leaves a core to the window (:func:`training_run`).

OpenMP thread counts are per calling thread in torch (a thread that never sets one inherits the
last value set anywhere), so each thread that runs torch sets its own through this module.
Torch-free: importing it does not import torch.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass

from genai_studio.core.errors import UsageError

ENV_VAR = "GENAI_STUDIO_THREADS"
_LOADAVG = "/proc/loadavg"
# libgomp's spins before a waiting helper sleeps, when the machine is quiet: "roughly 100,000
# spins per millisecond" (libgomp's own estimate), so about a millisecond, far below the 3 ms
# of its default and the minutes of OMP_WAIT_POLICY=ACTIVE that collapsed beside other load.
QUIET_SPIN_COUNT = "100000"


@dataclass(frozen=True)
class ThreadPlan:
    threads: int  # intra-op threads for this process's compute
    source: str  # what decided it: "--threads", ENV_VAR, "OMP_NUM_THREADS" or "auto"
    cores: int  # cores this process may run on
    busy: int  # of those, how many other programs kept busy when the plan was made


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the platform tells)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def busy_cores(samples: int = 5, interval_s: float = 0.002, path: str = _LOADAVG) -> int:
    """How many runnable tasks other than this one there are now (Linux), else 0.

    The 4th field of /proc/loadavg counts runnable tasks at this instant, this one included;
    the median of a few samples ignores a short-lived blip. The 1-minute load average lags by
    tens of seconds, too slow to see a competitor that started just before us.
    """
    counts = []
    for i in range(samples):
        try:
            with open(path, encoding="ascii") as fh:
                running = int(fh.read().split()[3].split("/")[0])
        except (OSError, ValueError, IndexError):
            return 0
        counts.append(max(0, running - 1))
        if i + 1 < samples:
            time.sleep(interval_s)
    return sorted(counts)[len(counts) // 2]


MAX_THREADS = 1024


def parse_threads(text: str, source: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"{source} must be a whole number of threads, not {text!r}") from None
    if value <= 0:
        raise UsageError(f"{source} must be positive, not {value}")
    if value > MAX_THREADS:  # torch cannot even take the number past 2**31
        raise UsageError(f"{source} must be at most {MAX_THREADS}, not {value}")
    return value


def choose(
    requested: int | None = None,
    env: Mapping[str, str] | None = None,
    cores: int | None = None,
    busy: int | None = None,
) -> ThreadPlan:
    """The thread plan for a process; see the module docstring for the precedence."""
    env = os.environ if env is None else env
    cores = usable_cores() if cores is None else cores
    if requested is not None:
        return ThreadPlan(parse_threads(str(requested), "--threads"), "--threads", cores, 0)
    for name in (ENV_VAR, "OMP_NUM_THREADS"):
        if env.get(name, "").strip():
            return ThreadPlan(parse_threads(env[name].strip(), name), name, cores, 0)
    busy = busy_cores() if busy is None else busy
    return ThreadPlan(max(1, cores - busy), "auto", cores, busy)


_lock = threading.Lock()
_thread_state = threading.local()
_plan: ThreadPlan | None = None
_training_runs = 0


def configure(requested: int | None = None,
              env: MutableMapping[str, str] | None = None) -> ThreadPlan:
    """Choose the plan and put it where OpenMP and torch will read it; call before torch loads.

    A ``requested`` count (the ``--threads`` option) replaces an earlier plan; otherwise the
    first plan made in a process stands. If torch is already loaded (tests, a second call),
    the calling thread's count is set at once.
    """
    global _plan
    env = os.environ if env is None else env
    with _lock:
        if _plan is None or requested is not None:
            _plan = choose(requested, env)
        plan = _plan
    # Read by libgomp when torch loads it; the user's own choice of policy is kept.
    if not env.get("OMP_WAIT_POLICY", "").strip():  # libgomp warns about an empty value
        env["OMP_WAIT_POLICY"] = "PASSIVE"
        # Several threads on a quiet machine: spin a little between parallel regions.
        if plan.source == "auto" and plan.threads > 1 and not env.get("GOMP_SPINCOUNT"):
            env["GOMP_SPINCOUNT"] = QUIET_SPIN_COUNT
    if plan.source != "OMP_NUM_THREADS":
        env["OMP_NUM_THREADS"] = str(plan.threads)
    # Torch sizes its OpenMP pool to MKL's count when it loads, so a stray MKL_NUM_THREADS
    # (set by a CI runner or a conda activation script) would undo the plan.
    env["MKL_NUM_THREADS"] = str(plan.threads)
    if "torch" in sys.modules:
        set_torch_threads(plan.threads)
    return plan


def current() -> ThreadPlan:
    """The process's plan (made on first use if no entry point made one)."""
    return _plan if _plan is not None else configure()


def set_torch_threads(count: int) -> None:
    """Set the calling thread's torch thread count (a no-op when it is already that)."""
    import torch

    if torch.get_num_threads() != count:
        torch.set_num_threads(count)


def flush_denormals(on: bool = True) -> bool:
    """Have the calling thread flush denormal floats to zero (or stop); the previous setting.

    A trained decoder's confident logits (|l| > 87) send ``softplus`` and ``exp`` through
    denormal numbers, which x86 cores handle in microcode: eval's likelihood ran 1.5x slower
    with them (softplus 4x), to the same figure at 4 decimals (values below 1e-38 change
    nothing). It is processor state of the thread, Python's own float arithmetic included, so
    only threads doing compute set it, and a command run on a caller's thread gives it back.
    It must come before the thread's first parallel region: OpenMP's helper threads copy the
    floating-point mode of the thread that starts them.
    """
    import torch

    before = bool(getattr(_thread_state, "flushes_denormals", False))
    if on != before:
        torch.set_flush_denormal(on)
        _thread_state.flushes_denormals = on
    return before


def prepare_compute() -> ThreadPlan:
    """A worker thread the studio owns, before its first torch operation: the plan's thread
    count and denormals flushed, for the thread's life."""
    plan = current()
    set_torch_threads(plan.threads)
    flush_denormals(True)
    return plan


@contextmanager
def computing() -> Iterator[ThreadPlan]:
    """A command run on the caller's thread: :func:`prepare_compute` for its duration, the
    thread's floating-point mode given back afterwards."""
    plan = current()
    set_torch_threads(plan.threads)
    before = flush_denormals(True)
    try:
        yield plan
    finally:
        flush_denormals(before)


def training_active() -> bool:
    return _training_runs > 0


def _base_threads() -> int:
    """The plan's count; without a plan (the engine used as a library), what torch has."""
    if _plan is not None:
        return _plan.threads
    import torch

    return torch.get_num_threads()


def inference_threads() -> int:
    """Threads for a decode: one while a training run shares the CPU, else the plan's."""
    return 1 if training_active() else _base_threads()


def use_inference_threads() -> None:
    """Give the calling thread (GUI or inference worker) its inference thread count; without
    a plan and without training, leave the caller's setting alone."""
    if _plan is None and not training_active():
        return
    set_torch_threads(inference_threads())


def training_threads(beside_window: bool) -> int:
    """Threads for CPU training; beside the window, one core stays free for its frames.

    On the 2-core machine, one training thread beside the window trained 2.4x faster than two
    (17.9k vs 7.6k images/s, the machine busy) and cut the GUI heartbeat's p99 lag from 23 to
    16 ms: the window's frames need a core of their own.
    """
    threads = _base_threads()
    return max(1, threads - 1) if beside_window else threads


@contextmanager
def training_run(device_type: str, beside_window: bool = True) -> Iterator[int]:
    """Mark a CPU training run as active on the calling thread and set its thread count.

    Yields the count used; restores the thread's previous count afterwards. GPU runs leave
    the CPU to inference and change nothing.
    """
    global _training_runs
    if device_type != "cpu":
        yield _base_threads()
        return
    import torch

    before = torch.get_num_threads()
    count = training_threads(beside_window)
    with _lock:
        _training_runs += 1
    flushed = flush_denormals(True)
    try:
        set_torch_threads(count)
        yield count
    finally:
        with _lock:
            _training_runs -= 1
        set_torch_threads(before)
        flush_denormals(flushed)


def own_running_threads(task_dir: str = "/proc/self/task") -> int:
    """How many of this process's threads are runnable now (Linux; 1 elsewhere)."""
    try:
        tasks = os.listdir(task_dir)
    except OSError:
        return 1
    running = 0
    for tid in tasks:
        try:
            with open(f"{task_dir}/{tid}/stat", encoding="ascii", errors="replace") as fh:
                state = fh.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        running += state == "R"
    return max(1, running)


class ContentionWatch:
    """Drops a CPU training run from several threads to one when other programs start to use
    the cores it planned with (at most one look a second, a decision on three looks).

    Several threads only pay on a quiet machine; beside a busy program each parallel region
    waits for whichever thread the scheduler put aside. The plan is made at start, so a program
    that starts later is caught here. Only the automatic plan is adapted: a count the user
    asked for stays.
    """

    def __init__(self, interval_s: float = 1.0, looks: int = 3,
                 loadavg: str = _LOADAVG, task_dir: str = "/proc/self/task") -> None:
        self.interval_s, self.looks = interval_s, looks
        self.loadavg, self.task_dir = loadavg, task_dir
        self.samples: list[int] = []
        self.last = 0.0
        self.shed = False

    def others_running(self) -> int:
        try:
            with open(self.loadavg, encoding="ascii") as fh:
                running = int(fh.read().split()[3].split("/")[0])
        except (OSError, ValueError, IndexError):
            return 0
        return max(0, running - own_running_threads(self.task_dir))

    def check(self, now: float | None = None) -> bool:
        """Look (if a look is due); True when this call dropped the thread to one."""
        if self.shed or _plan is None or _plan.source != "auto" or _plan.threads < 2:
            return False
        now = time.monotonic() if now is None else now
        if now - self.last < self.interval_s:
            return False
        self.last = now
        self.samples = (self.samples + [self.others_running()])[-self.looks:]
        if len(self.samples) < self.looks or sorted(self.samples)[self.looks // 2] < 1:
            return False
        import torch

        if torch.get_num_threads() > 1:
            set_torch_threads(1)
        self.shed = True
        return True


def lower_thread_priority(niceness: int = 10) -> None:
    """Make the calling (worker) thread 'nicer' than the GUI thread, so that when the CPU is
    short the scheduler runs the GUI's frames first. Linux applies nice per thread; elsewhere
    this is a no-op (Qt's own thread priorities are ignored under Linux's default policy)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + niceness)
    except OSError:
        pass  # not allowed here: the thread keeps its priority
