import Foundation

extension IngestSchema {
    /// The schema file of the viewing-events table, embedded so that `lakeq gen` (and tests,
    /// benchmarks) store its rules from any directory. It is `examples/events.schema.json`
    /// byte for byte; a test keeps the two equal.
    public static let viewingEventsJSON = #"""
{"columns": [
  {"name": "event_id",     "type": "int64",         "required": true, "min": 1},
  {"name": "user_id",      "type": "int64",         "required": true, "min": 1, "max": 1000000, "pii": true},
  {"name": "show",         "type": "string",        "required": true},
  {"name": "show_type",    "type": "string",        "required": true, "allowed": ["movie", "series", "documentary", "special"]},
  {"name": "genre",        "type": "string",        "required": true},
  {"name": "season",       "type": "int32",         "nullable": true, "min": 1, "max": 10},
  {"name": "episode",      "type": "int32",         "nullable": true, "min": 1, "max": 24},
  {"name": "event_time",   "type": "timestamp(us)", "required": true,
   "min": "2026-01-01T00:00:00Z", "max_exclusive": "2026-01-31T00:00:00Z"},
  {"name": "watch",        "type": "double",        "required": true, "min": 0, "max_column": "duration"},
  {"name": "duration",     "type": "double",        "required": true, "min": 0},
  {"name": "completed",    "type": "boolean",       "required": true, "equals": "watch >= 0.9 * duration"},
  {"name": "device",       "type": "string",        "required": true, "allowed": ["tv", "mobile", "web", "tablet", "console"]},
  {"name": "country",      "type": "string",        "required": true, "regex": "^[A-Z]{2}$"},
  {"name": "rating",       "type": "int32",         "nullable": true, "min": 1, "max": 5},
  {"name": "bitrate_kbps", "type": "int32",         "required": true, "min": 235, "max": 16000},
  {"name": "date",         "type": "date",          "required": true, "derived": "to_date(event_time)"}
]}
"""#

    /// `viewingEventsJSON` parsed: the viewing-events columns (with `date` derived from
    /// `event_time`), their quality rules, and `user_id` marked as personal data.
    public static func viewingEvents() throws -> IngestSchema {
        try parse(Data(viewingEventsJSON.utf8))
    }
}
