import EvoGraph
import EvoSearch
import Foundation

/// A cheap deterministic evaluator: scores are functions of the graph's canonical hash, so equal graphs
/// score equally and searches reproduce; it counts its calls.
final class HashEvaluator: Evaluator {
  let architectures = ["a", "b"]
  var calls: [String] = []

  func scores(_ graph: LayerGraph, budget: EvaluationBudget, seed: UInt64) throws -> [Double] {
    calls.append(graph.canonicalHash)
    let h = UInt64(graph.canonicalHash, radix: 16) ?? 0
    return [Double(h & 0xFFFF) / 65535, Double((h >> 16) & 0xFFFF) / 65535]
  }
}

/// A fresh temporary folder, removed by the caller.
func temporaryFolder() throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("evo-search-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// A small search configuration without the stability and quality stages.
func cheapConfiguration(population: Int = 6, seed: UInt64 = 1) -> SearchConfiguration {
  var c = SearchConfiguration()
  c.population = population
  c.seed = seed
  c.stability = nil
  c.qualityThreshold = 0
  c.maxNodes = 8
  return c
}

/// A store for `configuration` in a new temporary folder.
func makeStore(_ configuration: SearchConfiguration, in folder: URL, name: String = "s.db") throws -> SQLiteSearchStore
{
  try SQLiteSearchStore(
    path: folder.appendingPathComponent(name).path,
    creating: SearchMetadata(configuration: configuration, architectures: ["a", "b"], proxySource: "# test proxy"))
}

/// Runs sqlite3 on a store file and returns its output.
func sqlite(_ path: String, _ sql: String) throws -> String {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
  process.arguments = [path, sql]
  let pipe = Pipe()
  process.standardOutput = pipe
  try process.run()
  let output = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return String(decoding: output, as: UTF8.self)
}
