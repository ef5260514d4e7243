import EvoLang
import EvoRuntime
import EvoTensor
import Foundation

/// One Evo session: an interpreter with the stdlib on its import path, and the way errors are shown.
final class Session {
  let interpreter: Interpreter
  /// Where displayed values go: pictures become PNG files under evo-out/ (inline where the terminal can).
  let display: DisplaySink

  init() {
    interpreter = Interpreter()
    display = EvoRuntime.install(into: interpreter)
    interpreter.searchPaths += EvoRuntime.stdlibFolders()
  }

  /// Runs a chunk on the large-stack interpreter thread; errors are printed, not thrown.
  /// Returns the chunk's final value, or nil; `failed` tells whether an error was printed.
  func evaluate(_ source: SourceFile) -> (value: Value?, failed: Bool) {
    interpreter.interrupt.reset()
    Cancellation.shared.reset()
    do {
      let vm = interpreter
      return (try LargeStack.run { try vm.run(source) }, false)
    } catch let error as EvoError {
      report(error)
    } catch {
      FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    }
    return (nil, true)
  }

  /// Shows a REPL or `-e` result: pictures through the display sink, other values as their repr.
  func show(_ value: Value) {
    if case .null = value { return }
    guard value.displayPNG != nil else {
      print(value.repr)
      return
    }
    do {
      try display.show(value, interpreter: interpreter)
    } catch {
      FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    }
  }

  func report(_ error: EvoError) {
    FileHandle.standardError.write(Data(error.rendered().utf8))
  }
}
