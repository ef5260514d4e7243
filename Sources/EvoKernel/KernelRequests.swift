import EvoNotebook
import Foundation

/// The request handlers: one per message type of the messaging protocol that Evo serves.
extension Kernel {
  /// Answers one verified request. Requests that touch the session are served on the shell channel
  /// only (the control channel's thread runs beside executing code).
  func handle(_ request: WireMessage, on socket: ZMQSocket, _ channel: Channel) {
    switch request.type {
    case "kernel_info_request":
      reply(to: request, on: socket, Self.kernelInfo)
    case "interrupt_request":
      log("interrupt requested")
      evo.interrupt()
      reply(to: request, on: socket, ["status": .string("ok")])
    case "shutdown_request":
      let restart = request.content["restart"] == .bool(true)
      reply(to: request, on: socket, ["status": .string("ok"), "restart": .bool(restart)])
      publish("status", ["execution_state": .string("idle")], parent: request)
      log(restart ? "shutting down to restart" : "shutting down")
      exitSoon()
    case _ where channel == .control:
      log("\(request.type) is not served on the control channel")
      reply(to: request, on: socket, Self.error("\(request.type) is not served on the control channel"))
    case "execute_request":
      execute(request, on: socket)
    case "is_complete_request":
      isComplete(request, on: socket)
    case "complete_request":
      complete(request, on: socket)
    case "inspect_request":
      inspect(request, on: socket)
    case "history_request":
      reply(to: request, on: socket, ["status": .string("ok"), "history": .array(historyRows(request.content))])
    case "comm_info_request":
      reply(to: request, on: socket, ["status": .string("ok"), "comms": .object([:])])
    case "comm_open":
      // Evo has no comm targets: close the comm at once, as the protocol asks of unknown targets.
      let id = request.content["comm_id"] ?? .string("")
      publish("comm_close", ["comm_id": id, "data": .object([:])], parent: request)
    case "comm_msg", "comm_close":
      break
    default:
      log("unknown message type \(request.type); ignored")
    }
  }

  static let kernelInfo: [String: JSONValue] = [
    "status": .string("ok"),
    "protocol_version": .string(WireMessage.protocolVersion),
    "implementation": .string("evo"),
    "implementation_version": .string("0.1.0"),
    "language_info": IPYNBFormat.evoMetadata["language_info"].map { info -> JSONValue in
      guard case .object(var fields) = info else { return info }
      fields["version"] = .string("0.1.0")
      fields["pygments_lexer"] = .string("text")
      return .object(fields)
    } ?? .object([:]),
    "banner": .string("Evo 0.1.0: tensors, layer graphs and plots for evolving normalization-activation layers"),
    "help_links": .array([]),
  ]

  /// An error reply's content.
  static func error(_ message: String, name: String = "BadRequest", traceback: [String] = []) -> [String: JSONValue] {
    [
      "status": .string("error"), "ename": .string(name), "evalue": .string(message),
      "traceback": .array(traceback.map(JSONValue.string)),
    ]
  }

  // MARK: - Execution

  private func execute(_ request: WireMessage, on socket: ZMQSocket) {
    guard let code = request.content["code"]?.string else {
      reply(to: request, on: socket, Self.error("execute_request without a code string"))
      return
    }
    let silent = request.content["silent"] == .bool(true)
    let storeHistory = !silent && request.content["store_history"] != .bool(false)
    if storeHistory { executionCount += 1 }
    let count = executionCount
    if !silent { publish("execute_input", ["code": .string(code), "execution_count": .int(count)], parent: request) }
    let outcome = evo.execute(
      code, name: "In[\(count)]",
      text: { [self] text in
        publish("stream", ["name": .string("stdout"), "text": .string(text)], parent: request)
      },
      shown: { [self] shown in
        publish(
          "display_data", ["data": .object(shown.data), "metadata": .object([:]), "transient": .object([:])],
          parent: request)
      })
    switch outcome {
    case .success(let result):
      if let result, !silent {
        if result.isPicture {
          publish(
            "display_data", ["data": .object(result.data), "metadata": .object([:]), "transient": .object([:])],
            parent: request)
        } else {
          publish(
            "execute_result", ["execution_count": .int(count), "data": .object(result.data), "metadata": .object([:])],
            parent: request)
        }
      }
      if storeHistory { history.append((count, code, result?.data["text/plain"]?.string)) }
      reply(
        to: request, on: socket,
        [
          "status": .string("ok"), "execution_count": .int(count), "payload": .array([]),
          "user_expressions": .object(userExpressions(request.content["user_expressions"])),
        ])
    case .failure(let failure):
      if storeHistory { history.append((count, code, nil)) }
      let error: [String: JSONValue] = [
        "ename": .string(failure.name), "evalue": .string(failure.message),
        "traceback": .array(failure.traceback.map(JSONValue.string)),
      ]
      publish("error", error, parent: request)
      // Before the reply: what is queued now was sent before the frontend could know of the error.
      if request.content["stop_on_error"] != .bool(false) { abortQueuedExecutions() }
      reply(
        to: request, on: socket, error.merging(["status": .string("error"), "execution_count": .int(count)]) { $1 })
    }
  }

