import Foundation
import Testing

/// The REPL on a real terminal: tmux runs `evo`, send-keys types, capture-pane reads the screen.
final class TmuxSession {
  let name = "evo-test-" + UUID().uuidString.prefix(8)
  let home: String

  init() throws {
    home = NSTemporaryDirectory() + "evo-home-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
    try tmux(["new-session", "-d", "-s", name, "-x", "120", "-y", "40", "env", "HOME=\(home)", evoPath])
    try waitFor("evo>")
  }

  deinit { _ = try? tmux(["kill-session", "-t", name]) }

  /// Runs a tmux command; its output is read only for `capture-pane` (a tmux server started by
  /// `new-session` would otherwise hold the pipe open forever).
  @discardableResult
  func tmux(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["tmux"] + arguments
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    let capture = arguments.first == "capture-pane"
    let out = Pipe()
    process.standardOutput = capture ? out : FileHandle.nullDevice
    try process.run()
    let data = capture ? out.fileHandleForReading.readDataToEndOfFile() : Data()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
  }

  func type(_ keys: String...) throws { try tmux(["send-keys", "-t", name] + keys) }

  var screen: String { (try? tmux(["capture-pane", "-p", "-t", name])) ?? "" }

  /// Waits up to 10 s for `text` to appear `count` times on the screen (tmux trims trailing spaces).
  func waitFor(_ text: String, count: Int = 1) throws {
    for _ in 0..<200 {
      if screen.components(separatedBy: text).count - 1 >= count { return }
      Thread.sleep(forTimeInterval: 0.05)
    }
    Issue.record("timed out waiting for \(text.debugDescription); screen:\n\(screen)")
  }
}

let hasTmux = FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux")

@Suite(.serialized, .enabled(if: hasTmux, "tmux is not installed")) struct TerminalTests {
  @Test func ctrlCInterruptsAnInfiniteLoopAndKeepsVariables() throws {
    let t = try TmuxSession()
    try t.type("let answer = 41", "Enter")
    try t.type("while true { }", "Enter")
    Thread.sleep(forTimeInterval: 0.5)
    try t.type("C-c")
    try t.waitFor("interrupted")
    try t.type("answer + 1", "Enter")
    try t.waitFor("42")
  }

  @Test func continuationPromptForUnfinishedInput() throws {
    let t = try TmuxSession()
    try t.type("fn twice(x) {", "Enter")
    try t.waitFor("...>")
    try t.type("x * 2", "Enter")
    try t.type("}", "Enter")
    try t.type("twice(21)", "Enter")
    try t.waitFor("42")
  }

  @Test func tabCompletesGlobalsAndMembers() throws {
    let t = try TmuxSession()
    try t.type("let learning_rate = 0.5", "Enter")
    try t.type("learn", "Tab")
    try t.type("* 4", "Enter")  // completion appends the space
    try t.waitFor("2")
    #expect(t.screen.contains("learning_rate * 4"))
    try t.type("let word = \"abc\"", "Enter")
    try t.type("word.upp", "Tab")
    try t.type("()", "Enter")
    try t.waitFor("\"ABC\"")
  }

  @Test func ctrlCAtThePromptClearsTheLineAndCtrlDExits() throws {
    let t = try TmuxSession()
    try t.type("this line is abandoned")
    try t.type("C-c")
    try t.waitFor("evo>", count: 2)
    try t.type("1 + 1", "Enter")
    try t.waitFor("2")
    #expect(!t.screen.contains("SyntaxError"))
    try t.type("C-d")
    Thread.sleep(forTimeInterval: 0.5)
    #expect(t.screen.isEmpty || !t.screen.contains("evo> 1 + 1\n2\nevo> \n"), "the session should have ended")
  }

  @Test func historyIsSavedAcrossSessions() throws {
    let t = try TmuxSession()
    try t.type("let remembered = 7", "Enter")
    try t.type("C-d")
    Thread.sleep(forTimeInterval: 0.5)
    let history = try String(contentsOfFile: t.home + "/.evo_history", encoding: .utf8)
    #expect(history.contains("let remembered = 7"))
  }
}
