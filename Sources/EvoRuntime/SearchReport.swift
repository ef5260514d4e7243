import EvoGraph
import EvoPlot
import EvoSearch
import EvoTensor
import Foundation

/// What `evo search status` prints and `evo search report --html` writes, and the plots `s.plot(...)`
/// shows: the Pareto scatter of two architectures with the front and the starred baselines, the best
/// score over samples, the rejection breakdown, and the best layer's lineage as DAG pictures.
public struct SearchReport {
  public let runner: SearchRunner
  let candidates: [Candidate]
  let summary: SearchSummary
  let architectures: [String]

  public init(runner: SearchRunner) throws {
    self.runner = runner
    candidates = try runner.store.candidates(status: nil)
    summary = try runner.evolution.summary()
    architectures = try runner.store.metadata().architectures
  }

  /// The named baselines as they were scored in this search (when they were among its candidates).
  var baselines: [(String, Candidate)] {
    ["bn_relu", "evonorm_b0"].compactMap { name in
      guard let hash = NamedLayers.graph(name)?.canonicalHash,
        let c = candidates.first(where: { $0.status == .done && $0.graph.canonicalHash == hash })
      else { return nil }
      return (name, c)
    }
  }

  var scored: [Candidate] { candidates.filter { $0.status == .done && $0.cachedFrom == nil } }

  /// Counts by status and reason, rates, cache hits and the best formulas.
  public func text() -> String {
    var lines = ["search \(runner.store.location): \(summary.samples) candidates"]
    let total = Double(max(summary.samples, 1))
    for status in CandidateStatus.allCases {
      let n = summary.byStatus[status] ?? 0
      lines.append(
        "  " + status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
          + String(format: " %6d  (%.1f%%)", n, 100 * Double(n) / total))
    }
    for reason in RejectionReason.allCases {
      let n = summary.rejectedByReason[reason] ?? 0
      guard n > 0 else { continue }
      lines.append(
        "    rejected " + reason.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
          + String(format: " %6d  (%.1f%%)", n, 100 * Double(n) / total))
    }
    lines.append(
      String(format: "  cache hits %d (%.1f%% of candidates)", summary.cacheHits, 100 * summary.cacheHitRate))
    lines.append(
      "  evaluations \(summary.evaluated)"
        + (summary.evaluationsPerHour.map { String(format: ", %.0f per hour", $0) } ?? ""))
    lines.append("best (\(architectures.joined(separator: " / "))):")
    for c in summary.best {
      let scores = (c.scores ?? []).map { String(format: "%.3f", $0) }.joined(separator: " / ")
      lines.append("  #\(c.id)  \(scores)  \(c.graph.formula)")
    }
    for (name, c) in baselines {
      lines.append(
        "  \(name) #\(c.id)  " + (c.scores ?? []).map { String(format: "%.3f", $0) }.joined(separator: " / "))
    }
    return lines.joined(separator: "\n")
  }

  /// The plot names `figure(_:)` knows.
  public static let plots = ["pareto", "progress", "rejections"]

  /// One of the plots as a figure.
  public func figure(_ name: String) throws -> Figure {
    let figure = try Figure(width: 640, height: 460)
    let axes = try figure.axes(0, 0)
    switch name {
    case "pareto":
      let points = scored.compactMap { c in c.scores.flatMap { $0.count >= 2 ? [$0[0], $0[1]] : nil } }
      let xs = points.map { $0[0] }
      let ys = points.map { $0[1] }
      axes.add(try Series(.scatter, xs: xs, ys: ys, label: "candidates"))
      let front = Pareto.front(points).sorted { xs[$0] < xs[$1] }
      if !front.isEmpty {
        axes.add(try Series(.line, xs: front.map { xs[$0] }, ys: front.map { ys[$0] }, label: "Pareto front"))
      }
      for (name, c) in baselines {
        if let s = c.scores, s.count >= 2 { axes.highlights.append((s[0], s[1], name)) }
      }
      axes.title = "Pareto front"
      axes.xlabel = "\(architectures.first ?? "") accuracy"
      axes.ylabel = "\(architectures.dropFirst().first ?? "") accuracy"
    case "progress":
      var best = -Double.infinity
      var xs: [Double] = []
      var ys: [Double] = []
      for c in candidates {
        if c.status == .done, let mean = c.meanScore { best = max(best, mean) }
        if best.isFinite {
          xs.append(Double(c.birthStep))
          ys.append(best)
        }
      }
      axes.add(try Series(.line, xs: xs, ys: ys, label: "best mean accuracy"))
      axes.title = "best so far"
      axes.xlabel = "samples"
      axes.ylabel = "mean accuracy"
    case "rejections":
      let reasons = RejectionReason.allCases.filter { (summary.rejectedByReason[$0] ?? 0) > 0 }
      let labels = ["scored"] + reasons.map(\.rawValue) + ["cache hits"]
      let counts =
        [Double(summary.byStatus[.done] ?? 0) - Double(summary.cacheHits)]
        + reasons.map { Double(summary.rejectedByReason[$0] ?? 0) } + [Double(summary.cacheHits)]
      axes.add(try Series(.bar, xs: counts.indices.map(Double.init), ys: counts, label: "candidates"))
      axes.categories = labels
      axes.title = "where candidates went"
      axes.legend = false
    default:
      throw SearchError.configuration("unknown plot '\(name)' (known: \(Self.plots.joined(separator: ", ")))")
    }
    return figure
  }

  /// The best candidate's ancestors, oldest first.
  public func lineageOfBest() throws -> [Candidate] {
    guard var current = summary.best.first else { return [] }
    var chain = [current]
    while let parent = current.parent, let p = try runner.store.candidate(parent), chain.count < 10_000 {
      chain.insert(p, at: 0)
      current = p
    }
    return chain
  }

  /// A single-file HTML report: the status text, every plot and the lineage of the best layer.
  public func writeHTML(to path: String) throws {
    func image(_ png: [UInt8]) -> String { "<img src=\"data:image/png;base64,\(Data(png).base64EncodedString())\">" }
    func escape(_ s: String) -> String {
      s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
        of: ">", with: "&gt;")
    }
    var html = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Evo search</title></head><body>"
    html += "<h1>Evo search</h1><pre>\(escape(text()))</pre>"
    for name in Self.plots { html += "<h2>\(name)</h2>" + image(try CairoRenderer.render(try figure(name)).png()) }
    html += "<h2>lineage of the best layer</h2><div style=\"display:flex;flex-wrap:wrap\">"
    for c in try lineageOfBest() {
      let title = "#\(c.id) " + (c.scores ?? []).map { String(format: "%.3f", $0) }.joined(separator: "/")
      let picture = GraphvizRenderer.isAvailable ? image(try GraphvizRenderer.png(dot: c.graph.dot(title: title))) : ""
      html += "<figure>\(picture)<figcaption>\(escape(title)): \(escape(c.graph.formula))</figcaption></figure>"
    }
    html += "</div></body></html>"
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    try AtomicFile.write(Data(html.utf8), to: path, op: "search report")
  }
}
