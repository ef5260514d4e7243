import EvoLang
import EvoNotebook
import EvoRuntime
import Foundation

/// The Evo session behind a kernel. Evo code, completion and help run on the large-stack interpreter
/// thread, one request at a time; `interrupt()` may be called from any thread.
final class KernelSession: @unchecked Sendable {
  /// A value as Jupyter shows it: its MIME bundle, and whether it is a picture (shown as `display_data`).
  struct Shown {
    let data: [String: JSONValue]
    let isPicture: Bool
  }

  /// An error as Jupyter reports it.
  struct Failure: Error {
    let name: String
    let message: String
    let traceback: [String]
  }

  private let session: Session

  /// A session whose imports look in the working folder (Jupyter starts kernels in the notebook's folder)
  /// before the stdlib.
  init() {
    session = Session(searchPaths: [FileManager.default.currentDirectoryPath])
  }

  /// Stops the running code (loops, calls and tensor kernels) with an error; the session stays usable.
  func interrupt() { session.interrupt() }

  /// Runs `code` (named `name` in tracebacks). Printed text goes to `text` and displayed values to
  /// `shown` as they happen; the result is the shown form of the trailing value, if there is one.
  func execute(_ code: String, name: String, text: @escaping (String) -> Void, shown: @escaping (Shown) -> Void)
    -> Result<Shown?, Failure>
  {
    // No code runs between requests: the interpreter may be set up from this thread.
    session.interpreter.output = text
    session.display.handler = { value in
      if value.displayPNG == nil { text(value.text + "\n") } else { shown(try Self.show(value)) }
    }
    switch session.run(code, name: name) {
    case .success(let value):
      guard let value else { return .success(nil) }
      if case .null = value { return .success(nil) }
      do { return .success(try Self.show(value)) } catch {
        return .failure(Failure(name: "Error", message: "\(error)", traceback: ["error: \(error)"]))
      }
    case .failure(let error):
      if error.kind == .interrupted || session.isInterruptRequested {
        return .failure(
          Failure(name: "KeyboardInterrupt", message: "interrupted", traceback: Self.lines(error.rendered())))
      }
      return .failure(
        Failure(name: error.kind.rawValue, message: error.message, traceback: Self.lines(error.rendered())))
    }
  }

  /// Whether `code` is complete, unfinished (more lines wanted) or invalid.
  func parseStatus(_ code: String) -> Interpreter.ParseStatus {
    (try? session.perform { $0.parseStatus(SourceFile(name: "<is_complete>", text: code)) }) ?? .incomplete
  }

  /// Completions of `text`, the name or dotted path ending `line` (the code up to the cursor).
  func completions(of text: String, line: String) -> [String] {
    (try? session.perform { $0.completions(of: text, line: line) }) ?? []
  }

  /// `?name` help, or nil when `name` is not defined.
  func help(for name: String) -> String? {
    try? session.perform { vm in
      guard let value = vm.resolveDotted(name) else { return nil }
      return name.contains(".") ? vm.helpText(for: value) : vm.helpText(forName: name)
    }
  }

  /// The MIME bundle of a value: a PNG and its text for pictures, text otherwise.
  private static func show(_ value: Value) throws -> Shown {
    Shown(data: try value.mimeBundle().mapValues(JSONValue.string), isPicture: value.displayPNG != nil)
  }

  private static func lines(_ text: String) -> [String] {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if lines.last == "" { lines.removeLast() }
    return lines
  }
}
