import Foundation

/// The machine's fp32 peak, measured: independent chains of fused multiply-adds on the widest vectors
/// the C compiler targets (`-march=native`), one thread per core. `/proc/cpuinfo` cannot give it: its
/// clock is often not the one the cores run at, and it does not say how many FMA units a core has
/// (one machine of this kind showed 1,996 MHz where its cores ran at 2.5 GHz with one FMA pipe).
enum PeakFlops {
  /// GFLOP/s over all cores, best of three runs of about a quarter second; nil without a C compiler
  /// (`$EVO_CC`, else `cc`).
  static func measure(threads: Int) -> Double? {
    let folder = NSTemporaryDirectory() + "evo-bench-peak-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: folder) }
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      try source.write(toFile: folder + "/peak.c", atomically: true, encoding: .utf8)
    } catch {
      return nil
    }
    let compiler = ProcessInfo.processInfo.environment["EVO_CC"].flatMap { $0.isEmpty ? nil : $0 } ?? "cc"
    let flags = ["-O3", "-march=native", "-ffp-contract=fast", "-pthread", "-o", folder + "/peak", folder + "/peak.c"]
    guard (try? Baseline.run(compiler, flags))?.status == 0 else { return nil }
    return Baseline.values(of: folder + "/peak", ["\(threads)"])?["peak_gflops"]
  }

  /// Each thread runs 16 independent chains acc = acc·m + a on 64-byte vectors (enough chains to hide
  /// the FMA latency on two pipes); the program prints the best total GFLOP/s of three runs as
  /// `peak_gflops=...`.
  private static let source = """
    #include <pthread.h>
    #include <stdio.h>
    #include <stdlib.h>
    #include <time.h>
    typedef float v16 __attribute__((vector_size(64)));
    enum { CHAINS = 16, LANES = 16 };
    static long iterations;
    static double now(void) {
      struct timespec t;
      clock_gettime(CLOCK_MONOTONIC, &t);
      return t.tv_sec + t.tv_nsec * 1e-9;
    }
    static void *chains(void *result) {
      v16 acc[CHAINS];
      const v16 m = (v16){0} + 0.999999f, a = (v16){0} + 1e-7f;
      for (int k = 0; k < CHAINS; k++) acc[k] = (v16){0} + (float)k;
      for (long i = 0; i < iterations; i++) {
        for (int k = 0; k < CHAINS; k++) acc[k] = acc[k] * m + a;
      }
      float sum = 0;
      for (int k = 0; k < CHAINS; k++) for (int l = 0; l < LANES; l++) sum += acc[k][l];
      *(float *)result = sum;
      return 0;
    }
    static double once(int threads) {
      pthread_t id[256];
      float sums[256];
      const double start = now();
      for (int t = 0; t < threads; t++) pthread_create(&id[t], 0, chains, &sums[t]);
      for (int t = 0; t < threads; t++) pthread_join(id[t], 0);
      const double seconds = now() - start;
      if (sums[0] == 42.0f) fprintf(stderr, "#");  /* keeps the chains' results alive */
      return 2.0 * CHAINS * LANES * (double)iterations * threads / seconds / 1e9;
    }
    int main(int argc, char **argv) {
      int threads = argc > 1 ? atoi(argv[1]) : 1;
      if (threads < 1) threads = 1;
      if (threads > 256) threads = 256;
      /* Calibrated on one thread to about a quarter second per run. */
      iterations = 1 << 20;
      const double start = now();
      once(1);
      iterations = (long)(iterations * 0.25 / (now() - start + 1e-9));
      if (iterations < 1000) iterations = 1000;
      double best = 0;
      for (int r = 0; r < 3; r++) {
        const double g = once(threads);
        if (g > best) best = g;
      }
      printf("peak_gflops=%.1f\\n", best);
      return 0;
    }
    """
}
