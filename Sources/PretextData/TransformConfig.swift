import Foundation

/// A typed, Codable description of a view transform: a preset name plus optional overrides of its
/// knobs, so a YAML/JSON config (or `[String: Any]`) can build any preset. Unset fields keep the
/// preset's defaults (see each preset's doc comment); a field the preset does not use is an error
/// rather than silently ignored.
///
/// Example — SimCLR on CIFAR with the milder "agriculture-style" colour jitter:
/// ```swift
/// let t = try TransformConfig(preset: "simclr", inputSize: 32, colorJitterStrength: 0.5).makeTransform()
/// ```
/// Keys (camelCase or snake_case in dictionaries): see `TransformConfig.keyDocs`.
public struct TransformConfig: Codable, Equatable, Sendable {
    /// simclr, mocov2, byol, dino, mae, rotation, jigsaw, eval, custom.
    public var preset: String
    public var inputSize: Int?
    public var minScale: Float?
    public var colorJitterProb: Float?
    public var colorJitterStrength: Float?
    public var brightness: Float?
    public var contrast: Float?
    public var saturation: Float?
    public var hue: Float?
    public var grayscaleProb: Float?
    public var blurProb: Float?
    public var blurProbs: [Float]?
    public var blurSigma: [Float]?
    public var blurKernelSize: Int?
    public var solarizeProb: Float?
    public var solarizeProbs: [Float]?
    public var hflipProb: Float?
    public var vflipProb: Float?
    public var rotationProb: Float?
    public var normalize: Bool?
    public var mean: [Float]?
    public var std: [Float]?
    public var globalCropSize: Int?
    public var globalCropScale: [Float]?
    public var localCropSize: Int?
    public var localCropScale: [Float]?
    public var localViews: Int?
    public var interpolation: Interpolation?
    public var gridSize: Int?
    public var tileSize: Int?
    public var permutationCount: Int?
    public var permutationSeed: UInt64?
    public var perTileNormalization: Bool?
    public var resize: Int?
    public var centerCrop: Int?
    /// custom: the augmentation chain of each view (then ToTensor + normalisation).
    public var augmentations: [AugmentationSpec]?
    /// custom: how many views of the chain to make (default 1).
    public var views: Int?

    /// One line of documentation per key.
    public static let keyDocs: [(key: String, doc: String)] = [
        ("preset", "simclr | mocov2 | byol | dino | mae | rotation | jigsaw | eval"),
        ("inputSize", "output side in pixels (simclr, mocov2, byol, mae, rotation; jigsaw: the crop cut into tiles)"),
        ("minScale", "smallest RandomResizedCrop area fraction"),
        ("colorJitterProb", "probability of colour jitter"),
        ("colorJitterStrength", "multiplies brightness/contrast/saturation/hue (0.5 = milder jitter)"),
        ("brightness", "brightness strength before colorJitterStrength"),
        ("contrast", "contrast strength before colorJitterStrength"),
        ("saturation", "saturation strength before colorJitterStrength"),
        ("hue", "hue strength before colorJitterStrength"),
        ("grayscaleProb", "probability of grayscale"),
        ("blurProb", "probability of Gaussian blur (simclr, mocov2)"),
        ("blurProbs", "per-view blur probabilities: [view1, view2] (byol), [global1, global2, local] (dino)"),
        ("blurSigma", "[min, max] of the blur sigma"),
        ("blurKernelSize", "odd blur kernel size (default: from sigma, 2*ceil(3*sigma)+1)"),
        ("solarizeProb", "solarization probability of global view 2 (dino)"),
        ("solarizeProbs", "[view1, view2] solarization probabilities (byol)"),
        ("hflipProb", "probability of a horizontal flip"),
        ("vflipProb", "probability of a vertical flip"),
        ("rotationProb", "probability of a 90-degree rotation"),
        ("normalize", "false: no normalisation after ToTensor"),
        ("mean", "normalisation mean per channel (default ImageNet)"),
        ("std", "normalisation std per channel (default ImageNet)"),
        ("globalCropSize", "DINO global crop side"),
        ("globalCropScale", "DINO global crop [min, max] area fraction"),
        ("localCropSize", "DINO local crop side"),
        ("localCropScale", "DINO local crop [min, max] area fraction"),
        ("localViews", "number of DINO local crops"),
        ("interpolation", "bilinear | bicubic (dino, mae)"),
        ("gridSize", "jigsaw grid side (3 = 9 tiles)"),
        ("tileSize", "jigsaw tile side"),
        ("permutationCount", "number of jigsaw permutations (classes)"),
        ("permutationSeed", "seed of the jigsaw permutation set"),
        ("perTileNormalization", "jigsaw: standardise each tile by its own mean/std"),
        ("resize", "eval: shorter side resized to this"),
        ("centerCrop", "eval: central crop side"),
        ("augmentations", "custom: list of {op: ..., params} steps (see AugmentationSpec)"),
        ("views", "custom: number of views made with the chain (default 1)"),
    ]

