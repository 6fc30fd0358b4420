/// Namespace of the ingest layer (CSV / JSON Lines into Delta tables).
public enum LakeqIngest {}
