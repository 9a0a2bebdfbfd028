import Foundation
import PretextNN
import PretextTensor

/// Forward and forward+backward passes of the two reference backbones (the NN issue's benchmark):
/// M1 resnet18 with the CIFAR stem, full width, batch 128 at 32 px; M2 vit-s/16, batch 16 at 224 px.
/// PyTorch's figures for the same shapes come from Tests/Fixtures/bench_torch_models.py (`--peer`).
/// Backward is of the sum of the features, as the PyTorch script does; the median of 5 timed passes
/// after 2 warm-ups.
enum ModelPasses {
    struct Timing { let forward: Double; let forwardBackward: Double }

    static func resnet18Cifar() throws -> Timing {
        var rng = RNG(seed: 0)
        let model = ResNet(.resnet18, cifarStem: true, width: 1, rng: &rng)
        return try time(model, TrainingSteps.randomImages(128, seed: 1))
    }

    static func vitSmall16() throws -> Timing {
        var rng = RNG(seed: 0)
        let model = VisionTransformer(.small, rng: &rng)
        return try time(model, TransformerSteps.images(16, 224, seed: 1))
    }

    static func time(_ model: some Layer, _ x: Tensor) throws -> Timing {
        model.train()
        let forward = try TrainingSteps.median { _ = try noGrad { try model(x) } }
        let backward = try TrainingSteps.median {
            for p in model.parameters() { p.grad = nil }
            try model(x).sum().backward()
        }
        return Timing(forward: forward, forwardBackward: backward)
    }
}
