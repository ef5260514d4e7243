import Foundation

/// A progress line on standard error: rewritten in place on a terminal, one line every 10 seconds
/// otherwise (logs stay short).
public final class ProgressLine: @unchecked Sendable {
  public static let shared = ProgressLine()
  private let terminal = isatty(2) != 0
  private var last = Date.distantPast
  private var pending: String?

  public func update(_ text: String) {
    if terminal {
      FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
    } else if Date().timeIntervalSince(last) >= 10 {
      FileHandle.standardError.write(Data("\(text)\n".utf8))
      last = Date()
      pending = nil
      return
    }
    pending = text
  }

  /// Ends the line (on a terminal) or writes the last unshown update.
  public func finish() {
    if terminal {
      FileHandle.standardError.write(Data("\n".utf8))
    } else if let pending {
      FileHandle.standardError.write(Data("\(pending)\n".utf8))
    }
    pending = nil
  }
}
