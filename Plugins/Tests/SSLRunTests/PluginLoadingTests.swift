import Foundation
import Pretext
import XCTest

/// Real `.so` files through `dlopen`: a plugin package made from the template and built outside this
/// repository loads and trains; stale, foreign, garbage and duplicate plugins are refused with messages.
final class PluginLoadingTests: XCTestCase {
    func cc(_ source: String, _ name: String, in dir: URL) throws -> URL {
        let c = dir.appendingPathComponent(name + ".c"), so = dir.appendingPathComponent("lib\(name).so")
        try source.write(to: c, atomically: true, encoding: .utf8)
        let r = try SSLRun.exec(URL(fileURLWithPath: "/usr/bin/env"), ["cc", "-shared", "-fPIC", "-o", so.path, c.path])
        try XCTSkipIf(r.status != 0, "no C compiler: \(r.all)")
        return so
    }

    func testStaleForeignAndGarbagePluginsAreRefusedWithMessages() throws {
        let dir = try SSLRun.temporaryDirectory("badplugins")
        let stale = try cc("int pretext_plugin_abi_version(void) { return 999; }\nint pretext_plugin_register(void) { return 0; }\n", "stale", in: dir)
        let r1 = try SSLRun.run(["list", "--plugin", stale.path])
        XCTAssertEqual(r1.status, 1)
        XCTAssertTrue(r1.stderr.contains(stale.path) && r1.stderr.contains("ABI 999") && r1.stderr.contains("ABI \(PluginABI.hostVersion)") && r1.stderr.contains("rebuild"), r1.all)

        let foreign = try cc("int add(int a, int b) { return a + b; }\n", "foreign", in: dir)
        let r2 = try SSLRun.run(["list", "--plugin", foreign.path])
        XCTAssertEqual(r2.status, 1)
        XCTAssertTrue(r2.stderr.contains("not a Pretext plugin") && r2.stderr.contains("pretext_plugin_abi_version"), r2.all)

        let garbage = dir.appendingPathComponent("libgarbage.so")
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: garbage)
        let r3 = try SSLRun.run(["list", "--plugin", garbage.path])
        XCTAssertEqual(r3.status, 1)
        XCTAssertTrue(r3.stderr.contains(garbage.path) && r3.stderr.contains("could not be loaded as a shared library"), r3.all)

        let missing = try SSLRun.run(["list", "--plugin", dir.appendingPathComponent("nope.so").path])
        XCTAssertTrue(missing.stderr.contains("does not exist"), missing.all)

