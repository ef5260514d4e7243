// swift-tools-version: 6.0
import Foundation
import PackageDescription

/// Release builds of the numeric targets use AVX2 and FMA when the machine building them has them
/// (like `-march=native`): the fused layer kernels and element-wise loops run twice as wide. Set
/// EVO_PORTABLE_BUILD=1 to build a binary for any x86-64.
let nativeVectorFlags: [SwiftSetting] = {
  #if arch(x86_64) && os(Linux)
    guard ProcessInfo.processInfo.environment["EVO_PORTABLE_BUILD"] == nil,
      let cpu = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
      cpu.contains(" avx2"), cpu.contains(" fma")
    else { return [] }
    return [.unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .release))]
  #else
    return []
  #endif
}()

/// Evo: a notebook-style research environment for evolving normalization-activation layers.
/// Module layering (dependencies point down only) is described in README.md.
let package = Package(
  name: "Evo",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "evo", targets: ["evo"]),
    .executable(name: "evo-bench", targets: ["evo-bench"]),
    .library(name: "EvoTensor", targets: ["EvoTensor"]),
    .library(name: "EvoLang", targets: ["EvoLang"]),
    .library(name: "EvoGraph", targets: ["EvoGraph"]),
    .library(name: "EvoNotebook", targets: ["EvoNotebook"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/JohnSundell/Ink", from: "0.6.0"),
    .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
  ],
  targets: [
    .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
    .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
    .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
    .systemLibrary(name: "CReadline", path: "Sources/CReadline"),
    .systemLibrary(name: "CCairo", path: "Sources/CCairo"),
    .target(name: "EvoLimits", exclude: ["README.md"]),
    .systemLibrary(name: "CZMQ", path: "Sources/CZMQ"),
    // The PostgreSQL search store's client. The store protocol is synchronous and called from the
    // interpreter's thread; libpq is the reference client, synchronous, and costs no build time, whereas
    // postgres-nio is async (EventLoop threads per worker, async-to-sync bridging) and adds 2.5-4.5 min to
    // every CI build.
    .systemLibrary(
      name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
    .target(
      name: "EvoTensor",
      dependencies: ["EvoLimits", "CBLAS", "CPNG", "CZlib"],
      exclude: ["README.md"],
      swiftSettings: nativeVectorFlags
    ),
    .target(
      name: "EvoLang",
      dependencies: ["EvoLimits"],
      exclude: ["README.md"],
      // Dynamic exclusivity checks cost ~10% of interpreter time (measured on fib(30)); the interpreter
      // never holds overlapping accesses to its own state. Reference counts in this module are not
      // atomic: Evo values belong to the interpreter's thread (hosts hand them over only while it waits,
      // as LargeStack does), and atomic retains were a third of fib(30)'s time (0.58 s -> 0.35 s).
      swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked", "-Xfrontend", "-assume-single-threaded"], .when(configuration: .release))]
    ),
    .target(name: "EvoGraph", dependencies: ["EvoTensor"], exclude: ["README.md"], swiftSettings: nativeVectorFlags),
    .target(name: "EvoPlot", dependencies: ["EvoTensor", "CCairo"], exclude: ["README.md"]),
    .target(
      name: "EvoSearch",
      dependencies: ["EvoGraph", "EvoTensor", "CLibPQ", .product(name: "GRDB", package: "GRDB.swift")],
      exclude: ["README.md"]
    ),
    .target(
      name: "EvoRuntime", dependencies: ["EvoLimits", "EvoLang", "EvoTensor", "EvoGraph", "EvoSearch", "EvoPlot"],
      exclude: ["README.md"]),
    .target(
      name: "EvoNotebook",
      dependencies: ["EvoLang", "EvoRuntime", "EvoTensor", .product(name: "Ink", package: "Ink")],
      exclude: ["README.md"]
    ),
    .target(
      name: "EvoKernel",
      dependencies: ["EvoLang", "EvoRuntime", "EvoTensor", "EvoNotebook", "CZMQ", .product(name: "Crypto", package: "swift-crypto")],
      exclude: ["README.md"]
    ),
    .executableTarget(
      name: "evo",
      dependencies: [
        "EvoTensor",
        "EvoLang",
        "EvoRuntime",
        "EvoNotebook",
        "EvoKernel",
        "CReadline",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      exclude: ["README.md"],
      // readline's configuration is C global variables, which Swift 6 mode rejects outright.
      swiftSettings: [.swiftLanguageMode(.v5)]
    ),
    .executableTarget(
      name: "evo-bench",
      dependencies: [
        "EvoTensor",
        "EvoLang",
        "EvoGraph",
        "EvoRuntime",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "bench/evo-bench"
    ),
    // Fuzz targets (issue #14): replays inputs in a normal build; scripts/fuzz.sh builds it with libFuzzer.
    .executableTarget(
      name: "evo-fuzz",
      dependencies: ["EvoLang", "EvoTensor", "EvoGraph", "EvoRuntime", "EvoNotebook"],
      path: "Fuzz/evo-fuzz"
    ),
    .target(
      name: "EvoTestSupport", dependencies: ["EvoLang", "EvoRuntime", "EvoSearch", "EvoTensor"],
      path: "Tests/EvoTestSupport"),
    .testTarget(name: "EvoTensorTests", dependencies: ["EvoTensor", "EvoTestSupport"]),
    .testTarget(name: "EvoNotebookTests", dependencies: ["EvoNotebook", "EvoRuntime", "EvoLang", "EvoTensor"]),
    .testTarget(name: "EvoPlotTests", dependencies: ["EvoPlot", "EvoTensor"], exclude: ["golden"]),
    .testTarget(name: "EvoSearchTests", dependencies: ["EvoSearch", "EvoGraph", "EvoTensor", "EvoTestSupport"]),
    .testTarget(name: "EvoGraphTests", dependencies: ["EvoGraph", "EvoTensor", "EvoTestSupport"]),
    .testTarget(name: "EvoLangTests", dependencies: ["EvoLang", "EvoTestSupport"], exclude: ["lang"]),
    .testTarget(
      name: "EvoCLITests", dependencies: ["evo", "evo-fuzz", "EvoSearch", "EvoTestSupport"], exclude: ["kernel"]),
    .testTarget(name: "EvoKernelTests", dependencies: ["EvoKernel", "EvoNotebook"]),
    .testTarget(
      name: "EvoRuntimeTests",
      dependencies: ["EvoRuntime", "EvoLang", "EvoTensor", "EvoGraph", "EvoSearch", "EvoTestSupport"],
      exclude: ["evo", "fixtures"]),
  ]
)
