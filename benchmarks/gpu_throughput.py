"""Training images/s per model on the CPU and, where there is one, a CUDA GPU, in one run;
on the GPU also the pad's decode latency while a model trains on the same GPU.

    python benchmarks/gpu_throughput.py [--steps 200] [--cpu-steps 40] [--out FILE.json]

For each model (the reference MLP VAE 784-400-20, the conv VAE, the 28x28 DCGAN) and device:
the steady-state images/s of `core.training.train`'s step function (data gather, noise,
forward, backward, Adam; warm-up steps excluded), at the device's default batch (128 CPU, 512
CUDA) in fp32, and on CUDA also with --precision bf16 and with the CUDA-graph step. On CUDA the
pad probe decodes one latent every 2 ms on `sampling.decode_live`'s own stream while the DCGAN
trains on the default stream from another thread, p50/p99 in ms. Without a GPU the CUDA rows
say "no CUDA device" and only the CPU is measured.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import load, machine, print_report

from genai_studio.core.runtime.threads import configure

configure()
import torch  # noqa: E402

from genai_studio.core.data.mnist import load_mnist  # noqa: E402
from genai_studio.core.defaults import default_batch, scaled_lr  # noqa: E402
from genai_studio.core.models.registry import GANConfig, VAEConfig  # noqa: E402
from genai_studio.core.train.accel import SpeedOptions  # noqa: E402
from genai_studio.core.train.loop import _prepare  # noqa: E402
from genai_studio.core.train.run import TrainConfig  # noqa: E402

MODELS = {
    "mlp-vae": (VAEConfig(latent_dim=20, hidden=(400,)), "none"),
    "conv-vae": (VAEConfig(arch="conv", latent_dim=20, hidden=(256,)), "dynamic"),
    "dcgan": (GANConfig(latent_dim=64), "none"),
}


def throughput(name: str, device: torch.device, steps: int, speed: SpeedOptions) -> dict:
    model_config, binarize = MODELS[name]
    batch = default_batch(device.type)
    data = load_mnist("train")
    config = TrainConfig(epochs=1, batch_size=batch, binarize=binarize,
                         lr=scaled_lr(model_config.kind, batch))
    with tempfile.TemporaryDirectory() as tmp:
        run, _ = _prepare(model_config, config, data, device, Path(tmp) / "m.safetensors",
                          None, None, speed=speed)
    order = torch.randperm(len(run.data), generator=torch.Generator()).to(device)
    per_epoch = len(run.data) // batch

    def step(i: int) -> torch.Tensor:
        j = i % per_epoch
        return run.step_fn(order[j * batch:(j + 1) * batch])

    warm = max(5, speed.graph_warmup_steps + 2)
    for i in range(warm):
        step(i)
    _sync(device)
    t0 = time.perf_counter()
    for i in range(warm, warm + steps):
        losses = step(i)
    _sync(device)
    seconds = time.perf_counter() - t0
    return {"images_per_s": round(steps * batch / seconds), "batch": batch,
            "finite": bool(torch.isfinite(losses).all()), **_report(run)}


def _report(run) -> dict:
    r = run.report
    return {"precision": r.precision, "cuda_graph": r.cuda_graph, "notes": r.notes}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def pad_latency_while_training(device: torch.device, seconds: float = 10.0) -> dict:
    """Decode one latent every 2 ms on the live stream while the DCGAN trains on the GPU."""
    from genai_studio.core.latent.sampling import decode_live
    from genai_studio.core.store.checkpoints import load_model

    root = Path(__file__).resolve().parents[1]
    model = load_model(root / "models" / "vae-2d.safetensors", device).model
    stop = threading.Event()

    def trainer() -> None:
        model_config, _ = MODELS["dcgan"]
        config = TrainConfig(epochs=1, batch_size=512)
        with tempfile.TemporaryDirectory() as tmp:
            run, _ = _prepare(model_config, config, load_mnist("train"), device,
                              Path(tmp) / "g.safetensors", None, None)
        order = torch.randperm(len(run.data)).to(device)
        i = 0
        while not stop.is_set():
            j = i % (len(run.data) // 512)
            run.step_fn(order[j * 512:(j + 1) * 512])
            i += 1

    worker = threading.Thread(target=trainer)
    worker.start()
    time.sleep(2.0)
    times, end = [], time.perf_counter() + seconds
    z = torch.zeros(1, 2).numpy()
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        decode_live(model, z)
        times.append(1000 * (time.perf_counter() - t0))
        time.sleep(0.002)
    stop.set()
    worker.join()
    times.sort()
    return {"decodes": len(times), "p50_ms": round(times[len(times) // 2], 3),
            "p99_ms": round(times[int(len(times) * 0.99)], 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="timed steps per GPU row")
    parser.add_argument("--cpu-steps", type=int, default=40, help="timed steps per CPU row")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    report: dict = {"machine": machine(), "torch": torch.__version__,
                    "torch_threads": torch.get_num_threads(), "load_start": load(), "rows": {}}
    cuda = torch.cuda.is_available()
    report["gpu"] = torch.cuda.get_device_name(0) if cuda else None
    for name in MODELS:
        row = report["rows"].setdefault(name, {})
        row["cpu"] = throughput(name, torch.device("cpu"), args.cpu_steps, SpeedOptions())
        print(f"{name} cpu: {row['cpu']}", file=sys.stderr)
        if not cuda:
            row["cuda"] = "no CUDA device"
            continue
        gpu = torch.device("cuda")
        for label, speed in (("cuda", SpeedOptions()),
                             ("cuda-bf16", SpeedOptions(precision="bf16")),
                             ("cuda-graph", SpeedOptions(cuda_graph=True)),
                             ("cuda-graph-bf16", SpeedOptions(cuda_graph=True,
                                                              precision="bf16"))):
            row[label] = throughput(name, gpu, args.steps, speed)
            print(f"{name} {label}: {row[label]}", file=sys.stderr)
        row["gpu_over_cpu"] = round(max(v["images_per_s"] for k, v in row.items()
                                        if k.startswith("cuda")) / row["cpu"]["images_per_s"], 1)
    if cuda:
        report["pad_decode_while_training_on_gpu"] = pad_latency_while_training(
            torch.device("cuda"))
    report["load_end"] = load()
    print_report(report, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
