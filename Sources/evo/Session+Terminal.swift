import EvoLang
import EvoRuntime
import Foundation

/// How the command line reports a session's results: values on standard output, errors on standard error.
extension Session {
  /// Runs a chunk; prints its error, if any, to standard error. Returns the value, or nil and `failed`.
  func evaluate(_ source: SourceFile) -> (value: Value?, failed: Bool) {
    switch run(source) {
    case .success(let value): return (value, false)
    case .failure(let error):
      report(error)
      return (nil, true)
    }
  }

  /// Shows a value on the terminal (text through `print`, in order with the REPL's other output);
  /// a failure to show a picture is reported, not thrown.
  func showOnTerminal(_ value: Value) {
    if case .null = value { return }
    guard value.displayPNG != nil else {
      print(value.repr)
      return
    }
    do { try display.show(value, interpreter: interpreter) } catch { report(EvoError(host: error, span: nil)) }
  }

  func report(_ error: EvoError) {
    FileHandle.standardError.write(Data(error.rendered().utf8))
  }
}
