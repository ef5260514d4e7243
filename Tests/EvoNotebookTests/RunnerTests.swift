import EvoTensor
import Foundation
import Testing

@testable import EvoNotebook

/// Running notebooks: every output type, errors, parameters, timeouts, re-runs, schema validation.
@Suite struct RunnerTests {
  func run(_ text: String, options: NotebookRunner.Options = NotebookRunner.Options()) throws -> (Notebook, Bool) {
    let result = try NotebookRunner(options: options).run(try PercentFormat.parse(text), path: "/tmp/test.evo")
    return (result.notebook, result.succeeded)
  }

  func outputs(_ nb: Notebook, _ cell: Int) -> [JSONValue] { nb.cells[cell].outputs }
  func type(_ output: JSONValue) -> String? { output["output_type"]?.string }

  @Test func eachOutputType() throws {
    let (nb, ok) = try run(
      """
      # %%
      print("hello")
      print("world")
      1 + 2
      # %%
      figure(width: 120, height: 90)
      # %%
      print("before")
      display(figure(width: 100, height: 80))
      print("after")
      let nothing = nil
      # %% [markdown]
      # text
      """)
    #expect(ok)
    let first = outputs(nb, 0)
    #expect(first.map(type) == ["stream", "execute_result"])
    #expect(first[0]["text"] == .array([.string("hello\n"), .string("world\n")]))
    #expect(first[1]["data"]?["text/plain"] == .array([.string("3")]))
    #expect(first[1]["execution_count"] == .int(1))
    let picture = outputs(nb, 1)
    #expect(picture.map(type) == ["display_data"])
    let png = try #require(picture[0]["data"]?["image/png"]?.string)
    #expect(Data(base64Encoded: png)?.starts(with: [0x89, 0x50, 0x4E, 0x47]) == true)
    #expect(outputs(nb, 2).map(type) == ["stream", "display_data", "stream"])
    #expect(nb.cells[2].executionCount == 3)
    #expect(nb.cells[3].outputs.isEmpty)
  }

  @Test func errorsStopTheRunAndCarryNotebookLineNumbers() throws {
    let (nb, ok) = try run(
      "# %%\nlet a = 1\n\n# %%\nlet b = 2\nlet c = a + zeros([2]) + undefined_name\n# %%\nprint(\"never\")\n")
    #expect(!ok)
    let error = try #require(outputs(nb, 1).first)
    #expect(type(error) == "error")
    #expect(error["ename"] == .string("NameError"))
    let traceback = error["traceback"]?.array?.compactMap(\.string).joined(separator: "\n") ?? ""
    #expect(traceback.contains("/tmp/test.evo:6:"), "\(traceback)")
    #expect(nb.cells[1].metadata["evo"]?["status"] == .string("error"))
    #expect(nb.cells[2].outputs.isEmpty && nb.cells[2].executionCount == nil)
  }

  @Test func allowErrorsKeepsGoing() throws {
    var options = NotebookRunner.Options()
    options.allowErrors = true
    let (nb, ok) = try run("# %%\nerror(\"boom\")\n# %%\nprint(\"still here\")\n", options: options)
    #expect(!ok)
    #expect(type(outputs(nb, 0)[0]) == "error")
    #expect(outputs(nb, 1)[0]["text"] == .array([.string("still here\n")]))
  }

  @Test func parametersAreInjectedAfterTheParametersCell() throws {
    var options = NotebookRunner.Options()
    options.parameters = [("quick", "true"), ("name", "B0 run"), ("steps", "30")]
    let (nb, ok) = try run(
      "# %%\nprint(\"first\")\n# %% tags=[\"parameters\"]\nlet quick = false\nlet name = \"x\"\nlet steps = 5\n# %%\nprint(quick, name, steps * 2)\n",
      options: options)
    #expect(ok)
    #expect(nb.cells.count == 4)
    #expect(nb.cells[2].tags == ["injected-parameters"])
    #expect(nb.cells[2].source.contains("let name = \"B0 run\""))
    #expect(outputs(nb, 3)[0]["text"] == .array([.string("true B0 run 60\n")]))
    #expect(NotebookRunner.literal("[1, 2]") == "[1, 2]")
    #expect(NotebookRunner.literal("say \"hi\"") == "\"say \\\"hi\\\"\"")
    options.parameters = [("1bad", "1")]
    #expect(throws: NotebookError.self) { try run("# %%\n1", options: options) }
  }

