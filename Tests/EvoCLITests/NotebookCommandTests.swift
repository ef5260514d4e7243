import Foundation
import Testing

/// `evo notebook run` and `evo notebook convert` as a user calls them.
@Suite struct NotebookCommandTests {
  @Test func runWritesTheNotebookAndHTMLAndReportsProgress() throws {
    let dir = try scratchDirectory()
    try "# %% tags=[\"parameters\"]\nlet n = 2\n# %%\nprint(n * 21)\n".write(toFile: "\(dir)/nb.evo", atomically: true, encoding: .utf8)
    let result = try evo(["notebook", "run", "nb.evo", "-p", "n", "1", "--html", "out/nb.html"], directory: dir)
    #expect(result.status == 0, "\(result.err)")
    #expect(result.err.contains("[3/3]"), "\(result.err)")
    #expect(result.err.contains("wrote evo-out/nb.ipynb"))
    let notebook = try String(contentsOfFile: "\(dir)/evo-out/nb.ipynb", encoding: .utf8)
    #expect(notebook.contains("\"21\\n\""))
    let html = try String(contentsOfFile: "\(dir)/out/nb.html", encoding: .utf8)
    #expect(html.contains("<pre class=\"output stream\">21\n</pre>"))
  }

  @Test func failingCellsExitNonZeroButStillWriteOutput() throws {
    let dir = try scratchDirectory()
    try "# %%\nlet x = 1\n# %%\nx + zeros([2, 2]) + nope\n".write(toFile: "\(dir)/bad.evo", atomically: true, encoding: .utf8)
    let result = try evo(["notebook", "run", "bad.evo", "-o", "bad.ipynb"], directory: dir)
    #expect(result.status == 1)
    let notebook = try String(contentsOfFile: "\(dir)/bad.ipynb", encoding: .utf8)
    #expect(notebook.contains("\"ename\": \"NameError\""))
    #expect(try evo(["notebook", "run", "missing.evo"], directory: dir).status == 2)
    #expect(try evo(["notebook", "run", "bad.evo", "-p", "x"], directory: dir).status == 2)
  }

  @Test func convertRoundTripsSourcesAndMetadata() throws {
    let dir = try scratchDirectory()
    let text = "# %% Setup tags=[\"parameters\"]\nlet quick = false\n\n# %% [markdown]\n# # Title\n\n# %%\nprint(1)\n"
    try text.write(toFile: "\(dir)/a.evo", atomically: true, encoding: .utf8)
    #expect(try evo(["notebook", "convert", "a.evo", "-o", "a.ipynb"], directory: dir).status == 0)
    #expect(try evo(["notebook", "convert", "a.ipynb", "-o", "b.evo"], directory: dir).status == 0)
    #expect(try String(contentsOfFile: "\(dir)/b.evo", encoding: .utf8) == text)
    // An .ipynb whose cells are Evo code runs too.
    let run = try evo(["notebook", "run", "a.ipynb", "-o", "ran.ipynb"], directory: dir)
    #expect(run.status == 0, "\(run.err)")
    #expect(try String(contentsOfFile: "\(dir)/ran.ipynb", encoding: .utf8).contains("\"text\": [\n      \"1\\n\"\n     ]"))
  }

  @Test func ctrlCStopsTheRunningCellAndStillWritesTheNotebook() throws {
    let dir = try scratchDirectory()
    try "# %%\nprint(\"start\")\n# %%\nlet i = 0\nwhile true { i += 1 }\n# %%\nprint(\"never\")\n"
      .write(toFile: "\(dir)/loop.evo", atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: evoPath)
    process.arguments = ["notebook", "run", "loop.evo", "-o", "loop.ipynb"]
    process.currentDirectoryURL = URL(fileURLWithPath: dir)
    process.standardError = FileHandle.nullDevice
    try process.run()
    Thread.sleep(forTimeInterval: 1.5)
    process.interrupt()
    process.waitUntilExit()
    #expect(process.terminationStatus == 130)
    let notebook = try String(contentsOfFile: "\(dir)/loop.ipynb", encoding: .utf8)
    #expect(notebook.contains("\"ename\": \"KeyboardInterrupt\""))
    #expect(!notebook.contains("never\\n\"\n"))
  }
}
