import EvoNotebook
import EvoRuntime
import Foundation

/// A Jupyter kernel for Evo (messaging protocol 5.3 over ZeroMQ). Requests on the shell channel are
/// served one at a time on the calling thread, Evo code running on the session's large-stack thread;
/// the control channel (interrupt, shutdown, kernel info) and the heartbeat have threads of their own,
/// so an interrupt reaches code that runs forever. SIGINT interrupts too.
public final class Kernel: @unchecked Sendable {
  /// The two request channels: shell for everything, control for what must get through while code runs.
  enum Channel: String { case shell, control }

  let signer: MessageSigner
  /// This kernel's session id, in the header of every message it sends.
  let sessionID = UUID().uuidString.lowercased()
  let evo = KernelSession()
  /// Where problems with incoming messages and the kernel's own events are reported (stderr).
  let log: @Sendable (String) -> Void

  private let context: ZMQContext
  let shell: ZMQSocket
  private let control, stdin, heartbeat, iopub: ZMQSocket
  private let iopubLock = NSLock()
  private var interrupts: DispatchSourceSignal?

  /// The shell thread's state: the execution counter and the inputs run so far (for history requests).
  var executionCount = 0
  var history: [(line: Int, input: String, output: String?)] = []

  /// Binds the five sockets the connection file names.
  public init(connection: ConnectionInfo, log: @escaping @Sendable (String) -> Void = Kernel.standardErrorLog) throws {
    self.log = log
    signer = MessageSigner(key: connection.key)
    context = try ZMQContext()
    shell = try ZMQSocket(context, .router, bind: connection.endpoint(connection.shellPort))
    control = try ZMQSocket(context, .router, bind: connection.endpoint(connection.controlPort))
    stdin = try ZMQSocket(context, .router, bind: connection.endpoint(connection.stdinPort))
    iopub = try ZMQSocket(context, .pub, bind: connection.endpoint(connection.iopubPort))
    heartbeat = try ZMQSocket(context, .rep, bind: connection.endpoint(connection.heartbeatPort))
  }

  /// Writes a line to standard error, where Jupyter shows a kernel's log.
  public static let standardErrorLog: @Sendable (String) -> Void = { line in
    FileHandle.standardError.write(Data("[evo kernel] \(line)\n".utf8))
  }

  /// Serves requests until a shutdown request ends the process.
  public func run() -> Never {
    listenForSIGINT()
    startThread("heartbeat") { [heartbeat, log] in
      while true {
        do { try heartbeat.send(heartbeat.receive()) } catch { log("heartbeat: \(error)") }
      }
    }
    startThread("control") { [self] in serve(control, .control) }
    watchParentProcess()
    publish("status", ["execution_state": .string("starting")], parent: nil)
    log("listening (session \(sessionID))")
    serve(shell, .shell)
  }

  private func serve(_ socket: ZMQSocket, _ channel: Channel) -> Never {
    while true {
      do {
        serveOne(try socket.receive(), on: socket, channel)
      } catch {
        log("\(channel.rawValue): \(error)")
        Thread.sleep(forTimeInterval: 0.01)
      }
    }
  }

  /// Verifies and answers one received message.
  func serveOne(_ frames: [Data], on socket: ZMQSocket, _ channel: Channel) {
    if let request = accept(frames, channel) { serve(request, on: socket, channel) }
  }

  /// The verified message; malformed, unsigned or wrongly signed messages are logged and dropped (nil).
  func accept(_ frames: [Data], _ channel: Channel) -> WireMessage? {
    do {
      return try signer.parse(frames)
    } catch {
      log("rejected a message on the \(channel.rawValue) channel: \(error)")
      return nil
    }
  }

  /// Answers one request between `status: busy` and `status: idle` on iopub.
  func serve(_ request: WireMessage, on socket: ZMQSocket, _ channel: Channel) {
    publish("status", ["execution_state": .string("busy")], parent: request)
    handle(request, on: socket, channel)
    publish("status", ["execution_state": .string("idle")], parent: request)
  }

  /// Answers `request` on the socket it came from; the reply's type is the request's with `_reply`.
  func reply(to request: WireMessage, on socket: ZMQSocket, _ content: [String: JSONValue]) {
    let type =
      request.type.hasSuffix("_request") ? String(request.type.dropLast(8)) + "_reply" : request.type + "_reply"
    let message = WireMessage(type: type, session: sessionID, content: content, parent: request)
    do { try socket.send(signer.frames(message)) } catch { log("could not send \(type): \(error)") }
  }

  /// Broadcasts a message on iopub (any thread).
  func publish(_ type: String, _ content: [String: JSONValue], parent: WireMessage?) {
    var message = WireMessage(type: type, session: sessionID, content: content, parent: parent)
    message.identities = [Data("kernel.\(sessionID).\(type)".utf8)]
    iopubLock.lock()
    defer { iopubLock.unlock() }
    do { try iopub.send(signer.frames(message)) } catch { log("could not publish \(type): \(error)") }
  }

  /// Ends the process after the last replies had time to leave.
  func exitSoon() -> Never {
    evo.interrupt()
    Thread.sleep(forTimeInterval: 0.2)
    exit(0)
  }

  private func startThread(_ name: String, _ body: @escaping @Sendable () -> Void) {
    let thread = Thread(block: body)
    thread.name = "evo-kernel-\(name)"
    thread.start()
  }

  /// SIGINT (Jupyter's signal interrupt mode, or Ctrl-C in the terminal that started the kernel)
  /// interrupts the running code instead of ending the kernel.
  private func listenForSIGINT() {
    interrupts = InterruptSignal.handle { [evo, log] in
      log("SIGINT: interrupting")
      evo.interrupt()
    }
  }

  /// Leaves when the Jupyter process that started the kernel (`JPY_PARENT_PID`) is gone, so that no
  /// kernel outlives its frontend.
  private func watchParentProcess() {
    guard let text = ProcessInfo.processInfo.environment["JPY_PARENT_PID"], let parent = Int32(text), parent > 1 else {
      return
    }
    startThread("parent") { [log] in
      while getppid() == parent { Thread.sleep(forTimeInterval: 1) }
      log("the parent process \(parent) is gone; exiting")
      exit(0)
    }
  }
}