        // A plugin in PRETEXT_PLUGIN_PATH that fails is a warning; the rest still work.
        let envDir = dir.appendingPathComponent("env")
        try FileManager.default.createDirectory(at: envDir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: stale, to: envDir.appendingPathComponent("libstale.so"))
        let r4 = try SSLRun.run(["list", "method"], env: ["PRETEXT_PLUGIN_PATH": envDir.path])
        XCTAssertEqual(r4.status, 0, r4.all)
        XCTAssertTrue(r4.stderr.contains("warning") && r4.stderr.contains("ABI 999") && r4.stdout.contains("simclr"), r4.all)
    }

    /// A plugin built against a changed framework surface is refused. The scratch copy of the SDK gets a
    /// PretextCore module re-emitted from the sources with one more public declaration and the identity
    /// such a change produces (PluginABISurfaceTests shows that the hash moves with the declarations);
    /// the plugin compiled against it is then loaded by the real installed ssl-run.
    func testAPluginBuiltAgainstAChangedSurfaceIsRefused() throws {
        let dir = try SSLRun.temporaryDirectory("abichange")
        let prefix = dir.appendingPathComponent("prefix"), scratch = dir.appendingPathComponent("scratch-sdk")
        XCTAssertEqual(try SSLRun.run(["install", "--prefix", prefix.path]).status, 0)
        let fm = FileManager.default
        try fm.copyItem(at: prefix, to: scratch)
        let core = dir.appendingPathComponent("core")
        try fm.copyItem(at: SSLRun.repoRoot.appendingPathComponent("Sources/PretextCore"), to: core)
        try "extension Method {\n    public var scratchSurfaceChange: Int { 1 }\n}\n"
            .write(to: core.appendingPathComponent("ScratchChange.swift"), atomically: true, encoding: .utf8)
        let surface = core.appendingPathComponent("PluginABI+Surface.swift")
        let changed = try String(contentsOf: surface, encoding: .utf8)
            .replacingOccurrences(of: "= \(PluginABI.hostVersion)", with: "= 1234567")
            .replacingOccurrences(of: "{ \(PluginABI.hostVersion) }", with: "{ 1234567 }")
        XCTAssertTrue(changed.contains("= 1234567") && changed.contains("{ 1234567 }"), changed)
        try changed.write(to: surface, atomically: true, encoding: .utf8)
        let modules = scratch.appendingPathComponent("lib/pretext/swift")
        let sources = try fm.contentsOfDirectory(atPath: core.path).filter { $0.hasSuffix(".swift") }.map { core.appendingPathComponent($0).path }
        let env = URL(fileURLWithPath: "/usr/bin/env")
        let emit = try SSLRun.exec(env, ["swiftc", "-emit-module", "-module-name", "PretextCore", "-parse-as-library",
                                         "-I", modules.path, "-I", modules.path + "/include",
                                         "-emit-module-path", modules.appendingPathComponent("PretextCore.swiftmodule").path] + sources, timeout: 600)
        XCTAssertEqual(emit.status, 0, emit.all.suffix(3000).description)

        let pkg = dir.appendingPathComponent("stale")
        XCTAssertEqual(try SSLRun.exec(prefix.appendingPathComponent("bin/ssl-run"), ["new-plugin", "stale", "--output", pkg.path]).status, 0)
        let build = try SSLRun.exec(env, ["swift", "build", "-c", "release", "--package-path", pkg.path],
                                    env: ["PRETEXT_SDK": scratch.path], timeout: 600)
        XCTAssertEqual(build.status, 0, build.all.suffix(3000).description)
        let so = pkg.appendingPathComponent(".build/release/libStale.so")
        let refused = try SSLRun.exec(prefix.appendingPathComponent("bin/ssl-run"), ["list", "--plugin", so.path])
        XCTAssertEqual(refused.status, 1, refused.all)
        XCTAssertTrue(refused.stderr.contains(so.path) && refused.stderr.contains("ABI 1234567")
                      && refused.stderr.contains("ABI \(PluginABI.hostVersion)") && refused.stderr.contains("rebuild"), refused.all)
    }

    /// Without an SDK (an ssl-run that is not installed) new-plugin says how to get one; --framework makes
    /// a package that builds against the source checkout (not built here: that compiles the framework).
    func testNewPluginNeedsAnSDKOrACheckout() throws {
        let dir = try SSLRun.temporaryDirectory("nosdk")
        let none = try SSLRun.run(["new-plugin", "x", "--output", dir.appendingPathComponent("x").path], env: ["PRETEXT_SDK": ""])
        XCTAssertEqual(none.status, 1, none.all)
        XCTAssertTrue(none.stderr.contains("ssl-run install --prefix") && none.stderr.contains("PRETEXT_SDK")
                      && none.stderr.contains("--framework"), none.all)
        let wrong = try SSLRun.run(["new-plugin", "x", "--output", dir.appendingPathComponent("y").path, "--sdk", dir.path])
        XCTAssertEqual(wrong.status, 1, wrong.all)
        XCTAssertTrue(wrong.stderr.contains("is not a Pretext SDK") && wrong.stderr.contains(dir.path), wrong.all)
        let checkout = dir.appendingPathComponent("z")
        let made = try SSLRun.run(["new-plugin", "z", "--output", checkout.path, "--framework", SSLRun.repoRoot.path])
        XCTAssertEqual(made.status, 0, made.all)
        let manifest = try String(contentsOf: checkout.appendingPathComponent("Package.swift"), encoding: .utf8)
        XCTAssertTrue(manifest.contains(".package(path: frameworkPath)") && manifest.contains(SSLRun.repoRoot.standardizedFileURL.path), manifest)
        XCTAssertFalse(FileManager.default.fileExists(atPath: checkout.appendingPathComponent("Package.swift.template").path))
    }

    /// A plugin that faults in its registration cannot be survived (it runs in-process), but the dying
    /// process names it and says what to do, before the signal proceeds.
    func testAPluginThatCrashesInRegistrationIsNamed() throws {
        let dir = try SSLRun.temporaryDirectory("crashplugin")
        let source = """
            int pretext_plugin_abi_version(void) { return \(PluginABI.hostVersion); }
            int pretext_plugin_register(void) { volatile int *nowhere = 0; *nowhere = 1; return 0; }
            """
        let crash = try cc(source, "crashing", in: dir)
        let r = try SSLRun.run(["list", "--plugin", crash.path], env: ["SWIFT_BACKTRACE": "enable=no"])
        XCTAssertNotEqual(r.status, 0, r.all)
        XCTAssertTrue(r.stderr.contains("fatal SIGSEGV") && r.stderr.contains("registration function of plugin \(crash.path)")
                      && r.stderr.contains("Rebuild that plugin"), r.all)
    }

    /// A register function that returns failure without saying why (not through PluginABI.register) is
    /// named with its status and how to report a reason (it said "unknown error").
    func testAPluginWhoseRegistrationFailsSilentlyIsNamedWithItsStatus() throws {
        let dir = try SSLRun.temporaryDirectory("failplugin")
        let source = """
            int pretext_plugin_abi_version(void) { return \(PluginABI.hostVersion); }
            int pretext_plugin_register(void) { return 3; }
            """
        let failing = try cc(source, "failing", in: dir)
        let r = try SSLRun.run(["list", "--plugin", failing.path])
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.stderr.contains(failing.path) && r.stderr.contains("returned 3") && r.stderr.contains("PluginABI.register"), r.all)
        XCTAssertFalse(r.stderr.contains("unknown error"), r.all)
    }

    func testDuplicateRegistrationNamesBothSources() throws {
        let dir = try SSLRun.temporaryDirectory("dup")
        let copy = dir.appendingPathComponent("libMySimCLRCopy.so")
        try FileManager.default.copyItem(at: SSLRun.buildDir.appendingPathComponent("libPretextPluginSimCLR.so"), to: copy)
        let r = try SSLRun.run(["list", "--plugin", copy.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("'simclr' is registered twice") && r.stderr.contains("libPretextPluginSimCLR.so")
                      && r.stderr.contains(copy.path), r.all)
    }

    /// The whole new-user path, as the README tells it: install under a prefix (the SDK), scaffold with the
    /// installed ssl-run, build against the SDK (no framework sources), the package's own swift test,
    /// list, train, then resume / eval / export / finetune without naming the plugin again.
    func testPluginFromTheTemplateBuildsAgainstTheInstalledSDKAndTrains() throws {
        let dir = try SSLRun.temporaryDirectory("template")
        let prefix = dir.appendingPathComponent("prefix")
        let install = try SSLRun.run(["install", "--prefix", prefix.path])
        XCTAssertEqual(install.status, 0, install.all)
        let sdkModule = prefix.appendingPathComponent("lib/pretext/swift/PretextSDK.swiftmodule")
        XCTAssertTrue(FileManager.default.fileExists(atPath: sdkModule.path), install.all)
        let installed = prefix.appendingPathComponent("bin/ssl-run")
        // The framework library carries its SONAME: plugins record it and share the host's loaded copy.
        let readelf = try SSLRun.exec(URL(fileURLWithPath: "/usr/bin/env"), ["readelf", "-d", prefix.appendingPathComponent("lib/libPretext.so").path])
        if readelf.status == 0 { XCTAssertTrue(readelf.stdout.contains("Library soname: [libPretext.so]"), readelf.stdout) }

        let pkg = dir.appendingPathComponent("my-method")
        let made = try SSLRun.exec(installed, ["new-plugin", "my-method", "--output", pkg.path])
        XCTAssertEqual(made.status, 0, made.all)
        XCTAssertTrue(made.stdout.contains("builds against the Pretext SDK in \(prefix.standardizedFileURL.path)"), made.all)
        let manifest = try String(contentsOf: pkg.appendingPathComponent("Package.swift"), encoding: .utf8)
        XCTAssertFalse(manifest.contains(SSLRun.repoRoot.path), "the scaffold names the checkout:\n\(manifest)")
        XCTAssertFalse(manifest.contains(".package(path:"), manifest)
        XCTAssertTrue(FileManager.default.fileExists(atPath: pkg.appendingPathComponent("Sources/MyMethod/MyMethod.swift").path))
        let swift = URL(fileURLWithPath: "/usr/bin/env")
        let build = try SSLRun.exec(swift, ["swift", "build", "-c", "release", "--package-path", pkg.path], timeout: 600)
        XCTAssertEqual(build.status, 0, "building the generated plugin failed:\n\(build.all.suffix(3000))")
        XCTAssertFalse(build.all.contains("Compiling PretextTensor") || build.all.contains("Compiling Yams"), "the framework was recompiled:\n\(build.all)")
        let so = pkg.appendingPathComponent(".build/release/libMyMethod.so")
        XCTAssertTrue(FileManager.default.fileExists(atPath: so.path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: pkg.appendingPathComponent(".build/release/libPretext.so").path),
                       "a private copy of the framework was built")
        // The generated package's own test compiles and passes as generated (debug, as a user runs it).
        let test = try SSLRun.exec(swift, ["swift", "test", "--disable-swift-testing", "--package-path", pkg.path], timeout: 600)
        XCTAssertEqual(test.status, 0, "the generated plugin's swift test failed:\n\(test.all.suffix(3000))")
        XCTAssertTrue(test.all.contains("Executed 1 test, with 0 failures"), test.all.suffix(2000).description)

        let list = try SSLRun.exec(installed, ["list", "method", "--plugin", so.path])
        XCTAssertEqual(list.status, 0, list.all)
        let line = list.stdout.split(separator: "\n").first { $0.contains(" my-method ") }
        XCTAssertTrue(line?.contains("libMyMethod.so") ?? false, list.stdout)

        let out = dir.appendingPathComponent("run")
        let train = try SSLRun.exec(installed, ["--plugin", so.path, "--method", "my-method", "--epochs", "1", "--out", out.path] + SSLRun.tiny)
        XCTAssertEqual(train.status, 0, train.all)
        XCTAssertTrue(train.stdout.contains("done:"), train.all)
        // Every later command on the run finds the plugin by itself (the run folder's plugins.json, which
        // names the file by its real path: .build/release is a symlink).
        let real = String(cString: realpath(so.path, nil))
        let record = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("plugins.json"))) as? [String: Any])
        let entry = try XCTUnwrap((record["plugins"] as? [[String: Any]])?.first)
        XCTAssertEqual(entry["path"] as? String, real)
        XCTAssertEqual(entry["registered"] as? [String], ["method my-method"])
        let resumed = try SSLRun.exec(installed, ["--resume", out.path, "--epochs", "2", "--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.all)
        let metrics = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        XCTAssertTrue(metrics.contains("\"epoch\":2"), metrics)
        let (train2, test2) = try EvalFixtures.labelledFolders(dir.appendingPathComponent("labelled"), perClass: 4)
        let knn = try SSLRun.exec(installed, ["eval", "knn", out.path, "--train", train2.path, "--test", test2.path, "--k", "3", "--quiet"])
        XCTAssertEqual(knn.status, 0, knn.all)
        let weights = dir.appendingPathComponent("w.safetensors")
        let export = try SSLRun.exec(installed, ["export", out.path, "--out", weights.path])
        XCTAssertEqual(export.status, 0, export.all)
        let finetune = try SSLRun.exec(installed, ["finetune", out.path, "--train", train2.path, "--test", test2.path, "--epochs", "1",
                                                   "--out", dir.appendingPathComponent("ft").path])
        XCTAssertEqual(finetune.status, 0, finetune.all)

        // Moved: the error names the recorded file and the flag; --plugin with the new place works.
        let elsewhere = dir.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let moved = elsewhere.appendingPathComponent("libMyMethod.so")
        try FileManager.default.moveItem(at: so, to: moved)
        let lost = try SSLRun.run(["export", out.path, "--out", weights.path])
        XCTAssertEqual(lost.status, 1, lost.all)
        XCTAssertTrue(lost.stderr.contains(real) && lost.stderr.contains("no longer there")
                      && lost.stderr.contains("--plugin") && lost.stderr.contains("my-method"), lost.all)
        XCTAssertEqual(try SSLRun.run(["export", out.path, "--out", weights.path, "--plugin", moved.path]).status, 0)
        // Changed (rebuilt): refused until --plugin says to use it as it is now.
        try FileManager.default.moveItem(at: moved, to: so)
        let handle = try FileHandle(forWritingTo: so)
        handle.seekToEndOfFile()
        handle.write(Data(repeating: 0, count: 16))
        try handle.close()
        let changed = try SSLRun.run(["export", out.path, "--out", weights.path])
        XCTAssertEqual(changed.status, 1, changed.all)
        XCTAssertTrue(changed.stderr.contains("has changed") && changed.stderr.contains("--plugin \(real)"), changed.all)
        XCTAssertEqual(try SSLRun.run(["export", out.path, "--out", weights.path, "--plugin", so.path]).status, 0)
        // A method nobody registered says where plugins were looked for and how to add one.
        let unknown = try SSLRun.run(["--method", "my-methd", "--epochs", "1", "--out", dir.appendingPathComponent("x").path] + SSLRun.tiny)
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("plugins were searched in") && unknown.stderr.contains("PRETEXT_PLUGIN_PATH"), unknown.all)
    }
}
