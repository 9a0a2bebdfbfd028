import PretextCore
import PretextNN
import PretextTensor

extension ResNet: Backbone {}   // activationFloats: Backbone+ActivationEstimate.swift
extension VisionTransformer: Backbone {}

extension ProjectionHead: Head {}
extension LinearClassifier: Head {}

extension Builtins {
    /// Valid layer widths (output, hidden, bottleneck sizes): positive, and small enough to allocate.
    static let widths = 1...1_048_576

    /// Backbones, heads and optimizers from PretextNN, under their registry names.
    static func registerNetworks(_ r: Registry) throws {
        for depth in ResNet.Depth.allCases {
            try r.registerBackbone("resnet\(depth.rawValue)", summary: "torchvision ResNet-\(depth.rawValue) (options: cifar_stem, width)") { c, ctx in
                let cifar = try c.bool("cifar_stem", false, "3×3 stride-1 first conv and no max-pool (for 32 px images)")
                let width = try c.float("width", 1, "channel multiplier for every stage (0.25 → 16-32-64-128 for resnet18)", greaterThan: 0, atMost: 16)
                let zero = try c.bool("zero_init_residual", false, "zero the last batch-norm weight of each block")
                return ResNet(depth, cifarStem: cifar, width: width, zeroInitResidual: zero, rng: &ctx.rng)
            }
        }
        for size in VisionTransformer.Size.allCases {
            let name = "vit-" + String(size.rawValue.prefix(1))
            try r.registerBackbone(name, summary: "timm vit_\(size.rawValue)_patch16_224 (options: patch_size, image_size)") { c, ctx in
                let patch = try c.int("patch_size", 16, "patch side in pixels (4 or 8 for 32 px images)", range: 1...4096)
                let image = try c.int("image_size", 224, "native input size (other sizes interpolate the position embedding)", range: 1...8192)
                guard image % patch == 0 else {
                    throw ConfigError.invalidValue(path: "backbone.image_size", detail: "\(image) must be a multiple of patch_size \(patch)")
                }
                let tokens = (image / patch) * (image / patch)
                guard tokens <= 16_384 else {
                    throw ConfigError.invalidValue(path: "backbone.image_size", detail: "\(image) px in patches of \(patch) makes \(tokens) tokens per image (attention is quadratic in them; ViT-S/16 at 224 px has 196): raise backbone.patch_size or lower backbone.image_size")
                }
                return VisionTransformer(size, patchSize: patch, imageSize: image, rng: &ctx.rng)
            }
        }

        try r.registerHead("simclr-projection", summary: "SimCLR head: Linear-BN-ReLU-Linear-BN (Lightly SimCLRProjectionHead)") { c, inDim, ctx in
            let hidden = try c.int("hidden_dim", 2048, "hidden width (0 = the backbone's feature size)", range: 0...Builtins.widths.upperBound)
            return ProjectionHead.simclr(inDim: inDim, hiddenDim: hidden == 0 ? inDim : hidden,
                                         outDim: try c.int("output_dim", 128, "embedding size", range: Builtins.widths),
                                         numLayers: try c.int("num_layers", 2, "linear layers", range: 1...64),
                                         batchNorm: try c.bool("batch_norm", true, "batch-norm after each linear"), rng: &ctx.rng)
        }
        try r.registerHead("mocov2-projection", summary: "MoCo v2 head: Linear-ReLU-Linear (Lightly MoCoProjectionHead)") { c, inDim, ctx in
            let hidden = try c.int("hidden_dim", 2048, "hidden width (0 = the backbone's feature size)", range: 0...Builtins.widths.upperBound)
            return ProjectionHead.mocoV2(inDim: inDim, hiddenDim: hidden == 0 ? inDim : hidden,
                                         outDim: try c.int("output_dim", 128, "embedding size", range: Builtins.widths), rng: &ctx.rng)
        }
        try r.registerHead("byol-projection", summary: "BYOL projector: Linear-BN-ReLU-Linear") { c, inDim, ctx in
            ProjectionHead.byolProjection(inDim: inDim, hiddenDim: try c.int("hidden_dim", 4096, "hidden width", range: Builtins.widths),
                                          outDim: try c.int("output_dim", 256, "embedding size", range: Builtins.widths), rng: &ctx.rng)
        }
        try r.registerHead("byol-prediction", summary: "BYOL predictor: Linear-BN-ReLU-Linear") { c, inDim, ctx in
            ProjectionHead.byolPrediction(inDim: inDim, hiddenDim: try c.int("hidden_dim", 4096, "hidden width", range: Builtins.widths),
                                          outDim: try c.int("output_dim", 256, "embedding size", range: Builtins.widths), rng: &ctx.rng)
        }
        try r.registerHead("simsiam-projection", summary: "SimSiam projector: 3 × Linear-BN (ReLU between), output BN without affine") { c, inDim, ctx in
            ProjectionHead.simsiamProjection(inDim: inDim, hiddenDim: try c.int("hidden_dim", 2048, "hidden width", range: Builtins.widths),
                                             outDim: try c.int("output_dim", 2048, "embedding size", range: Builtins.widths), rng: &ctx.rng)
        }
        try r.registerHead("simsiam-prediction", summary: "SimSiam predictor: Linear-BN-ReLU-Linear bottleneck") { c, inDim, ctx in
            ProjectionHead.simsiamPrediction(inDim: inDim, hiddenDim: try c.int("hidden_dim", 512, "bottleneck width", range: Builtins.widths),
                                             outDim: try c.int("output_dim", 2048, "output size (the projector's)", range: Builtins.widths), rng: &ctx.rng)
        }
        try r.registerHead("nnclr-projection", summary: "NNCLR projector: 2 × Linear-BN-ReLU, Linear-BN (Lightly NNCLRProjectionHead)") { c, inDim, ctx in
            ProjectionHead.nnclrProjection(inDim: inDim, hiddenDim: try c.int("hidden_dim", 2048, "hidden width", range: Builtins.widths),
                                           outDim: try c.int("output_dim", 256, "embedding size", range: Builtins.widths), rng: &ctx.rng)
        }
        try r.registerHead("nnclr-prediction", summary: "NNCLR predictor: Linear-BN-ReLU-Linear (Lightly NNCLRPredictionHead)") { c, inDim, ctx in
            ProjectionHead.nnclrPrediction(inDim: inDim, hiddenDim: try c.int("hidden_dim", 4096, "hidden width", range: Builtins.widths),
                                           outDim: try c.int("output_dim", 256, "output size (the projector's)", range: Builtins.widths), rng: &ctx.rng)
        }
        for (name, layers, what) in [("mocov3-projection", 3, "projector (3 layers for a ViT, 2 for a ResNet)"),
                                     ("mocov3-prediction", 2, "predictor")] {
            try r.registerHead(name, summary: "MoCo v3 \(what): Linear-BN-ReLU …, Linear-BN without affine (official moco-v3 _build_mlp)") { c, inDim, ctx in
                ProjectionHead.mocoV3(inDim: inDim, hiddenDim: try c.int("hidden_dim", 4096, "hidden width", range: Builtins.widths),
                                      outDim: try c.int("output_dim", 256, "output size", range: Builtins.widths),
                                      numLayers: try c.int("num_layers", layers, "linear layers", range: 1...64),
                                      affineOutput: try c.bool("affine_output", false, "output batch-norm with γ and β (Lightly's MoCoProjectionHead(batch_norm=True)); the paper: false"),
                                      rng: &ctx.rng)
            }
        }
        try r.registerHead("linear", summary: "a linear classifier (Xavier-uniform init)") { c, inDim, ctx in
            LinearClassifier(inDim: inDim, numClasses: try c.int("output_dim", 10, "classes", range: Builtins.widths), rng: &ctx.rng)
        }
        try r.registerHead("mlp", summary: "an MLP: Linear (BN) ReLU … Linear, widths from hidden_dims") { c, inDim, ctx in
            let hidden = try c.doubles("hidden_dims", [512], "hidden widths").map { Int($0) }
            let out = try c.int("output_dim", 128, "output width", range: Builtins.widths)
            let bn = try c.bool("batch_norm", true, "batch-norm after each hidden linear")
            var dims = [inDim] + hidden
            var blocks: [ProjectionHead.Block] = []
            for i in 0..<(dims.count - 1) { blocks.append(.init(dims[i], dims[i + 1], batchNorm: bn, activation: .relu)) }
            dims.append(out)
            blocks.append(.init(dims[dims.count - 2], out, bias: true))
            return ProjectionHead(blocks, rng: &ctx.rng)
        }

        try r.registerOptimizer("sgd", summary: "SGD with momentum / Nesterov and weight decay (torch.optim.SGD)") { c, groups, _ in
            try SGD(groups: groups, momentum: try c.float("momentum", 0.9, "momentum"),
                    nesterov: try c.bool("nesterov", false, "Nesterov momentum"),
                    weightDecay: try c.float("weight_decay", 5e-4, "L2 weight decay"))
        }
        try r.registerOptimizer("adamw", summary: "AdamW, decoupled weight decay (torch.optim.AdamW)") { c, groups, _ in
            let betas = try c.doubles("betas", [0.9, 0.999], "Adam betas")
            guard betas.count == 2 else { throw ConfigError.invalidValue(path: "optimizer.betas", detail: "needs two values") }
            return try AdamW(groups: groups, beta1: betas[0], beta2: betas[1], eps: try c.float("eps", 1e-8, "Adam epsilon"),
                             weightDecay: try c.float("weight_decay", 0.05, "decoupled weight decay"))
        }
        try r.registerOptimizer("lars", summary: "LARS (You et al. 2017) as Lightly's, for large-batch SimCLR") { c, groups, _ in
            try LARS(groups: groups, momentum: try c.float("momentum", 0.9, "momentum"),
                     weightDecay: try c.float("weight_decay", 1e-6, "weight decay"),
                     nesterov: try c.bool("nesterov", false, "Nesterov momentum"),
                     trustCoefficient: try c.float("trust_coefficient", 0.001, "LARS η"))
        }
    }
}
