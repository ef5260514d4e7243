import ArgumentParser

/// The `evo` command: the entry point of the Evo research environment.
@main
struct EvoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "evo",
    abstract: "Evo: discover normalization-activation layers by evolution.",
    version: "0.1.0",
    subcommands: [DemoCommand.self])
}
