import Foundation
import PretextCore
import PretextData
import PretextTensor

/// kNN accuracy during pretraining (`--eval-data DIR`, every `eval.every` epochs): features of the
/// training folder (`eval.train_data`, default `data.path`) are the memory bank, the `eval.data` folder
/// is scored; top-1/top-5 for each k in `eval.k` go to metrics.jsonl as `knn<k>_top1`, `knn<k>_top5`.
public enum OnlineEvaluation {
    /// The hook, or nil when `eval.data` is not set. Settings come from the same getters the trainer
    /// uses (`EvaluationSettings`, `TrainingSettings`), so their defaults are stated once.
    public static func hook(spec: RunSpec, outDir: URL, reporter: ProgressReporter) throws -> ((any Method, Int) throws -> [String: Double])? {
        let settings = try EvaluationSettings(eval: spec.section("eval"))
        let training = try TrainingSettings(train: spec.section("train"), data: spec.section("data"))
        guard settings.testData != nil else { return nil }
        let datasets = try evaluationDatasets(settings, training)
        let every = settings.every, ks = settings.ks, temperature = settings.temperature, epochs = training.epochs
        var cached: (bank: any Dataset, test: any Dataset)?
        let normalization = RunArtifacts.Normalization(spec: spec)   // the run's views.mean/std
        return { method, epoch in
            guard (epoch + 1) % every == 0 || epoch + 1 == epochs else { return [:] }
            if cached == nil { cached = try datasets() }
            let result = try KNNEvaluation.run(backbone: method.backbone, bank: cached!.bank, test: cached!.test,
                                               ks: ks, temperature: temperature, extractor: FeatureExtractor(mean: normalization.mean, std: normalization.std))
            reporter.message(result.map { String(format: "%@ %.2f%%", $0.key, 100 * $0.value) }.sorted().joined(separator: "  "))
            return result
        }
    }
}

extension OnlineEvaluation {
    /// The memory bank and the test set, opened on first use: labelled folders, or with
    /// `eval.data: synthetic` the synthetic training set (`data.synthetic_*`, seed `train.seed`) as the
    /// bank and `eval.synthetic_count` held-out shapes (seed `train.seed` + 1) as the test set.
    static func evaluationDatasets(_ settings: EvaluationSettings, _ training: TrainingSettings) throws -> () throws -> (bank: any Dataset, test: any Dataset) {
        if settings.isSynthetic {
            guard training.dataPath == nil, settings.trainData == nil else {
                throw ConfigError.invalidValue(path: "eval.data", detail: "'synthetic' scores held-out synthetic shapes against the synthetic training images; with data.path or eval.train_data set, give a labelled test folder instead")
            }
            let size = training.syntheticSize, seed = training.seed
            let bankCount = training.syntheticCount, testCount = settings.syntheticCount
            return {
                (try SyntheticShapesDataset(count: bankCount, size: size, seed: seed),
                 try SyntheticShapesDataset(count: testCount, size: size, seed: seed &+ 1))
            }
        }
        guard let testDir = settings.testData, let bankDir = settings.trainData ?? training.dataPath else {
            return { throw RunError.data("online kNN needs labelled training images: set data.path or eval.train_data") }
        }
        return { (try ImageFolderDataset(root: bankDir), try ImageFolderDataset(root: testDir)) }
    }
}

/// kNN accuracy of a backbone: features of `bank` (labelled) vote for the images of `test`.
public enum KNNEvaluation {
    /// Under mpirun (`group` of several ranks) the features are extracted in shards and gathered, and
    /// every rank returns the same accuracies.
    public static func run(backbone: any Backbone, bank: any Dataset, test: any Dataset, ks: [Int], temperature: Float,
                           extractor: FeatureExtractor, group: ProcessGroup = .world) throws -> [String: Double] {
        let b = try extractor.extract(backbone, dataset: bank, group: group)
        let t = try extractor.extract(backbone, dataset: test, group: group)
        guard !b.labels.contains(-1), !t.labels.contains(-1) else {
            throw RunError.data("kNN needs labelled folders (class sub-folders) for both the memory bank and the test images")
        }
        let classes = max(b.classNames.count, (b.labels.max() ?? 0) + 1)
        var out: [String: Double] = [:]
        for k in ks {
            let r = try KNNClassifier(k: k, temperature: temperature).evaluate(train: b.features, trainLabels: b.labels,
                                                                             test: t.features, testLabels: t.labels, classes: classes)
            out["knn\(k)_top1"] = r.top1
            out["knn\(k)_top5"] = r.top5
        }
        return out
    }
}
