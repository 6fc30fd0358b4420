import Foundation
import PackagePlugin

/// Build-tool plugin: turns the files under `Dashboard/Assets/` of the target it is applied to
/// into one generated Swift file (`EmbeddedAssets`), so the dashboard ships inside the binary
/// (no resource bundle beside it, which a `--static-swift-stdlib` binary copied elsewhere
/// would lose). The assets stay ordinary files in the repository; the generated file lives
/// in the build directory only.
@main
struct EmbedDashboardAssets: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let assets = target.directoryURL.appending(path: "Dashboard").appending(path: "Assets")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedAssets.swift")
        var inputs: [URL] = []
        if let walker = FileManager.default.enumerator(at: assets, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                inputs.append(url)
            }
        }
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) dashboard assets",
                executable: try context.tool(named: "EmbedAssets").url,
                arguments: [assets.path, output.path],
                inputFiles: inputs.sorted { $0.path < $1.path },
                outputFiles: [output]
            )
        ]
    }
}
