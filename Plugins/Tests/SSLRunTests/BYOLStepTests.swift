import Foundation
import XCTest
import Pretext

/// Pretext's whole BYOL step — the plugin's method (online + EMA target, heads, symmetric loss), backward
/// and SGD — against three steps of Lightly 1.6's on the same weights and batch
/// (Tests/Fixtures/make_byol_step_fixture.py → kit/byol_steps.safetensors).
final class BYOLStepTests: XCTestCase {
    func testThreeStepsEqualLightlys() throws {
        let fixture = SSLRun.repoRoot.appendingPathComponent("Tests/Fixtures/kit/byol_steps.safetensors")
        let file = try SafeTensors.read(from: fixture)
        let t = Dictionary(uniqueKeysWithValues: file.tensors.map { ($0.key, $0.tensor) })
        let registry = Registry()
        try Builtins.register(in: registry)
        try PluginLoader(registry: registry).load(SSLRun.buildDir.appendingPathComponent("libPretextPluginBYOL.so"))
        let yaml = """
            method: {name: byol, momentum: 0.99, momentum_cosine: false, projection: {hidden_dim: 48, output_dim: 24}, prediction: {hidden_dim: 48, output_dim: 24}}
            backbone: {name: resnet18, cifar_stem: true, width: 0.125}
            views: {input_size: 16}
            data: {synthetic_count: 16, synthetic_size: 16, batch_size: 8}
            """
        let (method, _) = try Trainer.buildMethod(spec: RunSpec(tree: try ConfigFile.parse(yaml)), registry: registry)
        // Initial weights: the online ones from Lightly, the targets their copies (as EMA.copy / deepcopy).
        var initial: [(key: String, tensor: Tensor)] = []
        for (k, v) in t where k.hasPrefix("init.") {
            let key = String(k.dropFirst(5))
            initial.append((key, v))
            if key.hasPrefix("backbone.") || key.hasPrefix("projection.") { initial.append(("target_" + key, v)) }
        }
        try Trainer.loadModelState(method, initial, source: fixture.path)
        let optimizer = try SGD(groups: Trainer.parameterGroups(method.modules, excludeBiasAndNorm: false),
                                momentum: 0.9, weightDecay: 5e-4)
        let batch = Batch(views: [t["x0"]!, t["x1"]!], labels: Array(repeating: nil, count: 8), indices: Array(0..<8))
        for m in method.modules.values { m.train() }
        for k in 0..<3 {
            for target in method.momentumTargets { try EMA.update(target: target.target, online: target.online, momentum: 0.99) }
            let ctx = StepContext(epoch: 0, epochs: 1, step: k, totalSteps: 3, stepsPerEpoch: 3, learningRate: 0.03, rng: RNG(seed: 0))
            let out = try method.step(batch, ctx)
            XCTAssertEqual(Double(out.loss.item), Double(t["loss.\(k)"]!.scalars[0]), accuracy: 1e-5, "loss of step \(k)")
            try out.loss.backward()
            try optimizer.step(learningRate: 0.03)
            optimizer.zeroGrad()
        }
        var worst: (key: String, diff: Float) = ("", 0)
        var compared = 0
        for (key, tensor) in Trainer.modelState(method) {
            guard let expected = t["final." + key] else { continue }
            compared += 1
            let d = zip(tensor.scalars, expected.scalars).map { abs($0 - $1) }.max() ?? 0
            if d > worst.diff { worst = (key, d) }
        }
        XCTAssertEqual(compared, t.keys.filter { $0.hasPrefix("final.") }.count, "every online and target tensor is compared")
        XCTAssertLessThan(worst.diff, 1e-4, "largest difference after three steps: \(worst.key)")
        print("BYOL steps: \(compared) tensors, largest difference \(worst.diff) (\(worst.key))")
    }
}
