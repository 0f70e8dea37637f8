"""core/store/files.py and core/store/output_lock.py: checked atomic writes and copies,
bounded reads, output locks."""

import os
import socket
import subprocess
import sys
import threading
from datetime import datetime

import pytest

from genai_studio.core.defaults import default_model_name
from genai_studio.core.errors import InputError, OutputBusy, OutputError
from genai_studio.core.store.files import (
    check_writable,
    clean_stale_temps,
    copy_atomic,
    open_regular,
    read_untrusted,
    write_atomic,
)
from genai_studio.core.store.output_lock import OutputLock, lock_new_output


def _names(folder):
    return sorted(p.name for p in folder.iterdir())


def test_an_input_of_the_same_command_is_never_written_over(tmp_path):
    model = tmp_path / "m.safetensors"
    model.write_bytes(b"precious")
    with pytest.raises(OutputError, match="also an input"):
        write_atomic(model, b"png", inputs=[model])
    os.link(model, tmp_path / "hard.png")  # the same file under another name
    with pytest.raises(OutputError, match="also an input"):
        write_atomic(tmp_path / "hard.png", b"png", inputs=[model])
    with pytest.raises(OutputError, match="also an input"):
        check_writable(tmp_path / "hard.png", inputs=[None, model])
    assert model.read_bytes() == b"precious"


def test_folders_fifos_sockets_and_devices_are_refused(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="FIFO"):
        write_atomic(fifo, b"x")
    with pytest.raises(OutputError, match="is a folder"):
        write_atomic(tmp_path, b"x")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "sock"))
        with pytest.raises(OutputError, match="socket"):
            check_writable(tmp_path / "sock")
    # A device is refused by its type alone (the check only stats it; nothing is written: the
    # write path is shown on FIFOs and sockets, never on a real device).
    with pytest.raises(OutputError, match="device"):
        check_writable("/dev/null")
    assert _names(tmp_path) == ["pipe", "sock"]


def test_symlinks_are_followed_and_kept(tmp_path):
    real = tmp_path / "real.png"
    real.write_bytes(b"old")
    link = tmp_path / "link.png"
    link.symlink_to(real)
    assert write_atomic(link, b"new") == real.resolve()
    assert link.is_symlink() and real.read_bytes() == b"new"
    dangling = tmp_path / "dangling.png"
    dangling.symlink_to(tmp_path / "created.png")
    write_atomic(dangling, b"made")
    assert (tmp_path / "created.png").read_bytes() == b"made" and dangling.is_symlink()
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "to-fifo").symlink_to(tmp_path / "fifo")
    with pytest.raises(OutputError, match="FIFO"):
        write_atomic(tmp_path / "to-fifo", b"x")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    with pytest.raises(OutputError, match="loop"):
        write_atomic(tmp_path / "loop", b"x")


def test_stale_temps_of_dead_writers_are_cleaned_live_ones_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = tmp_path / f".m.safetensors.{dead}-abcd1234.tmp"
    live = tmp_path / f".m.safetensors.{os.getppid()}-abcd1234.tmp"
    old_style = tmp_path / ".m.safetensors.k2j4_x9q.tmp"
    for path in (stale, live, old_style):
        path.write_bytes(b"half a file")
    write_atomic(tmp_path / "m.safetensors", b"whole")
    assert _names(tmp_path) == sorted([live.name, "m.safetensors"])
    assert clean_stale_temps(tmp_path) == 0


def test_copy_atomic_copies_and_refuses_what_it_must(tmp_path):
    source = tmp_path / "a.safetensors"
    source.write_bytes(os.urandom(3 << 20))  # several chunks
    target = tmp_path / "b.safetensors"
    target.write_bytes(b"previous")
    copy_atomic(source, target)
    assert target.read_bytes() == source.read_bytes()
    with pytest.raises(OutputError, match="also an input"):
        copy_atomic(source, source)
    with pytest.raises(InputError, match="too large"):
        copy_atomic(source, tmp_path / "c", max_bytes=1000)
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(InputError, match="FIFO"):
        copy_atomic(tmp_path / "fifo", tmp_path / "d")
    with pytest.raises(InputError, match="not found"):
        copy_atomic(tmp_path / "absent", target)
    assert target.read_bytes() == source.read_bytes()
    assert _names(tmp_path) == ["a.safetensors", "b.safetensors", "fifo"]


