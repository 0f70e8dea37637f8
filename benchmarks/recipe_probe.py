"""Score a training run while it trains: FD and the judge's other scores of each checkpoint.

    python benchmarks/recipe_probe.py --log probes/gan-r1.jsonl [--n 2000] -- \\
        gan --clusters 20 --r1 1 --epochs 30 --out probes/gan-r1.safetensors --threads 1

runs ``genai-studio train ARGS`` as a child process (one torch thread) and, each time its
resume checkpoint changes, loads it and scores ``--n`` samples with the project's judge: one
JSON line per checkpoint (step, epoch, training seconds, FD, confidence, largest class
deviation, doubtful share). Used to shortlist recipes with short runs and to record FD per
epoch of the long ones (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def score(path: Path, n: int, fitted: bool = False) -> dict:
    import torch

    from genai_studio.core.data.mnist import load_mnist
    from genai_studio.core.latent.sampling import sample
    from genai_studio.core.scoring.metrics import judge_outputs, reference_stats, score_samples
    from genai_studio.core.scoring.quality import load_judge
    from genai_studio.core.store.checkpoints import load_model

    loaded = load_model(path, "cpu")
    model = loaded.model
    if hasattr(model, "refresh_ema_statistics"):
        model.refresh_ema_statistics()
    judge = load_judge(ROOT / "models" / "judge.safetensors")
    drawn = sample(model, n, seed=0, fitted=fitted)
    probs, features = judge_outputs(judge, torch.from_numpy(drawn.images))
    scores = score_samples(probs, features, reference_stats(judge, load_mnist("test")))
    scores["doubtful"] = round(float((probs.max(dim=1).values < 0.5).double().mean()), 6)
    state = loaded.metadata.get("training_state") or {}
    training = loaded.metadata.get("training") or {}
    return {"step": state.get("step"), "seconds": training.get("wall_time_s"),
            "epochs": training.get("epochs_done"), **scores}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--poll", type=float, default=5.0)
    parser.add_argument("train_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    train_args = [a for a in args.train_args if a != "--"]
    out = Path(train_args[train_args.index("--out") + 1])
    ckpt = out.with_name(out.name.replace(".safetensors", ".ckpt.safetensors"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "genai_studio", "train", *train_args]
    args.log.parent.mkdir(parents=True, exist_ok=True)
    child = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    seen = 0.0
    with args.log.open("a") as log:
        log.write(json.dumps({"cmd": cmd[2:], "started": time.strftime("%F %T")}) + "\n")
        while True:
            done = child.poll() is not None
            mtime = ckpt.stat().st_mtime if ckpt.exists() else 0.0
            if mtime > seen:
                seen = mtime
                try:
                    log.write(json.dumps({"t": time.strftime("%T"), "load": os.getloadavg()[0],
                                          **score(ckpt, args.n)}) + "\n")
                except Exception as exc:  # a checkpoint replaced while being read: next time
                    log.write(json.dumps({"error": str(exc)[:200]}) + "\n")
                log.flush()
            if done:
                break
            time.sleep(args.poll)
        log.write(json.dumps({"exit": child.returncode, "ended": time.strftime("%F %T")}) + "\n")
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())
