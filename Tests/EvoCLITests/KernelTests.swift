import Foundation
import Testing

/// The Jupyter clients from Debian's packages (`.ci/run` installs them): a Python that imports
/// jupyter_client (python3-jupyter-client) and the `jupyter nbconvert` command (jupyter-nbconvert).
enum JupyterClients {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
  static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
    "kernel/kernel_client.py"
  ).path

  /// Debian's python3 first: a pyenv or venv python3 earlier on the PATH usually lacks jupyter_client.
  static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first { candidate in
    FileManager.default.isExecutableFile(atPath: candidate)
      && run(candidate, ["-c", "import jupyter_client, zmq"]).status == 0
  }

  /// A Python with PyPI's jupyter_kernel_test: `$EVO_KERNEL_TEST_PYTHON` (`.ci/run` makes a venv for it),
  /// or Debian's python3 if it has the package.
  static let kernelTestPython: String? = [
    ProcessInfo.processInfo.environment["EVO_KERNEL_TEST_PYTHON"], "/usr/bin/python3",
  ]
  .compactMap { $0 }.first { candidate in
    FileManager.default.isExecutableFile(atPath: candidate)
      && run(candidate, ["-c", "import jupyter_kernel_test"]).status == 0
  }

  static let nbconvert: String? = ["/usr/bin/jupyter-nbconvert", "/usr/local/bin/jupyter-nbconvert"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }

  /// Runs a program (with a five-minute limit, so that a hung kernel fails the test instead of CI).
  static func run(
    _ program: String, _ arguments: [String], environment extra: [String: String] = [:], directory: String? = nil
  )
    -> (status: Int32, out: String)
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
    process.arguments = ["300", program] + arguments
    process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe()
    process.standardOutput = out
    process.standardError = out
    do { try process.run() } catch { return (-1, "\(error)") }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }

  /// A scratch folder with the Evo kernelspec installed under it by `evo kernel install --prefix`, and
  /// the environment that makes Jupyter find it (and nothing of the user's).
  static func installKernel() throws -> (dir: String, environment: [String: String]) {
    let dir = try scratchDirectory()
    let install = try evo(
      ["kernel", "install", "--prefix", dir + "/prefix"], environment: ["EVO_STDLIB": repository + "/stdlib"])
    #expect(install.status == 0, "\(install.err)")
    return (
      dir,
      [
        "JUPYTER_PATH": dir + "/prefix/share/jupyter", "JUPYTER_RUNTIME_DIR": dir + "/runtime",
        "JUPYTER_CONFIG_DIR": dir + "/config", "JUPYTER_DATA_DIR": dir + "/data", "JUPYTER_PLATFORM_DIRS": "0",
      ]
    )
  }
}

/// `evo kernel` driven by Jupyter's real clients: each scenario of kernel/kernel_client.py checks one
/// group of messages through jupyter_client, and nbconvert executes the tour notebook.
@Suite struct KernelTests {
  private func scenario(_ name: String) throws {
    guard let python = JupyterClients.python else { return }
    let (dir, environment) = try JupyterClients.installKernel()
    let result = JupyterClients.run(
      python, [JupyterClients.script, name, dir + "/kernel.log"], environment: environment, directory: dir)
    let log = (try? String(contentsOfFile: dir + "/kernel.log", encoding: .utf8)) ?? ""
    #expect(result.status == 0 && result.out.contains("passed \(name)"), "\(result.out)\nkernel log:\n\(log)")
  }

  @Test(
    .enabled(
      if: JupyterClients.python != nil, "needs Debian's python3-jupyter-client (apt-get install python3-jupyter-client)"
    ))
  func everyMessageTypeThroughJupyterClient() throws { try scenario("messages") }

  @Test(
    .enabled(
      if: JupyterClients.python != nil, "needs Debian's python3-jupyter-client (apt-get install python3-jupyter-client)"
    ))
  func interruptsByMessageAndSIGINTKeepTheSession() throws { try scenario("interrupt") }

  @Test(
    .enabled(
      if: JupyterClients.python != nil, "needs Debian's python3-jupyter-client (apt-get install python3-jupyter-client)"
    ))
  func restartStartsAFreshKernel() throws { try scenario("restart") }

  @Test(
    .enabled(
      if: JupyterClients.python != nil, "needs Debian's python3-jupyter-client (apt-get install python3-jupyter-client)"
    ))
  func malformedUnsignedAndWronglySignedMessagesAreRefusedAndLogged() throws { try scenario("bad_input") }

  @Test(
    .enabled(
      if: JupyterClients.python != nil, "needs Debian's python3-jupyter-client (apt-get install python3-jupyter-client)"
    ))
  func kernelspecIsListedWithItsLogo() throws {
    guard let python = JupyterClients.python else { return }
    let (dir, environment) = try JupyterClients.installKernel()
    let list = JupyterClients.run(
      python,
      [
        "-c",
        "import json; from jupyter_client.kernelspec import KernelSpecManager as M; print(json.dumps(M().get_all_specs()))",
      ],
      environment: environment, directory: dir)
    #expect(list.status == 0, "\(list.out)")
    let specs = try JSONSerialization.jsonObject(with: Data(list.out.utf8)) as? [String: [String: Any]]
    let evo = specs?["evo"]?["spec"] as? [String: Any]
    #expect(evo?["display_name"] as? String == "Evo")
    #expect(evo?["language"] as? String == "evo")
    let folder = specs?["evo"]?["resource_dir"] as? String ?? ""
    let logo = FileManager.default.contents(atPath: folder + "/logo-64x64.png") ?? Data()
    #expect(logo.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
  }

