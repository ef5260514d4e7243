"""PyTorch side of `evo-bench train`: one ResNet-20 training step (batch 128 of 1x28x28, SGD lr 0.001,
momentum 0.9, weight decay 5e-4 on weights only) with the model of scripts/torch/evo_models.py (the
same model as Evo's models.resnet), BN-ReLU or EvoNorm-B0 as plain ops (affine-only lone norms, as
the official code).

Last line: key=value pairs: `NORM_step_ms` (best of the repeats) for each norm asked for, and with a
single norm `peak_rss_mb` (this process's peak resident memory) and `start_rss_mb` (after importing
torch, before building the model).
"""
import os
import resource
import sys

import torch

from timing import benchmark_arguments, train_step_time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "torch"))
import evo_models  # noqa: E402


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main():
    args = benchmark_arguments(seed=0, norms=True)
    repeats = 1 if args.quick else 5
    batch = 32 if args.quick else 128
    start = rss_mb()
    out = {}
    for norm in args.norms.split(","):
        model = evo_models.ResNet(depth=20, width=16, norm=norm, in_channels=1, classes=10)
        opt = torch.optim.SGD(evo_models.parameter_groups(model, 5e-4), lr=0.001, momentum=0.9)
        out[f"{norm}_step_ms"] = train_step_time(model, opt, batch, repeats) * 1000
    if "," not in args.norms:
        out["start_rss_mb"] = start
        out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(" ".join(f"{k}={v:.4f}" for k, v in out.items()))


if __name__ == "__main__":
    main()
