import EvoLimits
import Foundation
import Synchronization

/// A flag that asks long computations to stop; thread-safe. It is EvoLang's `InterruptFlag` too: a
/// session's kernels check its interpreter's flag.
public typealias CancellationToken = StopRequest

/// Stopping long computations early (the REPL requests it on Ctrl-C). Kernels check the token of the
/// current task or thread — the process-wide `shared` one unless `withToken` installs another — between
/// chunks of work and throw a `.cancelled` error.
public enum Cancellation {
  /// The process-wide token.
  public static let shared = CancellationToken()
  @TaskLocal private static var installed: CancellationToken = shared

  /// The token kernels started from this task or thread consult.
  public static var current: CancellationToken { installed }

  /// Runs `body` with `token` as the current token (tests and embedders isolate their work this way).
  public static func withToken<R>(_ token: CancellationToken, _ body: () throws -> R) rethrows -> R {
    try $installed.withValue(token) { try body() }
  }

  /// Throws a `.cancelled` error naming `op` if the current token was triggered.
  public static func check(_ op: String) throws {
    if current.isRequested { throw TensorError(.cancelled, op: op, "interrupted") }
  }
}

extension Cancellation {
  /// Runs `body` on a thread of its own and waits for it, checking the current token every 10 ms; on a
  /// request it throws at once and leaves `body` to finish unobserved. For native calls that cannot check
  /// a token themselves (LAPACK, a sort): `body` must own everything it touches (copies, not pointers
  /// into tensors), and its result is dropped when it is abandoned.
  /// A process that exits while a body still runs ends at once, without its exit handlers (see `exitGuard`).
  public static func abandonable<R: Sendable>(_ op: String, _ body: @escaping @Sendable () -> R) throws -> R {
    try check(op)
    _ = exitGuard
    let token = current
    let outcome = Outcome<R>()
    runningBodies.add(1, ordering: .sequentiallyConsistent)
    let thread = Thread {
      outcome.value = body()
      runningBodies.subtract(1, ordering: .sequentiallyConsistent)
      outcome.done.signal()
    }
    thread.stackSize = 8 << 20
    thread.start()
    while outcome.done.wait(timeout: .now() + .milliseconds(10)) == .timedOut {
      if token.isRequested { throw TensorError(.cancelled, op: op, "interrupted") }
    }
    guard let value = outcome.value else { throw TensorError(.cancelled, op: op, "the worker thread ended early") }
    return value
  }
}

/// How many `abandonable` bodies are running, abandoned or still awaited.
private let runningBodies = Atomic<Int>(0)

/// Registered by the first `abandonable` call: an exit while a body is still running (an abandoned LAPACK
/// call, say) flushes stdio and ends the process without running the other exit handlers. OpenBLAS's
/// library destructor joins its worker threads, and it deadlocks when a BLAS call is in flight on another
/// thread: a notebook run stopped by `--timeout` during `orthogonal` hung at exit about one time in five.
private let exitGuard: Void = {
  _ = on_exit(
    { status, _ in
      guard runningBodies.load(ordering: .sequentiallyConsistent) > 0 else { return }
      fflush(nil)
      _exit(status)
    }, nil)
}()

/// The result of an `abandonable` body: written once by its thread before `done` is signalled, read by
/// the waiting thread only after the signal.
private final class Outcome<R>: @unchecked Sendable {
  var value: R?
  let done = DispatchSemaphore(value: 0)
}
