import EvoLang
import EvoRuntime
import Foundation
import Testing

/// A stdlib model against PyTorch: fixtures written by scripts/torch/make_fixtures.py (float64
/// reference values rounded to float32) hold the weights, an input batch, eval- and train-mode logits,
/// the loss and every parameter after one SGD step.
struct ParityCase: CustomTestStringConvertible, Sendable {
  /// The fixture's file stem in fixtures/torch/.
  let name: String
  /// Evo code that builds the model the fixture was made from (the PyTorch side in scripts/torch/).
  let model: String
  var testDescription: String { name }

  static let all = [
    ParityCase(
      name: "resnet20_bn_relu",
      model: "models.resnet(depth: 20, width: 8, norm: layers.bn_relu, in_channels: 3, classes: 10)"),
    ParityCase(
      name: "mobilenet_v2_evonorm_b0",
      model: "models.mobilenet_v2(width: 0.1, norm: layers.evonorm_b0, dropout: 0, in_channels: 3, "
        + "classes: 10)"),
    ParityCase(
      name: "resnet20_evonorm_b0_divide",
      model: "models.resnet(depth: 20, width: 4, norm: layers.evonorm_b0, lone: \"divide\", in_channels: 3, "
        + "classes: 10)"),
  ]
}

@Suite struct ModelParityTests {
  static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  static let fixtures = here.appendingPathComponent("fixtures/torch").path
  static let stdlib = here.appendingPathComponent("../../stdlib").standardized.path

  /// Eval logits, train logits, loss and the parameters after one step (SGD lr 0.1, momentum 0.9,
  /// Nesterov, weight decay 5e-4 except on norm parameters and biases), each within 1e-4 of PyTorch's.
  @Test(arguments: ParityCase.all)
  func matchesPyTorch(_ c: ParityCase) throws {
    let source = """
      import nn
      import models
      fn max_diff(a, b) { (a - b).abs().max().item() }
      let model = \(c.model)
      nn.load(model, fixtures + "/\(c.name).safetensors")
      let io = load_tensors(fixtures + "/\(c.name)-io.safetensors")
      model.eval()
      let eval_diff = max_diff(model(io["input"]), io["logits_eval"])
      model.train()
      let opt = sgd(model.parameter_groups(5e-4), lr: 0.1, momentum: 0.9, nesterov: true)
      opt.zero_grad()
      let logits = model(io["input"])
      let loss = logits.cross_entropy(io["labels"])
      let train_diff = max_diff(logits, io["logits_train"])
      let loss_diff = max_diff(loss.reshape([1]), io["loss"])
      loss.backward()
      opt.step()
      let after = load_tensors(fixtures + "/\(c.name)-step.safetensors")
      let params = model.named_parameters()
      let before = load_tensors(fixtures + "/\(c.name).safetensors")
      let step_diff = 0
      let moved = 0
      for name, t in after {
        step_diff = max(step_diff, max_diff(params[name].reshape(t.shape), t))
        moved = max(moved, max_diff(before[name], t))
      }
      [eval_diff, train_diff, loss_diff, step_diff, len(after), len(params), moved]
      """
    let session = Session(searchPaths: [Self.stdlib])
    session.interpreter.defineGlobal("fixtures", .string(Self.fixtures))
    let value = try session.run(source, name: "\(c.name)-parity.evo").get()
    guard case .list(let list)? = value, list.items.count == 7 else {
      Issue.record("the parity program returned \(String(describing: value))")
      return
    }
    let numbers = list.items.map { item -> Double in
      if case .number(let x) = item { return x }
      return .nan
    }
    #expect(numbers[0] <= 1e-4, "eval-mode logits differ from PyTorch's by \(numbers[0])")
    #expect(numbers[1] <= 1e-4, "train-mode logits differ from PyTorch's by \(numbers[1])")
    #expect(numbers[2] <= 1e-4, "the loss differs from PyTorch's by \(numbers[2])")
    #expect(numbers[3] <= 1e-4, "parameters after one step differ from PyTorch's by \(numbers[3])")
    #expect(numbers[4] == numbers[5], "the fixture has \(numbers[4]) parameters, the model \(numbers[5])")
    #expect(numbers[6] > 0.01, "the step in the fixture moves no parameter by more than \(numbers[6])")
  }
}
