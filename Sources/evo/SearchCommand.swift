import ArgumentParser
import EvoRuntime
import EvoSearch
import Foundation

/// `evo search run|worker|status|report`.
struct SearchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "search", abstract: "Search for normalization-activation layers by evolution.",
    subcommands: [SearchRunCommand.self, SearchWorkerCommand.self, SearchStatusCommand.self, SearchReportCommand.self])
}

/// Runs a body, printing a search error as one line and exiting with status 2.
func searching<T>(_ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as SearchError {
    throw fail("\(error)")
  }
}

struct SearchRunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract:
      "Start or resume a search: CONFIG.evo defines `architectures`, `fn proxy(layer, budget, seed)` and optionally `search` settings.",
    discussion: "Kill it at any moment and run the same command again: the search resumes where the store says.")

  @Argument(help: "The Evo file defining the proxy task.") var config: String
  @Option(help: "The search's SQLite store (created if missing).") var store: String
  @Option(help: "Worker processes (0: evaluate in this process).") var workers: Int = ProcessInfo.processInfo
    .activeProcessorCount
  @Option(help: "Stop when this many candidates are born and evaluated.") var samples: Int = 200

  func run() throws {
    guard let source = try? String(contentsOfFile: config, encoding: .utf8) else { throw fail("cannot read \(config)") }
    unblockTerminationSignals()
    SearchRunner.executable = CommandLine.executablePath
    try searching {
      let runner = try SearchRunner(path: store, proxySource: source, proxyName: config)
      try runner.run(samples: samples, workers: workers) { ProgressLine.shared.update($0) }
      ProgressLine.shared.finish()
    }
  }
}

struct SearchWorkerCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "worker", abstract: "Evaluate a search's pending candidates until stopped.")

  @Argument(help: "The search's SQLite store.") var store: String
  @Option(help: "Exit after this many seconds without a pending candidate.") var idle: Double?
  @Flag(help: "Exit when the process that started this one ends.") var exitWithParent = false

  func run() throws {
    unblockTerminationSignals()
    try searching {
      let runner = try SearchRunner(path: store)
      let worker = try SearchWorker(
        store: runner.store, evaluator: try runner.evaluator(), name: SearchWorker.processName)
      let parent = getppid()
      var lastWork = Date()
      try worker.run(
        shouldStop: {
          if exitWithParent && getppid() != parent { return true }
          if let idle, Date().timeIntervalSince(lastWork) > idle { return true }
          return false
        }, evaluated: { lastWork = Date() })
    }
  }
}

struct SearchStatusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status", abstract: "Counts by status and rejection reason, rates, cache hits and the best layers.")

  @Argument(help: "The search's SQLite store.") var store: String

  func run() throws {
    try searching {
      let runner = try SearchRunner(path: store)
      print(try SearchReport(runner: runner).text())
    }
  }
}

struct SearchReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report", abstract: "Write an HTML report of a search with its plots.")

  @Argument(help: "The search's SQLite store.") var store: String
  @Option(help: "Where to write the HTML report.") var html: String

  func run() throws {
    try searching {
      let runner = try SearchRunner(path: store)
      try SearchReport(runner: runner).writeHTML(to: html)
    }
  }
}

extension CommandLine {
  /// This executable's path (for starting worker processes).
  static var executablePath: String? {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments.first
  }
}
