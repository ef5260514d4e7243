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

  deinit { _ = try? tmux(["kill-server"]) }

  /// Runs a tmux command on this test's own tmux server (`-L`), returning its standard output.
  /// It is spawned with an empty signal mask and default dispositions: test-runner threads block
  /// signals, and a tmux server (and the evo it starts) inheriting that mask would hang or never die.
  @discardableResult
  func tmux(_ arguments: [String]) throws -> String {
    let output = NSTemporaryDirectory() + "evo-tmux-out-" + UUID().uuidString
    defer { unlink(output) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t()
    var all = sigset_t()
    sigemptyset(&empty)
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &empty)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let argv = (["tmux", "-L", name] + arguments).map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    var pid = pid_t()
    guard posix_spawnp(&pid, "tmux", &actions, &attributes, argv, environ) == 0 else {
      throw CocoaError(.executableNotLoadable)
    }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
  }

  func type(_ keys: String...) throws { try tmux(["send-keys", "-t", name] + keys) }

  /// Runs `line` and presses Ctrl-C every half second until the interruption is reported. On a busy
  /// machine a Ctrl-C can come before the REPL starts running the line; it then only clears the
  /// prompt (a new prompt appears without the report), and the line is typed again.
  func interrupt(_ line: String) throws {
    var prompts = count("evo>")
    try type(line, "Enter")
    for _ in 0..<20 {
      Thread.sleep(forTimeInterval: 0.5)
      if screen.contains("interrupted") { return }
      if count("evo>") > prompts {
        prompts = count("evo>")
        try type(line, "Enter")
      } else {
        try type("C-c")
      }
    }
    try waitFor("interrupted")
  }

  /// How many times `text` is on the screen.
  func count(_ text: String) -> Int { screen.components(separatedBy: text).count - 1 }

  var screen: String { (try? tmux(["capture-pane", "-p", "-t", name])) ?? "" }

  /// Waits up to 10 s for `text` to appear `count` times on the screen (tmux trims trailing spaces).
  func waitFor(_ text: String, count: Int = 1) throws {
    for _ in 0..<200 {
      if self.count(text) >= count { return }
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
    try t.interrupt("while true { }")
    try t.type("answer + 1", "Enter")
    try t.waitFor("42")
  }

  /// Issue #14: Ctrl-C during one long native statement (a chain of 3000² products, a 4000² orthogonal
  /// initialisation: seconds each) stops it; its variable stays unbound and the session keeps the others.
  @Test(arguments: ["a @ a @ a @ a @ a @ a @ a @ a", "orthogonal([4000, 4000])"])
  func ctrlCStopsOneLongNativeStatement(_ expression: String) throws {
    let t = try TmuxSession()
    try t.type("let a = randn([3000, 3000])", "Enter")
    try t.waitFor("evo>", count: 2)
    try t.interrupt("let b = \(expression)")
    try t.type("b", "Enter")
    try t.waitFor("NameError")
    try t.type("a.shape", "Enter")
    try t.waitFor("[3000, 3000]")
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

  @Test func tabCompletesMembersAfterACallWithoutRunningIt() throws {
    let t = try TmuxSession()
    // A builtin declared to return a Layer: its members, exactly.
    try t.type("layers.evonorm_b0.layer(channels: 4).chan", "Tab")
    try t.type("Enter")
    try t.waitFor("4")
    #expect(t.screen.contains("layers.evonorm_b0.layer(channels: 4).channels"))
    // An Evo function's result is unknown before it runs: every type's members are offered, and the
    // function is not called while completing.
    try t.type("fn side() { print(\"RAN\" + \"NOW\"); \"abc\" }", "Enter")
    try t.type("side().upp", "Tab")
    Thread.sleep(forTimeInterval: 0.5)
    #expect(!t.screen.contains("RANNOW"))
    try t.type("()", "Enter")
    try t.waitFor("\"ABC\"")
    #expect(t.screen.contains("RANNOW"))  // now it ran
    #expect(t.screen.contains("side().upper()"))
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

  @Test func closingTheTerminalEndsTheREPL() throws {
    let t = try TmuxSession()
    try t.type("let unfinished = [1,")
    let pid =
      pid_t(
        try t.tmux(["list-panes", "-t", t.name, "-F", "#{pane_pid}"]).trimmingCharacters(in: .whitespacesAndNewlines))
      ?? 0
    #expect(pid > 0)
    try t.tmux(["kill-session", "-t", t.name])
    // Running means present and not a zombie (in a container nobody may reap it).
    func running() -> Bool {
      guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { return false }
      return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }
    var alive = true
    for _ in 0..<100 where alive {
      Thread.sleep(forTimeInterval: 0.05)
      alive = running()
    }
    #expect(!alive, "evo kept running after its terminal closed")
    if alive { kill(pid, SIGKILL) }
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
