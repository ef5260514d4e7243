import Foundation

/// Facts about the machine that a benchmark table names.
enum Machine {
  static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

  /// CPU model name from /proc/cpuinfo.
  static var model: String {
    cpuinfo("model name") ?? "unknown CPU"
  }

  private static func cpuinfo(_ key: String) -> String? {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix(key) {
      return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) }
    }
    return nil
  }
}

/// Seconds taken by `body`, best of `repeats` after one warm-up run.
func bestTime(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
  try body()
  var best = Double.infinity
  for _ in 0..<max(repeats, 1) {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
  }
  return best
}

/// The best time in seconds of each body over `repeats` rounds, after one warm-up call each. Each round
/// runs every body once, so drift in the machine's speed (other tenants, clock changes) falls on all
/// of them alike instead of on whichever ran during a slow spell.
func interleavedBestTimes(repeats: Int, _ bodies: [() throws -> Void]) throws -> [Double] {
  for body in bodies { try body() }
  var best = [Double](repeating: .infinity, count: bodies.count)
  for _ in 0..<max(repeats, 1) {
    for (k, body) in bodies.enumerated() {
      let start = DispatchTime.now().uptimeNanoseconds
      try body()
      best[k] = min(best[k], Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
  }
  return best
}

/// A two-column-plus table printed with aligned columns.
struct Table {
  var rows: [[String]] = []
  let header: [String]

  init(_ header: [String]) { self.header = header }

  mutating func add(_ row: [String]) { rows.append(row) }

  func print() {
    let all = [header] + rows
    let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
    func line(_ r: [String]) -> String {
      r.enumerated().map { i, s in
        i == 0
          ? s.padding(toLength: widths[i], withPad: " ", startingAt: 0)
          : String(repeating: " ", count: widths[i] - s.count) + s
      }
      .joined(separator: "  ")
    }
    Swift.print(line(header))
    Swift.print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
    for r in rows { Swift.print(line(r)) }
  }
}

func format(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }
