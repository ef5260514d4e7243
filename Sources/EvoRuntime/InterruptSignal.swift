import Foundation

/// SIGINT (Ctrl-C, or Jupyter's signal interrupt mode) as an event instead of the end of the process.
public enum InterruptSignal {
  /// The queue interrupt and timeout handlers run on: a serial queue of its own, which Dispatch serves with
  /// an overcommit thread. On the global queue they can wait until a kernel that occupies every thread of
  /// the global pool (a convolution over `concurrentPerform` started from a pool thread) has finished.
  public static let queue = DispatchQueue(label: "evo.interrupts", qos: .userInteractive)

  /// Calls `handler` on a dispatch queue at each SIGINT until the returned source is cancelled. The
  /// signal is unblocked first: a parent may have spawned the process with SIGINT blocked.
  public static func handle(_ handler: @escaping () -> Void) -> DispatchSourceSignal {
    signal(SIGINT, SIG_IGN)
    var unblock = sigset_t()
    sigemptyset(&unblock)
    sigaddset(&unblock, SIGINT)
    pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: queue)
    source.setEventHandler(handler: handler)
    source.resume()
    return source
  }
}
