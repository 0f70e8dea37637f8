"""Where computation runs: the CPU thread policy and the devices (CUDA, MPS, CPU)."""
