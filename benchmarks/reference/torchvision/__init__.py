"""A stand-in for the three torchvision pieces that pytorch/examples' vae/main.py uses.

torchvision is not installed here (the project does not depend on it, and its wheels pin a
torch build of their own), so the benchmark puts this folder first on PYTHONPATH. Each piece does
per sample or per call what torchvision 0.2x does (MNIST.__getitem__ builds a PIL image,
ToTensor converts it back, save_image tiles with make_grid and writes a PNG), so the script's
cost is the real one. MNIST reads the raw IDX files from GENAI_BENCH_MNIST (a folder of the
four decompressed files, as torchvision keeps them after its first download).
"""
