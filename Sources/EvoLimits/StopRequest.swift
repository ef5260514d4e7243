import Synchronization

/// A request to stop long work, set from any thread (Ctrl-C, a timeout) and honoured by the work at its
/// next check: Evo code between loop iterations and calls (EvoLang's `InterruptFlag`), tensor kernels
/// between chunks (EvoTensor's `CancellationToken`). A session hands its interpreter's flag to its
/// kernels, so one request stops whichever is running.
public final class StopRequest: Sendable {
  private let flag = Atomic<Bool>(false)

  public init() {}

  /// Asks the work to stop at its next check. Safe to call from any thread.
  public func request() { flag.store(true, ordering: .relaxed) }
  /// Clears a pending request (before new work starts, or once the work has stopped).
  public func reset() { flag.store(false, ordering: .relaxed) }
  /// Whether a stop has been requested.
  public var isRequested: Bool { flag.load(ordering: .relaxed) }
}