    public static let presets = ["simclr", "mocov2", "byol", "dino", "mae", "rotation", "jigsaw", "eval", "custom"]

    /// Keys each preset reads (besides `preset`).
    static let presetKeys: [String: Set<String>] = {
        let colour: Set<String> = ["colorJitterProb", "colorJitterStrength", "brightness", "contrast", "saturation", "hue",
                                   "grayscaleProb", "blurSigma", "blurKernelSize", "hflipProb", "vflipProb",
                                   "rotationProb", "normalize", "mean", "std"]
        return [
            "simclr": colour.union(["inputSize", "minScale", "blurProb"]),
            "mocov2": colour.union(["inputSize", "minScale", "blurProb"]),
            "byol": colour.union(["inputSize", "minScale", "blurProbs", "solarizeProbs"]),
            "dino": colour.union(["globalCropSize", "globalCropScale", "localCropSize", "localCropScale", "localViews",
                                  "blurProbs", "solarizeProb", "interpolation"]),
            "mae": ["inputSize", "minScale", "hflipProb", "interpolation", "normalize", "mean", "std"],
            "rotation": ["inputSize", "minScale", "hflipProb", "normalize", "mean", "std"],
            "jigsaw": ["inputSize", "minScale", "gridSize", "tileSize", "permutationCount", "permutationSeed",
                       "perTileNormalization", "grayscaleProb", "normalize", "mean", "std"],
            "eval": ["resize", "centerCrop", "normalize", "mean", "std"],
            "custom": ["augmentations", "views", "normalize", "mean", "std"],
        ]
    }()

    public init(preset: String, inputSize: Int? = nil, minScale: Float? = nil, colorJitterProb: Float? = nil,
                colorJitterStrength: Float? = nil, blurProb: Float? = nil) {
        self.preset = preset
        self.inputSize = inputSize
        self.minScale = minScale
        self.colorJitterProb = colorJitterProb
        self.colorJitterStrength = colorJitterStrength
        self.blurProb = blurProb
    }

    /// A config from a loosely typed dictionary (parsed YAML/JSON). Keys may be camelCase or snake_case;
    /// unknown keys and wrong types are errors naming the key.
    public init(dictionary: [String: Any]) throws {
        var normalized: [String: Any] = [:]
        let known = Set(Self.keyDocs.map(\.key))
        for (k, v) in dictionary {
            let key = Self.camelCase(k)
            guard known.contains(key) else {
                let hint = Self.closest(to: key, in: known).map { " (did you mean '\($0)'?)" } ?? ""
                throw DataError.invalidConfig(key: k, reason: "unknown key\(hint); known keys: \(known.sorted().joined(separator: ", "))")
            }
            normalized[key] = key == "augmentations" ? Self.camelCaseKeys(v) : v
        }
        guard JSONSerialization.isValidJSONObject(normalized),
              let data = try? JSONSerialization.data(withJSONObject: normalized) else {
            throw DataError.invalidConfig(key: "(config)", reason: "values must be numbers, strings, booleans or lists of them")
        }
        do {
            self = try JSONDecoder().decode(TransformConfig.self, from: data)
        } catch let DecodingError.typeMismatch(type, ctx) {
            throw DataError.invalidConfig(key: Self.path(ctx), reason: "expected \(Self.typeName(type))")
        } catch let DecodingError.keyNotFound(key, _) {
            throw DataError.invalidConfig(key: key.stringValue, reason: "missing (choose one of \(Self.presets.joined(separator: ", ")))")
        } catch let DecodingError.dataCorrupted(ctx) {
            throw DataError.invalidConfig(key: Self.path(ctx), reason: ctx.debugDescription)
        } catch let DecodingError.valueNotFound(type, ctx) {
            throw DataError.invalidConfig(key: Self.path(ctx), reason: "expected \(Self.typeName(type)), found null")
        } catch {
            throw DataError.invalidConfig(key: "(config)", reason: "\(error)")
        }
    }

    /// Keys set in this config (non-nil), for validation.
    var setKeys: Set<String> {
        var s = Set<String>()
        let m = Mirror(reflecting: self)
        for child in m.children {
            guard let label = child.label, label != "preset" else { continue }
            let inner = Mirror(reflecting: child.value)
            if inner.displayStyle == .optional && inner.children.isEmpty { continue }
            s.insert(label)
        }
        return s
    }

