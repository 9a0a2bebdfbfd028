import ArgumentParser

/// `ssl-run eval knn|linear RUN_DIR --train DIR --test DIR`: offline evaluation of a run's backbone.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a run's frozen backbone on labelled folders: weighted kNN or a linear probe.",
        discussion: HelpText.reflow("""
        Both commands reopen the run (config.yaml + checkpoint weights + the run's normalisation), compute
        backbone features of --train and --test once (no augmentation; --input-size resizes and centre-crops),
        and print top-1 / top-5 accuracy. --json FILE also writes the numbers for scripts and sweeps.
        Examples:
          ssl-run eval knn runs/simclr --train ../shared/data/cifar10/train --test ../shared/data/cifar10/test
          ssl-run eval linear runs/simclr --train ../shared/data/cifar10/train --test ../shared/data/cifar10/test
        """),
        subcommands: [EvalKNN.self, EvalLinear.self])
}
