import Foundation

/// Resident memory of this process, from /proc/self/status (Linux).
enum Memory {
  /// Current resident set size (VmRSS) in MB; nan where /proc is missing.
  static func residentMegabytes() -> Double { status("VmRSS:") }

  /// Peak resident set size (VmHWM) in MB; nan where /proc is missing.
  static func peakMegabytes() -> Double { status("VmHWM:") }

  private static func status(_ key: String) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
    for line in text.split(separator: "\n") where line.hasPrefix(key) {
      if let kb = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) { return kb / 1024 }
    }
    return .nan
  }
}
