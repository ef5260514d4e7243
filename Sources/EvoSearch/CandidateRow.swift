import EvoGraph
import Foundation

/// A row of the `candidate` table (or `event`) as either store reads it: both stores decode candidates
/// with the same code, so they agree on every column.
protocol CandidateRow {
  func text(_ column: String) throws -> String?
  func integer(_ column: String) throws -> Int64?
  func real(_ column: String) throws -> Double?
}

extension CandidateRow {
  /// A column that must not be NULL.
  func required<T>(_ column: String, _ read: (String) throws -> T?) throws -> T {
    guard let value = try read(column) else { throw SearchError.store("candidate row without \(column)") }
    return value
  }

  func candidate() throws -> Candidate {
    let id = try required("id", integer)
    func decode<T: Decodable>(_ type: T.Type, _ column: String) throws -> T? {
      guard let text = try text(column) else { return nil }
      guard let value = try? JSONDecoder().decode(T.self, from: Data(text.utf8)) else {
        throw SearchError.store("candidate \(id): unreadable \(column)")
      }
      return value
    }
    let statusText = try required("status", text)
    guard let status = CandidateStatus(rawValue: statusText) else {
      throw SearchError.store("candidate \(id): unknown status \(statusText)")
    }
    return Candidate(
      id: id, graph: try LayerGraph(json: try required("graph", text)), fingerprint: try text("fingerprint"),
      parent: try integer("parent"), birthStep: Int(try required("birth_step", integer)), status: status,
      reason: try text("reason").flatMap(RejectionReason.init(rawValue:)), detail: try text("detail"),
      scores: try decode([Double].self, "scores"), timings: try decode([String: Double].self, "timings") ?? [:],
      worker: try text("worker"), cachedFrom: try integer("cached_from"))
  }

  func stored() throws -> StoredCandidate {
    StoredCandidate(
      candidate: try candidate(), attempt: Int(try required("attempt", integer)),
      leaseExpires: try real("lease_expires"), bornAt: try required("born_at", real),
      finishedAt: try real("finished_at"), absorbed: try required("absorbed", integer) != 0)
  }

  func event() throws -> SearchEvent {
    SearchEvent(
      time: try required("time", real), kind: try required("kind", text), candidate: try integer("candidate_id"),
      worker: try text("worker"), detail: try text("detail"))
  }
}

extension Candidate {
  /// The candidate's column values in `CandidateColumns.names` order after `id`, with `bornAt`, and
  /// the bookkeeping of a copied candidate.
  func columnValues(_ stored: StoredCandidate?, bornAt: Double?) throws -> [ColumnValue] {
    let finishedAt = stored?.finishedAt ?? (isFinished ? bornAt : nil)
    return [
      .text(graph.json), .text(graph.formula), .text(graph.canonicalHash), .text(fingerprint), .integer(parent),
      .integer(Int64(birthStep)), .text(status.rawValue), .text(reason?.rawValue), .text(detail),
      .text(try json(scores)), .text(try json(timings)), .text(worker), .integer(cachedFrom),
      .integer(Int64(stored?.attempt ?? 0)), .real(stored?.leaseExpires), .real(stored?.bornAt ?? bornAt),
      .real(finishedAt), .integer(stored?.absorbed == true ? 1 : 0),
    ]
  }
}

extension Candidate {
  /// The event a store records with a new candidate: its kind (`born`, `rejected` at birth or
  /// `cache_hit`) and detail (the rejection's reason and why).
  var birthEvent: (kind: String, detail: String?) {
    let kind = cachedFrom != nil ? "cache_hit" : status == .rejected ? "rejected" : "born"
    return (kind, reason.map { "\($0.rawValue): \(detail ?? "")" })
  }
}

/// What a store records when a claim completes: the candidate's new columns and the detail of its
/// `evaluated` event.
struct CompletedColumns {
  var status = CandidateStatus.done
  var reason: RejectionReason?
  var detail: String?
  var scores: [Double]?

  init(_ outcome: EvaluationOutcome) {
    switch outcome {
    case .scores(let s): scores = s
    case .rejected(let r, let d): (status, reason, detail) = (.rejected, r, d)
    }
  }

  var eventDetail: String? { reason.map { "\($0.rawValue): \(detail ?? "")" } ?? scores.map { "scores \($0)" } }
}

/// A value bound to a statement's parameter.
enum ColumnValue {
  case text(String?)
  case integer(Int64?)
  case real(Double?)
}

/// The `candidate` table's columns a store writes (all but `id`), in `Candidate.columnValues` order.
enum CandidateColumns {
  static let names = [
    "graph", "formula", "hash", "fingerprint", "parent", "birth_step", "status", "reason", "detail", "scores",
    "timings", "worker", "cached_from", "attempt", "lease_expires", "born_at", "finished_at", "absorbed",
  ]
}

/// JSON text with sorted keys, or nil.
func json<T: Encodable>(_ value: T?) throws -> String? {
  guard let value else { return nil }
  return String(decoding: try JSONEncoder.sorted.encode(value), as: UTF8.self)
}
