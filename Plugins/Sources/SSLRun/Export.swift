import ArgumentParser
import Foundation
import Pretext

/// `ssl-run export RUN_DIR --out FILE`: the pretrained backbone alone, with torchvision/timm key names,
/// as safetensors (opens in PyTorch with `safetensors.torch.load_file`) or as a Detectron2 `.pkl`.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a run's backbone weights (safetensors for torchvision/timm, or Detectron2 .pkl).",
        discussion: HelpText.reflow("""
        safetensors keys equal torchvision's resnet / timm's vit state_dict keys (without fc/head), with metadata:
        architecture, input size, mean/std and channel order RGB. In PyTorch:
          model.load_state_dict(safetensors.torch.load_file("backbone.safetensors"), strict=False)  # fc/head stay new
        --format detectron2 (ResNets) writes Detectron2's names with the first conv reordered to BGR and prints the
        PIXEL_MEAN/PIXEL_STD to put in the Detectron2 config.
        """))

    @Argument(help: "Run folder (holds config.yaml and checkpoints/).") var runDir: String
    @Option(help: "Output file.") var out: String
    @Option(help: "safetensors or detectron2.") var format: String = "safetensors"
    @Option(help: "Which checkpoint: last, or an epoch number.") var checkpoint: String = "last"
    @OptionGroup var pluginOptions: PluginOptions

    func run() throws {
        try pluginOptions.boot()
        guard ["safetensors", "detectron2"].contains(format) else {
            throw CommandFailure(message: "unknown --format '\(format)': use safetensors or detectron2")
        }
        try Host.shared?.restorePlugins(of: runDir)
        let loaded = try RunArtifacts.load(runDir: runDir, checkpoint: checkpoint)
        let backbone = loaded.method.backbone
        let state = backbone.stateDict()
        let url = URL(fileURLWithPath: out)
        var meta = loaded.normalization.metadata
        meta["architecture"] = backbone.architecture
        meta["method"] = loaded.methodName
        meta["channel_order"] = "RGB"
        meta["feature_dim"] = String(backbone.featureDim)
        meta["format"] = "pytorch-state-dict"
        if format == "safetensors" {
            try SafeTensors.write(state.map { ($0.key, $0.tensor) }, metadata: meta, to: url)
            print("wrote \(state.count) tensors of \(backbone.architecture) to \(url.path)")
        } else {
            guard backbone.architecture.hasPrefix("resnet") else {
                throw CommandFailure(message: "--format detectron2 is for ResNet backbones; this run's backbone is \(backbone.architecture)")
            }
            let summary = try Detectron2Export.write(state, to: url, mean: loaded.normalization.mean, std: loaded.normalization.std)
            print("wrote \(summary.keyCount) arrays to \(url.path) (Detectron2 names, first conv reordered to BGR). In your Detectron2 config:")
            print("  MODEL.WEIGHTS: \"\(url.path)\"")
            for line in summary.configLines { print("  " + line) }
        }
    }
}
