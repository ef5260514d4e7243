import EvoLang
import EvoRuntime
import EvoTensor
import Foundation

/// Runs a notebook's code cells in order in one Evo session and records each cell's outputs: printed
/// text (`stream`), the trailing expression (`execute_result`), pictures (`display_data` with a PNG),
/// and errors (`error`, with the Evo traceback at notebook line numbers).
public final class NotebookRunner {
  public struct Options: Sendable {
    /// `-p NAME VALUE` pairs, injected after the cell tagged `parameters`.
    public var parameters: [(name: String, value: String)] = []
    /// Keep running after a failing cell.
    public var allowErrors = false
    /// Longest a cell may run, in seconds.
    public var timeout: Double?
    /// Record per-cell execution timestamps in the cell metadata (off for byte-identical re-runs).
    public var timestamps = true

    public init() {}
  }

  /// What happened to one cell, for progress reports.
  public struct CellReport: Sendable {
    public let index: Int
    public let count: Int
    public let title: String
    public let seconds: Double
    public let failed: Bool
    /// Why a failed cell failed, as a terminal shows it: kind, message, the source line with a caret
    /// at its notebook line, the traceback.
    public let error: String?
  }

  /// The name an injected-parameters cell has in error messages (it is no part of the notebook's file).
  public static let injectedCellName = "<injected-parameters cell>"

  public let options: Options
  /// Called before each code cell runs (index, count, title) and after it (the report).
  public var onStart: ((Int, Int, String) -> Void)?
  public var onFinish: ((CellReport) -> Void)?
  /// Called with each warning about the run's set-up (a `-p` name the parameters cell does not set).
  public var onWarning: ((String) -> Void)?

  public init(options: Options) { self.options = options }

  private let lock = NSLock()
  /// The running session. Ctrl-C arrives on another thread and only calls `interrupt()` on it, which is
  /// thread-safe; stopping one notebook (Ctrl-C, a timeout) never stops work elsewhere in the process.
  private var running: Session?
  private var interrupted = false

  /// Stops the running cell (Ctrl-C): it ends with a `KeyboardInterrupt` error and no further cell runs.
  /// Safe to call from another thread or a signal source.
  public func interrupt() {
    lock.lock()
    defer { lock.unlock() }
    interrupted = true
    running?.interrupt()
  }

  /// Whether `interrupt()` stopped the last run.
  public var wasInterrupted: Bool {
    lock.lock()
    defer { lock.unlock() }
    return interrupted
  }

  /// Runs `notebook` (read from `path`, which names it in tracebacks); returns it with outputs and
  /// whether every cell succeeded.
  public func run(_ notebook: Notebook, path: String) throws -> (notebook: Notebook, succeeded: Bool) {
    for warning in parameterWarnings(for: notebook) { onWarning?(warning) }
    var nb = try injectParameters(into: notebook)
    nb.assignIds()
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
    let session = Session(searchPaths: [folder])
    let vm = session.interpreter
    let display = session.display
    lock.lock()
    running = session
    interrupted = false
    lock.unlock()
    defer {
      lock.lock()
      running = nil
      lock.unlock()
    }
    let codeCells = nb.cells.indices.filter { nb.cells[$0].kind == .code }
    var executionCount = 0
    var succeeded = true
    for (position, index) in codeCells.enumerated() {
      var cell = nb.cells[index]
      let title = cell.metadata["title"]?.string ?? Self.summary(of: cell.source)
      onStart?(position + 1, codeCells.count, title)
      executionCount += 1
      let started = Date()
      let collector = OutputCollector(executionCount: executionCount)
      vm.output = { collector.stream($0) }
      vm.outputIsTerminal = false
      display.handler = { value in try collector.display(value) }
      let failed = execute(cell, in: session, path: path, collector: collector)
      cell.outputs = collector.outputs
      cell.executionCount = executionCount
      if options.timestamps {
        cell.metadata["execution"] = .object([
          "iopub.execute_input": .string(Self.timestamp(started)),
          "shell.execute_reply": .string(Self.timestamp(Date())),
        ])
      }
      if failed {
        cell.metadata["evo"] = .object(["status": .string("error")])
        succeeded = false
      }
      nb.cells[index] = cell
      onFinish?(
        CellReport(
          index: position + 1, count: codeCells.count, title: title, seconds: Date().timeIntervalSince(started),
          failed: failed, error: failed ? collector.failure : nil))
      if failed && (!options.allowErrors || wasInterrupted) { break }
    }
    vm.output = { FileHandle.standardOutput.write(Data($0.utf8)) }
    vm.outputIsTerminal = isatty(1) != 0
    display.handler = nil
    return (nb, succeeded)
  }

