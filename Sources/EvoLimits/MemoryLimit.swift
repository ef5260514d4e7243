import Foundation

/// A single allocation larger than `MemoryLimit.bytes`: shown in Evo as a `MemoryError`.
public struct MemoryLimitError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The operation that asked for the memory (`zeros`, `list`, `string repeat`, ...).
  public let op: String
  /// The bytes it asked for (`nil` when the size does not even fit in an `Int`).
  public let bytes: Int?
  /// The limit in force.
  public let limit: Int

  public var description: String {
    let size = bytes.map(MemoryLimit.format) ?? "more than \(MemoryLimit.format(Int.max))"
    return "\(op): needs \(size), more than the memory limit of \(MemoryLimit.format(limit)) (EVO_MEMORY_LIMIT)"
  }
}

/// The one guard every allocation of a tensor, list or string whose size comes from user input goes
/// through. The limit is per allocation: `EVO_MEMORY_LIMIT` (bytes, or with a `K`, `M`, `G` or `T`
/// suffix), by default 80% of physical memory.
public enum MemoryLimit {
  /// The limit in bytes.
  public static let bytes: Int = {
    if let text = ProcessInfo.processInfo.environment["EVO_MEMORY_LIMIT"], let parsed = parse(text) {
      return parsed
    }
    return Int(Double(ProcessInfo.processInfo.physicalMemory) * 0.8)
  }()

  /// Throws unless `count` items of `itemBytes` bytes each fit in the limit (negative counts are callers' bugs
  /// and are reported as not fitting).
  public static func check(_ count: Int, of itemBytes: Int, op: String) throws(MemoryLimitError) {
    let (total, overflow) = count.multipliedReportingOverflow(by: itemBytes)
    guard count >= 0, !overflow, total <= bytes else {
      throw MemoryLimitError(op: op, bytes: overflow || count < 0 ? nil : total, limit: bytes)
    }
  }

  /// `12345` bytes as `12.3 KB`, `10 GB`, ...
  public static func format(_ bytes: Int) -> String {
    let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1000 && unit < units.count - 1 {
      value /= 1000
      unit += 1
    }
    if unit == 0 { return "\(bytes) bytes" }
    let text = value < 10 ? String(format: "%.1f", value) : String(Int(value.rounded()))
    return "\(text) \(units[unit])"
  }

  /// `"512M"` → 536,870,912; nil for text that is not a positive size.
  static func parse(_ text: String) -> Int? {
    var digits = text.trimmingCharacters(in: .whitespaces).uppercased()
    var scale = 1
    if let last = digits.last, let power = ["K": 1, "M": 2, "G": 3, "T": 4][String(last)] {
      scale = 1 << (10 * power)
      digits.removeLast()
    }
    guard let value = Int(digits), value > 0 else { return nil }
    let (total, overflow) = value.multipliedReportingOverflow(by: scale)
    return overflow ? nil : total
  }
}
