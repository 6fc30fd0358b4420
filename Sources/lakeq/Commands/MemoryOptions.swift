import ArgumentParser
import Foundation
import LakeqQuery

/// `--memory-limit` and `--temp-directory`, shared by the query commands and `serve`.
struct MemoryOptions: ParsableArguments {
    @Option(name: .customLong("memory-limit"), help: "Memory the query's spillable state may hold before it spills to disk: 1GiB, 512MB, 80% of RAM, bytes (default: 80% of physical memory).")
    var memoryLimit: String?
    @Option(name: .customLong("temp-directory"), help: "Where spill files go, in a folder of their own removed when the query ends (default: $TMPDIR, else /tmp).")
    var tempDirectory: String?

    var flags: MemoryLimitFlags { MemoryLimitFlags(memoryLimit: memoryLimit, tempDirectory: tempDirectory) }
}

/// The values of `--memory-limit` and `--temp-directory`, as given.
struct MemoryLimitFlags: Equatable {
    var memoryLimit: String?
    var tempDirectory: String?

    /// The engine options these flags set; a bad value or a temp directory inside the lake is a usage error.
    func apply(to options: inout EngineOptions, lake: String) throws {
        if let memoryLimit {
            switch MemoryLimit.parse(memoryLimit) {
            case .success(let l): options.memoryLimit = l
            case .failure(let e): throw ValidationError("--memory-limit: \(e)")
            }
        }
        if let tempDirectory {
            if let refusal = EngineOptions.tempDirectoryRefusal(tempDirectory, lake: lake) { throw ValidationError("--temp-directory \(refusal)") }
            options.tempDirectory = tempDirectory
        }
    }
}
