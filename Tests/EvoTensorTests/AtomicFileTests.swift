import Foundation
import Testing

@testable import EvoTensor

/// Issue #14: writing an output never damages what its path points at.
@Suite struct AtomicFileTests {
  func text(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

  @Test func aSymlinkIsFollowedAndStaysALink() throws {
    let dir = try temporaryFolder()
    try "old".write(toFile: "\(dir)/target", atomically: false, encoding: .utf8)
    try FileManager.default.createSymbolicLink(atPath: "\(dir)/link", withDestinationPath: "target")
    try FileManager.default.createSymbolicLink(atPath: "\(dir)/dangling", withDestinationPath: "made")
    try AtomicFile.write(Data("new".utf8), to: "\(dir)/link", op: "test")
    try AtomicFile.write(Data("made".utf8), to: "\(dir)/dangling", op: "test")
    #expect(text("\(dir)/target") == "new")
    #expect(text("\(dir)/made") == "made")
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "\(dir)/link") == "target")
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["dangling", "link", "made", "target"])
  }

  @Test func aDeviceIsWrittenDirectly() throws {
    try AtomicFile.write(Data("discarded".utf8), to: "/dev/null", op: "test")
    var info = stat()
    #expect(stat("/dev/null", &info) == 0)
    #expect(info.st_mode & S_IFMT == S_IFCHR)
  }

  @Test func aFIFOIsWrittenDirectly() throws {
    let dir = try temporaryFolder()
    #expect(mkfifo("\(dir)/fifo", 0o600) == 0)
    let reader = Thread {
      let fd = open("\(dir)/fifo", O_RDONLY)
      var buffer = [UInt8](repeating: 0, count: 16)
      _ = read(fd, &buffer, 16)
      close(fd)
    }
    reader.start()
    try AtomicFile.write(Data("through".utf8), to: "\(dir)/fifo", op: "test")
    var info = stat()
    #expect(stat("\(dir)/fifo", &info) == 0)
    #expect(info.st_mode & S_IFMT == S_IFIFO)
  }

  @Test func theModeIsKept() throws {
    let dir = try temporaryFolder()
    try "old".write(toFile: "\(dir)/secret", atomically: false, encoding: .utf8)
    chmod("\(dir)/secret", 0o600)
    try AtomicFile.write(Data("new".utf8), to: "\(dir)/secret", op: "test")
    var info = stat()
    #expect(stat("\(dir)/secret", &info) == 0)
    #expect(info.st_mode & 0o777 == 0o600)
    #expect(text("\(dir)/secret") == "new")
  }

  @Test(.enabled(if: getuid() != 0)) func aReadOnlyFileIsRefused() throws {
    let dir = try temporaryFolder()
    try "keep".write(toFile: "\(dir)/ro", atomically: false, encoding: .utf8)
    chmod("\(dir)/ro", 0o444)
    let error = #expect(throws: FileWriteError.self) {
      try AtomicFile.write(Data("x".utf8), to: "\(dir)/ro", op: "test")
    }
    #expect(error?.reason == "Permission denied")
    #expect(text("\(dir)/ro") == "keep")
  }

  @Test func aNulInThePathIsRefused() throws {
    let dir = try temporaryFolder()
    let error = #expect(throws: FileWriteError.self) {
      try AtomicFile.write(Data("x".utf8), to: "\(dir)/q\0zz.st", op: "save_tensors")
    }
    #expect(error?.reason == "the path contains a NUL byte")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
  }

  @Test func errorsNameTheRealPathAndTheReason() throws {
    let dir = try temporaryFolder()
    let error = #expect(throws: FileWriteError.self) { try AtomicFile.write(Data("x".utf8), to: dir, op: "save_png") }
    #expect(error?.description == "save_png: cannot write \(dir): Is a directory")
  }

  @Test func temporariesOfDeadRunsAreRemoved() throws {
    let dir = try temporaryFolder()
    // A pid above the kernel's maximum never runs.
    let stale = "\(dir)/.out.st.evo-tmp-2147483600-1"
    FileManager.default.createFile(atPath: stale, contents: Data(count: 1000))
    try AtomicFile.write(Data("x".utf8), to: "\(dir)/out.st", op: "test")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.st"])
  }

  @Test func aFailedProducerLeavesNothingBehind() throws {
    let dir = try temporaryFolder()
    struct Failure: Error {}
    #expect(throws: Failure.self) {
      try AtomicFile.write(to: "\(dir)/out", op: "test") { temp in
        FileManager.default.createFile(atPath: temp, contents: Data("partial".utf8))
        throw Failure()
      }
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
  }

  @Test func theSameFileIsRecognisedThroughLinks() throws {
    let dir = try temporaryFolder()
    try "x".write(toFile: "\(dir)/a", atomically: false, encoding: .utf8)
    try FileManager.default.createSymbolicLink(atPath: "\(dir)/b", withDestinationPath: "\(dir)/a")
    #expect(throws: FileWriteError.self) {
      try AtomicFile.refuseOverwriting(input: "\(dir)/a", output: "\(dir)/b", op: "t")
    }
    try AtomicFile.refuseOverwriting(input: "\(dir)/a", output: "\(dir)/c", op: "t")
  }
}
