import EvoLang
import EvoRuntime
import Foundation

/// `evo-bench lang`: the interpreter on scalar code next to CPython and Lua 5.4 (same programs, in
/// bench/lang/, timed inside each interpreter so start-up is excluded), plus `evo` start-up time.
struct LangSuite {
  let baseline: Baseline
  let quick: Bool

  static let rows: [(file: String, title: String)] = [
    ("fib", "fib(30), naive recursion"),
    ("loop", "while loop summing 10^7 numbers"),
    ("list", "build a 10^6-element list"),
    ("strings", "build and join 2·10^5 strings"),
    ("methods", "10^6 method calls on an instance"),
  ]

  func run() throws {
    let folder = Baseline.benchFolder + "/lang"
    // Best of five: this kind of shared machine swings by ±30% from run to run.
    let repeats = quick ? 1 : 5
    let hasLua = (try? Baseline.run("lua5.4", ["-v"]))?.status == 0
    print(
      "evo-bench lang — \(Machine.model), release build; best of \(repeats); baselines: \(baseline.python)\(hasLua ? ", lua5.4" : " (no lua5.4 installed)")"
    )
    var table = Table(["program", "Evo s", "CPython s", "Lua s", "vs CPython", "vs Lua"])
    var result = "RESULT"
    for (file, title) in Self.rows {
      let text = try String(contentsOfFile: "\(folder)/\(file).evo", encoding: .utf8)
      let evo = try evoSeconds(text, file: "\(file).evo", repeats: repeats)
      let python = Baseline.values(
        of: baseline.python, ["\(folder)/time_python.py", "\(folder)/\(file).py", "\(repeats)"])?["seconds"]
      let lua = hasLua ? luaSeconds("\(folder)/\(file).lua", repeats: repeats) : nil
      table.add([
        title, format(evo, 3), python.map { format($0, 3) } ?? "-", lua.map { format($0, 3) } ?? "-",
        python.map { format($0 / evo, 2) } ?? "-", lua.map { format($0 / evo, 2) } ?? "-",
      ])
      if file == "fib" { result += " fib30_speedup_vs_python=" + (python.map { format($0 / evo, 3) } ?? "nan") }
      if file == "loop" { result += " loop_speedup_vs_python=" + (python.map { format($0 / evo, 3) } ?? "nan") }
    }
    // Tensor-op call overhead: 10^6 adds of two 4-element tensors (the Python baseline uses the
    // interpreter named by --python / EVO_BENCH_PYTHON, with torch and/or numpy).
    let callText = try String(contentsOfFile: "\(folder)/tensor_calls.evo", encoding: .utf8)
    let callSeconds = try evoSeconds(callText, file: "tensor_calls.evo", repeats: repeats, runtime: true)
    let evoNs = callSeconds * 1e9 / 1e6
    let pythonCalls = Baseline.values(of: baseline.python, ["\(folder)/tensor_calls.py"]) ?? [:]
    print(
      "tensor op call overhead (ns per a + b on 4-element tensors): Evo \(format(evoNs, 0))"
        + (pythonCalls["torch_ns"].map { ", Python+torch \(format($0, 0))" } ?? ", no torch")
        + (pythonCalls["numpy_ns"].map { ", Python+numpy \(format($0, 0))" } ?? ", no numpy"))
    result += " tensor_call_ns=\(format(evoNs, 0))"
    result += " tensor_call_speedup_vs_torch=" + (pythonCalls["torch_ns"].map { format($0 / evoNs, 3) } ?? "nan")
    let startup = startupMilliseconds()
    table.add(["evo start-up to prompt (ms)", startup.map { format($0, 1) } ?? "-", "-", "-", "-", "-"])
    table.print()
    print(result + " startup_ms=" + (startup.map { format($0, 1) } ?? "nan"))
  }

  /// Best time of a program in a fresh interpreter, timed as `time_python.py` times CPython's `exec`:
  /// the interpreter is built before the clock starts, and the program's globals are released before
  /// it stops. One warm-up run first.
  private func evoSeconds(_ text: String, file: String, repeats: Int, runtime: Bool = false) throws -> Double {
    var best = Double.infinity
    for run in 0...max(repeats, 1) {
      let session = Session(runtime: runtime)
      let source = SourceFile(name: file, text: text)
      let start = DispatchTime.now().uptimeNanoseconds
      _ = try session.perform { vm in
        try vm.run(source)
        vm.reset()
      }
      if run > 0 { best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
    }
    return best
  }

  private func luaSeconds(_ path: String, repeats: Int) -> Double? {
    let code =
      "local best = math.huge for _ = 1, \(repeats) do local t = os.clock() dofile('\(path)') best = math.min(best, os.clock() - t) end print('seconds=' .. best)"
    return Baseline.values(of: "lua5.4", ["-e", code])?["seconds"]
  }

  /// Wall time of `evo` starting, reaching its prompt loop and exiting at end of input, best of 5.
  private func startupMilliseconds() -> Double? {
    let exe = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("evo")
      .path
    guard FileManager.default.isExecutableFile(atPath: exe) else { return nil }
    var best = Double.infinity
    for _ in 0..<5 {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: exe)
      process.standardInput = FileHandle.nullDevice
      process.standardOutput = FileHandle.nullDevice
      let start = DispatchTime.now().uptimeNanoseconds
      guard (try? process.run()) != nil else { return nil }
      process.waitUntilExit()
      best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    return best
  }
}
