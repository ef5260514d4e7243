import EvoLang
import EvoTensor
import Foundation

/// One Evo session: an interpreter with the runtime's builtins and the stdlib on its import path, the
/// sink displayed values go to, and one `interrupt()` that stops both Evo code and tensor kernels.
///
/// The REPL, `evo run`, `evo -e`, notebooks, search workers and the Jupyter kernel each run code through
/// a session. Sessions are independent: interrupting one never stops another in the same process.
/// Evo values belong to the thread that runs the session's code (see EvoLang's README): only
/// `interrupt()` may be called from other threads.
public final class Session: @unchecked Sendable {
  /// The interpreter; touch it only from the thread running this session's code, or while none runs.
  public let interpreter: Interpreter
  /// Where displayed values go (a notebook or kernel sets a handler; the REPL writes PNG files).
  public let display: DisplaySink

  /// A session with the runtime installed and `searchPaths` searched by `import` before the stdlib.
  /// `runtime: false` gives the bare language (the language's own golden tests).
  public init(searchPaths: [String] = [], runtime: Bool = true) {
    interpreter = Interpreter()
    display = runtime ? EvoRuntime.install(into: interpreter) : DisplaySink()
    interpreter.searchPaths = searchPaths + interpreter.searchPaths + (runtime ? EvoRuntime.stdlibFolders() : [])
  }

  /// Stops this session's running code at its next loop iteration, call or kernel chunk, with an
  /// `Interrupted` error; the session's state stays usable. Safe from any thread.
  public func interrupt() { interpreter.interrupt.request() }

  /// Whether an interrupt is pending: requested since the last `run` started and not yet raised as an
  /// `Interrupted` error by the interpreter (a stopped kernel leaves it pending).
  public var isInterruptRequested: Bool { interpreter.interrupt.isRequested }

  /// Drops a pending interrupt. A caller that sends interrupts from another thread clears here, under
  /// its own lock, and then runs with `clearingInterrupt: false`: an interrupt sent between the two
  /// still stops the chunk instead of being cleared by `run`.
  public func clearInterrupt() { interpreter.interrupt.reset() }

  /// Runs a chunk on a large-stack thread, its tensor kernels checking the interpreter's interrupt flag,
  /// and waits. A pending interrupt (Ctrl-C pressed at an idle prompt) is dropped first unless
  /// `clearingInterrupt` is false.
  /// Returns the value of its last expression statement (nil when it ends in another statement).
  public func run(_ source: SourceFile, clearingInterrupt: Bool = true) -> Result<Value?, EvoError> {
    if clearingInterrupt { clearInterrupt() }
    let vm = interpreter
    let token = interpreter.interrupt
    do {
      return .success(try LargeStack.run { try Cancellation.withToken(token) { try vm.run(source) } })
    } catch {
      return .failure(EvoError(host: error, span: nil))
    }
  }

  /// `run` for source text named `name` in tracebacks.
  public func run(_ code: String, name: String = "<input>") -> Result<Value?, EvoError> {
    run(SourceFile(name: name, text: code))
  }

  /// Runs `body` on the session's large-stack thread (parsing checks, completion, help).
  public func perform<T>(_ body: @escaping (Interpreter) throws -> T) throws -> T {
    let vm = interpreter
    return try LargeStack.run { try body(vm) }
  }

  /// Shows a value the way a REPL does: pictures through the display sink, nil not at all, anything
  /// else as its repr on the interpreter's output.
  public func show(_ value: Value) throws {
    if case .null = value { return }
    guard value.displayPNG != nil else {
      interpreter.output(value.repr + "\n")
      return
    }
    try display.show(value, interpreter: interpreter)
  }
}
