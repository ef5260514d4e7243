"""Timing shared by the PyTorch baselines of evo-bench."""
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
