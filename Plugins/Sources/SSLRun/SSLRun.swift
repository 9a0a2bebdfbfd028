import ArgumentParser
import Foundation
import Pretext

/// `ssl-run`: self-supervised pretraining from the command line. Training is the default subcommand,
/// so `ssl-run --method dino --backbone vit-s` trains.
@main
struct SSLRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssl-run",
        abstract: "Self-supervised pretraining of vision backbones (SimCLR, MoCo, DINO, MAE, …) on the CPU.",
        discussion: HelpText.reflow("""
        Methods are plugins: `ssl-run list` shows what is installed, `ssl-run new-plugin NAME` starts a new one.
        `ssl-run --version` prints the CPU's features and the GEMM and convolution kernels chosen for them.
        Examples:
          ssl-run --method simclr --backbone resnet18 --data ../shared/data/cifar10/train --epochs 12
          ssl-run --config templates/recipes/simclr-cifar-small.yaml --out runs/simclr
          ssl-run --resume runs/simclr
        """),
        subcommands: [Train.self, List.self, Defaults.self, NewPlugin.self, Export.self, Install.self,
                      Eval.self, Finetune.self, Embed.self, Sweep.self, PlotCommand.self],
        defaultSubcommand: Train.self
    )

    /// `ssl-run --version`: the framework, plugin ABI, and the kernels this CPU runs (checked here rather
    /// than through ArgumentParser's static version string, so the CPU is only probed when asked).
    static var versionText: String {
        (["ssl-run (Pretext, plugin ABI \(PluginABI.hostVersion))"] + KernelReport.lines).joined(separator: "\n")
    }

    /// Runs a command, printing our own errors as one clear message (no Swift trap, no stack trace).
    static func main() {
        if CommandLine.arguments.dropFirst().first == "--version" {
            print(versionText)
            Foundation.exit(0)
        }
        // Under mpirun: every rank joins the job here; a plain run opens no MPI (see ProcessGroup).
        let group: ProcessGroup
        do { group = try ProcessGroup.initializeFromEnvironment() } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            Foundation.exit(1)
        }
        do {
            var command = try parseAsRoot(joiningNegativeNumbers(Array(CommandLine.arguments.dropFirst())))
            if group.isDistributed {
                guard command is Train || command is EvalKNN || command is EvalLinear else {
                    throw CommandFailure(message: "under mpirun only training, `eval knn` and `eval linear` run data-parallel; run this command as one process (without mpirun)")
                }
                // Rank 0 speaks for the job; the others' errors still reach stderr.
                if !group.isMain { _ = freopen("/dev/null", "w", stdout) }
            }
            try command.run()
            group.finalize()
        } catch let error as CommandFailure {
            if group.isDistributed {
                // Ctrl-C reaches every rank, which stop together after rank 0's checkpoint: rank 0 says
                // so. Any other error is this rank's alone: it ends the whole job with its message.
                if error.code == 130 {
                    if group.isMain { FileHandle.standardError.write(Data("error: \(error.message)\n".utf8)) }
                    group.finalize()
                    Foundation.exit(error.code)
                }
                group.abort(message: "error: \(error.message)", code: error.code)
            }
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            Foundation.exit(error.code)
        } catch let error as ExitCode {
            exit(withError: error)
        } catch {
            // Parsing errors, --help and --version belong to ArgumentParser, which prints and exits.
            if String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") {
                // Every rank parsed the same arguments and stops here alike; rank 0 prints.
                group.finalize()
                if !group.isMain { Foundation.exit(exitCode(for: error).rawValue) }
                exit(withError: error)
            }
            if group.isDistributed { group.abort(message: "error: \(error)") }
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            Foundation.exit(1)
        }
    }
}

/// `--batch-size -4` → `--batch-size=-4`: ArgumentParser takes a value that starts with "-" for an
/// option and reports "Missing value"; joined, the value reaches the option's own range check, whose
/// message names the key. Only a long option directly followed by a number is joined.
func joiningNegativeNumbers(_ args: [String]) -> [String] {
    var out: [String] = []
    var i = 0
    while i < args.count {
        let a = args[i]
        if a.hasPrefix("--"), !a.contains("="), a != "--", i + 1 < args.count,
           args[i + 1].hasPrefix("-"), Double(args[i + 1]) != nil {
            out.append("\(a)=\(args[i + 1])")
            i += 2
        } else {
            out.append(a)
            i += 1
        }
    }
    return out
}

/// An error already phrased for the user, with an exit code.
struct CommandFailure: Error {
    var message: String
    var code: Int32 = 1
}
