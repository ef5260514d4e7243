"""PyTorch side of `evo-bench graph`: EvoNorm-B0 composed from plain ops, and BatchNorm2d + ReLU,
forward + backward on the same shapes with the same thread count. Last line: key=value pairs (ms)."""
import torch
import torch.nn.functional as F

from timing import benchmark_arguments, best_time


def evonorm_b0(x, v1, gamma, beta, eps=1e-5):
    batch_std = (x.var(dim=(0, 2, 3), unbiased=False, keepdim=True) + eps).sqrt()
    instance_std = (x.var(dim=(2, 3), unbiased=False, keepdim=True) + eps).sqrt()
    return x / torch.maximum(batch_std, v1 * x + instance_std) * gamma + beta


def main():
    args = benchmark_arguments(seed=1)
    repeats = 2 if args.quick else 10
    pairs = []
    for shape in [(128, 16, 28, 28), (128, 64, 7, 7)]:
        key = "x".join(map(str, shape))
        c = shape[1]
        x = torch.randn(shape, requires_grad=True)
        dy = torch.randn(shape)
        v1 = torch.ones(1, c, 1, 1, requires_grad=True)
        gamma = torch.ones(1, c, 1, 1, requires_grad=True)
        beta = torch.zeros(1, c, 1, 1, requires_grad=True)
        bn = torch.nn.BatchNorm2d(c)
        b0 = best_time(lambda: evonorm_b0(x, v1, gamma, beta).backward(dy), repeats)
        bn_relu = best_time(lambda: F.relu(bn(x)).backward(dy), repeats)
        print(f"{key}: EvoNorm-B0 {b0 * 1000:.2f} ms, BN-ReLU {bn_relu * 1000:.2f} ms")
        pairs += [f"b0_{key}_ms={b0 * 1000:.3f}", f"bn_relu_{key}_ms={bn_relu * 1000:.3f}"]
    print(" ".join(pairs))


if __name__ == "__main__":
    main()
