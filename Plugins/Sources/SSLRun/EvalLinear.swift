import ArgumentParser
import Foundation
import Pretext

/// `ssl-run eval linear RUN_DIR --train DIR --test DIR [--epochs 100] [--lr 0.1] [--batch-size 256]`.
struct EvalLinear: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "linear",
        abstract: "Linear probe: a linear classifier trained on the frozen backbone's cached features.",
        discussion: HelpText.reflow("""
        Features are computed once without augmentation (like solo-learn's offline linear evaluation on cached
        features), standardised per dimension with the training set's mean/std (--no-standardize keeps them raw),
        then a linear layer (Xavier init) is trained with cross-entropy and SGD (momentum 0.9, weight decay 0 by
        default) on a per-step cosine schedule. Prints top-1 / top-5 on --test.
        """))

    @OptionGroup var inputs: EvalInputs
    @Option(help: "Passes over the training features.") var epochs: Int = 100
    @Option(help: "Learning rate (cosine-annealed to 0).") var lr: Double = 0.1
    @Option(help: "Features per batch.") var batchSize: Int = 256
    @Option(help: "Weight decay.") var weightDecay: Double = 0
    @Option(help: "SGD momentum.") var momentum: Double = 0.9
    @Flag(help: "Train on the raw features instead of standardised ones.") var noStandardize = false
    @Option(help: "Seed of the classifier's initialisation and the batch order.") var seed: Int = 0
    @Flag(help: "Only the result line.") var quiet = false
    @OptionGroup var pluginOptions: PluginOptions

    func run() throws {
        try pluginOptions.boot(quiet: quiet)
        guard epochs >= 1, batchSize >= 1, lr > 0, weightDecay >= 0, momentum >= 0 else {
            throw CommandFailure(message: "--epochs and --batch-size must be at least 1, --lr positive, --weight-decay and --momentum non-negative")
        }
        let (_, train, test) = try inputs.features(normalizeRows: false, quiet: quiet)
        let classes = max(train.classNames.count, (train.labels.max() ?? 0) + 1)
        let probe = LinearProbe(epochs: epochs, learningRate: Float(lr), batchSize: batchSize, momentum: Float(momentum),
                                weightDecay: Float(weightDecay), standardize: !noStandardize, seed: UInt64(seed))
        let start = Date()
        let report = max(1, epochs / 10)
        let result: LinearProbe.Result
        do {
            result = try probe.run(train: train.features, trainLabels: train.labels, test: test.features, testLabels: test.labels,
                                   classes: classes) { epoch, loss in
                if !quiet && ProcessGroup.world.isMain && ((epoch + 1) % report == 0 || epoch == 0) {
                    FileHandle.standardError.write(Data(String(format: "epoch %d/%d  loss %.4f\n", epoch + 1, epochs, loss).utf8))
                }
            }
        } catch { throw CommandFailure(message: "\(error)") }
        print(String(format: "linear probe on %@ (checkpoint %@): top-1 %.2f%%  top-5 %.2f%%  (train top-1 %.2f%%; %d epochs on %d cached %d-d features, %.1f s)",
                     RunArtifacts.displayName(inputs.runDir), inputs.checkpoint, 100 * result.top1, 100 * result.top5,
                     100 * result.trainTop1, epochs, train.labels.count, train.features.shape[1], Date().timeIntervalSince(start)))
        var json = result.dictionary
        json["run"] = inputs.runDir
        json["checkpoint"] = inputs.checkpoint
        json["lr"] = lr
        json["standardized"] = !noStandardize
        try inputs.writeJSON(json)
    }
}
