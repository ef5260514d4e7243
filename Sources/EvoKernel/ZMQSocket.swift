import CZMQ
import Foundation

/// A failed ZeroMQ call, with libzmq's own description.
public struct ZMQError: Error, CustomStringConvertible, Sendable {
  public let description: String

  init(_ what: String) {
    description = "\(what): \(String(cString: zmq_strerror(zmq_errno())))"
  }
}

/// A ZeroMQ context: owns the I/O thread behind all of a kernel's sockets.
final class ZMQContext: @unchecked Sendable {
  let handle: UnsafeMutableRawPointer

  init() throws {
    guard let handle = zmq_ctx_new() else { throw ZMQError("zmq_ctx_new") }
    self.handle = handle
  }
}

/// One ZeroMQ socket. Like libzmq's, it is not thread-safe: one thread uses it at a time (the iopub
/// publisher serialises its senders with a lock).
final class ZMQSocket: @unchecked Sendable {
  enum Kind {
    case router, pub, rep

    var code: Int32 {
      switch self {
      case .router: return ZMQ_ROUTER
      case .pub: return ZMQ_PUB
      case .rep: return ZMQ_REP
      }
    }
  }

  private let handle: UnsafeMutableRawPointer

  /// A socket bound to `endpoint` (such as `tcp://127.0.0.1:5555`).
  init(_ context: ZMQContext, _ kind: Kind, bind endpoint: String) throws {
    guard let handle = zmq_socket(context.handle, kind.code) else { throw ZMQError("zmq_socket") }
    self.handle = handle
    var linger: Int32 = 1000
    zmq_setsockopt(handle, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
    guard zmq_bind(handle, endpoint) == 0 else {
      let error = ZMQError("cannot listen on \(endpoint)")
      zmq_close(handle)
      throw error
    }
  }

  deinit { zmq_close(handle) }

  /// Waits up to `milliseconds` (-1: forever) for a message; true when one is ready.
  func waitForInput(milliseconds: Int) -> Bool {
    var item = zmq_pollitem_t(socket: handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
    return zmq_poll(&item, 1, milliseconds) > 0 && item.revents & Int16(ZMQ_POLLIN) != 0
  }

  /// Receives every frame of the next multipart message, waiting for it. Interrupted waits (a signal)
  /// are retried.
  func receive() throws -> [Data] {
    var frames: [Data] = []
    while true {
      var message = zmq_msg_t()
      zmq_msg_init(&message)
      defer { zmq_msg_close(&message) }
      var size = zmq_msg_recv(&message, handle, 0)
      while size < 0 && zmq_errno() == EINTR { size = zmq_msg_recv(&message, handle, 0) }
      guard size >= 0 else { throw ZMQError("zmq_msg_recv") }
      frames.append(Data(bytes: zmq_msg_data(&message), count: Int(size)))
      if zmq_msg_more(&message) == 0 { return frames }
    }
  }

  /// Sends `frames` as one multipart message.
  func send(_ frames: [Data]) throws {
    for (index, frame) in frames.enumerated() {
      let flags = index < frames.count - 1 ? ZMQ_SNDMORE : 0
      var sent: Int32
      repeat {
        sent = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
      } while sent < 0 && zmq_errno() == EINTR
      guard sent >= 0 else { throw ZMQError("zmq_send") }
    }
  }
}
