"""Training throughput (images/s) on this machine: our loop against the pytorch/examples data path.

Runs, interleaved so that background load hits both alike, and reports the median of repeats:
  baseline   pytorch/examples vae/main.py as published: a torchvision-style MNIST dataset that
             builds a PIL image per sample, ToTensor, the default DataLoader collate (batch 128,
             shuffle, no workers on the CPU), the reference 784-400-20 VAE, Adam 1e-3,
             loss.item() every batch. Reproduced here without torchvision (it does not import
             beside the pinned torch); each step mirrors torchvision's code.
  ours-ref   the same model, optimiser and batch size through genai_studio.core.train.loop.
  ours-conv  our convolutional VAE (latent 20).
  ours-gan   our 28x28 DCGAN (latent 64).

    python benchmarks/train_throughput.py [--repeats 3] [--threads 2] [--device cpu]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import _common
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, Dataset

from genai_studio.core.data.mnist import load_mnist, load_mnist_arrays
from genai_studio.core.models.registry import GANConfig, VAEConfig
from genai_studio.core.runtime.devices import resolve_device
from genai_studio.core.train.events import Finished
from genai_studio.core.train.loop import train
from genai_studio.core.train.run import TrainConfig


class TorchvisionStyleMNIST(Dataset):
    """What torchvision.datasets.MNIST + transforms.ToTensor() do per sample."""

    def __init__(self) -> None:
        images, labels = load_mnist_arrays("train")
        self.data = torch.from_numpy(images.copy())
        self.targets = torch.from_numpy(labels.astype(np.int64))

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int):
        img, target = self.data[index], int(self.targets[index])
        pic = Image.fromarray(img.numpy(), mode="L")  # torchvision's MNIST.__getitem__
        # transforms.functional.to_tensor for a PIL 'L' image:
        tensor = torch.from_numpy(np.array(pic, np.uint8, copy=True))
        tensor = tensor.view(pic.size[1], pic.size[0], 1).permute((2, 0, 1)).contiguous()
        return tensor.to(dtype=torch.get_default_dtype()).div(255), target


class ReferenceVAE(nn.Module):
    """pytorch/examples vae/main.py, verbatim in structure."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def reference_loss(recon_x, x, mu, logvar):
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def run_baseline(device: torch.device, max_images: int) -> float:
    torch.manual_seed(1)
    loader = DataLoader(TorchvisionStyleMNIST(), batch_size=128, shuffle=True)
    model = ReferenceVAE().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    train_loss, seen = 0.0, 0
    start = time.perf_counter()
    for data, _ in loader:
        data = data.to(device)
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = reference_loss(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
        seen += len(data)
        if seen >= max_images:
            break
    return seen / (time.perf_counter() - start)


def run_ours(model_config, device: torch.device, limit: int, binarize: str) -> float:
    data = load_mnist("train", device=device, limit=limit)
    config = TrainConfig(epochs=1, batch_size=128, lr=None, binarize=binarize, limit=limit,
                         log_every=50, preview_every=10**9)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        for event in train(model_config, config, data, device, Path(folder) / "m.safetensors"):
            if isinstance(event, Finished):
                images = event.summary["steps"] * event.summary["batch_size"]
        # Wall time of the whole run: start-up, previews and the final save included.
        return images / (time.perf_counter() - start)


def machine() -> dict:
    return {**_common.machine(), "threads": torch.get_num_threads(), "torch": torch.__version__}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--images", type=int, default=60000, help="images per reference run")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    ref = VAEConfig(arch="mlp", latent_dim=20, hidden=(400,))
    runs = {
        "baseline": lambda: run_baseline(device, args.images),
        "ours-ref": lambda: run_ours(ref, device, args.images, "none"),
        "ours-conv": lambda: run_ours(VAEConfig(arch="conv", latent_dim=20, hidden=(256,)),
                                      device, 10000, "dynamic"),
        "ours-gan": lambda: run_ours(GANConfig(latent_dim=64), device, 5000, "none"),
    }
    results: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, fn in runs.items():
            results[name].append(fn())
            print(f"{name}: {results[name][-1]:,.0f} images/s", file=sys.stderr)
    medians = {name: statistics.median(values) for name, values in results.items()}
    report = {
        "date": datetime.now().isoformat(timespec="seconds"), "device": str(device),
        "machine": machine(), "images_per_s_median": {k: round(v) for k, v in medians.items()},
        "all_runs": {k: [round(v) for v in vs] for k, vs in results.items()},
        "speedup_ref_vs_baseline": round(medians["ours-ref"] / medians["baseline"], 2),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
