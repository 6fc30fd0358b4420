import ArgumentParser
import LakeqDelta
import LakeqIngest
import LakeqKafka
import LakeqParquet
import LakeqQuery
import LakeqServer
import LakeqStream

/// Runs a command body; a library error (bad data, a bad query, a broken table, a broker that
/// fails) becomes one line on stderr, `lakeq: …`, and exit status 1 (spec/cli.md, "Errors and
/// exit codes"). With `sql`, a syntax error prints that statement with a caret under the
/// position instead. Anything else, such as ArgumentParser's usage errors and exit codes,
/// passes through untouched. Every command reports its errors through this one function.
func reportingErrors(sql: String? = nil, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as SQLSyntaxError where sql != nil {
        printError(e.render(sql: sql ?? ""))
        throw ExitCode(1)
    } catch {
        guard let message = libraryErrorMessage(error) else { throw error }
        printError("lakeq: " + message)
        throw ExitCode(1)
    }
}

/// The one-line message of an error thrown by one of lakeq's libraries; nil for any other error.
func libraryErrorMessage(_ error: any Error) -> String? {
    switch error {
    case let e as ParquetError: return e.description
    case let e as DeltaError: return e.description
    case let e as QueryError: return e.description
    case let e as SQLSyntaxError: return e.description
    case let e as IngestError: return e.description
    case let e as FormatError: return e.description
    case let e as StreamError: return e.description
    case let e as KafkaError: return e.description
    case let e as ConfigurationError: return e.description
    default: return nil
    }
}
