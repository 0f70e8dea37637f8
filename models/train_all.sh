#!/usr/bin/env bash
# Reproduce the shipped models with the project's own CLI (seeded; CPU unless --device says so).
# Usage: models/train_all.sh [extra train options, e.g. --device cuda]
set -euo pipefail
cd "$(dirname "$0")/.."
GS=${GS:-.venv/bin/genai-studio}
OUT=${OUT:-models}
mkdir -p "$OUT"

# The latent pad's native model: 2-d latent, MLP 784-512-256-2.
$GS train vae --latent-dim 2 --hidden 512,256 --epochs 200 --seed 1 --out "$OUT/vae-2d.safetensors" "$@"
# The larger VAE: 32-d latent, MLP 784-512-512-32.
$GS train vae --latent-dim 32 --hidden 512,512 --epochs 250 --seed 2 --out "$OUT/vae-32d.safetensors" "$@"
