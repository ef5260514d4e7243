import ArgumentParser
import EvoRuntime
import EvoSearch
import EvoTensor
import Foundation

/// `evo search run|worker|status|report|export|import`.
struct SearchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "search", abstract: "Search for normalization-activation layers by evolution.",
    discussion: """
      A STORE is an SQLite file (runs/x.db or sqlite:runs/x.db) or one search in a PostgreSQL database \
      (postgres://user@host[:port]/database?search=name), which workers on any machine can join.
      """,
    subcommands: [
      SearchRunCommand.self, SearchWorkerCommand.self, SearchStatusCommand.self, SearchReportCommand.self,
      SearchExportCommand.self, SearchImportCommand.self,
    ])
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
  @Option(help: "The search's store, a file or postgres:// URL (created if missing).") var store: String
  @Option(help: "Worker processes (0: evaluate in this process).") var workers: Int = ProcessInfo.processInfo
    .activeProcessorCount
  @Option(help: "Stop when this many candidates are born and evaluated.") var samples: Int = 200
  @Option(
    help: "Keep this many candidates queued for workers started elsewhere (evo search worker STORE); default --workers."
  ) var queue: Int?

  func run() throws {
    guard let source = try? String(contentsOfFile: config, encoding: .utf8) else { throw fail("cannot read \(config)") }
    unblockTerminationSignals()
    SearchRunner.executable = CommandLine.executablePath
    try searching {
      let runner = try SearchRunner(location: store, proxySource: source, proxyName: config)
      try runner.run(samples: samples, workers: workers, queue: queue) { ProgressLine.shared.update($0) }
      ProgressLine.shared.finish()
    }
  }
}

struct SearchWorkerCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "worker", abstract: "Evaluate a search's pending candidates until stopped.",
    discussion: "The store holds the search's definition and proxy task: a worker on any machine needs only its URL.")

  @Argument(help: "The search's store (a file or postgres:// URL).") var store: String
  @Option(help: "Exit after this many seconds without a pending candidate.") var idle: Double?
  @Flag(help: "Exit when the process that started this one ends.") var exitWithParent = false

  func run() throws {
    unblockTerminationSignals()
    // One worker per core: the tensor core's and OpenBLAS's threads would only wait for each other
    // while the other workers hold the cores (measured: ~70% of a core busy with them, on 2 cores).
    if getenv("EVO_THREADS") == nil { setenv("EVO_THREADS", "1", 1) }
    if getenv("OPENBLAS_NUM_THREADS") == nil { BLASThreads.set(1) }
    try searching {
      let runner = try SearchRunner(location: store)
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

  @Argument(help: "The search's store (a file or postgres:// URL).") var store: String

  func run() throws {
    try searching {
      let runner = try SearchRunner(location: store)
      print(try SearchReport(runner: runner).text())
    }
  }
}

struct SearchReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report", abstract: "Write an HTML report of a search with its plots.")

  @Argument(help: "The search's store (a file or postgres:// URL).") var store: String
  @Option(help: "Where to write the HTML report.") var html: String

  func run() throws {
    try searching {
      let runner = try SearchRunner(location: store)
      try SearchReport(runner: runner).writeHTML(to: html)
    }
  }
}

/// `evo search export` and `import`: copies a search into a new store and says how many candidates.
private func copySearch(from source: String, to target: String) throws {
  try searching {
    let count = try SearchStores.copy(from: source, to: target)
    print("copied \(count) candidates")
  }
}

struct SearchExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export", abstract: "Copy a search (e.g. from PostgreSQL) into a new SQLite file for offline analysis."
  )

  @Argument(help: "The search's store (a postgres:// URL or a file).") var store: String
  @Argument(help: "The new SQLite file (or any store location).") var file: String

  func run() throws { try copySearch(from: store, to: file) }
}

struct SearchImportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import", abstract: "Copy a search from an SQLite file into a new search (e.g. in PostgreSQL).")

  @Argument(help: "The SQLite file (or any store location).") var file: String
  @Argument(help: "The new search's store (a postgres:// URL or a file).") var store: String

  func run() throws { try copySearch(from: file, to: store) }
}

extension CommandLine {
  /// This executable's path (for starting worker processes).
  static var executablePath: String? {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments.first
  }
}
