"""Timing and set-up shared by the PyTorch baselines of evo-bench."""
import time


def best_time(fn, repeats):
    """The fastest of `repeats` calls of fn, after one warm-up call, in seconds."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def train_step_time(model, optimizer, batch, repeats):
    """Best time in seconds of one training step (cross-entropy, backward, optimizer step) on a fixed
    random batch of 1x28x28 images."""
    import torch
    import torch.nn.functional as F

    images = torch.randn(batch, 1, 28, 28)
    labels = torch.arange(batch) % 10

    def step():
        optimizer.zero_grad()
        F.cross_entropy(model(images), labels).backward()
        optimizer.step()

    return best_time(step, repeats)


def benchmark_arguments(seed, norms=False):
    """Parses --threads, --quick and --only (and --norms when asked), sets torch's thread count and seed;
    returns the arguments."""
    import argparse

    import torch

    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", help="run only this group of measurements")
    if norms:
        parser.add_argument("--norms", default="bn_relu,evonorm_b0", help="comma-separated norm names")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(seed)
    return args
