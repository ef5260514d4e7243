import EvoSearch
import Foundation
import Testing

/// `evo search`: worker processes, kill -9 and resume, determinism, status and report.
@Suite(.serialized) struct SearchCommandTests {
  /// A cheap proxy: scores from the formula after a short busy wait, so a kill lands mid-evaluation.
  static let proxy = """
    let architectures = ["a", "b"]
    let search = {"population": 5, "seed": 4, "quality_threshold": 0, "stability": false, "max_nodes": 6, "lease": 1.5}
    fn proxy(layer, budget, seed) {
      let t = clock()
      while clock() - t < 0.25 { }
      [(len(layer.formula) % 17) / 17, layer.nodes / 6]
    }
    """

  /// The candidates' outcomes, without timings and workers (which differ between runs).
  func outcomes(_ path: String) throws -> [String] {
    try SQLiteSearchStore(path: path).candidates(status: nil).map { c in
      "\(c.birthStep) \(c.graph.json) \(c.parent ?? -1) \(c.status) \(c.reason?.rawValue ?? "") \(c.scores ?? []) \(c.cachedFrom ?? -1)"
    }
  }

  /// Events of one kind per candidate id.
  func counts(_ store: SQLiteSearchStore, _ kind: String) throws -> [Int64: Int] {
    var result: [Int64: Int] = [:]
    for e in try store.events(limit: nil) where e.kind == kind { result[e.candidate ?? -1, default: 0] += 1 }
    return result
  }

  func start(_ arguments: [String]) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: evoPath)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
  }

  /// Polls `condition` every 50 ms for up to `seconds`.
  func wait(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end {
      if try condition() { return true }
      Thread.sleep(forTimeInterval: 0.05)
    }
    return false
  }

  @Test func killedWorkerAndDriverResumeWithNothingLostOrRepeated() throws {
    let dir = try scratchDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let config = dir + "/cheap.evo"
    try Self.proxy.write(toFile: config, atomically: true, encoding: .utf8)
    let reference = try evo(["search", "run", config, "--store", dir + "/ref.db", "--workers", "1", "--samples", "14"])
    #expect(reference.status == 0, "\(reference.err)")

    let path = dir + "/killed.db"
    let driver = try start(["search", "run", config, "--store", path, "--workers", "1", "--samples", "14"])
    defer { if driver.isRunning { kill(driver.processIdentifier, SIGKILL) } }  // when an expectation failed early
    var opened: SQLiteSearchStore?
    #expect(
      wait(60) {
        opened = try? SQLiteSearchStore(path: path)  // once the driver has created it
        return opened != nil
      })
    let store = try #require(opened)
    // Kill the worker in the middle of an evaluation, after a few have finished.
    var victim: Candidate?
    #expect(
      try wait(60) {
        guard try store.candidates(status: .done).count >= 3 else { return false }
        victim = try store.candidates(status: .running).first
        return victim != nil
      })
    let pid = try #require(victim?.worker?.split(separator: ":").last.flatMap { Int32($0) })
    #expect(kill(pid, SIGKILL) == 0)
    // The driver starts a new worker, which takes the candidate over once the lease expires.
    #expect(try wait(60) { try counts(store, "requeued")[victim!.id] == 1 })
    // Then kill the driver itself, and resume.
    #expect(try wait(60) { try store.candidates(status: .done).count >= 7 })
    kill(driver.processIdentifier, SIGKILL)
    driver.waitUntilExit()
    let resumed = try evo(["search", "run", config, "--store", path, "--workers", "1", "--samples", "14"])
    #expect(resumed.status == 0, "\(resumed.err)")

    #expect(try outcomes(path) == outcomes(dir + "/ref.db"))
    let evaluated = try counts(store, "evaluated")
    #expect(evaluated.values.allSatisfy { $0 == 1 }, "every evaluation recorded once: \(evaluated)")
    #expect(try counts(store, "claimed")[victim!.id] ?? 0 >= 2)
    #expect(try store.candidates(status: nil).count == 14)
    #expect(try store.inFlight() == 0)
  }

  @Test func twoWorkersNeverEvaluateOneCandidateTwice() throws {
    let dir = try scratchDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let config = dir + "/cheap.evo"
    try Self.proxy.write(toFile: config, atomically: true, encoding: .utf8)
    let path = dir + "/two.db"
    let run = try evo(["search", "run", config, "--store", path, "--workers", "2", "--samples", "16"])
    #expect(run.status == 0, "\(run.err)")
    let store = try SQLiteSearchStore(path: path)
    let claimed = try counts(store, "claimed")
    let evaluated = try counts(store, "evaluated")
    #expect(claimed.values.allSatisfy { $0 == 1 })
    #expect(claimed.keys.sorted() == evaluated.keys.sorted())
    let done = try store.candidates(status: nil).filter { $0.worker != nil }
    #expect(Set(done.compactMap(\.worker)).count == 2, "both workers evaluated candidates")
    #expect(try store.candidates(status: nil).count == 16)

    let status = try evo(["search", "status", path])
    #expect(status.status == 0)
    #expect(
      status.out.contains("16 candidates") && status.out.contains("cache hits") && status.out.contains("best (a / b)"))
    let report = try evo(["search", "report", path, "--html", dir + "/report.html"])
    #expect(report.status == 0, "\(report.err)")
    let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
    #expect(html.components(separatedBy: "data:image/png;base64,").count >= 4, "three plots and a lineage")
  }

  @Test func aStoreThatIsNotOneIsAClearError() throws {
    let path = try temporaryFile("notes.db", String(repeating: "not a database\n", count: 300))
    let result = try evo(["search", "status", path])
    #expect(result.status == 2)
    #expect(result.err.contains("is not an SQLite database"), "\(result.err)")
    let missing = try evo(["search", "worker", path + ".missing"])
    #expect(missing.status == 2)
    #expect(missing.err.contains("does not exist"), "\(missing.err)")
  }
}
