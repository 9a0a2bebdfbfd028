import Foundation
import XCTest
@testable import PretextTensor

/// Forward values and input gradients of ops against PyTorch (`Tests/Fixtures/tensor_ops.json`, made by
/// `Tests/Fixtures/make_tensor_fixtures.py`). Each case: run the op on the fixture inputs, compare the
/// output, backpropagate the fixture's upstream gradient, compare every input gradient.
final class TorchFixtureTests: XCTestCase {
    struct Array_: Decodable { let shape: [Int]; let data: [Float] }
    struct Case: Decodable {
        let op: String
        let params: [String: Param]
        let inputs: [String: Array_]
        let output: Array_
        let grad_output: Array_
        let grads: [String: Array_]
        let extra: [String: Array_]?
    }
    enum Param: Decodable {
        case int(Int), double(Double), bool(Bool), ints([Int])
        init(from d: Decoder) throws {
            let c = try d.singleValueContainer()
            if let b = try? c.decode(Bool.self) { self = .bool(b) } else if let i = try? c.decode(Int.self) { self = .int(i) }
            else if let x = try? c.decode(Double.self) { self = .double(x) } else { self = .ints(try c.decode([Int].self)) }
        }
        var ints: [Int] { if case let .ints(v) = self { return v }; if case let .int(i) = self { return [i] }; return [] }
        var int: Int { if case let .int(i) = self { return i }; return 0 }
        var float: Float { if case let .double(x) = self { return Float(x) }; if case let .int(i) = self { return Float(i) }; return 0 }
        var bool: Bool { if case let .bool(b) = self { return b }; return false }
    }
    struct File: Decodable { let cases: [String: Case] }

    static let cases: [String: Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/tensor_ops.json")
        return (try? JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases) ?? [:]
    }()

    func tensor(_ a: Array_) -> Tensor { Tensor(shape: a.shape, scalars: a.data, requiresGrad: true) }

    /// Runs every case whose op is `op` through `body` (which maps named inputs to the output).
    func check(_ op: String, atol: Float = 1e-5, rtol: Float = 1e-4,
               _ body: (Case, [String: Tensor]) throws -> Tensor, after: ((Case, [String: Tensor]) -> Void)? = nil) throws {
        let selected = Self.cases.filter { $0.value.op == op }
        XCTAssertFalse(selected.isEmpty, "no fixture cases for \(op)")
        for (name, c) in selected.sorted(by: { $0.key < $1.key }) {
            let inputs = c.inputs.mapValues(tensor)
            let out = try body(c, inputs)
            XCTAssertEqual(out.shape, c.output.shape, "\(name) output shape")
            assertClose(out.scalars, c.output.data, atol: atol, rtol: rtol, "\(name) output")
            try out.backward(Tensor(shape: c.grad_output.shape, scalars: c.grad_output.data))
            for (k, g) in c.grads {
                guard let mine = inputs[k]?.grad else { XCTFail("\(name): no gradient for \(k)"); continue }
                XCTAssertEqual(mine.shape, g.shape, "\(name) grad \(k) shape")
                assertClose(mine.scalars, g.data, atol: atol * 10, rtol: rtol * 10, "\(name) grad \(k)")
            }
            after?(c, inputs)
        }
    }

    func testConv2d() throws {
        try check("conv2d") { c, x in
            let s = c.params["stride"]?.ints ?? [1, 1], p = c.params["padding"]?.ints ?? [0, 0], d = c.params["dilation"]?.ints ?? [1, 1]
            return try x["x"]!.conv2d(weight: x["weight"]!, bias: x["bias"], stride: (s[0], s[1]), padding: (p[0], p[1]),
                                      dilation: (d[0], d[1]), groups: c.params["groups"]?.int ?? 1)
        }
    }

    func testBatchNorm() throws {
        var running: [String: (Tensor, Tensor)] = [:]
        try check("batch_norm") { c, x in
            let training = c.params["training"]!.bool
            let c1 = x["x"]!.shape[1]
            let rm: Tensor, rv: Tensor
            if training { rm = Tensor.zeros([c1]); rv = Tensor.ones([c1]) } else {
                rm = Tensor(shape: [c1], scalars: c.extra!["running_mean"]!.data)
                rv = Tensor(shape: [c1], scalars: c.extra!["running_var"]!.data)
            }
            running[c.output.shape.description + "\(training)"] = (rm, rv)
            return try x["x"]!.batchNorm(weight: x["weight"], bias: x["bias"], runningMean: rm, runningVar: rv,
                                         training: training, momentum: 0.1, eps: 1e-5)
        } after: { c, _ in
            guard c.params["training"]!.bool, let (rm, rv) = running[c.output.shape.description + "true"] else { return }
            assertClose(rm.scalars, c.extra!["running_mean"]!.data, "running_mean")
            assertClose(rv.scalars, c.extra!["running_var"]!.data, "running_var")
        }
    }

    func testLayerNorm() throws {
        try check("layer_norm") { c, x in try x["x"]!.layerNorm(weight: x["weight"], bias: x["bias"], eps: c.params["eps"]!.float) }
    }

    func testPools() throws {
        try check("max_pool2d") { c, x in
            let k = c.params["kernel"]!.ints, s = c.params["stride"]!.ints, p = c.params["padding"]!.ints
            return try x["x"]!.maxPool2d(kernel: (k[0], k[1]), stride: (s[0], s[1]), padding: (p[0], p[1]))
        }
        try check("avg_pool2d") { c, x in
            let k = c.params["kernel"]!.ints, s = c.params["stride"]!.ints, p = c.params["padding"]!.ints
            return try x["x"]!.avgPool2d(kernel: (k[0], k[1]), stride: (s[0], s[1]), padding: (p[0], p[1]))
        }
        try check("adaptive_avg_pool2d") { c, x in
            let o = c.params["output"]!.ints
            return try x["x"]!.adaptiveAvgPool2d((o[0], o[1]))
        }
    }

    func testElementwiseAndReductions() throws {
        try check("gelu") { c, x in x["x"]!.gelu(approximate: c.params["approximate"]!.bool) }
        try check("softmax") { c, x in try x["x"]!.softmax(axis: c.params["axis"]!.int) }
        try check("log_softmax") { c, x in try x["x"]!.logSoftmax(axis: c.params["axis"]!.int) }
        try check("logsumexp") { c, x in try x["x"]!.logSumExp(axes: c.params["axes"]!.ints) }
        try check("var") { c, x in try x["x"]!.variance(axes: c.params["axes"]!.ints, correction: c.params["correction"]!.int) }
        try check("normalize") { c, x in try x["x"]!.l2Normalized(axis: c.params["axis"]!.int) }
        try check("cosine_similarity") { c, x in try x["x"]!.cosineSimilarity(x["y"]!, axis: c.params["axis"]!.int) }
        try check("matmul") { _, x in try x["x"]!.matmul(x["y"]!) }
        try check("linear") { _, x in try x["x"]!.linear(weight: x["weight"]!, bias: x["bias"]) }
    }

    func testLosses() throws {
        try check("cross_entropy") { c, x in
            try x["x"]!.crossEntropy(labels: c.params["labels"]!.ints, labelSmoothing: c.params["label_smoothing"]!.float)
        }
        try check("mse") { _, x in try x["x"]!.mseLoss(x["y"]!) }
    }
}
