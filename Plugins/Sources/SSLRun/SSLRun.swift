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
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as CommandFailure {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            Foundation.exit(error.code)
        } catch let error as ExitCode {
            exit(withError: error)
        } catch {
            // Parsing errors, --help and --version belong to ArgumentParser, which prints and exits.
            if String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") {
                exit(withError: error)
            }
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            Foundation.exit(1)
        }
    }
}

/// An error already phrased for the user, with an exit code.
struct CommandFailure: Error {
    var message: String
    var code: Int32 = 1
}
