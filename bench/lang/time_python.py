"""Times one benchmark program in CPython, excluding interpreter start-up: prints `seconds=...`."""
import sys
import time

source = open(sys.argv[1]).read()
code = compile(source, sys.argv[1], "exec")
best = float("inf")
for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 3):
    start = time.perf_counter()
    exec(code, {"__name__": "__main__"})
    best = min(best, time.perf_counter() - start)
print(f"seconds={best:.6f}")
