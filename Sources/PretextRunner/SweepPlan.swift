import Foundation
import PretextCore
import PretextTensor

/// The runs of a sweep: the Cartesian product of the swept values (or `random` samples of it), each
/// repeated for `seeds` seeds, with one run folder per run named from its values
/// (`temperature=0.2_lr=0.06_seed=1`).
public struct SweepPlan {
    /// One swept configuration key and its values, as given (`method.temperature=0.1,0.2,0.5`).
    public struct Knob: Equatable {
        public var key: String
        public var values: [String]
        /// The key's name in run-folder names: its last component, unless that is ambiguous.
        public var shortName: String

        public init(key: String, values: [String], shortName: String? = nil) {
            self.key = key
            self.values = values
            self.shortName = shortName ?? String(key.split(separator: ".").last ?? Substring(key))
        }
    }

    /// One run: a value for every knob and a seed.
    public struct Trial: Equatable {
        public var assignments: [(key: String, value: String)]
        public var seed: Int
        /// The folder name (`temperature=0.2_lr=0.06_seed=1`).
        public var name: String
        /// The configuration without the seed (`temperature=0.2_lr=0.06`): runs that are averaged.
        public var configuration: String

        public static func == (a: Trial, b: Trial) -> Bool {
            a.name == b.name && a.seed == b.seed && a.assignments.map(\.key) == b.assignments.map(\.key)
                && a.assignments.map(\.value) == b.assignments.map(\.value)
        }

        /// The value of `key` in this run.
        public func value(_ key: String) -> String? { assignments.first { $0.key == key }?.value }
    }

    public var knobs: [Knob]
    public var seeds: [Int]
    public var trials: [Trial]

    /// Parses `section.key=v1,v2,…`.
    public static func parseGrid(_ text: String) throws -> Knob {
        guard let eq = text.firstIndex(of: "=") else {
            throw RunError.data("--grid takes key.path=v1,v2,… (e.g. --grid method.temperature=0.1,0.2,0.5), not '\(text)'")
        }
        let key = text[..<eq].trimmingCharacters(in: .whitespaces)
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts.allSatisfy({ !$0.isEmpty }) else {
            throw RunError.data("--grid key '\(key)' must name a section and a key, e.g. method.temperature or optimizer.lr")
        }
        let values = text[text.index(after: eq)...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !values.isEmpty, values.allSatisfy({ !$0.isEmpty }) else {
            throw RunError.data("--grid \(key) has an empty value list: give comma-separated values, e.g. \(key)=0.1,0.2")
        }
        guard Set(values).count == values.count else {
            throw RunError.data("--grid \(key) lists a value twice (\(values.joined(separator: ",")))")
        }
        return Knob(key: key, values: values)
    }

    /// The plan for `knobs` × `seeds` seeds (0, 1, …, or `firstSeed` onwards). With `random`, that many
    /// configurations are drawn from the grid without replacement (seeded by `randomSeed`), in grid order.
    public init(knobs: [Knob], seeds: Int = 1, firstSeed: Int = 0, random: Int? = nil, randomSeed: UInt64 = 0) throws {
        guard seeds >= 1 else { throw RunError.data("--seeds must be at least 1") }
        var knobs = knobs
        let keys = knobs.map(\.key)
        guard Set(keys).count == keys.count else {
            throw RunError.data("a key is swept twice: \(keys.joined(separator: ", "))")
        }
        // Short names must be unique: fall back to the full key (dots → '-') where they clash.
        let shortNames = knobs.map(\.shortName)
        for i in knobs.indices where shortNames.filter({ $0 == shortNames[i] }).count > 1 || shortNames[i] == "seed" {
            knobs[i].shortName = knobs[i].key.replacingOccurrences(of: ".", with: "-")
        }
        self.knobs = knobs
        self.seeds = Array(firstSeed..<(firstSeed + seeds))
        var configs: [[String]] = [[]]
        for knob in knobs { configs = configs.flatMap { c in knob.values.map { c + [$0] } } }
        if let random {
            guard random >= 1 else { throw RunError.data("--random must be at least 1") }
            if random < configs.count {
                var rng = RNG(seed: randomSeed, stream: 0x5EE9)
                let chosen = Set(rng.permutation(configs.count).prefix(random))
                configs = configs.enumerated().filter { chosen.contains($0.offset) }.map(\.element)
            }
        }
        var trials: [Trial] = []
        for values in configs {
            let assignments = zip(knobs, values).map { (key: $0.0.key, value: $0.1) }
            let config = zip(knobs, values).map { "\($0.0.shortName)=\(SweepPlan.sanitize($0.1))" }.joined(separator: "_")
            for seed in self.seeds {
                let name = (config.isEmpty ? "" : config + "_") + "seed=\(seed)"
                trials.append(Trial(assignments: assignments, seed: seed, name: name, configuration: config.isEmpty ? "base" : config))
            }
        }
        self.trials = trials
    }

    /// A value as it may appear in a folder name (letters, digits, `.+-`; anything else becomes `_`).
    public static func sanitize(_ value: String) -> String {
        String(value.map { $0.isLetter || $0.isNumber || ".+-".contains($0) ? $0 : "_" })
    }

    /// How far a run folder got.
    public enum RunState: Equatable {
        case notStarted
        /// Checkpointed after `epochsDone` of `epochs` (resume with `--resume`).
        case partial(epochsDone: Int, epochs: Int)
        case finished(epochs: Int)
    }

    /// Reads `dir/config.yaml` and `dir/checkpoints/last/state.json` (or `.previous`, left by an
    /// interrupted checkpoint write).
    public static func state(of dir: URL) -> RunState {
        let fm = FileManager.default
        let ckpt = dir.appendingPathComponent("checkpoints")
        var stateURL = ckpt.appendingPathComponent("last/state.json")
        if !fm.fileExists(atPath: stateURL.path) { stateURL = ckpt.appendingPathComponent(".previous/state.json") }
        guard let data = try? Data(contentsOf: stateURL),
              let state = try? JSONDecoder().decode(Checkpoint.State.self, from: data),
              let config = try? ConfigFile.load(dir.appendingPathComponent("config.yaml").path) else { return .notStarted }
        var epochs = 1
        switch config["train"]?["epochs"] {
        case let .int(e)?: epochs = e
        case let .double(e)?: epochs = Int(e)
        default: break
        }
        return state.epoch >= epochs && state.batchInEpoch == 0 ? .finished(epochs: epochs) : .partial(epochsDone: state.epoch, epochs: epochs)
    }
}
