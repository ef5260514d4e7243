import CReadline
import EvoLang
import EvoRuntime
import Foundation
import Synchronization

/// SIGINT while code runs stops it; at the prompt it discards the line being typed.
private let evaluating = Atomic<Bool>(false)
private let interruptedAtPrompt = Atomic<Bool>(false)
nonisolated(unsafe) private var activeSession: Session?

/// State readline's C callbacks reach.
nonisolated(unsafe) private var completer: ((String, String) -> [String])?
nonisolated(unsafe) private var completionLine = ""
nonisolated(unsafe) private var completionMatches: [String] = []
nonisolated(unsafe) private var completionIndex = 0
nonisolated(unsafe) private var pendingLine: String?
nonisolated(unsafe) private var lineReady = false
nonisolated(unsafe) private var endOfInput = false

private func handleSigint(_: Int32) {
  if evaluating.load(ordering: .relaxed) {
    activeSession?.interrupt()
  } else {
    interruptedAtPrompt.store(true, ordering: .relaxed)
  }
}

/// The interactive loop: readline on a terminal (history, completion, continuation prompts, Ctrl-C),
/// plain line reading otherwise.
struct REPL {
  let session: Session
  private var interpreter: Interpreter { session.interpreter }
  private let interactive = isatty(0) != 0
  private let historyPath = (ProcessInfo.processInfo.environment["HOME"] ?? ".") + "/.evo_history"

  init(session: Session) { self.session = session }

  func run() throws {
    installSignalHandler()
    activeSession = session
    if interactive {
      setUpReadline()
      print("Evo \(EvoCommand.configuration.version) — :help for commands, ?name for help on a name, Ctrl-D to quit")
    }
    var buffer = ""
    while true {
      let prompt = buffer.isEmpty ? "evo> " : "...> "
      guard let line = readLine(prompt: prompt) else {
        if interactive { print() }
        break
      }
      if line == nil as String? { continue }
      if interruptedAtPrompt.exchange(false, ordering: .relaxed) {
        buffer = ""
        continue
      }
      if buffer.isEmpty {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { continue }
        if trimmed.hasPrefix(":") {
          remember(trimmed)
          if try !meta(trimmed) { break }
          continue
        }
        if trimmed.hasPrefix("?") {
          remember(trimmed)
          print(interpreter.helpText(forName: String(trimmed.dropFirst()).trimmingCharacters(in: .whitespaces)))
          continue
        }
      }
      buffer += buffer.isEmpty ? line : "\n" + line
      let source = SourceFile(name: "<repl>", text: buffer)
      switch (try? session.perform { $0.parseStatus(source) }) ?? .incomplete {
      case .incomplete: continue
      case .invalid(let error):
        remember(buffer)
        session.report(error)
      case .complete:
        remember(buffer)
        evaluateAndShow(source)
      }
      buffer = ""
    }
  }

  private func evaluateAndShow(_ source: SourceFile) {
    evaluating.store(true, ordering: .relaxed)
    let (value, _) = session.evaluate(source)
    evaluating.store(false, ordering: .relaxed)
    if let value { session.showOnTerminal(value) }
  }

