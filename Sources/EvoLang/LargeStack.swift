import Foundation

/// Runs work on a thread with a large native stack, so deep Evo recursion ends in a `RecursionError`
/// at `Interpreter.maxDepth` instead of overflowing the (512 KB) stack of a secondary thread.
public enum LargeStack {
  /// Stack size of the interpreter thread.
  public static let size = 1 << 30

  /// Runs `body` on a fresh thread with a `size`-byte stack and waits for it.
  public static func run<T>(stackSize: Int = size, _ body: @escaping () throws -> T) throws -> T {
    // The caller blocks until the thread is done, so handing `body` across is safe.
    let box = ResultBox<T>(body)
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
      box.result = Result { try box.body() }
      done.signal()
    }
    thread.stackSize = stackSize
    thread.start()
    done.wait()
    guard let result = box.result else { throw EvoError(.io, "the interpreter thread ended without a result") }
    return try result.get()
  }

  private final class ResultBox<T>: @unchecked Sendable {
    let body: () throws -> T
    var result: Result<T, Error>?
    init(_ body: @escaping () throws -> T) { self.body = body }
  }
}