    /// Builds the transform.
    public func makeTransform() throws -> any Transform {
        let name = preset.lowercased()
        guard let allowed = Self.presetKeys[name] else {
            let hint = Self.closest(to: name, in: Set(Self.presets)).map { " (did you mean '\($0)'?)" } ?? ""
            throw DataError.invalidConfig(key: "preset", reason: "unknown preset '\(preset)'\(hint); choose one of \(Self.presets.joined(separator: ", "))")
        }
        for k in setKeys.sorted() where !allowed.contains(k) {
            throw DataError.invalidConfig(key: k, reason: "has no effect on preset '\(name)' (it reads: \(allowed.sorted().joined(separator: ", ")))")
        }
        do {
            return try build(name)
        } catch let e as DataError {
            if case let .invalidArgument(n, detail) = e {
                throw DataError.invalidConfig(key: "preset \(name)", reason: "\(n): \(detail)")
            }
            throw e
        }
    }

    private func pair(_ v: [Float]?, _ key: String, _ fallback: (Float, Float)) throws -> (Float, Float) {
        guard let v else { return fallback }
        guard v.count == 2 else { throw DataError.invalidConfig(key: key, reason: "expected [min, max], got \(v.count) values") }
        return (v[0], v[1])
    }

    private func norm() throws -> Normalize? {
        if normalize == false {
            if mean != nil || std != nil { throw DataError.invalidConfig(key: "mean", reason: "set together with normalize: false") }
            return nil
        }
        if mean == nil && std == nil { return .imageNet }
        do {
            return try Normalize(mean: mean ?? Normalize.imageNet.mean, std: std ?? Normalize.imageNet.std)
        } catch let DataError.invalidArgument(_, detail) {
            throw DataError.invalidConfig(key: mean != nil ? "mean" : "std", reason: detail)
        }
    }

    private func build(_ name: String) throws -> any Transform {
        let sigma = try pair(blurSigma, "blurSigma", (0.1, 2))
        switch name {
        case "simclr", "mocov2":
            let isMoCo = name == "mocov2"
            let t: any Transform
            if isMoCo {
                t = try MoCoV2Views(inputSize: inputSize ?? 224, colorJitterProb: colorJitterProb ?? 0.8,
                                    colorJitterStrength: colorJitterStrength ?? 1, brightness: brightness ?? 0.4,
                                    contrast: contrast ?? 0.4, saturation: saturation ?? 0.4, hue: hue ?? 0.1,
                                    minScale: minScale ?? 0.2, grayscaleProb: grayscaleProb ?? 0.2, blurProb: blurProb ?? 0.5,
                                    blurSigma: sigma, blurKernelSize: blurKernelSize, vflipProb: vflipProb ?? 0,
                                    hflipProb: hflipProb ?? 0.5, rotationProb: rotationProb ?? 0, normalize: try norm())
            } else {
                t = try SimCLRViews(inputSize: inputSize ?? 224, colorJitterProb: colorJitterProb ?? 0.8,
                                    colorJitterStrength: colorJitterStrength ?? 1, brightness: brightness ?? 0.8,
                                    contrast: contrast ?? 0.8, saturation: saturation ?? 0.8, hue: hue ?? 0.2,
                                    minScale: minScale ?? 0.08, grayscaleProb: grayscaleProb ?? 0.2, blurProb: blurProb ?? 0.5,
                                    blurSigma: sigma, blurKernelSize: blurKernelSize, vflipProb: vflipProb ?? 0,
                                    hflipProb: hflipProb ?? 0.5, rotationProb: rotationProb ?? 0, normalize: try norm())
            }
            return t
        case "byol":
            let bp = try pair(blurProbs, "blurProbs", (1.0, 0.1))
            let sp = try pair(solarizeProbs, "solarizeProbs", (0, 0.2))
            return try BYOLViews(inputSize: inputSize ?? 224, colorJitterProb: colorJitterProb ?? 0.8,
                                 colorJitterStrength: colorJitterStrength ?? 1, brightness: brightness ?? 0.4,
                                 contrast: contrast ?? 0.4, saturation: saturation ?? 0.2, hue: hue ?? 0.1,
                                 minScale: minScale ?? 0.08, grayscaleProb: grayscaleProb ?? 0.2, blurProbs: bp,
                                 solarizeProbs: sp, blurSigma: sigma, blurKernelSize: blurKernelSize,
                                 vflipProb: vflipProb ?? 0, hflipProb: hflipProb ?? 0.5, rotationProb: rotationProb ?? 0,
                                 normalize: try norm())
        case "dino":
            var bp: (Float, Float, Float) = (1.0, 0.1, 0.5)
            if let b = blurProbs {
                guard b.count == 3 else { throw DataError.invalidConfig(key: "blurProbs", reason: "dino takes [global1, global2, local]") }
                bp = (b[0], b[1], b[2])
            }
            return try DINOViews(globalCropSize: globalCropSize ?? 224,
                                 globalCropScale: try pair(globalCropScale, "globalCropScale", (0.4, 1)),
                                 localCropSize: localCropSize ?? 96,
                                 localCropScale: try pair(localCropScale, "localCropScale", (0.05, 0.4)),
                                 localViews: localViews ?? 6, hflipProb: hflipProb ?? 0.5, vflipProb: vflipProb ?? 0,
                                 rotationProb: rotationProb ?? 0, colorJitterProb: colorJitterProb ?? 0.8,
                                 colorJitterStrength: colorJitterStrength ?? 0.5, brightness: brightness ?? 0.8,
                                 contrast: contrast ?? 0.8, saturation: saturation ?? 0.4, hue: hue ?? 0.2,
                                 grayscaleProb: grayscaleProb ?? 0.2, blurProbs: bp, blurSigma: sigma,
                                 blurKernelSize: blurKernelSize, solarizeProb: solarizeProb ?? 0.2,
                                 interpolation: interpolation ?? .bicubic, normalize: try norm())
        case "mae":
            return try MAEViews(inputSize: inputSize ?? 224, minScale: minScale ?? 0.2, hflipProb: hflipProb ?? 0.5,
                                interpolation: interpolation ?? .bicubic, normalize: try norm())
        case "rotation":
            return try RotationViews(inputSize: inputSize ?? 224, minScale: minScale ?? 0.5, hflipProb: hflipProb ?? 0.5,
                                     normalize: try norm())
        case "jigsaw":
            return try JigsawViews(inputSize: inputSize ?? 255, gridSize: gridSize ?? 3, tileSize: tileSize ?? 64,
                                   minScale: minScale ?? 0.6, permutationCount: permutationCount ?? 100,
                                   permutationSeed: permutationSeed ?? 0, perTileNormalization: perTileNormalization ?? true,
                                   grayscaleProb: grayscaleProb ?? 0, normalize: try norm())
        case "custom":
            guard let specs = augmentations else {
                throw DataError.invalidConfig(key: "augmentations", reason: "preset 'custom' needs a list of steps, e.g. [{op: random_resized_crop, size: 32}, {op: horizontal_flip}]")
            }
            let chain = Compose(try specs.enumerated().map { try $1.make(index: $0) })
            let n = views ?? 1
            guard n >= 1 else { throw DataError.invalidConfig(key: "views", reason: "must be at least 1") }
            return MultiView(chain, count: n, normalize: try norm())
        default: // eval
            return try SingleView.evaluation(resize: resize, centerCrop: centerCrop, normalize: try norm())
        }
    }

