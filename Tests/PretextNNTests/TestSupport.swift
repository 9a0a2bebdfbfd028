import Foundation
import XCTest
import PretextTensor
import PretextNN

/// The deterministic weights and inputs of `Tests/Fixtures/nn/make_nn_fixtures.py` (see its docstring):
/// a splitmix64 hash of (flat index, key) gives uniform values in [-1, 1) on a 2^-23 grid — exact in
/// float32, so both sides hold bit-identical weights — scaled by the kind of tensor.
enum Formula {
    static func keySeed(_ key: String) -> UInt64 {
        var s: UInt64 = 0
        for (j, c) in key.unicodeScalars.enumerated() { s &+= UInt64(c.value) &* UInt64(j + 1) }
        return s
    }

    static func hashUniform(_ key: String, _ n: Int, into p: UnsafeMutablePointer<Float>, scale: Double, offset: Double) {
        let base = (keySeed(key) << 32) &+ 0x9E37_79B9_7F4A_7C15
        for i in 0..<n {
            var z = UInt64(i) &+ base
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            let b = Double(z >> 40) / Double(1 << 23) - 1
            p[i] = Float(offset + scale * b)
        }
    }

    static let weightScale = 3.0.squareRoot()

    /// Fills one tensor of a state dict by the fixture's rule for its key.
    static func fill(_ key: String, _ t: Tensor) {
        let last = key.split(separator: ".").last.map(String.init) ?? key
        let n = t.count, p = t.storage.pointer
        switch last {
        case "num_batches_tracked": Init.zeros(t)
        case "running_var": hashUniform(key, n, into: p, scale: 0.25, offset: 1)
        case "running_mean": hashUniform(key, n, into: p, scale: 0.1, offset: 0)
        case "weight_g": hashUniform(key, n, into: p, scale: 0.1, offset: 1)
        case "cls_token", "pos_embed": hashUniform(key, n, into: p, scale: 0.1, offset: 0)
        default:
            if t.rank == 1 && last == "weight" { hashUniform(key, n, into: p, scale: 0.1, offset: 1) }
            else if t.rank <= 1 { hashUniform(key, n, into: p, scale: 0.1, offset: 0) }
            else {
                let fanIn = Double(n / t.shape[0])
                // Computed in double as numpy does: b · √3 / √fan_in.
                let base = (keySeed(key) << 32) &+ 0x9E37_79B9_7F4A_7C15
                let root = fanIn.squareRoot()
                for i in 0..<n {
                    var z = UInt64(i) &+ base
                    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                    z ^= z >> 31
                    p[i] = Float((Double(z >> 40) / Double(1 << 23) - 1) * weightScale / root)
                }
            }
        }
    }

    static func fill(_ m: Module) {
        for (k, t) in m.stateDict() { fill(k, t) }
    }

    /// x[j] = sin(0.37 j) + 0.3 cos(1.3 j).
    static func input(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape) { b in
            for j in 0..<b.count { b[j] = Float(Foundation.sin(0.37 * Double(j)) + 0.3 * Foundation.cos(1.3 * Double(j))) }
        }
    }
}

/// The JSON fixture, read once.
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/nn")

    static let root: [String: Any] = {
        let url = directory.appendingPathComponent("nn_fixtures.json")
        guard let data = try? Data(contentsOf: url),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            fatalError("cannot read \(url.path): run Tests/Fixtures/nn/make_nn_fixtures.py")
        }
        return obj
    }()

    static func section(_ name: String) -> [String: Any] { root[name] as! [String: Any] }
    static func model(_ name: String) -> [String: Any] { section("models")[name] as! [String: Any] }

    static func floats(_ any: Any?) -> [Float] { (any as! [Any]).map { Float(($0 as! NSNumber).doubleValue) } }
    static func ints(_ any: Any?) -> [Int] { (any as! [Any]).map { ($0 as! NSNumber).intValue } }

    /// {"shape": [...], "data": [...]} → Tensor.
    static func tensor(_ any: Any?) -> Tensor {
        let d = any as! [String: Any]
        return Tensor(shape: ints(d["shape"]), scalars: floats(d["data"]))
    }

    /// [[key, shape], ...] in PyTorch's state-dict order.
    static func keys(_ any: Any?) -> [(String, [Int])] {
        (any as! [Any]).map { e in
            let pair = e as! [Any]
            return (pair[0] as! String, ints(pair[1]))
        }
    }
}

/// max|a − b| ≤ rtol · max|b| (+ atol): the relative-to-scale comparison used against PyTorch.
func assertClose(_ a: [Float], _ b: [Float], rtol: Float = 1e-4, atol: Float = 0, _ message: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "\(message): \(a.count) values vs \(b.count)", file: file, line: line)
    guard a.count == b.count, !a.isEmpty else { return }
    var maxDiff: Float = 0, maxRef: Float = 0, at = 0
    for i in 0..<a.count {
        let d = abs(a[i] - b[i])
        if !(d <= maxDiff) { maxDiff = d; at = i }
        maxRef = max(maxRef, abs(b[i]))
    }
    if ProcessInfo.processInfo.environment["PRETEXT_NN_VERBOSE"] != nil {
        print(String(format: "[close] %@: max|diff|/max|ref| = %.2e", message, Double(maxDiff / max(maxRef, 1e-30))))
    }
    XCTAssertTrue(maxDiff <= rtol * maxRef + atol,
                  "\(message): max |diff| \(maxDiff) at \(at) (\(a[at]) vs \(b[at])), scale \(maxRef), allowed \(rtol * maxRef + atol)",
                  file: file, line: line)
}

/// Asserts that a module's state-dict keys and shapes equal PyTorch's, in order.
func assertKeys(_ m: Module, _ expected: [(String, [Int])], _ name: String, file: StaticString = #filePath, line: UInt = #line) {
    let mine = m.stateDict().map { ($0.key, $0.tensor.shape) }
    let mineKeys = mine.map(\.0), refKeys = expected.map(\.0)
    if mineKeys != refKeys {
        let missing = refKeys.filter { !mineKeys.contains($0) }, extra = mineKeys.filter { !refKeys.contains($0) }
        XCTFail("\(name): keys differ from PyTorch; missing \(missing.prefix(10)), unexpected \(extra.prefix(10))"
                + (missing.isEmpty && extra.isEmpty ? " (order differs)" : ""), file: file, line: line)
        return
    }
    for ((k, s), (_, r)) in zip(mine, expected) where s != r {
        XCTFail("\(name): \(k) has shape \(s), PyTorch \(r)", file: file, line: line)
    }
}

/// Finds a Python with torch, torchvision, timm and safetensors (env PRETEXT_TORCH_PYTHON, the peer
/// venv, then python3); nil when there is none (the interop tests are then skipped).
func torchPython() -> String? {
    var candidates: [String] = []
    if let env = ProcessInfo.processInfo.environment["PRETEXT_TORCH_PYTHON"] { candidates.append(env) }
    candidates += ["/work/peer/bin/python", "/usr/bin/python3", "/usr/local/bin/python3"]
    for c in candidates where FileManager.default.isExecutableFile(atPath: c) {
        // find_spec only: importing torch here would double the test's time.
        let probe = "import importlib.util as u, sys; sys.exit(0 if all(u.find_spec(m) for m in ['torch', 'torchvision', 'timm', 'safetensors']) else 1)"
        if (try? runProcess(c, ["-c", probe]))?.status == 0 { return c }
    }
    return nil
}

/// Runs a program and returns its exit status and combined output.
@discardableResult
func runProcess(_ path: String, _ args: [String]) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A fresh temporary directory, removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("pretext-nn-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
