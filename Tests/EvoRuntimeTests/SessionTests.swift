import EvoLang
import EvoRuntime
import Foundation
import Testing

/// Sessions in one process are independent: interrupting one stops its Evo code and its tensor kernels
/// and leaves another session running.
@Suite struct SessionTests {
  /// Each loop below is bounded (seconds of work) so that a lost interrupt fails the test instead of
  /// hanging it; an interrupt comes only once the code has printed that it runs (see `BackgroundRun`).
  @Test func interruptingOneSessionLeavesAnotherRunning() throws {
    let stopped = Session()
    let busy = Session()
    // `stopped` loops over convolutions until interrupted; `busy` runs the same kernels to the end.
    let loop = """
      let x = randn([4, 8, 16, 16])
      let w = randn([8, 8, 3, 3])
      print("running")
      for i in range(200000) { conv2d(x, w, padding: 1) }
      """
    let work = """
      let x = randn([4, 8, 16, 16])
      let w = randn([8, 8, 3, 3])
      let total = 0
      print("running")
      for i in range(400) { total += conv2d(x, w, padding: 1).shape[1] }
      total
      """
    let looping = BackgroundRun(stopped, loop, name: "loop")
    try #require(looping.waitUntilPrinted("running"))
    let working = BackgroundRun(busy, work, name: "work")
    try #require(working.waitUntilPrinted("running"))
    stopped.interrupt()
    #expect(looping.finishedErrorKind() == .interrupted)
    #expect(working.finishedNumber() == Double(400 * 8))
    // The interrupted session keeps its state and runs again.
    guard case .success(let shape?) = stopped.run("x.shape[0]"), case .number(let n) = shape else {
      Issue.record("the interrupted session lost its state")
      return
    }
    #expect(n == 4)
  }

  /// One interrupt stops a loop of kernels; once `interruptible` has taken it, the same session's
  /// kernels run again in the same run.
  @Test func kernelsRunAgainAfterAnInterruptibleStopped() throws {
    let session = Session()
    let code = """
      let x = randn([4, 8, 16, 16])
      let w = randn([8, 8, 3, 3])
      let stopped = interruptible(fn() {
        print("running")
        for i in range(200000) { conv2d(x, w, padding: 1) }
      })[1]
      let channels = if stopped { conv2d(x, w, padding: 1).shape[1] } else { -1 }
      channels
      """
    let run = BackgroundRun(session, code, name: "interruptible")
    try #require(run.waitUntilPrinted("running"))
    session.interrupt()
    #expect(run.finishedNumber() == 8)
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
