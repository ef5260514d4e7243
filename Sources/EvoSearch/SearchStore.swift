import EvoGraph
import Foundation

/// What a search stores once, at creation: its configuration, the Evo source of its proxy task and
/// that source's hash (so every worker evaluates the same thing).
public struct SearchMetadata: Equatable, Sendable {
  public var configuration: SearchConfiguration
  /// The K architectures' names.
  public var architectures: [String]
  public var proxySource: String
  public var proxyHash: String

  public init(configuration: SearchConfiguration, architectures: [String], proxySource: String) {
    self.configuration = configuration
    self.architectures = architectures
    self.proxySource = proxySource
    proxyHash = StableHash.hex(StableHash.string(proxySource))
  }

  /// The `meta` table's rows (key, value) that record this metadata in every store.
  func rows() throws -> [(String, String)] {
    let configuration = String(decoding: try JSONEncoder.sorted.encode(configuration), as: UTF8.self)
    let architectures = String(decoding: try JSONEncoder.sorted.encode(architectures), as: UTF8.self)
    return [
      ("format", SearchMetadata.format), ("configuration", configuration), ("architectures", architectures),
      ("proxy_source", proxySource), ("proxy_hash", proxyHash),
    ]
  }

  /// The value of `meta.format` in every Evo search store.
  static let format = "evo-search"

  /// Reads the `meta` rows of the store at `location`, checking the proxy source against its hash.
  init(rows values: [String: String], location: String) throws {
    guard let configText = values["configuration"], let archText = values["architectures"],
      let source = values["proxy_source"], let hash = values["proxy_hash"],
      let configuration = try? JSONDecoder().decode(SearchConfiguration.self, from: Data(configText.utf8)),
      let architectures = try? JSONDecoder().decode([String].self, from: Data(archText.utf8))
    else { throw SearchError.store("\(location): the search's configuration is missing or unreadable") }
    self.init(configuration: configuration, architectures: architectures, proxySource: source)
    guard proxyHash == hash else { throw SearchError.store("\(location): the proxy source does not match its hash") }
  }

  /// Throws unless `self` (stored at `location`) is the same search as `given` (resuming it).
  func checkSameSearch(as given: SearchMetadata, location: String) throws {
    guard proxyHash == given.proxyHash else {
      throw SearchError.store(
        "\(location) holds a search with another proxy task (hash \(proxyHash), given \(given.proxyHash))")
    }
    guard configuration == given.configuration, architectures == given.architectures else {
      throw SearchError.store("\(location) holds a search with another configuration")
    }
  }
}

/// A worker's claim on a candidate: valid while its lease lasts; `attempt` tells claims of one candidate
/// apart, so a worker whose lease expired cannot overwrite the result of the worker that re-claimed it.
public struct Claim: Equatable, Sendable {
  public var candidate: Candidate
  public var worker: String
  public var attempt: Int
}

/// One line of a search's history.
public struct SearchEvent: Equatable, Sendable {
  public var time: Double
  public var kind: String
  public var candidate: Int64?
  public var worker: String?
  public var detail: String?
}

/// A candidate with the store's bookkeeping: what copying a search between stores carries over.
public struct StoredCandidate: Equatable, Sendable {
  public var candidate: Candidate
  /// How many times it was claimed.
  public var attempt: Int
  public var leaseExpires: Double?
  public var bornAt: Double
  public var finishedAt: Double?
  /// Whether the driver has taken it into account.
  public var absorbed: Bool
}

/// Everything one search's store holds (see `SearchStore.snapshot()`).
public struct SearchSnapshot: Equatable, Sendable {
  public var metadata: SearchMetadata
  /// In id order.
  public var candidates: [StoredCandidate]
  public var population: [Int64]
  /// Oldest first.
  public var events: [SearchEvent]
}

/// Persistent state of one search: the only thing workers and the driver share. Every method that
/// changes state is one transaction. Times are seconds since 1970 (leases compare them); `now` is the
/// caller's clock, which a server store ignores in favour of the server's (one clock for all machines).
///
/// Implementations: `SQLiteSearchStore` (one file per search, workers on one machine) and
/// `PostgresSearchStore` (one schema per search in a PostgreSQL database, workers anywhere);
/// `SearchStores.open` picks one by the store's location.
public protocol SearchStore: AnyObject {
  /// Where the store is, for messages: a path or a URL without its password.
  var location: String { get }

  /// The configuration and proxy source the store was created with.
  func metadata() throws -> SearchMetadata

  /// Adds a newborn candidate (pending, or already finished when rejected at birth or reused from the
  /// cache) and returns its id; `birthStep` must be new.
  func insert(_ candidate: Candidate) throws -> Int64

  /// Atomically claims the oldest pending candidate, or a running one whose lease expired, for `worker`.
  func claim(worker: String, now: Double) throws -> Claim?

  /// Extends a claim's lease; false when the claim was lost (expired and taken by another worker).
  func renew(_ claim: Claim, now: Double) throws -> Bool

  /// Records the result of a claim; false (and nothing written) when the claim was lost.
  func complete(_ claim: Claim, result: EvaluationResult, now: Double) throws -> Bool

  /// One candidate by id.
  func candidate(_ id: Int64) throws -> Candidate?

  /// All candidates in id order, or those with one status.
  func candidates(status: CandidateStatus?) throws -> [Candidate]

  /// The earliest finished candidate with this fingerprint (the equivalence cache).
  func finished(fingerprint: String) throws -> Candidate?

  /// Finished candidates the driver has not yet taken into the population, in id order.
  func unabsorbed() throws -> [Candidate]

  /// Marks `id` as taken into account and sets the population (candidate ids, oldest first): one
  /// transaction, so a resumed driver sees either both or neither.
  func absorb(_ id: Int64, population: [Int64], now: Double) throws

  /// The population, oldest first.
  func population() throws -> [Int64]

  /// The birth step the next candidate gets (the number of candidates born so far).
  func nextBirthStep() throws -> Int

  /// How many candidates are pending or running.
  func inFlight() throws -> Int

  /// Events, oldest first (optionally only the last `limit`).
  func events(limit: Int?) throws -> [SearchEvent]

  /// Records an event of the driver or a worker (start, stop, ...).
  func log(_ kind: String, worker: String?, detail: String?, now: Double) throws

  /// Everything the store holds, read in one transaction.
  func snapshot() throws -> SearchSnapshot

  /// Fills a store just created for `snapshot.metadata` with the snapshot's candidates, population and
  /// events (replacing its own events), in one transaction; a store that holds candidates is refused.
  func restore(_ snapshot: SearchSnapshot) throws
}
