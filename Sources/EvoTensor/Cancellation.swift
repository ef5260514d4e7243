import Synchronization

/// A process-wide request to stop long computations (the REPL sets it on Ctrl-C).
/// Long kernels call `Cancellation.check(op)` between chunks of work and throw `.cancelled`.
public enum Cancellation {
  private static let flag = Atomic<Bool>(false)

  /// Asks running kernels to stop at their next check. Safe to call from a signal-watching thread.
  public static func request() { flag.store(true, ordering: .relaxed) }

  /// Clears a pending request (before starting new work).
  public static func reset() { flag.store(false, ordering: .relaxed) }

  /// Whether a stop has been requested.
  public static var isRequested: Bool { flag.load(ordering: .relaxed) }

  /// Throws a `.cancelled` error naming `op` if a stop was requested.
  public static func check(_ op: String) throws {
    if isRequested { throw TensorError(.cancelled, op: op, "interrupted") }
  }
}
