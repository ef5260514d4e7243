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


def benchmark_arguments(seed):
    """Parses --threads, --quick and --only, sets torch's thread count and seed; returns the arguments."""
    import argparse

    import torch

    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", help="run only this group of measurements")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(seed)
    return args
