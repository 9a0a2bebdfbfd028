import Foundation
import PretextKit
import PretextNN
import PretextTensor

/// Linear evaluation of frozen features (the linear probe of SimCLR, Chen et al. 2020, and of
/// solo-learn's offline linear evaluation): a `LinearClassifier` trained on features computed once.
///
/// - Features: the backbone's pooled output for every training and test image, computed once without
///   augmentation (the evaluation transform: resize + centre crop, the run's normalisation), raw (not
///   L2-normalised). Caching makes 100 epochs take seconds on a CPU; the cost is no augmentation, which
///   typically lowers top-1 by a point or two against an augmented probe.
/// - Standardisation (`standardize`, default on): each feature dimension is shifted and scaled by the
///   training features' mean and standard deviation, so one learning rate works for any backbone
///   (feature scales differ by orders of magnitude between methods). The test features use the
///   training statistics.
/// - Training: Xavier-uniform weights, zero bias; cross-entropy; SGD with momentum 0.9, weight decay 0,
///   learning rate 0.1 annealed per step with a cosine to 0 over `epochs` (100) epochs of shuffled
///   batches of 256.
public struct LinearProbe {
    public var epochs: Int
    public var learningRate: Float
    public var batchSize: Int
    public var momentum: Float
    public var weightDecay: Float
    public var standardize: Bool
    public var seed: UInt64

    public init(epochs: Int = 100, learningRate: Float = 0.1, batchSize: Int = 256, momentum: Float = 0.9,
                weightDecay: Float = 0, standardize: Bool = true, seed: UInt64 = 0) {
        self.epochs = epochs
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.standardize = standardize
        self.seed = seed
    }

    /// A trained probe: the classifier and the standardisation it expects.
    public struct Model {
        public let classifier: LinearClassifier
        public let mean: [Float]?
        public let std: [Float]?
        /// Mean training loss of each epoch.
        public var epochLosses: [Double]

        /// Logits [N, classes] of raw features [N, D].
        public func logits(_ features: Tensor) throws -> Tensor {
            try noGrad { try classifier(try LinearProbe.apply(features, mean: mean, std: std)) }
        }

        /// Top-1 and top-5 accuracy (fractions) and the predicted class of each row.
        public func evaluate(_ features: Tensor, labels: [Int]) throws -> (top1: Double, top5: Double, predictions: [Int]) {
            try LinearProbe.accuracy(logits: try logits(features), labels: labels)
        }
    }

    /// What `run` reports.
    public struct Result {
        public var top1: Double
        public var top5: Double
        public var trainTop1: Double
        public var epochLosses: [Double]
        public var model: Model

        /// For `--json` outputs and sweeps.
        public var dictionary: [String: Any] {
            ["top1": top1, "top5": top5, "train_top1": trainTop1, "final_loss": epochLosses.last ?? Double.nan,
             "epochs": epochLosses.count]
        }
    }

    /// Trains on `train` [N, D] with labels in 0..<classes; `progress(epoch, meanLoss)` after each epoch.
    public func fit(_ train: Tensor, labels: [Int], classes: Int, progress: ((Int, Double) -> Void)? = nil) throws -> Model {
        guard train.rank == 2, train.shape[0] == labels.count, train.shape[0] > 0 else {
            throw RunError.data("linear probe: features must be [N, D] with one label per row (got \(train.shape) and \(labels.count) labels)")
        }
        guard let maxLabel = labels.max(), let minLabel = labels.min(), minLabel >= 0, maxLabel < classes else {
            throw RunError.data("linear probe: labels must be in 0..<\(classes)")
        }
        guard epochs >= 1, batchSize >= 1, learningRate > 0 else {
            throw RunError.data("linear probe: epochs, batch size and learning rate must be positive")
        }
        let n = train.shape[0], d = train.shape[1]
        var mean: [Float]?, std: [Float]?
        if standardize { (mean, std) = LinearProbe.statistics(train) }
        let x = try LinearProbe.apply(train, mean: mean, std: std)
        var rng = RNG(seed: seed, stream: 0x11AE)
        let classifier = LinearClassifier(inDim: d, numClasses: classes, rng: &rng)
        let optimizer = try SGD(groups: [ParameterGroup(name: "linear", parameters: classifier.namedParameters())],
                                momentum: momentum, weightDecay: weightDecay)
        let schedule = WarmupCosineSchedule()
        let batchesPerEpoch = (n + batchSize - 1) / batchSize
        let total = batchesPerEpoch * epochs
        var step = 0
        var losses: [Double] = []
        for epoch in 0..<epochs {
            let order = rng.permutation(n)
            var sum = 0.0
            for b in 0..<batchesPerEpoch {
                let idx = Array(order[(b * batchSize)..<min(n, (b + 1) * batchSize)])
                let xb = try noGrad { try x.indexSelect(axis: 0, indices: idx) }
                let loss = try classifier(xb).crossEntropy(labels: idx.map { labels[$0] })
                try loss.backward()
                try optimizer.step(learningRate: learningRate * schedule.value(at: step, of: total))
                optimizer.zeroGrad()
                sum += Double(loss.item)
                step += 1
            }
            let meanLoss = sum / Double(batchesPerEpoch)
            guard meanLoss.isFinite else {
                throw RunError.data("linear probe: the loss became \(meanLoss) in epoch \(epoch + 1); lower --lr")
            }
            losses.append(meanLoss)
            progress?(epoch, meanLoss)
        }
        return Model(classifier: classifier, mean: mean, std: std, epochLosses: losses)
    }

