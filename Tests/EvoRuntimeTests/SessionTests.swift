import EvoLang
import EvoRuntime
import Foundation
import Testing

/// Sessions in one process are independent: interrupting one stops its Evo code and its tensor kernels
/// and leaves another session running.
@Suite struct SessionTests {
  /// What a run gave, in a form that crosses threads: the error kind, or the number it returned.
  struct Outcome: Sendable {
    var error: ErrorKind?
    var number: Double?
    init(_ result: Result<Value?, EvoError>) {
      switch result {
      case .failure(let e): error = e.kind
      case .success(let v): if case .number(let n)? = v { number = n }
      }
    }
  }

  @Test func interruptingOneSessionLeavesAnotherRunning() async throws {
    let stopped = Session()
    let busy = Session()
    busy.interpreter.output = { _ in }
    // `stopped` loops over convolutions until interrupted; `busy` runs the same kernels to the end.
    let loop = "let x = randn([4, 8, 16, 16])\nlet w = randn([8, 8, 3, 3])\nwhile true { conv2d(x, w, padding: 1) }"
    let work = """
      let x = randn([4, 8, 16, 16])
      let w = randn([8, 8, 3, 3])
      let total = 0
      for i in range(40) { total += conv2d(x, w, padding: 1).shape[1] }
      total
      """
    async let stoppedResult = Task.detached { Outcome(stopped.run(loop, name: "loop")) }.value
    try await Task.sleep(for: .milliseconds(200))
    async let busyResult = Task.detached { Outcome(busy.run(work, name: "work")) }.value
    try await Task.sleep(for: .milliseconds(100))
    stopped.interrupt()
    let (a, b) = await (stoppedResult, busyResult)
    #expect(a.error == .interrupted)
    #expect(b.error == nil)
    #expect(b.number == Double(40 * 8))
    // The interrupted session keeps its state and runs again.
    guard case .success(let shape?) = stopped.run("x.shape[0]"), case .number(let n) = shape else {
      Issue.record("the interrupted session lost its state")
      return
    }
    #expect(n == 4)
  }

  /// One interrupt stops a loop of kernels; once `interruptible` has taken it, the same session's
  /// kernels run again in the same run.
  @Test func kernelsRunAgainAfterAnInterruptibleStopped() async throws {
    let session = Session()
    let code = """
      let x = randn([4, 8, 16, 16])
      let w = randn([8, 8, 3, 3])
      let stopped = interruptible(fn() { while true { conv2d(x, w, padding: 1) } })[1]
      let channels = if stopped { conv2d(x, w, padding: 1).shape[1] } else { -1 }
      channels
      """
    async let result = Task.detached { Outcome(session.run(code, name: "interruptible")) }.value
    try await Task.sleep(for: .milliseconds(200))
    session.interrupt()
    let outcome = await result
    #expect(outcome.error == nil)
    #expect(outcome.number == 8)
  }

  @Test func errorsKeepTheirKind() {
    let session = Session()
    guard case .failure(let error) = session.run("zeros([2, 3]) + zeros([4])") else {
      Issue.record("a shape mismatch succeeded")
      return
    }
    #expect(error.kind == .shape)
    #expect(error.rendered().hasPrefix("error: add: shapes [2, 3] and [4] cannot be broadcast together"))
  }

  @Test func theStdlibIsOnTheImportPath() {
    let session = Session()
    guard case .success(let value?) = session.run("import plot\ntype(plot.lines)") else {
      Issue.record("import plot failed")
      return
    }
    #expect(value.text == "function")
  }
}