  /// Runs one cell; returns whether it failed.
  private func execute(_ cell: Notebook.Cell, in session: Session, path: String, collector: OutputCollector) -> Bool {
    // Under the lock `interrupt()` takes: an interrupt either came before (no cell runs) or comes after
    // the clear and stops this cell, however early.
    lock.lock()
    let stopped = interrupted
    if !stopped { session.clearInterrupt() }
    lock.unlock()
    guard !stopped else {
      collector.error(name: "KeyboardInterrupt", message: "interrupted by Ctrl-C", traceback: "interrupted\n")
      return true
    }
    let timer = options.timeout.map { seconds -> DispatchWorkItem in
      let item = DispatchWorkItem { [collector] in
        collector.timedOut = true
        session.interrupt()
      }
      InterruptSignal.queue.asyncAfter(deadline: .now() + seconds, execute: item)
      return item
    }
    defer { timer?.cancel() }
    let name = cell.tags.contains("injected-parameters") ? Self.injectedCellName : path
    var result = session.run(
      SourceFile(name: name, text: cell.source, firstLine: cell.firstLine), clearingInterrupt: false)
    // A cell whose time ran out, or that was interrupted, is an error even if its last call finished.
    if case .success = result, collector.timedOut || wasInterrupted {
      result = .failure(EvoError(.interrupted, "interrupted"))
    }
    switch result {
    case .success(let value):
      do {
        if let value { try collector.result(value) }
        collector.finish()
        return false
      } catch {
        let e = EvoError(host: error, span: nil)
        collector.error(name: e.kind.rawValue, message: e.message, traceback: e.rendered())
      }
    case .failure(let error):
      if wasInterrupted {
        collector.error(name: "KeyboardInterrupt", message: "interrupted by Ctrl-C", traceback: error.rendered())
      } else if collector.timedOut, let seconds = options.timeout {
        collector.error(
          name: "TimeoutError", message: "the cell ran longer than \(formatNumber(seconds)) s",
          traceback: error.rendered())
      } else {
        collector.error(name: error.kind.rawValue, message: error.message, traceback: error.rendered())
      }
    }
    return true
  }

  /// Warnings about the `-p` parameters, as papermill gives: a name the `parameters` cell does not
  /// set (a typo is otherwise silently a new variable), or a notebook with no `parameters` cell.
  func parameterWarnings(for notebook: Notebook) -> [String] {
    guard !options.parameters.isEmpty else { return [] }
    guard let cell = notebook.cells.first(where: { $0.tags.contains("parameters") }) else {
      let names = options.parameters.map(\.name).joined(separator: ", ")
      return [
        "the notebook has no cell tagged \"parameters\": -p \(names) is set before the first cell, and a"
          + " later `let` of the same name replaces it"
      ]
    }
    let declared = Self.declaredNames(in: cell.source)
    return options.parameters.map(\.name).filter { !declared.contains($0) }.map { name in
      "-p \(name): the parameters cell does not set '\(name)'"
        + (declared.isEmpty ? "" : " (it sets \(declared.joined(separator: ", ")))") + "; passed anyway"
    }
  }

  /// The names a cell declares with `let` at the start of a line, in order.
  static func declaredNames(in source: String) -> [String] {
    source.split(separator: "\n").flatMap { line -> [String] in
      let text = line.trimmingCharacters(in: .whitespaces)
      guard text.hasPrefix("let "), let equals = text.firstIndex(of: "=") else { return [] }
      return text[text.index(text.startIndex, offsetBy: 4)..<equals].split(separator: ",")
        .map { $0.trimmingCharacters(in: .whitespaces) }
    }
  }

  /// The notebook with a cell tagged `injected-parameters` after the `parameters` cell (or first).
  func injectParameters(into notebook: Notebook) throws -> Notebook {
    guard !options.parameters.isEmpty else { return notebook }
    var nb = notebook
    let lines = try options.parameters.map { name, value -> String in
      guard let first = name.first, first.isLetter || first == "_",
        name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
      else {
        throw NotebookError("parameter name '\(name)' is not an identifier")
      }
      return "let \(name) = \(Self.literal(value))"
    }
    var cell = Notebook.Cell(
      .code, "# Parameters\n" + lines.joined(separator: "\n"),
      metadata: ["tags": .array([.string("injected-parameters")])])
    let anchor = nb.cells.firstIndex { $0.tags.contains("parameters") }
    cell.firstLine = 1
    nb.cells.insert(cell, at: anchor.map { $0 + 1 } ?? 0)
    return nb
  }

  /// An Evo literal for a command-line value: numbers, true, false, nil and list or dict literals as
  /// written, anything else as a string.
  static func literal(_ value: String) -> String {
    let trimmed = value.trimmingCharacters(in: .whitespaces)
    if Double(trimmed) != nil || ["true", "false", "nil"].contains(trimmed) { return trimmed }
    if let first = trimmed.first, first == "[" || first == "{" || first == "\"" { return trimmed }
    let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
      .replacingOccurrences(of: "\n", with: "\\n")
    return "\"\(escaped)\""
  }

  static func summary(of source: String) -> String {
    let line = source.split(separator: "\n").first { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
    return line.count > 50 ? String(line.prefix(47)) + "..." : String(line)
  }

  static func timestamp(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: date)
  }
}
