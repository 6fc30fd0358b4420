/// LakeqServer: `lakeq serve`, the HTTP API service that embeds the engine (spec/http.md).
///
/// What lives where:
/// - `Service/`: `LakeqService` (router, application, run until SIGTERM), `ServerConfiguration`
///   (flags, config file, defaults), `ServiceState` (what every route shares), `QueryRunner`
///   (admission, the query pool, time limit, PII masking).
/// - `Routes/`: one file per endpoint group; `APIRequestContext` and `RequestBodies` (size and
///   time limits on bodies).
/// - `Auth/`: keys file (`KeyStore`: salted hashes), roles, the authenticator middleware.
/// - `Limits/`: per-key token buckets (429) and the concurrent-query gate (503).
/// - `Cache/`: the result cache (LRU by bytes, keyed by request and table versions; ETags).
/// - `Metrics/`: swift-metrics on a per-service Prometheus registry.
/// - `Logging/`: JSON log handler, audit log, the observer middleware (errors to JSON, logs,
///   audit, metrics per request).
/// - `Intake/`: group commit of `POST /v1/events` and `Idempotency-Key`.
/// - `Analytics/`: the analytics SQL and the data-quality index.
/// - `Output/`: result encoders (JSON, CSV, JSON Lines, Arrow IPC stream, Parquet).
/// - `Privacy/`: PII masking (HMAC-SHA256).
/// - `OpenAPI/`: the OpenAPI 3.1 document served at `/openapi.json`.
enum LakeqServerModule {}
