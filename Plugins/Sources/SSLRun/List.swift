import ArgumentParser
import Foundation
import Pretext

/// `ssl-run list [kind]`: every registered entry with its kind and source.
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List registered methods, backbones, heads, losses, transforms, schedules and optimizers.")

    @Argument(help: "Only this kind: method, backbone, head, loss, transform, schedule, optimizer.") var kind: String?
    @OptionGroup var pluginOptions: PluginOptions

    func run() throws {
        let host = try pluginOptions.boot()
        var filter: ComponentKind?
        if let kind {
            // The kind as given, or its singular ("losses", "methods"); "loss" itself ends in "s".
            let k = [kind, String(kind.dropLast()), String(kind.dropLast(2))]
                .first { ComponentKind(rawValue: $0) != nil } ?? kind
            guard let parsed = ComponentKind(rawValue: k) else {
                let valid = ComponentKind.allCases.map(\.rawValue)
                throw CommandFailure(message: "unknown kind '\(kind)'" + (Suggest.closest(to: k, in: valid).map { " — did you mean '\($0)'?" } ?? "") + "; kinds: " + valid.joined(separator: ", "))
            }
            filter = parsed
        }
        let entries = Registry.shared.list(filter)
        let w = max(entries.map(\.name.count).max() ?? 4, 4)
        print("KIND       " + "NAME".padding(toLength: w + 2, withPad: " ", startingAt: 0) + "SOURCE")
        for e in entries {
            print(e.kind.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
                  + e.name.padding(toLength: w + 2, withPad: " ", startingAt: 0) + e.source
                  + (e.summary.isEmpty ? "" : "\n" + String(repeating: " ", count: 11 + w + 2) + e.summary))
        }
        for w in host.warnings { print("warning: \(w)") }
    }
}
