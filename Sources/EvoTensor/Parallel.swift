import CBLAS
import Dispatch
import Foundation

/// Splitting work over the machine's cores, and keeping OpenBLAS threads from nesting inside it.
public enum Parallel {
  /// Worker count used for splitting loops, fixed at first use: see `threadCount`.
  public static let workers = threadCount(
    environment: ProcessInfo.processInfo.environment, cores: ProcessInfoCores.count)

  /// `EVO_THREADS` when it is a whole number from 1 to 64 (a search worker runs with 1: its threads
  /// would only wait for each other while the other workers hold the cores), else the cores, at most 8.
  public static func threadCount(environment: [String: String], cores: Int) -> Int {
    if let text = environment["EVO_THREADS"], let n = Int(text), (1...64).contains(n) { return n }
    return max(1, min(cores, 8))
  }

  /// Calls `body(range)` on disjoint ranges covering `0..<count`, in parallel when `count` is at least
  /// `minimumPerWorker * 2`. BLAS is limited to one thread while the workers run (never nest threads).
  public static func forRanges(_ count: Int, minimumPerWorker: Int, _ body: @Sendable (Range<Int>) -> Void) {
    let chunks = min(workers, count / max(minimumPerWorker, 1))
    if chunks <= 1 {
      body(0..<count)
      return
    }
    BLASThreads.withSingleThread {
      DispatchQueue.concurrentPerform(iterations: chunks) { c in
        let start = count * c / chunks
        let end = count * (c + 1) / chunks
        body(start..<end)
      }
    }
  }
}

/// Number of online processors.
enum ProcessInfoCores {
  static let count = ProcessInfo.processInfo.activeProcessorCount
}

/// Controls OpenBLAS's own thread pool.
public enum BLASThreads {
  /// Runs `body` with OpenBLAS limited to one thread, restoring the previous count after.
  public static func withSingleThread<R>(_ body: () throws -> R) rethrows -> R {
    let previous = openblas_get_num_threads()
    if previous == 1 { return try body() }
    openblas_set_num_threads(1)
    defer { openblas_set_num_threads(previous) }
    return try body()
  }

  /// Sets OpenBLAS's thread count (benchmarks compare at equal thread counts; a search worker runs
  /// with one).
  public static func set(_ n: Int) { openblas_set_num_threads(Int32(n)) }
}

/// Lets raw pointers cross into `concurrentPerform`'s `@Sendable` closure; callers guarantee disjoint writes.
public struct SendablePointer<T>: @unchecked Sendable {
  public let pointer: UnsafeMutablePointer<T>
  public init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
