import ArgumentParser
import EvoNotebook
import EvoRuntime
import EvoTensor
import Foundation

/// `evo notebook run|convert`.
struct NotebookCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "notebook", abstract: "Run notebooks headless and convert between .evo and .ipynb.",
    subcommands: [NotebookRunCommand.self, NotebookConvertCommand.self])
}

/// Prints a one-line error and exits with status 2.
func fail(_ message: String) -> ExitCode {
  FileHandle.standardError.write(Data("error: \(message)\n".utf8))
  return ExitCode(2)
}

struct NotebookRunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run a notebook's cells in one session and save the outputs as .ipynb (and HTML).",
    discussion: """
      Exits with status 1 when a cell fails (0 with --allow-errors, as papermill does); the output is written \
      either way, the failing cell marked, and the error is printed.
      """)

  @Argument(help: "The notebook: a percent-format .evo file or an .ipynb.") var notebook: String
  @Option(name: .shortAndLong, help: "The output notebook (default: evo-out/NAME.ipynb).") var output: String?
  @Option(help: "Also write a self-contained HTML report here.") var html: String?
  @Option(
    name: .customShort("p"), parsing: .upToNextOption,
    help: ArgumentHelp("Set a parameter: -p NAME VALUE (repeatable).", valueName: "NAME VALUE"))
  var parameters: [String] = []
  @Flag(help: "Keep running after a failing cell, and exit with status 0.") var allowErrors = false
  @Option(help: "Stop a cell that runs longer than this many seconds.") var timeout: Double?
  @Flag(help: "Leave out execution timestamps, so re-runs give identical files.") var noTimestamps = false

  func run() throws {
    guard parameters.count % 2 == 0 else { throw fail("-p takes a name and a value") }
    let stem = ((notebook as NSString).lastPathComponent as NSString).deletingPathExtension
    let target = output ?? "evo-out/\(stem).ipynb"
    let source: Notebook
    do {
      for written in [target] + (html.map { [$0] } ?? []) {
        try AtomicFile.refuseOverwriting(input: notebook, output: written, op: "notebook run")
      }
      source = try NotebookFiles.read(notebook)
    } catch { throw fail("\(error)") }
    var options = NotebookRunner.Options()
    options.parameters = stride(from: 0, to: parameters.count, by: 2).map { (parameters[$0], parameters[$0 + 1]) }
    options.allowErrors = allowErrors
    options.timeout = timeout
    options.timestamps = !noTimestamps
    let runner = NotebookRunner(options: options)
    let terminal = isatty(2) != 0
    runner.onStart = { index, count, title in
      if terminal { FileHandle.standardError.write(Data("[\(index)/\(count)] \(title) …".utf8)) }
    }
    runner.onFinish = { report in
      let status = report.failed ? "failed after" : "done in"
      let line = String(
        format: "%@[%d/%d] %@ — %@ %.2f s\n", terminal ? "\r\u{1B}[K" : "", report.index, report.count, report.title,
        status, report.seconds)
      FileHandle.standardError.write(Data((line + (report.error ?? "")).utf8))
    }
    runner.onWarning = { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }
    // Ctrl-C stops the running cell; the notebook is still written, with the interrupted cell marked.
    let interrupts = InterruptSignal.handle { runner.interrupt() }
    defer { interrupts.cancel() }
    let result: (notebook: Notebook, succeeded: Bool)
    do { result = try runner.run(source, path: notebook) } catch { throw fail("\(error)") }
    try NotebookFiles.write(result.notebook, to: target)
    FileHandle.standardError.write(Data("wrote \(target)\n".utf8))
    if let html {
      try NotebookFiles.write(result.notebook, to: html, title: stem)
      FileHandle.standardError.write(Data("wrote \(html)\n".utf8))
    }
    if runner.wasInterrupted { throw ExitCode(130) }
    if !result.succeeded && !allowErrors { throw ExitCode(1) }
  }
}

struct NotebookConvertCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "convert",
    abstract: "Convert between the percent format (.evo) and .ipynb, keeping sources and metadata.")

  @Argument(help: "The notebook to convert.") var notebook: String
  @Option(name: .shortAndLong, help: "The output file; its extension (.ipynb or .evo) picks the format.") var output:
    String

  func run() throws {
    let nb: Notebook
    do {
      try AtomicFile.refuseOverwriting(input: notebook, output: output, op: "notebook convert")
      nb = try NotebookFiles.read(notebook)
    } catch { throw fail("\(error)") }
    try NotebookFiles.write(nb, to: output)
  }
}
