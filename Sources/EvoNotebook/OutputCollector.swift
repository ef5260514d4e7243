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
    guard let picture = value.displayPNG else {
      stream(value.text + "\n")
      return
    }
    flush()
    outputs.append(
      .object([
        "data": .object([
          "image/png": .string(Data(try picture.pngData()).base64EncodedString()),
          "text/plain": .array(IPYNBFormat.sourceLines(value.repr).map(JSONValue.string)),
        ]),
        "metadata": .object([:]), "output_type": .string("display_data"),
      ]))
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
        "data": .object(["text/plain": .array(IPYNBFormat.sourceLines(value.repr).map(JSONValue.string))]),
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
