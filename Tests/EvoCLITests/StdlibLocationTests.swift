import Foundation
import Testing

/// The repository checkout these tests belong to.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..")
  .standardized.path

/// `import plot` must work wherever `evo` is started from: the checkout's build folder, a symlink on the
/// PATH, an installed copy, or `$EVO_STDLIB`. (The stdlib was once looked for beside the symlink's target
/// only, so every folder but the checkout's root failed with "looked in no folders".)
@Suite struct StdlibLocationTests {
  /// The environment without `EVO_STDLIB`, so each test sees only the mechanism it tests.
  private static let cleanEnvironment: [String: String] = {
    var environment = ProcessInfo.processInfo.environment
    environment["EVO_STDLIB"] = nil
    return environment
  }()

  /// Runs `binary -e code` in `directory` with the environment given.
  private func run(
    _ binary: String, _ code: String, in directory: String, environment: [String: String] = cleanEnvironment
  )
    throws -> (status: Int32, out: String, err: String)
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = ["-e", code]
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    process.environment = environment
    return try runToEnd(process)
  }

  private let importsPlot = "import plot\nprint(type(plot.lines))"

  @Test func theBuiltBinaryFindsTheStdlibFromAnotherFolder() throws {
    let r = try run(evoPath, importsPlot, in: try scratchDirectory())
    #expect(r.status == 0, "\(r.err)")
    #expect(r.out == "function\n")
  }

  @Test func aSymlinkOnThePathFindsTheCheckoutsStdlib() throws {
    let bin = try scratchDirectory()
    try FileManager.default.createSymbolicLink(atPath: bin + "/evo", withDestinationPath: evoPath)
    // A symlink to the symlink, as `.build/release` is one and `~/bin/evo` may be another.
    try FileManager.default.createSymbolicLink(atPath: bin + "/evo2", withDestinationPath: bin + "/evo")
    let r = try run(bin + "/evo2", importsPlot, in: try scratchDirectory())
    #expect(r.status == 0, "\(r.err)")
    #expect(r.out == "function\n")
  }

  @Test func makeInstallPutsTheBinaryAndTheStdlibUnderThePrefix() throws {
    let prefix = try scratchDirectory() + "/prefix"
    let make = Process()
    make.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    make.arguments = [
      "make", "--no-print-directory", "-C", repositoryRoot, "install-files", "PREFIX=\(prefix)", "EVO_BIN=\(evoPath)",
    ]
    make.standardOutput = FileHandle.nullDevice
    try make.run()
    make.waitUntilExit()
    #expect(make.terminationStatus == 0)
    #expect(FileManager.default.fileExists(atPath: prefix + "/share/evo/stdlib/plot.evo"))
    // The installed copy lives outside any checkout: only share/evo/stdlib beside it can serve.
    let r = try run(prefix + "/bin/evo", importsPlot, in: try scratchDirectory())
    #expect(r.status == 0, "\(r.err)")
    #expect(r.out == "function\n")
  }

  @Test func evoStdlibNamesAnotherFolder() throws {
    let folder = try scratchDirectory()
    try "let answer = 42\n".write(toFile: folder + "/mine.evo", atomically: true, encoding: .utf8)
    var environment = Self.cleanEnvironment
    environment["EVO_STDLIB"] = folder
    let r = try run(evoPath, "import mine\nprint(mine.answer)", in: try scratchDirectory(), environment: environment)
    #expect(r.status == 0, "\(r.err)")
    #expect(r.out == "42\n")
  }

  @Test func aMissingModuleNamesTheFoldersAndEvoStdlib() throws {
    let r = try run(evoPath, "import nosuchmodule", in: try scratchDirectory())
    #expect(r.status == 1)
    #expect(r.err.contains("no module named 'nosuchmodule'"))
    #expect(r.err.contains(repositoryRoot + "/stdlib"), "\(r.err)")
    #expect(r.err.contains("EVO_STDLIB"), "\(r.err)")
  }

  @Test func aNotebookInTheUsersFolderImportsTheStdlib() throws {
    let dir = try scratchDirectory()
    try "# %%\nimport plot\nprint(type(plot.bar))\n".write(toFile: dir + "/mine.evo", atomically: true, encoding: .utf8)
    let r = try evo(
      ["notebook", "run", "mine.evo", "-o", "mine.ipynb"], directory: dir, environment: ["EVO_STDLIB": ""])
    #expect(r.status == 0, "\(r.err)")
    #expect(try String(contentsOfFile: dir + "/mine.ipynb", encoding: .utf8).contains("function"))
  }
}
