import EvoGraph
import EvoLang
import EvoSearch
import EvoTensor
import Foundation

/// An `Evaluator` running an Evo proxy task in a session of its own. The source defines
/// `architectures` (a list of names) and `fn proxy(layer, budget, seed)`, which trains models with
/// `layer` (a layer graph) as their normalization-activation layers for `budget` ("quality", "full" or
/// "rerank") and returns one validation accuracy per architecture. It may also define `search`, a dict
/// of search settings (see `SearchSettings`).
public final class EvoProxyEvaluator: Evaluator {
  public let source: String
  public let architectures: [String]
  let session: Session
  var interpreter: Interpreter { session.interpreter }
  let proxy: Value
  let random = RandomState()

  /// Runs `source` (named `name` in error messages) and finds its `architectures` and `proxy`.
  public init(source: String, name: String = "<proxy>", searchPaths: [String] = []) throws {
    self.source = source
    session = Session(searchPaths: searchPaths)
    let vm = session.interpreter
    if case .failure(let error) = session.run(source, name: name) {
      throw SearchError.evaluation("the proxy task failed to load:\n\(error.rendered())")
    }
    guard let proxy = vm.lookup("proxy"), case .closure = proxy else {
      throw SearchError.evaluation("the proxy task must define fn proxy(layer, budget, seed)")
    }
    self.proxy = proxy
    guard case .list(let names)? = vm.lookup("architectures"), !names.items.isEmpty else {
      throw SearchError.evaluation("the proxy task must define architectures, a non-empty list of names")
    }
    architectures = try names.items.map { item in
      guard case .string(let s) = item else { throw SearchError.evaluation("architectures must be strings") }
      return s
    }
  }

  public func scores(_ graph: LayerGraph, budget: EvaluationBudget, seed: UInt64) throws -> [Double] {
    let proxy = self.proxy
    let arguments: [Value] = [
      GraphObject.value(graph, random), .string(budget.rawValue), .number(Double(seed % (1 << 52))),
    ]
    let result: Value
    do {
      result = try session.perform { vm in try vm.call(proxy, arguments) }
    } catch let error as EvoError {
      let rendered = error.rendered().trimmingCharacters(in: .whitespacesAndNewlines)
      // The layer's own non-finite output is its divergence; any other error (a numeric one in LAPACK or
      // in the proxy's code included) is the proxy's, reported with its location.
      let diverged = (error.cause as? TensorError)?.op == GraphLayer.nonFiniteOutputOp
      throw diverged ? SearchError.diverged(error.message) : SearchError.evaluation(rendered)
    }
    guard case .list(let list) = result else {
      throw SearchError.evaluation("proxy() must return a list of accuracies, got \(result.typeName)")
    }
    return try list.items.map { item in
      guard case .number(let n) = item else {
        throw SearchError.evaluation("proxy() returned a \(item.typeName) score")
      }
      return n
    }
  }

  /// The proxy task's `search` settings applied over `base`.
  public func configuration(base: SearchConfiguration = SearchConfiguration()) throws -> SearchConfiguration {
    guard let value = interpreter.lookup("search") else { return base }
    guard case .dict(let dict) = value else { throw SearchError.configuration("search must be a dict of settings") }
    var settings: [(String, Value)] = []
    for (key, v) in zip(dict.keys, dict.values) {
      guard case .string(let name) = key.value else {
        throw SearchError.configuration("search settings are named by strings")
      }
      settings.append((name, v))
    }
    return try SearchSettings.apply(settings, to: base)
  }
}

/// Search settings given in Evo (the `search` dict of a proxy task, or `evolve.search` keywords).
public enum SearchSettings {
  /// The names understood, with what they set.
  public static let names = [
    "population", "tournament", "tournament_min", "selection", "space", "max_nodes", "seed", "initial",
    "quality_threshold", "stability", "stability_steps", "lease",
  ]

  /// `base` with each named setting applied; unknown names and bad values are errors.
  public static func apply(_ settings: [(String, Value)], to base: SearchConfiguration) throws -> SearchConfiguration {
    var c = base
    for (name, value) in settings {
      if case .null = value { continue }
      func number() throws -> Double {
        guard case .number(let n) = value, n.isFinite else {
          throw SearchError.configuration("\(name) must be a number")
        }
        return n
      }
      func integer() throws -> Int {
        let n = try number()
        guard n == n.rounded(), abs(n) < 1e15 else { throw SearchError.configuration("\(name) must be a whole number") }
        return Int(n)
      }
      func string() throws -> String {
        guard case .string(let s) = value else { throw SearchError.configuration("\(name) must be a string") }
        return s
      }
      switch name {
      case "population": c.population = try integer()
      case "tournament": c.tournamentFraction = try number()
      case "tournament_min": c.tournamentMinimum = try integer()
      case "selection":
        guard let rule = SelectionRule(rawValue: try string()) else {
          throw SearchError.configuration("selection must be \"pareto\" or \"mean\"")
        }
        c.selection = rule
      case "space": c.space = try string()
      case "max_nodes": c.maxNodes = try integer()
      case "seed":
        let seed = try integer()
        guard seed >= 0 else { throw SearchError.configuration("seed must not be negative") }
        c.seed = UInt64(seed)
      case "initial":
        guard case .list(let list) = value else {
          throw SearchError.configuration("initial must be a list of layer names")
        }
        c.initialLayers = try list.items.map {
          guard case .string(let s) = $0 else {
            throw SearchError.configuration("initial must be a list of layer names")
          }
          return s
        }
      case "quality_threshold": c.qualityThreshold = try number()
      case "stability":
        guard case .bool(let on) = value else { throw SearchError.configuration("stability must be true or false") }
        c.stability = on ? (c.stability ?? StabilityCheck()) : nil
      case "stability_steps":
        let steps = try integer()
        guard steps >= 0 else { throw SearchError.configuration("stability_steps must not be negative") }
        c.stability?.steps = steps
      case "lease": c.leaseSeconds = try number()
      default:
        throw SearchError.configuration("unknown setting '\(name)' (known: \(names.joined(separator: ", ")))")
      }
    }
    try c.validate()
    return c
  }
}
