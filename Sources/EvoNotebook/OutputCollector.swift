import EvoLang
import EvoRuntime
import Foundation

/// Gathers one cell's outputs in nbformat form, merging consecutive printed text into one stream.
final class OutputCollector: @unchecked Sendable {
  let executionCount: Int
  private(set) var outputs: [JSONValue] = []
  private var pendingText = ""
  var timedOut = false

  init(executionCount: Int) { self.executionCount = executionCount }

  func stream(_ text: String) { pendingText += text }

  private func flush() {
    guard !pendingText.isEmpty else { return }
    outputs.append(
      .object([
        "name": .string("stdout"), "output_type": .string("stream"),
        "text": .array(IPYNBFormat.sourceLines(pendingText).map(JSONValue.string)),
      ]))
    pendingText = ""
  }

  /// A displayed value: a picture as `display_data`, anything else as printed text.
  func display(_ value: Value) throws {
    guard value.displayPNG != nil else {
      stream(value.text + "\n")
      return
    }
    flush()
    outputs.append(
      .object([
        "data": try Self.data(value), "metadata": .object([:]), "output_type": .string("display_data"),
      ]))
  }

  /// A value's MIME bundle as nbformat stores it: text as a list of lines, an image (base64) as one
  /// string.
  private static func data(_ value: Value) throws -> JSONValue {
    var data: [String: JSONValue] = [:]
    for (type, content) in try value.mimeBundle() {
      data[type] =
        type.hasPrefix("image/") ? .string(content) : .array(IPYNBFormat.sourceLines(content).map(JSONValue.string))
    }
    return .object(data)
  }

  /// The cell's trailing value: pictures are displayed, other non-nil values become `execute_result`.
  func result(_ value: Value) throws {
    if case .null = value {
      flush()
      return
    }
    if value.displayPNG != nil {
      try display(value)
      flush()
      return
    }
    flush()
    outputs.append(
      .object([
        "data": try Self.data(value),
        "execution_count": .int(executionCount), "metadata": .object([:]), "output_type": .string("execute_result"),
      ]))
  }

  /// Writes out text printed since the last output.
  func finish() { flush() }

  /// The error as a terminal shows it (see `CellReport.error`), once `error` was called.
  private(set) var failure: String?

  func error(name: String, message: String, traceback: String) {
    failure = traceback.hasPrefix("error: \(name)") ? traceback : "error: \(name): \(message)\n" + traceback
    flush()
    outputs.append(
      .object([
        "ename": .string(name), "evalue": .string(message), "output_type": .string("error"),
        "traceback": .array(
          traceback.split(separator: "\n", omittingEmptySubsequences: false).map { .string(String($0)) }),
      ]))
  }

}
