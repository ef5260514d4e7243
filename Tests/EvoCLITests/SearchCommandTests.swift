import EvoSearch
import EvoTestSupport
import Foundation
import Testing

/// `evo search`: worker processes, kill -9 and resume, determinism, status and report.
@Suite(.serialized) struct SearchCommandTests {
  /// A cheap proxy: scores from the formula after a short wait, so a kill lands mid-evaluation.
  static let proxy = """
    let architectures = ["a", "b"]
    let search = {"population": 5, "seed": 4, "quality_threshold": 0, "stability": false, "max_nodes": 6, "lease": 3}
    fn proxy(layer, budget, seed) {
      sleep(0.25)
      [(len(layer.formula) % 17) / 17, layer.nodes / 6]
    }
    """

  /// The candidates' outcomes, without timings and workers (which differ between runs).
  func outcomes(_ location: String) throws -> [String] {
    try SearchStores.open(location).candidates(status: nil).map { c in
      "\(c.birthStep) \(c.graph.json) \(c.parent ?? -1) \(c.status) \(c.reason?.rawValue ?? "") \(c.scores ?? []) \(c.cachedFrom ?? -1)"
    }
  }

  /// Events of one kind per candidate id.
  func counts(_ store: SearchStore, _ kind: String) throws -> [Int64: Int] {
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
    try killedWorkerAndDriverResume(.sqlite)
  }

  @Test func threeWorkersTwoKilledNothingLostOrRepeated() throws {
    try threeWorkersTwoKilled(.sqlite)
  }

  /// A proxy file in a new scratch directory; `body` gets the directory and the file.
  func withProxy(_ body: (String, String) throws -> Void) throws {
    let dir = try scratchDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let config = dir + "/cheap.evo"
    try Self.proxy.write(toFile: config, atomically: true, encoding: .utf8)
    try body(dir, config)
  }

  /// Waits until the search at `location` exists (its driver created it) and opens it.
  func opened(_ location: String) throws -> SearchStore {
    var store: SearchStore?
    _ = wait(60) {
      store = try? SearchStores.open(location)
      return store != nil
    }
    return try #require(store)
  }

  /// The process id in a worker's name (host:pid).
  func pid(_ worker: String?) -> Int32? { worker?.split(separator: ":").last.flatMap { Int32($0) } }

  /// `evo search run CONFIG --store LOCATION --workers N --samples 14`.
  func runArguments(_ config: String, _ location: String, workers: Int) -> [String] {
    ["search", "run", config, "--store", location, "--workers", "\(workers)", "--samples", "14"]
  }

  /// Runs the search to the end in a new store and returns its location.
  func reference(_ kind: TestStore, _ dir: String, _ config: String, workers: Int) throws -> String {
    let location = kind.location(in: dir, name: "ref")
    let run = try evo(runArguments(config, location, workers: workers))
    #expect(run.status == 0, "\(run.err)")
    return location
  }

