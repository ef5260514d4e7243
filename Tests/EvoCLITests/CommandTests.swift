import Foundation
import Testing

/// The built `evo` binary, next to the test bundle.
let evoPath: String = {
  let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  for candidate in [dir, dir.deletingLastPathComponent()] {
    let path = candidate.appendingPathComponent("evo").path
    if FileManager.default.isExecutableFile(atPath: path) { return path }
  }
  return dir.appendingPathComponent("evo").path
}()

/// Runs `evo` with arguments and optional standard input; returns exit status, stdout and stderr.
func evo(
  _ arguments: [String], input: String? = nil, home: String? = nil, directory: String? = nil,
  environment extra: [String: String] = [:]
) throws -> (status: Int32, out: String, err: String) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: evoPath)
  process.arguments = arguments
  if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
  var environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
  if let home { environment["HOME"] = home }
  process.environment = environment
  return try runToEnd(process, input: input)
}

/// Runs `process` to its end with `input` on its standard input; returns its exit status, stdout and
/// stderr. The two outputs are read at the same time: read one after the other, a child that fills the
/// other pipe's buffer (64 KB: a long error report, a sanitizer's leak report) would wait forever.
func runToEnd(_ process: Process, input: String? = nil) throws -> (status: Int32, out: String, err: String) {
  let out = Pipe()
  let err = Pipe()
  let inPipe = Pipe()
  process.standardOutput = out
  process.standardError = err
  process.standardInput = inPipe
  try process.run()
  let errors = CollectedOutput(err.fileHandleForReading)
  if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
  try inPipe.fileHandleForWriting.close()
  let o = out.fileHandleForReading.readDataToEndOfFile()
  let e = errors.wait()
  process.waitUntilExit()
  return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// Everything a file handle yields until its end, read on a thread of its own.
final class CollectedOutput: @unchecked Sendable {
  private var data = Data()
  private let done = DispatchSemaphore(value: 0)

  init(_ handle: FileHandle) {
    Thread { [self] in
      data = handle.readDataToEndOfFile()
      done.signal()
    }.start()
  }

  /// Waits for the end of the output and returns it.
  func wait() -> Data {
    done.wait()
    return data
  }
}

/// A new empty folder under the temporary directory.
func scratchDirectory() throws -> String {
  let dir = NSTemporaryDirectory() + "evo-cli-" + UUID().uuidString
  try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  return dir
}

func temporaryFile(_ name: String, _ text: String) throws -> String {
  let dir = NSTemporaryDirectory() + "evo-cli-" + UUID().uuidString
  try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
  let path = dir + "/" + name
  try text.write(toFile: path, atomically: true, encoding: .utf8)
  return path
}

@Suite struct CommandTests {
  @Test func mistypedCommandsGetTheNearestOne() throws {
    let notebook = try evo(["notebok", "run", "x.evo"])
    #expect(notebook.status == 64)
    #expect(notebook.err.hasPrefix("error: 'notebok' is not an evo command. Did you mean 'notebook'?"))
    let search = try evo(["serch", "status"])
    #expect(search.err.contains("Did you mean 'search'?"))
    let script = try evo(["train.evo"])
    #expect(script.status == 64)
    #expect(script.err.contains("To run a script: evo run train.evo"))
    let unknown = try evo(["frobnicate"])
    #expect(!unknown.err.contains("Did you mean"))
    #expect(unknown.err.contains("The commands are: run, notebook, search, gan, kernel"))
    // Options and real commands still reach the parser.
    #expect(try evo(["-e", "1 + 2"]).out == "3\n")
    #expect(try evo(["help", "run"]).out.contains("USAGE: evo run"))
  }

  @Test func evaluatesCodeWithE() throws {
    let r = try evo(["-e", "let x = 20\nx * 2 + 2"])
    #expect(r.status == 0)
    #expect(r.out == "42\n")
  }

  @Test func uncaughtErrorExitsNonZeroWithACaret() throws {
    let r = try evo(["-e", "let a = 1\nlet b = a + nope"])
    #expect(r.status == 1)
    #expect(r.err.contains("error: NameError: undefined name 'nope'"))
    #expect(r.err.contains("2 | let b = a + nope"))
    #expect(r.err.contains("^^^^"))
  }

  @Test func runsAScriptWithArguments() throws {
    let path = try temporaryFile("script.evo", "print(\"args:\", args)\nprint(len(args))\n")
    let r = try evo(["run", path, "alpha", "--beta"])
    #expect(r.status == 0)
    #expect(r.out == "args: [\"alpha\", \"--beta\"]\n2\n")
  }

  @Test func scriptErrorsShowTheFileAndTraceback() throws {
    let path = try temporaryFile("bad.evo", "fn inner() { [1][5] }\nfn outer() { inner() }\nouter()\n")
    let r = try evo(["run", path])
    #expect(r.status == 1)
    #expect(r.err.contains("bad.evo:1:14"))
    #expect(r.err.contains("traceback (most recent call last):"))
    #expect(r.err.contains("bad.evo:3:1 in <module>"))
    #expect(r.err.contains("bad.evo:2:14 in outer"))
  }

  @Test func scriptsImportModulesBesideThem() throws {
    let path = try temporaryFile("main.evo", "import util\nprint(util.twice(21))\n")
    try "fn twice(x) { x * 2 }\n".write(
      toFile: URL(fileURLWithPath: path).deletingLastPathComponent().path + "/util.evo", atomically: true,
      encoding: .utf8)
    let r = try evo(["run", path])
    #expect(r.out == "42\n")
  }

  @Test func missingScriptIsAClearError() throws {
    let r = try evo(["run", "/nonexistent/x.evo"])
    #expect(r.status != 0)
    #expect(r.err.contains("cannot read /nonexistent/x.evo"))
  }

  @Test func versionAndHelp() throws {
    #expect(try evo(["--version"]).out == "0.1.0\n")
    let help = try evo(["--help"]).out
    #expect(help.contains("USAGE"))
    #expect(help.contains("run"))
  }

  @Test func pipedInputRunsLineByLineWithoutPrompts() throws {
    let r = try evo([], input: "let x = 41\nx + 1\nfn f(a) {\n  a * 2\n}\nf(x)\n?len\nnope\nx\n")
    #expect(r.out == "42\n82\nlen(x)\n  Number of items of a list, dict, string, range or sized object.\n41\n")
    #expect(r.err.contains("undefined name 'nope'"))
    #expect(r.status == 0)
  }

  @Test func metaCommandsWork() throws {
    let lib = try temporaryFile("lib.evo", "let loaded = \"yes\"\n")
    let r = try evo([], input: ":load \(lib)\nloaded\n:time 1 + 1\n:reset\nloaded\n:quit\nprint(\"not reached\")\n")
    #expect(r.out.hasPrefix("\"yes\"\n2\ntime: "))
    #expect(r.out.contains("session reset"))
    #expect(!r.out.contains("not reached"))
    // After :reset the old name is simply not defined (it once said "used before it is defined").
    #expect(r.err.contains("NameError: undefined name 'loaded'"), "\(r.err)")
    #expect(!r.err.contains("before it is defined"))
  }

  @Test func helpTakesDottedNames() throws {
    let r = try evo([], input: "?graph.random\n?layers.evonorm_b0.mutate\nlet d = {\"k\": 1}\n?d.get\n?graph.nope\n")
    #expect(r.out.contains("random(nodes = 8, seed = nil, space = \"B\")"), "\(r.out)")
    #expect(r.out.contains("mutate(seed = nil, space = \"B\")"), "\(r.out)")
    #expect(r.out.contains("get(key, default = nil)"), "\(r.out)")
    #expect(r.out.contains("no such name 'graph.nope'"), "\(r.out)")
  }

  @Test func aFinalIfShowsItsBranchValue() throws {
    #expect(try evo(["-e", "let n = 3\nif n > 2 { \"big\" } else { \"small\" }"]).out == "\"big\"\n")
    #expect(try evo(["-e", "if false { 1 }"]).out == "")
    let piped = try evo([], input: "fn fact(n) { if n <= 1 { 1 } else { n * fact(n - 1) } }\nfact(10)\n")
    #expect(piped.out == "3628800\n", "\(piped.err)")
  }
}