    /// Fits on the training features and scores the test features.
    public func run(train: Tensor, trainLabels: [Int], test: Tensor, testLabels: [Int], classes: Int,
                    progress: ((Int, Double) -> Void)? = nil) throws -> Result {
        let model = try fit(train, labels: trainLabels, classes: classes, progress: progress)
        let t = try model.evaluate(test, labels: testLabels)
        let tr = try model.evaluate(train, labels: trainLabels)
        return Result(top1: t.top1, top5: t.top5, trainTop1: tr.top1, epochLosses: model.epochLosses, model: model)
    }

    /// Per-dimension mean and standard deviation (population) of the rows of `x` [N, D]; a constant
    /// dimension gets std 1.
    public static func statistics(_ x: Tensor) -> (mean: [Float], std: [Float]) {
        let n = x.shape[0], d = x.shape[1]
        var mean = [Double](repeating: 0, count: d), sq = [Double](repeating: 0, count: d)
        let p = x.storage.pointer
        for i in 0..<n { for j in 0..<d { let v = Double(p[i * d + j]); mean[j] += v; sq[j] += v * v } }
        var m = [Float](repeating: 0, count: d), s = [Float](repeating: 1, count: d)
        for j in 0..<d {
            let mu = mean[j] / Double(n)
            let variance = max(sq[j] / Double(n) - mu * mu, 0)
            m[j] = Float(mu)
            s[j] = variance > 1e-12 ? Float(variance.squareRoot()) : 1
        }
        return (m, s)
    }

    /// (x − mean) / std per column; `x` unchanged when either is nil.
    public static func apply(_ x: Tensor, mean: [Float]?, std: [Float]?) throws -> Tensor {
        guard let mean, let std else { return x }
        let d = x.shape[1]
        guard mean.count == d, std.count == d else {
            throw RunError.data("linear probe: the features have \(d) dimensions, the probe was trained on \(mean.count)")
        }
        let n = x.shape[0]
        let src = x.storage.pointer
        return Tensor(shape: [n, d]) { out in
            for i in 0..<n { for j in 0..<d { out[i * d + j] = (src[i * d + j] - mean[j]) / std[j] } }
        }
    }

    /// Top-1 / top-5 accuracy of logits [N, C] (ties broken by the lower class index).
    public static func accuracy(logits: Tensor, labels: [Int]) throws -> (top1: Double, top5: Double, predictions: [Int]) {
        let n = logits.shape[0], c = logits.shape[1]
        let p = logits.storage.pointer
        var c1 = 0, c5 = 0
        var predictions = [Int](repeating: 0, count: n)
        for i in 0..<n {
            let row = p + i * c
            let ranked = (0..<c).sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }
            predictions[i] = ranked[0]
            if ranked[0] == labels[i] { c1 += 1 }
            if ranked.prefix(5).contains(labels[i]) { c5 += 1 }
        }
        let m = Double(max(n, 1))
        return (Double(c1) / m, Double(c5) / m, predictions)
    }
}
