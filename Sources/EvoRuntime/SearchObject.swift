import EvoGraph
import EvoLang
import EvoPlot
import EvoSearch
import Foundation

/// A search as an Evo value (`evolve.search(...)`): `s.run(samples:, workers:)`, `s.population`,
/// `s.pareto()`, `s.best(5)`, `s.candidates(status:)`, `s.lineage(c)`, `s.rerank(k:)`, `s.status`.
final class SearchObject: NativeObject {
  let runner: SearchRunner
  let random: RandomState
  init(_ runner: SearchRunner, random: RandomState) {
    self.runner = runner
    self.random = random
  }
  var nativeType: NativeType { Self.type }

  func wrap(_ candidates: [Candidate]) -> Value {
    .list(ListObject(candidates.map { .native(CandidateObject($0, search: self)) }))
  }

  /// Scored candidates that are not cache copies: the ones the front and the rankings are drawn from.
  func scored() throws -> [Candidate] {
    try runner.store.candidates(status: .done).filter { $0.cachedFrom == nil }
  }

  static func this(_ a: Arguments) throws -> SearchObject {
    try a.native(0, as: SearchObject.self, expected: "a search")
  }

  static let type: NativeType = {
    let t = NativeType(name: "Search", doc: "A layer search in a store (an SQLite file or a PostgreSQL database).") {
      obj in
      guard let s = obj as? SearchObject else { return "<search>" }
      return "<search \(s.runner.store.location): \((try? s.runner.evolution.summary().line) ?? "unreadable")>"
    }
    t.properties["path"] = (get: { obj in .string((obj as? SearchObject)?.runner.store.location ?? "") }, set: nil)
    t.properties["status"] = (
      get: { obj in
        guard let s = obj as? SearchObject else { return .null }
        return .string(try s.runner.evolution.summary().line)
      }, set: nil
    )
    t.properties["population"] = (
      get: { obj in
        guard let s = obj as? SearchObject else { return .null }
        let ids = try s.runner.store.population()
        return s.wrap(try ids.compactMap { try s.runner.store.candidate($0) })
      }, set: nil
    )
    t.properties["architectures"] = (
      get: { obj in
        guard let s = obj as? SearchObject else { return .null }
        return .list(ListObject(try s.runner.store.metadata().architectures.map { .string($0) }))
      }, set: nil
    )
    t.method(
      "run", [p("samples"), p("workers", .number(0)), p("progress", .bool(true))],
      doc:
        "Runs until `samples` candidates are born and evaluated (resuming where the store is); workers 0 evaluates here."
    ) { a in
      let s = try this(a)
      let vm = a.interpreter
      let show = try a.bool(3)
      try searchErrors {
        try s.runner.run(samples: try a.int(1), workers: try a.int(2), shouldStop: { vm.interrupt.isRequested }) {
          line in
          if show { ProgressLine.shared.update(line) }
        }
      }
      if show { ProgressLine.shared.finish() }
      return .native(s)
    }
    t.method("plot", [p("name")], doc: "A plot of the search: \"pareto\", \"progress\" or \"rejections\".") { a in
      let s = try this(a)
      return .native(FigureObject(try searchErrors { try SearchReport(runner: s.runner).figure(try a.string(1)) }))
    }
    t.method("report", [p("path")], doc: "Writes the HTML report (status, plots, lineage of the best layer).") { a in
      let s = try this(a)
      try searchErrors { try SearchReport(runner: s.runner).writeHTML(to: try a.string(1)) }
      return .null
    }
    t.method("pareto", doc: "The scored candidates no other beats on every architecture, best mean first.") { a in
      let s = try this(a)
      let all = try searchErrors { try s.scored() }
      let front = Pareto.front(all.map { $0.scores ?? [] }).map { all[$0] }
      return s.wrap(front.sorted { ($0.meanScore ?? 0) > ($1.meanScore ?? 0) })
    }
    t.method("best", [p("n", .number(5))], doc: "The n scored candidates with the highest mean score.") { a in
      let s = try this(a)
      let all = try searchErrors { try s.scored() }
      return s.wrap(Array(all.sorted { ($0.meanScore ?? 0) > ($1.meanScore ?? 0) }.prefix(max(0, try a.int(1)))))
    }
    t.method(
      "candidates", [p("status", .null)],
      doc: "Every candidate in birth order, or those with a status (pending, running, done, rejected)."
    ) { a in
      let s = try this(a)
      var status: CandidateStatus?
      if case .string(let name) = a[1] {
        guard let parsed = CandidateStatus(rawValue: name) else {
          throw EvoError(.value, "status must be pending, running, done or rejected, not \"\(name)\"")
        }
        status = parsed
      }
      return s.wrap(try searchErrors { try s.runner.store.candidates(status: status) })
    }
    t.method("lineage", [p("candidate")], doc: "The candidate's ancestors from the initial population down to it.") {
      a in
      let s = try this(a)
      let c = try a.native(1, as: CandidateObject.self, expected: "a candidate")
      var chain = [c.candidate]
      try searchErrors {
        while let parent = chain[0].parent, chain.count < 100_000, let p = try s.runner.store.candidate(parent) {
          chain.insert(p, at: 0)
        }
      }
      return s.wrap(chain)
    }
    t.method(
      "rerank", [p("k", .number(5)), p("seeds", .number(2)), p("baselines", .null)],
      doc:
        "Retrains the Pareto front's k best (by mean) and the baselines (default BN-ReLU, EvoNorm-B0 and `affine`, no norm and no activation: the linear network a useful layer must beat) with the proxy's \"rerank\" budget over several seeds; returns rows sorted by mean."
    ) { a in
      let s = try this(a)
      let k = try a.int(1)
      let seeds = try a.int(2)
      guard seeds >= 1 else { throw EvoError(.value, "seeds must be at least 1") }
      var entries: [(String, LayerGraph)] = []
      let all = try searchErrors { try s.scored() }
      let front = Pareto.front(all.map { $0.scores ?? [] }).map { all[$0] }.sorted {
        ($0.meanScore ?? 0) > ($1.meanScore ?? 0)
      }
      for c in front.prefix(max(0, k)) { entries.append(("candidate \(c.id)", c.graph)) }
      let defaults = ["bn_relu", "evonorm_b0", "affine"].map { Value.string($0) }
      let baselines: [Value] = a[3].isTruthy ? try a.list(3).items : defaults
      for item in baselines {
        guard case .string(let name) = item, let g = NamedLayers.graph(name) else {
          throw EvoError(.value, "baselines must be names of layers (\(NamedLayers.names.joined(separator: ", ")))")
        }
        entries.append((name, g))
      }
      let evaluator = try searchErrors { try s.runner.evaluator() }
      var rows: [(Double, Value)] = []
      for (name, graph) in entries {
        var sums = [Double](repeating: 0, count: evaluator.architectures.count)
        for seed in 0..<seeds {
          let scores = try searchErrors { try evaluator.scores(graph, budget: .rerank, seed: UInt64(seed + 1)) }
          guard scores.count == sums.count else {
            throw EvoError(.value, "proxy() returned \(scores.count) scores for \(sums.count) architectures")
          }
          for i in sums.indices { sums[i] += scores[i] / Double(seeds) }
        }
        let row = DictObject()
        row[.string("name")] = .string(name)
        row[.string("formula")] = .string(graph.formula)
        row[.string("graph")] = GraphObject.value(graph, s.random)
        row[.string("scores")] = .list(ListObject(sums.map { .number($0) }))
        let mean = sums.reduce(0, +) / Double(max(sums.count, 1))
        row[.string("mean")] = .number(mean)
        rows.append((mean, .dict(row)))
      }
      return .list(ListObject(rows.sorted { $0.0 > $1.0 }.map(\.1)))
    }
    return t
  }()
}