  func killedWorkerAndDriverResume(_ kind: TestStore) throws {
    try withProxy { dir, config in
      let reference = try reference(kind, dir, config, workers: 1)
      let location = kind.location(in: dir, name: "killed")
      let driver = try start(runArguments(config, location, workers: 1))
      defer { if driver.isRunning { kill(driver.processIdentifier, SIGKILL) } }  // when an expectation failed early
      let store = try opened(location)
      // Kill the worker in the middle of an evaluation, after a few have finished.
      var victim: Candidate?
      #expect(
        try wait(60) {
          guard try store.candidates(status: .done).count >= 3 else { return false }
          victim = try store.candidates(status: .running).first
          return victim != nil
        })
      #expect(kill(try #require(pid(victim?.worker)), SIGKILL) == 0)
      // The driver starts a new worker, which takes the candidate over once the lease expires.
      #expect(try wait(60) { try counts(store, "requeued")[victim!.id] ?? 0 >= 1 })
      // Then kill the driver itself, and resume.
      #expect(try wait(60) { try store.candidates(status: .done).count >= 7 })
      kill(driver.processIdentifier, SIGKILL)
      driver.waitUntilExit()
      let resumed = try evo(runArguments(config, location, workers: 1))
      #expect(resumed.status == 0, "\(resumed.err)")

      #expect(try outcomes(location) == outcomes(reference))
      let evaluated = try counts(store, "evaluated")
      #expect(evaluated.values.allSatisfy { $0 == 1 }, "every evaluation recorded once: \(evaluated)")
      #expect(try counts(store, "claimed")[victim!.id] ?? 0 >= 2)
      #expect(try store.candidates(status: nil).count == 14)
      #expect(try store.inFlight() == 0)
    }
  }

  /// A driver with its worker and two more `evo search worker STORE` processes (as on other machines);
  /// two workers are killed with SIGKILL mid-evaluation and restarted. The driver keeps one candidate
  /// queued, so the search equals a single worker's; then it is exported and imported.
  func threeWorkersTwoKilled(_ kind: TestStore) throws {
    try withProxy { dir, config in
      let reference = try reference(kind, dir, config, workers: 0)
      let location = kind.location(in: dir, name: "three")
      let driver = try start(runArguments(config, location, workers: 1))
      let store = try opened(location)
      let worker = { try start(["search", "worker", location, "--idle", "30"]) }
      var extra = [try worker(), try worker()]
      defer {
        for p in extra + [driver] where p.isRunning { kill(p.processIdentifier, SIGKILL) }
      }
      var victims: [Candidate] = []
      for round in 0..<2 {
        var victim: Candidate?
        #expect(
          try wait(60) {
            guard try store.candidates(status: .done).count >= 3 + 4 * round else { return false }
            victim = try store.candidates(status: .running).first { c in
              pid(c.worker) != nil && !victims.contains { $0.worker == c.worker }
            }
            return victim != nil
          })
        let killed = try #require(victim)
        let id = try #require(pid(killed.worker))
        #expect(kill(id, SIGKILL) == 0)
        if let index = extra.firstIndex(where: { $0.processIdentifier == id }) {
          extra[index].waitUntilExit()
          extra[index] = try worker()
        }
        victims.append(killed)
        #expect(try wait(60) { try counts(store, "requeued")[killed.id] ?? 0 >= 1 }, "lease of \(killed.id) expired")
      }
      #expect(wait(120) { !driver.isRunning })
      #expect(driver.terminationStatus == 0)

      #expect(try outcomes(location) == outcomes(reference), "the same candidates as one worker's run")
      let claimed = try counts(store, "claimed")
      let requeued = try counts(store, "requeued")
      let evaluated = try counts(store, "evaluated")
      #expect(evaluated.values.allSatisfy { $0 == 1 }, "every evaluation recorded once: \(evaluated)")
      #expect(claimed.keys.sorted() == evaluated.keys.sorted())
      #expect(claimed.allSatisfy { $0.value == 1 + (requeued[$0.key] ?? 0) }, "a claim only after a lease expired")
      #expect(victims.allSatisfy { claimed[$0.id] ?? 0 >= 2 })
      let started = Set(try store.events(limit: nil).filter { $0.kind == "worker_started" }.compactMap(\.worker))
      #expect(started.count >= 4, "three workers and restarts: \(started)")
      #expect(try store.candidates(status: nil).count == 14)
      #expect(try store.inFlight() == 0)

      // Export to a file and import into a new search: the same candidates.
      let file = dir + "/exported.db"
      let exported = try evo(["search", "export", location, file])
      #expect(exported.status == 0 && exported.out.contains("copied 14 candidates"), "\(exported.err)")
      #expect(try outcomes(file) == outcomes(location))
      let copy = kind.location(in: dir, name: "imported")
      let imported = try evo(["search", "import", file, copy])
      #expect(imported.status == 0, "\(imported.err)")
      #expect(try SearchStores.open(copy).snapshot() == store.snapshot())
      let status = try evo(["search", "status", copy])
      #expect(status.status == 0 && status.out.contains("14 candidates"), "\(status.err)")
    }
  }

  @Test func aDriverWithAQueueOnlyBreedsForWorkersStartedElsewhere() throws {
    try withProxy { dir, config in
      let location = dir + "/queue.db"
      let arguments = [
        "search", "run", config, "--store", location, "--workers", "0", "--queue", "2", "--samples", "10",
      ]
      let driver = try start(arguments)
      _ = try opened(location)
      let workers = [
        try start(["search", "worker", location, "--idle", "30"]), try start(["search", "worker", location]),
      ]
      defer { for p in workers + [driver] where p.isRunning { kill(p.processIdentifier, SIGKILL) } }
      #expect(wait(60) { !driver.isRunning })
      #expect(driver.terminationStatus == 0)
      let evaluators = Set(try SearchStores.open(location).candidates(status: nil).compactMap { pid($0.worker) })
      #expect(!evaluators.isEmpty && evaluators.isSubset(of: workers.map(\.processIdentifier)), "\(evaluators)")
      #expect(try SearchStores.open(location).candidates(status: nil).count == 10)
      let bad = try evo(["search", "run", config, "--store", location, "--workers", "0", "--queue", "0"])
      #expect(bad.status == 2 && bad.err.contains("queue must be at least 1"), "\(bad.err)")
    }
  }

  @Test func twoWorkersNeverEvaluateOneCandidateTwice() throws {
    let dir = try scratchDirectory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let config = dir + "/cheap.evo"
    try Self.proxy.write(toFile: config, atomically: true, encoding: .utf8)
    let path = dir + "/two.db"
    let run = try evo(["search", "run", config, "--store", path, "--workers", "2", "--samples", "16"])
    #expect(run.status == 0, "\(run.err)")
    let store = try SearchStores.open(path)
    let claimed = try counts(store, "claimed")
    let evaluated = try counts(store, "evaluated")
    let requeued = try counts(store, "requeued")
    #expect(claimed.allSatisfy { $0.value == 1 + (requeued[$0.key] ?? 0) }, "a claim only after a lease expired")
    #expect(claimed.keys.sorted() == evaluated.keys.sorted())
    #expect(evaluated.values.allSatisfy { $0 == 1 })
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

/// The same runs against a PostgreSQL server (EVO_TEST_POSTGRES_URL; `.ci/run` starts one).
@Suite(
  .serialized,
  .enabled(if: TestStore.hasPostgres, "needs a PostgreSQL server: EVO_TEST_POSTGRES_URL unset or unreachable"))
struct PostgresSearchCommandTests {
  @Test func killedWorkerAndDriverResumeWithNothingLostOrRepeated() throws {
    try SearchCommandTests().killedWorkerAndDriverResume(.postgres)
  }

  @Test func threeWorkersTwoKilledNothingLostOrRepeated() throws {
    try SearchCommandTests().threeWorkersTwoKilled(.postgres)
  }

  @Test func aMissingSearchIsAClearError() throws {
    let location = TestStore.postgres.location(in: "", name: "absent")
    let result = try evo(["search", "worker", location])
    #expect(result.status == 2)
    #expect(result.err.contains("no search named 't_absent_"), "\(result.err)")
  }
}
