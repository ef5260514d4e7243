import EvoLang
import EvoRuntime
import Foundation
import Testing

/// `train.fit` as a user meets it: Ctrl-C stops training and keeps the model; the progress bar appears
/// only where the output is a terminal.
@Suite struct TrainingSessionTests {
  static let setup = """
    import nn
    import data
    import train
    seed(0)
    let ds = data.fashion_mnist("train", limit: 256)
    let model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    """

  @Test func interruptStopsFitAndKeepsTheModel() throws {
    let session = Session()
    guard case .success = session.run(Self.setup) else {
      Issue.record("setup failed")
      return
    }
    // Many more steps than run before the interrupt, which comes once the progress bar shows the first
    // step done; bounded, so that a lost interrupt fails the test instead of hanging it.
    let fit = "let log = train.fit(model, ds, steps: 2000, batch: 16, progress: true)\nlog.steps()"
    let run = BackgroundRun(session, fit)
    if run.waitUntilPrinted("epoch 1/") { session.interrupt() }
    let steps = try #require(run.finishedNumber(), "fit did not return a log after the interrupt")
    #expect(steps >= 1 && steps < 2000)
    #expect(run.printed.contains("stopped: interrupted after"))
    // The session goes on: the model still evaluates, with finite values, and the log matches it.
    guard case .success(.string(let stopped)?) = session.run("log.stopped"),
      case .success(.bool(let finite)?) = session.run("let a = train.accuracy(model, ds)\na == a and a > 0")
    else {
      Issue.record("the session did not go on after the interrupt")
      return
    }
    #expect(stopped == "interrupted after \(Int(steps)) of 2000 steps; the model keeps its parameters")
    #expect(finite)
  }

  @Test func progressBarOnlyOnATerminal() throws {
    for terminal in [true, false] {
      let session = Session()
      let printed = Printed()
      session.interpreter.output = { printed.append($0) }
      session.interpreter.outputIsTerminal = terminal
      guard case .success = session.run(Self.setup + "\ntrain.fit(model, ds, epochs: 2, batch: 64)") else {
        Issue.record("fit failed")
        return
      }
      let lines = printed.text.split(separator: "\n")
      // One summary line per epoch either way; the bar (redrawn with \r, with a rate and an ETA) only on
      // a terminal.
      #expect(lines.filter { $0.contains("epoch 2/2: loss") }.count == 1)
      #expect(printed.text.contains("ETA") == terminal)
      #expect(printed.text.contains("\r") == terminal)
    }
  }
}
