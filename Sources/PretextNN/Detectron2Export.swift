import Foundation
import PretextTensor

/// Exports a ResNet's weights as a Detectron2 checkpoint (Wu et al. 2019, github.com/facebookresearch/
/// detectron2), so a backbone pretrained here can be fine-tuned as a detector: a pickle (protocol 2)
/// of `{"model": {name: float32 ndarray}, "__author__": "pretext", "matching_heuristics": True}`, the
/// layout Detectron2's `DetectionCheckpointer` reads from `.pkl` files.
///
/// Keys are renamed as Detectron2's `tools/convert-torchvision-to-d2.py` does: keys outside the stages
/// get `stem.`; `layerK` → `res{K+1}`; `bnI` → `convI.norm`; `downsample.0` → `shortcut`,
/// `downsample.1` → `shortcut.norm` (`conv1.weight` → `stem.conv1.weight`, `layer1.0.bn2.running_var`
/// → `res2.0.conv2.norm.running_var`). `num_batches_tracked` and a classifier `fc.*` are dropped.
///
/// Detectron2 feeds BGR images in 0–255 (`INPUT.FORMAT = "BGR"`, its default), so the first
/// convolution's input channels are reversed (RGB → BGR) and the normalisation the network was
/// trained with is returned in that space: PIXEL_MEAN = 255·mean and PIXEL_STD = 255·std, BGR order
/// (ImageNet statistics: [103.530, 116.280, 123.675] and [57.375, 57.120, 58.395]).
public enum Detectron2Export {
    /// What to put in the Detectron2 config for the exported weights.
    public struct Summary: Equatable {
        /// MODEL.PIXEL_MEAN, BGR, 0–255.
        public var pixelMean: [Float]
        /// MODEL.PIXEL_STD, BGR, 0–255.
        public var pixelStd: [Float]
        /// Number of arrays written.
        public var keyCount: Int
        /// Config lines (and warnings) to print for the user.
        public var configLines: [String]
    }

    /// Errors of the export.
    public enum ExportError: Error, CustomStringConvertible, Equatable {
        case notAResNet(detail: String)
        case io(path: String, detail: String)

        public var description: String {
            switch self {
            case let .notAResNet(detail): return "Detectron2 export: \(detail) (only torchvision-style ResNets, keys conv1/bn1/layer1…layer4, can be exported)"
            case let .io(path, detail): return "Detectron2 export to '\(path)': \(detail)"
            }
        }
    }

    /// The Detectron2 name of a torchvision ResNet key (`convert-torchvision-to-d2.py`).
    public static func detectron2Key(_ key: String) -> String {
        var k = key
        if !k.contains("layer") { k = "stem." + k }
        for t in 1...4 { k = k.replacingOccurrences(of: "layer\(t)", with: "res\(t + 1)") }
        for t in 1...3 { k = k.replacingOccurrences(of: "bn\(t)", with: "conv\(t).norm") }
        k = k.replacingOccurrences(of: "downsample.0", with: "shortcut")
        k = k.replacingOccurrences(of: "downsample.1", with: "shortcut.norm")
        return k
    }

    /// Writes `state` (a `ResNet.stateDict()`, torchvision keys) to `url` atomically and returns the
    /// pixel statistics and config hints. `mean`/`std` are the RGB 0–1 normalisation used in training
    /// (ImageNet's by default).
    @discardableResult
    public static func write(_ state: [(key: String, tensor: Tensor)], to url: URL,
                             mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225],
                             author: String = "pretext") throws -> Summary {
        guard mean.count == 3, std.count == 3 else {
            throw ExportError.notAResNet(detail: "mean and std need 3 (RGB) values")
        }
        guard let conv1 = state.first(where: { $0.key == "conv1.weight" })?.tensor, conv1.rank == 4, conv1.shape[1] == 3 else {
            throw ExportError.notAResNet(detail: "no 'conv1.weight' of shape [C, 3, k, k] in the state dict (keys start: \(state.prefix(3).map(\.key)))")
        }
        guard state.contains(where: { $0.key.hasPrefix("layer4.") }) else {
            throw ExportError.notAResNet(detail: "no 'layer4.*' keys in the state dict")
        }
        var model: [(String, PickleWriter.Value)] = []
        for (key, t) in state {
            if key.hasSuffix("num_batches_tracked") || key.hasPrefix("fc.") { continue }
            var data = t.scalars
            if key == "conv1.weight" {
                // Reverse the input channels: BGR inputs meet the weights trained for RGB.
                let (o, c, kk) = (t.shape[0], t.shape[1], t.shape[2] * t.shape[3])
                let src = data
                for oi in 0..<o {
                    for ci in 0..<c {
                        for j in 0..<kk { data[(oi * c + ci) * kk + j] = src[(oi * c + (c - 1 - ci)) * kk + j] }
                    }
                }
            }
            model.append((detectron2Key(key), .float32Array(shape: t.shape, data: data)))
        }
        let root = PickleWriter.Value.dict([("model", .dict(model)), ("__author__", .string(author)),
                                            ("matching_heuristics", .bool(true))])
        let bytes = PickleWriter.encode(root)
        do {
            try AtomicFileWriter.write(to: url) { try $0.write(bytes) }
        } catch let f as AtomicFileWriter.Failure {
            throw ExportError.io(path: url.path, detail: f.detail)
        }

        let pixelMean = mean.reversed().map { $0 * 255 }, pixelStd = std.reversed().map { $0 * 255 }
        func list(_ v: [Float]) -> String { "[" + v.map { String(format: "%.3f", $0) }.joined(separator: ", ") + "]" }
        let keys = Set(state.map(\.key))
        let bottleneck = keys.contains("layer1.0.conv3.weight")
        let blocks = (1...4).map { s in Set(keys.compactMap { k -> Int? in
            let parts = k.split(separator: ".")
            return parts.first == "layer\(s)" && parts.count > 1 ? Int(parts[1]) : nil
        }).count }
        let depth: String
        switch (blocks, bottleneck) {
        case ([2, 2, 2, 2], false): depth = "18"
        case ([3, 4, 6, 3], false): depth = "34"
        case ([3, 4, 6, 3], true): depth = "50"
        case ([3, 4, 23, 3], true): depth = "101"
        default: depth = "?"
        }
        let stem = conv1.shape[0]
        let res2 = state.first { $0.key == (bottleneck ? "layer1.0.conv3.weight" : "layer1.0.conv2.weight") }?.tensor.shape[0] ?? 0
        var lines = [
            "INPUT.FORMAT: \"BGR\"",
            "MODEL.PIXEL_MEAN: \(list(pixelMean))",
            "MODEL.PIXEL_STD: \(list(pixelStd))",
            "MODEL.RESNETS.DEPTH: \(depth)",
            "MODEL.RESNETS.STEM_OUT_CHANNELS: \(stem)",
            "MODEL.RESNETS.RES2_OUT_CHANNELS: \(res2)",
            "MODEL.RESNETS.STRIDE_IN_1X1: False   # torchvision ResNets stride in the 3x3 conv",
        ]
        if conv1.shape[2] != 7 {
            lines.append("# warning: the stem is a \(conv1.shape[2])x\(conv1.shape[3]) conv (CIFAR stem); Detectron2's BasicStem is 7x7 stride 2 with a max-pool, so stem.conv1 will not load")
        }
        return Summary(pixelMean: pixelMean, pixelStd: pixelStd, keyCount: model.count, configLines: lines)
    }
}
