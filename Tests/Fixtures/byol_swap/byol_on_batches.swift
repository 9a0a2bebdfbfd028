import Foundation
import PretextSDK
// Pretext's BYOL step (the plugin's: online ResNet-18 width 0.25 + BYOL heads 1024/256, EMA targets at 0.99
// updated first, symmetric negative cosine, SGD 0.03 momentum 0.9 wd 5e-4, cosine over 468 steps) on given
// batches from given initial weights, on one thread: per-step losses (OUT.json) and the final online backbone
// and heads (OUT-backbone/-projection/-prediction.safetensors, Pretext keys; STEPS 0 saves the initial weights; knn_eval.py scores it as lightly_knn.py does). See README.md here.
//   byol_on_batches INIT|own[:SEED] BATCHES STEPS OUT
// INIT: safetensors with backbone./projection./prediction. keys (init0.py writes Lightly's); `own:SEED`: Pretext's
// own initialisation as the runner draws it for --seed SEED (BuildContext's RNG stream). BATCHES: raw f32
// [STEPS, 2, 128, 3, 32, 32] (dump_pretext_batches.swift, or lightly_on_batches.py dump).
let initPath = CommandLine.arguments[1], viewsPath = CommandLine.arguments[2], n = Int(CommandLine.arguments[3])!, outPath = CommandLine.arguments[4]
Parallel.threads = 1
let own = initPath.hasPrefix("own")
let ownSeed = own ? UInt64(initPath.split(separator: ":").dropFirst().first.map(String.init) ?? "0")! : 0
var rng = RNG(seed: ownSeed, stream: 0x1417)  // BuildContext(seed:)'s stream
let bb = ResNet(.resnet18, cifarStem: true, width: 0.25, rng: &rng)
let proj = ProjectionHead.byolProjection(inDim: 128, hiddenDim: 1024, outDim: 256, rng: &rng)
let pred = ProjectionHead.byolPrediction(inDim: 256, hiddenDim: 1024, outDim: 256, rng: &rng)
let tbb = ResNet(.resnet18, cifarStem: true, width: 0.25, rng: &rng)
let tproj = ProjectionHead.byolProjection(inDim: 128, hiddenDim: 1024, outDim: 256, rng: &rng)
if !own {
    let file = try SafeTensors.read(from: URL(fileURLWithPath: initPath))
    func sub(_ p: String) -> [String: Tensor] {
        var d: [String: Tensor] = [:]
        for (k, v) in file.tensors where k.hasPrefix(p + ".") { d[String(k.dropFirst(p.count + 1))] = v }
        return d
    }
    for (name, m) in [("backbone", bb), ("projection", proj), ("prediction", pred)] as [(String, Module)] {
        let r = try m.loadStateDict(sub(name), strict: false)
        print(name, "loaded", r.loaded.count, "missing", r.missing, "unexpected", r.unexpected, "mismatched", r.mismatched)
    }
}
try EMA.copy(into: tbb, from: bb)
try EMA.copy(into: tproj, from: proj)
for m in [bb, proj, pred, tbb, tproj] as [Module] { m.train() }
tbb.freeze(); tproj.freeze()
var params: [(key: String, tensor: Tensor)] = []
for (name, m) in [("backbone", bb), ("projection", proj), ("prediction", pred)] as [(String, Module)] {
    params += m.namedParameters().map { (name + "." + $0.key, $0.tensor) }
}
let sgd = try SGD(groups: [ParameterGroup(name: "all", parameters: params)], momentum: 0.9, weightDecay: 5e-4)
let loss = NegativeCosineSimilarityLoss()
let data = try Data(contentsOf: URL(fileURLWithPath: viewsPath), options: .alwaysMapped)
let per = 128 * 3 * 32 * 32
func view(_ i: Int) -> Tensor {
    let floats: [Float] = data.withUnsafeBytes { raw in
        let p = raw.bindMemory(to: Float.self)
        return Array(p[(i * per)..<((i + 1) * per)])
    }
    return Tensor(shape: [128, 3, 32, 32], scalars: floats)
}
var losses: [Double] = []
for t in 0..<n {
    try EMA.update(target: tbb, online: bb, momentum: 0.99)
    try EMA.update(target: tproj, online: proj, momentum: 0.99)
    let x0 = view(2 * t), x1 = view(2 * t + 1)
    let z0 = try proj(bb(x0)), z1 = try proj(bb(x1))
    let p0 = try pred(z0), p1 = try pred(z1)
    let (t0, t1) = try noGrad { (try tproj(tbb(x0)), try tproj(tbb(x1))) }
    let l = try (loss([p0, t1]) + loss([p1, t0])) * 0.5
    try l.backward()
    let lr = Float(0.015 * (1 + cos(Double.pi * Double(t) / 468)))
    try sgd.step(learningRate: lr)
    sgd.zeroGrad()
    losses.append(Double(l.item))
    if (t + 1) % 39 == 0 { print("epoch", (t + 1) / 39, losses.suffix(39).reduce(0, +) / 39); fflush(stdout) }
}
try JSONSerialization.data(withJSONObject: losses).write(to: URL(fileURLWithPath: outPath + ".json"))
try bb.saveSafeTensors(to: URL(fileURLWithPath: outPath + "-backbone.safetensors"))
try proj.saveSafeTensors(to: URL(fileURLWithPath: outPath + "-projection.safetensors"))
try pred.saveSafeTensors(to: URL(fileURLWithPath: outPath + "-prediction.safetensors"))
