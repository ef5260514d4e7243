import EvoGraph

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

/// Persistent state of one search: the only thing workers and the driver share. Every method that
/// changes state is one transaction. Times are seconds since 1970 (leases compare them).
///
/// Implementations: `SQLiteSearchStore` (one file per search); a server database for many machines
/// implements the same protocol.
public protocol SearchStore: AnyObject {
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
}
