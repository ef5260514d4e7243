import ArgumentParser
import EvoLang
import EvoRuntime
import Foundation

/// The `evo` command: with no arguments the REPL; `evo -e CODE`; `evo run FILE`; `evo notebook ...`.
@main
struct EvoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "evo",
    abstract: "Evo: discover normalization-activation layers by evolution.",
    discussion: "Without arguments, starts the interactive REPL.",
    version: "0.1.0",
    subcommands: [RunCommand.self, NotebookCommand.self, SearchCommand.self, GanCommand.self, KernelCommand.self])

  /// Parses the command line as usual, after catching a mistyped command or a bare script path.
  static func main() {
    let commands = configuration.subcommands.map { $0.configuration.commandName ?? "" }
    if let message = CommandSuggestion.message(for: Array(CommandLine.arguments.dropFirst()), commands: commands) {
      FileHandle.standardError.write(Data((message + "\n").utf8))
      Foundation.exit(64)
    }
    main(nil)
  }

  @Option(name: .customShort("e"), help: "Run CODE and print the value of its last expression.")
  var code: String?

  @Option(help: "Draw pictures in the terminal with this protocol: kitty, iterm or none (default: detected).")
  var inlineImages: String?

  func run() throws {
    let session = Session()
    if let inlineImages {
      guard let chosen = InlineImageProtocol(rawValue: inlineImages.lowercased()) else {
        throw ValidationError("--inline-images must be kitty, iterm or none")
      }
      session.display.inlineProtocol = chosen
    }
    if let code {
      let (value, failed) = session.evaluate(SourceFile(name: "<-e>", text: code))
      if failed { throw ExitCode(1) }
      if let value { session.showOnTerminal(value) }
      return
    }
    try REPL(session: session).run()
  }
}

/// `evo run FILE [ARGS...]`.
struct RunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run", abstract: "Run an Evo script; its arguments are in `args`.")

  @Argument(help: "The .evo file to run.") var file: String
  @Argument(parsing: .captureForPassthrough, help: "Arguments passed to the script.") var arguments: [String] = []

  func run() throws {
    guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
      FileHandle.standardError.write(Data("error: cannot read \(file)\n".utf8))
      throw ExitCode(2)
    }
    let session = Session()
    session.interpreter.scriptArguments = arguments
    if session.evaluate(SourceFile(name: file, text: text)).failed { throw ExitCode(1) }
  }
}
