"""Per-call overhead of a tiny tensor add from Python: torch and numpy when importable. Prints key=value."""
import time

N = 1_000_000
out = {}
try:
    import torch

    torch.set_num_threads(1)
    a, b = torch.ones(4), torch.ones(4)
    start = time.perf_counter()
    for _ in range(N):
        a + b
    out["torch_ns"] = (time.perf_counter() - start) * 1e9 / N
except ImportError:
    pass
try:
    import numpy as np

    a, b = np.ones(4, dtype=np.float32), np.ones(4, dtype=np.float32)
    start = time.perf_counter()
    for _ in range(N):
        a + b
    out["numpy_ns"] = (time.perf_counter() - start) * 1e9 / N
except ImportError:
    pass
print(" ".join(f"{k}={v:.1f}" for k, v in out.items()) or "none=0")
