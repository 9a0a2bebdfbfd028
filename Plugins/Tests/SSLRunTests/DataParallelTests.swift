import Foundation
import XCTest
import Pretext

/// Data-parallel training under `mpirun -np 2` against one process with the whole batch (same seed,
/// `train.sync_bn: true`): losses and every parameter, buffer and queue agree after several steps,
/// including a stop and `--resume` in the middle of the MPI run.
///
/// Tolerances. Float32 training of a small batch-norm ResNet amplifies rounding: at the recipe's
/// learning rates, one process with the built-in im2col convolutions instead of oneDNN ends three steps
/// 5e-4 (global relative L2) away from itself, so no data-parallel run can agree closer than that.
/// These runs use lr 1e-3, where rounding is not amplified (the same comparison gives ~1e-6), and ask
/// for 1e-5: the losses relative, the parameters as a global relative L2 norm and each element within
/// 1e-4 of the tensor's scale (max(1, max|w|)). A missing gather, an un-synchronised batch norm or a
/// queue filled by one rank only is off by 1e-3 or more (`testWithoutSyncBNOrGatherTheRunsDiffer`).
final class DataParallelTests: XCTestCase {
    /// 16 CIFAR images (one global batch of 16 per epoch), ResNet-18 width 1/8 with the CIFAR stem.
    static var images: URL = {
        let dir = (try? SSLRun.temporaryDirectory("dp-images")) ?? URL(fileURLWithPath: NSTemporaryDirectory())
        let source = SSLRun.repoRoot.appendingPathComponent("../shared/data/cifar10/train").standardizedFileURL
        let fm = FileManager.default
        for c in ((try? fm.contentsOfDirectory(atPath: source.path)) ?? []).sorted().prefix(8) {
            try? fm.createDirectory(at: dir.appendingPathComponent(c), withIntermediateDirectories: true)
            for f in ((try? fm.contentsOfDirectory(atPath: source.appendingPathComponent(c).path)) ?? []).sorted().prefix(2) {
                try? fm.createSymbolicLink(at: dir.appendingPathComponent(c).appendingPathComponent(f),
                                           withDestinationURL: source.appendingPathComponent(c).appendingPathComponent(f))
            }
        }
        return dir
    }()

    static let resnetBackbone = ["--backbone", "resnet18", "--set", "backbone.cifar_stem=true", "--set", "backbone.width=0.125"]
    static let resnet = resnetBackbone + common
    /// Buckets of 0.05 MB (a dozen or more per model) so that most sums start during backward.
    static let common = ["--paper-settings", "--batch-size", "16", "--epochs", "3",
                         "--set", "train.sync_bn=true", "--set", "train.bucket_mb=0.05", "--set", "train.log_every=1", "--set", "data.workers=1",
                         "--threads", "1", "--quiet"]

    static var mpirun: URL? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let url = URL(fileURLWithPath: String(dir)).appendingPathComponent("mpirun")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    /// `mpirun -np 2 ssl-run ARGS` (root and oversubscription allowed: CI runs as root on 2 cores).
    @discardableResult
    func mpi(_ args: [String], ranks: Int = 2, timeout: TimeInterval = 600) throws -> SSLRun.Result {
        guard let mpirun = Self.mpirun else {
            throw XCTSkip("mpirun not found: install Open MPI (apt-get install -y libopenmpi-dev openmpi-bin), as .ci/run does")
        }
        return try SSLRun.exec(mpirun, ["--allow-run-as-root", "--oversubscribe", "-np", "\(ranks)", SSLRun.binary.path] + args,
                               timeout: timeout)
    }

    func state(_ run: URL) throws -> [String: [Float]] {
        let file = try SafeTensors.read(from: run.appendingPathComponent("checkpoints/last/model.safetensors"))
        return Dictionary(uniqueKeysWithValues: file.tensors.map { ($0.key, $0.tensor.scalars) })
    }

