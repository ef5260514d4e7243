import EvoLang
import EvoRuntime
import Foundation

/// A `Session.run` on a thread of its own, for tests that interrupt it. The code prints a marker once it
/// runs, and the test interrupts only after seeing it: `run` clears a pending interrupt when it starts,
/// so one sent earlier would be lost and the code would never stop. A sleep cannot know when the run
/// started; on a busy machine running the other tests, a thread may wait long before it gets a core.
final class BackgroundRun: @unchecked Sendable {
  private let lock = NSLock()
  private let output = Printed()
  private var result: Result<Value?, EvoError>?
  private let done = DispatchSemaphore(value: 0)

  /// Starts `code` in `session`, gathering what it prints.
  init(_ session: Session, _ code: String, name: String = "<test>") {
    session.interpreter.output = { [output] text in output.append(text) }
    Thread { [self] in
      let outcome = session.run(code, name: name)
      lock.withLock { result = outcome }
      done.signal()
    }.start()
  }

  /// Everything printed so far.
  var printed: String { output.text }

  /// Waits until the printed text contains `marker`; false if the run ended without printing it.
  func waitUntilPrinted(_ marker: String) -> Bool {
    while !printed.contains(marker) {
      if done.wait(timeout: .now() + .milliseconds(5)) == .success {
        done.signal()
        return printed.contains(marker)
      }
    }
    return true
  }

  /// Waits for the run to end and returns its outcome.
  func finish() -> Result<Value?, EvoError> {
    done.wait()
    done.signal()
    return lock.withLock { result } ?? .success(nil)
  }

  /// The number the run returned, or nil when it failed or returned something else.
  func finishedNumber() -> Double? {
    if case .success(.number(let n)?) = finish() { return n }
    return nil
  }

  /// The kind of error the run ended with, or nil when it succeeded.
  func finishedErrorKind() -> ErrorKind? {
    if case .failure(let error) = finish() { return error.kind }
    return nil
  }
}

/// Printed text gathered from the interpreter's thread (under a lock: the test reads it meanwhile).
final class Printed: @unchecked Sendable {
  private let lock = NSLock()
  private var buffer = ""
  func append(_ s: String) { lock.withLock { buffer += s } }
  var text: String { lock.withLock { buffer } }
}