def test_a_read_error_during_a_copy_keeps_the_old_target(tmp_path, monkeypatch):
    import genai_studio.core.store.files as files

    source, target = tmp_path / "a", tmp_path / "b"
    source.write_bytes(b"x" * (3 << 20))
    target.write_bytes(b"previous")
    monkeypatch.setattr(files, "_COPY_CHUNK", 1 << 20)
    real_fdopen = os.fdopen

    class Failing:
        def __init__(self, fh):
            self.fh, self.reads = fh, 0

        def read(self, n):
            self.reads += 1
            if self.reads == 2:
                raise OSError(5, "Input/output error")
            return self.fh.read(n)

        def __getattr__(self, name):
            return getattr(self.fh, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

    monkeypatch.setattr(os, "fdopen", lambda fd, mode="r", *a, **k: Failing(
        real_fdopen(fd, mode)) if mode == "rb" else real_fdopen(fd, mode, *a, **k))
    with pytest.raises(InputError, match="Input/output error"):
        copy_atomic(source, target)
    assert target.read_bytes() == b"previous" and _names(tmp_path) == ["a", "b"]


def test_untrusted_reads_never_block_on_a_fifo_and_have_a_ceiling(tmp_path):
    fifo = tmp_path / "model.safetensors"
    os.mkfifo(fifo)
    outcome = []

    def attempt():
        try:
            open_regular(fifo)
        except InputError as exc:
            outcome.append(str(exc))

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "opening a FIFO blocked"
    assert "FIFO" in outcome[0]
    small = tmp_path / "small"
    small.write_bytes(b"12345")
    assert read_untrusted(small, 5) == b"12345"
    with pytest.raises(InputError, match="too large"):
        read_untrusted(small, 4)
    with pytest.raises(InputError, match="is a folder"):
        read_untrusted(tmp_path, 4)


def test_an_output_lock_refuses_a_second_holder_until_released(tmp_path):
    out = tmp_path / "run.safetensors"
    with OutputLock(out) as lock:
        assert lock.held and lock.lock_path.exists()
        with pytest.raises(OutputBusy, match=f"another run \\(pid {os.getpid()}\\)"):
            OutputLock(out).acquire()
    assert not lock.held and not lock.lock_path.exists()
    OutputLock(out).acquire().release()


def test_the_lock_of_a_killed_run_is_free_again(tmp_path):
    out = tmp_path / "run.safetensors"
    code = ("import sys, time; from genai_studio.core.store.output_lock import OutputLock; "
            f"lock = OutputLock({str(out)!r}).acquire(); print('held', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        with pytest.raises(OutputBusy, match=f"pid {proc.pid}"):
            OutputLock(out).acquire()
    finally:
        proc.kill()
        proc.wait()
    OutputLock(out).acquire().release()  # the kernel dropped the dead run's lock


def test_default_names_are_unique_even_within_one_second(tmp_path):
    when = datetime(2026, 11, 28, 14, 25, 1)
    first = default_model_name("vae", False, 2, when, folder=tmp_path)
    assert first == "mnist-vae-2d-20261128-142501.safetensors"  # never a shipped "vae-2d"
    (tmp_path / first).write_bytes(b"x")
    second = default_model_name("vae", False, 2, when, folder=tmp_path)
    assert second == "mnist-vae-2d-20261128-142501-2.safetensors"
    (tmp_path / "mnist-vae-2d-20261128-142501-2.ckpt.safetensors").write_bytes(b"x")
    assert default_model_name("vae", False, 2, when, folder=tmp_path).endswith("-3.safetensors")
    # Two runs starting together: each locks the name it got, so the next one moves on.
    locks = [lock_new_output(lambda: tmp_path / default_model_name(
        "gan", True, None, when, folder=tmp_path)) for _ in range(3)]
    assert len({lock.path for lock in locks}) == 3
    for lock in locks:
        lock.release()
    # Named from the dataset it learns: a name that is no file name is made one.
    assert default_model_name("gan", False, 64, when, dataset="my cats/2").startswith(
        "my-cats-2-gan-64d-")
