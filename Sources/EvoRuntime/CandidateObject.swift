import EvoGraph
import EvoLang
import EvoPlot
import EvoSearch
import Foundation

/// One candidate as an Evo value: `c.formula`, `c.graph`, `c.scores`, `c.status`, `c.reason`; shown as
/// its DAG with its scores or rejection reason in the title.
final class CandidateObject: PNGDisplayable {
  let candidate: Candidate
  unowned let search: SearchObject
  init(_ candidate: Candidate, search: SearchObject) {
    self.candidate = candidate
    self.search = search
  }
  var nativeType: NativeType { Self.type }

  /// Scores or the rejection, for titles and text.
  var verdict: String {
    switch candidate.status {
    case .done: return (candidate.scores ?? []).map { String(format: "%.3f", $0) }.joined(separator: " / ")
    case .rejected: return "rejected (\(candidate.reason?.rawValue ?? "?")): \(candidate.detail ?? "")"
    case .pending, .running: return candidate.status.rawValue
    }
  }

  func pngData() throws -> [UInt8] {
    try GraphvizRenderer.png(dot: candidate.graph.dot(title: "#\(candidate.id)  \(verdict)"))
  }

  static let type: NativeType = {
    let t = NativeType(name: "Candidate", doc: "A candidate layer of a search.") { obj in
      guard let c = obj as? CandidateObject else { return "<candidate>" }
      return "<candidate \(c.candidate.id) \(c.verdict): \(c.candidate.graph.formula)>"
    }
    func property(_ name: String, _ get: @escaping (CandidateObject) -> Value) {
      t.properties[name] = (get: { obj in (obj as? CandidateObject).map(get) ?? .null }, set: nil)
    }
    property("id") { .number(Double($0.candidate.id)) }
    property("formula") { .string($0.candidate.graph.formula) }
    property("graph") { GraphObject.value($0.candidate.graph, $0.search.random) }
    property("status") { .string($0.candidate.status.rawValue) }
    property("reason") { c in c.candidate.reason.map { .string($0.rawValue) } ?? .null }
    property("detail") { c in c.candidate.detail.map(Value.string) ?? .null }
    property("scores") { c in c.candidate.scores.map { .list(ListObject($0.map(Value.number))) } ?? .null }
    property("mean") { c in c.candidate.meanScore.map(Value.number) ?? .null }
    property("parent") { c in c.candidate.parent.map { .number(Double($0)) } ?? .null }
    property("step") { .number(Double($0.candidate.birthStep)) }
    property("cached_from") { c in c.candidate.cachedFrom.map { .number(Double($0)) } ?? .null }
    property("worker") { c in c.candidate.worker.map(Value.string) ?? .null }
    property("timings") { c in
      let d = DictObject()
      for (k, v) in c.candidate.timings.sorted(by: { $0.key < $1.key }) { d[.string(k)] = .number(v) }
      return .dict(d)
    }
    property("text") { c in
      .string("#\(c.candidate.id) \(c.candidate.graph.formula)\n  \(c.verdict)")
    }
    return t
  }()
}
