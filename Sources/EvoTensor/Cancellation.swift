import Synchronization

/// A flag that asks long computations to stop; thread-safe.
public final class CancellationToken: Sendable {
  private let flag = Atomic<Bool>(false)

  public init() {}

  /// Asks running kernels to stop at their next check. Safe to call from any thread.
  public func request() { flag.store(true, ordering: .relaxed) }
  /// Clears a pending request (before starting new work).
  public func reset() { flag.store(false, ordering: .relaxed) }
  /// Whether a stop has been requested.
  public var isRequested: Bool { flag.load(ordering: .relaxed) }
}

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