  /// jupyter_kernel_test's standard suite (kernel/kernel_test_suite.py): every reply validated against
  /// the protocol's message schemas, plus its own execute, completion, history and inspect checks.
  @Test(
    .enabled(
      if: JupyterClients.kernelTestPython != nil, "needs jupyter_kernel_test from PyPI (set EVO_KERNEL_TEST_PYTHON)"))
  func jupyterKernelTestSuitePasses() throws {
    guard let python = JupyterClients.kernelTestPython else { return }
    var environment = try JupyterClients.installKernel().environment
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    let folder = URL(fileURLWithPath: JupyterClients.script).deletingLastPathComponent().path
    let result = JupyterClients.run(
      python, ["-m", "unittest", "-v", "kernel_test_suite"], environment: environment, directory: folder)
    #expect(result.status == 0 && result.out.contains("\nOK"), "\(result.out)")
  }

  /// nbconvert runs the tour (quick mode) through the installed kernelspec; every cell's outputs equal
  /// those `evo notebook run` records for the same notebook: text, values and pictures.
  @Test(
    .enabled(
      if: JupyterClients.nbconvert != nil, "needs Debian's jupyter-nbconvert (apt-get install jupyter-nbconvert)"))
  func nbconvertExecutesTheTourThroughTheKernel() throws {
    guard let nbconvert = JupyterClients.nbconvert else { return }
    let (dir, environment) = try JupyterClients.installKernel()
    let tour = try String(contentsOfFile: JupyterClients.repository + "/notebooks/01-tour.evo", encoding: .utf8)
    #expect(tour.contains("\nlet quick = false\n"))
    try tour.replacingOccurrences(of: "\nlet quick = false\n", with: "\nlet quick = true\n")
      .write(toFile: dir + "/tour.evo", atomically: true, encoding: .utf8)
    let stdlib = ["EVO_STDLIB": JupyterClients.repository + "/stdlib"]
    #expect(try evo(["notebook", "convert", "tour.evo", "-o", "tour.ipynb"], directory: dir).status == 0)
    let reference = try evo(
      ["notebook", "run", "tour.evo", "-o", "reference.ipynb", "--no-timestamps"], directory: dir, environment: stdlib)
    #expect(reference.status == 0, "\(reference.err)")
    let executed = JupyterClients.run(
      nbconvert,
      [
        "--to", "notebook", "--execute", "tour.ipynb", "--output", "executed.ipynb",
        "--ExecutePreprocessor.timeout=600",
      ],
      environment: environment, directory: dir)
    #expect(executed.status == 0, "\(executed.out)")

    let ran = try Self.codeCells(dir + "/executed.ipynb")
    let expected = try Self.codeCells(dir + "/reference.ipynb")
    #expect(ran.count == 7 && ran.count == expected.count)
    for (index, (cell, reference)) in zip(ran, expected).enumerated() {
      #expect(cell["execution_count"] as? Int == index + 1)
      #expect(Self.outputs(cell) == Self.outputs(reference), "cell \(index + 1)")
    }
    let all = ran.flatMap { Self.outputs($0) }
    #expect(all.filter { $0.hasPrefix("display_data image/png") }.count == 3)
    #expect(!all.contains { $0.hasPrefix("error") })
    #expect(all.contains { $0.contains("two-layer network:  test accuracy") })
  }

  private static func codeCells(_ path: String) throws -> [[String: Any]] {
    let data = FileManager.default.contents(atPath: path) ?? Data()
    let root = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    let cells = root?["cells"] as? [[String: Any]] ?? []
    return cells.filter { $0["cell_type"] as? String == "code" }
  }

  /// A cell's outputs as comparable lines: the type, then each MIME type's text (lists joined), with
  /// consecutive stream outputs merged.
  private static func outputs(_ cell: [String: Any]) -> [String] {
    func text(_ value: Any?) -> String {
      if let lines = value as? [String] { return lines.joined() }
      return value as? String ?? ""
    }
    var lines: [String] = []
    for output in cell["outputs"] as? [[String: Any]] ?? [] {
      let type = output["output_type"] as? String ?? "?"
      if type == "stream", let last = lines.last, last.hasPrefix("stream ") {
        lines[lines.count - 1] = last + text(output["text"])
      } else if type == "stream" {
        lines.append("stream " + text(output["text"]))
      } else if let data = output["data"] as? [String: Any] {
        lines += data.keys.sorted().map {
          "\(type) \($0) " + text(data[$0]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
      } else {
        lines.append("\(type) \(output["ename"] ?? "")")
      }
    }
    return lines
  }
}