  /// Runs a `:command`; returns false to quit.
  private func meta(_ command: String) throws -> Bool {
    let parts = command.split(separator: " ", maxSplits: 1).map(String.init)
    let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
    switch parts[0] {
    case ":quit", ":q", ":exit": return false
    case ":help":
      print(
        """
        :help           this list
        :load FILE      run a file in this session
        :time EXPR      run code and print how long it took
        :reset          forget every variable and loaded module
        :quit           leave (or Ctrl-D)
        ?name           signature and documentation of a name (also help(name))
        Ctrl-C stops running code and keeps the session; at the prompt it clears the line.
        """)
    case ":load":
      guard let text = try? String(contentsOfFile: argument, encoding: .utf8) else {
        print("error: cannot read '\(argument)'")
        return true
      }
      evaluateAndShow(SourceFile(name: argument, text: text))
    case ":time":
      let start = DispatchTime.now().uptimeNanoseconds
      evaluateAndShow(SourceFile(name: "<repl>", text: argument))
      print(String(format: "time: %.3f s", Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
    case ":reset":
      interpreter.reset()
      print("session reset")
    default:
      print("unknown command \(parts[0]); :help lists the commands")
    }
    return true
  }

  // MARK: - Input

  private func installSignalHandler() {
    var action = sigaction()
    action.__sigaction_handler.sa_handler = handleSigint
    sigemptyset(&action.sa_mask)
    action.sa_flags = 0  // no SA_RESTART: a blocked poll() returns EINTR so the prompt can react
    sigaction(SIGINT, &action, nil)
    unblockTerminationSignals()
  }

  private func setUpReadline() {
    rl_catch_signals = 0
    rl_readline_name = UnsafePointer(strdup("evo"))
    rl_completer_word_break_characters = UnsafePointer(strdup(" \t\n\"'`@$><=;|&{(,[+-*/%!"))
    using_history()
    read_history(historyPath)
    let interp = interpreter
    completer = { text, line in Self.candidates(for: text, line: line, interpreter: interp) }
    rl_attempted_completion_function = { text, _, end in
      rl_attempted_completion_over = 1
      // After `value.member` no space is wanted; after a keyword or a name it usually is.
      if let text, strchr(text, Int32(UInt8(ascii: "."))) != nil { rl_completion_append_character = 0 }
      // The line up to the cursor: `g.layer(channels: 4).ch` is completed from more than its last word.
      completionLine =
        rl_line_buffer.map {
          String(decoding: UnsafeRawBufferPointer(start: $0, count: Int(end)), as: UTF8.self)
        } ?? ""
      return rl_completion_matches(text) { text, state in
        if state == 0 {
          completionMatches = completer?(text.map { String(cString: $0) } ?? "", completionLine) ?? []
          completionIndex = 0
        }
        guard completionIndex < completionMatches.count else { return nil }
        defer { completionIndex += 1 }
        return strdup(completionMatches[completionIndex])
      }
    }
  }

  /// Completions of `text`, the word before the cursor in `line` (the line up to the cursor): the
  /// REPL's `:commands`, or what `Interpreter.completions(of:line:)` offers.
  static func candidates(for text: String, line: String, interpreter: Interpreter) -> [String] {
    if text.hasPrefix(":") { return [":help", ":load", ":time", ":reset", ":quit"].filter { $0.hasPrefix(text) } }
    return interpreter.completions(of: text, line: line)
  }

  private func remember(_ entry: String) {
    guard interactive else { return }
    add_history(entry)
    if !FileManager.default.fileExists(atPath: historyPath) {
      _ = FileManager.default.createFile(atPath: historyPath, contents: nil)
    }
    append_history(1, historyPath)
  }

  /// The next line; nil at end of input. On a terminal, readline's callback interface is driven by a
  /// poll() loop so that Ctrl-C at the prompt can clear the line.
  private func readLine(prompt: String) -> String? {
    guard interactive else { return Swift.readLine(strippingNewline: true) }
    lineReady = false
    endOfInput = false
    rl_callback_handler_install(prompt) { line in
      if let line {
        pendingLine = String(cString: line)
        free(line)
      } else {
        endOfInput = true
      }
      lineReady = true
      rl_callback_handler_remove()
    }
    while !lineReady {
      var watch = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
      let ready = poll(&watch, 1, -1)
      if ready > 0 && watch.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 {
        // The terminal went away (window closed, tmux session killed): leave instead of spinning.
        rl_callback_handler_remove()
        return nil
      }
      if interruptedAtPrompt.load(ordering: .relaxed) {
        rl_free_line_state()
        rl_callback_sigcleanup()
        rl_replace_line("", 0)
        rl_crlf()
        rl_callback_handler_remove()
        return ""  // the caller sees the flag and drops any continuation lines
      }
      if ready > 0 { rl_callback_read_char() }
    }
    if endOfInput { return nil }
    return pendingLine ?? ""
  }
}
