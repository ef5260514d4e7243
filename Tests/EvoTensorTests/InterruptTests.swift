import Dispatch
import Foundation
import Testing

@testable import EvoTensor

/// Runs `body` under a fresh token that another thread requests `delay` seconds after the start, and
/// returns what `body` threw and how many seconds it ran.
private func interrupting(after delay: Double = 0.1, _ body: () throws -> Void) -> (
  error: TensorError?, seconds: Double
) {
  let token = CancellationToken()
  let start = DispatchTime.now()
  // A thread of its own: kernels keep every thread of Dispatch's global pool busy.
  Thread.detachNewThread {
    Thread.sleep(forTimeInterval: delay)
    token.request()
  }
  var error: TensorError?
  do { try Cancellation.withToken(token) { try body() } } catch let e as TensorError { error = e } catch {}
  return (error, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
}

/// Issue #14: an interrupt reaches every long native call. Each op below runs for seconds when left alone
/// and is interrupted from another thread 0.1 s in. Where the op has no check after its work (a gradient
/// closure, LAPACK, a sort), the `.cancelled` error alone proves the check came mid-call; where it has one,
/// the elapsed time is compared with a bound far below the op's uninterrupted time.
@Suite(.serialized) struct InterruptTests {
  @Test func abandonableReturnsItsResultOrStopsWaiting() throws {
    #expect(try Cancellation.abandonable("test") { 6 * 7 } == 42)
    let (error, seconds) = interrupting {
      _ = try Cancellation.abandonable("test") { Thread.sleep(forTimeInterval: 5) }
    }
    #expect(error?.kind == .cancelled)
    #expect(seconds < 4)
  }

  /// The input and weight gradients of a 3000 × 3000 product: two GEMMs of 2.7·10¹⁰ multiply-adds.
  @Test func matmulGradients() throws {
    var rng = RandomGenerator(seed: 1)
    let a = try Tensor.randn([3000, 3000], rng: &rng).requiringGrad()
    var product = try a.matmul(a)
    while product.inputs.count == 1 { product = product.inputs[0] }  // under the reshape to (…, m, n)
    let gradients = try #require(product.backwardFunction)
    let (error, _) = interrupting { _ = try gradients(product.detached()) }
    #expect(error?.kind == .cancelled)
    #expect(error?.op == "matmul backward")
  }

  @Test func batchedMatmulGradients() throws {
    var rng = RandomGenerator(seed: 2)
    let a = try Tensor.randn([2, 2000, 2000], rng: &rng).requiringGrad()
    let y = try a.matmul(a)
    let gradients = try #require(y.backwardFunction)
    let (error, _) = interrupting { _ = try gradients(y.detached()) }
    #expect(error?.kind == .cancelled)
  }

  /// im2col + GEMM backward (5 × 5 kernels) and the direct 3 × 3 kernels: 3 s and 10 s in a debug build,
  /// stopped within a second (the check after the loop over images would throw only at its end).
  @Test(arguments: [(5, 512), (3, 32)]) func conv2dGradients(_ kernel: Int, _ batch: Int) throws {
    var rng = RandomGenerator(seed: 3)
    let x = try Tensor.randn([batch, 16, 32, 32], rng: &rng).requiringGrad()
    let w = try Tensor.randn([32, 16, kernel, kernel], rng: &rng).requiringGrad()
    let y = try x.conv2d(w, padding: kernel / 2)
    let gradients = try #require(y.backwardFunction)
    let g = y.detached()
    let (error, seconds) = interrupting { _ = try gradients(g) }
    #expect(error?.kind == .cancelled)
    #expect(seconds < 1)
  }

  @Test func orthogonal() throws {
    var rng = RandomGenerator(seed: 4)
    let (error, _) = interrupting { _ = try Initializer.orthogonal([3000, 3000], rng: &rng) }
    #expect(error?.kind == .cancelled)
  }

  @Test func eigh() throws {
    let n = 1500
    var rng = RandomGenerator(seed: 5)
    let m = try Tensor.randn([n, n], rng: &rng).values.map(Double.init)
    let (error, _) = interrupting { _ = try SymmetricEigen.decompose(m, n: n) }
    #expect(error?.kind == .cancelled)
  }

  @Test func sortOfOneLongRow() throws {
    var rng = RandomGenerator(seed: 6)
    let x = try Tensor.rand([1 << 23], rng: &rng)
    let (error, _) = interrupting { _ = try x.sorted() }
    #expect(error?.kind == .cancelled)
    // Rows below the threshold are sorted in place as before.
    let small = try Tensor(shape: [2, 3], values: [3, 1, 2, 0, -1, 5])
    #expect(try small.sorted(descending: true).values == [3, 2, 1, 5, 0, -1])
  }

  @Test func reductions() throws {
    let x = try Tensor.ones([1 << 26])
    let (sumError, _) = interrupting(after: 0.02) { _ = try x.sum() }
    #expect(sumError?.kind == .cancelled)
    let (maxError, _) = interrupting(after: 0.02) { _ = try x.max() }
    #expect(maxError?.kind == .cancelled)
    // Pieces of a long run still add up (2^26 ones, exactly representable).
    #expect(try x.sum().item() == Float(1 << 26))
  }

  @Test func randn() throws {
    var rng = RandomGenerator(seed: 7)
    let (error, _) = interrupting { _ = try Tensor.randn([60_000_000], rng: &rng) }
    #expect(error?.kind == .cancelled)
  }
}