  @Test func timeoutStopsALongCell() throws {
    var options = NotebookRunner.Options()
    options.timeout = 0.3
    let started = Date()
    let (nb, ok) = try run("# %%\nlet i = 0\nwhile true { i += 1 }\n", options: options)
    #expect(!ok)
    #expect(Date().timeIntervalSince(started) < 10)
    #expect(outputs(nb, 0)[0]["ename"] == .string("TimeoutError"))
  }

  /// A timeout inside a long tensor kernel stops it through the runner's own cancellation token; the
  /// process-wide token, which other work in the process consults, is never touched.
  @Test func timeoutStopsAKernelWithoutCancellingOtherWork() throws {
    var options = NotebookRunner.Options()
    options.timeout = 0.2
    let (nb, ok) = try run(
      "# %%\nlet x = randn([256, 16, 64, 64])\nlet w = randn([16, 16, 3, 3])\nwhile true { x.conv2d(w, padding: 1) }\n",
      options: options)
    #expect(!ok)
    #expect(outputs(nb, 0)[0]["ename"] == .string("TimeoutError"))
    #expect(!Cancellation.shared.isRequested)
  }

  /// Issue #14: a single native call that outlives the timeout (here a 2000² orthogonal initialisation
  /// and a 4·10⁷-value randn, each one call) ends the cell as a TimeoutError, not a success, and the
  /// next statement does not run.
  @Test(arguments: ["orthogonal([2000, 2000])", "randn([40000000])", "\"ab\" * 20000000"])
  func timeoutOfOneLongNativeCallIsAnError(_ call: String) throws {
    var options = NotebookRunner.Options()
    options.timeout = 0.05
    let (nb, ok) = try run("# %%\nlet a = \(call)\nprint(\"after\")\n", options: options)
    #expect(!ok)
    #expect(outputs(nb, 0).count == 1)
    #expect(outputs(nb, 0).first?["ename"] == .string("TimeoutError"))
  }

  /// Issue #14: the timer of a timeout fires while one convolution keeps every thread of Dispatch's global
  /// pool busy (about 6 s in a debug build), and stops it within a few of its images.
  @Test func timeoutFiresDuringOneParallelKernel() throws {
    var options = NotebookRunner.Options()
    options.timeout = 0.2
    let started = Date()
    let (nb, ok) = try run(
      "# %%\nlet x = ones([2048, 16, 32, 32])\nlet y = x.conv2d(ones([32, 16, 5, 5]), padding: 2)\nprint(\"after\")\n",
      options: options)
    #expect(!ok)
    #expect(Date().timeIntervalSince(started) < 2)
    #expect(outputs(nb, 0).first?["ename"] == .string("TimeoutError"))
  }

  @Test func reRunsWithoutTimestampsAreByteIdentical() throws {
    var options = NotebookRunner.Options()
    options.timestamps = false
    let text = "# %%\nseed(1)\nprint(randn([3]))\n# %%\nfigure(width: 80, height: 60)\n"
    let a = IPYNBFormat.write(try run(text, options: options).0)
    let b = IPYNBFormat.write(try run(text, options: options).0)
    #expect(a == b)
    let stamped = try run(text).0
    #expect(stamped.cells[0].metadata["execution"]?["iopub.execute_input"]?.string != nil)
  }

  @Test func producedNotebooksPassTheOfficialSchema() throws {
    let python = try #require(
      NotebookValidator.pythonWithNbformat(), "nbformat is not importable (apt-get install python3-nbformat)")
    let (nb, _) = try run(
      "# %%\nprint(1)\n2\n# %%\nfigure(width: 80, height: 60)\n# %% [markdown]\n# hi\n# %%\nerror(\"x\")\n")
    let path = NSTemporaryDirectory() + "evo-nb-\(UUID().uuidString).ipynb"
    try IPYNBFormat.write(nb).write(toFile: path, atomically: true, encoding: .utf8)
    let message = try NotebookValidator.validate(path, python: python)
    #expect(message == nil, "\(message ?? "")")
  }
}

/// Validates notebooks with the official `nbformat` package through Python.
enum NotebookValidator {
  static func pythonWithNbformat() -> String? {
    ["/usr/bin/python3", "python3"].first { (try? runPython($0, ["-c", "import nbformat"]))?.0 == 0 }
  }

  /// nil when valid, else nbformat's message.
  static func validate(_ path: String, python: String) throws -> String? {
    let script =
      "import nbformat,sys\nnb=nbformat.read(sys.argv[1], as_version=4)\nnbformat.validate(nb)\nassert nb.nbformat_minor == 5\n"
    let (status, output) = try runPython(python, ["-c", script, path])
    return status == 0 ? nil : output
  }

  static func runPython(_ python: String, _ arguments: [String]) throws -> (Int32, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [python] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}