  /// `user_expressions`: each expression's value as a MIME bundle, or its error.
  private func userExpressions(_ expressions: JSONValue?) -> [String: JSONValue] {
    guard case .object(let named)? = expressions else { return [:] }
    var results: [String: JSONValue] = [:]
    for (name, expression) in named {
      guard let code = expression.string else { continue }
      switch evo.execute(code, name: "<user_expressions>", text: { _ in }, shown: { _ in }) {
      case .success(let shown):
        results[name] = .object([
          "status": .string("ok"), "data": .object(shown?.data ?? ["text/plain": .string("nil")]),
          "metadata": .object([:]),
        ])
      case .failure(let failure):
        results[name] = .object(Self.error(failure.message, name: failure.name, traceback: failure.traceback))
      }
    }
    return results
  }

  /// After a failed cell, execute requests queued while it ran are answered `aborted` instead of run
  /// (the frontend asked to stop on error); other queued requests are served as usual.
  private func abortQueuedExecutions() {
    while shell.waitForInput(milliseconds: 0), let frames = try? shell.receive() {
      guard let request = accept(frames, .shell) else { continue }
      guard request.type == "execute_request" else {
        serve(request, on: shell, .shell)
        continue
      }
      publish("status", ["execution_state": .string("busy")], parent: request)
      reply(to: request, on: shell, ["status": .string("aborted"), "execution_count": .int(executionCount)])
      publish("status", ["execution_state": .string("idle")], parent: request)
    }
  }

  // MARK: - Editing help

  private func isComplete(_ request: WireMessage, on socket: ZMQSocket) {
    guard let code = request.content["code"]?.string else {
      reply(to: request, on: socket, ["status": .string("unknown")])
      return
    }
    switch evo.parseStatus(code) {
    case .complete: reply(to: request, on: socket, ["status": .string("complete")])
    case .invalid: reply(to: request, on: socket, ["status": .string("invalid")])
    case .incomplete:
      reply(
        to: request, on: socket, ["status": .string("incomplete"), "indent": .string(CodeCursor.indent(after: code))])
    }
  }

  private func complete(_ request: WireMessage, on socket: ZMQSocket) {
    let code = request.content["code"]?.string ?? ""
    let cursor =
      request.content["cursor_pos"].flatMap { if case .int(let n) = $0 { n } else { nil } } ?? code.unicodeScalars.count
    let (start, typed) = CodeCursor.pathBefore(cursor, in: code)
    let line = String(String.UnicodeScalarView(code.unicodeScalars.prefix(start + typed.unicodeScalars.count)))
    let matches = typed.isEmpty ? [] : evo.completions(of: typed, line: line)
    reply(
      to: request, on: socket,
      [
        "status": .string("ok"), "matches": .array(matches.map(JSONValue.string)),
        "cursor_start": .int(start), "cursor_end": .int(start + typed.unicodeScalars.count), "metadata": .object([:]),
      ])
  }

  private func inspect(_ request: WireMessage, on socket: ZMQSocket) {
    let code = request.content["code"]?.string ?? ""
    let cursor =
      request.content["cursor_pos"].flatMap { if case .int(let n) = $0 { n } else { nil } } ?? code.unicodeScalars.count
    let name = CodeCursor.pathAround(cursor, in: code)
    guard !name.isEmpty, let help = evo.help(for: name) else {
      reply(
        to: request, on: socket,
        ["status": .string("ok"), "found": .bool(false), "data": .object([:]), "metadata": .object([:])])
      return
    }
    reply(
      to: request, on: socket,
      [
        "status": .string("ok"), "found": .bool(true), "data": .object(["text/plain": .string(help)]),
        "metadata": .object([:]),
      ])
  }

  // MARK: - History

  /// The rows a history request asks for, from this session (session number 1): `tail` (the last n),
  /// `range` (lines start..<stop) or `search` (a glob pattern, optionally unique, the last n).
  private func historyRows(_ content: [String: JSONValue]) -> [JSONValue] {
    func int(_ key: String) -> Int? { if case .int(let n)? = content[key] { n } else { nil } }
    let withOutput = content["output"] == .bool(true)
    var rows = history
    switch content["hist_access_type"]?.string ?? "tail" {
    case "range":
      let start = int("start") ?? 1
      let stop = int("stop") ?? Int.max
      rows = rows.filter { $0.line >= start && $0.line < stop }
    case "search":
      let pattern = content["pattern"]?.string ?? "*"
      rows = rows.filter { fnmatch(pattern, $0.input, 0) == 0 }
      if content["unique"] == .bool(true) {
        var seen = Set<String>()
        rows = rows.reversed().filter { seen.insert($0.input).inserted }.reversed()
      }
      if let n = int("n") { rows = Array(rows.suffix(max(0, n))) }
    default:
      rows = Array(rows.suffix(max(0, int("n") ?? 10)))
    }
    return rows.map { row in
      let input: JSONValue =
        withOutput ? .array([.string(row.input), row.output.map(JSONValue.string) ?? .null]) : .string(row.input)
      return .array([.int(1), .int(row.line), input])
    }
  }
}
