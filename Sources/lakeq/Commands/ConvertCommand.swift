import ArgumentParser

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "convert", abstract: "Convert CSV or JSON Lines to Parquet.")
    func run() throws {}
}