    // MARK: - Helpers

    static func camelCase(_ key: String) -> String {
        guard key.contains("_") else { return key }
        let parts = key.split(separator: "_")
        return parts.enumerated().map { i, p in i == 0 ? String(p) : p.prefix(1).uppercased() + p.dropFirst() }.joined()
    }

    /// snake_case → camelCase keys inside nested dictionaries / lists.
    static func camelCaseKeys(_ v: Any) -> Any {
        if let d = v as? [String: Any] {
            return Dictionary(uniqueKeysWithValues: d.map { (camelCase($0.key), camelCaseKeys($0.value)) })
        }
        if let a = v as? [Any] { return a.map(camelCaseKeys) }
        return v
    }

    static func path(_ ctx: DecodingError.Context) -> String {
        let p = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return p.isEmpty ? "(config)" : p.replacingOccurrences(of: ".[", with: "[")
    }

    static func typeName(_ t: Any.Type) -> String {
        switch t {
        case is Int.Type, is UInt64.Type: return "an integer"
        case is Float.Type, is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        case is String.Type: return "a string"
        default:
            let s = "\(t)"
            if s.contains("Array") { return "a list" }
            if s.contains("Interpolation") { return "bilinear or bicubic" }
            return s
        }
    }

    static func closest(to key: String, in candidates: Set<String>) -> String? {
        func distance(_ s: String, _ t: String) -> Int {
            let a = Array(s.lowercased()), b = Array(t.lowercased())
            if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
            var prev = Array(0...b.count)
            for i in 1...a.count {
                var cur = [Int](repeating: 0, count: b.count + 1)
                cur[0] = i
                for j in 1...b.count {
                    let substitution = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                    cur[j] = min(min(prev[j] + 1, cur[j - 1] + 1), substitution)
                }
                prev = cur
            }
            return prev[b.count]
        }
        var bestName: String? = nil
        var bestDistance = Int.max
        for c in candidates.sorted() {
            let d = distance(key, c)
            if d < bestDistance { bestDistance = d; bestName = c }
        }
        guard let name = bestName, bestDistance <= max(2, key.count / 3) else { return nil }
        return name
    }
}
