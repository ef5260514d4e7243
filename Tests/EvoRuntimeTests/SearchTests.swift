import EvoGraph
import EvoLang
import EvoRuntime
import EvoSearch
import Foundation
import Testing

/// `import evolve`: a search driven from Evo, evaluated in the session's process.
@Suite struct SearchTests {
  /// Runs Evo code with the stdlib and returns what it printed.
  func run(_ code: String) throws -> String {
    let session = Session(searchPaths: [RuntimeGoldenFile.stdlib])
    var printed = ""
    session.interpreter.output = { printed += $0 }
    _ = try session.run(code, name: "<test>").get()
    return printed
  }

  static let proxy = """
    let architectures = ["a", "b"]
    fn proxy(layer, budget, seed) {
      if budget == "rerank" { return [0.5 + seed / 100, 0.5] }
      [(len(layer.formula) % 17) / 17, layer.nodes / 14]
    }
    """

  @Test func searchFromEvo() throws {
    let dir = NSTemporaryDirectory() + "evo-search-" + UUID().uuidString
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try Self.proxy.write(toFile: dir + "/proxy.evo", atomically: true, encoding: .utf8)
    let out = try run(
      """
      import evolve
      let proxy = "\(dir)/proxy.evo"
      let s = evolve.search("\(dir)/x.db", proxy: proxy, population: 4, seed: 2, quality_threshold: 0, stability: false,
                            initial: ["bn_relu"])
      s.run(samples: 12, workers: 0, progress: false)
      print(len(s.candidates()))
      print(len(s.population))
      let best = s.best(3)
      print(len(best), best[0].mean >= best[1].mean, best[1].mean >= best[2].mean)
      let first = s.candidates()[0]
      print(first.formula == layers.bn_relu.formula, first.status, first.parent)
      let front = s.pareto()
      for c in front { for d in s.candidates(status: "done") {
        if d.scores[0] > c.scores[0] and d.scores[1] > c.scores[1] { print("dominated", c.id) } } }
      let line = s.lineage(s.candidates()[11])
      print(line[len(line) - 1].id == s.candidates()[11].id, line[0].parent)
      let again = evolve.search("\(dir)/x.db")
      print(len(again.candidates()), again.status)
      let rr = s.rerank(k: 1, seeds: 2)
      print(len(rr), rr[0]["scores"])
      """)
    let lines = out.split(separator: "\n").map(String.init)
    #expect(lines[0] == "12")
    #expect(lines[1] == "4")
    #expect(lines[2] == "3 true true")
    #expect(lines[3] == "true done nil")
    #expect(!out.contains("dominated"))
    #expect(lines[4] == "true nil")
    #expect(lines[5].hasPrefix("12 12 samples"))
    #expect(lines[6] == "4 [0.515, 0.5]", "mean over seeds 1 and 2 of 0.5 + seed/100")
  }

  /// A layer whose values leave the finite numbers while the proxy trains is rejected as unstable, with
  /// the NumericError's message; any other error in the proxy, a NumericError of its own included, is a
  /// failure of the evaluation.
  @Test func aDivergingLayerIsUnstableAndAProxyBugIsAFailure() throws {
    let source = """
      let architectures = ["a"]
      fn proxy(layer, budget, seed) {
        if budget == "full" { return [[0.5][3]] }
        if budget == "rerank" { return [eigh(full([2, 2], nan))] }
        let l = layer.layer(2, groups: 1)
        l(ones([1, 2, 2, 2]) * 100)
        [0.5]
      }
      """
    var configuration = SearchConfiguration()
    configuration.stability = nil
    configuration.qualityThreshold = 0.1
    let pipeline = RejectionPipeline(configuration: configuration)
    let evaluator = try EvoProxyEvaluator(source: source)
    let diverging = pipeline.evaluate(try LayerGraph(formula: "exp(exp(x))"), seed: 1, evaluator: evaluator)
    guard case .rejected(.unstable, let why) = diverging.outcome else {
      Issue.record("expected an unstable rejection, got \(diverging.outcome)")
      return
    }
    #expect(why.contains("is not finite") && !why.contains("-->"), "\(why)")
    let buggy = pipeline.evaluate(try LayerGraph(formula: "max(x, 0)"), seed: 1, evaluator: evaluator)
    guard case .rejected(.failed, let message) = buggy.outcome else {
      Issue.record("expected a failure, got \(buggy.outcome)")
      return
    }
    #expect(message.contains("IndexError"), "\(message)")
    do {
      _ = try evaluator.scores(try LayerGraph(formula: "max(x, 0)"), budget: .rerank, seed: 1)
      Issue.record("the proxy's NumericError was lost")
    } catch SearchError.evaluation(let why) {
      #expect(why.contains("eigh: the matrix has non-finite entries") && why.contains("-->"), "\(why)")
    } catch {
      Issue.record("a NumericError of the proxy's own is a failure of the evaluation, got \(error)")
    }
  }

  @Test func badSettingsAndStoresAreEvoErrors() throws {
    #expect(throws: EvoError.self) {
      try run("import evolve\nevolve.search(\"/tmp/x.db\", proxy: \"/nonexistent/p.evo\")")
    }
    do {
      let proxy = NSTemporaryDirectory() + "evo-proxy-\(UUID().uuidString).evo"
      try Self.proxy.write(toFile: proxy, atomically: true, encoding: .utf8)
      defer { try? FileManager.default.removeItem(atPath: proxy) }
      _ = try run("import evolve\nevolve.search(\"\(proxy).db\", proxy: \"\(proxy)\", population: 1)")
      Issue.record("expected an error")
    } catch let error as EvoError {
      #expect(error.message.contains("population must be at least 2"), "\(error.message)")
    }
  }
}
