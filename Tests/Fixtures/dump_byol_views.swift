// Pretext's side of compare_byol_views.py: BYOL views of the fidelity recipe (byol-cifar-small.yaml:
// BYOLViews(inputSize: 32, blurProbs: (0, 0)), everything else Lightly's defaults) on given images.
// Built against an installed SDK by compare_byol_views.py:
//   swiftc -O -I P/lib/pretext/swift -I P/lib/pretext/swift/include -L P/lib -lPretext dump_byol_views.swift
//
//   dump_byol_views sample LIST DRAWS SEED OUT   views as the loader makes them (RNG(seed, stream: d·N + i)
//                                                for image i of LIST, draw d), OUT.f32 [DRAWS·N, 2, 3, 32, 32]
//                                                and OUT.csv: each view's drawn parameters, replayed from a copy
//                                                of its RNG (the replay is checked against the real view)
//   dump_byol_views apply LIST PARAMS OUT        one view per row of PARAMS (CSV as OUT.csv, e.g. Lightly's
//                                                draws) through Pretext's ops; OUT.f32 [rows, 3, 32, 32]
import Foundation
import PretextSDK

let args = CommandLine.arguments
func fail(_ s: String) -> Never { FileHandle.standardError.write((s + "\n").data(using: .utf8)!); exit(2) }
guard args.count >= 5 else { fail("usage: dump_byol_views sample LIST DRAWS SEED OUT | apply LIST PARAMS OUT") }

let files = try String(contentsOfFile: args[2], encoding: .utf8).split(separator: "\n").map(String.init)
let images = try files.map { FloatImage(try ImageDecoder.decode(file: $0)) }
let views = try BYOLViews(inputSize: 32, blurProbs: (0, 0))
let header = "image,draw,view,top,left,height,width,hflip,jitter,order,brightness,contrast,saturation,hue,gray,solarize"

/// The parameters one ViewRecipe.apply draws, in its order (crop, flips, rotation, jitter, gray, blur, solarize).
struct Drawn {
    var box: CropBox
    var hflip = false, jitter = false, gray = false, solarize = false
    var params = ColorJitter.Parameters(order: [0, 1, 2, 3], brightness: nil, contrast: nil, saturation: nil, hue: nil)
}

func replay(_ r: ViewRecipe, _ image: FloatImage, _ rng: inout RNG) -> Drawn {
    let box = RandomResizedCrop.parameters(height: image.height, width: image.width, scale: r.scale, ratio: r.ratio, rng: &rng)
    var d = Drawn(box: box)
    d.hflip = rng.uniform() < r.hflipProb
    _ = rng.uniform() < r.vflipProb
    _ = rng.uniform() < r.rotationProb
    d.jitter = rng.uniform() < r.colorJitterProb
    if d.jitter {
        let j = try! ColorJitter(brightness: r.brightness, contrast: r.contrast, saturation: r.saturation, hue: r.hue, p: 1)
        d.params = j.sampleParameters(&rng)
    }
    d.gray = rng.uniform() < r.grayscaleProb
    if rng.uniform() < r.blurProb { fail("blur is off in the recipe") }
    d.solarize = rng.uniform() < r.solarizeProb
    return d
}

/// Pretext's ops with fixed parameters, in ViewRecipe.apply's order, then ImageNet normalisation.
func render(_ image: FloatImage, _ d: Drawn) -> [Float] {
    var x = ImageOps.resizedCrop(image, top: d.box.top, left: d.box.left, height: d.box.height, width: d.box.width,
                                 outputHeight: 32, outputWidth: 32, interpolation: .bilinear)
    if d.hflip { ImageOps.horizontalFlip(&x) }
    if d.jitter { ColorJitter.apply(&x, d.params) }
    if d.gray { x = ImageOps.grayscale(x, outputChannels: 3) }
    if d.solarize { ImageOps.solarize(&x, threshold: 0.5) }
    return Normalize.imageNet.tensor(x).scalars
}

func row(_ i: Int, _ draw: Int, _ v: Int, _ d: Drawn) -> String {
    func f(_ x: Float?) -> String { x.map { "\($0)" } ?? "" }
    let b = d.box
    return "\(i),\(draw),\(v),\(b.top),\(b.left),\(b.height),\(b.width),\(d.hflip ? 1 : 0),\(d.jitter ? 1 : 0),"
        + "\(d.params.order.map(String.init).joined(separator: " ")),\(f(d.params.brightness)),\(f(d.params.contrast)),"
        + "\(f(d.params.saturation)),\(f(d.params.hue)),\(d.gray ? 1 : 0),\(d.solarize ? 1 : 0)"
}

func write(_ floats: [Float], _ path: String) {
    let data = floats.withUnsafeBufferPointer { Data(buffer: $0) }
    FileManager.default.createFile(atPath: path, contents: data)
}

switch args[1] {
case "sample":
    guard args.count == 6, let draws = Int(args[3]), let seed = UInt64(args[4]) else { fail("sample LIST DRAWS SEED OUT") }
    let out = args[5]
    var floats: [Float] = [], rows = [header], worst: Float = 0
    floats.reserveCapacity(draws * images.count * 2 * 3 * 32 * 32)
    for draw in 0..<draws {
        for (i, image) in images.enumerated() {
            var rng = RNG(seed: seed, stream: UInt64(draw * images.count + i))
            var copy = rng
            let v = views(try ImageDecoder.decode(file: files[i]), &rng).tensors
            for (k, recipe) in [views.view1, views.view2].enumerated() {
                let d = replay(recipe, image, &copy)
                let real = v[k].scalars, again = render(image, d)
                for j in 0..<real.count { worst = max(worst, abs(real[j] - again[j])) }
                floats += real
                rows.append(row(i, draw, k, d))
            }
        }
    }
    write(floats, out + ".f32")
    try (rows.joined(separator: "\n") + "\n").write(toFile: out + ".csv", atomically: true, encoding: .utf8)
    print("replay vs real views: max |difference| \(worst)")
    if worst > 1e-5 { fail("the replay of the parameters does not reproduce the views") }
case "apply":
    guard args.count == 5 else { fail("apply LIST PARAMS OUT") }
    let lines = try String(contentsOfFile: args[3], encoding: .utf8).split(separator: "\n").dropFirst()
    var floats: [Float] = []
    for line in lines {
        let c = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        func opt(_ s: String) -> Float? { s.isEmpty ? nil : Float(s)! }
        var d = Drawn(box: CropBox(top: Int(c[3])!, left: Int(c[4])!, height: Int(c[5])!, width: Int(c[6])!))
        d.hflip = c[7] == "1"
        d.jitter = c[8] == "1"
        d.params = ColorJitter.Parameters(order: c[9].split(separator: " ").map { Int($0)! }, brightness: opt(c[10]),
                                          contrast: opt(c[11]), saturation: opt(c[12]), hue: opt(c[13]))
        d.gray = c[14] == "1"
        d.solarize = c[15] == "1"
        floats += render(images[Int(c[0])!], d)
    }
    write(floats, args[4] + ".f32")
default:
    fail("unknown mode \(args[1])")
}
