import ArgumentParser
import EvoLang
import EvoRuntime
import Foundation

/// `evo gan ...`: the small BigGAN of stdlib/gan.evo from the command line.
struct GanCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gan", abstract: "Work with class-conditional GAN checkpoints (stdlib gan).",
    subcommands: [GanSampleCommand.self])
}

/// `evo gan sample CHECKPOINT [--classes 0,3] [--per-class N] [--truncation T] [--mode M] [--seed S] -o grid.png`.
struct GanSampleCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sample",
    abstract: "Write a fixed-z sample grid (one labelled row per class) of a checkpoint's EMA generator.")

  @Argument(help: "A checkpoint folder written by GAN.save (G.safetensors, G_ema.safetensors, ...).") var checkpoint:
    String
  @Option(help: "Comma-separated class numbers, one row each (default: every class).") var classes: String?
  @Option(help: "Samples per class.") var perClass: Int = 8
  @Option(help: "Resample z entries beyond this threshold (the truncation trick).") var truncation: Double?
  @Option(help: "Norm statistics: moving, train or standing.") var mode: String = "moving"
  @Option(help: "Seed of the fixed z.") var seed: Int = 1234
  @Option(name: .shortAndLong, help: "The PNG file to write.") var output: String

  func validate() throws {
    guard (1...64).contains(perClass) else { throw ValidationError("--per-class must be between 1 and 64") }
    guard ["moving", "train", "standing"].contains(mode) else {
      throw ValidationError("--mode must be moving, train or standing")
    }
    if let truncation, !(truncation > 0) { throw ValidationError("--truncation must be positive") }
    _ = try classList()
  }

  /// The classes as an Evo list literal, or `nil`.
  func classList() throws -> String {
    guard let classes else { return "nil" }
    let numbers = classes.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !numbers.isEmpty, numbers.allSatisfy({ $0 != nil && $0! >= 0 }) else {
      throw ValidationError("--classes must be comma-separated class numbers, e.g. 0,3,7")
    }
    return "[" + numbers.map { String($0 ?? 0) }.joined(separator: ", ") + "]"
  }

  func run() throws {
    let session = Session()
    // Paths and the mode travel as script arguments, so no quoting of user text into code is needed.
    session.interpreter.scriptArguments = [checkpoint, output, mode]
    let code = """
      import gan
      import data
      let model = gan.load(args[0])
      let names = nil
      if model.classes == 10 { names = data.fashion_names }
      model.grid(per_class: \(perClass), classes: \(try classList()), names: names, truncation: \(truncation.map { "\($0)" } ?? "nil"),
                 mode: args[2], seed: \(seed)).save(args[1])
      print("wrote \\(args[1])")
      """
    if session.evaluate(SourceFile(name: "<evo gan sample>", text: code)).failed { throw ExitCode(1) }
  }
}
