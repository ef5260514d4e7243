import ArgumentParser
import EvoKernel
import EvoRuntime
import Foundation

/// `evo kernel --connection-file F` (what Jupyter starts) and `evo kernel install`.
struct KernelCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "kernel", abstract: "Serve Evo to Jupyter (JupyterLab, VS Code, nbconvert) as a kernel.",
    discussion: "Jupyter starts the kernel with a connection file; run `evo kernel install --user` once first.",
    subcommands: [KernelInstallCommand.self])

  @Option(help: "The connection file Jupyter wrote (ports and signing key).") var connectionFile: String?

  func run() throws {
    guard let connectionFile else { throw ValidationError("--connection-file is required (Jupyter passes it)") }
    let kernel: Kernel
    do {
      kernel = try Kernel(connection: ConnectionInfo(file: connectionFile))
    } catch {
      throw fail("\(error)")
    }
    kernel.run()
  }
}

/// `evo kernel install [--user | --prefix P]`: writes the kernelspec that starts this `evo`.
struct KernelInstallCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "install", abstract: "Install the Evo kernelspec so that Jupyter lists and starts Evo.")

  @Flag(help: "Install for the current user (the Jupyter data folder under ~/.local/share).") var user = false
  @Option(help: "Install under PREFIX/share/jupyter (a virtual environment, a test folder).") var prefix: String?

  func validate() throws {
    if user && prefix != nil { throw ValidationError("--user and --prefix exclude each other") }
  }

  func run() throws {
    let folder = KernelSpec.folder(user: user, prefix: prefix)
    let executable =
      (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
      ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    do {
      let stdlib = EvoRuntime.stdlibFolders().first.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
      try KernelSpec.install(into: folder, executable: executable, stdlib: stdlib)
    } catch {
      throw fail("cannot install the kernelspec in \(folder): \(error)")
    }
    print("installed the Evo kernelspec in \(folder)")
  }
}