    func stepLosses(_ run: URL) throws -> [Double] {
        try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").compactMap {
            let r = try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            return r?["epoch_loss"] == nil ? r?["loss"] as? Double : nil
        }
    }

    /// The largest differences of two runs: loss (relative), parameters (global relative L2), element (scaled).
    func distance(_ a: URL, _ b: URL) throws -> (loss: Double, l2: Double, element: Double, worst: String) {
        let la = try stepLosses(a), lb = try stepLosses(b)
        XCTAssertEqual(la.count, lb.count, "step records")
        // Relative, or absolute for losses near 0 (BYOL's negative cosine passes through it).
        let loss = zip(la, lb).map { abs($0 - $1) / max(abs($0), 1) }.max() ?? .infinity
        let sa = try state(a), sb = try state(b)
        XCTAssertEqual(Set(sa.keys), Set(sb.keys))
        var num = 0.0, den = 0.0, element = 0.0, worst = ""
        for (k, va) in sa {
            guard let vb = sb[k], vb.count == va.count else { return (loss, .infinity, .infinity, k) }
            let scale = Double(max(1, va.map { abs($0) }.max() ?? 0))
            for (x, y) in zip(va, vb) {
                let d = Double(x - y)
                num += d * d
                den += Double(x) * Double(x)
                if abs(d) / scale > element { element = abs(d) / scale; worst = k }
            }
        }
        return (loss, (num / max(den, 1e-30)).squareRoot(), element, worst)
    }

    func assertEquivalent(_ method: [String], _ name: String, backbone: [String] = resnetBackbone,
                          file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = try SSLRun.temporaryDirectory("dp-\(name)")
        let single = dir.appendingPathComponent("single"), parallel = dir.appendingPathComponent("mpi")
        let args = method + backbone + Self.common + ["--data", Self.images.path]
        let one = try SSLRun.run(args + ["--out", single.path])
        XCTAssertEqual(one.status, 0, one.all, file: file, line: line)
        // The MPI run stops after step (epoch) 1 and resumes for steps 2 and 3 (both under mpirun -np 2).
        let first = try mpi(args + ["--out", parallel.path, "--stop-after", "1"])
        XCTAssertEqual(first.status, 0, first.all, file: file, line: line)
        let second = try mpi(["--resume", parallel.path, "--stop-after", "0", "--threads", "1", "--quiet"])
        XCTAssertEqual(second.status, 0, second.all, file: file, line: line)
        let d = try distance(single, parallel)
        let what = "\(name): 2 ranks × 8 vs 1 × 16 images"
        XCTAssertEqual(try stepLosses(single).count, 3, what, file: file, line: line)
        XCTAssertLessThan(d.loss, 1e-5, "\(what): step losses", file: file, line: line)
        XCTAssertLessThan(d.l2, 1e-5, "\(what): parameters (relative L2)", file: file, line: line)
        XCTAssertLessThan(d.element, 1e-4, "\(what): worst element in \(d.worst)", file: file, line: line)
        // The resumed process's first step reduces after backward and lays out the buckets; in its second
        // most buckets start while backward is still running.
        let overlap = try epochRecords(parallel).last?["allreduce_overlapped"] as? Double
        XCTAssertGreaterThan(overlap ?? 0, 0.5, "\(what): share of buckets started during backward", file: file, line: line)
    }

    func epochRecords(_ run: URL) throws -> [[String: Any]] {
        try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").compactMap {
            let r = try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            return r?["epoch_loss"] != nil ? r : nil
        }
    }

    /// SGD methods at lr 1e-3 (their recipes' rates amplify rounding, see the type's doc).
    static let sgd = ["--lr", "0.001", "--set", "views.input_size=32"]

    func testSimCLRGathersNegativesFromEveryRank() throws {
        try assertEquivalent(["--method", "simclr"] + Self.sgd, "simclr")
    }

    func testMoCoFillsItsQueueWithEveryRanksKeys() throws {
        try assertEquivalent(["--method", "moco"] + Self.sgd + ["--set", "method.memory_bank_size=64", "--set", "method.batchnorm_splits=1"], "moco")
    }

    func testBYOLAveragesGradientsAndMomentumTargetsStayEqual() throws {
        try assertEquivalent(["--method", "byol"] + Self.sgd, "byol")
    }

    /// DINO at its own AdamW rate (6.25e-5; AdamW's normalised steps turn rounding into lr-sized moves).
    func testDINOCentresOnTheMeanOfEveryRanksTeacherOutputs() throws {
        try assertEquivalent(["--method", "dino", "--set", "views.local_views=2", "--set", "views.global_crop_size=32",
                              "--set", "views.local_crop_size=16", "--set", "method.head.output_dim=64",
                              "--set", "method.head.hidden_dim=64", "--set", "method.head.bottleneck_dim=32"], "dino")
    }

    /// The other methods whose loss needs the whole batch (`DistributedBatch`: Barlow Twins, VICReg,
    /// DCLW, MoCo v3, SwAV's Sinkhorn; NNCLR's support set) and SimSiam (local loss). Barlow Twins at
    /// lr 3e-5 and DCLW at 1e-4: at lr 1e-3 one process with im2col instead of oneDNN convolutions is
    /// already 1.4e-4 (DCLW) and 1.4e-4 (Barlow Twins, loss ~60) away from itself after three steps.
    /// NNCLR at 1e-4: at 1e-3 it passed on AVX-512 (Zen 4) but on AVX2 (Zen 3: OpenBLAS Haswell, oneDNN
    /// avx2) the two runs ended 2.4e-4 apart (parameters, relative L2; losses 1.7e-2), identically with
    /// the build before the ReLU kernels — not yet explained (a nearest-neighbour flip is the suspect); at
    /// 1e-4 with Pretext's Winograd convolutions on AVX2 (tile blocks that differ between 8 and 16 images
    /// per rank) 2.1e-5 apart, so 3e-5.
    func testTheOtherMethodsEqualOneProcess() throws {
        let small = ["--set", "method.projection.hidden_dim=64", "--set", "method.projection.output_dim=64"]
        try assertEquivalent(["--method", "barlowtwins", "--lr", "0.00003", "--set", "views.input_size=32"] + small, "barlowtwins")
        try assertEquivalent(["--method", "vicreg"] + Self.sgd + small, "vicreg")
        try assertEquivalent(["--method", "dclw", "--lr", "0.0001", "--set", "views.input_size=32"], "dclw")
        try assertEquivalent(["--method", "nnclr", "--lr", "0.00003", "--set", "views.input_size=32", "--set", "method.support_set_size=64"], "nnclr")
        try assertEquivalent(["--method", "simsiam"] + Self.sgd, "simsiam")
        try assertEquivalent(["--method", "swav", "--lr", "0.001", "--set", "views.global_crop_size=32", "--set", "views.local_crop_size=16",
                              "--set", "views.local_views=2", "--set", "method.prototypes.n_prototypes=32"], "swav")
    }

    /// MoCo v3 on a ViT (no batch norm in the backbone; keys gathered across ranks).
    func testMoCoV3OnAViT() throws {
        try assertEquivalent(["--method", "mocov3", "--set", "views.input_size=32", "--set", "method.projection.hidden_dim=64", "--set", "method.projection.output_dim=32",
                              "--set", "method.prediction.hidden_dim=64", "--set", "method.prediction.output_dim=32"], "mocov3",
                             backbone: ["--backbone", "vit-t", "--set", "backbone.patch_size=8", "--set", "backbone.image_size=32"])
    }

    /// Without SyncBN each rank normalises with its own 8 images (DDP's default), and without the gather
    /// each rank's negatives are its own batch: both are different training, far outside the tolerance.
    func testWithoutSyncBNOrGatherTheRunsDiffer() throws {
        let dir = try SSLRun.temporaryDirectory("dp-controls")
        let args = ["--method", "simclr"] + Self.sgd + Self.resnet + ["--data", Self.images.path, "--epochs", "1"]
        let single = dir.appendingPathComponent("single")
        XCTAssertEqual(try SSLRun.run(args + ["--out", single.path]).status, 0)
        for (name, set) in [("no-sync-bn", "train.sync_bn=false"), ("no-gather", "method.gather_distributed=false")] {
            let run = dir.appendingPathComponent(name)
            let r = try mpi(args + ["--set", set, "--out", run.path])
            XCTAssertEqual(r.status, 0, r.all)
            let d = try distance(single, run)
            XCTAssertGreaterThan(d.loss, 1e-3, "\(name): the first step's loss should already differ")
        }
    }

    /// Ctrl-C to mpirun reaches every rank; they stop at the same step, rank 0 writes the checkpoint,
    /// and `--resume` under mpirun ends exactly as the uninterrupted MPI run (bit for bit).
    func testCtrlCToMpirunCheckpointsAndResumesExactly() throws {
        guard let mpirun = Self.mpirun else { throw XCTSkip("mpirun not found") }
        let dir = try SSLRun.temporaryDirectory("dp-interrupt")
        let straight = dir.appendingPathComponent("straight"), run = dir.appendingPathComponent("run")
        let args = ["--method", "moco", "--set", "method.memory_bank_size=64", "--set", "method.batchnorm_splits=1"] + Self.sgd
            + Self.resnet + ["--data", Self.images.path, "--epochs", "30"]
        XCTAssertEqual(try mpi(args + ["--out", straight.path]).status, 0)
        let p = Process()
        p.executableURL = mpirun
        p.arguments = ["--allow-run-as-root", "--oversubscribe", "-np", "2", SSLRun.binary.path] + args + ["--out", run.path]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let epoch3 = run.appendingPathComponent("checkpoints/epoch-003.safetensors")
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: epoch3.path) && p.isRunning && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(p.isRunning, "the run ended before it could be interrupted")
        p.interrupt()
        p.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(stderr.contains("checkpoint saved"), stderr)
        XCTAssertEqual(stderr.components(separatedBy: "interrupt: finishing this step").count - 1, 1, "rank 0 alone announces it: \(stderr)")
        let done = try stepLosses(run).count
        XCTAssertGreaterThan(done, 2)
        XCTAssertLessThan(done, 30)
        let resumed = try mpi(["--resume", run.path, "--threads", "1", "--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.all)
        let a = try state(straight), b = try state(run)
        for (k, v) in a { XCTAssertEqual(v, b[k] ?? [], "\(k) after Ctrl-C and --resume") }
        XCTAssertEqual(try stepLosses(straight), try stepLosses(run))
    }

    /// Offline and online kNN under mpirun: each rank extracts its part of the images and the features
    /// are gathered; the accuracies are one process's.
    func testKNNFeaturesAreExtractedInShardsWithTheSameResult() throws {
        let dir = try SSLRun.temporaryDirectory("dp-knn")
        let args = ["--method", "simclr"] + Self.sgd + Self.resnet + ["--data", Self.images.path, "--eval-data", Self.images.path, "--epochs", "1"]
        let single = dir.appendingPathComponent("single"), parallel = dir.appendingPathComponent("mpi")
        XCTAssertEqual(try SSLRun.run(args + ["--out", single.path]).status, 0)
        XCTAssertEqual(try mpi(args + ["--out", parallel.path]).status, 0)
        func record(_ run: URL) throws -> [String: Any] {
            let lines = try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            return try XCTUnwrap(lines.compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .last { $0["knn20_top1"] != nil })
        }
        XCTAssertEqual(try record(single)["knn20_top1"] as? Double, try record(parallel)["knn20_top1"] as? Double)
        var json: [[String: Any]] = []
        for (i, launch) in [false, true].enumerated() {
            let out = dir.appendingPathComponent("knn\(i).json")
            let eval = ["eval", "knn", single.path, "--train", Self.images.path, "--test", Self.images.path, "--json", out.path, "--threads", "1"]
            let r = launch ? try mpi(eval) : try SSLRun.run(eval)
            XCTAssertEqual(r.status, 0, r.all)
            XCTAssertEqual(r.stdout.components(separatedBy: "kNN on").count - 1, 1, "one report, from rank 0: \(r.stdout)")
            json.append(try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any]))
        }
        for key in ["knn20_top1", "knn20_top5", "knn200_top1"] {
            XCTAssertEqual(json[0][key] as? Double, json[1][key] as? Double, key)
        }
    }

    func testABadImageOnOneRankEndsTheWholeJobWithItsMessage() throws {
        let dir = try SSLRun.temporaryDirectory("dp-bad")
        let data = dir.appendingPathComponent("data")
        try FileManager.default.copyItem(at: Self.images, to: data)
        let victim = try XCTUnwrap(FileManager.default.subpathsOfDirectory(atPath: data.path).sorted().first { $0.hasSuffix(".png") })
        try FileManager.default.removeItem(at: data.appendingPathComponent(victim))
        try Data("not a png".utf8).write(to: data.appendingPathComponent(victim))
        let started = Date()
        let r = try mpi(["--method", "simclr"] + Self.sgd + Self.resnet + ["--data", data.path, "--out", dir.appendingPathComponent("run").path],
                        timeout: 120)
        XCTAssertNotEqual(r.status, 0, r.all)
        XCTAssertTrue(r.stderr.contains("rank "), r.all)
        XCTAssertTrue(r.stderr.contains((victim as NSString).lastPathComponent), "the message names the file: \(r.all)")
        XCTAssertLessThan(Date().timeIntervalSince(started), 60, "the job ends, it does not hang")
    }

    func testAGlobalBatchThatDoesNotSplitIsRefused() throws {
        let r = try mpi(["--method", "simclr"] + Self.sgd + Self.resnet + ["--batch-size", "15", "--data", Self.images.path,
                                                              "--out", try SSLRun.temporaryDirectory("dp-split").appendingPathComponent("r").path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("data.batch_size") && r.stderr.contains("2 ranks"), r.all)
    }

    func testOtherCommandsRunAsOneProcess() throws {
        let r = try mpi(["export", "nowhere", "--out", "x.safetensors"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("only training, `eval knn` and `eval linear` run data-parallel"), r.all)
    }
}
